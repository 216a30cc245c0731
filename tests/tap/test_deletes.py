"""Deletes: `_sdc_deleted_at` on soft-deleted records, tombstones for vanished ones, and
target-xero repeating both in another organisation."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from tap_xero.deletes import DELETED_AT, SEEN_IDS, SeenIds
from tap_xero.tap import TenantSyncError
from tests.conftest import SandboxAPI
from tests.tap.conftest import Run, api_calls, editable_invoices, org_config, run_tap
from tests.target.conftest import held, run_target, target_config

ITEMS = "/api.xro/2.0/Items"


def _partition(state: dict[str, Any], stream: str, tenant_id: str) -> dict[str, Any]:
    for part in state["bookmarks"][stream]["partitions"]:
        if part["context"] == {"_tenant_id": tenant_id}:
            return dict(part)
    raise AssertionError(f"no partition for {tenant_id} in {stream}")


def _target_input(run: Run, streams: list[str]) -> list[dict[str, Any]]:
    """The run's SCHEMA and RECORD messages of `streams`, as `tap | target` would pass them."""
    return [m for m in run.messages if m["type"] in ("SCHEMA", "RECORD")
            and m["stream"] in streams]


def test_deletes_reach_the_stream_and_the_other_organisation(clean_sandbox: Any,
                                                            tmp_path: Path) -> None:
    sandbox = clean_sandbox
    tenant = sandbox.orgs[0]["tenant_id"]
    config = org_config(sandbox, 0)
    first = run_tap(sandbox, config, ["items", "invoices"])
    items = first.records["items"]
    assert items and not any(r.get(DELETED_AT) for r in items)
    seen = SeenIds.decode(_partition(first.state, "items", tenant)[SEEN_IDS])
    assert seen.entries == {r["ItemID"]: (r["Code"],) for r in items}

    # Copy the items and the draft invoices into the second organisation (drafts whose
    # number it holds, e.g. PAID, would be refused as updates: the seeds share numbers).
    fixed = {r["InvoiceNumber"] for r in held(sandbox, 1, "invoices")
             if r["Status"] not in ("DRAFT", "SUBMITTED")}
    drafts = [r for r in first.records["invoices"]
              if r["Status"] == "DRAFT" and r["InvoiceNumber"] not in fixed]
    draft = next(i for i in editable_invoices(sandbox)
                 if i["InvoiceID"] in {r["InvoiceID"] for r in drafts})
    copy = [m for m in _target_input(first, ["items", "invoices"])
            if m["type"] == "SCHEMA" or m["stream"] == "items" or m["record"] in drafts]
    target_cfg = target_config(sandbox, tmp_path, 1)
    copied = run_target(target_cfg, copy)
    assert copied.rejects == []
    gone_item = items[0]
    assert gone_item["Code"] in {r["Code"] for r in held(sandbox, 1, "items")}
    assert {draft["InvoiceNumber"]: "DRAFT"}.items() <= {
        r["InvoiceNumber"]: r["Status"] for r in held(sandbox, 1, "invoices")}.items()

    # Delete both in the first organisation, through the API.
    sandbox.advance_clock(120)
    api = SandboxAPI(sandbox, 0)
    assert api.request("DELETE", f"Items/{gone_item['ItemID']}").status_code in (200, 204)
    resp = api.request("POST", f"Invoices/{draft['InvoiceID']}", json={
        "Invoices": [{"InvoiceID": draft["InvoiceID"], "Status": "DELETED"}]})
    assert resp.status_code == 200, resp.text
    sandbox.clear_requests()

    second = run_tap(sandbox, config, ["items", "invoices"], state=first.state)
    # The item: one tombstone (its keys, tenant and time); besides it at most the items of
    # the bookmark's own second are re-sent, as with If-Modified-Since.
    [tombstone] = [r for r in second.records["items"] if r.get(DELETED_AT)]
    assert tombstone == {"ItemID": gone_item["ItemID"], "Code": gone_item["Code"],
                         "_tenant_id": tenant, DELETED_AT: tombstone[DELETED_AT]}
    bookmark = _partition(first.state, "items", tenant)["replication_key_value"]
    assert all(r["UpdatedDateUTC"] == bookmark
               for r in second.records["items"] if r is not tombstone)
    [items_call] = api_calls(sandbox, ITEMS)
    assert "If-Modified-Since" not in items_call["headers"]  # a full read, filtered here
    left = SeenIds.decode(_partition(second.state, "items", tenant)[SEEN_IDS])
    assert gone_item["ItemID"] not in left.entries and len(left) == len(items) - 1
    assert _partition(second.state, "items", tenant)["replication_key_value"] == (
        _partition(first.state, "items", tenant)["replication_key_value"])
    # The invoice: an ordinary record, marked with its own UpdatedDateUTC.
    [deleted] = [r for r in second.records["invoices"] if r["InvoiceID"] == draft["InvoiceID"]]
    assert deleted["Status"] == "DELETED" and deleted[DELETED_AT] == deleted["UpdatedDateUTC"]
    assert second.schemas()["items"]["properties"][DELETED_AT]["format"] == "date-time"

    # target-xero repeats the deletes in the second organisation.
    # (Only the deletes: the re-sent records of the bookmark's second may be PAID invoices
    # whose numbers the second organisation's seed also holds, as other invoices.)
    applied = run_target(target_cfg, [m for m in _target_input(second, ["items", "invoices"])
                                      if m["type"] == "SCHEMA" or m["record"].get(DELETED_AT)])
    assert applied.rejects == []
    assert applied.count("items", "deleted") == 1 and applied.count("invoices", "deleted") == 1
    assert gone_item["Code"] not in {r["Code"] for r in held(sandbox, 1, "items")}
    after = {r["InvoiceNumber"]: r["Status"] for r in held(sandbox, 1, "invoices")}
    assert after[draft["InvoiceNumber"]] == "DELETED"


