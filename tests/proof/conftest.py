"""Helpers for the proof tests: CLI runs of both connectors, in-process runs with hooks into the
HTTP session and the clock, a sandbox that can crash and come back on the same port."""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

import target_xero.target as target_module
from tap_xero.tap import TapXero
from tests.tap.conftest import Run, SandboxTime, catalog_for
from xero_core.http import XeroClient
from xero_sandbox.testing import SandboxProcess

TAP_CLI = [sys.executable, "-c", "from tap_xero.tap import TapXero; TapXero.cli()"]
TARGET_CLI = [sys.executable, "-c", "from target_xero.target import TargetXero; TargetXero.cli()"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RestartableSandbox(SandboxProcess):
    """A sandbox on a fixed port that can be killed (-9) and started again on that port.

    The same seed re-creates the same organisations, app credentials and records; tokens issued
    before the crash are unknown to the new process (a client must refresh after a 401).
    """

    def __init__(self, *, port: int, **kw: Any) -> None:
        super().__init__(**kw)
        self.args[self.args.index("--port") + 1] = str(port)
        self.crashes = 0

    @property
    def down(self) -> bool:
        return self.proc is None or self.proc.poll() is not None

    def crash(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
        self.crashes += 1

    def restart(self) -> None:
        self.stop()
        self._http = requests.Session()
        self.start()


class CrashingSession(requests.Session):
    """Crashes the sandbox just before sending the first request `trigger` picks."""

    def __init__(self, sandbox: RestartableSandbox,
                 trigger: Callable[[requests.PreparedRequest], bool]) -> None:
        super().__init__()
        self.sandbox = sandbox
        self.trigger = trigger
        self.fired = False

    def send(self, request: requests.PreparedRequest, **kw: Any) -> requests.Response:
        if not self.fired and self.trigger(request):
            self.fired = True
            self.sandbox.crash()
        return super().send(request, **kw)


class OutageTime(SandboxTime):
    """Sandbox-clock waits; the first wait while the sandbox is down brings it back."""

    sandbox: RestartableSandbox

    def sleep(self, seconds: float) -> None:
        if self.sandbox.down:
            self.sandbox.restart()
        super().sleep(seconds)


def tap_run(sandbox: Any, config: dict[str, Any], streams: list[str],
            state: dict[str, Any] | None = None, *, timer: SandboxTime | None = None,
            session: requests.Session | None = None) -> Run:
    """The tap in-process (waits on the sandbox clock); an error is kept, not raised."""
    catalog = catalog_for(config, streams)
    timer = timer or SandboxTime(sandbox)
    tap = TapXero(config=config, catalog=catalog, state=state, parse_env_config=False)
    options = timer.client_options()
    if session is not None:
        options["session"] = session
    tap.client_options = options
    out = io.StringIO()
    error: BaseException | None = None
    with contextlib.redirect_stdout(out):
        try:
            tap.sync_all()
        except Exception as exc:
            error = exc
    run = Run(parse_lines(out.getvalue()), error)
    run.waits = timer.waits
    return run


def parse_lines(text: str) -> list[dict[str, Any]]:
    """Singer messages of complete lines (a killed process may leave half a line)."""
    out = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line, parse_float=Decimal))
        except ValueError:
            continue
    return out


def last_state(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    states = [m["value"] for m in messages if m.get("type") == "STATE"]
    return states[-1] if states else None


def tap_cli(tmp: Path, config: dict[str, Any], streams: list[str],
            state: dict[str, Any] | None = None) -> subprocess.CompletedProcess[str]:
    """`tap-xero --config --catalog [--state]` as a subprocess."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "tap.json").write_text(json.dumps(config))
    (tmp / "catalog.json").write_text(json.dumps(catalog_for(config, streams)))
    args = [*TAP_CLI, "--config", str(tmp / "tap.json"), "--catalog", str(tmp / "catalog.json")]
    if state is not None:
        (tmp / "state.json").write_text(json.dumps(state, default=str))
        args += ["--state", str(tmp / "state.json")]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False,
                          env=dict(os.environ, PYTHONUNBUFFERED="1"))


def target_cli(tmp: Path, config: dict[str, Any], text: str) -> subprocess.CompletedProcess[str]:
    """`target-xero --config --input` as a subprocess."""
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "target.json").write_text(json.dumps(config))
    (tmp / "input.jsonl").write_text(text)
    args = [*TARGET_CLI, "--config", str(tmp / "target.json"),
            "--input", str(tmp / "input.jsonl")]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def target_timer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., SandboxTime]]:
    """Make in-process target runs wait on the sandbox clock (and optionally use a session)."""
    made: dict[str, Any] = {}

    def install(sandbox: Any, *, timer: SandboxTime | None = None,
                session: requests.Session | None = None) -> SandboxTime:
        timer = timer or SandboxTime(sandbox)
        made["options"] = {**timer.client_options(), **({"session": session} if session else {})}
        return timer

    class PatchedClient:
        @staticmethod
        def from_config(config: Any, **kw: Any) -> XeroClient:
            return XeroClient.from_config(config, **{**made.get("options", {}), **kw})

    monkeypatch.setattr(target_module, "XeroClient", PatchedClient)
    yield install


@pytest.fixture(scope="module")
def outage_sandbox() -> Iterator[RestartableSandbox]:
    """A sandbox of its own (same seed and size as the session's) that tests may crash."""
    running = RestartableSandbox(port=free_port(), size=60, orgs=2)
    with running:
        yield running
