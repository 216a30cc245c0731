"""Each guard against a duplicate or a false "written", alone: a case that only it can catch.

- The Idempotency-Key alone: records with no number and no source key whose write is retried
  after the answer was lost (the server wrote them): nothing to look up, only the key's replay.
- The lookup alone: a re-run in other batches (so other keys: no replay) of numbered invoices,
  and unnumbered invoices sent again with the InvoiceID Xero gave them.
- The answer check (`_mismatch`) alone: Xero's answer elements out of order, or without ids.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.target.conftest import api_calls, held, run_target, stream_input, target_config


def _inv(contact: str, number: str | None = None, reference: str | None = None
         ) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "Type": "ACCREC", "Contact": {"Name": contact}, "Date": "2026-02-01",
        "DueDate": "2026-03-01", "Status": "AUTHORISED",
        "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": Decimal("12.50"),
                       "AccountCode": "200"}]}
    if number is not None:
        rec["InvoiceNumber"] = number
    if reference is not None:
        rec["Reference"] = reference
    return rec


def _held_by(sandbox: Any, field: str, prefix: str) -> Counter[str]:
    return Counter(str(i[field]) for i in held(sandbox, 0, "invoices")
                   if str(i.get(field) or "").startswith(prefix))


def _config(sandbox: Any, tmp_path: Path, run: str, **overrides: Any) -> dict[str, Any]:
    return {**target_config(sandbox, tmp_path, **overrides),
            "rejects_path": str(tmp_path / f"rejects-{run}.jsonl")}


def _writes(sandbox: Any) -> list[dict[str, Any]]:
    return [c for c in api_calls(sandbox, contains="/Invoices")
            if c["method"] in ("PUT", "POST") and c["path"].endswith("/Invoices")]


def test_idempotency_key_alone_keeps_a_retried_keyless_write_single(clean_sandbox, tmp_path
                                                                     ) -> None:
    """No InvoiceNumber, no key_properties: no lookup can find what the lost write made. The
    server writes the slow call after the client gave up; the retry carries the same key and
    only Xero's replay keeps it from writing a second time."""
    contact = held(clean_sandbox, 0, "contacts")[0]["Name"]
    tag = uuid.uuid4().hex[:6]
    records = [_inv(contact, reference=f"TT-IK-{tag}-{i}") for i in range(3)]
    clean_sandbox.fault("slow", path="/Invoices$", method="PUT", count=1, seconds=1.5)
    res = run_target(_config(clean_sandbox, tmp_path, "1", request_timeout=0.5),
                     stream_input("invoices", records))
    time.sleep(2.0)  # the slow call finishes on the server, as it would in Xero
    assert res.rejects == []
    assert res.count("invoices", "created") == 3
    puts = _writes(clean_sandbox)
    assert [p["method"] for p in puts] == ["PUT", "PUT"]  # the lost call and its retry
    assert {p["fault"] for p in puts} == {"slow", None}
    assert _held_by(clean_sandbox, "Reference", f"TT-IK-{tag}-") == Counter(
        {f"TT-IK-{tag}-{i}": 1 for i in range(3)})


@pytest.mark.parametrize("first_batch, second_batch", [(2, 3), (4, 8)])
def test_lookup_alone_keeps_a_rerun_in_other_batches_single(clean_sandbox, tmp_path,
                                                             first_batch: int,
                                                             second_batch: int) -> None:
    """A re-run whose batches differ from the first run's sends other Idempotency-Keys: no
    replay. Only finding the invoices already written (by number) keeps it from writing them
    again."""
    contact = held(clean_sandbox, 0, "contacts")[0]["Name"]
    tag = uuid.uuid4().hex[:6]
    numbers = [f"TT-LK-{tag}-{i}" for i in range(8)]
    first = run_target(_config(clean_sandbox, tmp_path, "1", batch_size=first_batch),
                       stream_input("invoices", [_inv(contact, n) for n in numbers[:4]]))
    assert first.rejects == []
    assert first.count("invoices", "created") == 4
    writes_before = len(_writes(clean_sandbox))
    rerun = run_target(_config(clean_sandbox, tmp_path, "2", batch_size=second_batch),
                       stream_input("invoices", [_inv(contact, n) for n in numbers]))
    assert rerun.rejects == []
    assert _held_by(clean_sandbox, "InvoiceNumber", f"TT-LK-{tag}-") == Counter(
        dict.fromkeys(numbers, 1))
    assert rerun.count("invoices", "created") == 4  # only the new ones
    # The first four are found and written over in place (no source key: no "unchanged").
    assert rerun.count("invoices", "updated") + rerun.count("invoices", "skipped") == 4
    new_writes = _writes(clean_sandbox)[writes_before:]
    assert new_writes and not any(w.get("replayed") for w in new_writes)


