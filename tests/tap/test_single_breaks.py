"""One test per line of the tap that the rest of the suite let be broken unnoticed.

Each test names the mechanism it guards; breaking that one line (switching the client-side
bookmark filter off, making `_keep_bookmark_before` a no-op, ignoring `pageCount`, skipping the
nested tracking-option deletes) makes it fail.
"""

from __future__ import annotations

from typing import Any

import pytest

from tap_xero.deletes import DELETED_AT
from tap_xero.tap import TenantSyncError
from tests.tap.conftest import (
    admin_records,
    api_calls,
    change_after_page,
    editable_invoices,
    org_config,
    run_tap,
)
from xero_core.dates import parse_datetime
from xero_core.endpoints import BY_STREAM
from xero_core.http import XeroClient

INVOICES = "/api.xro/2.0/Invoices"
LINKED = "/api.xro/2.0/LinkedTransactions"


def _bookmark_of(state: dict[str, Any], stream: str, tenant_id: str) -> Any:
    for part in state["bookmarks"][stream]["partitions"]:
        if part["context"] == {"_tenant_id": tenant_id}:
            return part.get("replication_key_value")
    raise AssertionError(f"no partition for {tenant_id} in {stream}")


def _key(record: dict[str, Any]) -> Any:
    return parse_datetime(record["UpdatedDateUTC"])


# --- 1. the client-side bookmark filter (`_client_floor`) ------------------------------------


def test_linked_transactions_second_run_emits_only_what_changed(clean_sandbox: Any) -> None:
    """LinkedTransactions take no If-Modified-Since: only the tap's floor keeps them
    incremental (the full read for hard deletes lists every one of them each run)."""
    sandbox = clean_sandbox
    org = sandbox.orgs[0]
    tenant = org["tenant_id"]
    config = org_config(sandbox, 0)
    first = run_tap(sandbox, config, ["linked_transactions"])
    held = admin_records(sandbox, tenant, "linked_transactions")
    assert sorted(first.ids("linked_transactions", "LinkedTransactionID")) == sorted(
        r["LinkedTransactionID"] for r in held)
    bookmark = parse_datetime(_bookmark_of(first.state, "linked_transactions", tenant))
    older = {r["LinkedTransactionID"] for r in first.records["linked_transactions"]
             if _key(r) < bookmark}
    assert older, "the test needs an unchanged record strictly before the bookmark"

    # A new linked transaction well after the bookmark, from a bill line not linked yet.
    sandbox.advance_clock(120)
    linked_lines = {r["SourceLineItemID"] for r in held}
    bill = next(inv for inv in admin_records(sandbox, tenant, "invoices")
                if inv["Type"] == "ACCPAY" and inv.get("LineItems")
                and inv["LineItems"][0]["LineItemID"] not in linked_lines)
    client = XeroClient.from_config(org["settings"])
    created = client.request("PUT", LINKED, tenant_id=tenant, json={"LinkedTransactions": [{
        "SourceTransactionID": bill["InvoiceID"],
        "SourceLineItemID": bill["LineItems"][0]["LineItemID"]}]}).json()
    new_id = created["LinkedTransactions"][0]["LinkedTransactionID"]

    sandbox.clear_requests()
    second = run_tap(sandbox, config, ["linked_transactions"], state=first.state)
    calls = api_calls(sandbox, LINKED)
    assert calls and all("If-Modified-Since" not in c["headers"] for c in calls)
    emitted = set(second.ids("linked_transactions", "LinkedTransactionID"))
    # The bookmark's own second may come again (a duplicate is cheaper than a miss) ...
    at_bookmark = {r["LinkedTransactionID"] for r in first.records["linked_transactions"]
                   if _key(r) == bookmark}
    assert new_id in emitted
    assert emitted - at_bookmark == {new_id}
    # ... but nothing that was older than the bookmark and did not change.
    assert not emitted & older
    assert parse_datetime(_bookmark_of(second.state, "linked_transactions", tenant)) > bookmark


# --- 2. `_keep_bookmark_before`: a failed child after a page-boundary re-read -------------------


