"""The seed's history notes and attachments on every kind of record that has them in Xero.

For each resource whose `/{id}/History` or `/{id}/Attachments` endpoint exists in Xero's spec
(the endpoint table's HISTORY / ATTACHMENTS writes), a few records get notes as Xero writes
them (Changes, Details, User, DateUTC: created, approved, voided, paid ...) and a few get small
files (a PDF, a PNG, a CSV or a text file). The first record of each kind is always among them,
so a reader of "the first record" sees both. The number of touched records per resource is
fixed (`NOTED_PER_TYPE`, `ATTACHED_PER_TYPE`), so a seed of a million records costs no more
here than one of sixty. Everything comes from its own seeded random source: the records the
other generators write do not change.
"""

from __future__ import annotations

import random
import struct
import time
import zlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from xero_core.endpoints import ENDPOINTS, Endpoint
from xero_sandbox.backend.ledger import parse_ms
from xero_sandbox.backend.seed_context import DAY_MS, HOUR_MS, IdSource, Record, SeedContext
from xero_sandbox.backend.store import Attachment

NOTED_PER_TYPE = 3  # records per resource that get history notes
ATTACHED_PER_TYPE = 2  # records per resource that get files
SYSTEM = "System Generated"
ATTACHED = "Attached a file"

Note = tuple[str, str, int]  # (Changes, Details, at ms)


def build(ctx: SeedContext) -> None:
    """Add notes and files to a bounded number of records of every resource that has them."""
    org = ctx.org
    rng = random.Random(f"xero-sandbox-notes:{org.tenant_id}")
    ids = IdSource(rng)
    users: list[str] = ctx.refs["user_names"]
    touched: set[tuple[str, str]] = set()
    for ep in ENDPOINTS:
        if not (ep.has_history or ep.has_attachments) or not ep.primary_key:
            continue
        rows = ctx.staged.get(ep.stream, [])
        pk = ep.primary_key[0]
        attached = _pick(rows, ATTACHED_PER_TYPE) if ep.has_attachments else []
        noted = [*_pick(rows, NOTED_PER_TYPE), *attached] if ep.has_history else []
        for rec, updated in noted:
            key = (ep.stream, str(rec[pk]))
            if org.history.get(key):
                continue  # the generators (or an earlier pick) already wrote its story
            who = users[int(rng.random() * len(users))]
            for changes, details, at in _notes(ep.stream, rec, _created(ctx, rec, updated),
                                               updated):
                org.add_history(ep.stream, key[1], details,
                                changes, who if changes != "Paid" else SYSTEM, at)
            touched.add(key)
        for k, (rec, updated) in enumerate(attached):
            key = (ep.stream, str(rec[pk]))
            if org.attachments.get(key):
                continue
            start = _created(ctx, rec, updated)
            files = _files(ep, rec, 2 if k == 0 else 1, start)
            atts = []
            for n, (name, mime, body) in enumerate(files):
                atts.append(Attachment(ids(), name, mime, body))
                if ep.has_history:
                    # a few minutes after it was entered; never two at one moment
                    at = min(start + (n + 1) * 7 * 60_000, updated + n * 1000,
                             ctx.now_ms - len(files) + n)
                    org.add_history(ep.stream, key[1],
                                    f"Attached the file {name} through Xero.", ATTACHED,
                                    users[int(rng.random() * len(users))], at)
                    touched.add(key)
            org.attachments[key] = atts
            if "HasAttachments" in rec:
                rec["HasAttachments"] = True
    for key in touched:  # oldest first, as the sandbox writes them
        org.history[key].sort(key=lambda n: parse_ms(n["DateUTC"]))


