"""Batches: valid and invalid records together, STATE after confirmation, calls per upsert."""

from __future__ import annotations

import io
import json
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from target_xero import sinks
from target_xero.context import WriteContext
from target_xero.target import TargetXero
from tests.target.conftest import (
    api_calls,
    by,
    held,
    record_msg,
    run_target,
    schema_msg,
    singer_lines,
    state_msg,
    stream_input,
    target_config,
)


def _inv(number: str, contact: str, account: str = "200", **kw: Any) -> dict[str, Any]:
    return {"Type": "ACCREC", "InvoiceNumber": number, "Contact": {"Name": contact},
            "Date": "2026-02-01", "DueDate": "2026-03-01", "Status": "DRAFT",
            "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": Decimal("10.00"),
                           "AccountCode": account}], **kw}


class _Events(io.StringIO):
    """stdout that logs each STATE line into a shared event list."""

    def __init__(self, events: list[tuple[str, Any]]) -> None:
        super().__init__()
        self.events = events

    def write(self, s: str) -> int:
        for line in s.splitlines():
            if line.strip():
                self.events.append(("state", json.loads(line)))
        return super().write(s)


def test_mixed_batch_valid_written_invalid_rejected_state_after(
        clean_sandbox, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    contact = held(clean_sandbox, 0, "contacts")[0]["Name"]
    events: list[tuple[str, Any]] = []
    real_confirm, real_reject = sinks.XeroSink.confirm, WriteContext.reject

    def confirm(self, w, action):
        events.append(("settled", w.raw.get("InvoiceNumber")))
        return real_confirm(self, w, action)

    def reject(self, stream, record, action, reasons, line=None, **kw):
        events.append(("settled", (record or {}).get("InvoiceNumber")))
        return real_reject(self, stream, record, action, reasons, line, **kw)

    monkeypatch.setattr(sinks.XeroSink, "confirm", confirm)
    monkeypatch.setattr(WriteContext, "reject", reject)
    messages = [schema_msg("invoices")]
    for i in range(6):
        bad = {"LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 1,
                              "AccountCode": "NOPE"}]} if i in (2, 4) else {}
        messages.append(record_msg("invoices", {**_inv(f"TT-MIX-{i}", contact), **bad}))
        messages.append(state_msg({"bookmark": i}))
    cfg = target_config(clean_sandbox, tmp_path, batch_size=4)
    target = TargetXero(config=cfg, parse_env_config=False)
    out = _Events(events)
    monkeypatch.setattr("sys.stdout", out)
    target.listen(file_input=io.StringIO(singer_lines(messages)))
    monkeypatch.undo()

    after = by(held(clean_sandbox, 0, "invoices"), "InvoiceNumber")
    assert {f"TT-MIX-{i}" for i in (0, 1, 3, 5)} <= set(after)
    assert not {"TT-MIX-2", "TT-MIX-4"} & set(after)
    with open(cfg["rejects_path"]) as f:
        rejects = [json.loads(x) for x in f.read().splitlines()]
    assert sorted(r["record"]["InvoiceNumber"] for r in rejects) == ["TT-MIX-2", "TT-MIX-4"]
    assert all(r["stream"] == "invoices" and r["reasons"] for r in rejects)
    assert all("NOPE" in " ".join(r["reasons"]) or "Account" in " ".join(r["reasons"])
               for r in rejects)  # Xero's own message about the account code
    # Every STATE on stdout comes after every record read before it was settled.
    states = [(i, e[1]["bookmark"]) for i, e in enumerate(events) if e[0] == "state"]
    assert states, "no STATE was emitted"
    assert states[-1][1] == 5
    for pos, bookmark in states:
        settled = {e[1] for e in events[:pos] if e[0] == "settled"}
        assert {f"TT-MIX-{i}" for i in range(bookmark + 1)} <= settled, (bookmark, events)


def test_200_invoice_upsert_call_count(clean_sandbox, tmp_path) -> None:
    """Half new, half existing by number: 1 lookup (all 200 numbers) and 4 writes of 50."""
    contact = held(clean_sandbox, 0, "contacts")[0]["Name"]
    cfg = target_config(clean_sandbox, tmp_path)
    clean_sandbox.set_limits(False)
    first = run_target(cfg, stream_input("invoices", [_inv(f"TT-UP-{i:03d}", contact)
                                                      for i in range(0, 200, 2)]))
    assert first.count("invoices", "created") == 100
    clean_sandbox.clear_requests()
    records = [_inv(f"TT-UP-{i:03d}", contact, Reference=f"r{i}") for i in range(200)]
    res = run_target(cfg, stream_input("invoices", records))
    assert res.summary["invoices"] == {"created": 100, "updated": 100}
    calls = api_calls(clean_sandbox)
    kinds = Counter(f"{c['method']} {c['path'].split('/api.xro/2.0')[-1]}" for c in calls)
    # one lookup per batch (InvoiceNumbers=), one contact lookup, one write per batch
    assert kinds["POST /Invoices"] == 4
    assert kinds["GET /Invoices"] == 1
    assert kinds["GET /Contacts"] == 1
    assert sum(kinds.values()) == 6, kinds
    after = by(held(clean_sandbox, 0, "invoices"), "InvoiceNumber")
    assert sum(1 for n in after if n.startswith("TT-UP-")) == 200
    assert after["TT-UP-007"]["Reference"] == "r7" and after["TT-UP-008"]["Reference"] == "r8"


def test_idempotency_key_on_every_write(clean_sandbox, tmp_path) -> None:
    contact = held(clean_sandbox, 0, "contacts")[0]["Name"]
    run_target(target_config(clean_sandbox, tmp_path),
               stream_input("invoices", [_inv("TT-IDEM-1", contact)]))
    writes = [c for c in api_calls(clean_sandbox) if c["method"] in ("POST", "PUT")]
    assert writes
    for call in writes:
        headers = {k.lower(): v for k, v in (call.get("headers") or {}).items()}
        key = headers.get("idempotency-key")
        assert key and len(key) <= 128
