"""No secret leaks: client secrets, access and refresh tokens never reach a log line, stdout
(records, STATE), the rejects file or the sandbox's own output, in either auth flow, on the
happy path and on error paths (401 mid-run, wrong secret, wrong refresh token, 5xx retries);
the token store file is mode 0600.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.proof.conftest import TAP_CLI, TARGET_CLI
from tests.tap.conftest import FAST, catalog_for
from tests.target.conftest import held, singer_lines, stream_input
from xero_sandbox.testing import SandboxProcess

ACCESS_TOKEN = re.compile(r"sbx\.[A-Za-z0-9_-]{20,}")  # the sandbox's access token format
DEBUG_ENV = dict(os.environ, LOGLEVEL="DEBUG", PYTHONUNBUFFERED="1")


class Evidence:
    """Everything the connectors and the sandbox wrote, and every secret they were given."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.secrets: set[str] = set()
        self.stores: list[Path] = []

    def add_text(self, name: str, text: str) -> None:
        self.texts[name] = text

    def add_store(self, path: Path) -> None:
        """Token store: every long string in it is a secret; its mode must be 0600."""
        self.stores.append(path)
        data = json.loads(path.read_text())
        for value in data.values():
            if isinstance(value, str) and len(value) >= 20:
                self.secrets.add(value)

    def leaks(self) -> list[tuple[str, str]]:
        found = []
        for name, text in self.texts.items():
            found += [(name, s[:8] + "...") for s in self.secrets if s and s in text]
            found += [(name, m[:8] + "...") for m in ACCESS_TOKEN.findall(text)]
        return found


@pytest.fixture(scope="module")
def logged_sandbox(tmp_path_factory: pytest.TempPathFactory
                   ) -> Iterator[tuple[SandboxProcess, Path]]:
    """A sandbox of its own whose stderr goes to a file we scan too."""
    log = tmp_path_factory.mktemp("sandbox-log") / "sandbox.stderr"
    command = ["sh", "-c", f'exec "$@" 2>>{shlex.quote(str(log))}', "sh",
               sys.executable, "-m", "xero_sandbox.cli"]
    with SandboxProcess(size=20, orgs=2, command=command) as running:
        yield running, log


def _fresh_token(sandbox: SandboxProcess, settings: dict[str, str]) -> str:
    resp = requests.post(f"{sandbox.url}/connect/token", data={"grant_type": "client_credentials"},
                         auth=(settings["client_id"], settings["client_secret"]), timeout=10)
    resp.raise_for_status()
    return str(resp.json()["access_token"])


def _tap(tmp: Path, config: dict[str, Any], streams: list[str]) -> subprocess.CompletedProcess[str]:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "config.json").write_text(json.dumps(config))
    (tmp / "catalog.json").write_text(json.dumps(catalog_for(config, streams)))
    return subprocess.run([*TAP_CLI, "--config", str(tmp / "config.json"),
                           "--catalog", str(tmp / "catalog.json")],
                          capture_output=True, text=True, timeout=120, check=False, env=DEBUG_ENV)


def _target(tmp: Path, config: dict[str, Any], text: str) -> subprocess.CompletedProcess[str]:
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "config.json").write_text(json.dumps(config))
    (tmp / "input.jsonl").write_text(text)
    return subprocess.run([*TARGET_CLI, "--config", str(tmp / "config.json"),
                           "--input", str(tmp / "input.jsonl")],
                          capture_output=True, text=True, timeout=120, check=False, env=DEBUG_ENV)


def _target_input(sandbox: SandboxProcess, prefix: str) -> str:
    contact = held(sandbox, 0, "contacts")[0]["Name"]
    good = [{"Type": "ACCREC", "InvoiceNumber": f"{prefix}{i}", "Contact": {"Name": contact},
             "Date": "2026-02-01", "DueDate": "2026-03-01", "Status": "AUTHORISED",
             "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": 5,
                            "AccountCode": "200"}]} for i in range(3)]
    bad = {"Type": "ACCREC", "InvoiceNumber": f"{prefix}bad", "Contact": {"Name": contact},
           "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 5,
                          "AccountCode": "NO-SUCH-ACCOUNT"}]}
    return singer_lines([*stream_input("invoices", [*good, bad]),
                         {"type": "STATE", "value": {"done": prefix}}])