def test_voided_and_archived_are_not_deletes(clean_sandbox: Any) -> None:
    run = run_tap(clean_sandbox, org_config(clean_sandbox, 0),
                  ["invoices", "contacts", "accounts", "tax_rates"])
    rows = [r for rows in run.records.values() for r in rows]
    statuses = {r.get("Status") or r.get("ContactStatus") for r in rows}
    assert {"VOIDED", "ARCHIVED"} <= statuses  # the seed has both: they must stay records
    for row in rows:
        deleted = (row.get("Status") == "DELETED")
        assert bool(row.get(DELETED_AT)) == deleted, row
    assert DELETED_AT not in run.schemas()["contacts"]["properties"]  # contacts cannot be


def test_tracked_stream_without_tracking_or_with_where_reads_incrementally(
        clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    tenant = sandbox.orgs[0]["tenant_id"]
    first = run_tap(sandbox, org_config(sandbox, 0, track_hard_deletes=False), ["items"])
    assert SEEN_IDS not in _partition(first.state, "items", tenant)
    gone = first.records["items"][0]
    SandboxAPI(sandbox, 0).request("DELETE", f"Items/{gone['ItemID']}")
    sandbox.clear_requests()
    for cfg in ({"track_hard_deletes": False}, {"where": {"items": 'Code!=""'}}):
        second = run_tap(sandbox, org_config(sandbox, 0, **cfg), ["items"], state=first.state)
        emitted = second.ids("items", "ItemID")
        assert gone["ItemID"] not in emitted  # no tombstone inferred from a filtered read
        assert not any(r.get(DELETED_AT) for r in second.records["items"])
        call = api_calls(sandbox, ITEMS)[-1]
        assert "If-Modified-Since" in call["headers"]


def test_a_failed_read_infers_nothing_and_keeps_the_memory(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    tenant = sandbox.orgs[0]["tenant_id"]
    config = org_config(sandbox, 0)
    first = run_tap(sandbox, config, ["items", "linked_transactions"])
    before = _partition(first.state, "items", tenant)[SEEN_IDS]
    links = _partition(first.state, "linked_transactions", tenant)[SEEN_IDS]
    assert len(SeenIds.decode(links)) == len(first.records["linked_transactions"]) > 0
    gone = first.records["items"][0]
    SandboxAPI(sandbox, 0).request("DELETE", f"Items/{gone['ItemID']}")
    sandbox.fault("500", path="/Items", count=10)  # every try fails
    second = run_tap(sandbox, config, ["items"], state=first.state, expect_error=True)
    assert isinstance(second.error, TenantSyncError)
    assert second.records["items"] == []
    assert _partition(second.state, "items", tenant)[SEEN_IDS] == before
    sandbox.clear_faults()
    third = run_tap(sandbox, config, ["items"], state=second.state)
    assert [r["ItemID"] for r in third.records["items"] if r.get(DELETED_AT)] == [gone["ItemID"]]


def test_seen_ids_are_compact_and_round_trip() -> None:
    ten_thousand = {str(uuid.uuid4()): (f"ITEM-{n:05d}",) for n in range(10_000)}
    blob = SeenIds(ten_thousand).encode()
    assert SeenIds.decode(blob).entries == ten_thousand
    # 16 bytes an id plus a short code, base64: about 250 kB, under half of plain JSON.
    assert len(blob) < 260_000
    text_ids = {f"code-{n}": () for n in range(50)}
    assert SeenIds.decode(SeenIds(text_ids).encode()).entries == text_ids
    assert SeenIds.decode(SeenIds({}).encode()).entries == {}
