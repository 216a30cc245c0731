"""Two ways a run could lose data for good, each proven closed against the sandbox.

A parent whose children (history, attachments) fail must not be passed by its bookmark, and a
record modified mid-listing must not make a later record slip between two pages unread.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from tap_xero.tap import TenantSyncError
from tests.tap.conftest import (
    admin_records,
    api_calls,
    app_config,
    change_after_page,
    editable_invoices,
    org_config,
    run_tap,
)
from xero_core.dates import parse_datetime
from xero_core.http import XeroClient

INVOICES = "/api.xro/2.0/Invoices"


def _partition(state: dict[str, Any], stream: str, tenant_id: str) -> dict[str, Any]:
    for part in state["bookmarks"][stream]["partitions"]:
        if part["context"] == {"_tenant_id": tenant_id}:
            return dict(part)
    return {}


def _sorted_invoices(sandbox: Any, index: int) -> list[dict[str, Any]]:
    held = admin_records(sandbox, sandbox.orgs[index]["tenant_id"], "invoices")
    return sorted(held, key=lambda r: (parse_datetime(r["UpdatedDateUTC"]), r["InvoiceID"]))


def _history_parents(sandbox: Any, tenant_id: str) -> set[str]:
    return {c["path"].split("/")[4] for c in api_calls(sandbox, "/History")
            if c["tenant_id"] == tenant_id and c["status"] == 200}


def test_child_failure_keeps_the_parent_bookmark_before_that_parent(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    down, up = sandbox.orgs[0]["tenant_id"], sandbox.orgs[1]["tenant_id"]
    org = sandbox.orgs[0]
    client = XeroClient.from_config(org["settings"])
    ordered = _sorted_invoices(sandbox, 0)
    # A parent in the middle of the listing (page 3 of 10) that has history to lose.
    target = next(inv for inv in ordered[25:] if client.get_json(
        f"{INVOICES}/{inv['InvoiceID']}/History", tenant_id=down).get("HistoryRecords"))
    target_id, target_key = target["InvoiceID"], parse_datetime(target["UpdatedDateUTC"])
    sandbox.clear_requests()
    sandbox.fault("500", path=f"/Invoices/{target_id}/History", count=None, tenant_id=down)

    config = app_config(sandbox, include_history=True, page_size=10, max_retries=1)
    streams = ["invoices", "invoices_history"]
    first = run_tap(sandbox, config, streams, expect_error=True)
    assert isinstance(first.error, TenantSyncError) and down in str(first.error)
    assert first.messages[-1]["type"] == "STATE"
    # The failing tenant's bookmark stays before the parent whose history failed ...
    part = _partition(first.state, "invoices", down)
    assert "progress_markers" not in part
    bookmark = part.get("replication_key_value")
    assert bookmark is not None and parse_datetime(bookmark) <= target_key
    emitted_down = {r["InvoiceID"] for r in first.records["invoices"] if r["_tenant_id"] == down}
    assert target_id not in emitted_down
    # ... and every parent it did emit had its history read; the other tenant is complete.
    assert emitted_down <= _history_parents(sandbox, down)
    held_up = {r["InvoiceID"] for r in admin_records(sandbox, up, "invoices")}
    assert {r["InvoiceID"] for r in first.records["invoices"] if r["_tenant_id"] == up} == held_up
    assert _history_parents(sandbox, up) == held_up

    sandbox.clear_faults()
    sandbox.clear_requests()
    second = run_tap(sandbox, config, streams, state=first.state)
    history = [h for h in second.records["invoices_history"] if h["InvoiceID"] == target_id]
    assert history, "the re-run reads the history the first run missed"
    # Between them the two runs read the history of every invoice of the failed tenant.
    all_down = {r["InvoiceID"] for r in ordered}
    assert emitted_down | {r["InvoiceID"] for r in second.records["invoices"]
                           if r["_tenant_id"] == down} == all_down
    assert emitted_down | _history_parents(sandbox, down) == all_down


def test_a_record_changed_mid_listing_hides_no_other(clean_sandbox: Any,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox, size = clean_sandbox, 5
    ordered = _sorted_invoices(sandbox, 0)
    editable = {inv["InvoiceID"] for inv in editable_invoices(sandbox)}
    index = next(i for i, inv in enumerate(ordered) if inv["InvoiceID"] in editable)
    page = index // size + 1  # the invoice changes right after this page was served ...
    pages = math.ceil(len(ordered) / size)
    assert page < pages
    changed = ordered[index]["InvoiceID"]
    hidden = ordered[page * size]["InvoiceID"]  # ... so this one moves back onto that page

    # Pages 10 s apart on the sandbox clock, the change half-way between two pages.
    done = change_after_page(monkeypatch, sandbox, page, changed,
                              {"Reference": "changed mid-listing"}, clock_step=10)
    run = run_tap(sandbox, org_config(sandbox, 0, page_size=size), ["invoices"])
    assert done
    emitted = run.ids("invoices", "InvoiceID")
    assert emitted.count(changed) == 2  # it did move: served on its page and at the end
    held = {r["InvoiceID"] for r in admin_records(sandbox, sandbox.orgs[0]["tenant_id"],
                                                  "invoices")}
    assert hidden in emitted and set(emitted) == held
    # The listing, plus one call re-reading the one page boundary the change fell into.
    calls = [c for c in api_calls(sandbox, INVOICES) if c["path"] == INVOICES]
    assert len(calls) == pages + 1


def test_a_child_answering_403_is_skipped_and_the_parent_goes_on(
        clean_sandbox: Any, caplog: pytest.LogCaptureFixture) -> None:
    sandbox = clean_sandbox
    tenant = sandbox.orgs[0]["tenant_id"]
    sandbox.fault("403-scope", path="/Attachments", count=None)
    config = org_config(sandbox, 0, include_history=True, include_attachments=True)
    run = run_tap(sandbox, config, ["invoices", "invoices_history", "invoices_attachments"])
    held = {r["InvoiceID"] for r in admin_records(sandbox, tenant, "invoices")}
    assert set(run.ids("invoices", "InvoiceID")) == held
    assert run.records["invoices_history"] and not run.records["invoices_attachments"]
    assert _history_parents(sandbox, tenant) == held
    bookmark = _partition(run.state, "invoices", tenant)["replication_key_value"]
    assert bookmark == max(r["UpdatedDateUTC"] for r in run.records["invoices"])
    assert any("answered 403" in r.getMessage() and "invoices_attachments" in r.getMessage()
               for r in caplog.records)


def test_a_record_leaving_a_where_filter_mid_listing_hides_no_other(
        clean_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    sandbox, size = clean_sandbox, 1
    drafts = [inv for inv in _sorted_invoices(sandbox, 0) if inv["Status"] == "DRAFT"]
    assert len(drafts) >= 3, "the seed has drafts enough for three pages"
    leaving = drafts[0]["InvoiceID"]  # on page 1; submitted, it leaves the filter ...
    hidden = drafts[size]["InvoiceID"]  # ... and this one moves back onto page 1

    done = change_after_page(monkeypatch, sandbox, 1, leaving, {"Status": "SUBMITTED"})
    config = org_config(sandbox, 0, page_size=size, where={"invoices": 'Status=="DRAFT"'})
    run = run_tap(sandbox, config, ["invoices"])
    assert done
    emitted = run.ids("invoices", "InvoiceID")
    assert leaving in emitted and hidden in emitted
    assert set(emitted) == {inv["InvoiceID"] for inv in drafts}
