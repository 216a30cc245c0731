"""What the payroll tests share: a sandbox with all four demo organisations (NZ, UK, AU, US),
clients for each, and checking an answer against the spec path it answers.

The v2 specs' own examples answer `"problem": null` and `"pagination": null`, which their
schemas (objects, not nullable) do not allow; those two keys are checked only when not null.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import requests

from tests.sandbox.conftest import InProcessAPI
from tests.sandbox.spec_responses import check, spec
from xero_sandbox.inprocess import SandboxInProcess

V1, V2 = "/payroll.xro/1.0", "/payroll.xro/2.0"
SPECS = {"AU": "xero-payroll-au.yaml", "AU2": "xero-payroll-au-v2.yaml",
         "NZ": "xero-payroll-nz.yaml", "UK": "xero-payroll-uk.yaml"}
ORG_INDEX = {"NZ": 0, "UK": 1, "AU": 2, "US": 3}


def _norm(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path).lower().rstrip("/")


def spec_path(spec_name: str, path: str) -> str:
    """The spec's spelling of a path (`/Employees/{EmployeeID}/Leave` for
    `/Employees/{employeeID}/leave`)."""
    want = _norm(path)
    for candidate in spec(spec_name)["paths"]:
        if _norm(candidate) == want:
            return str(candidate)
    raise AssertionError(f"{spec_name} has no path {path}")


def checked(resp: requests.Response, spec_name: str, path: str) -> Any:
    """The answer's JSON, after checking it against the spec's answer for its status."""
    body = resp.json()
    shown = dict(body) if isinstance(body, dict) else body
    if isinstance(shown, dict):
        for key in ("problem", "pagination"):
            if key in shown and shown[key] is None:
                del shown[key]
    check(spec_name, spec_path(spec_name, path), resp.request.method or "GET",
          resp.status_code, shown)
    return body


def running_sandbox() -> Iterator[SandboxInProcess]:
    """A sandbox with the four demo organisations, limits off (a test module's fixture)."""
    with SandboxInProcess(size=120, orgs=4) as running:
        running.set_limits(False)
        yield running


def clients_of(sandbox: SandboxInProcess) -> dict[str, InProcessAPI]:
    """A Custom Connection client of each organisation, by its region (US: none)."""
    return {code: InProcessAPI(sandbox, i)  # type: ignore[arg-type]
            for code, i in ORG_INDEX.items()}


def org_of(sandbox: SandboxInProcess, client: InProcessAPI) -> Any:
    org = sandbox.sandbox.org(client.tenant_id)
    assert org is not None
    return org


__all__ = ["SPECS", "V1", "V2", "checked", "clients_of", "org_of", "running_sandbox",
           "spec_path"]
