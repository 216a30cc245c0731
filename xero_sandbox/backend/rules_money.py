"""Write rules for money movements: payments, batch payments and bank transfers.

A payment applies to an AUTHORISED invoice (or credit note, as a refund), never for more than
is due, from a bank account or an account that takes payments; it moves the document's
AmountPaid / AmountDue (or RemainingCredit) and Status, and posts its journal. Reversing a
payment (Status DELETED) undoes all of that. Nothing else about a payment can be changed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xero_sandbox.backend.amounts import money, round_money
from xero_sandbox.backend.rules_common import (
    DAY_MS,
    Invalid,
    Op,
    Record,
    Staging,
    account_ref,
    date_string,
    day_ms,
    existing,
    find_account,
    ms_date,
    number,
)
from xero_sandbox.backend.staging import new_id


def _d(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def _document(stg: Staging, el: Record) -> tuple[str, Record]:
    """("invoices" | "credit_notes", record) the payment is for."""
    inv: Record = el["Invoice"] if isinstance(el.get("Invoice"), dict) else {}
    cn: Record = el["CreditNote"] if isinstance(el.get("CreditNote"), dict) else {}
    if inv.get("InvoiceID") or inv.get("InvoiceNumber") or el.get("InvoiceNumber"):
        rec = stg.get("invoices", str(inv["InvoiceID"])) if inv.get("InvoiceID") else \
            stg.find("invoices", "InvoiceNumber", inv.get("InvoiceNumber") or el["InvoiceNumber"])
        if rec is None:
            raise Invalid("The invoice could not be found")
        return "invoices", rec
    if cn.get("CreditNoteID") or cn.get("CreditNoteNumber") or el.get("CreditNoteNumber"):
        rec = stg.get("credit_notes", str(cn["CreditNoteID"])) if cn.get("CreditNoteID") else \
            stg.find("credit_notes", "CreditNoteNumber",
                     cn.get("CreditNoteNumber") or el["CreditNoteNumber"])
        if rec is None:
            raise Invalid("The credit note could not be found")
        return "credit_notes", rec
    if el.get("Prepayment") or el.get("Overpayment"):
        raise Invalid("Refunds of prepayments and overpayments are not supported by this "
                      "sandbox")
    raise Invalid("An Invoice or CreditNote must be specified for a payment")


def _pay_account(stg: Staging, ref: Any) -> Record:
    if not isinstance(ref, dict) or not (ref.get("AccountID") or ref.get("Code")):
        raise Invalid("Account must be specified for a payment")
    acct = stg.chart.account(ref)
    if acct is None:
        raise Invalid(f"Account code '{ref.get('Code') or ref.get('AccountID')}' is not a valid "
                      "code for this document.")
    if acct.get("Status") != "ACTIVE" or not (acct["Type"] == "BANK"
                                              or acct.get("EnablePaymentsToAccount")):
        raise Invalid("Account type is invalid for making a payment to/from")
    return acct


def apply_payment(stg: Staging, el: Record, batch_id: str | None = None) -> Record:
    """Create one payment (also used by batch payments)."""
    stream, doc = _document(stg, el)
    errors = []
    acct = None
    try:
        acct = _pay_account(stg, el.get("Account") or ({"Code": el["Code"]} if el.get("Code")
                                                        else None))
    except Invalid as e:
        errors.extend(e.messages)
    amount = number(el, "Amount")
    if amount is None or amount <= 0:
        errors.append("Payment amount must be greater than zero")
    if doc.get("Status") != "AUTHORISED":
        errors.append("Payments can only be made against Authorised documents")
    outstanding = _d(doc.get("AmountDue") if stream == "invoices" else doc.get("RemainingCredit"))
    if amount is not None and amount > 0 and round_money(amount) > outstanding:
        errors.append("Payment amount exceeds the amount outstanding on this document")
    try:
        day = day_ms(el["Date"]) if el.get("Date") else stg.now_ms - stg.now_ms % DAY_MS
    except Invalid as e:
        errors.extend(e.messages)
        day = 0
    if errors:
        raise Invalid(*errors)
    assert amount is not None and acct is not None
    amount = round_money(amount)
    rate = number(el, "CurrencyRate") or _d(doc.get("CurrencyRate") or 1)
    doc_type = doc["Type"]
    payment_type = {"ACCREC": "ACCRECPAYMENT", "ACCPAY": "ACCPAYPAYMENT",
                    "ACCRECCREDIT": "ARCREDITPAYMENT", "ACCPAYCREDIT": "APCREDITPAYMENT"}[doc_type]
    doc_ref: Record = {"Type": doc_type, "Contact": {"ContactID": doc["Contact"]["ContactID"],
                                                      "Name": doc["Contact"].get("Name", "")},
                       "CurrencyCode": doc.get("CurrencyCode", stg.org.base_currency)}
    pid = new_id()
    payment: Record = {
        "PaymentID": pid, "Date": ms_date(day), "BankAmount": money(amount / rate),
        "Amount": float(amount), "Reference": str(el.get("Reference") or ""),
        "CurrencyRate": float(rate), "PaymentType": payment_type, "Status": "AUTHORISED",
        "HasAccount": True, "IsReconciled": bool(el.get("IsReconciled", False)),
        "Account": account_ref(acct), "HasValidationErrors": False,
    }
    if batch_id:
        payment["BatchPaymentID"] = batch_id
    summary = {"PaymentID": pid, "Date": payment["Date"], "Amount": float(amount),
               "Reference": payment["Reference"], "CurrencyRate": float(rate),
               "HasAccount": False, "HasValidationErrors": False}
    new = dict(doc)
    new["Payments"] = [*(doc.get("Payments") or []), summary]
    if stream == "invoices":
        doc_ref.update(InvoiceID=doc["InvoiceID"], InvoiceNumber=doc.get("InvoiceNumber", ""))
        payment["Invoice"] = doc_ref
        new["AmountPaid"] = money(_d(doc.get("AmountPaid")) + amount)
        new["AmountDue"] = money(outstanding - amount)
        left = new["AmountDue"]
        label, rid = doc.get("InvoiceNumber", ""), doc["InvoiceID"]
    else:
        doc_ref.update(CreditNoteID=doc["CreditNoteID"],
                       CreditNoteNumber=doc.get("CreditNoteNumber", ""))
        payment["CreditNote"] = doc_ref
        new["RemainingCredit"] = money(outstanding - amount)
        left = new["RemainingCredit"]
        label, rid = doc.get("CreditNoteNumber", ""), doc["CreditNoteID"]
    if left == 0:
        new["Status"] = "PAID"
        new["FullyPaidOnDate"] = payment["Date"]
    stg.put(stream, new)
    stg.put("payments", payment)
    stg.post("payments", payment)
    who = doc["Contact"].get("Name", "")
    stg.note(stream, rid, "Paid" if left == 0 else "Payment",
             f"Payment of {amount:.2f} for {label} ({who}) on {payment['Date']}.")
    stg.note("payments", pid, "Created", f"Payment of {amount:.2f} for {label}.")
    return payment


def reverse_payment(stg: Staging, payment: Record) -> Record:
    if payment.get("Status") != "AUTHORISED":
        raise Invalid("This payment has already been deleted")
    gone = dict(payment)
    gone["Status"] = "DELETED"
    stream, key = ("invoices", "Invoice") if payment.get("Invoice") else \
        ("credit_notes", "CreditNote")
    pk = "InvoiceID" if stream == "invoices" else "CreditNoteID"
    doc = stg.get(stream, payment[key][pk])
    if doc is not None:
        amount = _d(payment["Amount"])
        new = dict(doc)
        new["Payments"] = [p for p in doc.get("Payments") or [] if
                           p.get("PaymentID") != payment["PaymentID"]]
        if stream == "invoices":
            new["AmountPaid"] = money(_d(doc.get("AmountPaid")) - amount)
            new["AmountDue"] = money(_d(doc.get("AmountDue")) + amount)
        else:
            new["RemainingCredit"] = money(_d(doc.get("RemainingCredit")) + amount)
        if doc.get("Status") == "PAID":
            new["Status"] = "AUTHORISED"
            new.pop("FullyPaidOnDate", None)
        stg.put(stream, new)
        stg.note(stream, doc[pk], "Payment Removed",
                 f"Payment of {amount:.2f} removed.")
    stg.put("payments", gone)
    stg.unpost("payments", gone)
    stg.note("payments", gone["PaymentID"], "Deleted", "Payment deleted.")
    return gone


def payments(stg: Staging, el: Record, op: Op) -> Record:
    old = existing(stg, op, el, ()) if el.get("PaymentID") else None
    if old is not None:
        if op.method == "PUT":
            raise Invalid("A payment with this PaymentID already exists.")
        if str(el.get("Status", "")).upper() != "DELETED":
            raise Invalid("Payments can only be deleted (Status DELETED); no other change is "
                          "allowed.")
        return reverse_payment(stg, old)
    if str(el.get("Status") or "AUTHORISED").upper() != "AUTHORISED":
        raise Invalid("Payment not of valid status for creation")
    return apply_payment(stg, el)


def batch_payments(stg: Staging, el: Record, op: Op) -> Record:
    old = existing(stg, op, el, ()) if el.get("BatchPaymentID") else None
    if old is not None:
        if op.method == "PUT" or str(el.get("Status", "")).upper() != "DELETED":
            raise Invalid("A batch payment can only be deleted (Status DELETED).")
        if old.get("Status") == "DELETED":
            raise Invalid("This batch payment has already been deleted")
        rec = dict(old)
        rec["Status"] = "DELETED"
        for p in old.get("Payments") or ():
            stored = stg.get("payments", p["PaymentID"])
            if stored is not None and stored.get("Status") == "AUTHORISED":
                reverse_payment(stg, stored)
        stg.put("batch_payments", rec)
        stg.note("batch_payments", rec["BatchPaymentID"], "Deleted", "Batch payment deleted.")
        return rec
    errors = []
    bank = None
    try:
        bank = find_account(stg, el.get("Account"), "Account")
        if bank["Type"] != "BANK":
            errors.append("Account type is invalid for making a payment to/from")
    except Invalid as e:
        errors.extend(e.messages)
    raw = el.get("Payments")
    if not isinstance(raw, list) or not raw:
        errors.append("At least one payment must be specified")
    if errors:
        raise Invalid(*errors)
    assert bank is not None and isinstance(raw, list)
    bid = new_id()
    day = day_ms(el["Date"]) if el.get("Date") else stg.now_ms - stg.now_ms % DAY_MS
    made, total, types = [], Decimal(0), set()
    for p in raw:
        if not isinstance(p, dict):
            raise Invalid("Each payment must be an object")
        one = {**p, "Account": {"AccountID": bank["AccountID"]}, "Date": ms_date(day)}
        payment = apply_payment(stg, one, bid)
        types.add(payment["PaymentType"])
        total += _d(payment["Amount"])
        invoice = payment.get("Invoice") or {}
        made.append({"PaymentID": payment["PaymentID"], "Amount": payment["Amount"],
                     "Reference": payment["Reference"],
                     "Invoice": {"InvoiceID": invoice.get("InvoiceID"),
                                 "InvoiceNumber": invoice.get("InvoiceNumber", "")}})
    if len(types) > 1:
        raise Invalid("A batch payment must pay either only bills or only sales invoices")
    rec = {"Account": {"AccountID": bank["AccountID"]}, "Reference": str(el.get("Reference") or ""),
           "Particulars": str(el.get("Particulars") or ""), "Code": str(el.get("Code") or ""),
           "Details": str(el.get("Details") or ""), "Narrative": str(el.get("Narrative") or ""),
           "BatchPaymentID": bid, "DateString": ms_date(day), "Date": ms_date(day),
           "Payments": made, "Type": "PAYBATCH" if "ACCPAYPAYMENT" in types else "RECBATCH",
           "Status": "AUTHORISED", "TotalAmount": money(total), "IsReconciled": False}
    rec["DateString"] = date_string(day)
    stg.put("batch_payments", rec)
    stg.note("batch_payments", bid, "Created", f"Batch payment of {total:.2f}.")
    return rec


def _delete_transfer(stg: Staging, old: Record, el: Record) -> Record:
    if str(el.get("Status", "")).upper() != "DELETED":
        raise Invalid("Bank transfers cannot be changed once created; they can be deleted "
                      "(Status DELETED).")
    if old.get("Status") == "DELETED":
        raise Invalid("This bank transfer has already been deleted")
    rec = {**old, "Status": "DELETED"}
    stg.put("bank_transfers", rec)
    for key in ("FromBankTransactionID", "ToBankTransactionID"):
        txn = stg.get("bank_transactions", old.get(key))
        if txn is not None:
            stg.put("bank_transactions", {**txn, "Status": "DELETED"})
    stg.unpost("bank_transfers", rec)
    stg.note("bank_transfers", rec["BankTransferID"], "Deleted", "Bank transfer deleted.")
    return rec


def bank_transfers(stg: Staging, el: Record, op: Op) -> Record:
    if el.get("BankTransferID"):
        old = existing(stg, op, el, ())
        if op.method == "PUT" or old is None:
            raise Invalid("A bank transfer with this BankTransferID already exists.")
        return _delete_transfer(stg, old, el)
    errors = []
    accounts = []
    for key in ("FromBankAccount", "ToBankAccount"):
        try:
            acct = find_account(stg, el.get(key), key)
            if acct["Type"] != "BANK":
                raise Invalid(f"{key} must be a bank account")
            accounts.append(acct)
        except Invalid as e:
            errors.extend(e.messages)
    amount = number(el, "Amount")
    if amount is None or amount <= 0:
        errors.append("Amount must be greater than zero")
    if len(accounts) == 2 and accounts[0]["AccountID"] == accounts[1]["AccountID"]:
        errors.append("The From and To bank accounts must be different")
    day = 0
    try:
        day = day_ms(el["Date"]) if el.get("Date") else stg.now_ms - stg.now_ms % DAY_MS
    except Invalid as e:
        errors.extend(e.messages)
    if errors:
        raise Invalid(*errors)
    assert amount is not None
    src, dst = accounts
    tid, from_id, to_id = new_id(), new_id(), new_id()
    value = money(amount)
    rec = {"BankTransferID": tid, "FromBankAccount": account_ref(src),
           "ToBankAccount": account_ref(dst), "Amount": value, "Date": ms_date(day),
           "DateString": date_string(day), "CurrencyRate": 1.0,
           "FromBankTransactionID": from_id, "ToBankTransactionID": to_id,
           "FromIsReconciled": bool(el.get("FromIsReconciled", False)),
           "ToIsReconciled": bool(el.get("ToIsReconciled", False)),
           "Reference": str(el.get("Reference") or ""), "HasAttachments": False,
           "Status": "AUTHORISED", "CreatedDateUTC": ms_date(stg.now_ms)}
    stg.put("bank_transfers", rec)
    for btid, kind, acct in ((from_id, "SPEND-TRANSFER", src), (to_id, "RECEIVE-TRANSFER", dst)):
        stg.put("bank_transactions", {
            "BankTransactionID": btid, "Type": kind, "LineItems": [],
            "BankAccount": account_ref(acct), "IsReconciled": False, "Date": ms_date(day),
            "DateString": date_string(day), "Reference": rec["Reference"],
            "CurrencyCode": stg.org.base_currency, "CurrencyRate": 1.0, "Status": "AUTHORISED",
            "LineAmountTypes": "NoTax", "SubTotal": value, "TotalTax": 0.0, "Total": value,
            "HasAttachments": False})
    stg.post("bank_transfers", rec)
    stg.note("bank_transfers", tid, "Created", f"Transfer of {value:.2f}.")
    return rec
