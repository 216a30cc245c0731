"""The table of line-level streams: which array of which parent record each one unnests.

A row names the parent stream (a row of xero_core.endpoints), the parent's array, the
OpenAPI component of its items, where an item keeps its tracking, and the parent fields each
line carries besides the parent's id, status and replication value. The tap builds its line
streams and the schema generator their schemas from it; nothing costs an API call of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from xero_core.endpoints import BY_STREAM, Endpoint

POSITION = "_position"  # 0-based index of the line in the parent's array
PARENT_STATUS = "_parent_status"  # the parent's Status (null where it has none)
PARENT_STREAM = "_parent_stream"  # line_item_tracking: the parent's stream name
PARENT_ID = "_parent_id"  # line_item_tracking: the parent's id
LINE_POSITION = "_line_position"  # line_item_tracking: the line's position in the parent
TRACKING_STREAM = "line_item_tracking"
UPDATED = "UpdatedDateUTC"


@dataclass(frozen=True)
class LineKind:
    """One line-level stream: the items of one array of one parent stream."""

    stream: str  # e.g. "invoice_line_items"
    parent: str  # the parent stream, e.g. "invoices"
    field: str  # the parent's array, e.g. "LineItems"
    component: str  # OpenAPI component of an item, e.g. "LineItem"
    tracking: str | None = None  # the item's list of tracking entries, if it has one
    parent_fields: tuple[str, ...] = ()  # parent fields copied onto each line
    allocation: bool = False  # an allocation: `Invoice.InvoiceID` flattened to `InvoiceID`

    @property
    def endpoint(self) -> Endpoint:
        return BY_STREAM[self.parent]

    @property
    def parent_key(self) -> str:
        """The parent's id field, e.g. InvoiceID."""
        return self.endpoint.primary_key[0]

    @property
    def bookmark_field(self) -> str | None:
        """The parent's replication key (UpdatedDateUTC, JournalNumber), copied onto each line;
        None where the parent is read in full every run (repeating invoices)."""
        return self.endpoint.replication_key

    @property
    def status_field(self) -> str | None:
        return self.endpoint.status_field


_JOURNAL_FIELDS = ("JournalDate", "JournalNumber", "SourceType", "SourceID", "Reference",
                   "CreatedDateUTC")

LINES: tuple[LineKind, ...] = (
    LineKind("invoice_line_items", "invoices", "LineItems", "LineItem", "Tracking"),
    LineKind("credit_note_line_items", "credit_notes", "LineItems", "LineItem", "Tracking"),
    LineKind("bank_transaction_line_items", "bank_transactions", "LineItems", "LineItem",
             "Tracking"),
    LineKind("purchase_order_line_items", "purchase_orders", "LineItems", "LineItem",
             "Tracking"),
    LineKind("quote_line_items", "quotes", "LineItems", "LineItem", "Tracking"),
    LineKind("repeating_invoice_line_items", "repeating_invoices", "LineItems", "LineItem",
             "Tracking"),
    LineKind("manual_journal_lines", "manual_journals", "JournalLines", "ManualJournalLine",
             "Tracking", ("Date",)),
    LineKind("journal_lines", "journals", "JournalLines", "JournalLine", "TrackingCategories",
             _JOURNAL_FIELDS),
    LineKind("credit_note_allocations", "credit_notes", "Allocations", "Allocation",
             allocation=True),
    LineKind("overpayment_allocations", "overpayments", "Allocations", "Allocation",
             allocation=True),
    LineKind("prepayment_allocations", "prepayments", "Allocations", "Allocation",
             allocation=True),
)
LINES_BY_STREAM = {k.stream: k for k in LINES}
#: Parent streams whose lines have tracking entries (line_item_tracking reads them).
TRACKED_PARENTS: tuple[str, ...] = tuple(dict.fromkeys(k.parent for k in LINES if k.tracking))
#: The components a tracking entry follows (line items / manual journals; journal lines).
TRACKING_COMPONENTS = ("LineItemTracking", "TrackingCategory")


def tracked_kinds(parent: str) -> tuple[LineKind, ...]:
    """The line kinds of `parent` whose items have tracking."""
    return tuple(k for k in LINES if k.parent == parent and k.tracking)
