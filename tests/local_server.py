"""What the tests' own server processes (Redis, PostgreSQL) share: a free port on 127.0.0.1,
waiting until the process listens there (or failing the test with what it printed), and
stopping it.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_listening(proc: subprocess.Popen[bytes], port: int, *, name: str, seconds: float,
                   stop: Callable[[], None]) -> None:
    """Return once 127.0.0.1:`port` accepts; if `proc` exits or `seconds` pass, stop it and
    fail the test with the end of its stderr."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr else ""
                stop()
                pytest.fail(f"{name} did not start: {err[-1500:]}", pytrace=False)
            time.sleep(0.05)


def stop_process(proc: subprocess.Popen[bytes], *, seconds: float) -> None:
    """Terminate `proc` (a server's clean shutdown), kill it after `seconds`, close its stderr."""
    proc.terminate()
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stderr is not None:
        proc.stderr.close()
