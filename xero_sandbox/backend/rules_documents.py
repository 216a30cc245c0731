"""Write rules for documents with lines: invoices, credit notes, purchase orders, quotes,
repeating invoices and bank transactions (manual journals: rules_journals).

One table row (`DocKind`, in doc_kinds) per resource says its types, number field, statuses and
allowed status changes; one generic create/update path applies them: contact resolution
(unknown names create contacts), line validation (rules_lines: items, accounts, tax types,
tracking), Xero's amounts recomputed server-side, and the ledger postings an approval, edit,
void or delete implies.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xero_sandbox.backend import ledger
from xero_sandbox.backend.amounts import (
    LINE_AMOUNT_TYPES,
    money,
)
from xero_sandbox.backend.doc_kinds import DATE_FIELDS, NO_REFERENCE, DocKind
from xero_sandbox.backend.rules_common import (
    DAY_MS,
    Invalid,
    Op,
    Record,
    Staging,
    date_string,
    day_ms,
    existing,
    find_account,
    flag,
    ms_date,
    text,
)
from xero_sandbox.backend.rules_contacts import resolve_contact
from xero_sandbox.backend.rules_lines import check_theme, doc_lines, next_number, set_currency
from xero_sandbox.backend.staging import new_id

# --- the generic document path --------------------------------------------------------------------

def document(stg: Staging, el: Record, op: Op, kind: DocKind) -> Record:
    pk = op.pk
    if op.method == "PUT":
        if el.get(pk) and stg.get(kind.stream, str(el[pk])) is not None:
            raise Invalid(f"A {kind.label.lower()} with this {pk} already exists; use POST to "
                          "update it.")
        old = None
    else:
        natural = (kind.number_field,) if kind.number_field else ()
        old = existing(stg, op, el, natural)
    return _create(stg, el, kind) if old is None else _update(stg, el, kind, old)


def _create(stg: Staging, el: Record, kind: DocKind) -> Record:
    rec: Record = {kind_pk(kind): new_id(), **{k: _fresh(v) for k, v in kind.defaults.items()}}
    if kind.stream == "repeating_invoices":
        rec["ID"] = rec["RepeatingInvoiceID"]
    status = str(el.get("Status") or kind.default_status).upper()
    if status not in kind.create_statuses:
        raise Invalid(f"{kind.label} not of valid status for creation")
    _fill(stg, el, kind, rec, status, creating=True)
    rec["Status"] = status
    _amounts_due(kind, rec)
    stg.put(kind.stream, rec)
    rid = rec[kind_pk(kind)]
    stg.note(kind.stream, rid, "Created", _summary(kind, rec))
    if kind.posts and ledger.is_posted(kind.stream, rec):
        stg.post(kind.stream, rec)
        if status == "AUTHORISED" and kind.stream != "bank_transactions":
            stg.note(kind.stream, rid, "Approved", _summary(kind, rec))
    return rec


def _update(stg: Staging, el: Record, kind: DocKind, old: Record) -> Record:
    was = old.get("Status", kind.default_status)
    status = str(el.get("Status") or was).upper()
    moves = kind.transitions.get(was, frozenset())
    if status not in moves:
        raise Invalid(f"{kind.label} not of valid status for modification")
    if kind.locked_by_money and _has_money(old):
        if status == "VOIDED":
            raise Invalid("This document cannot be voided as it has a payment or credit note "
                          "allocated to it.")
        raise Invalid("This document cannot be edited as it has a payment or credit note "
                      "allocated to it.")
    if kind.stream == "bank_transactions" and old.get("IsReconciled"):
        raise Invalid("This Bank Transaction cannot be edited as it has been reconciled.")
    rec = dict(old)
    rid = rec[kind_pk(kind)]
    if status in ("VOIDED", "DELETED"):
        rec["Status"] = status  # Xero ignores anything else sent with a void or delete
        if kind.stream in ("invoices", "credit_notes"):
            rec["AmountDue"] = 0.0
            if kind.stream == "credit_notes":
                rec["RemainingCredit"] = 0.0
        stg.put(kind.stream, rec)
        if kind.posts and ledger.is_posted(kind.stream, old):
            stg.unpost(kind.stream, rec)
        stg.note(kind.stream, rid, "Voided" if status == "VOIDED" else "Deleted",
                 _summary(kind, rec))
        return rec
    _fill(stg, el, kind, rec, status, creating=False)
    rec["Status"] = status
    _amounts_due(kind, rec)
    stg.put(kind.stream, rec)
    changed = any(rec.get(k) != old.get(k) for k in ("LineItems", "Contact", "Date", "Total",
                                                     "CurrencyRate", "LineAmountTypes", "Type",
                                                     "BankAccount"))
    if kind.posts:
        was_posted, now_posted = ledger.is_posted(kind.stream, old), \
            ledger.is_posted(kind.stream, rec)
        if was_posted and now_posted and changed:
            stg.unpost(kind.stream, rec)
            stg.post(kind.stream, rec)
        elif now_posted and not was_posted:
            stg.post(kind.stream, rec)
    changes = {"AUTHORISED": "Approved", "SUBMITTED": "Submitted", "SENT": "Sent",
               "POSTED": "Posted"}.get(status, "Edited") if status != was else "Edited"
    stg.note(kind.stream, rid, changes, _summary(kind, rec))
    return rec


def _fresh(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def kind_pk(kind: DocKind) -> str:
    return {"invoices": "InvoiceID", "credit_notes": "CreditNoteID",
            "purchase_orders": "PurchaseOrderID", "quotes": "QuoteID",
            "repeating_invoices": "RepeatingInvoiceID",
            "bank_transactions": "BankTransactionID"}[kind.stream]


def _has_money(rec: Record) -> bool:
    return bool(rec.get("AmountPaid") or rec.get("AmountCredited") or rec.get("Payments")
                or rec.get("Allocations") or rec.get("AppliedAmount"))


def _fill(stg: Staging, el: Record, kind: DocKind, rec: Record, status: str,
          creating: bool) -> None:
    """Validate the element against the rules and merge it into `rec`."""
    errors: list[str] = []

    def attempt(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except Invalid as e:
            errors.extend(m for m in e.messages if m not in errors)
            return None

    # Type
    if kind.types:
        doc_type = str(el.get("Type") or rec.get("Type") or "").upper()
        if doc_type not in kind.types:
            errors.append(f"{kind.label} Type must be one of {', '.join(kind.types)}"
                          if doc_type else f"{kind.label} Type must be specified")
        rec["Type"] = doc_type
    else:
        doc_type = ""
    # Contact
    if creating or (isinstance(el.get("Contact"), dict) and el["Contact"]):
        contact = attempt(resolve_contact, stg, el.get("Contact"))
        if contact is not None:
            rec["Contact"] = contact
    # Bank account (bank transactions)
    if kind.stream == "bank_transactions" and (creating or el.get("BankAccount")):
        bank = attempt(find_account, stg, el.get("BankAccount"), "BankAccount")
        if bank is not None:
            if bank["Type"] != "BANK":
                errors.append(f"Account code '{bank.get('Code')}' is not a bank account.")
            else:
                rec["BankAccount"] = {"AccountID": bank["AccountID"], "Code": bank.get("Code", ""),
                                      "Name": bank["Name"]}
    # Dates
    if el.get("Date") or creating:
        d = attempt(day_ms, el["Date"]) if el.get("Date") else \
            stg.now_ms - stg.now_ms % DAY_MS
        if d is not None:
            rec["Date"], rec["DateString"] = ms_date(d), date_string(d)
    if kind.stream in ("invoices", "credit_notes"):
        if el.get("DueDate"):
            due = attempt(day_ms, el["DueDate"], "DueDate")
            if due is not None:
                rec["DueDate"], rec["DueDateString"] = ms_date(due), date_string(due)
        elif not rec.get("DueDate") and kind.stream == "invoices" and rec.get("Date"):
            due = ledger.parse_ms(rec["Date"]) + 14 * DAY_MS  # the demo's payment terms
            rec["DueDate"], rec["DueDateString"] = ms_date(due), date_string(due)
    if kind.stream == "quotes" and creating and not el.get("Date"):
        errors.append("Date is required")
    for key in DATE_FIELDS:
        if key in kind.extra_fields and el.get(key):
            d = attempt(day_ms, el[key], key)
            if d is not None:
                rec[key] = ms_date(d)
                if key in ("DeliveryDate", "ExpiryDate"):
                    rec[key + "String"] = date_string(d)
    # Plain fields
    for key in kind.extra_fields:
        if key == "Reference" and doc_type in NO_REFERENCE:
            continue  # Xero silently ignores Reference on bills and supplier credit notes
        if key in el and key not in DATE_FIELDS:
            if key == "BrandingThemeID":
                attempt(check_theme, stg, el[key])
            if key == "Reference" and len(str(el[key] or "")) > 255:
                errors.append("Reference must not be longer than 255 characters")
            rec[key] = flag(el, key) if isinstance(kind.defaults.get(key), bool) else el[key]
    if kind.stream == "repeating_invoices" and (creating or "Schedule" in el):
        schedule = attempt(_schedule, el.get("Schedule"))
        if schedule is not None:
            rec["Schedule"] = schedule
    # Number
    if kind.number_field:
        num = text(el, kind.number_field, 255) if kind.number_field in el else \
            rec.get(kind.number_field)
        prefix = kind.prefixes.get(doc_type)
        if not num and prefix is not None:
            num = next_number(stg, kind, prefix)
        rec[kind.number_field] = num or ""
        if num and doc_type in kind.unique_types:
            dup = stg.find(kind.stream, kind.number_field, num,
                           lambda r: r.get("Type", "") == doc_type)
            if dup is not None and dup[kind_pk(kind)] != rec[kind_pk(kind)]:
                errors.append(f"{_number_label(kind)} must be unique.")
    # Currency and lines
    if creating or "CurrencyCode" in el or "CurrencyRate" in el:
        attempt(set_currency, stg, el, rec)
    lat = str(el.get("LineAmountTypes") or rec.get("LineAmountTypes") or "Exclusive")
    lat = {"exclusive": "Exclusive", "inclusive": "Inclusive", "notax": "NoTax"}.get(
        lat.lower(), lat)
    if lat not in LINE_AMOUNT_TYPES:
        errors.append(f"LineAmountTypes '{lat}' is not valid")
    raw_lines = el.get("LineItems")
    if raw_lines is None and kind.stream == "bank_transactions":
        raw_lines = el.get("Lineitems")
    if raw_lines or creating or lat != rec.get("LineAmountTypes") or status != rec.get("Status"):
        if not raw_lines:
            raw_lines = _as_input(rec.get("LineItems") or [])
        if kind.stream == "bank_transactions" and not raw_lines:
            errors.append("At least one line item must be specified")
        result = attempt(doc_lines, stg, kind, doc_type, lat, raw_lines, status)
        if result is not None:
            lines, sub, tax, total = result
            rec.update({"LineItems": lines, "SubTotal": money(sub), "TotalTax": money(tax),
                        "Total": money(total)})
    rec["LineAmountTypes"] = lat.upper() if kind.stream == "quotes" else lat  # Quotes: EXCLUSIVE
    if errors:
        raise Invalid(*errors)


def _as_input(lines: list[Record]) -> list[Record]:
    """Stored lines back into request form, to re-validate them under a new status."""
    return [{k: v for k, v in li.items() if k not in ("TaxAmount", "Item")} for li in lines]


def _number_label(kind: DocKind) -> str:
    return {"invoices": "Invoice #", "credit_notes": "Credit Note #",
            "purchase_orders": "Purchase Order #", "quotes": "Quote #"}.get(kind.stream, "Number")


def _schedule(raw: Any) -> Record:
    if not isinstance(raw, dict):
        raise Invalid("Schedule must be specified")
    out = dict(raw)
    for key in ("Period", "DueDate"):
        try:
            given = raw.get(key)
            out[key] = int(given) if given is not None else (1 if key == "Period" else 0)
        except (TypeError, ValueError):
            raise Invalid(f"Schedule {key} must be a whole number") from None
    if out["Period"] < 1:
        raise Invalid("Schedule Period must be 1 or more")
    if str(raw.get("Unit", "")).upper() not in ("WEEKLY", "MONTHLY"):
        raise Invalid("Schedule Unit must be WEEKLY or MONTHLY")
    out["Unit"] = str(raw["Unit"]).upper()
    out["DueDateType"] = str(raw.get("DueDateType") or "DAYSAFTERBILLDATE").upper()
    if out["DueDateType"] not in ("DAYSAFTERBILLDATE", "DAYSAFTERBILLMONTH", "OFCURRENTMONTH",
                                  "OFFOLLOWINGMONTH"):
        raise Invalid(f"Schedule DueDateType '{out['DueDateType']}' is not valid")
    if not raw.get("StartDate"):
        raise Invalid("Schedule StartDate must be specified")
    start = day_ms(raw["StartDate"], "StartDate")
    out["StartDate"] = ms_date(start)
    out["NextScheduledDate"] = ms_date(day_ms(raw["NextScheduledDate"])) \
        if raw.get("NextScheduledDate") else ms_date(start)
    if raw.get("EndDate"):
        out["EndDate"] = ms_date(day_ms(raw["EndDate"], "EndDate"))
    return out


def _amounts_due(kind: DocKind, rec: Record) -> None:
    if kind.stream == "invoices":
        if rec.get("Status") in ("VOIDED", "DELETED"):
            rec["AmountDue"] = 0.0
        else:
            rec["AmountDue"] = money(Decimal(str(rec.get("Total", 0)))
                                     - Decimal(str(rec.get("AmountPaid", 0)))
                                     - Decimal(str(rec.get("AmountCredited", 0))))
    elif kind.stream == "credit_notes":
        rec["RemainingCredit"] = money(Decimal(str(rec.get("Total", 0)))
                                       - Decimal(str(rec.get("AppliedAmount", 0))))
        if rec.get("Status") in ("DRAFT", "SUBMITTED", "DELETED", "VOIDED"):
            rec["RemainingCredit"] = 0.0 if rec.get("Status") in ("DELETED", "VOIDED") \
                else rec["RemainingCredit"]


def _summary(kind: DocKind, rec: Record) -> str:
    number = rec.get(kind.number_field or "", "") if kind.number_field else ""
    who = (rec.get("Contact") or {}).get("Name", "")
    return f"{kind.label} {number} to {who} for {Decimal(str(rec.get('Total', 0))):.2f}.".replace(
        "  ", " ")


def handler(kind: DocKind) -> Any:
    def handle(stg: Staging, el: Record, op: Op) -> Record:
        return document(stg, el, op, kind)
    handle.__name__ = kind.stream
    return handle
