"""Shared fixtures: one sandbox server for the whole session, and a way to get it clean."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from xero_sandbox.testing import SandboxProcess

SANDBOX_SIZE = 60  # invoices per organisation: enough for paging, small enough to be fast


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxProcess]:
    """A running xero-sandbox (2 organisations, limits on) shared by the session."""
    with SandboxProcess(size=SANDBOX_SIZE, orgs=2) as running:
        yield running


@pytest.fixture
def clean_sandbox(sandbox: SandboxProcess) -> SandboxProcess:
    """The session sandbox re-seeded, with an empty log, no faults and limits on."""
    sandbox.clean()
    return sandbox


class SandboxAPI:
    """Plain `requests` calls to the sandbox as one organisation's Custom Connection."""

    def __init__(self, sandbox: SandboxProcess, org: int = 0):
        self.sandbox = sandbox
        self.org = sandbox.orgs[org]
        self.tenant_id: str = self.org["tenant_id"]
        self.settings: dict[str, str] = self.org["settings"]
        self.token = self.new_token()

    def new_token(self) -> str:
        resp = requests.post(f"{self.sandbox.url}/connect/token",
                              data={"grant_type": "client_credentials"},
                              auth=(self.settings["client_id"], self.settings["client_secret"]),
                              timeout=10)
        resp.raise_for_status()
        return str(resp.json()["access_token"])

    def url(self, path: str) -> str:
        return self.sandbox.url + (path if path.startswith("/") else "/api.xro/2.0/" + path)

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Xero-Tenant-Id": self.tenant_id,
                   "Accept": "application/json", **kw.pop("headers", {})}
        kw.setdefault("timeout", 10)
        return requests.request(method, self.url(path), headers=headers, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def records(self, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
        resp = self.get(path, params=params)
        assert resp.status_code == 200, resp.text
        return list(resp.json()[key])


@pytest.fixture
def api(sandbox: SandboxProcess) -> Iterator[SandboxAPI]:
    """A Custom Connection client of the first organisation, with limits off for the test."""
    sandbox.set_limits(False)
    yield SandboxAPI(sandbox)
    sandbox.set_limits(True)


@pytest.fixture
def make_api(sandbox: SandboxProcess) -> Callable[..., SandboxAPI]:
    """Build a SandboxAPI for organisation `org` (limits as the sandbox has them)."""
    return lambda org=0: SandboxAPI(sandbox, org)


def _printable(text: str) -> str:
    """Lone surrogates (hostile-input tests make them) escaped, so pytest-xdist can send it."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failure report that quotes hostile input must still reach the xdist controller."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and report.longrepr is not None:
        report.longrepr = _printable(str(report.longrepr))
    report.sections = [(title, _printable(body)) for title, body in report.sections]