def _pick(rows: list[tuple[Record, int]], count: int) -> list[tuple[Record, int]]:
    """`count` rows spread over the list, the first one included."""
    n = len(rows)
    chosen = sorted({(k * n) // count for k in range(min(count, n))})
    return [rows[i] for i in chosen]


def _created(ctx: SeedContext, rec: Record, updated: int) -> int:
    """When the record was first entered: its document date's office hours (undated
    records: half way between the organisation's start and their last update), never later
    than that update nor before the organisation existed."""
    when = ctx.org.created_ms + (updated - ctx.org.created_ms) // 2
    for name in ("CreatedDateUTC", "Date"):
        value = rec.get(name)
        if isinstance(value, str) and value.startswith("/Date("):
            when = parse_ms(value) + (9 * HOUR_MS if name == "Date" else 0)
            break
    return max(ctx.org.created_ms, min(when, updated))


# --- what Xero writes per resource -------------------------------------------------------------

def _money(value: Any) -> str:
    return f"{Decimal(str(value or 0)):,.2f}"


def _day(ms: int) -> str:
    return time.strftime("%d %b %Y", time.gmtime(ms / 1000)).lstrip("0")


def _who(rec: Record) -> str:
    return str((rec.get("Contact") or {}).get("Name") or "")


_STEPS = {  # what Xero notes on the way to each status, after "Created"
    "SUBMITTED": ("Submitted",), "AUTHORISED": ("Approved",), "PAID": ("Approved", "Paid"),
    "VOIDED": ("Approved", "Voided"), "DELETED": ("Deleted",), "BILLED": ("Approved", "Billed"),
    "SENT": ("Sent",), "ACCEPTED": ("Sent", "Accepted"), "DECLINED": ("Sent", "Declined"),
    "INVOICED": ("Sent", "Accepted", "Invoiced"),
}


def _document(label: str, number_field: str | None) -> Callable[[Record, int, int], list[Note]]:
    """Invoices, credit notes, purchase orders, quotes, repeating invoices."""

    def notes(rec: Record, created: int, updated: int) -> list[Note]:
        number = str(rec.get(number_field) or "") if number_field else ""
        who = _who(rec)
        total = _money(rec.get("Total"))
        text = " ".join(p for p in (label, number, "to" if who else "", who,
                                    f"for {total}.") if p)
        out: list[Note] = [("Created", text, created)]
        steps = _STEPS.get(str(rec.get("Status") or ""), ())
        for k, changes in enumerate(steps, 1):
            at = updated if k == len(steps) else created + k * 60_000
            if changes == "Paid" and rec.get("Allocations"):
                alloc = rec["Allocations"][0]
                out.append(("Credit Applied", f"Credit applied to "
                            f"{alloc['Invoice'].get('InvoiceNumber', '')} for "
                            f"{_money(alloc['Amount'])}.", at))
            elif changes == "Paid":
                out.append((changes, f"Payment received from {who} on {_day(at)} for "
                            f"{total}.", at))
            elif changes == "Billed":
                out.append((changes, f"{number} was copied to a bill.", at))
            else:
                out.append((changes, text, at))
        return _in_order(out, created, updated)

    return notes


def _in_order(out: list[Note], created: int, updated: int) -> list[Note]:
    """Each note between the record's creation and its last update, its Details cut to
    Xero's 250 characters."""
    return [(changes, details[:250], max(created, min(at, updated)))
            for changes, details, at in out]


def _bank_transaction(rec: Record, created: int, updated: int) -> list[Note]:
    kind = str(rec.get("Type") or "")
    amount = _money(rec.get("Total"))
    if kind.endswith("-TRANSFER"):
        text = f"Bank transfer of {amount} on {_day(created)}."
    elif kind.startswith("RECEIVE"):
        text = f"Received money from {_who(rec)} for {amount}.".replace("from  ", "")
    else:
        text = f"Spent money to {_who(rec)} for {amount}.".replace("to  ", "")
    out: list[Note] = [("Created", text, created)]
    if rec.get("IsReconciled"):
        out.append(("Reconciled", f"Reconciled with a bank statement line for {amount}.",
                    min(created + DAY_MS, updated)))
    if rec.get("Status") == "DELETED":
        out.append(("Deleted", text, updated))
    return _in_order(out, created, updated)


def _bank_transfer(rec: Record, created: int, updated: int) -> list[Note]:
    src = (rec.get("FromBankAccount") or {}).get("Name", "")
    dst = (rec.get("ToBankAccount") or {}).get("Name", "")
    date = parse_ms(rec["Date"]) if isinstance(rec.get("Date"), str) else created
    return [("Created", f"Bank transfer from {src} to {dst} on {_day(date)} for "
             f"{_money(rec.get('Amount'))}.", created)]


def _batch_payment(rec: Record, created: int, updated: int) -> list[Note]:
    count = len(rec.get("Payments") or ())
    text = (f"{rec.get('Reference', 'Batch payment')} of {_money(rec.get('TotalAmount'))} "
            f"({count} payment{'s' if count != 1 else ''}).")
    return _in_order([("Created", text, created), ("Approved", "", updated)], created, updated)


def _payment(rec: Record, created: int, updated: int) -> list[Note]:
    inv = rec.get("Invoice") or {}
    who = (inv.get("Contact") or {}).get("Name", "")
    number = inv.get("InvoiceNumber", "")
    amount = _money(rec.get("Amount"))
    date = parse_ms(rec["Date"]) if isinstance(rec.get("Date"), str) else created
    text = (f"Payment received from {who} on {_day(date)} for {amount} ({number})."
            if rec.get("PaymentType") == "ACCRECPAYMENT" else
            f"Payment made to {who} on {_day(date)} for {amount} ({number}).")
    out: list[Note] = [("Created", text, created)]
    if rec.get("Status") == "DELETED":
        out.append(("Deleted", f"Payment of {amount} removed.", updated))
    return _in_order(out, created, updated)


def _money_document(label: str) -> Callable[[Record, int, int], list[Note]]:
    """Overpayments and prepayments."""
    def notes(rec: Record, created: int, updated: int) -> list[Note]:
        amount = _money(rec.get("Total"))
        text = (f"{label} received from {_who(rec)} for {amount}."
                if str(rec.get("Type", "")).startswith("RECEIVE")
                else f"{label} made to {_who(rec)} for {amount}.")
        return _in_order([("Created", text, created)], created, updated)
    return notes


def _manual_journal(rec: Record, created: int, updated: int) -> list[Note]:
    narration = str(rec.get("Narration") or "")
    lines = rec.get("JournalLines") or ()
    amount = _money(max((abs(Decimal(str(j.get("LineAmount", 0)))) for j in lines),
                        default=Decimal(0)))
    out: list[Note] = [("Created", f"Manual journal {narration} for {amount}.", created)]
    status = rec.get("Status")
    if status in ("POSTED", "VOIDED"):
        out.append(("Posted", narration, min(created + 60_000, updated)))
    if status == "VOIDED":
        out.append(("Voided", narration, updated))
    return _in_order(out, created, updated)


def _contact(rec: Record, created: int, updated: int) -> list[Note]:
    name = str(rec.get("Name") or "")
    out: list[Note] = [("Created", f"Contact {name} created.", created)]
    if rec.get("ContactStatus") == "ARCHIVED":
        out.append(("Archived", f"Contact {name} archived.", updated))
    return _in_order(out, created, updated)


def _item(rec: Record, created: int, updated: int) -> list[Note]:
    code = str(rec.get("Code") or "")
    price = _money((rec.get("SalesDetails") or {}).get("UnitPrice"))
    return _in_order([("Created", f"Item {code} created.", created),
                      ("Edited", f"Item {code} edited: sale price {price}.", updated)],
                     created, updated)


_NOTES: dict[str, Callable[[Record, int, int], list[Note]]] = {
    "invoices": _document("", "InvoiceNumber"),
    "credit_notes": _document("", "CreditNoteNumber"),
    "purchase_orders": _document("Purchase Order", "PurchaseOrderNumber"),
    "quotes": _document("Quote", "QuoteNumber"),
    "repeating_invoices": _document("Repeating invoice", None),
    "bank_transactions": _bank_transaction,
    "bank_transfers": _bank_transfer,
    "batch_payments": _batch_payment,
    "payments": _payment,
    "overpayments": _money_document("Overpayment"),
    "prepayments": _money_document("Prepayment"),
    "manual_journals": _manual_journal,
    "contacts": _contact,
    "items": _item,
}


def _notes(stream: str, rec: Record, created: int, updated: int) -> list[Note]:
    make = _NOTES.get(stream)
    if make is None:
        return [("Created", "Created.", created)]
    return make(rec, created, updated)


# --- the files ---------------------------------------------------------------------------------

def _pdf(title: str) -> bytes:
    """A small, well-formed one-page PDF showing `title`."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")[:80]
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _png(seed: str) -> bytes:
    """A tiny valid PNG (8x8, one colour drawn from `seed`)."""
    colour = zlib.crc32(seed.encode()).to_bytes(4, "big")[:3]
    raw = b"".join(b"\x00" + colour * 8 for _ in range(8))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _label(rec: Record) -> str:
    for name in ("InvoiceNumber", "CreditNoteNumber", "PurchaseOrderNumber", "QuoteNumber",
                 "Reference", "Code", "Narration", "Name"):
        value = rec.get(name)
        if value and "[" not in str(value):  # not a template's "[Month] services"
            return str(value)
    date = rec.get("Date")
    day = time.strftime("%Y-%m-%d", time.gmtime(parse_ms(date) / 1000)) \
        if isinstance(date, str) and date.startswith("/Date(") else ""
    return " ".join(str(p) for p in (rec.get("Type"), day) if p) or "document"


def _slug(text: str) -> str:
    out = "".join(c if c.isalnum() else "-" for c in text.lower())
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")[:40] or "document"


def _files(ep: Endpoint, rec: Record, count: int, at: int) -> list[tuple[str, str, bytes]]:
    """`count` files for one record: a scan first, then a supporting document."""
    label = _label(rec)
    slug = _slug(label)
    pk = str(rec[ep.primary_key[0]])
    scan: dict[str, tuple[str, str, bytes]] = {
        "accounts": (f"statement-{slug}.csv", "text/csv",
                     ("Date,Account,Description\n"
                      f"{time.strftime('%Y-%m-%d', time.gmtime(at / 1000))},"
                      f"{rec.get('Code', '')},Statement for {rec.get('Name', '')}\n").encode()),
        "contacts": (f"{slug}-business-card.png", "image/png", _png(pk)),
        "bank_transfers": (f"transfer-{slug}.pdf", "application/pdf",
                           _pdf(f"Transfer confirmation {label}")),
        "manual_journals": (f"{slug}-workings.csv", "text/csv",
                            (f"Journal,{label}\nAccount,Debit,Credit\n" + "".join(
                                f"{j.get('AccountCode', '')},"
                                f"{max(Decimal(str(j.get('LineAmount', 0))), Decimal(0)):.2f},"
                                f"{max(-Decimal(str(j.get('LineAmount', 0))), Decimal(0)):.2f}\n"
                                for j in rec.get("JournalLines") or ())).encode()),
        "bank_transactions": (f"receipt-{slug}.png", "image/png", _png(pk)),
    }
    first = scan.get(ep.stream) or (f"{slug}.pdf", "application/pdf",
                                    _pdf(f"{ep.records_key[:-1]} {label}"))
    second = (f"notes-{slug}.txt", "text/plain",
              f"{ep.records_key[:-1]} {label} ({pk})\nChecked and filed.\n".encode())
    return [first, second][:count]


__all__ = ["ATTACHED", "ATTACHED_PER_TYPE", "NOTED_PER_TYPE", "build"]
