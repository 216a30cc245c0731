"""Natural-key matching on documents whose numbers Xero does not keep unique.

Only sales invoice numbers (ACCREC) are unique in Xero; a bill (ACCPAY) or a supplier credit
note (ACCPAYCREDIT) carries the supplier's own number, so two suppliers' bills can both be
"1001", and a bill can share its number with a sales invoice. A match by number must agree on
the Type, and for bills on the contact; what is still ambiguous is rejected, never guessed.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from tests.target.conftest import api_calls, held, run_target, stream_input, target_config


def _suppliers(sandbox: Any, index: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
    active = [c for c in held(sandbox, index, "contacts") if c.get("ContactStatus") == "ACTIVE"]
    return active[0], active[1]


def _doc(kind: str, number: str, contact: dict[str, Any], *, status: str = "DRAFT",
         amount: str = "100.00", note: str = "Supplies", **kw: Any) -> dict[str, Any]:
    """A bill / invoice (kind = its Type) as a tap would emit it: contact by id and name.

    `note` is its line's Description: what tells documents apart below (Xero ignores Reference
    on bills)."""
    account = "200" if kind == "ACCREC" else "400"
    return {"Type": kind, "InvoiceNumber": number,
            "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
            "Date": "2026-02-01", "DueDate": "2026-03-01", "Status": status,
            "LineAmountTypes": "Exclusive",
            "LineItems": [{"Description": note, "Quantity": 1,
                           "UnitAmount": Decimal(amount), "AccountCode": account}], **kw}


def _put_invoices(api: Any, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Make documents straight through the API (PUT only creates: no matching by number)."""
    body = {"Invoices": [{**d, "LineItems": [{**li, "UnitAmount": float(li["UnitAmount"])}
                                             for li in d["LineItems"]]} for d in docs]}
    resp = api.request("PUT", "Invoices", json=body)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["Invoices"])


def _note(doc: dict[str, Any]) -> str:
    return str(doc["LineItems"][0]["Description"])


def _numbered(sandbox: Any, number: str, index: int = 0) -> list[dict[str, Any]]:
    return [i for i in held(sandbox, index, "invoices") if i.get("InvoiceNumber") == number]


def _lookups(sandbox: Any, path: str) -> int:
    return sum(1 for c in api_calls(sandbox, method="GET") if c["path"].endswith(path))


def test_bill_of_another_supplier_with_a_taken_number_is_created(
        clean_sandbox, api, tmp_path) -> None:
    a, b = _suppliers(clean_sandbox)
    bill_a, sale = _put_invoices(api, [_doc("ACCPAY", "TT-1001", a, note="A's bill"),
                                       _doc("ACCREC", "TT-1001", a, note="the sale")])
    clean_sandbox.clear_requests()
    res = run_target(target_config(clean_sandbox, tmp_path), stream_input("invoices", [
        _doc("ACCPAY", "TT-1001", b, amount="55.00", note="B's bill"),
    ]))
    assert res.rejects == [], res.rejects
    assert res.summary["invoices"] == {"created": 1}
    docs = {d["InvoiceID"]: d for d in _numbered(clean_sandbox, "TT-1001")}
    assert len(docs) == 3
    assert docs[bill_a["InvoiceID"]]["Contact"]["ContactID"] == a["ContactID"]
    assert _note(docs[bill_a["InvoiceID"]]) == "A's bill"
    assert docs[sale["InvoiceID"]]["Type"] == "ACCREC"
    assert _note(docs[sale["InvoiceID"]]) == "the sale"
    new = [d for rid, d in docs.items() if rid not in (bill_a["InvoiceID"], sale["InvoiceID"])]
    assert new[0]["Type"] == "ACCPAY" and new[0]["Contact"]["ContactID"] == b["ContactID"]
    assert _note(new[0]) == "B's bill"
    assert _lookups(clean_sandbox, "/Invoices") == 1  # one batched InvoiceNumbers= lookup


def test_sales_invoice_does_not_match_a_bill_of_the_same_number(
        clean_sandbox, api, tmp_path) -> None:
    a, _ = _suppliers(clean_sandbox)
    (bill,) = _put_invoices(api, [_doc("ACCPAY", "TT-1500", a, note="the bill")])
    res = run_target(target_config(clean_sandbox, tmp_path), stream_input("invoices", [
        _doc("ACCREC", "TT-1500", a, note="the sale"),
    ]))
    assert res.rejects == [], res.rejects
    assert res.summary["invoices"] == {"created": 1}
    docs = {d["Type"]: d for d in _numbered(clean_sandbox, "TT-1500")}
    assert docs["ACCPAY"]["InvoiceID"] == bill["InvoiceID"]
    assert _note(docs["ACCPAY"]) == "the bill"
    assert _note(docs["ACCREC"]) == "the sale"


