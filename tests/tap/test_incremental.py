"""Bookmarks: a second run reads only what changed, and the request log proves it."""

from __future__ import annotations

from typing import Any

from tests.tap.conftest import api_calls, editable_invoices, org_config, run_tap
from xero_core.dates import parse_datetime, to_http_date
from xero_core.http import XeroClient

INVOICES = "/api.xro/2.0/Invoices"


def _bookmark(state: dict[str, Any], stream: str, tenant_id: str) -> Any:
    for part in state["bookmarks"][stream]["partitions"]:
        if part["context"] == {"_tenant_id": tenant_id}:
            return part.get("replication_key_value")
    raise AssertionError(f"no partition for {tenant_id} in {stream}")


def _change_invoices(sandbox: Any, count: int) -> list[str]:
    """POST a new Reference on `count` editable sales invoices (Xero ignores it on bills)."""
    org = sandbox.orgs[0]
    client = XeroClient.from_config(org["settings"])
    ids = [inv["InvoiceID"] for inv in editable_invoices(sandbox)
           if inv["Type"] == "ACCREC"][:count]
    for n, invoice_id in enumerate(ids):
        client.request("POST", f"{INVOICES}/{invoice_id}", tenant_id=org["tenant_id"],
                       json={"Invoices": [{"InvoiceID": invoice_id, "Reference": f"chg-{n}"}]})
    return ids


def test_second_run_reads_only_the_changes(clean_sandbox: Any) -> None:
    sandbox, tenant = clean_sandbox, clean_sandbox.orgs[0]["tenant_id"]
    config = org_config(sandbox, 0)
    first = run_tap(sandbox, config, ["invoices"])
    bookmark = _bookmark(first.state, "invoices", tenant)
    assert bookmark == max(r["UpdatedDateUTC"] for r in first.records["invoices"])

    sandbox.advance_clock(120)  # the changes happen well after the bookmark
    changed = _change_invoices(sandbox, 3)
    sandbox.clear_requests()
    second = run_tap(sandbox, config, ["invoices"], state=first.state)

    # Re-read at most what shares the bookmark's second (If-Modified-Since has seconds only).
    floor = to_http_date(bookmark)
    resent = {r["InvoiceID"] for r in first.records["invoices"]
              if to_http_date(r["UpdatedDateUTC"]) == floor}
    emitted = set(second.ids("invoices", "InvoiceID"))
    assert set(changed) <= emitted <= set(changed) | resent
    assert {r["Reference"] for r in second.records["invoices"]
            if r["InvoiceID"] in changed} == {"chg-0", "chg-1", "chg-2"}

    calls = api_calls(sandbox, INVOICES)
    assert len(calls) == 1  # one short page
    assert calls[0]["headers"]["If-Modified-Since"] == floor
    assert calls[0]["query"]["order"] == "UpdatedDateUTC ASC"
    new_bookmark = _bookmark(second.state, "invoices", tenant)
    assert parse_datetime(new_bookmark) > parse_datetime(bookmark)


def test_lookback_and_start_date_move_if_modified_since(clean_sandbox: Any) -> None:
    sandbox, tenant = clean_sandbox, clean_sandbox.orgs[0]["tenant_id"]
    state = {"bookmarks": {"invoices": {"partitions": [{
        "context": {"_tenant_id": tenant}, "replication_key": "UpdatedDateUTC",
        "replication_key_value": "2030-01-01T12:00:00+00:00"}]}}}
    run_tap(sandbox, org_config(sandbox, 0, lookback_minutes=30), ["invoices"], state=state)
    sent = api_calls(sandbox, INVOICES)[0]["headers"]["If-Modified-Since"]
    assert sent == "Tue, 01 Jan 2030 11:30:00 GMT"

    sandbox.clear_requests()
    run = run_tap(sandbox, org_config(sandbox, 0, start_date="2001-02-03T00:00:00Z"), ["invoices"])
    assert api_calls(sandbox, INVOICES)[0]["headers"]["If-Modified-Since"] == (
        "Sat, 03 Feb 2001 00:00:00 GMT")
    assert run.records["invoices"]


def test_journals_resume_from_the_last_journal_number(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    config = org_config(sandbox, 0)
    first = run_tap(sandbox, config, ["journals"])
    numbers = first.ids("journals", "JournalNumber")
    assert numbers == sorted(numbers) and numbers
    tenant = sandbox.orgs[0]["tenant_id"]
    assert _bookmark(first.state, "journals", tenant) == max(numbers)
    sandbox.clear_requests()
    second = run_tap(sandbox, config, ["journals"], state=first.state)
    assert second.records["journals"] == []
    calls = api_calls(sandbox, "/Journals")
    assert [c["query"]["offset"] for c in calls] == [str(max(numbers))]
    assert "If-Modified-Since" not in calls[0]["headers"]
