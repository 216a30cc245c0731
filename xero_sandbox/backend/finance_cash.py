"""Finance API reads about cash and contacts (xero-finance.yaml): /CashValidation per bank
account, /BankStatementsPlus/statements (the bank account's statement lines, one statement a
month, from its bank transactions and payments), and /FinancialStatements/contacts/revenue and
/expense (invoiced, paid, outstanding and credited per contact).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

from xero_sandbox.backend.answers import Answer
from xero_sandbox.backend.finance import BadRequest, amount, date_param, param, period, problem
from xero_sandbox.backend.ledger import parse_ms
from xero_sandbox.backend.report_books import Books, date_of_ms, day_ms, month_end, shift_months
from xero_sandbox.backend.store import Organisation

Record = dict[str, Any]
_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_OUT = ("SPEND", "SPEND-OVERPAYMENT", "SPEND-PREPAYMENT", "SPEND-TRANSFER")
_PAID_OUT = ("ACCPAYPAYMENT", "ARCREDITPAYMENT", "AROVERPAYMENTPAYMENT",
             "ARPREPAYMENTPAYMENT")


def _cents(value: Any) -> int:
    return round(float(value or 0) * 100)


def _lines(org: Organisation, account_id: str) -> Iterator[tuple[int, int, Record, str]]:
    """(day ms, signed cents, record, stream) of every live movement of one bank account."""
    for bt in org.coll("bank_transactions").records.values():
        if bt.get("Status") == "DELETED" or \
                (bt.get("BankAccount") or {}).get("AccountID") != account_id:
            continue
        sign = -1 if bt.get("Type") in _OUT else 1
        yield parse_ms(bt["Date"]), sign * _cents(bt.get("Total")), bt, "bank_transactions"
    for pay in org.coll("payments").records.values():
        if pay.get("Status") == "DELETED" or \
                (pay.get("Account") or {}).get("AccountID") != account_id:
            continue
        sign = -1 if pay.get("PaymentType") in _PAID_OUT else 1
        yield parse_ms(pay["Date"]), sign * _cents(pay.get("Amount")), pay, "payments"


def _iso_day(ms: int) -> str:
    return date_of_ms(ms).isoformat()


def _avg_days(rows: list[tuple[int, int]], today_ms: int) -> float:
    """Average age in days of these (day ms, cents) movements."""
    if not rows:
        return 0.0
    return round(sum((today_ms - d) / 86_400_000 for d, _ in rows) / len(rows), 6)


def cash_validation(org: Organisation, params: Mapping[str, str], now_ms: int) -> Answer:
    """GET /CashValidation: one entry per bank account, figures up to balanceDate."""
    books = Books.of(org, now_ms)
    try:
        balance_date = date_param(params, "balanceDate", books.today)
        date_param(params, "asAtSystemDate", books.today)
        begin = date_param(params, "beginDate", date(1900, 1, 1))
    except BadRequest as exc:
        return problem(400, str(exc))
    lo, hi = day_ms(begin), day_ms(balance_date)
    out = []
    for bank in books.of_types("BANK"):
        moves = [(d, c, r) for d, c, r, _ in _lines(org, bank["AccountID"]) if lo <= d <= hi]
        open_ = [(d, c) for d, c, r in moves if not r.get("IsReconciled")]
        done = [(d, c) for d, c, r in moves if r.get("IsReconciled")]
        balance = books.to(bank, balance_date)
        pos = sum(c for _, c in open_ if c > 0)
        neg = sum(c for _, c in open_ if c < 0)
        today_ms = day_ms(books.today)

        lines: Record = {
            "unreconciledAmountPos": amount(pos), "unreconciledAmountNeg": amount(neg),
            "unreconciledLines": len(open_),
            "avgDaysUnreconciledPos": _avg_days([x for x in open_ if x[1] > 0], today_ms),
            "avgDaysUnreconciledNeg": _avg_days([x for x in open_ if x[1] < 0], today_ms),
            "deletedAmount": 0.0, "totalAmount": amount(sum(c for _, c, _ in moves)),
            "reconciledAmountPos": amount(sum(c for _, c in done if c > 0)),
            "reconciledAmountNeg": amount(sum(c for _, c in done if c < 0)),
            "reconciledLines": len(done),
            "totalAmountPos": amount(sum(c for _, c, _ in moves if c > 0)),
            "totalAmountNeg": amount(sum(c for _, c, _ in moves if c < 0)),
            "dataSource": {k: 0.0 for k in (
                "directBankFeed", "fileUpload", "directBankFeedPos", "fileUploadPos",
                "directBankFeedNeg", "fileUploadNeg", "otherPos", "otherNeg", "other")} | {
                "manual": amount(sum(c for _, c, _ in moves)),
                "manualPos": amount(sum(c for _, c, _ in moves if c > 0)),
                "manualNeg": amount(sum(c for _, c, _ in moves if c < 0))}}
        for key, rows in (("UnreconciledTransaction", open_), ("ReconciledTransaction", done)):
            if rows:
                lines["earliest" + key] = _iso_day(min(d for d, _ in rows))
                lines["latest" + key] = _iso_day(max(d for d, _ in rows))
        statement = balance - (pos + neg)
        entry: Record = {
            "accountId": bank["AccountID"],
            "statementBalance": {"value": amount(abs(statement)),
                                 "type": "DEBIT" if statement >= 0 else "CREDIT"},
            "statementBalanceDate": balance_date.isoformat(),
            "bankStatement": {"statementLines": lines},
            "cashAccount": {"unreconciledAmountPos": amount(pos),
                            "unreconciledAmountNeg": amount(neg), "startingBalance": 0.0,
                            "accountBalance": amount(balance),
                            "balanceCurrency": bank.get("CurrencyCode") or org.base_currency}}
        if done:
            last = max(d for d, _ in done)
            first = day_ms(month_end(date_of_ms(last)).replace(day=1))
            entry["bankStatement"]["currentStatement"] = {
                "startDate": _iso_day(first), "endDate": _iso_day(last),
                "startBalance": amount(books.balances.to(bank["AccountID"], first - 1)),
                "endBalance": amount(books.balances.to(bank["AccountID"], last)),
                "importedDateTimeUtc": _iso_day(last) + "T00:00:00Z",
                "importSourceType": "Manual"}
        out.append(entry)
    return Answer(200, out)


def _statement_line(day: int, cents: int, rec: Record, stream: str, summary: bool) -> Record:
    contact = rec.get("Contact") or (rec.get("Invoice") or {}).get("Contact") or {}
    line: Record = {
        "statementLineId": rec.get("BankTransactionID") or rec.get("PaymentID"),
        "postedDate": _iso_day(day), "payee": contact.get("Name", ""),
        "reference": rec.get("Reference", ""), "notes": "", "chequeNo": "",
        "amount": amount(cents), "transactionDate": _iso_day(day),
        "type": "CREDIT" if cents >= 0 else "DEBIT",
        "isReconciled": bool(rec.get("IsReconciled")), "isDuplicate": False,
        "isDeleted": False, "payments": [], "bankTransactions": []}
    who = {"contactId": contact["ContactID"], "contactName": contact.get("Name", "")} \
        if contact.get("ContactID") else None
    if stream == "bank_transactions":
        bt: Record = {"bankTransactionId": rec["BankTransactionID"], "date": _iso_day(day),
                      "amount": amount(abs(cents))}
        if who:
            bt["contact"] = who
        if not summary:
            bt["lineItems"] = [{"accountId": li.get("AccountID"), "reportingCode": "",
                                "lineAmount": li.get("LineAmount", 0.0), "accountType": ""}
                               for li in rec.get("LineItems", [])]
        line["bankTransactions"].append(bt)
    else:
        pay: Record = {"paymentId": rec["PaymentID"], "date": _iso_day(day),
                       "amount": amount(abs(cents)), "bankAmount": rec.get("BankAmount", 0.0),
                       "currencyRate": rec.get("CurrencyRate", 1.0)}
        if rec.get("BatchPaymentID"):
            pay["batchPaymentId"] = rec["BatchPaymentID"]
        if rec.get("Invoice"):
            pay["invoice"] = {"invoiceId": rec["Invoice"].get("InvoiceID"),
                              "total": amount(abs(cents)), **({"contact": who} if who else {})}
        line["payments"].append(pay)
    return line


def bank_statements(org: Organisation, params: Mapping[str, str], now_ms: int) -> Answer:
    """GET /BankStatementsPlus/statements?BankAccountID&FromDate&ToDate[&SummaryOnly]."""
    books = Books.of(org, now_ms)
    account_id = param(params, "BankAccountID")
    try:
        if account_id is None or param(params, "FromDate") is None or \
                param(params, "ToDate") is None:
            raise BadRequest("BankAccountID, FromDate and ToDate are required")
        start = date_param(params, "FromDate", books.today)
        end = date_param(params, "ToDate", books.today)
        if not _UUID.match(account_id):
            raise BadRequest(f"Invalid BankAccountID: '{account_id}'")
        if end > books.today:
            raise BadRequest("The ToDate cannot be in the future")
        if start > end:
            raise BadRequest("The FromDate is after the ToDate")
        if shift_months(start, 12) <= end:
            raise BadRequest("The query period can be at most 12 months")
    except BadRequest as exc:
        return problem(400, str(exc))
    bank = next((a for a in books.of_types("BANK")
                 if a["AccountID"].lower() == account_id.lower()), None)
    if bank is None:
        return problem(404, f"Bank account {account_id} was not found")
    summary = (param(params, "SummaryOnly") or "true").lower() != "false"
    moves = sorted((x for x in _lines(org, bank["AccountID"])
                    if day_ms(start) <= x[0] <= day_ms(end)), key=lambda x: (x[0], x[1]))
    statements, month = [], start.replace(day=1)
    while month <= end:
        lo, hi = max(month, start), min(month_end(month), end)
        rows = [x for x in moves if day_ms(lo) <= x[0] <= day_ms(hi)]
        if rows:
            opening = books.balances.to(bank["AccountID"], day_ms(lo) - 1)
            closing = opening + sum(c for _, c, _, _ in rows)
            statements.append({
                "statementId": rows[0][2].get("BankTransactionID") or rows[0][2]["PaymentID"],
                "startDate": lo.isoformat(), "endDate": hi.isoformat(),
                "importedDateTimeUtc": (hi + timedelta(days=1)).isoformat() + "T00:00:00Z",
                "importSource": "Manual", "startBalance": amount(opening),
                "endBalance": amount(closing), "indicativeStartBalance": amount(opening),
                "indicativeEndBalance": amount(closing),
                "statementLines": [_statement_line(d, c, r, s, summary) for d, c, r, s in rows]})
        month = shift_months(month, 1)
    return Answer(200, {"bankAccountId": bank["AccountID"], "bankAccountName": bank["Name"],
                        "bankAccountCurrencyCode": bank.get("CurrencyCode")
                        or org.base_currency, "statements": statements})


def contacts_totals(org: Organisation, kind: str, params: Mapping[str, str],
                    now_ms: int) -> Answer:
    """GET /FinancialStatements/contacts/revenue (kind ACCREC) or /expense (ACCPAY)."""
    books = Books.of(org, now_ms)
    try:
        start, end = period(params, books.today)
    except BadRequest as exc:
        return problem(400, str(exc))
    wanted = {c.strip().lower() for c in (param(params, "contactIds") or "").split(",")
              if c.strip()}
    journals = (param(params, "includeManualJournals") or "false").lower() == "true"
    lo, hi = day_ms(start), day_ms(end)
    per: dict[str, Record] = {}
    for stream, doc_type, sign in (("invoices", kind, 1), ("credit_notes", kind + "CREDIT", -1)):
        for doc in org.coll(stream).records.values():
            if doc.get("Type") != doc_type or doc.get("Status") in ("DRAFT", "SUBMITTED",
                                                                    "DELETED"):
                continue
            if not lo <= parse_ms(doc["Date"]) <= hi:
                continue
            contact = doc.get("Contact") or {}
            cid = str(contact.get("ContactID", ""))
            if wanted and cid.lower() not in wanted:
                continue
            row = per.setdefault(cid, {"contactId": cid, "name": contact.get("Name", ""),
                                       "c": [0] * 7, "codes": set()})
            c = row["c"]
            if doc.get("Status") == "VOIDED":
                c[4] += _cents(doc.get("Total"))
                continue
            if sign > 0:
                c[0] += _cents(doc.get("SubTotal"))
                c[1] += _cents(doc.get("AmountPaid"))
                c[2] += _cents(doc.get("AmountDue"))
                if doc.get("DueDate") and parse_ms(doc["DueDate"]) < day_ms(books.today):
                    c[3] += _cents(doc.get("AmountDue"))
            else:
                c[0] -= _cents(doc.get("SubTotal"))
                c[5] += _cents(doc.get("Total"))
                c[6] += _cents(doc.get("RemainingCredit"))
            row["codes"].update(str(li["AccountCode"]) for li in doc.get("LineItems", [])
                                if li.get("AccountCode"))
            row["n"] = row.get("n", 0) + 1
    contacts = []
    for row in sorted(per.values(), key=lambda r: str(r["name"]).lower()):
        c = row["c"]
        contacts.append({
            "contactId": row["contactId"], "name": row["name"], "total": amount(c[0]),
            "totalDetail": {"totalPaid": amount(c[1]), "totalOutstanding": amount(c[2]),
                            "totalCreditedUnApplied": amount(c[6])},
            "totalOther": {"totalOutstandingAged": amount(c[3]), "totalVoided": amount(c[4]),
                           "totalCredited": amount(c[5]), "transactionCount": row.get("n", 0)},
            "accountCodes": sorted(row["codes"])})

    def total(key: str, sub: str) -> float:
        return round(sum(x[key][sub] for x in contacts), 2)

    body: Record = {
        "startDate": start.isoformat(), "endDate": end.isoformat(),
        "total": round(sum(x["total"] for x in contacts), 2),
        "totalDetail": {k: total("totalDetail", k) for k in (
            "totalPaid", "totalOutstanding", "totalCreditedUnApplied")},
        "totalOther": {k: total("totalOther", k) for k in (
            "totalOutstandingAged", "totalVoided", "totalCredited")},
        "contacts": contacts}
    if journals:
        body["manualJournals"] = {"total": _manual_total(books, kind, start, end)}
    return Answer(200, body)


def _manual_total(books: Books, kind: str, start: date, end: date) -> float:
    classes = ("REVENUE",) if kind == "ACCREC" else ("EXPENSE",)
    ids = {a["AccountID"]: a for a in books.of_class(*classes)}
    sign = -1 if kind == "ACCREC" else 1
    cents = 0
    for j in books.org.coll("journals").records.values():
        if j.get("SourceType") != "MANJOURNAL":
            continue
        if not day_ms(start) <= parse_ms(j["JournalDate"]) <= day_ms(end):
            continue
        cents += sum(round(x["NetAmount"] * 100) for x in j["JournalLines"]
                     if x["AccountID"] in ids)
    return amount(sign * cents)


__all__ = ["bank_statements", "cash_validation", "contacts_totals"]
