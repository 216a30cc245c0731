"""The sandbox's own tests run it in process (Flask's test client behind a requests session):
`sandbox`, `clean_sandbox`, `api` and `make_api` here are the session's fixtures without a
server. Tests of what needs a socket (a dropped connection, a client timeout, concurrent calls
on the threaded server, the `serve` start line) use `served_sandbox` / `clean_served` /
`make_served_api`: a real `xero-sandbox serve` subprocess, started only when one asks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from tests.conftest import SANDBOX_SIZE, SandboxAPI
from xero_sandbox.inprocess import SandboxInProcess
from xero_sandbox.testing import SandboxProcess


class InProcessAPI(SandboxAPI):
    """SandboxAPI whose calls go through the sandbox's own session (in process)."""

    def new_token(self) -> str:
        resp = self.sandbox.http.post(f"{self.sandbox.url}/connect/token",
                                      data={"grant_type": "client_credentials"},
                                      auth=(self.settings["client_id"],
                                            self.settings["client_secret"]), timeout=10)
        resp.raise_for_status()
        return str(resp.json()["access_token"])

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Xero-Tenant-Id": self.tenant_id,
                   "Accept": "application/json", **kw.pop("headers", {})}
        kw.setdefault("timeout", 10)
        return self.sandbox.http.request(method, self.url(path), headers=headers, **kw)


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxInProcess]:
    """The sandbox (2 organisations, limits on) in this process, shared by the session."""
    with SandboxInProcess(size=SANDBOX_SIZE, orgs=2) as running:
        yield running


@pytest.fixture
def api(sandbox: SandboxInProcess) -> Iterator[SandboxAPI]:
    """A Custom Connection client of the first organisation, with limits off for the test."""
    sandbox.set_limits(False)
    yield InProcessAPI(sandbox)  # type: ignore[arg-type]
    sandbox.set_limits(True)


@pytest.fixture
def make_api(sandbox: SandboxInProcess) -> Callable[..., SandboxAPI]:
    """Build an in-process SandboxAPI for organisation `org` (limits as the sandbox has them)."""
    return lambda org=0: InProcessAPI(sandbox, org)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def served_sandbox() -> Iterator[SandboxProcess]:
    """A running `xero-sandbox serve` (2 organisations, limits on), for socket-level tests."""
    with SandboxProcess(size=SANDBOX_SIZE, orgs=2) as running:
        yield running


@pytest.fixture
def clean_served(served_sandbox: SandboxProcess) -> SandboxProcess:
    served_sandbox.clean()
    return served_sandbox


@pytest.fixture
def make_served_api(served_sandbox: SandboxProcess) -> Callable[..., SandboxAPI]:
    return lambda org=0: SandboxAPI(served_sandbox, org)
