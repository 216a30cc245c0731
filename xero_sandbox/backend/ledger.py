"""The general ledger: journals derived from posted documents, and account balances.

Xero writes a journal for every posted document (approved invoices and credit notes, payments,
bank transactions and transfers, posted manual journals, over- and prepayments) and a reversing
journal when one is voided or deleted. Each journal's lines balance to zero; lines carry the
amount in the base currency. The reports read balances from here, never from the documents.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from xero_sandbox.backend.amounts import cents
from xero_sandbox.backend.chart import CLASS_OF_TYPE
from xero_sandbox.backend.store import Organisation, ms_date

NewId = Callable[[], str]
Record = dict[str, Any]
_EMPTY: list[Any] = []


def parse_ms(value: str) -> int:
    """`/Date(1539993600000+0000)/` -> 1539993600000 (fast path for our own strings)."""
    body = value[6:value.index(")")]
    for sep in ("+", "-"):
        i = body.find(sep, 1)
        if i > 0:
            body = body[:i]
            break
    return int(body)


class Chart:
    """An organisation's accounts and tax rates, indexed for posting."""

    def __init__(self, accounts: Iterable[Record], tax_rates: Iterable[Record]) -> None:
        self.by_code: dict[str, Record] = {}
        self.by_id: dict[str, Record] = {}
        self.system: dict[str, Record] = {}
        for a in accounts:
            self.by_id[a["AccountID"]] = a
            if a.get("Code"):
                self.by_code[a["Code"]] = a
            if a.get("SystemAccount"):
                self.system[a["SystemAccount"]] = a
        self.tax_name: dict[str, str] = {}
        self.tax_rate: dict[str, Decimal] = {}
        self.tax_status: dict[str, str] = {}
        for t in tax_rates:
            self.tax_name[t["TaxType"]] = t["Name"]
            self.tax_rate[t["TaxType"]] = Decimal(str(t.get("EffectiveRate", 0)))
            self.tax_status[t["TaxType"]] = t.get("Status", "ACTIVE")

    @classmethod
    def of(cls, org: Organisation) -> Chart:
        return cls(org.coll("accounts").records.values(), org.coll("tax_rates").records.values())

    @property
    def receivable(self) -> Record:
        return self.system["DEBTORS"]

    @property
    def payable(self) -> Record:
        return self.system["CREDITORS"]

    @property
    def tax_account(self) -> Record:
        return self.system["GST"]

    def account(self, ref: Record | None) -> Record | None:
        """An account from a reference {AccountID} or {Code}."""
        if not ref:
            return None
        if ref.get("AccountID"):
            return self.by_id.get(str(ref["AccountID"]))
        if ref.get("Code"):
            return self.by_code.get(str(ref["Code"]))
        return None


def _line(new_id: NewId, acct: Record, net: int, gross: int, tax: int, desc: str = "",
          tax_type: str | None = None, tax_name: str | None = None,
          tracking: list[Any] = _EMPTY) -> Record:
    line = {
        "JournalLineID": new_id(), "AccountID": acct["AccountID"], "AccountCode": acct["Code"],
        "AccountType": acct["Type"], "AccountName": acct["Name"], "Description": desc,
        "NetAmount": net / 100, "GrossAmount": gross / 100, "TaxAmount": tax / 100,
        "TrackingCategories": tracking,
    }
    if tax_type:
        line["TaxType"] = tax_type
        line["TaxName"] = tax_name or tax_type
    return line


def _base(amount_c: int, rate: float) -> int:
    return amount_c if rate == 1 else round(amount_c / rate)


