"""History streams copied again and again: only user notes are written, and each only once.

tap-xero re-sends a changed record's whole history (Xero's own entries such as "Created" and
"Approved", and the notes users wrote) on every incremental run. target-xero writes user notes
only (Changes "Note", or a record with only Details), counts Xero's own entries as skipped, and
reads each parent's `/History` once per batch so a note already there is not written again.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections import Counter
from decimal import Decimal
from typing import Any

from tap_xero.tap import TapXero
from tests.target.conftest import (
    FAST,
    api_calls,
    held,
    run_target,
    stream_input,
    target_config,
)


def _history(api: Any, invoice_id: str) -> list[dict[str, Any]]:
    return api.records(f"Invoices/{invoice_id}/History", "HistoryRecords")


def _calls(sandbox: Any, method: str) -> int:
    return sum(1 for c in api_calls(sandbox, method=method) if c["path"].endswith("/History"))


def test_copy_twice_writes_each_user_note_once_and_skips_system_entries(
        clean_sandbox, api, tmp_path) -> None:
    inv = held(clean_sandbox, 0, "invoices")[0]
    rid = inv["InvoiceID"]
    before = _history(api, rid)
    assert before and all(n["Changes"] != "Note" for n in before)  # Xero's own entries
    # What the tap emits for this invoice once a user has written notes elsewhere:
    records = [{**n, "InvoiceID": rid, "_tenant_id": "other"} for n in before] + [
        {"InvoiceID": rid, "Changes": "Note", "Details": "Called the customer",
         "User": "Ann", "DateUTC": "2026-02-02T10:00:00Z"},
        {"InvoiceID": rid, "Details": "Promised to pay on Friday"},  # only Details
        {"InvoiceID": rid, "Changes": "Approved", "Details": "INV approved by someone"},
    ]
    system = len(before) + 1
    cfg = target_config(clean_sandbox, tmp_path)
    clean_sandbox.clear_requests()
    first = run_target(cfg, stream_input("invoices_history", records))
    assert first.rejects == [], first.rejects
    assert first.summary["invoices_history"] == {"noted": 2, "skipped": system}
    assert (_calls(clean_sandbox, "GET"), _calls(clean_sandbox, "PUT")) == (1, 1)
    after = _history(api, rid)
    assert len(after) == len(before) + 2
    assert Counter(n["Details"] for n in after if n["Changes"] == "Note") == Counter(
        {"Called the customer": 1, "Promised to pay on Friday": 1})

    # The next incremental run sends the same history again: nothing is added.
    clean_sandbox.clear_requests()
    second = run_target(cfg, stream_input("invoices_history", records))
    assert second.rejects == [], second.rejects
    assert second.summary["invoices_history"] == {"skipped": len(records)}
    assert (_calls(clean_sandbox, "GET"), _calls(clean_sandbox, "PUT")) == (1, 0)
    assert len(_history(api, rid)) == len(after)


def test_one_history_read_per_parent_and_repeated_notes_kept(
        clean_sandbox, api, tmp_path) -> None:
    one, two = (i["InvoiceID"] for i in held(clean_sandbox, 0, "invoices")[:2])
    records = [{"InvoiceID": one, "Changes": "Note", "Details": "same words"},
               {"InvoiceID": one, "Changes": "Note", "Details": "same words"},
               {"InvoiceID": two, "Changes": "Note", "Details": "same words"},
               {"InvoiceID": two, "Changes": "Created", "Details": "system"}]
    cfg = target_config(clean_sandbox, tmp_path)
    clean_sandbox.clear_requests()
    res = run_target(cfg, stream_input("invoices_history", records))
    assert res.summary["invoices_history"] == {"noted": 3, "skipped": 1}, res.rejects
    assert (_calls(clean_sandbox, "GET"), _calls(clean_sandbox, "PUT")) == (2, 2)
    notes = [n["Details"] for n in _history(api, one) if n["Changes"] == "Note"]
    assert notes == ["same words", "same words"]  # the source has it twice: so does the copy
    again = run_target(cfg, stream_input("invoices_history", records))
    assert again.summary["invoices_history"] == {"skipped": 4}
    assert [n["Details"] for n in _history(api, one) if n["Changes"] == "Note"] == notes


def test_tap_into_the_same_organisation_adds_no_notes(clean_sandbox, api, tmp_path) -> None:
    """`tap-xero | target-xero` with history: what the organisation holds is not written again."""
    inv = held(clean_sandbox, 0, "invoices")[0]
    resp = api.request("PUT", f"Invoices/{inv['InvoiceID']}/History",
                       json={"HistoryRecords": [{"Details": "a user's note"}]})
    assert resp.status_code == 200, resp.text
    config = {**clean_sandbox.orgs[0]["settings"], **FAST, "include_history": True,
              "max_calls_per_minute": 10_000}  # the sandbox's limits are off here
    catalog = TapXero(config=config, parse_env_config=False).catalog_dict
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] in (
                    "invoices", "invoices_history")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        TapXero(config=config, catalog=catalog, parse_env_config=False).sync_all()
    messages = [m for m in (json.loads(line, parse_float=Decimal)
                            for line in out.getvalue().splitlines() if line.strip())
                if m["type"] in ("SCHEMA", "RECORD") and m["stream"] == "invoices_history"]
    notes = [m for m in messages if m["type"] == "RECORD"]
    assert any(m["record"]["Details"] == "a user's note" for m in notes)
    clean_sandbox.clear_requests()
    res = run_target(target_config(clean_sandbox, tmp_path), messages)
    assert res.rejects == [], res.rejects[:3]
    assert res.summary["invoices_history"] == {"skipped": len(notes)}
    assert _calls(clean_sandbox, "PUT") == 0
    assert _calls(clean_sandbox, "GET") == 1  # only the invoice with a user note is read
