"""The sandbox's in-memory organisations: records per resource, history, attachments, a clock.

Records are kept in Xero's JSON form (field names and `/Date(ms+0000)/` strings as Xero writes
them), so reading a page is a slice and a dump. Each collection keeps its ids ordered by
(updated ms, id), updated on every write, so `If-Modified-Since` + `order=UpdatedDateUTC` is a
bisect and a page is a slice of that index (`Collection.view`), not a scan or a sort.
"""

from __future__ import annotations

import bisect
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from xero_core.dates import to_ms_date
from xero_core.endpoints import ENDPOINTS, Endpoint


class Clock:
    """Wall clock plus an offset that tests advance instead of sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        """Seconds since the epoch, as the sandbox sees it."""
        return time.time() + self.offset

    def monotonic(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def ms_date(epoch_ms: int) -> str:
    return f"/Date({epoch_ms}+0000)/"


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Collection:
    """The records of one resource in one organisation."""

    endpoint: Endpoint
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    updated_ms: dict[str, int] = field(default_factory=dict)
    _order: list[tuple[int, str]] = field(default_factory=list)  # sorted (updated_ms, id)

    def key_of(self, record: dict[str, Any]) -> str:
        pk = self.endpoint.primary_key
        if len(pk) > 1:  # a composite key (an employee's leave balance per leave type)
            return "/".join(str(record[k]) for k in pk)
        return str(record[pk[0]]) if pk else "singleton"

    def put(self, record: dict[str, Any], updated_ms: int) -> None:
        """Insert or replace a record and move it in the updated-order index."""
        rid = self.key_of(record)
        old = self.updated_ms.get(rid)
        if old is not None:
            i = bisect.bisect_left(self._order, (old, rid))
            if i < len(self._order) and self._order[i] == (old, rid):
                del self._order[i]
        self.records[rid] = record
        self.updated_ms[rid] = updated_ms
        if self.endpoint.replication_key == "UpdatedDateUTC":
            record["UpdatedDateUTC"] = ms_date(updated_ms)
        bisect.insort(self._order, (updated_ms, rid))

    def load(self, records: Iterable[tuple[dict[str, Any], int]]) -> None:
        """Bulk insert (seed): faster than put() one by one."""
        for record, updated_ms in records:
            rid = self.key_of(record)
            self.records[rid] = record
            self.updated_ms[rid] = updated_ms
            if self.endpoint.replication_key == "UpdatedDateUTC":
                record["UpdatedDateUTC"] = ms_date(updated_ms)
        self._order = sorted((ms, rid) for rid, ms in self.updated_ms.items())

    def remove(self, rid: str) -> dict[str, Any] | None:
        """Hard delete (Items, TrackingCategories, LinkedTransactions)."""
        rec = self.records.pop(rid, None)
        ms = self.updated_ms.pop(rid, None)
        if ms is not None:
            i = bisect.bisect_left(self._order, (ms, rid))
            if i < len(self._order) and self._order[i] == (ms, rid):
                del self._order[i]
        return rec

    def get(self, rid: str) -> dict[str, Any] | None:
        return self.records.get(rid)

    def ordered(self, since_ms: int | None = None) -> Iterator[dict[str, Any]]:
        """Records by (updated, id) ascending, those updated after `since_ms` only if given."""
        return iter(self.view(since_ms))

    def view(self, since_ms: int | None = None) -> OrderedView:
        """The records of `ordered()` as a sequence: len() and slices without a copy of all."""
        start = 0
        if since_ms is not None:
            start = bisect.bisect_right(self._order, (since_ms, "\uffff"))
        return OrderedView(self, start)

    def __len__(self) -> int:
        return len(self.records)


class OrderedView(Sequence[dict[str, Any]]):
    """A collection's records from position `start` of its (updated, id) index on.

    Live: it reads the index when used, so use it under the organisation's lock. A slice is a
    list of just those records (a page of 1,000 out of 350,000 costs 1,000 lookups).
    """

    __slots__ = ("_coll", "_start")

    def __init__(self, coll: Collection, start: int) -> None:
        self._coll = coll
        self._start = start

    def __len__(self) -> int:
        return max(0, len(self._coll._order) - self._start)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        order, records = self._coll._order, self._coll.records
        positions = range(self._start, max(self._start, len(order)))
        if isinstance(index, slice):
            chosen = positions[index]
            if chosen.step == 1:
                return [records[rid] for _, rid in order[chosen.start:chosen.stop]]
            return [records[order[i][1]] for i in chosen]
        return records[order[positions[index]][1]]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        records = self._coll.records
        for _, rid in self._coll._order[self._start:]:
            yield records[rid]


@dataclass
class Attachment:
    attachment_id: str
    file_name: str
    mime_type: str
    content: bytes
    include_online: bool = False

    def as_xero(self, url: str) -> dict[str, Any]:
        return {
            "AttachmentID": self.attachment_id,
            "FileName": self.file_name,
            "Url": url,
            "MimeType": self.mime_type,
            "ContentLength": len(self.content),
            "IncludeOnline": self.include_online,
        }


@dataclass
class Organisation:
    """One tenant: its records, history notes and attachments."""

    tenant_id: str
    name: str
    short_code: str
    created_ms: int
    base_currency: str = "NZD"
    country: str = "NZ"
    collections: dict[str, Collection] = field(default_factory=dict)
    history: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    attachments: dict[tuple[str, str], list[Attachment]] = field(default_factory=dict)
    # State of the APIs whose records are not endpoint-table rows (Files: backend/files.py).
    apis: dict[str, Any] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        for ep in ENDPOINTS:
            self.collections.setdefault(ep.stream, Collection(ep))

    def coll(self, stream: str) -> Collection:
        return self.collections[stream]

    def add_history(self, stream: str, rid: str, details: str, changes: str, user: str,
                    at_ms: int) -> dict[str, Any]:
        note = {"Changes": changes, "DateUTCString": "", "DateUTC": ms_date(at_ms),
                "User": user, "Details": details}
        note["DateUTCString"] = to_ms_date_string(at_ms)
        self.history.setdefault((stream, rid), []).append(note)
        return note

    def record_count(self) -> int:
        return sum(len(c) for c in self.collections.values())


def to_ms_date_string(at_ms: int) -> str:
    """Xero's `DateUTCString` companion: ISO without offset."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at_ms / 1000))


@dataclass
class Store:
    """Every organisation of the sandbox, keyed by tenant id."""

    orgs: dict[str, Organisation] = field(default_factory=dict)
    clock: Clock = field(default_factory=Clock)

    def now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    def org(self, tenant_id: str) -> Organisation | None:
        return self.orgs.get(tenant_id)


__all__ = ["Attachment", "Clock", "Collection", "OrderedView", "Organisation", "Store", "ms_date",
           "new_id", "to_ms_date"]
