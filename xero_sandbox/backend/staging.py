"""A write in progress: changes to one organisation, staged and then committed all at once.

Write rules read through a `Staging` (staged records shadow stored ones) and stage records,
removals, history notes and journals on it. `commit()` applies everything with one timestamp;
dropping the object writes nothing, which is how a refused batch leaves the store untouched.
Stored records are never mutated in place: handlers copy (`dict(old)`) before changing them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

from xero_sandbox.backend import ledger
from xero_sandbox.backend.store import Organisation, ms_date

Record = dict[str, Any]
API_USER = "Xero Sandbox API"


def new_id() -> str:
    return str(uuid.uuid4())


class Invalid(Exception):
    """One element breaks Xero's rules: the messages Xero would give for it."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


class Staging:
    """Staged changes over one organisation (the caller holds `org.lock`)."""

    def __init__(self, org: Organisation, now_ms: int) -> None:
        self.org = org
        self.now_ms = now_ms
        self._records: dict[tuple[str, str], Record | None] = {}  # None: removed
        self._notes: list[tuple[str, str, str, str]] = []
        self._journals: list[tuple[str, str, str, str, list[Record]]] = []
        self._indexes: dict[tuple[str, str], dict[str, str]] = {}
        self._chart: ledger.Chart | None = None
        self.memo: dict[Any, Any] = {}  # per-write caches of handlers (next numbers ...)

    # --- reading ------------------------------------------------------------------------------
    def get(self, stream: str, rid: str | None) -> Record | None:
        if not rid:
            return None
        key = (stream, str(rid))
        if key in self._records:
            return self._records[key]
        return self.org.coll(stream).get(str(rid))

    def find(self, stream: str, field: str, value: Any,
             where: Any = None) -> Record | None:
        """The first record whose `field` equals `value` (case-insensitive), staged ones first.

        `where(record) -> bool` narrows the candidates (e.g. active contacts only).
        """
        if value is None or value == "":
            return None
        want = str(value).strip().casefold()
        for (s, _rid), rec in self._records.items():
            if s == stream and rec is not None and str(rec.get(field, "")).casefold() == want \
                    and (where is None or where(rec)):
                return rec
        for rec in self._candidates(stream, field, want):
            if where is None or where(rec):
                return rec
        return None

    def _candidates(self, stream: str, field: str, want: str) -> Iterator[Record]:
        index = self._indexes.get((stream, field))
        coll = self.org.coll(stream)
        if index is None:
            index = {}
            multi: dict[str, list[str]] = {}
            for rid, rec in coll.records.items():
                v = rec.get(field)
                if v is None or v == "":
                    continue
                k = str(v).casefold()
                if k in index:
                    multi.setdefault(k, [index[k]]).append(rid)
                else:
                    index[k] = rid
            for k, rids in multi.items():
                index[k] = "\n".join(rids)
            self._indexes[(stream, field)] = index
        hit = index.get(want)
        if not hit:
            return
        for rid in hit.split("\n"):
            if (stream, rid) in self._records:
                continue  # the staged version was checked already
            found = coll.get(rid)
            if found is not None:
                yield found

    def scan(self, stream: str) -> Iterator[Record]:
        """Every record of a stream as this write sees it."""
        seen = set()
        for (s, rid), rec in self._records.items():
            if s == stream:
                seen.add(rid)
                if rec is not None:
                    yield rec
        for rid, rec in self.org.coll(stream).records.items():
            if rid not in seen:
                yield rec

    @property
    def chart(self) -> ledger.Chart:
        if self._chart is None:
            accounts = list(self.scan("accounts"))
            self._chart = ledger.Chart(accounts, self.scan("tax_rates"))
        return self._chart

    # --- staging -------------------------------------------------------------------------------
    def put(self, stream: str, record: Record) -> Record:
        key = self.org.coll(stream).key_of(record)
        self._records[(stream, key)] = record
        if stream in ("accounts", "tax_rates"):
            self._chart = None
        return record

    def remove(self, stream: str, rid: str) -> None:
        self._records[(stream, rid)] = None

    def note(self, stream: str, rid: str, changes: str, details: str) -> None:
        self._notes.append((stream, rid, changes, details))

    def post(self, stream: str, record: Record) -> None:
        """Stage the journal a posted document writes."""
        result = ledger.postings(stream, record, self.chart, new_id)
        if result is None:
            return
        source_id, source_type, lines = result
        self._journals.append((source_id, source_type, ledger.document_date(stream, record),
                               ledger.reference_of(record), lines))

    def unpost(self, stream: str, record: Record) -> None:
        """Stage a journal that cancels whatever a document has posted so far."""
        pk = self.org.coll(stream).key_of(record)
        lines = ledger.net_lines(
            [*ledger.source_journals(self.org, pk),
             *({"JournalLines": j[4]} for j in self._journals if j[0] == pk)])
        if not lines:
            return
        source_type = next((j["SourceType"] for j in ledger.source_journals(self.org, pk)),
                           next((j[1] for j in self._journals if j[0] == pk), ""))
        self._journals.append((pk, source_type, ledger.document_date(stream, record),
                               ledger.reference_of(record), ledger.reversal(lines, new_id)))

    # --- commit --------------------------------------------------------------------------------
    def commit(self) -> None:
        org, now = self.org, self.now_ms
        for (stream, rid), rec in self._records.items():
            coll = org.coll(stream)
            if rec is None:
                coll.remove(rid)
            else:
                coll.put(rec, now)
        journals = org.coll("journals")
        number = len(journals)
        for source_id, source_type, date, reference, lines in self._journals:
            number += 1
            journals.put(ledger.journal(new_id, number, date, now, source_id, source_type,
                                        reference, lines), now)
        for stream, rid, changes, details in self._notes:
            org.add_history(stream, rid, details, changes, API_USER, now)
        self._records.clear()
        self._notes.clear()
        self._journals.clear()

    @property
    def today(self) -> str:
        """Midnight UTC of the write's day, as Xero writes dates."""
        return ms_date(self.now_ms - self.now_ms % 86_400_000)
