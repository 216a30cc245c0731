"""The Files API's state of one organisation (xero_files.yaml): folders (the Inbox and named
folders), files with their bytes, and which document each file is associated with.

Records are kept in the API's JSON form (PascalCase, `...Utc` ISO dates as Xero writes them) in
the organisation's `folders`, `files` and `file_associations` collections; the bytes in the box
at `Organisation.apis["files"]`. A folder's FileCount and an association's file details are
filled in when read. backend/seed_files.py fills it, files_reads.py and files_writes.py answer
the calls.
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
    """One organisation's folders, files and associations (the `folders`, `files` and
    `file_associations` collections, so the admin API and updated order see them) and the
    files' bytes."""

    org: Organisation
    content: dict[str, bytes] = field(default_factory=dict)

    @property
    def files(self) -> dict[str, Record]:
        return self.org.coll("files").records

    @property
    def folders(self) -> dict[str, Record]:
        return self.org.coll("folders").records

    @property
    def associations(self) -> dict[str, list[Record]]:
        """File id -> its associations, in the order they were made."""
        coll = self.org.coll("file_associations")
        out: dict[str, list[Record]] = {}
        for link in sorted(coll.records.values(), key=lambda a: (
                a["AssociationDateUtc"], a["ObjectId"])):
            out.setdefault(link["FileId"], []).append(link)
        return out

    @property
    def inbox_id(self) -> str:
        return next((f["Id"] for f in self.folders.values() if f.get("IsInbox")), "")

    def folder_of(self, folder_id: str) -> Record | None:
        return self.folders.get(folder_id.lower())

    def file_of(self, file_id: str) -> Record | None:
        return self.files.get(file_id.lower())

    def file_count(self, folder_id: str) -> int:
        return sum(1 for f in self.files.values() if f["FolderId"] == folder_id)

    def folder_view(self, folder: Record) -> Record:
        return {**folder, "FileCount": self.file_count(folder["Id"])}

    def put_folder(self, record: Record, at_ms: int) -> None:
        self.org.coll("folders").put(record, at_ms)

    def remove_folder(self, folder_id: str) -> None:
        self.org.coll("folders").remove(folder_id)

    def put_file(self, record: Record, at_ms: int, content: bytes | None = None) -> None:
        self.org.coll("files").put(record, at_ms)
        if content is not None:
            self.content[record["Id"]] = content

    def remove_file(self, file_id: str) -> None:
        self.org.coll("files").remove(file_id)
        self.content.pop(file_id, None)
        for link in self.associations.get(file_id, []):
            self.remove_association(link)

    def put_association(self, link: Record, at_ms: int) -> None:
        self.org.coll("file_associations").put(link, at_ms)

    def remove_association(self, link: Record) -> None:
        coll = self.org.coll("file_associations")
        coll.remove(coll.key_of(link))

    def associations_of_object(self, object_id: str) -> list[Record]:
        low = object_id.lower()
        return [a for links in self.associations.values() for a in links
                if a["ObjectId"].lower() == low]


def box(org: Organisation) -> FilesBox:
    """The organisation's Files state (empty until backend/seed_files.py fills it)."""
    found = org.apis.get(KEY)
    if not isinstance(found, FilesBox):
        found = FilesBox(org)
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