def test_no_secret_in_any_output(logged_sandbox: tuple[SandboxProcess, Path],
                                 tmp_path: Path) -> None:
    sandbox, sandbox_log = logged_sandbox
    sandbox.clean()
    ev = Evidence()
    org = sandbox.orgs[0]["settings"]
    base = {"api_url": org["api_url"], "identity_url": org["identity_url"], **FAST, "page_size": 5,
            "max_retries": 2}
    app = {**base, **sandbox.app, "refresh_token": sandbox.refresh_token}
    cc = {**base, "client_id": org["client_id"], "client_secret": org["client_secret"]}
    ev.secrets |= {o["settings"]["client_secret"] for o in sandbox.orgs}
    ev.secrets |= {sandbox.app["client_secret"], sandbox.refresh_token}
    fresh = _fresh_token(sandbox, org)
    assert ACCESS_TOKEN.fullmatch(fresh)  # the pattern matches what the sandbox issues
    ev.secrets.add(fresh)
    wrong_secret = "WrongSecret-" + "q" * 36
    wrong_refresh = "f" * 64
    ev.secrets |= {wrong_secret, wrong_refresh}

    runs: list[tuple[str, subprocess.CompletedProcess[str], int]] = []  # name, result, exit

    def tap(name: str, config: dict[str, Any], expect: int, **fault: Any) -> None:
        sandbox.clear_faults()
        for kind, spec in fault.items():
            sandbox.fault(kind.replace("_", "-"), **spec)
        runs.append((name, _tap(tmp_path / name, config, ["contacts", "invoices"]), expect))

    def target(name: str, config: dict[str, Any], expect: int, **fault: Any) -> None:
        sandbox.clear_faults()
        for kind, spec in fault.items():
            sandbox.fault(kind.replace("_", "-"), **spec)
        config = {**config, "rejects_path": str(tmp_path / name / "rejects.jsonl")}
        runs.append((name, _target(tmp_path / name, config, _target_input(sandbox, name)),
                     expect))

    store_app, store_cc = tmp_path / "tokens-app.json", tmp_path / "tokens-cc.json"
    retry_faults = {"401_expired": {"path": "/Invoices", "nth": 2},
                    "500": {"path": "/Contacts", "count": 2}}
    tap("tap-refresh-flow", {**app, "tenant_id": org["tenant_id"],
                             "token_store_path": str(store_app)}, 0, **retry_faults)
    tap("tap-client-credentials", {**cc, "token_store_path": str(store_cc)}, 0, **retry_faults)
    tap("tap-500-persists", {**cc, "token_store_path": str(store_cc)}, 1,
        **{"500": {"path": "/Invoices", "count": None}})
    tap("tap-wrong-secret", {**cc, "client_secret": wrong_secret}, 1)
    tap("tap-wrong-refresh-token", {**app, "refresh_token": wrong_refresh}, 1)
    write_faults = {"401_expired": {"path": "/Invoices$", "method": "POST"},
                    "503_offline": {"path": "/Invoices$", "method": "POST", "nth": 2}}
    target("target-client-credentials", {**cc, "token_store_path": str(store_cc),
                                         "batch_size": 2}, 0, **write_faults)
    target("target-refresh-flow", {**app, "tenant_id": org["tenant_id"],
                                   "token_store_path": str(store_app), "batch_size": 2}, 0,
           **write_faults)
    target("target-wrong-secret", {**cc, "client_secret": wrong_secret}, 1)
    target("target-500-persists", cc, 1,
           **{"500": {"path": "/Invoices$", "method": "POST", "count": None}})
    sandbox.clear_faults()

    for name, result, expect in runs:
        assert (result.returncode == 0) == (expect == 0), (name, result.stderr[-1500:])
        ev.add_text(f"{name}:stdout", result.stdout)
        ev.add_text(f"{name}:stderr", result.stderr)
        rejects = tmp_path / name / "rejects.jsonl"
        if rejects.exists():
            ev.add_text(f"{name}:rejects", rejects.read_text())
    # The runs really logged at DEBUG, emitted STATE, rejected the bad record and retried.
    assert "DEBUG" in ev.texts["tap-refresh-flow:stderr"]
    assert '"type":"STATE"' in ev.texts["tap-client-credentials:stdout"].replace(" ", "")
    assert "NO-SUCH-ACCOUNT" in ev.texts["target-client-credentials:rejects"]
    assert "refreshing the token" in ev.texts["tap-refresh-flow:stderr"]
    assert "retry 1/2" in ev.texts["tap-client-credentials:stderr"]

    for store in (store_app, store_cc):
        assert stat.S_IMODE(store.stat().st_mode) == 0o600
        ev.add_store(store)
    assert len(ev.secrets) >= 9  # given secrets + rotated refresh token + access tokens

    # The sandbox: everything but its settings line (which hands out the credentials).
    assert sandbox.proc is not None and sandbox.proc.stdout is not None
    sandbox.proc.send_signal(signal.SIGTERM)
    rest = sandbox.proc.stdout.read().decode()
    sandbox.proc.wait(timeout=10)
    ev.add_text("sandbox:stdout-after-settings", rest)
    ev.add_text("sandbox:stderr", sandbox_log.read_text())

    assert ev.leaks() == []
