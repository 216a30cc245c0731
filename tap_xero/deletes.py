"""Deletes, the Singer way: `_sdc_deleted_at` on records that were deleted.

Soft deletes: Xero keeps the record and says `Status: DELETED` (invoices, credit notes, bank
transactions, manual journals, payments, pre/overpayments, purchase orders, quotes, tax rates,
budgets, accounts, contact groups, repeating invoices, batch payments, bank transfers; tracking
options inside their category): the record gets `_sdc_deleted_at` (its UpdatedDateUTC, else the sync
time). VOIDED and ARCHIVED stay ordinary records.

Hard deletes: Xero forgets the record (items, tracking categories, linked transactions and
accounts deleted over HTTP). A full, unfiltered read remembers the ids it listed per tenant in
the partition state (`SeenIds`: sorted 16-byte UUIDs plus natural keys, zlib, base64); the next
full read emits a tombstone (keys + natural keys + `_tenant_id` + `_sdc_deleted_at`) for each
id that vanished. Incremental or `where`-filtered reads never infer a delete.
"""

from __future__ import annotations

import base64
import json
import uuid
import zlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from xero_core.dates import convert_dates
from xero_core.endpoints import Endpoint, Write

DELETED_AT = "_sdc_deleted_at"
DELETED = "DELETED"
SEEN_IDS = "seen_ids"  # key of the blob in the stream's partition state
DELETED_AT_SCHEMA: dict[str, Any] = {"type": ["string", "null"], "format": "date-time"}
STATUS = "Status"

_UUID_FORMAT, _TEXT_FORMAT = b"U", b"T"


# --- soft deletes --------------------------------------------------------------------------


def status_field(ep: Endpoint, schema: Mapping[str, Any]) -> str | None:
    """Where a record says DELETED: the table's status field, else a `Status` property."""
    if ep.status_field:
        return ep.status_field
    return STATUS if STATUS in (schema.get("properties") or {}) else None


def has_soft_deletes(ep: Endpoint, schema: Mapping[str, Any]) -> bool:
    """Records whose `Status` can say DELETED (contacts' ContactStatus cannot)."""
    return status_field(ep, schema) == STATUS


def tracks_hard_deletes(ep: Endpoint) -> bool:
    """Resources Xero deletes without a trace: flagged in the table, or deletable by HTTP."""
    if ep.parent or ep.singleton or not ep.primary_key:
        return False
    return ep.hard_deletes or Write.DELETE_HTTP in ep.writes


def with_deleted_at(schema: dict[str, Any], nested: str | None = None) -> dict[str, Any]:
    """The schema plus a nullable `_sdc_deleted_at` (and in `nested` list items)."""
    out = dict(schema)
    props = dict(out.get("properties") or {})
    props[DELETED_AT] = dict(DELETED_AT_SCHEMA)
    if nested and isinstance(props.get(nested), dict):
        sub = dict(props[nested])
        items = sub.get("items")
        if isinstance(items, dict) and isinstance(items.get("properties"), dict):
            sub["items"] = {**items, "properties": {**items["properties"],
                                                    DELETED_AT: dict(DELETED_AT_SCHEMA)}}
            props[nested] = sub
    out["properties"] = props
    return out


def mark_soft_delete(row: dict[str, Any], field: str, sync_time: str,
                     nested: str | None = None) -> dict[str, Any]:
    """Set `_sdc_deleted_at` where the record (or a nested option) says DELETED."""
    if str(row.get(field) or "").upper() == DELETED and not row.get(DELETED_AT):
        row[DELETED_AT] = row.get("UpdatedDateUTC") or sync_time
    for sub in (row.get(nested) or []) if nested else []:
        if isinstance(sub, dict) and str(sub.get(STATUS) or "").upper() == DELETED:
            sub[DELETED_AT] = sub.get("UpdatedDateUTC") or sync_time
    return row


# --- hard deletes: the ids a full read listed -----------------------------------------------


class SeenIds:
    """id -> natural key values, stored compactly in state.

    Columnar so zlib finds what repeats: count, then every id (16 bytes when all are UUIDs,
    else JSON text), then the natural keys joined by NUL. Sorted, so equal sets give equal
    blobs. Random UUIDs do not compress: 10,000 items cost about 16 bytes each before base64.
    """

    def __init__(self, entries: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.entries: dict[str, tuple[str, ...]] = dict(entries or {})

    def add(self, rid: str, naturals: tuple[str, ...] = ()) -> None:
        self.entries[rid] = naturals

    def __len__(self) -> int:
        return len(self.entries)

    def encode(self) -> str:
        ids = sorted(self.entries)
        naturals = "\x00".join("\x01".join(self.entries[i]) for i in ids).encode("utf-8")
        try:
            raw_ids = b"".join(uuid.UUID(i).bytes for i in ids)
            if any(str(uuid.UUID(i)) != i.lower() for i in ids):
                raise ValueError("not canonical")
            body = _UUID_FORMAT + len(ids).to_bytes(4, "big") + raw_ids + naturals
        except ValueError:
            text = json.dumps(ids, separators=(",", ":")).encode("utf-8")
            body = (_TEXT_FORMAT + len(ids).to_bytes(4, "big") + len(text).to_bytes(4, "big")
                    + text + naturals)
        return base64.b64encode(zlib.compress(body, 9)).decode("ascii")

    @classmethod
    def decode(cls, blob: str) -> SeenIds:
        body = zlib.decompress(base64.b64decode(blob))
        kind, count, rest = body[:1], int.from_bytes(body[1:5], "big"), body[5:]
        if kind == _UUID_FORMAT:
            ids = [str(uuid.UUID(bytes=rest[16 * n:16 * n + 16])) for n in range(count)]
            tail = rest[16 * count:]
        else:
            size = int.from_bytes(rest[:4], "big")
            ids = json.loads(rest[4:4 + size].decode("utf-8"))
            tail = rest[4 + size:]
        parts = tail.decode("utf-8").split("\x00") if count else []
        pairs = zip(ids, parts, strict=True)
        return cls({rid: tuple(p.split("\x01")) if p else () for rid, p in pairs})


class HardDeleteTracker:
    """Watches one tenant's full read of a stream and says which ids vanished since the last."""

    def __init__(self, ep: Endpoint, state: dict[str, Any]) -> None:
        self.ep = ep
        self.state = state
        self.key = ep.primary_key[0]
        self.seen = SeenIds()
        blob = state.get(SEEN_IDS)
        self.previous: SeenIds | None = SeenIds.decode(blob) if isinstance(blob, str) else None

    def see(self, row: Mapping[str, Any]) -> None:
        """Remember a listed record (as read: `/Date()/` strings are made ISO here)."""
        rid = convert_dates(row.get(self.key))
        if rid is None:
            return
        naturals = tuple(str(convert_dates(row.get(k)) or "") for k in self.ep.natural_keys)
        self.seen.add(str(rid), naturals)

    def finish(self, sync_time: str) -> Iterator[dict[str, Any]]:
        """Tombstones for the ids gone since the last full read; then remember this one."""
        if self.previous is not None:
            for rid in sorted(set(self.previous.entries) - set(self.seen.entries)):
                yield self.tombstone(rid, self.previous.entries[rid], sync_time)
        self.state[SEEN_IDS] = self.seen.encode()

    def tombstone(self, rid: str, naturals: Iterable[str], sync_time: str) -> dict[str, Any]:
        row: dict[str, Any] = {self.key: rid, DELETED_AT: sync_time}
        for field, value in zip(self.ep.natural_keys, naturals, strict=False):
            if value:
                row[field] = value
        return row