def test_lookup_alone_finds_unnumbered_records_by_their_xero_id(clean_sandbox, tmp_path
                                                               ) -> None:
    """Invoices without a number, sent again carrying the InvoiceID Xero gave them (as a tap
    reading this organisation sends them): other content, so other keys. Only the lookup by id
    keeps them from being created a second time."""
    contact = held(clean_sandbox, 0, "contacts")[0]["Name"]
    tag = uuid.uuid4().hex[:6]
    refs = [f"TT-LI-{tag}-{i}" for i in range(3)]
    first = run_target(_config(clean_sandbox, tmp_path, "1"),
                       stream_input("invoices", [_inv(contact, reference=r) for r in refs]))
    assert first.count("invoices", "created") == 3
    ids = {str(i["Reference"]): i["InvoiceID"] for i in held(clean_sandbox, 0, "invoices")
           if str(i.get("Reference") or "").startswith(f"TT-LI-{tag}-")}
    assert sorted(ids) == refs
    again = [{**_inv(contact, reference=r), "InvoiceID": ids[r]} for r in refs]
    rerun = run_target(_config(clean_sandbox, tmp_path, "2"), stream_input("invoices", again))
    assert _held_by(clean_sandbox, "Reference", f"TT-LI-{tag}-") == Counter(
        dict.fromkeys(refs, 1))
    assert rerun.rejects == []
    assert rerun.count("invoices", "created") == 0
    assert rerun.count("invoices", "updated") + rerun.count("invoices", "skipped") == 3


@pytest.mark.parametrize("kind, reason", [
    ("reorder", "answers out of order"),
    ("no_ids", "carries no InvoiceID"),
])
def test_an_answer_that_does_not_confirm_each_record_is_rejected(clean_sandbox, tmp_path,
                                                                  kind: str, reason: str
                                                                  ) -> None:
    """Xero wrote the batch but its answer cannot be matched to the records (reversed, or
    without ids): every one is rejected as not confirmed, none counted as written; a clean
    re-run then finds them and writes nothing twice."""
    contact = held(clean_sandbox, 0, "contacts")[0]["Name"]
    tag = uuid.uuid4().hex[:6]
    numbers = [f"TT-AN-{tag}-{i}" for i in range(4)]
    records = [_inv(contact, n) for n in numbers]
    clean_sandbox.fault(kind, path="/Invoices$", method="POST", count=1)
    res = run_target(_config(clean_sandbox, tmp_path, "1", batch_size=4),
                     stream_input("invoices", records))
    writes = _writes(clean_sandbox)
    assert [w["fault"] for w in writes] == [kind]  # one batch call, its answer spoiled
    assert sorted(r["record"]["InvoiceNumber"] for r in res.rejects) == numbers
    for r in res.rejects:
        assert any(reason in text for text in r["reasons"]), r["reasons"]
    for action in ("created", "updated", "skipped"):
        assert res.count("invoices", action) == 0, res.summary
    # The server did write them (only the answer was spoiled) ...
    assert _held_by(clean_sandbox, "InvoiceNumber", f"TT-AN-{tag}-") == Counter(
        dict.fromkeys(numbers, 1))
    # ... so a clean re-run finds every one and writes none of them again.
    clean_sandbox.clear_faults()
    rerun = run_target(_config(clean_sandbox, tmp_path, "2", batch_size=4),
                       stream_input("invoices", records))
    assert rerun.rejects == []
    assert rerun.count("invoices", "created") == 0
    assert rerun.count("invoices", "skipped") + rerun.count("invoices", "updated") == 4
    assert _held_by(clean_sandbox, "InvoiceNumber", f"TT-AN-{tag}-") == Counter(
        dict.fromkeys(numbers, 1))
