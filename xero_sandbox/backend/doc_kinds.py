"""The document resources as a table: one `DocKind` per resource (invoices, credit notes,
purchase orders, quotes, repeating invoices, bank transactions) with its types, number field,
statuses and the status changes Xero allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


def moves(**moves: str) -> dict[str, frozenset[str]]:
    return {k: frozenset(v.split()) for k, v in moves.items()}


_INVOICE_MOVES = moves(DRAFT="DRAFT SUBMITTED AUTHORISED DELETED",
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
    moves(DRAFT="DRAFT SUBMITTED AUTHORISED DELETED",
          SUBMITTED="DRAFT SUBMITTED AUTHORISED DELETED",
          AUTHORISED="AUTHORISED BILLED DELETED", BILLED="BILLED AUTHORISED", DELETED=""),
    sales_types=(), extra_fields=("Reference", "BrandingThemeID", "SentToContact",
                                  "DeliveryAddress", "AttentionTo", "Telephone",
                                  "DeliveryInstructions", "ExpectedArrivalDate", "DeliveryDate"),
    defaults={"HasAttachments": False, "SentToContact": False, "Reference": "",
              "TotalDiscount": 0.0})
QUOTES = DocKind(
    "quotes", "Quote", (), "QuoteNumber", {"": "QU-"}, ("",), ("DRAFT", "SENT"),
    moves(DRAFT="DRAFT SENT DELETED", SENT="DRAFT SENT ACCEPTED DECLINED DELETED",
       ACCEPTED="ACCEPTED SENT INVOICED DELETED", DECLINED="DECLINED SENT DELETED",
       INVOICED="INVOICED", DELETED=""),
    sales_types=("",), extra_fields=("Reference", "Terms", "Title", "Summary", "BrandingThemeID",
                                     "ExpiryDate"),
    defaults={"Reference": "", "Terms": "", "Title": "", "Summary": "", "TotalDiscount": 0.0})
REPEATING_INVOICES = DocKind(
    "repeating_invoices", "Repeating Invoice", ("ACCREC", "ACCPAY"), None, {}, (),
    ("DRAFT", "AUTHORISED"),
    moves(DRAFT="DRAFT AUTHORISED DELETED", AUTHORISED="AUTHORISED DRAFT DELETED", DELETED=""),
    extra_fields=("Reference", "BrandingThemeID", "ApprovedForSending", "SendCopy",
                  "MarkAsSent", "IncludePDF"),
    defaults={"HasAttachments": False, "ApprovedForSending": False, "SendCopy": False,
              "MarkAsSent": False, "IncludePDF": False, "Reference": ""})
BANK_TRANSACTIONS = DocKind(
    "bank_transactions", "Bank Transaction", ("RECEIVE", "SPEND"), None, {}, (),
    ("AUTHORISED",), moves(AUTHORISED="AUTHORISED DELETED", DELETED=""),
    default_status="AUTHORISED", posts=True, needs_account_when=frozenset({"AUTHORISED"}),
    extra_fields=("Reference", "Url", "IsReconciled"),
    defaults={"IsReconciled": False, "HasAttachments": False, "Reference": ""})

KINDS = {k.stream: k for k in (INVOICES, CREDIT_NOTES, PURCHASE_ORDERS, QUOTES,
                               REPEATING_INVOICES, BANK_TRANSACTIONS)}
# "ACCREC only" / "ACCRECCREDIT only" in Xero's spec: a bill shows its InvoiceNumber as its
# reference, and the API drops a Reference sent with one.
NO_REFERENCE = frozenset({"ACCPAY", "ACCPAYCREDIT"})
DATE_FIELDS = ("ExpectedPaymentDate", "PlannedPaymentDate", "ExpectedArrivalDate",
                "DeliveryDate", "ExpiryDate")
