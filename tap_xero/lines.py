"""Line-level streams: the lines of parent records the tap already reads, one row each.

`invoice_line_items`, `journal_lines`, `credit_note_allocations` ... (the rows of
xero_core.lines.LINES) and `line_item_tracking` cost no API call: the parent stream hands them
its records a batch at a time (TenantStream.get_records), before it writes those records.
Selected alone, a line stream still makes its parent read (its records not written).

Each line carries `_tenant_id`, the parent's id, `_position` (its index in the parent's
array), `_parent_status` and the parent's replication value, so a model can drop the stale
rows a parent re-read with fewer lines leaves behind. Their bookmark is the parent's
replication value up to which their parents were handed over (advanced here, per batch, also
past parents without lines): the parent reads from the lowest bookmark of itself and its
selected line streams (XeroStream.read_start_bookmark).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any, ClassVar

from singer_sdk import Stream, Tap
from singer_sdk.exceptions import AbortedSyncFailedException, AbortedSyncPausedException
from singer_sdk.helpers.types import Context

from tap_xero.deletes import DELETED_AT, has_soft_deletes, with_deleted_at
from tap_xero.run import TENANT_KEY, XeroRun
from tap_xero.tenant import TenantStream, bookmark_order
from xero_core.lines import (
    LINE_POSITION,
    LINES,
    PARENT_ID,
    PARENT_STATUS,
    PARENT_STREAM,
    POSITION,
    TRACKED_PARENTS,
    TRACKING_STREAM,
    LineKind,
    tracked_kinds,
)

#: Where line_item_tracking keeps, per parent stream, how far its parents were handed over.
PARENT_BOOKMARKS = "parent_bookmarks"

#: (parent record, whether it moves the bookmark, whether its rows are written)
Batch = list[tuple[dict[str, Any], bool, bool]]


def _copy(value: Any) -> Any:
    """A copy of a parsed JSON value (the parent's record is written after its lines)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _later(old: Any, new: Any) -> Any:
    if new is None:
        return old
    if old is None:
        return new
    return new if bookmark_order(new) > bookmark_order(old) else old


def parent_values(kind: LineKind, parent: dict[str, Any], *, fields: bool = True
                  ) -> dict[str, Any]:
    """What every line of `parent` carries from it (besides `_tenant_id` and its id): status,
    replication value, deletion, and (with `fields`) the kind's `parent_fields`."""
    status = kind.status_field
    out: dict[str, Any] = {PARENT_STATUS: parent.get(status) if status else None}
    if kind.bookmark_field:
        out[kind.bookmark_field] = parent.get(kind.bookmark_field)
    for name in kind.parent_fields if fields else ():
        out[name] = parent.get(name)
    if parent.get(DELETED_AT):
        out[DELETED_AT] = parent[DELETED_AT]
    return out


def line_rows(kind: LineKind, parent: dict[str, Any], tenant: Any) -> Iterator[dict[str, Any]]:
    """The rows of one parent's `kind.field` array."""
    items = parent.get(kind.field)
    if not isinstance(items, list):
        return
    base = {TENANT_KEY: tenant, kind.parent_key: parent.get(kind.parent_key),
            **parent_values(kind, parent)}
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        row: dict[str, Any] = _copy(item)
        if kind.allocation:
            invoice = row.get("Invoice")
            row["InvoiceID"] = invoice.get("InvoiceID") if isinstance(invoice, dict) else None
        row.update(base)
        row[POSITION] = position
        yield row


def tracking_rows(parent_stream: str, parent: dict[str, Any], tenant: Any
                  ) -> Iterator[dict[str, Any]]:
    """One row per tracking entry of each line of `parent`."""
    for kind in tracked_kinds(parent_stream):
        items = parent.get(kind.field)
        if not isinstance(items, list) or not kind.tracking:
            continue
        base = {TENANT_KEY: tenant, PARENT_STREAM: parent_stream,
                PARENT_ID: parent.get(kind.parent_key),
                **parent_values(kind, parent, fields=False)}
        for line_position, item in enumerate(items):
            entries = item.get(kind.tracking) if isinstance(item, dict) else None
            for position, entry in enumerate(entries if isinstance(entries, list) else ()):
                if not isinstance(entry, dict):
                    continue
                row: dict[str, Any] = _copy(entry)
                row.update(base)
                row[LINE_POSITION] = line_position
                row[POSITION] = position
                yield row


class DerivedStream(TenantStream):
    """A stream whose rows come from parent records handed over by the parent stream."""

    derived = True

    def __init__(self, tap: Tap, run: XeroRun, schema: dict[str, Any]) -> None:
        super().__init__(tap, run, name=self.name, schema=schema, path="")
        self.state_partitioning_keys = [TENANT_KEY]
        self._parent_name = ""
        self._batch: Batch = []

    def take_parents(self, parent: Stream, batch: Batch, context: Context | None) -> None:
        """Emit the rows of a batch of `parent`'s records (and advance the bookmark)."""
        self._parent_name, self._batch = parent.name, batch
        try:
            self.sync(context={TENANT_KEY: (context or {}).get(TENANT_KEY)})
        except (AbortedSyncFailedException, AbortedSyncPausedException):
            pass
        finally:
            self._batch = []

    def moves_bookmark(self, record: dict) -> bool:
        return False  # the bookmark follows the parents handed over (`advance`)

    def read_records(self, context: Context) -> Iterator[dict[str, Any]]:
        tenant = context.get(TENANT_KEY)
        latest: Any = None
        for parent, moves, wanted in self._batch:
            if wanted:
                yield from self.rows_of(parent, tenant)
            if moves:
                latest = _later(latest, self.bookmark_value(parent))
        if latest is not None:  # the lines before it are written: the SDK wrote each
            self.advance(context, latest)

    def rows_of(self, parent: dict[str, Any], tenant: Any) -> Iterator[dict[str, Any]]:
        raise NotImplementedError

    def bookmark_value(self, parent: dict[str, Any]) -> Any:
        raise NotImplementedError

    def advance(self, context: Context, value: Any) -> None:
        raise NotImplementedError

    def shape_record(self, row: dict, context: Context) -> dict | None:
        return self.shaper(row)


class LineStream(DerivedStream):
    """The items of one array of one parent stream (a row of xero_core.lines.LINES)."""

    kind: ClassVar[LineKind]

    def __init__(self, tap: Tap, run: XeroRun, schema: dict[str, Any]) -> None:
        super().__init__(tap, run, schema)
        self.primary_keys = [TENANT_KEY, self.kind.parent_key, POSITION]
        self.replication_key = self.kind.bookmark_field

    def rows_of(self, parent: dict[str, Any], tenant: Any) -> Iterator[dict[str, Any]]:
        return line_rows(self.kind, parent, tenant)

    def bookmark_value(self, parent: dict[str, Any]) -> Any:
        field = self.kind.bookmark_field
        return parent.get(field) if field else None

    def parent_bookmark(self, parent: str, context: Context | None) -> Any:
        if not self.kind.bookmark_field:
            return None
        return self.get_context_state(context).get("replication_key_value")

    def advance(self, context: Context, value: Any) -> None:
        state = self.get_context_state(context)
        state["replication_key"] = self.kind.bookmark_field
        state["replication_key_value"] = _later(state.get("replication_key_value"), value)


class TrackingStream(DerivedStream):
    """`line_item_tracking`: the tracking entries of the lines of every tracked parent.

    Its rows carry the parent's replication value under the parent's field (UpdatedDateUTC
    or JournalNumber), so it has no single replication key: how far each parent stream's
    records were handed over is kept per parent stream in its state (`parent_bookmarks`).
    """

    name = TRACKING_STREAM

    def __init__(self, tap: Tap, run: XeroRun, schema: dict[str, Any]) -> None:
        super().__init__(tap, run, schema)
        self.primary_keys = [TENANT_KEY, PARENT_STREAM, PARENT_ID, LINE_POSITION, POSITION]

    def rows_of(self, parent: dict[str, Any], tenant: Any) -> Iterator[dict[str, Any]]:
        return tracking_rows(self._parent_name, parent, tenant)

    def bookmark_value(self, parent: dict[str, Any]) -> Any:
        kinds = tracked_kinds(self._parent_name)
        field = kinds[0].bookmark_field if kinds else None
        return parent.get(field) if field else None

    def parent_bookmark(self, parent: str, context: Context | None) -> Any:
        marks = self.get_context_state(context).get(PARENT_BOOKMARKS)
        return marks.get(parent) if isinstance(marks, dict) else None

    def advance(self, context: Context, value: Any) -> None:
        state = self.get_context_state(context)
        marks = state.get(PARENT_BOOKMARKS)
        marks = dict(marks) if isinstance(marks, dict) else {}
        marks[self._parent_name] = _later(marks.get(self._parent_name), value)
        state[PARENT_BOOKMARKS] = marks


@cache
def line_stream_class(stream: str, parent_class: type[Stream]) -> type[LineStream]:
    """The LineStream subclass of one row of LINES (the SDK links children by class)."""
    kind = next(k for k in LINES if k.stream == stream)
    attrs = {"name": kind.stream, "kind": kind, "parent_stream_type": parent_class,
             "__module__": __name__}
    camel = "".join(p.title() for p in kind.stream.split("_"))
    return type(f"{camel}Stream", (LineStream,), attrs)


@cache
def tracking_stream_class(parent_class: type[Stream]) -> type[TrackingStream]:
    """line_item_tracking, a child of the first tracked parent (the tap adds it to the
    others: TapXero.load_streams)."""
    return type("LineItemTrackingStream", (TrackingStream,),
                {"parent_stream_type": parent_class, "__module__": __name__})


def line_schema(kind: LineKind, schema: dict[str, Any], parent_schema: dict[str, Any]
                ) -> dict[str, Any]:
    """The generated schema, plus `_sdc_deleted_at` where the parent reports deletes."""
    if has_soft_deletes(kind.endpoint, parent_schema):
        return with_deleted_at(schema)
    return schema


__all__ = ["LINES", "TRACKED_PARENTS", "DerivedStream", "LineStream",
           "TrackingStream", "line_rows", "line_schema", "line_stream_class", "tracking_rows",
           "tracking_stream_class"]
