"""Every API call names its organisation: `Xero-Tenant-Id` on each call of the tap and target.

The sandbox answers a Custom Connection's call without the header (as Xero may), so only the
request log can prove that neither connector leans on that leniency.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.tap.conftest import app_config, org_config, run_tap
from tests.target.conftest import run_target, stream_input, target_config

API_PREFIXES = ("/api.xro", "/assets.xro", "/projects.xro")


def _api_calls(sandbox: Any) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if r["path"].startswith(API_PREFIXES)]


def test_every_tap_call_carries_its_tenant(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    streams = ["contacts", "invoices", "invoices_history", "report_rows", "assets", "projects",
               "project_tasks", "organisation"]
    run_tap(sandbox, org_config(sandbox, 0, include_history=True,
                                reports=["BalanceSheet"]), streams)
    run_tap(sandbox, app_config(sandbox), ["currencies", "invoices"])
    calls = _api_calls(sandbox)
    assert len(calls) > 10
    tenants = {o["tenant_id"] for o in sandbox.orgs}
    assert {c["path"].split("/")[1] for c in calls} >= {"api.xro", "assets.xro", "projects.xro"}
    missing = [c["path"] for c in calls if c["headers"].get("Xero-Tenant-Id") not in tenants]
    assert missing == []
    assert {c["headers"]["Xero-Tenant-Id"] for c in calls} == tenants  # the app reaches both


def test_every_target_call_carries_its_tenant(clean_sandbox: Any, tmp_path: Path) -> None:
    sandbox = clean_sandbox
    contacts = [{"Name": f"Header check {i}", "EmailAddress": f"h{i}@example.com"}
                for i in range(3)]
    notes = [{"ContactID": None, "Name": "Header check 0", "Details": "a note"}]
    result = run_target(target_config(sandbox, tmp_path, 1),
                        [*stream_input("contacts", contacts),
                         *stream_input("contacts_history", notes)])
    assert result.rejects == []
    calls = _api_calls(sandbox)
    assert {c["method"] for c in calls} >= {"GET", "POST", "PUT"}
    tenant = sandbox.orgs[1]["tenant_id"]
    assert [c["path"] for c in calls if c["headers"].get("Xero-Tenant-Id") != tenant] == []
