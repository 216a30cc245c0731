"""The internet-facing webhook receiver, hardened: body limit, timeouts, GUID tenant ids,
environment-only command input, a /healthz without tenant data, and a key never in argv or in
the sync command's environment."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import requests
from werkzeug.test import EnvironBuilder, run_wsgi_app

from tests.pipelines.conftest import REPO, bin_of, wait_for
from xero_webhooks import cli
from xero_webhooks.command import CommandRunner
from xero_webhooks.events import is_tenant_id
from xero_webhooks.receiver import MAX_BODY, create_app
from xero_webhooks.signature import sign

KEY = "hardening-webhook-key-9876543210"
TENANT = "6a4c1f2e-0b7d-4e55-9c3a-1d2e3f405162"


def payload(*tenants: str) -> bytes:
    events = [{"tenantId": t, "tenantType": "ORGANISATION", "eventCategory": "INVOICE",
               "resourceId": str(uuid.uuid4())} for t in tenants]
    return json.dumps({"events": events, "firstEventSequence": 1,
                       "lastEventSequence": len(events), "entropy": "ABC"}).encode()


# -- the app, called through WSGI with a body stream that counts what is read -----------------

class CountingStream(io.RawIOBase):
    """`size` bytes of "x" (endless if None), counting the bytes read."""

    def __init__(self, size: int | None) -> None:
        self.size, self.read_bytes = size, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = len(buffer)
        if self.size is not None:
            n = min(n, self.size - self.read_bytes)
        buffer[:n] = b"x" * n
        self.read_bytes += n
        return n


def call(app: Any, stream: io.IOBase, content_length: int | None,
         headers: dict[str, str] | None = None, path: str = "/") -> tuple[int, bytes]:
    environ = EnvironBuilder(method="POST", path=path,
                             headers=list((headers or {}).items())).get_environ()
    environ["wsgi.input"] = stream
    environ.pop("CONTENT_LENGTH", None)
    if content_length is None:  # a chunked body, de-chunked by the server
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(content_length)
    app_iter, status, _ = run_wsgi_app(app, environ)
    body = b"".join(app_iter)
    return int(status.split()[0]), body


def make_app(events: list[tuple[str, set[str]]] | None = None, **kw: Any) -> Any:
    sink = events if events is not None else []
    return create_app(KEY, lambda t, s: sink.append((t, s)), **kw)


def test_the_body_limit_is_one_mib() -> None:
    assert MAX_BODY == 1024 * 1024
    assert cli.build_parser().parse_args(["serve", "--command", "true"]).max_body == MAX_BODY


def test_a_too_large_content_length_is_413_without_reading_the_body() -> None:
    stream = CountingStream(300 * 1024 * 1024)
    status, _ = call(make_app(), stream, 300 * 1024 * 1024)
    assert status == 413
    assert stream.read_bytes == 0
    stream = CountingStream(2000)
    assert call(make_app(max_body=1000), stream, 1001)[0] == 413
    assert stream.read_bytes == 0


def test_a_chunked_body_is_read_at_most_limit_plus_one_bytes() -> None:
    stream = CountingStream(50 * MAX_BODY)  # bounded, so a missing limit fails, not hangs
    status, _ = call(make_app(), stream, None)
    assert status == 413
    assert stream.read_bytes <= MAX_BODY + 1
    small = CountingStream(None)
    assert call(make_app(max_body=1000), small, None)[0] == 413
    assert small.read_bytes <= 1001


def test_a_signed_body_within_the_limit_is_accepted() -> None:
    events: list[tuple[str, set[str]]] = []
    body = payload(TENANT)
    app = make_app(events, max_body=len(body))
    status, _ = call(app, io.BytesIO(body), len(body), {"x-xero-signature": sign(body, KEY)})
    assert status == 200 and events == [(TENANT, {"invoices"})]
    status, _ = call(app, io.BytesIO(body), None, {"x-xero-signature": sign(body, KEY)})
    assert status == 200 and len(events) == 2  # chunked, exactly the limit


def test_only_guid_tenant_ids_reach_the_command(caplog: pytest.LogCaptureFixture) -> None:
    bad = ["t1", "x; touch /tmp/pwned", "$(id)", "`id`", "", f"{TENANT}\n",
           f"{{{TENANT}}}", TENANT.replace("-", ""), f"urn:uuid:{TENANT}", TENANT + "0",
           "g" + TENANT[1:]]
    upper = str(uuid.uuid4()).upper()
    events: list[tuple[str, set[str]]] = []
    app = make_app(events)
    body = payload(*bad, TENANT, upper)
    status, _ = call(app, io.BytesIO(body), len(body), {"x-xero-signature": sign(body, KEY)})
    assert status == 200
    assert sorted(t for t, _ in events) == sorted([TENANT, upper])
    assert "not a GUID" in caplog.text
    assert not any(is_tenant_id(t) for t in bad)
    assert is_tenant_id(TENANT) and is_tenant_id(upper)


def test_healthz_shows_counts_not_tenant_ids() -> None:
    other = str(uuid.uuid4())

    def status() -> dict[str, object]:
        return {"pending": [TENANT], "running": [other], "runs": 3,
                "failing": {TENANT: 2}}

    app = create_app(KEY, lambda t, s: None, "/hook", status)
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 200
    text = resp.get_data(as_text=True)
    assert TENANT not in text and other not in text
    body = resp.get_json()
    assert body["status"] == "ok"
    assert (body["pending"], body["running"], body["failing"], body["runs"]) == (1, 1, 1, 3)
    assert all(isinstance(v, int | float | str) for v in body.values())


# -- the command ------------------------------------------------------------------------------

def test_the_readme_quotes_the_tenant_id_in_the_command() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Sync on Xero webhooks", 1)[1].split("\n## ", 1)[0]
    command = re.search(r"--command '([^']*)'", section)
    assert command is not None
    assert '"$XERO_TENANT_ID"' in command.group(1)
    unquoted = re.findall(r'(?<!")\$\{?XERO_(?:TENANT_ID|STREAMS)\b', command.group(1))
    assert unquoted == []


def test_the_command_gets_tenant_and_streams_only_from_the_environment(tmp_path: Path) -> None:
    command = "printf '%s|%s|{tenant}\\n' \"$XERO_TENANT_ID\" \"$XERO_STREAMS\" > out.txt"
    runner = CommandRunner(command, cwd=str(tmp_path), env={"PATH": os.environ["PATH"]})
    hostile = "x'; touch pwned; echo '"
    runner(hostile, frozenset({"invoices", "contacts"}))
    assert (tmp_path / "out.txt").read_text() == f"{hostile}|contacts,invoices|{{tenant}}\n"
    assert not (tmp_path / "pwned").exists()
    with mock.patch("subprocess.run") as run:
        run.return_value.returncode = 0
        runner(TENANT, frozenset({"invoices"}))
    assert run.call_args.args == (command,)  # the command string as given, never formatted
    env = run.call_args.kwargs["env"]
    assert (env["XERO_TENANT_ID"], env["XERO_STREAMS"]) == (TENANT, "invoices")


def test_the_command_environment_has_no_webhook_key() -> None:
    runner = CommandRunner("true", env={"PATH": "/bin", "XERO_WEBHOOK_KEY": KEY,
                                        "XERO_WEBHOOK_OTHER": "x", "TAP_XERO_CLIENT_ID": "c"})
    env = runner.environment(TENANT, frozenset({"invoices"}))
    assert "XERO_WEBHOOK_KEY" not in env and "XERO_WEBHOOK_OTHER" not in env
    assert KEY not in env.values()
    assert env["TAP_XERO_CLIENT_ID"] == "c" and env["XERO_TENANT_ID"] == TENANT
    with mock.patch.dict(os.environ, {"XERO_WEBHOOK_KEY": KEY}):
        assert "XERO_WEBHOOK_KEY" not in CommandRunner("true").environment(TENANT, frozenset())


# -- the served receiver ----------------------------------------------------------------------

class Served:
    def __init__(self, proc: subprocess.Popen[str], url: str, out: Path) -> None:
        self.proc, self.url, self.out = proc, url, out
        host_port = url.split("//", 1)[1].split("/", 1)[0]
        self.host, port = host_port.rsplit(":", 1)
        self.port = int(port)

    def post(self, body: bytes, key: str = KEY) -> requests.Response:
        return requests.post(self.url, data=body, headers={"x-xero-signature": sign(body, key)},
                             timeout=10)

    def health(self) -> dict[str, Any]:
        return dict(requests.get(self.url.removesuffix("/xero/webhooks") + "/healthz",
                                 timeout=5).json())


def start(tmp_path: Path, *extra: str, env: dict[str, str] | None = None,
          command: str | None = None) -> Served:
    out = tmp_path / "env.txt"
    proc = subprocess.Popen(
        [bin_of("xero-webhooks"), "serve", "--host", "127.0.0.1", "--port", "0",
         "--path", "/xero/webhooks", "--debounce", "0.2", "--retry-delay", "5",
         "--retry-max", "10", "--command-timeout", "20",
         "--command", command or f'env > "{out}.tmp" && mv "{out}.tmp" "{out}"', *extra],
        stdout=subprocess.PIPE, text=True, env=env if env is not None else dict(
            os.environ, XERO_WEBHOOK_KEY=KEY))
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.wait(timeout=10)
        pytest.fail(f"xero-webhooks did not start (exit {proc.returncode})")
    return Served(proc, json.loads(line)["url"], out)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    server = start(tmp_path, "--timeout", "1")
    yield server
    server.proc.terminate()
    assert server.proc.wait(timeout=15) == 0


def raw(server: Served, data: bytes, timeout: float = 10.0) -> bytes:
    with socket.create_connection((server.host, server.port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_served_a_huge_content_length_is_413_at_once(served: Served) -> None:
    began = time.monotonic()
    answer = raw(served, b"POST /xero/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Length: 300000000\r\nx-xero-signature: x\r\n\r\n" + b"x" * 100)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:100]
    assert time.monotonic() - began < 5


def test_served_a_chunked_body_over_the_limit_is_413(served: Served) -> None:
    chunk = b"x" * 65536
    resp = requests.post(served.url, data=iter([chunk] * 40), timeout=10,  # 2.5 MiB, chunked
                         headers={"x-xero-signature": "x"})
    assert resp.status_code == 413


def test_served_a_silent_client_is_disconnected_after_the_timeout(served: Served) -> None:
    began = time.monotonic()
    with socket.create_connection((served.host, served.port), timeout=10) as sock:
        sock.sendall(b"POST /xero/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and nothing more
        try:
            assert sock.recv(1024) == b""  # closed by the server
        except TimeoutError:
            pytest.fail("the receiver kept a silent connection open for 10 s")
    assert time.monotonic() - began < 8


def test_served_with_all_flags_runs_the_command_without_the_key(served: Served) -> None:
    other = str(uuid.uuid4())
    assert served.post(payload(TENANT)).status_code == 200
    assert served.post(payload(other), key="wrong").status_code == 401
    assert served.post(payload("not-a-guid")).status_code == 200
    wait_for(served.out.exists, timeout=20.0)
    env = dict(line.split("=", 1) for line in served.out.read_text().splitlines()
               if "=" in line)
    assert env["XERO_TENANT_ID"] == TENANT and env["XERO_STREAMS"] == "invoices"
    assert "XERO_WEBHOOK_KEY" not in env and KEY not in served.out.read_text()
    wait_for(lambda: served.health()["running"] == 0 and served.health()["runs"] == 1,
             timeout=20.0)
    health = served.health()
    assert TENANT not in json.dumps(health) and health["ignored"] == 1


def test_served_key_from_a_file_and_never_from_argv(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")
    env = {k: v for k, v in os.environ.items() if k != "XERO_WEBHOOK_KEY"}
    server = start(tmp_path, "--key-file", str(key_file), env=env)
    try:
        assert server.post(payload(TENANT)).status_code == 200
        assert server.post(payload(TENANT), key="wrong").status_code == 401
        wait_for(server.out.exists, timeout=20.0)
        assert KEY not in server.out.read_text()
    finally:
        server.proc.terminate()
        server.proc.wait(timeout=15)
    # A key on the command line is refused (ps shows argv), and not echoed.
    try:
        done = subprocess.run([bin_of("xero-webhooks"), "serve", "--port", "0", "--key", KEY,
                               "--command", "true"], capture_output=True, text=True,
                              env=env, timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail("xero-webhooks served with a key given in argv")
    assert done.returncode == 2
    assert "--key-file" in done.stderr and KEY not in done.stderr + done.stdout
