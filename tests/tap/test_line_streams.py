"""Line-level streams (tap_xero.lines): the parents' lines as the sandbox holds them, at no call.

For every line stream and every tenant the rows are exactly the items of the parents' arrays
the sandbox holds (ids, positions, amounts, the parent's status and replication value); the
sandbox sees the same calls whether the line streams are selected or not, or selected alone;
a second run emits the lines of the changed parents only, voided and deleted ones marked.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import SandboxAPI
from tests.tap.conftest import (
    admin_records,
    api_calls,
    app_config,
    editable_invoices,
    org_config,
    run_tap,
)
from xero_core.dates import parse_datetime, to_http_date
from xero_core.http import XeroClient
from xero_core.lines import LINES, TRACKED_PARENTS, TRACKING_STREAM, LineKind

LINE_STREAMS = [k.stream for k in LINES]
PARENTS = sorted({k.parent for k in LINES})
AMOUNT = {"LineItem": "LineAmount", "ManualJournalLine": "LineAmount",
          "JournalLine": "NetAmount", "Allocation": "Amount"}
LINE_ID = {"LineItem": "LineItemID", "JournalLine": "JournalLineID",
           "Allocation": "AllocationID"}


def _same_time(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, int) or isinstance(b, int):
        return int(a) == int(b)
    return parse_datetime(str(a)) == parse_datetime(str(b))


Held = dict[tuple[str, str], list[dict[str, Any]]]  # (tenant, parent stream) -> records


def _held_lines(held: Held, kind: LineKind) -> list[tuple[Any, ...]]:
    """(tenant, parent id, position, line id, amount, status) of every held line."""
    out = []
    for (tenant, stream), parents in held.items():
        if stream != kind.parent:
            continue
        for parent in parents:
            for pos, item in enumerate(parent.get(kind.field) or []):
                out.append((tenant, parent[kind.parent_key], pos,
                            item.get(LINE_ID.get(kind.component, "")),
                            Decimal(str(item.get(AMOUNT[kind.component]))),
                            parent.get("Status") if kind.status_field else None))
    return sorted(out, key=str)


def _emitted(rows: list[dict[str, Any]], kind: LineKind) -> list[tuple[Any, ...]]:
    return sorted(((r["_tenant_id"], r[kind.parent_key], r["_position"],
                    r.get(LINE_ID.get(kind.component, "")),
                    Decimal(str(r.get(AMOUNT[kind.component]))), r["_parent_status"])
                   for r in rows), key=str)


def _calls(sandbox: Any) -> Counter[tuple[str, str, str]]:
    return Counter((c["method"], c["path"], str(sorted(c["query"].items())))
                   for c in api_calls(sandbox))


@pytest.fixture(scope="module")
def full_run(sandbox: Any) -> tuple[Held, Any]:
    """One run of every line stream (parents not selected) over every tenant, and what the
    sandbox held then."""
    sandbox.clean()
    run = run_tap(sandbox, app_config(sandbox), [*LINE_STREAMS, TRACKING_STREAM])
    held = {(org["tenant_id"], parent): admin_records(sandbox, org["tenant_id"], parent)
            for org in sandbox.orgs for parent in PARENTS}
    assert len(sandbox.orgs) > 1
    return held, run


@pytest.mark.parametrize("kind", LINES, ids=LINE_STREAMS)
def test_rows_are_the_lines_the_sandbox_holds(full_run: tuple[Held, Any],
                                              kind: LineKind) -> None:
    held, run = full_run
    lines = _held_lines(held, kind)
    rows = run.records.get(kind.stream, [])
    assert _emitted(rows, kind) == lines
    # The sandbox seeds no pre/overpayment allocations (see the test at the end).
    assert lines or kind.stream in ("overpayment_allocations", "prepayment_allocations")
    assert {r["_tenant_id"] for r in rows} == {line[0] for line in lines}
    # Each row carries its parent's replication value, as the parent has it.
    parents = {(tenant, p[kind.parent_key]): p for (tenant, stream), records in held.items()
               if stream == kind.parent for p in records}
    for row in rows:
        parent = parents[(row["_tenant_id"], row[kind.parent_key])]
        if kind.bookmark_field:
            assert _same_time(row[kind.bookmark_field], parent.get(kind.bookmark_field))
        for name in kind.parent_fields:
            assert _same_time(row[name], parent.get(name)) if "Date" in name or name == \
                "JournalNumber" else row[name] == parent.get(name)
        if kind.allocation:
            assert row["InvoiceID"] == row["Invoice"]["InvoiceID"]
    assert not run.records.get(kind.parent)  # the parent was read, not written


def test_tracking_rows_are_every_tracking_entry(full_run: tuple[Held, Any]) -> None:
    records, run = full_run
    held = []
    for (tenant, stream), parents in records.items():
        for kind in LINES:
            if not kind.tracking or kind.parent != stream:
                continue
            for parent in parents:
                for li, line in enumerate(parent.get(kind.field) or []):
                    for ti, entry in enumerate(line.get(kind.tracking) or []):
                        held.append((tenant, kind.parent, parent[kind.parent_key], li, ti,
                                     entry.get("TrackingOptionID"), entry.get("Option")))
    rows = run.records[TRACKING_STREAM]
    emitted = [(r["_tenant_id"], r["_parent_stream"], r["_parent_id"], r["_line_position"],
                r["_position"], r.get("TrackingOptionID"), r.get("Option")) for r in rows]
    assert held and sorted(emitted, key=str) == sorted(held, key=str)
    assert {r["_parent_stream"] for r in rows} <= set(TRACKED_PARENTS)
    journal_rows = [r for r in rows if r["_parent_stream"] == "journals"]
    assert journal_rows and all(isinstance(r["JournalNumber"], int) for r in journal_rows)


def test_line_streams_cost_no_call(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    config = app_config(sandbox)
    parents_only = run_tap(sandbox, config, PARENTS)
    alone_calls = _calls(sandbox)
    sandbox.clean()
    both = run_tap(sandbox, config, [*PARENTS, *LINE_STREAMS, TRACKING_STREAM])
    both_calls = _calls(sandbox)
    sandbox.clean()
    lines_only = run_tap(sandbox, config, [*LINE_STREAMS, TRACKING_STREAM])
    lines_calls = _calls(sandbox)
    assert alone_calls and alone_calls == both_calls == lines_calls
    for parent in PARENTS:  # the parents' records are the same with their lines selected
        assert len(both.records[parent]) == len(parents_only.records[parent]) > 0
        assert parent not in lines_only.records
    assert lines_only.records["invoice_line_items"] == both.records["invoice_line_items"]


def test_a_second_run_emits_the_lines_of_changed_parents_only(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    config = org_config(sandbox, 0)
    streams = ["invoice_line_items", "journal_lines", TRACKING_STREAM]
    first = run_tap(sandbox, config, streams)
    first_lines = first.records["invoice_line_items"]
    bookmark = max(r["UpdatedDateUTC"] for r in first_lines)
    journal_mark = max(r["JournalNumber"] for r in first.records["journal_lines"])

    sandbox.advance_clock(120)
    api = SandboxAPI(sandbox, 0)
    sales = [i for i in editable_invoices(sandbox) if i["Type"] == "ACCREC"]
    edited = next(i for i in sales if i["Status"] in ("DRAFT", "SUBMITTED"))
    voided = next(i for i in sales if i["Status"] == "AUTHORISED")
    deleted = next(i for i in sales if i["Status"] in ("DRAFT", "SUBMITTED")
                   and i["InvoiceID"] != edited["InvoiceID"])
    for inv, change in ((edited, {"Reference": "lines-test"}), (voided, {"Status": "VOIDED"}),
                        (deleted, {"Status": "DELETED"})):
        resp = api.request("POST", f"Invoices/{inv['InvoiceID']}", json={
            "Invoices": [{"InvoiceID": inv["InvoiceID"], **change}]})
        assert resp.status_code == 200, resp.text
    sandbox.clear_requests()

    second = run_tap(sandbox, config, streams, state=first.state)
    rows = second.records["invoice_line_items"]
    changed = {edited["InvoiceID"], voided["InvoiceID"], deleted["InvoiceID"]}
    resent = {r["InvoiceID"] for r in first_lines
              if to_http_date(r["UpdatedDateUTC"]) == to_http_date(bookmark)}
    assert changed <= {r["InvoiceID"] for r in rows} <= changed | resent
    by_parent: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_parent.setdefault(r["InvoiceID"], []).append(r)
    for inv, status in ((edited, edited["Status"]), (voided, "VOIDED"), (deleted, "DELETED")):
        got = by_parent[inv["InvoiceID"]]
        assert [r["_position"] for r in got] == list(range(len(inv["LineItems"])))
        assert {r["_parent_status"] for r in got} == {status}
        assert {r["LineItemID"] for r in got} == {li["LineItemID"] for li in inv["LineItems"]}
    assert all(r.get("_sdc_deleted_at") for r in by_parent[deleted["InvoiceID"]])
    assert not any(r.get("_sdc_deleted_at") for r in by_parent[voided["InvoiceID"]])

    [call] = api_calls(sandbox, "/api.xro/2.0/Invoices")  # one short page, from the bookmark
    assert call["headers"]["If-Modified-Since"] == to_http_date(bookmark)
    journal_calls = api_calls(sandbox, "/api.xro/2.0/Journals")
    assert journal_calls[0]["query"]["offset"] == str(journal_mark)
    assert all(r["JournalNumber"] > journal_mark for r in second.records["journal_lines"])
    assert "invoices" not in second.records


def test_a_line_stream_alone_bookmarks_past_parents_without_lines(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    tenant = sandbox.orgs[0]["tenant_id"]
    config = org_config(sandbox, 0)
    first = run_tap(sandbox, config, ["credit_note_allocations"])
    held = admin_records(sandbox, tenant, "credit_notes")
    assert any(not c.get("Allocations") for c in held)
    latest = max(parse_datetime(c["UpdatedDateUTC"]) for c in held)
    [part] = [p for p in first.state["bookmarks"]["credit_note_allocations"]["partitions"]
              if p["context"] == {"_tenant_id": tenant}]
    assert parse_datetime(part["replication_key_value"]) == latest  # past the last parent

    sandbox.clear_requests()
    second = run_tap(sandbox, config, ["credit_note_allocations"], state=first.state)
    [call] = api_calls(sandbox, "/api.xro/2.0/CreditNotes")
    assert call["headers"]["If-Modified-Since"] == to_http_date(part["replication_key_value"])
    assert len(second.records.get("credit_note_allocations", [])) <= len(
        first.records["credit_note_allocations"])


def test_discovery_keys_and_stream_maps(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    config = org_config(sandbox, 0, flattening_enabled=True, flattening_max_depth=1,
                        stream_maps={"invoice_line_items": {"__filter__": "_position == 0"}})
    run = run_tap(sandbox, config, ["invoice_line_items", "journal_lines"])
    rows = run.records["invoice_line_items"]
    held = [i for i in admin_records(sandbox, sandbox.orgs[0]["tenant_id"], "invoices")
            if i.get("LineItems")]
    assert rows and {r["_position"] for r in rows} == {0} and len(rows) == len(held)
    assert all(isinstance(r["Tracking"], str) for r in rows)  # flattened: JSON text
    schemas = {m["stream"]: m for m in run.messages if m["type"] == "SCHEMA"}
    assert "Item__Code" in schemas["invoice_line_items"]["schema"]["properties"]
    assert schemas["invoice_line_items"]["key_properties"] == ["_tenant_id", "InvoiceID",
                                                               "_position"]
    assert schemas["journal_lines"]["key_properties"] == ["_tenant_id", "JournalID",
                                                          "_position"]
    props = schemas["journal_lines"]["schema"]["properties"]
    assert props["JournalNumber"]["type"] == ["integer", "null"]
    assert props["_position"]["type"] == ["integer", "null"]


def test_overpayment_and_prepayment_allocations(clean_sandbox: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox seeds no allocations of pre/overpayments: its answers get one each here,
    as Xero writes them (`/Date()/`, the invoice nested), and the tap unnests them."""
    sandbox = clean_sandbox
    invoice = admin_records(sandbox, sandbox.orgs[0]["tenant_id"], "invoices")[0]
    real_send = XeroClient.send
    added: dict[str, dict[str, Any]] = {}

    def send(client: XeroClient, prepared: requests.PreparedRequest, *,
             tenant_id: str | None) -> requests.Response:
        resp = real_send(client, prepared, tenant_id=tenant_id)
        key = urlsplit(prepared.url or "").path.rsplit("/", 1)[-1]
        if key in ("Overpayments", "Prepayments") and resp.status_code == 200:
            body = json.loads(resp.content)
            first = body[key][0]
            allocation = {"AllocationID": str(uuid.uuid4()), "Amount": 12.34,
                          "Date": "/Date(1767225600000+0000)/",
                          "Invoice": {"InvoiceID": invoice["InvoiceID"],
                                      "InvoiceNumber": invoice.get("InvoiceNumber")}}
            first["Allocations"] = [{"Amount": 1.5, "Invoice": {}}, allocation]
            added[key] = {**allocation, "parent": first}
            resp._content = json.dumps(body).encode()
        return resp

    monkeypatch.setattr(XeroClient, "send", send)
    run = run_tap(sandbox, org_config(sandbox, 0),
                  ["overpayment_allocations", "prepayment_allocations"])
    for stream, key, pk in (("overpayment_allocations", "Overpayments", "OverpaymentID"),
                            ("prepayment_allocations", "Prepayments", "PrepaymentID")):
        want = added[key]
        rows = run.records[stream]
        assert [r["_position"] for r in rows] == [0, 1]
        assert rows[0]["InvoiceID"] is None and rows[0]["Amount"] == Decimal("1.5")
        row = rows[1]
        assert row[pk] == want["parent"][pk]
        assert row["AllocationID"] == want["AllocationID"]
        assert row["InvoiceID"] == invoice["InvoiceID"] == row["Invoice"]["InvoiceID"]
        assert row["Amount"] == Decimal("12.34")
        assert row["Date"] == "2026-01-01T00:00:00+00:00"
        assert row["_parent_status"] == want["parent"]["Status"]
        assert _same_time(row["UpdatedDateUTC"], want["parent"]["UpdatedDateUTC"])


