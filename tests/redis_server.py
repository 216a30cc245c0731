"""A throwaway redis-server for tests: 127.0.0.1, a free port, its own data dir, no persistence.

    @pytest.fixture(name="redis_server")
    def _redis_server(tmp_path: Path) -> Iterator[RedisServer]:
        yield from serve_redis(tmp_path)

Nothing is skipped: without a `redis-server` binary the test fails saying how to install it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.local_server import free_port, stop_process, wait_listening


class RedisServer:
    """One redis-server process; `url` reaches it, `stop()` takes it down (to test outages)."""

    def __init__(self, data_dir: Path, password: str | None = None) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is missing: install it (apt-get install -y redis-server); "
                        "the shared limiter's tests need a real Redis", pytrace=False)
        self.port = free_port()
        self.password = password
        data_dir.mkdir(parents=True, exist_ok=True)
        args = [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(data_dir),
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]
        if password:
            args += ["--requirepass", password]
        self.proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_listening(self.proc, self.port, name="redis-server", seconds=15, stop=self.stop)

    @property
    def url(self) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.proc is None:
            return
        stop_process(self.proc, seconds=10)
        self.proc = None


def serve_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """The body of a `redis_server` fixture: a server with a password, stopped afterwards."""
    server = RedisServer(tmp_path / "redis-data", password="s3cret-pass")
    try:
        yield server
    finally:
        server.stop()
