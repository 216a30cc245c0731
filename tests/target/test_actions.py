"""Every action on every resource it applies to, checked against what the sandbox holds after."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import requests

from tests.target.conftest import (
    api_calls,
    by,
    held,
    run_target,
    stream_input,
    target_config,
)

DELETED_AT = "2026-01-01T00:00:00+00:00"


def _api_get(sandbox: Any, path: str, index: int = 0) -> Any:
    """GET from the sandbox's API as a client would (client credentials of org `index`)."""
    settings = sandbox.orgs[index]["settings"]
    token = requests.post(
        f"{settings['identity_url'].rstrip('/')}/connect/token",
        data={"grant_type": "client_credentials"},
        auth=(settings["client_id"], settings["client_secret"]), timeout=10).json()
    resp = requests.get(f"{settings['api_url'].rstrip('/')}/api.xro/2.0{path}", timeout=10,
                        headers={"Authorization": f"Bearer {token['access_token']}",
                                 "Xero-Tenant-Id": sandbox.orgs[index]["tenant_id"],
                                 "Accept": "application/json"})
    resp.raise_for_status()
    return resp.json()


def _pick(records: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    for r in records:
        if all(r.get(k) == v for k, v in match.items()):
            return r
    raise AssertionError(f"the seed holds no record with {match}")


def test_contacts_create_update_archive(clean_sandbox, tmp_path) -> None:
    contacts = [c for c in held(clean_sandbox, 0, "contacts") if c.get("ContactStatus") == "ACTIVE"]
    keep, gone = contacts[0], contacts[1]
    res = run_target(target_config(clean_sandbox, tmp_path), stream_input("contacts", [
        {"Name": "Target Test Co", "EmailAddress": "new@example.com"},
        {"Name": keep["Name"], "EmailAddress": "changed@example.com"},
        {"Name": gone["Name"], "_sdc_deleted_at": DELETED_AT},
    ]))
    assert res.rejects == []
    assert res.summary["contacts"] == {"created": 1, "updated": 1, "archived": 1}
    after = by(held(clean_sandbox, 0, "contacts"), "Name")
    assert after["Target Test Co"]["EmailAddress"] == "new@example.com"
    assert after[keep["Name"]]["ContactID"] == keep["ContactID"]
    assert after[keep["Name"]]["EmailAddress"] == "changed@example.com"
    assert after[gone["Name"]]["ContactStatus"] == "ARCHIVED"
    # ... and by the API, as a client sees it:
    got = _api_get(clean_sandbox, f"/Contacts/{keep['ContactID']}")["Contacts"][0]
    assert got["EmailAddress"] == "changed@example.com"


def test_items_create_update_delete(clean_sandbox, tmp_path) -> None:
    items = held(clean_sandbox, 0, "items")
    upd, gone = items[0], items[1]
    res = run_target(target_config(clean_sandbox, tmp_path), stream_input("items", [
        {"Code": "TT-NEW", "Name": "Target widget", "Description": "made by target-xero"},
        {"Code": upd["Code"], "Description": "updated by target-xero"},
        {"Code": gone["Code"], "_sdc_deleted_at": DELETED_AT},
    ]))
    assert res.rejects == []
    assert res.summary["items"] == {"created": 1, "updated": 1, "deleted": 1}
    after = by(held(clean_sandbox, 0, "items"), "Code")
    assert after["TT-NEW"]["Name"] == "Target widget"
    assert after[upd["Code"]]["Description"] == "updated by target-xero"
    assert gone["Code"] not in after  # HTTP DELETE: gone without a trace
    assert [c["method"] for c in api_calls(clean_sandbox, contains=f"/Items/{gone['ItemID']}")
            ] == ["DELETE"]


def test_accounts_one_a_call_create_update_archive_delete(clean_sandbox, tmp_path) -> None:
    accounts = by(held(clean_sandbox, 0, "accounts"), "Code")
    cfg = target_config(clean_sandbox, tmp_path)
    res = run_target(cfg, stream_input("accounts", [
        {"Code": "9901", "Name": "Target expense", "Type": "EXPENSE"},
        {"Code": "9902", "Name": "Target spare", "Type": "EXPENSE"},
        {"Code": "404", "Description": "fees, updated by target-xero"},
        {"Code": "408", "Status": "ARCHIVED"},
    ]))
    assert res.rejects == []
    assert res.summary["accounts"] == {"created": 2, "updated": 1, "archived": 1}
    writes = [c for c in api_calls(clean_sandbox, contains="/Accounts") if c["method"] != "GET"]
    assert len(writes) == 4  # accounts go one a call
    after = by(held(clean_sandbox, 0, "accounts"), "Code")
    assert after["9901"]["Name"] == "Target expense"
    assert after["404"]["Description"] == "fees, updated by target-xero"
    assert after["404"]["AccountID"] == accounts["404"]["AccountID"]
    assert after["408"]["Status"] == "ARCHIVED"
    # An unused account is deleted; one in use (Sales) cannot be, so it is archived instead.
    res = run_target(cfg, stream_input("accounts", [
        {"Code": "9902", "_sdc_deleted_at": DELETED_AT},
        {"Code": "200", "_sdc_deleted_at": DELETED_AT},
    ]))
    after = by(held(clean_sandbox, 0, "accounts"), "Code")
    assert "9902" not in after
    assert res.rejects == []
    assert res.summary["accounts"] == {"deleted": 1, "archived": 1}
    assert after["200"]["Status"] == "ARCHIVED"  # in use: Xero refused the DELETE


def _invoice(number: str, contact: str, status: str = "DRAFT", amount: str = "100.00",
             **kw: Any) -> dict[str, Any]:
    return {"Type": "ACCREC", "InvoiceNumber": number, "Contact": {"Name": contact},
            "Date": "2026-02-01", "DueDate": "2026-03-01", "Status": status,
            "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": "Consulting", "Quantity": 2,
                           "UnitAmount": Decimal(amount) / 2, "AccountCode": "200"}], **kw}