def _document_lines(chart: Chart, doc: Record, control: Record, sign: int,
                    new_id: NewId) -> list[Record]:
    """Control account (AR/AP/bank) against the lines' accounts and the tax account."""
    rate = float(doc.get("CurrencyRate") or 1)
    inclusive = doc.get("LineAmountTypes") == "Inclusive"
    lines: list[Record] = []
    total = tax_total = 0
    for li in doc.get("LineItems") or ():
        acct = chart.by_code.get(li.get("AccountCode", ""))
        if acct is None:
            continue
        amount = cents(li.get("LineAmount") or 0)
        tax = cents(li.get("TaxAmount") or 0)
        net = _base(amount - tax if inclusive else amount, rate)
        tax = _base(tax, rate)
        tax_type = li.get("TaxType")
        lines.append(_line(new_id, acct, -sign * net, -sign * (net + tax), -sign * tax,
                           li.get("Description", ""), tax_type, chart.tax_name.get(tax_type or ""),
                           li.get("Tracking") or _EMPTY))
        total += net + tax
        tax_total += tax
    lines.insert(0, _line(new_id, control, sign * total, sign * total, 0))
    if tax_total:
        lines.append(_line(new_id, chart.tax_account, -sign * tax_total, -sign * tax_total, 0))
    return lines


def _pair(new_id: NewId, debit: Record, credit: Record, amount: int) -> list[Record]:
    return [_line(new_id, debit, amount, amount, 0), _line(new_id, credit, -amount, -amount, 0)]


# Payment type -> (which side the bank is on: +1 debit, -1 credit; control: "DEBTORS"/"CREDITORS")
_PAYMENT_SIDES = {
    "ACCRECPAYMENT": (1, "DEBTORS"), "ACCPAYPAYMENT": (-1, "CREDITORS"),
    "ARCREDITPAYMENT": (-1, "DEBTORS"), "APCREDITPAYMENT": (1, "CREDITORS"),
    "AROVERPAYMENTPAYMENT": (-1, "DEBTORS"), "APOVERPAYMENTPAYMENT": (1, "CREDITORS"),
    "ARPREPAYMENTPAYMENT": (-1, "DEBTORS"), "APPREPAYMENTPAYMENT": (1, "CREDITORS"),
}

POSTED_STATUSES: dict[str, frozenset[str]] = {
    "invoices": frozenset({"AUTHORISED", "PAID"}),
    "credit_notes": frozenset({"AUTHORISED", "PAID"}),
    "payments": frozenset({"AUTHORISED"}),
    "bank_transactions": frozenset({"AUTHORISED"}),
    "manual_journals": frozenset({"POSTED"}),
    "overpayments": frozenset({"AUTHORISED", "PAID"}),
    "prepayments": frozenset({"AUTHORISED", "PAID"}),
    "bank_transfers": frozenset({"", "AUTHORISED"}),
}
# Status changes that reverse what was posted.
REVERSED_STATUSES = frozenset({"VOIDED", "DELETED"})


def is_posted(stream: str, record: Record) -> bool:
    statuses = POSTED_STATUSES.get(stream)
    return statuses is not None and record.get("Status", "") in statuses


def postings(stream: str, record: Record, chart: Chart, new_id: NewId,
             ) -> tuple[str, str, list[Record]] | None:
    """(SourceID, SourceType, JournalLines) a posted record writes; None if it writes none.

    Bank transactions that only carry an over/prepayment or a transfer post nothing: the
    over/prepayment or transfer itself does.
    """
    if stream == "invoices":
        acc_rec = record["Type"] == "ACCREC"
        control = chart.receivable if acc_rec else chart.payable
        return (record["InvoiceID"], record["Type"],
                _document_lines(chart, record, control, 1 if acc_rec else -1, new_id))
    if stream == "credit_notes":
        acc_rec = record["Type"] == "ACCRECCREDIT"
        control = chart.receivable if acc_rec else chart.payable
        return (record["CreditNoteID"], record["Type"],
                _document_lines(chart, record, control, -1 if acc_rec else 1, new_id))
    if stream == "bank_transactions":
        if record["Type"] not in ("RECEIVE", "SPEND"):
            return None
        bank = chart.account(record.get("BankAccount"))
        if bank is None:
            return None
        receive = record["Type"] == "RECEIVE"
        return (record["BankTransactionID"], "CASHREC" if receive else "CASHPAID",
                _document_lines(chart, record, bank, 1 if receive else -1, new_id))
    if stream == "payments":
        return _payment_postings(record, chart, new_id)
    if stream == "manual_journals":
        lines = []
        for jl in record.get("JournalLines") or ():
            acct = chart.account({"AccountID": jl.get("AccountID"), "Code": jl.get("AccountCode")})
            if acct is None:
                continue
            amount = cents(jl.get("LineAmount") or 0)
            lines.append(_line(new_id, acct, amount, amount, 0, jl.get("Description", ""),
                               tracking=jl.get("Tracking") or _EMPTY))
        return record["ManualJournalID"], "MANJOURNAL", lines
    if stream == "bank_transfers":
        src, dst = chart.account(record["FromBankAccount"]), chart.account(record["ToBankAccount"])
        if src is None or dst is None:
            return None
        return (record["BankTransferID"], "TRANSFER",
                _pair(new_id, dst, src, cents(record["Amount"])))
    if stream in ("overpayments", "prepayments"):
        return _credit_postings(stream, record, chart, new_id)
    return None


