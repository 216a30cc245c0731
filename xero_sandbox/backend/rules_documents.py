"""Write rules for documents with lines: invoices, credit notes, purchase orders, quotes,
repeating invoices, bank transactions and manual journals.

One table row (`DocKind`) per resource says its types, number field, statuses and allowed status
changes; one generic create/update path applies them: contact resolution (unknown names create
contacts), line validation (items, accounts, tax types, tracking), Xero's amounts recomputed
server-side, and the ledger postings an approval, edit, void or delete implies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xero_sandbox.backend import ledger
from xero_sandbox.backend.amounts import (
    LINE_AMOUNT_TYPES,
    ZERO,
    line_amount,
    line_tax,
    money,
    round_money,
    totals,
    unit,
)
from xero_sandbox.backend.chart import PROFILES
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
    number,
    text,
    tracking,
)
from xero_sandbox.backend.rules_contacts import resolve_contact
from xero_sandbox.backend.staging import new_id


@dataclass(frozen=True)
class DocKind:
    stream: str
    label: str  # "Invoice": used in messages
    types: tuple[str, ...]  # Type values accepted (empty: the resource has no Type)
    number_field: str | None
    prefixes: dict[str, str]  # Type (or "") -> automatic number prefix
    unique_types: tuple[str, ...]  # types whose numbers must be unique
    create_statuses: tuple[str, ...]
    transitions: dict[str, frozenset[str]]  # from status -> statuses it may move to
    default_status: str = "DRAFT"
    posts: bool = False
    sales_types: tuple[str, ...] = ("ACCREC", "ACCRECCREDIT", "RECEIVE")
    needs_account_when: frozenset[str] = frozenset()  # statuses that need account codes
    locked_by_money: bool = False  # payments / allocations freeze the document
    extra_fields: tuple[str, ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)


def _t(**moves: str) -> dict[str, frozenset[str]]:
    return {k: frozenset(v.split()) for k, v in moves.items()}


_INVOICE_MOVES = _t(DRAFT="DRAFT SUBMITTED AUTHORISED DELETED",
                    SUBMITTED="DRAFT SUBMITTED AUTHORISED DELETED",
                    AUTHORISED="AUTHORISED VOIDED", PAID="", VOIDED="", DELETED="")

INVOICES = DocKind(
    "invoices", "Invoice", ("ACCREC", "ACCPAY"), "InvoiceNumber", {"ACCREC": "INV-"},
    ("ACCREC",), ("DRAFT", "SUBMITTED", "AUTHORISED"), _INVOICE_MOVES, posts=True,
    needs_account_when=frozenset({"AUTHORISED"}), locked_by_money=True,
    extra_fields=("Reference", "Url", "SentToContact", "ExpectedPaymentDate",
                  "PlannedPaymentDate", "BrandingThemeID", "RepeatingInvoiceID"),
    defaults={"Payments": [], "CreditNotes": [], "Prepayments": [], "Overpayments": [],
              "AmountPaid": 0.0, "AmountCredited": 0.0, "IsDiscounted": False,
              "HasAttachments": False, "HasErrors": False, "SentToContact": False,
              "Reference": ""})
CREDIT_NOTES = DocKind(
    "credit_notes", "Credit Note", ("ACCRECCREDIT", "ACCPAYCREDIT"), "CreditNoteNumber",
    {"ACCRECCREDIT": "CN-"}, ("ACCRECCREDIT",), ("DRAFT", "SUBMITTED", "AUTHORISED"),
    _INVOICE_MOVES, posts=True, needs_account_when=frozenset({"AUTHORISED"}),
    locked_by_money=True, extra_fields=("Reference", "SentToContact", "BrandingThemeID"),
    defaults={"Allocations": [], "Payments": [], "AppliedAmount": 0.0, "HasAttachments": False,
              "HasErrors": False, "SentToContact": False, "Reference": ""})
PURCHASE_ORDERS = DocKind(
    "purchase_orders", "Purchase Order", (), "PurchaseOrderNumber", {"": "PO-"}, ("",),
    ("DRAFT", "SUBMITTED", "AUTHORISED"),
    _t(DRAFT="DRAFT SUBMITTED AUTHORISED DELETED", SUBMITTED="DRAFT SUBMITTED AUTHORISED DELETED",
       AUTHORISED="AUTHORISED BILLED DELETED", BILLED="BILLED AUTHORISED", DELETED=""),
    sales_types=(), extra_fields=("Reference", "BrandingThemeID", "SentToContact",
                                  "DeliveryAddress", "AttentionTo", "Telephone",
                                  "DeliveryInstructions", "ExpectedArrivalDate", "DeliveryDate"),
    defaults={"HasAttachments": False, "SentToContact": False, "Reference": "",
              "TotalDiscount": 0.0})
QUOTES = DocKind(
    "quotes", "Quote", (), "QuoteNumber", {"": "QU-"}, ("",), ("DRAFT", "SENT"),
    _t(DRAFT="DRAFT SENT DELETED", SENT="DRAFT SENT ACCEPTED DECLINED DELETED",
       ACCEPTED="ACCEPTED SENT INVOICED DELETED", DECLINED="DECLINED SENT DELETED",
       INVOICED="INVOICED", DELETED=""),
    sales_types=("",), extra_fields=("Reference", "Terms", "Title", "Summary", "BrandingThemeID",
                                     "ExpiryDate"),
    defaults={"Reference": "", "Terms": "", "Title": "", "Summary": "", "TotalDiscount": 0.0})
REPEATING_INVOICES = DocKind(
    "repeating_invoices", "Repeating Invoice", ("ACCREC", "ACCPAY"), None, {}, (),
    ("DRAFT", "AUTHORISED"),
    _t(DRAFT="DRAFT AUTHORISED DELETED", AUTHORISED="AUTHORISED DRAFT DELETED", DELETED=""),
    extra_fields=("Reference", "BrandingThemeID", "ApprovedForSending", "SendCopy",
                  "MarkAsSent", "IncludePDF"),
    defaults={"HasAttachments": False, "ApprovedForSending": False, "SendCopy": False,
              "MarkAsSent": False, "IncludePDF": False, "Reference": ""})
BANK_TRANSACTIONS = DocKind(
    "bank_transactions", "Bank Transaction", ("RECEIVE", "SPEND"), None, {}, (),
    ("AUTHORISED",), _t(AUTHORISED="AUTHORISED DELETED", DELETED=""),
    default_status="AUTHORISED", posts=True, needs_account_when=frozenset({"AUTHORISED"}),
    extra_fields=("Reference", "Url", "IsReconciled"),
    defaults={"IsReconciled": False, "HasAttachments": False, "Reference": ""})

KINDS = {k.stream: k for k in (INVOICES, CREDIT_NOTES, PURCHASE_ORDERS, QUOTES,
                               REPEATING_INVOICES, BANK_TRANSACTIONS)}
# "ACCREC only" / "ACCRECCREDIT only" in Xero's spec: a bill shows its InvoiceNumber as its
# reference, and the API drops a Reference sent with one.
_NO_REFERENCE = frozenset({"ACCPAY", "ACCPAYCREDIT"})
_DATE_FIELDS = ("ExpectedPaymentDate", "PlannedPaymentDate", "ExpectedArrivalDate",
                "DeliveryDate", "ExpiryDate")


# --- lines ------------------------------------------------------------------------------------

def _lines(stg: Staging, kind: DocKind, doc_type: str, lat: str, raw: Any, status: str,
           ) -> tuple[list[Record], Decimal, Decimal, Decimal]:
    if not isinstance(raw, list):
        raise Invalid("LineItems must be a list")
    sales = doc_type in kind.sales_types
    chart = stg.chart
    out: list[Record] = []
    pairs: list[tuple[Decimal, Decimal]] = []
    errors: list[str] = []
    for li in raw:
        if not isinstance(li, dict):
            raise Invalid("Each line item must be an object")
        try:
            line, amount, tax = _line(stg, kind, doc_type, sales, lat, li, status, chart)
        except Invalid as e:
            errors.extend(m for m in e.messages if m not in errors)
            continue
        out.append(line)
        pairs.append((amount, tax))
    if errors:
        raise Invalid(*errors)
    sub, tax_total, total = totals(pairs, lat)
    return out, sub, tax_total, total


def _line(stg: Staging, kind: DocKind, doc_type: str, sales: bool, lat: str, li: Record,
          status: str, chart: ledger.Chart) -> tuple[Record, Decimal, Decimal]:
    item = None
    if li.get("ItemCode"):
        item = stg.find("items", "Code", li["ItemCode"])
        if item is None:
            raise Invalid(f"Item code '{li['ItemCode']}' is not valid.")
    details = (item or {}).get("SalesDetails" if sales else "PurchaseDetails") or {}
    desc = li.get("Description")
    if desc is None and item is not None:
        desc = item.get("Description" if sales else "PurchaseDescription") or \
            item.get("Description") or item.get("Name")
    if not desc:
        raise Invalid("The description field is mandatory for each line item.")
    if len(str(desc)) > 4000:
        raise Invalid("The description of a line item must not be longer than 4000 characters.")
    qty_given = number(li, "Quantity")
    qty = qty_given if qty_given is not None else Decimal(1)
    unit_amount = number(li, "UnitAmount")
    given = number(li, "LineAmount")
    discount = number(li, "DiscountRate", ZERO) or ZERO
    if discount and doc_type in ("ACCPAY", "ACCPAYCREDIT", "SPEND"):
        raise Invalid(f"Discounts may not be applied to {doc_type} invoices.")
    if unit_amount is None:
        if given is not None:
            unit_amount = given / qty if qty else given
        elif details.get("UnitPrice") is not None:
            unit_amount = Decimal(str(details["UnitPrice"]))
        else:
            unit_amount = ZERO
    expected = line_amount(qty, unit_amount, discount)
    if given is not None and li.get("UnitAmount") is not None and round_money(given) != expected:
        raise Invalid(f"The line total {round_money(given)} does not match the expected line "
                      f"total {expected}")
    if given is not None and li.get("UnitAmount") is None:
        expected = round_money(given)
    line: Record = {"LineItemID": str(li.get("LineItemID") or new_id()), "Description": desc,
                    "Quantity": unit(qty), "UnitAmount": unit(unit_amount)}
    code = li.get("AccountCode") or (None if li.get("AccountID") else details.get("AccountCode"))
    acct = None
    if code or li.get("AccountID"):
        acct = find_account(stg, {"Code": code} if code else {"AccountID": li["AccountID"]})
        if acct["Type"] == "BANK" or acct.get("SystemAccount") in ("DEBTORS", "CREDITORS"):
            raise Invalid(f"Account code '{acct.get('Code')}' is not a valid code for this "
                          "document.")
        line["AccountCode"], line["AccountID"] = acct.get("Code", ""), acct["AccountID"]
    elif status in kind.needs_account_when:
        raise Invalid("Each line item must have an account code when the document is approved.")
    tax_type = "NONE" if lat == "NoTax" else str(
        li.get("TaxType") or details.get("TaxType") or (acct or {}).get("TaxType") or "NONE")
    if tax_type not in chart.tax_name or chart.tax_status.get(tax_type) != "ACTIVE":
        raise Invalid(f"The TaxType code '{tax_type}' does not exist or cannot be used for this "
                      "type of transaction.")
    tax = line_tax(expected, chart.tax_rate.get(tax_type, ZERO), lat)
    line.update({"TaxType": tax_type, "TaxAmount": money(tax), "LineAmount": money(expected),
                 "Tracking": tracking(stg, li.get("Tracking"))})
    if discount:
        line["DiscountRate"] = float(discount)
    if item is not None:
        line["ItemCode"] = item["Code"]
        line["Item"] = {"ItemID": item["ItemID"], "Name": item.get("Name", ""),
                        "Code": item["Code"]}
    return line, expected, tax


# --- numbers, currency, misc ---------------------------------------------------------------------

def _next_number(stg: Staging, kind: DocKind, prefix: str) -> str:
    key = ("next", kind.stream, prefix)
    n = stg.memo.get(key)
    if n is None:
        n = 0
        assert kind.number_field is not None
        for rec in stg.scan(kind.stream):
            num = str(rec.get(kind.number_field) or "")
            if num.startswith(prefix) and num[len(prefix):].isdigit():
                n = max(n, int(num[len(prefix):]))
    n += 1
    stg.memo[key] = n
    return f"{prefix}{n:05d}" if kind.stream == "invoices" else f"{prefix}{n:04d}"


def _currency(stg: Staging, el: Record, rec: Record) -> None:
    base = stg.org.base_currency
    code = str(el.get("CurrencyCode") or rec.get("CurrencyCode") or base).upper()
    if stg.get("currencies", code) is None:
        raise Invalid(f"The currency code {code} is not set up for this organisation.")
    rate = number(el, "CurrencyRate")
    if code == base:
        rate = Decimal(1)
    elif rate is None:
        rate = Decimal(str(rec["CurrencyRate"])) if rec.get("CurrencyCode") == code and \
            rec.get("CurrencyRate") else _default_rate(stg, code)
    if rate <= 0:
        raise Invalid("CurrencyRate must be greater than zero.")
    rec["CurrencyCode"], rec["CurrencyRate"] = code, float(round(rate, 10))


def _default_rate(stg: Staging, code: str) -> Decimal:
    for profile in PROFILES.values():
        if profile.currency == stg.org.base_currency:
            for fx_code, _, rate in profile.foreign:
                if fx_code == code:
                    return Decimal(rate)
    return Decimal(1)


def _check_theme(stg: Staging, theme_id: Any) -> None:
    if theme_id and stg.get("branding_themes", str(theme_id)) is None:
        raise Invalid(f"Branding theme '{theme_id}' does not exist.")


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
    for key in _DATE_FIELDS:
        if key in kind.extra_fields and el.get(key):
            d = attempt(day_ms, el[key], key)
            if d is not None:
                rec[key] = ms_date(d)
                if key in ("DeliveryDate", "ExpiryDate"):
                    rec[key + "String"] = date_string(d)
    # Plain fields
    for key in kind.extra_fields:
        if key == "Reference" and doc_type in _NO_REFERENCE:
            continue  # Xero silently ignores Reference on bills and supplier credit notes
        if key in el and key not in _DATE_FIELDS:
            if key == "BrandingThemeID":
                attempt(_check_theme, stg, el[key])
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
            num = _next_number(stg, kind, prefix)
        rec[kind.number_field] = num or ""
        if num and doc_type in kind.unique_types:
            dup = stg.find(kind.stream, kind.number_field, num,
                           lambda r: r.get("Type", "") == doc_type)
            if dup is not None and dup[kind_pk(kind)] != rec[kind_pk(kind)]:
                errors.append(f"{_number_label(kind)} must be unique.")
    # Currency and lines
    if creating or "CurrencyCode" in el or "CurrencyRate" in el:
        attempt(_currency, stg, el, rec)
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
        result = attempt(_lines, stg, kind, doc_type, lat, raw_lines, status)
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


# --- manual journals ------------------------------------------------------------------------------

_MJ_MOVES = _t(DRAFT="DRAFT POSTED DELETED", POSTED="POSTED VOIDED", VOIDED="", DELETED="")


def manual_journals(stg: Staging, el: Record, op: Op) -> Record:
    if op.method == "PUT":
        if el.get("ManualJournalID") and stg.get("manual_journals", str(el["ManualJournalID"])):
            raise Invalid("A manual journal with this ManualJournalID already exists; use POST "
                          "to update it.")
        old = None
    else:
        old = existing(stg, op, el)
    was = old["Status"] if old else None
    status = str(el.get("Status") or was or "DRAFT").upper()
    if old is None and status not in ("DRAFT", "POSTED"):
        raise Invalid("Manual Journal not of valid status for creation")
    if old is not None and status not in _MJ_MOVES.get(str(was), frozenset()):
        raise Invalid("Manual Journal not of valid status for modification")
    rec: Record = dict(old) if old else {"ManualJournalID": new_id(), "LineAmountTypes": "NoTax",
                                 "ShowOnCashBasisReports": True, "HasAttachments": False}
    rid = rec["ManualJournalID"]
    if old is not None and status in ("VOIDED", "DELETED"):
        rec["Status"] = status
        stg.put("manual_journals", rec)
        if was == "POSTED":
            stg.unpost("manual_journals", rec)
        stg.note("manual_journals", rid, "Voided" if status == "VOIDED" else "Deleted",
                 rec.get("Narration", ""))
        return rec
    errors = []
    narration = el.get("Narration", rec.get("Narration"))
    if not narration:
        errors.append("Narration is required")
    if el.get("Date") or old is None:
        try:
            d = day_ms(el["Date"]) if el.get("Date") else stg.now_ms - stg.now_ms % DAY_MS
            rec["Date"] = ms_date(d)
        except Invalid as e:
            errors.extend(e.messages)
    raw = el.get("JournalLines")
    if not raw:
        raw = rec.get("JournalLines") or []
    lines, debit, credit = [], Decimal(0), Decimal(0)
    for jl in raw if isinstance(raw, list) else ():
        try:
            amount = number(jl, "LineAmount")
            if amount is None:
                raise Invalid("LineAmount must be specified for each journal line")
            ref = {"AccountID": jl["AccountID"]} if jl.get("AccountID") and \
                not jl.get("AccountCode") else {"Code": jl.get("AccountCode")}
            acct = find_account(stg, ref, "AccountCode")
            tax_type = str(jl.get("TaxType") or "NONE")
            if tax_type not in stg.chart.tax_name:
                raise Invalid(f"The TaxType code '{tax_type}' does not exist or cannot be used "
                              "for this type of transaction.")
            lines.append({"LineAmount": money(amount), "AccountCode": acct.get("Code", ""),
                          "AccountID": acct["AccountID"],
                          "Description": str(jl.get("Description") or ""),
                          "TaxType": tax_type, "TaxAmount": 0.0,
                          "Tracking": tracking(stg, jl.get("Tracking")), "IsBlank": False})
        except Invalid as e:
            errors.extend(m for m in e.messages if m not in errors)
            continue
        if amount > 0:
            debit += round_money(amount)
        else:
            credit -= round_money(amount)
    if not isinstance(raw, list) or (status == "POSTED" and len(raw) < 2):
        errors.append("A posted manual journal must have at least two journal lines")
    if debit != credit:
        errors.append(f"The total debits ({debit:.2f}) must equal total credits ({credit:.2f})")
    if errors:
        raise Invalid(*errors)
    rec.update({"Narration": str(narration), "JournalLines": lines, "Status": status})
    for key in ("Url", "ShowOnCashBasisReports"):
        if key in el:
            rec[key] = el[key]
    stg.put("manual_journals", rec)
    if was == "POSTED":
        stg.unpost("manual_journals", rec)
    if status == "POSTED":
        stg.post("manual_journals", rec)
    stg.note("manual_journals", rid, "Created" if old is None else
             ("Posted" if status == "POSTED" and was != "POSTED" else "Edited"), str(narration))
    return rec


def handler(kind: DocKind) -> Any:
    def handle(stg: Staging, el: Record, op: Op) -> Record:
        return document(stg, el, op, kind)
    handle.__name__ = kind.stream
    return handle