def test_invoices_create_update_delete_void_and_refuse(clean_sandbox, tmp_path) -> None:
    invoices = [i for i in held(clean_sandbox, 0, "invoices") if i["Type"] == "ACCREC"]
    draft = _pick(invoices, Status="DRAFT")
    # Xero deletes DRAFT and SUBMITTED invoices alike.
    draft2 = next(i for i in invoices if i["Status"] in ("DRAFT", "SUBMITTED") and i is not draft)
    unpaid = next(i for i in invoices if i["Status"] == "AUTHORISED"
                  and Decimal(str(i.get("AmountPaid", 0))) == 0)
    paid = _pick(invoices, Status="PAID")
    contact = held(clean_sandbox, 0, "contacts")[0]["Name"]
    res = run_target(target_config(clean_sandbox, tmp_path), stream_input("invoices", [
        _invoice("TT-0001", contact),
        {"InvoiceNumber": draft["InvoiceNumber"], "Reference": "updated by target-xero"},
        {"InvoiceNumber": draft2["InvoiceNumber"], "_sdc_deleted_at": DELETED_AT},
        {"InvoiceID": unpaid["InvoiceID"], "Status": "VOIDED"},
        {"InvoiceNumber": paid["InvoiceNumber"], "_sdc_deleted_at": DELETED_AT},
    ]))
    assert res.summary["invoices"] == {"created": 1, "updated": 1, "deleted": 1, "voided": 1,
                                       "rejected": 1}
    [rej] = res.rejects
    assert rej["record"]["InvoiceNumber"] == paid["InvoiceNumber"]
    assert "payments" in rej["reasons"][0]
    after = by(held(clean_sandbox, 0, "invoices"), "InvoiceNumber")
    new = after["TT-0001"]
    assert new["Status"] == "DRAFT" and Decimal(str(new["Total"])) > 0
    assert new["Contact"]["Name"] == contact
    assert after[draft["InvoiceNumber"]]["Reference"] == "updated by target-xero"
    assert after[draft2["InvoiceNumber"]]["Status"] == "DELETED"
    assert after[unpaid["InvoiceNumber"]]["Status"] == "VOIDED"
    assert after[paid["InvoiceNumber"]]["Status"] == "PAID"


def test_credit_notes_void_and_delete(clean_sandbox, tmp_path) -> None:
    notes = held(clean_sandbox, 0, "credit_notes")
    draft = next((n for n in notes if n["Status"] == "DRAFT"), None)
    authorised = next(n for n in notes if n["Status"] == "AUTHORISED"
                      and not n.get("Allocations") and not n.get("Payments"))
    records = [{"CreditNoteNumber": authorised["CreditNoteNumber"],
                "_sdc_deleted_at": DELETED_AT}]
    if draft is not None:
        records.append({"CreditNoteID": draft["CreditNoteID"], "Status": "DELETED"})
    res = run_target(target_config(clean_sandbox, tmp_path),
                     stream_input("credit_notes", records))
    assert res.rejects == []
    after = by(held(clean_sandbox, 0, "credit_notes"), "CreditNoteID")
    assert after[authorised["CreditNoteID"]]["Status"] == "VOIDED"
    assert res.count("credit_notes", "voided") == 1
    if draft is not None:
        assert after[draft["CreditNoteID"]]["Status"] == "DELETED"