def _payment_postings(record: Record, chart: Chart, new_id: NewId,
                      ) -> tuple[str, str, list[Record]] | None:
    side = _PAYMENT_SIDES.get(record.get("PaymentType", ""))
    bank = chart.account(record.get("Account"))
    if side is None or bank is None:
        return None
    bank_side, control_name = side
    control = chart.system[control_name]
    amount = _base(cents(record["Amount"]), float(record.get("CurrencyRate") or 1))
    debit, credit = (bank, control) if bank_side > 0 else (control, bank)
    return record["PaymentID"], record["PaymentType"], _pair(new_id, debit, credit, amount)


def _credit_postings(stream: str, record: Record, chart: Chart, new_id: NewId,
                     ) -> tuple[str, str, list[Record]] | None:
    """Over/prepayments: money in or out of the bank against the contact's AR/AP."""
    bank = chart.account(record.get("BankAccount"))
    if bank is None:
        bank = chart.by_code.get("090")
    if bank is None:
        return None
    receive = record["Type"].startswith("RECEIVE")
    control = chart.receivable if receive else chart.payable
    amount = _base(cents(record["Total"]), float(record.get("CurrencyRate") or 1))
    kind = "OVERPAYMENT" if stream == "overpayments" else "PREPAYMENT"
    source_type = ("AR" if receive else "AP") + kind
    debit, credit = (bank, control) if receive else (control, bank)
    pk = "OverpaymentID" if stream == "overpayments" else "PrepaymentID"
    return record[pk], source_type, _pair(new_id, debit, credit, amount)


def reversal(lines: list[Record], new_id: NewId) -> list[Record]:
    """The lines of a reversing journal: the same accounts, amounts negated."""
    out = []
    for line in lines:
        rev = dict(line)
        rev["JournalLineID"] = new_id()
        rev["NetAmount"] = -line["NetAmount"] or 0.0
        rev["GrossAmount"] = -line["GrossAmount"] or 0.0
        rev["TaxAmount"] = -line["TaxAmount"] or 0.0
        out.append(rev)
    return out


def journal(new_id: NewId, number: int, date: str, created_ms: int, source_id: str,
            source_type: str, reference: str, lines: list[Record]) -> Record:
    """A Journals record as Xero writes it."""
    return {
        "JournalID": new_id(), "JournalDate": date, "JournalNumber": number,
        "CreatedDateUTC": ms_date(created_ms), "Reference": reference, "SourceID": source_id,
        "SourceType": source_type, "JournalLines": lines,
    }


def document_date(stream: str, record: Record) -> str:
    return str(record.get("Date") or record.get("CreatedDateUTC") or "/Date(0+0000)/")


def reference_of(record: Record) -> str:
    return str(record.get("Reference") or record.get("Narration") or "")


_SOURCES: dict[str, tuple[int, int, dict[str, list[Record]]]] = {}


def source_journals(org: Organisation, source_id: str) -> list[Record]:
    """Every journal of one source document, oldest first.

    Journals are only ever appended, so the index is extended with the new ones, not rebuilt.
    """
    journals = org.coll("journals")
    hit = _SOURCES.get(org.tenant_id)
    if hit is None or hit[0] != id(org) or hit[1] > len(journals):
        hit = (id(org), 0, {})
    _, seen, index = hit
    if seen < len(journals):
        for j in itertools.islice(journals.records.values(), seen, None):
            index.setdefault(j["SourceID"], []).append(j)
        _SOURCES[org.tenant_id] = (id(org), len(journals), index)
    return sorted(index.get(source_id, ()), key=lambda j: j["JournalNumber"])