def test_bill_update_finds_its_supplier_and_an_ambiguous_number_is_rejected(
        clean_sandbox, api, tmp_path) -> None:
    a, b = _suppliers(clean_sandbox)
    bill_a, bill_b = _put_invoices(api, [_doc("ACCPAY", "TT-2002", a, note="A"),
                                         _doc("ACCPAY", "TT-2002", b, note="B")])
    clean_sandbox.clear_requests()
    res = run_target(target_config(clean_sandbox, tmp_path), stream_input("invoices", [
        # by the contact's name only, as a record from another organisation would say it
        {**_doc("ACCPAY", "TT-2002", b, note="B changed"), "Contact": {"Name": b["Name"]}},
        {"InvoiceNumber": "TT-2002", "Reference": "which one?"},
    ]))
    assert res.summary["invoices"] == {"updated": 1, "rejected": 1}, res.rejects
    (reject,) = res.rejects
    assert reject["stream"] == "invoices" and reject["record"]["Reference"] == "which one?"
    reason = " ".join(reject["reasons"])
    assert "InvoiceNumber" in reason and "TT-2002" in reason and "ambiguous" in reason
    assert bill_a["InvoiceID"] in reason and bill_b["InvoiceID"] in reason
    docs = {d["InvoiceID"]: d for d in _numbered(clean_sandbox, "TT-2002")}
    assert len(docs) == 2
    assert _note(docs[bill_a["InvoiceID"]]) == "A"
    assert _note(docs[bill_b["InvoiceID"]]) == "B changed"
    assert _lookups(clean_sandbox, "/Invoices") == 1  # both rounds use the one lookup


def test_same_bill_twice_in_one_batch_goes_to_each_supplier(clean_sandbox, tmp_path) -> None:
    """Two new bills "TT-3003" of two suppliers in one input: two bills, neither overwritten."""
    a, b = _suppliers(clean_sandbox)
    cfg = target_config(clean_sandbox, tmp_path)
    records = [_doc("ACCPAY", "TT-3003", a, note="A"),
               _doc("ACCPAY", "TT-3003", b, note="B")]
    res = run_target(cfg, stream_input("invoices", records))
    assert res.rejects == [] and res.summary["invoices"] == {"created": 2}
    got = {d["Contact"]["ContactID"]: _note(d) for d in _numbered(clean_sandbox, "TT-3003")}
    assert got == {a["ContactID"]: "A", b["ContactID"]: "B"}
    # A re-run finds each by its supplier: nothing new, nothing overwritten.
    again = run_target(cfg, stream_input("invoices", records))
    assert again.rejects == [] and "created" not in again.summary["invoices"]
    got = {d["Contact"]["ContactID"]: _note(d) for d in _numbered(clean_sandbox, "TT-3003")}
    assert got == {a["ContactID"]: "A", b["ContactID"]: "B"}


def test_payment_by_invoice_number_pays_the_right_bill_or_is_rejected(
        clean_sandbox, api, tmp_path) -> None:
    a, b = _suppliers(clean_sandbox)
    bill_a, bill_b = _put_invoices(api, [
        _doc("ACCPAY", "TT-4004", a, status="AUTHORISED"),
        _doc("ACCPAY", "TT-4004", b, status="AUTHORISED")])
    pay = {"Account": {"Code": "090"}, "Date": "2026-02-10"}
    res = run_target(target_config(clean_sandbox, tmp_path), stream_input("payments", [
        {**pay, "Amount": 10, "Invoice": {"InvoiceNumber": "TT-4004", "Type": "ACCPAY",
                                          "Contact": {"Name": b["Name"]}}},
        {**pay, "Amount": 5, "Invoice": {"InvoiceNumber": "TT-4004"}},
    ]))
    assert res.summary["payments"] == {"created": 1, "rejected": 1}, res.rejects
    (reject,) = res.rejects
    assert reject["stream"] == "payments" and reject["record"]["Amount"] == 5
    reason = " ".join(reject["reasons"])
    assert "Invoice.InvoiceNumber" in reason and "TT-4004" in reason and "ambiguous" in reason
    paid = {d["InvoiceID"]: Decimal(str(d.get("AmountPaid") or 0))
            for d in _numbered(clean_sandbox, "TT-4004")}
    assert paid == {bill_a["InvoiceID"]: 0, bill_b["InvoiceID"]: 10}