def test_tracking_categories_delete_archive_create(clean_sandbox, tmp_path) -> None:
    cfg = target_config(clean_sandbox, tmp_path)
    seeded = [t for t in held(clean_sandbox, 0, "tracking_categories") if t["Status"] == "ACTIVE"]
    # Xero allows two active categories: remove one first (deleted, or archived when in use).
    res = run_target(cfg, stream_input("tracking_categories", [
        {"Name": seeded[0]["Name"], "_sdc_deleted_at": DELETED_AT}]))
    assert res.rejects == []
    left = by(held(clean_sandbox, 0, "tracking_categories"), "Name")
    assert seeded[0]["Name"] not in left or left[seeded[0]["Name"]]["Status"] == "ARCHIVED"
    res = run_target(cfg, stream_input("tracking_categories", [
        {"Name": "TT Channel", "Options": [{"Name": "Web"}, {"Name": "Shop"}]}]))
    assert res.rejects == [] and res.count("tracking_categories", "created") == 1
    cat = by(held(clean_sandbox, 0, "tracking_categories"), "Name")["TT Channel"]
    assert {o["Name"] for o in cat.get("Options") or []} == {"Web", "Shop"}
    res = run_target(cfg, stream_input("tracking_categories", [
        {"Name": "TT Channel", "_sdc_deleted_at": DELETED_AT}]))
    assert res.count("tracking_categories", "deleted") == 1
    assert "TT Channel" not in by(held(clean_sandbox, 0, "tracking_categories"), "Name")


def test_pay_an_invoice_then_reverse_the_payment(clean_sandbox, tmp_path) -> None:
    invoices = held(clean_sandbox, 0, "invoices")
    unpaid = next(i for i in invoices if i["Status"] == "AUTHORISED" and i["Type"] == "ACCREC"
                  and Decimal(str(i.get("AmountDue", 0))) > 1)
    cfg = target_config(clean_sandbox, tmp_path)
    pay = {"Invoice": {"InvoiceNumber": unpaid["InvoiceNumber"]}, "Account": {"Code": "090"},
           "Date": "2026-02-10", "Amount": Decimal("1.00"), "Reference": "TT pay"}
    res = run_target(cfg, stream_input("payments", [pay]))
    assert res.rejects == [] and res.count("payments", "created") == 1
    mine = [p for p in held(clean_sandbox, 0, "payments") if p.get("Reference") == "TT pay"]
    assert len(mine) == 1 and mine[0]["Status"] == "AUTHORISED"
    after = by(held(clean_sandbox, 0, "invoices"), "InvoiceID")[unpaid["InvoiceID"]]
    assert Decimal(str(after["AmountPaid"])) == Decimal(str(unpaid.get("AmountPaid", 0))) + 1
    # the same payment again: found on the invoice, not paid twice
    res = run_target(cfg, stream_input("payments", [pay]))
    assert res.count("payments", "skipped") == 1
    assert len([p for p in held(clean_sandbox, 0, "payments")
                if p.get("Reference") == "TT pay"]) == 1
    # a change is not an update: rejected with the reason
    pid = mine[0]["PaymentID"]
    res = run_target(cfg, stream_input("payments", [{"PaymentID": pid, "Amount": 2}]))
    assert "cannot be updated" in res.rejects[-1]["reasons"][0]
    # reverse
    res = run_target(cfg, stream_input("payments", [{"PaymentID": pid,
                                                     "_sdc_deleted_at": DELETED_AT}]))
    assert res.count("payments", "reversed") == 1
    assert by(held(clean_sandbox, 0, "payments"), "PaymentID")[pid]["Status"] == "DELETED"


def test_history_notes_by_id_and_by_number(clean_sandbox, tmp_path) -> None:
    inv = held(clean_sandbox, 0, "invoices")[0]
    item = held(clean_sandbox, 0, "items")[0]
    res = run_target(target_config(clean_sandbox, tmp_path), [
        *stream_input("invoices_history", [
            {"InvoiceID": inv["InvoiceID"], "Details": "note one"},
            {"InvoiceNumber": inv["InvoiceNumber"], "Details": "note two"},
            {"InvoiceID": inv["InvoiceID"], "Details": "x" * 251},
            {"Details": "no parent"},
        ]),
        *stream_input("items_history", [{"ItemID": item["ItemID"], "Details": "item note"}]),
    ])
    assert res.count("invoices_history", "noted") == 2
    assert res.count("items_history", "noted") == 1
    reasons = sorted(r["reasons"][0] for r in res.rejects)
    assert "at most 250" in reasons[0] and "missing key" in reasons[1]
    notes = _api_get(clean_sandbox, f"/Invoices/{inv['InvoiceID']}/History")["HistoryRecords"]
    details = [n["Details"] for n in notes]
    assert "note one" in details and "note two" in details
    puts = [c for c in api_calls(clean_sandbox, method="PUT", contains="/History")]
    assert len(puts) == 2  # both notes of the invoice in one call, the item's in another


