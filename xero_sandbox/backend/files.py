"""The Files API's state of one organisation (xero_files.yaml): folders (the Inbox and named
folders), files with their bytes, and which document each file is associated with.

Records are kept in the API's JSON form (PascalCase, `...Utc` ISO dates as Xero writes them);
a folder's FileCount and an association's file details are filled in when read. The box lives
in `Organisation.apis["files"]`; backend/seed_files.py fills it, files_reads.py and
files_writes.py answer the calls.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from xero_sandbox.backend.store import Organisation

Record = dict[str, Any]
KEY = "files"

# Which document an association may point at: stream -> (ObjectGroup, id field, type of it).
OBJECT_STREAMS: dict[str, tuple[str, str]] = {
    "invoices": ("Invoice", "InvoiceID"),
    "contacts": ("Contact", "ContactID"),
    "credit_notes": ("CreditNote", "CreditNoteID"),
    "bank_transactions": ("BankTransaction", "BankTransactionID"),
    "accounts": ("Account", "AccountID"),
    "items": ("Item", "ItemID"),
    "manual_journals": ("ManualJournal", "ManualJournalID"),
    "overpayments": ("Overpayment", "OverpaymentID"),
    "payments": ("Payment", "PaymentID"),
    "prepayments": ("Prepayment", "PrepaymentID"),
    "quotes": ("Quote", "QuoteID"),
}
_TYPE_OF = {"ACCREC": "AccRec", "ACCPAY": "Accpay", "ACCRECCREDIT": "AccRecCredit",
            "ACCPAYCREDIT": "AccPayCredit", "RECEIVE": "CashRec", "SPEND": "CashPaid",
            "RECEIVE-OVERPAYMENT": "ArOverPayment", "SPEND-OVERPAYMENT": "ApOverPayment",
            "RECEIVE-PREPAYMENT": "ArPrepayment", "SPEND-PREPAYMENT": "ApPrepayment",
            "RECEIVE-TRANSFER": "Transfer", "SPEND-TRANSFER": "Transfer",
            "ACCRECPAYMENT": "AccRecPayment", "ACCPAYPAYMENT": "AccPayPayment",
            "ARCREDITPAYMENT": "ArCreditPayment", "APCREDITPAYMENT": "ApCreditPayment",
            "BANK": "Bank", "CURRENT": "Current", "EQUITY": "Equity", "EXPENSE": "Expense",
            "FIXED": "Fixed", "LIABILITY": "Liability", "PREPAYMENT": "Prepayment",
            "REVENUE": "Revenue", "SALES": "Sales", "OVERHEADS": "Overheads",
            "DEPRECIATN": "Depreciatn", "OTHERINCOME": "OtherIncome",
            "DIRECTCOSTS": "DirectCosts", "CURRLIAB": "Currliab", "TERMLIAB": "Termliab",
            "NONCURRENT": "NonCurrent"}
_FIXED_TYPE = {"contacts": "Contact", "items": "PriceListItem", "manual_journals": "ManJournal",
               "quotes": "SalesQuote"}


def utc(ms: int) -> str:
    """The Files API's date form: ISO, seven fractional digits, no offset (UTC)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + \
        f".{ms % 1000:03d}0000"


@dataclass
class FilesBox:
    """One organisation's folders, files (with content) and associations."""

    inbox_id: str = ""
    folders: dict[str, Record] = field(default_factory=dict)
    files: dict[str, Record] = field(default_factory=dict)
    content: dict[str, bytes] = field(default_factory=dict)
    # file id -> associations of that file, in the order they were made
    associations: dict[str, list[Record]] = field(default_factory=dict)

    def folder_of(self, folder_id: str) -> Record | None:
        return self.folders.get(folder_id.lower())

    def file_of(self, file_id: str) -> Record | None:
        return self.files.get(file_id.lower())

    def file_count(self, folder_id: str) -> int:
        return sum(1 for f in self.files.values() if f["FolderId"] == folder_id)

    def folder_view(self, folder: Record) -> Record:
        return {**folder, "FileCount": self.file_count(folder["Id"])}

    def add_file(self, record: Record, content: bytes) -> None:
        self.files[record["Id"]] = record
        self.content[record["Id"]] = content

    def remove_file(self, file_id: str) -> None:
        self.files.pop(file_id, None)
        self.content.pop(file_id, None)
        self.associations.pop(file_id, None)

    def associations_of_object(self, object_id: str) -> list[Record]:
        low = object_id.lower()
        return [a for links in self.associations.values() for a in links
                if a["ObjectId"].lower() == low]


def box(org: Organisation) -> FilesBox:
    """The organisation's Files state (an empty box until backend/seed_files.py fills it)."""
    found = org.apis.get(KEY)
    if not isinstance(found, FilesBox):
        found = FilesBox()
        org.apis[KEY] = found
    return found


def find_object(org: Organisation, object_id: str) -> tuple[str, Record] | None:
    """The document of this organisation an association may name: (stream, record)."""
    low = object_id.lower()
    for stream, (_, pk) in OBJECT_STREAMS.items():
        coll = org.coll(stream)
        rec = coll.get(object_id) or coll.get(low)
        if rec is None:
            rec = next((r for k, r in coll.records.items() if k.lower() == low), None)
        if rec is not None and str(rec.get(pk, "")).lower() == low:
            return stream, rec
    return None


def object_group(stream: str) -> str:
    return OBJECT_STREAMS[stream][0]


def object_type(stream: str, rec: Record) -> str:
    """The ObjectType Xero gives a document of this kind."""
    if stream in _FIXED_TYPE:
        return _FIXED_TYPE[stream]
    if stream == "payments":
        return _TYPE_OF.get(str(rec.get("PaymentType", "")).upper(), "Unknown")
    return _TYPE_OF.get(str(rec.get("Type", "")).upper(), "Unknown")


def user_of(org: Organisation) -> Record:
    """The Files API's User object for the organisation's first user (who uploads)."""
    users = sorted(org.coll("users").records.values(), key=lambda u: str(u.get("UserID")))
    if not users:
        return {"Id": "00000000-0000-0000-0000-000000000000", "Name": "api@xero.com",
                "FirstName": "API", "LastName": "User", "FullName": "API User"}
    u = users[0]
    first, last = str(u.get("FirstName", "")), str(u.get("LastName", ""))
    return {"Id": u["UserID"], "Name": u.get("EmailAddress", ""), "FirstName": first,
            "LastName": last, "FullName": f"{first} {last}".strip()}


__all__ = ["KEY", "OBJECT_STREAMS", "FilesBox", "box", "find_object", "object_group",
           "object_type", "user_of", "utc"]