def test_a_parent_filtered_by_a_stream_map_has_no_lines_but_is_passed(
        clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    tenant = sandbox.orgs[0]["tenant_id"]
    held = admin_records(sandbox, tenant, "invoices")
    last = max(held, key=lambda i: parse_datetime(i["UpdatedDateUTC"]))
    config = org_config(sandbox, 0, stream_maps={
        "invoices": {"__filter__": f"InvoiceID != '{last['InvoiceID']}'"}})
    run = run_tap(sandbox, config, ["invoices", "invoice_line_items"])
    kept = {i["InvoiceID"] for i in held if i["LineItems"]} - {last["InvoiceID"]}
    assert set(run.ids("invoices", "InvoiceID")) == {i["InvoiceID"] for i in held} - {
        last["InvoiceID"]}
    assert {r["InvoiceID"] for r in run.records["invoice_line_items"]} == kept
    # The last invoice has no lines written, yet the line stream's bookmark is past it.
    [part] = [p for p in run.state["bookmarks"]["invoice_line_items"]["partitions"]
              if p["context"] == {"_tenant_id": tenant}]
    assert parse_datetime(part["replication_key_value"]) == parse_datetime(
        last["UpdatedDateUTC"])


def test_a_line_stream_selected_later_gets_the_history_once(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    tenant = sandbox.orgs[0]["tenant_id"]
    config = org_config(sandbox, 0, page_size=25)  # several pages: the parent is sorted
    first = run_tap(sandbox, config, ["invoices"])
    mark = first.state["bookmarks"]["invoices"]["partitions"][0]["replication_key_value"]
    sandbox.clear_requests()
    second = run_tap(sandbox, config, ["invoices", "invoice_line_items"], state=first.state)
    held = admin_records(sandbox, tenant, "invoices")
    # The new line stream has no bookmark: the parent is read from the start, once ...
    [first_call, *_] = api_calls(sandbox, "/api.xro/2.0/Invoices")
    assert "If-Modified-Since" not in first_call["headers"]
    assert {r["InvoiceID"] for r in second.records["invoice_line_items"]} == {
        i["InvoiceID"] for i in held if i["LineItems"]}
    # ... its records are sent again, and its own bookmark does not move back.
    assert len(second.records["invoices"]) == len(held)
    parts = {p["context"]["_tenant_id"]: p for p in
             second.state["bookmarks"]["invoices"]["partitions"]}
    assert parse_datetime(parts[tenant]["replication_key_value"]) >= parse_datetime(mark)
    sandbox.clear_requests()
    run_tap(sandbox, config, ["invoices", "invoice_line_items"], state=second.state)
    [third_call] = api_calls(sandbox, "/api.xro/2.0/Invoices")  # from the bookmark again
    assert third_call["headers"]["If-Modified-Since"] == to_http_date(mark)