def test_attachments_upload_and_limits(clean_sandbox, tmp_path) -> None:
    inv = held(clean_sandbox, 0, "invoices")[0]
    big = tmp_path / "big.bin"
    with big.open("wb") as f:
        f.truncate(10 * 1024 * 1024 + 1)
    content = b"%PDF-1.4 target-xero test"
    res = run_target(target_config(clean_sandbox, tmp_path, attachments_dir=str(tmp_path)),
                     stream_input("invoices_attachments", [
            {"InvoiceID": inv["InvoiceID"], "FileName": "receipt one.pdf",
             "MimeType": "application/pdf", "Content": base64.b64encode(content).decode()},
            {"InvoiceID": inv["InvoiceID"], "FileName": "big.bin", "FilePath": str(big)},
            {"InvoiceID": inv["InvoiceID"], "FileName": "none.txt"},
        ]))
    assert res.count("invoices_attachments", "attached") == 1
    reasons = " ".join(r["reasons"][0] for r in res.rejects)
    assert "at most 10485760 bytes" in reasons and "Content (base64) or FilePath" in reasons
    listed = _api_get(clean_sandbox, f"/Invoices/{inv['InvoiceID']}/Attachments")
    files = {a["FileName"]: a for a in listed["Attachments"]}
    assert files["receipt one.pdf"]["ContentLength"] == len(content)


def test_authorised_invoices_are_emailed_once(clean_sandbox, tmp_path) -> None:
    contact = next(c for c in held(clean_sandbox, 0, "contacts") if c.get("EmailAddress"))
    cfg = target_config(clean_sandbox, tmp_path, email_invoices=True)
    records = [_invoice("TT-MAIL-1", contact["Name"], status="AUTHORISED"),
               _invoice("TT-MAIL-2", contact["Name"], status="DRAFT")]
    res = run_target(cfg, stream_input("invoices", records))
    assert res.rejects == [] and res.count("invoices", "emailed") == 1
    emails = api_calls(clean_sandbox, method="POST", contains="/Email")
    assert len(emails) == 1
    after = by(held(clean_sandbox, 0, "invoices"), "InvoiceNumber")
    assert after["TT-MAIL-1"]["SentToContact"] is True
    # a re-run does not email again (SentToContact)
    res = run_target(cfg, stream_input("invoices", records))
    assert len(api_calls(clean_sandbox, method="POST", contains="/Email")) == 1


def test_documents_by_natural_key(clean_sandbox, tmp_path) -> None:
    po = held(clean_sandbox, 0, "purchase_orders")[0]
    quote = held(clean_sandbox, 0, "quotes")[0]
    bank = next(b for b in held(clean_sandbox, 0, "bank_transactions")
                if b["Status"] == "AUTHORISED")
    res = run_target(target_config(clean_sandbox, tmp_path), [
        *stream_input("purchase_orders", [{"PurchaseOrderNumber": po["PurchaseOrderNumber"],
                                           "Reference": "TT po"}]),
        *stream_input("quotes", [{"QuoteNumber": quote["QuoteNumber"], "Reference": "TT q",
                                  "Contact": {"ContactID": quote["Contact"]["ContactID"]},
                                  "Date": quote["Date"]}]),
        *stream_input("bank_transactions", [{"BankTransactionID": bank["BankTransactionID"],
                                             "_sdc_deleted_at": DELETED_AT}]),
    ])
    assert res.rejects == [], res.rejects
    assert by(held(clean_sandbox, 0, "purchase_orders"), "PurchaseOrderID")[
        po["PurchaseOrderID"]]["Reference"] == "TT po"
    assert by(held(clean_sandbox, 0, "quotes"), "QuoteID")[quote["QuoteID"]]["Reference"] == "TT q"
    assert by(held(clean_sandbox, 0, "bank_transactions"), "BankTransactionID")[
        bank["BankTransactionID"]]["Status"] == "DELETED"


def test_deleted_tracking_options_are_not_created_again(clean_sandbox, tmp_path) -> None:
    """A category copied with an option DELETED at the source (tap-xero marks it) gets only
    its live options."""
    cfg = target_config(clean_sandbox, tmp_path)
    gone = {"Name": "Gone", "Status": "DELETED", "_sdc_deleted_at": DELETED_AT}
    res = run_target(cfg, [
        *stream_input("tracking_categories", [{"Name": "Region", "Status": "ARCHIVED"}]),
        *stream_input("tracking_categories", [
            {"Name": "Copied", "Options": [{"Name": "Live"}, gone]}]),
    ])
    assert res.rejects == [], res.rejects
    copied = next(c for c in held(clean_sandbox, 0, "tracking_categories")
                  if c["Name"] == "Copied")
    assert [o["Name"] for o in copied["Options"]] == ["Live"]