def net_lines(journals: Iterable[Record]) -> list[Record]:
    """The lines still standing after all these journals: one per account, zeros dropped."""
    net: dict[str, list[Any]] = {}
    for j in journals:
        for line in j["JournalLines"]:
            acc = net.get(line["AccountID"])
            if acc is None:
                net[line["AccountID"]] = [line, cents(line["NetAmount"]),
                                          cents(line["GrossAmount"]), cents(line["TaxAmount"])]
            else:
                acc[1] += cents(line["NetAmount"])
                acc[2] += cents(line["GrossAmount"])
                acc[3] += cents(line["TaxAmount"])
    out = []
    for line, n, g, t in net.values():
        if n or g or t:
            kept = dict(line)
            kept["NetAmount"], kept["GrossAmount"], kept["TaxAmount"] = n / 100, g / 100, t / 100
            out.append(kept)
    return out


# --- balances --------------------------------------------------------------------------------

class Balances:
    """Movements (cents) per account and journal day, with prefix sums for range queries.

    Net (debit positive), debits and credits are kept apart so a report can show money in and
    money out of an account, not only its net change.
    """

    def __init__(self, journals: Iterable[Record]) -> None:
        per: dict[str, dict[int, list[int]]] = {}
        for j in journals:
            day = parse_ms(j["JournalDate"])
            for line in j["JournalLines"]:
                acc = per.setdefault(line["AccountID"], {})
                cell = acc.get(day)
                if cell is None:
                    cell = acc[day] = [0, 0]
                amount = round(line["NetAmount"] * 100)
                cell[0 if amount > 0 else 1] += amount
        self._days: dict[str, list[int]] = {}
        self._sums: dict[str, tuple[list[int], list[int]]] = {}
        for account_id, days in per.items():
            keys = sorted(days)
            debit = credit = 0
            debits, credits = [], []
            for k in keys:
                debit += days[k][0]
                credit -= days[k][1]
                debits.append(debit)
                credits.append(credit)
            self._days[account_id] = keys
            self._sums[account_id] = (debits, credits)

    @property
    def account_ids(self) -> list[str]:
        return list(self._days)

    def _at(self, account_id: str, to_ms: int) -> tuple[int, int]:
        days = self._days.get(account_id)
        if not days:
            return 0, 0
        i = bisect.bisect_right(days, to_ms)
        if not i:
            return 0, 0
        debits, credits = self._sums[account_id]
        return debits[i - 1], credits[i - 1]

    def to(self, account_id: str, to_ms: int) -> int:
        """Balance (cents, debit positive) of everything dated on or before `to_ms`."""
        debit, credit = self._at(account_id, to_ms)
        return debit - credit

    def between(self, account_id: str, from_ms: int, to_ms: int) -> int:
        """Net movement (cents) dated from `from_ms` to `to_ms` inclusive."""
        return self.to(account_id, to_ms) - self.to(account_id, from_ms - 1)

    def debits_credits(self, account_id: str, from_ms: int, to_ms: int) -> tuple[int, int]:
        """(debits, credits) in cents, both positive, dated from `from_ms` to `to_ms`."""
        d1, c1 = self._at(account_id, to_ms)
        d0, c0 = self._at(account_id, from_ms - 1)
        return d1 - d0, c1 - c0


_CACHE: dict[str, tuple[int, int, Balances]] = {}


def balances(org: Organisation) -> Balances:
    """The organisation's balances, recomputed only when journals were added since last time."""
    journals = org.coll("journals")
    key = (id(org), len(journals))
    hit = _CACHE.get(org.tenant_id)
    if hit is not None and (hit[0], hit[1]) == key:
        return hit[2]
    result = Balances(journals.records.values())
    _CACHE[org.tenant_id] = (key[0], key[1], result)
    return result


def account_class(account: Record) -> str:
    return str(account.get("Class") or CLASS_OF_TYPE.get(account.get("Type", ""), ""))