def test_supplier_credit_notes_match_on_the_contact(clean_sandbox, tmp_path) -> None:
    a, b = _suppliers(clean_sandbox)

    def note(contact: dict[str, Any], ref: str) -> dict[str, Any]:
        return {"Type": "ACCPAYCREDIT", "CreditNoteNumber": "TT-CN-7",
                "Contact": {"Name": contact["Name"]}, "Date": "2026-02-01", "Status": "DRAFT",
                "LineAmountTypes": "Exclusive",
                "LineItems": [{"Description": ref, "Quantity": 1, "UnitAmount": 20,
                               "AccountCode": "400"}]}

    cfg = target_config(clean_sandbox, tmp_path)
    assert run_target(cfg, stream_input("credit_notes", [note(a, "A")])).rejects == []
    res = run_target(cfg, stream_input("credit_notes", [note(b, "B"), note(a, "A changed")]))
    assert res.rejects == [] and res.summary["credit_notes"] == {"created": 1, "updated": 1}
    got = {c["Contact"]["ContactID"]: _note(c) for c in held(clean_sandbox, 0, "credit_notes")
           if c.get("CreditNoteNumber") == "TT-CN-7"}
    assert got == {a["ContactID"]: "A changed", b["ContactID"]: "B"}


# --- the rules, without the sandbox --------------------------------------------------------

def _bill(rid: str, number: str, contact_id: str, name: str, kind: str = "ACCPAY"
          ) -> dict[str, Any]:
    return {"InvoiceID": rid, "InvoiceNumber": number, "Type": kind,
            "Contact": {"ContactID": contact_id, "Name": name}}


class _NoCalls:
    def get_json(self, *a: Any, **kw: Any) -> Any:  # pragma: no cover - a call is the failure
        raise AssertionError("no lookup expected")


def test_index_keeps_every_document_with_a_number() -> None:
    from target_xero.references import References, like_of

    refs = References(_NoCalls(), "t")  # type: ignore[arg-type]
    idx = refs.index("invoices")
    idx.add(_bill("1", "1001", "ca", "Alpha Ltd"))
    idx.add(_bill("2", "1001", "cb", "Beta Ltd"))
    idx.add(_bill("3", "1001", "ca", "Alpha Ltd", kind="ACCREC"))
    idx.add(_bill("2", "1001", "cb", "Beta Ltd"))  # an update replaces, never duplicates
    assert sorted(c["InvoiceID"] for c in idx.candidates("1001")) == ["1", "2", "3"]
    assert refs.find("invoices", natural="1001") is None  # several: no guess

    def found(record: dict[str, Any]) -> Any:
        m = refs.match("invoices", None, "1001", like_of(record))
        return m.found["InvoiceID"] if m.found else len(m.candidates)

    assert found({"Type": "ACCPAY", "Contact": {"Name": "beta ltd"}}) == "2"
    assert found({"Type": "ACCPAY", "Contact": {"ContactID": "CA"}}) == "1"
    assert found({"Type": "ACCREC"}) == "3"
    assert found({"Type": "ACCPAY", "Contact": {"Name": "Gamma Ltd"}}) == 0
    assert found({"Type": "ACCPAY"}) == 2  # bills of two suppliers: ambiguous
    assert found({}) == 3
    idx.add({**_bill("2", "1002", "cb", "Beta Ltd")})  # renumbered
    assert sorted(c["InvoiceID"] for c in idx.candidates("1001")) == ["1", "3"]
    idx.remove("1")
    assert [c["InvoiceID"] for c in idx.candidates("1001")] == ["3"]


def test_agreement_rules() -> None:
    from target_xero.references import Like, agrees, like_of

    bill = _bill("1", "1001", "ca", "Alpha Ltd")
    assert agrees(Like("ACCPAY", frozenset({"ca"})), bill)
    assert not agrees(Like("ACCREC"), bill)
    assert not agrees(Like("ACCPAY", contact_names=frozenset({"beta ltd"})), bill)
    # a sales invoice's number is unique: the contact does not have to agree
    sale = _bill("2", "INV-1", "ca", "Alpha Ltd", kind="ACCREC")
    assert agrees(Like("ACCREC", contact_names=frozenset({"beta ltd"})), sale)
    assert Counter(like_of({"Type": "accpay", "Contact": {"Name": " Alpha Ltd "}})
                   .contact_names) == Counter({"alpha ltd"})
