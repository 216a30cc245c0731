"""Records are untrusted: each attack a warehouse row can make is refused, and the run goes on.

A row upstream can write is not the operator: it may not read local files outside the folder
the operator allowed, make Xero send email, or stop the run (and with it every re-run) with a
value the target cannot handle. Each test fails when its guard is removed.
"""

from __future__ import annotations

import base64
import json
import os
from decimal import Decimal
from typing import Any

from tests.target.conftest import (
    api_calls,
    held,
    record_msg,
    run_target,
    schema_msg,
    state_msg,
    stream_input,
    target_config,
)

STATE = {"bookmarks": {"done": True}}


def _invoice(number: str, contact: str, **kw: Any) -> dict[str, Any]:
    return {"Type": "ACCREC", "InvoiceNumber": number, "Contact": {"Name": contact},
            "Date": "2026-02-01", "DueDate": "2026-03-01", "Status": "AUTHORISED",
            "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": Decimal("10"),
                           "AccountCode": "200"}], **kw}


def _attach(inv: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return {"InvoiceID": inv["InvoiceID"], "FileName": "file.txt", **kw}


def _uploads(sandbox: Any) -> list[dict[str, Any]]:
    return [c for c in api_calls(sandbox, method="PUT") if "/Attachments/" in c["path"]]


def test_file_paths_are_read_only_inside_the_allowed_folder(clean_sandbox, tmp_path) -> None:
    inv = held(clean_sandbox, 0, "invoices")[0]
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "ok.txt").write_bytes(b"fine")
    (tmp_path / "secret.txt").write_bytes(b"secret")
    os.symlink(tmp_path / "secret.txt", allowed / "link.txt")
    os.symlink("/dev/zero", allowed / "zero")
    attacks = ["/proc/self/environ", str(tmp_path / "secret.txt"), "../secret.txt",
               "link.txt", "zero", str(tmp_path / "no-such-file")]
    # No folder allowed: FilePath is refused outright, even for a file that exists.
    off = run_target(target_config(clean_sandbox, tmp_path,
                                   rejects_path=str(tmp_path / "off.jsonl")), stream_input(
        "invoices_attachments", [_attach(inv, FilePath=str(allowed / "ok.txt"))]))
    assert len(off.rejects) == 1 and "attachments_dir" in off.rejects[0]["reasons"][0]
    assert _uploads(clean_sandbox) == []

    cfg = target_config(clean_sandbox, tmp_path, attachments_dir=str(allowed))
    res = run_target(cfg, [*stream_input("invoices_attachments",
                                         [_attach(inv, FilePath=p) for p in attacks]
                                         + [_attach(inv, FilePath="ok.txt")]),
                           state_msg(STATE)])
    uploads = _uploads(clean_sandbox)
    assert len(uploads) == 1 and uploads[0]["path"].endswith("/Attachments/file.txt")
    assert res.count("invoices_attachments", "attached") == 1
    reasons = {r["record"]["FilePath"]: r["reasons"][0] for r in res.rejects}
    assert set(reasons) == set(attacks)
    # Outside the folder, an existing and a missing file are refused in the same words.
    assert reasons[str(tmp_path / "secret.txt")] == reasons[str(tmp_path / "no-such-file")]
    assert all("secret" not in r for r in reasons.values())
    assert res.states[-1] == STATE


def test_a_record_cannot_ask_for_an_email_unless_the_operator_allows_it(
        clean_sandbox, tmp_path) -> None:
    contact = next(c for c in held(clean_sandbox, 0, "contacts") if c.get("EmailAddress"))
    cfg = target_config(clean_sandbox, tmp_path)
    run_target(cfg, stream_input("invoices", [_invoice("TT-PH-1", contact["Name"],
                                                       _email=True)]))
    assert api_calls(clean_sandbox, method="POST", contains="/Email") == []
    allowed = target_config(clean_sandbox, tmp_path, allow_record_email=True)
    res = run_target(allowed, stream_input("invoices", [_invoice("TT-PH-2", contact["Name"],
                                                                 _email=True)]))
    assert res.count("invoices", "emailed") == 1
    assert len(api_calls(clean_sandbox, method="POST", contains="/Email")) == 1


def test_values_that_used_to_stop_the_run_are_rejected_one_by_one(
        clean_sandbox, tmp_path) -> None:
    inv = held(clean_sandbox, 0, "invoices")[0]
    contact = held(clean_sandbox, 0, "contacts")[0]["Name"]
    content = base64.b64encode(b"x").decode()
    bad_attachments = [
        _attach(inv, Content=content, MimeType="text/plain\r\nX-Injected: 1"),
        _attach(inv, Content=content, MimeType="text/pl\u00e4in"),
        _attach(inv, Content=content, FileName=".."),
        _attach(inv, Content=content, FileName="a/b.txt"),
    ]
    surrogate = json.dumps(_attach(inv, Content=content)).replace('"file.txt"',
                                                                  '"bad\\ud800.txt"')
    lines: list[Any] = [
        *stream_input("invoices_attachments", bad_attachments),
        json.dumps(record_msg("invoices_attachments", {})).replace("{}", surrogate),
        record_msg("invoices_attachments", _attach(inv, Content=content, FileName="good.txt")),
        schema_msg("invoices"),
        record_msg("invoices", _invoice("TT-DATE-1", contact,
                                        Date="/Date(99999999999999999)/")),
        record_msg("invoices", _invoice("TT-DATE-2", contact)),
        state_msg(STATE),
    ]
    res = run_target(target_config(clean_sandbox, tmp_path), lines)
    assert res.error is None
    assert res.count("invoices_attachments", "attached") == 1
    assert res.count("invoices_attachments", "rejected") == 5
    date_reject = [r for r in res.rejects if r["stream"] == "invoices"]
    assert len(date_reject) == 1 and date_reject[0]["reasons"][0].startswith(
        "could not prepare the record: Date:")
    numbers = {i["InvoiceNumber"] for i in held(clean_sandbox, 0, "invoices")}
    assert "TT-DATE-2" in numbers and "TT-DATE-1" not in numbers
    assert all("\n" not in reason and "\r" not in reason
               for r in res.rejects for reason in r["reasons"])
    assert res.states[-1] == STATE