def test_child_failure_in_a_boundary_reread_moves_the_bookmark_back(
        clean_sandbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page-boundary re-read (ListingWatch) emits a record *behind* the bookmark the listing
    already reached; when that record's history fails, `_keep_bookmark_before` must move the
    bookmark back before it, or the next run's If-Modified-Since passes it for good."""
    sandbox, size = clean_sandbox, 5
    tenant = sandbox.orgs[0]["tenant_id"]
    ordered = sorted(admin_records(sandbox, tenant, "invoices"),
                     key=lambda r: (_key(r), r["InvoiceID"]))
    editable = {inv["InvoiceID"] for inv in editable_invoices(sandbox)}
    index = next(i for i, inv in enumerate(ordered) if inv["InvoiceID"] in editable)
    page = index // size + 1
    assert page * size < len(ordered)
    changed = ordered[index]["InvoiceID"]
    hidden = ordered[page * size]  # slips back onto page `page`: only the re-read serves it
    hidden_id, hidden_key = hidden["InvoiceID"], _key(hidden)
    sandbox.fault("500", path=f"/Invoices/{hidden_id}/History", count=None, tenant_id=tenant)

    done = change_after_page(monkeypatch, sandbox, page, changed, {"Reference": "moved"},
                              clock_step=10)
    config = org_config(sandbox, 0, include_history=True, page_size=size, max_retries=1)
    streams = ["invoices", "invoices_history"]
    first = run_tap(sandbox, config, streams, expect_error=True)
    assert done and isinstance(first.error, TenantSyncError)
    emitted = first.ids("invoices", "InvoiceID")
    assert emitted.count(changed) == 2  # the listing did shift (served again at its end)
    assert hidden_id not in emitted  # stopped at it: its history failed
    reread = [c for c in api_calls(sandbox, INVOICES) if c["path"] == INVOICES]
    assert any("If-Modified-Since" in c["headers"] for c in reread)  # the boundary re-read
    bookmark = _bookmark_of(first.state, "invoices", tenant)
    assert bookmark is not None and parse_datetime(bookmark) <= hidden_key

    monkeypatch.undo()
    sandbox.clear_faults()
    sandbox.clear_requests()
    second = run_tap(sandbox, config, streams, state=first.state)
    assert hidden_id in second.ids("invoices", "InvoiceID")
    assert any(c["path"] == f"{INVOICES}/{hidden_id}/History" and c["status"] == 200
               for c in api_calls(sandbox, "/History"))


# --- 3. `pageCount`: a listing that is an exact multiple of the page size ---------------------


def test_exact_multiple_of_the_page_size_costs_no_empty_page(clean_sandbox: Any) -> None:
    """A short page cannot end such a listing: only Xero's pageCount saves the empty call."""
    sandbox = clean_sandbox
    stream = "bank_transactions"
    ep = BY_STREAM[stream]
    held = admin_records(sandbox, sandbox.orgs[0]["tenant_id"], stream)
    count = len(held)
    size = next(d for d in range(5, count // 2 + 1) if count % d == 0)
    pages = count // size
    assert pages >= 2 and pages * size == count

    run = run_tap(sandbox, org_config(sandbox, 0, page_size=size), [stream])
    calls = [c for c in api_calls(sandbox, ep.url_path) if c["path"] == ep.url_path]
    assert [c["query"]["page"] for c in calls] == [str(n + 1) for n in range(pages)]
    assert {c["query"]["pageSize"] for c in calls} == {str(size)}
    ids = run.ids(stream, "BankTransactionID")
    assert len(ids) == count
    assert set(ids) == {r["BankTransactionID"] for r in held}


# --- 4. nested deletes: a DELETED tracking option inside its category ------------------------


def test_deleted_tracking_option_is_marked_inside_its_category(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    held = admin_records(sandbox, sandbox.orgs[0]["tenant_id"], "tracking_categories")
    deleted = {o["TrackingOptionID"] for c in held for o in c.get("Options") or []
               if o.get("Status") == "DELETED"}
    assert deleted, "the seed holds a deleted tracking option"

    run = run_tap(sandbox, org_config(sandbox, 0), ["tracking_categories"])
    options = [o for c in run.records["tracking_categories"] for o in c.get("Options") or []]
    marked = {o["TrackingOptionID"] for o in options if o.get(DELETED_AT)}
    assert marked == deleted
    for option in options:
        if option["TrackingOptionID"] in deleted:
            parse_datetime(option[DELETED_AT])  # a date-time
    # Its category still exists: only the option is deleted.
    for category in run.records["tracking_categories"]:
        if any(o["TrackingOptionID"] in deleted for o in category.get("Options") or []):
            assert category["Status"] == "ACTIVE" and not category.get(DELETED_AT)
