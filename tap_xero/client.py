"""XeroStream: one REST stream configured from a row of the endpoint table.

Xero's three paging styles (tap_xero.pages), If-Modified-Since bookmarks, the client-side
bookmark floor, soft deletes, hard deletes (a full read remembers the ids it listed) and the
re-read of page boundaries a change may have shifted. What one read of one tenant keeps while
it pages is a `ReadState`, replaced at the start of each read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

import requests
from singer_sdk import Tap
from singer_sdk.helpers.types import Context
from singer_sdk.pagination import BaseAPIPaginator
from singer_sdk.streams.rest import HTTPRequest, PageContext

from tap_xero.deletes import (
    DELETED_AT,
    STATUS,
    HardDeleteTracker,
    has_soft_deletes,
    mark_soft_delete,
    status_field,
    tracks_hard_deletes,
)
from tap_xero.pages import (
    UPDATED,
    Edge,
    JournalOffsetPaginator,
    ListingWatch,
    XeroPagePaginator,
    datetime_or_none,
    normalise_datetimes,
    parse_page,
)
from tap_xero.records import shape_fields_first
from tap_xero.run import TENANT_KEY, XeroRun
from tap_xero.tenant import TenantStream, bookmark_order
from xero_core.dates import parse_datetime, to_http_date, to_iso
from xero_core.endpoints import MAX_PAGE_SIZE, Endpoint, Paging
from xero_core.protocol import page_params

__all__ = ["TENANT_KEY", "UPDATED", "ReadState", "XeroStream", "normalise_datetimes",
           "parse_page"]


_NESTED_READ = (STATUS, UPDATED)  # what mark_soft_delete reads of a nested option


@dataclass
class ReadState:
    """What one read (one tenant's listing of a stream) keeps while it pages."""

    since: datetime | None = None  # the If-Modified-Since sent (frozen for the listing)
    local_since: datetime | None = None  # filter here instead of If-Modified-Since
    start_bookmark: Any = None  # where the read began: the lowest bookmark of its readers
    own_bookmark: Any = None  # this stream's own bookmark when the read began
    floor: datetime | None = None  # records updated before this are dropped here
    watch: ListingWatch | None = None  # the listing being paged, where pages can shift
    recheck: tuple[Edge, Edge | None] | None = None  # the page boundary being re-read


class XeroStream(TenantStream):
    """A stream for one row of xero_core.endpoints.ENDPOINTS."""

    endpoint: ClassVar[Endpoint]

    def __init__(self, tap: Tap, run: XeroRun, schema: dict[str, Any]) -> None:
        ep = self.endpoint
        super().__init__(tap, run, name=self.name, schema=schema, path=ep.url_path)
        self.read = ReadState()
        self.primary_keys = list(ep.primary_key)
        self.replication_key = self._replication_key_for(ep)
        self.sync_time = to_iso(datetime.now(timezone.utc))
        self._soft_delete_field = (status_field(ep, schema)
                                   if has_soft_deletes(ep, schema) else None)
        # The fields shape_record reads before the record's walk.
        self._read_first = tuple(dict.fromkeys(
            f for f in (self.replication_key, self._soft_delete_field, UPDATED, DELETED_AT)
            if f))
        # A STATE message per page (the SDK's default is per 10,000 records): a run killed
        # mid-stream resumes from its last page instead of re-reading the whole stream.
        self.STATE_MSG_FREQUENCY = self.page_size

    # -- replication --------------------------------------------------------------------

    @staticmethod
    def _replication_key_for(ep: Endpoint) -> str | None:
        """INCREMENTAL where Xero filters (If-Modified-Since) or offsets (Journals), or where
        records carry UpdatedDateUTC (filtered here: same calls, fewer duplicate rows)."""
        if ep.modified_since or ep.replication_key == UPDATED:
            return ep.replication_key
        return None

    @property
    def scope(self) -> str:
        return self.endpoint.scope_hint

    @property
    def is_sorted(self) -> bool:
        """Sorted where Xero sorts for us across pages (order=<key> ASC, or journal offsets).

        Then the bookmark advances record by record and an interrupted run resumes. A single
        call (Paging.NONE) gains nothing from it, so those keep the SDK's max-at-the-end.
        """
        ep = self.endpoint
        if ep.paging is Paging.OFFSET:
            return True
        return bool(ep.modified_since and ep.order and ep.paging is not Paging.NONE
                    and self.replication_key)

    @property
    def page_size(self) -> int:
        ep = self.endpoint
        if ep.paging is not Paging.PAGE_SIZE:
            return ep.page_size_max
        wanted = int(self.config.get("page_size") or MAX_PAGE_SIZE)
        return max(1, min(wanted, ep.page_size_max))

    def modified_since(self, context: Context | None) -> datetime | None:
        """The If-Modified-Since to send: bookmark minus the look-back, else start_date."""
        if not self.endpoint.modified_since or self.replication_method != "INCREMENTAL":
            return None
        bookmark = self.read_start_bookmark(context)
        start = self.config.get("start_date")
        if self.endpoint.paging is Paging.OFFSET:  # Journals: the offset is the bookmark
            return None if bookmark is not None else (parse_datetime(start) if start else None)
        since: datetime | None = None
        if bookmark:
            lookback = float(self.config.get("lookback_minutes") or 0)
            since = parse_datetime(str(bookmark)) - timedelta(minutes=lookback)
        if start:
            start_dt = parse_datetime(start)
            since = start_dt if since is None else max(since, start_dt)
        return since

    def read_start_bookmark(self, context: Context | None) -> Any:
        """Where a read begins: this stream's bookmark, or the lowest of it (when selected) and
        the bookmarks of its selected line streams (tap_xero.lines), which read its records
        (None, i.e. from start_date, where any of them has none)."""
        own = self.get_context_state(context).get("replication_key_value")
        readers = [c for c in self.child_streams
                   if isinstance(c, TenantStream) and c.derived and c.selected]
        if not readers or not self.replication_key:
            return own
        marks = [c.parent_bookmark(self.name, context) for c in readers]
        if self.selected:
            marks.append(own)
        if any(m is None for m in marks):
            return None
        return min(marks, key=bookmark_order)

    # -- requests -----------------------------------------------------------------------

    def read_records(self, context: Context) -> Iterator[dict[str, Any]]:
        # Freeze the partition's starting point: a sorted stream advances its bookmark while
        # it pages, and a moving If-Modified-Since would shift the pages under us.
        read = self.read = ReadState(
            since=self.modified_since(context),
            start_bookmark=self.read_start_bookmark(context),
            own_bookmark=self.get_context_state(context).get("replication_key_value"))
        tracker = self.hard_delete_tracker(context)
        if tracker is None:
            read.floor = self._client_floor()
            yield from self._read_listing(context)
            return
        # A full read: the bookmark filters here, so the ids that vanished can be told.
        read.local_since, read.since = read.since, None
        read.floor = self._client_floor()
        for row in self._read_listing(context):
            tracker.see(row)
            yield row
        yield from tracker.finish(self.sync_time)  # only reached when the read completed

    @property
    def pages_can_shift(self) -> bool:
        """Paged in `order=UpdatedDateUTC ASC`, where a change moves a record to the end."""
        ep = self.endpoint
        return bool(ep.paging in (Paging.PAGE, Paging.PAGE_SIZE) and ep.order
                    and ep.modified_since and self.replication_key == UPDATED
                    and self.replication_method == "INCREMENTAL")

    def _read_listing(self, context: Context) -> Iterator[dict[str, Any]]:
        """One listing, then a re-read of each page boundary it may have shifted."""
        if not self.pages_can_shift:
            yield from super().read_records(context)
            return
        # No try/finally: a generator abandoned mid-way (its partition stopped) may be closed
        # late, and read_records resets these two before the next listing anyway.
        read = self.read
        watch = read.watch = ListingWatch(self.endpoint.primary_key[0])
        yield from super().read_records(context)
        read.watch = None
        boundaries = watch.shifted()
        if not boundaries:
            return
        self.logger.info("%s changed while it was paged for tenant %s: re-reading %d page "
                         "boundaries", self.name, context.get(TENANT_KEY), len(boundaries))
        since = read.since
        for before, after in boundaries:
            read.recheck = (before, after)
            read.since = before[0].replace(microsecond=0) - timedelta(seconds=1)
            yield from super().read_records(context)
        read.recheck, read.since = None, since

    def hard_delete_tracker(self, context: Context) -> HardDeleteTracker | None:
        """A tracker when this read can tell deletes: a tracked resource, read unfiltered."""
        ep = self.endpoint
        if not tracks_hard_deletes(ep) or self.config.get("track_hard_deletes") is False:
            return None
        if self.where_filter:
            return None
        return HardDeleteTracker(ep, self.get_context_state(context))

    def get_new_paginator(self) -> BaseAPIPaginator | None:
        ep = self.endpoint
        if ep.paging is Paging.OFFSET:
            start = self.read.start_bookmark
            return JournalOffsetPaginator(start if isinstance(start, int) else 0,
                                          ep.replication_key or "JournalNumber",
                                          ep.records_key)
        if ep.paging in (Paging.PAGE, Paging.PAGE_SIZE):
            recheck = self.read.recheck
            after = recheck[1] if recheck else None
            return XeroPagePaginator(ep.records_key, self.page_size,
                                     stop_after=after[0] if after else None)
        return None  # the SDK uses a SinglePagePaginator: one call

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        ep = self.endpoint
        params: dict[str, Any] = dict(ep.list_params)
        params.update(page_params(ep.paging, next_page_token, self.page_size))
        if ep.order and self.replication_key and self.replication_method == "INCREMENTAL":
            params["order"] = f"{self.replication_key} ASC"
        where = self.where_filter
        if where:
            params["where"] = where
        return params

    @property
    def where_filter(self) -> str | None:
        filters = self.config.get("where") or {}
        value = filters.get(self.name) if isinstance(filters, dict) else None
        if value and not self.endpoint.where:
            self.logger.warning("Stream %s does not take a `where` filter; ignoring it", self.name)
            return None
        return str(value) if value else None

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        request = super().get_http_request(page=page)
        since = self.read.since
        if since is not None:
            request.headers["If-Modified-Since"] = to_http_date(since)
        return request

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        ep = self.endpoint
        page = parse_page(response, ep.records_key, ep.singleton, dates=False)
        read = self.read
        if read.watch is not None:
            read.watch.see(page)
        if read.recheck is None:
            yield from page.records
            return
        before, after = read.recheck  # only what lies between the boundary's two records
        edge_ids = {before[1], after[1] if after else None} - {None}
        for row in page.records:
            key = datetime_or_none(row.get(UPDATED))
            if (key is None or key < before[0] or (after is not None and key > after[0])
                    or row.get(ep.primary_key[0]) in edge_ids):
                continue
            yield row

    # -- records ------------------------------------------------------------------------

    def shape_record(self, row: dict, context: Context) -> dict | None:
        tenant_id = row[TENANT_KEY] = context.get(TENANT_KEY)
        shaper = self.shaper
        # What is read below is read as the record's one walk (the end) will leave it.
        shape_fields_first(shaper, row, self._read_first, self.endpoint.nested_status,
                           _NESTED_READ)
        if not self._newer_than_bookmark(row):
            return None
        if self._soft_delete_field:
            mark_soft_delete(row, self._soft_delete_field, self.sync_time,
                             self.endpoint.nested_status)
        if self._changed_since_bookmark(row):
            self.run.observe_record(self.name, row, tenant_id)
        return shaper(row)

    def _changed_since_bookmark(self, row: dict) -> bool:
        """Strictly after the bookmark: not a re-read of the bookmark's own second."""
        value = row.get(self.replication_key or "")
        start = self.read.own_bookmark
        if start is None or value is None:
            return True
        if isinstance(value, int):
            return bool(value > start)
        return parse_datetime(str(value)) > parse_datetime(str(start))

    def _client_floor(self) -> datetime | None:
        """Once per read: the UpdatedDateUTC before which records are dropped here (None:
        keep every record). Where Xero cannot filter (no If-Modified-Since), the bookmark
        (equal ones kept: a duplicate is cheaper than a miss); for a full read for hard
        deletes, the If-Modified-Since it did not send. And where it does filter: If-Modified-
        Since has whole seconds, so Xero re-serves the bookmark's second, and a sorted read
        emitted everything before its bookmark (not the bookmark's own value: another record
        may share it), unless a look-back asked to see those again."""
        if not self.replication_key or self.replication_method != "INCREMENTAL":
            return None
        if self.read.local_since is not None:
            return self.read.local_since
        bookmark = self.read.start_bookmark
        if not bookmark or isinstance(bookmark, int):  # Journals: the offset is the bookmark
            return None
        if self.endpoint.modified_since and (
                not self.is_sorted or float(self.config.get("lookback_minutes") or 0) > 0):
            return None
        return parse_datetime(str(bookmark))

    def _newer_than_bookmark(self, row: dict) -> bool:
        """Keep a record at or after the read's floor (`_client_floor`)."""
        floor = self.read.floor
        if floor is None:
            return True
        value = row.get(self.replication_key or "")
        return not value or isinstance(value, int) or parse_datetime(str(value)) >= floor

    def moves_bookmark(self, record: dict) -> bool:
        """Tombstones carry no replication key value: they never move a bookmark; nor do
        records of a re-read page boundary (the bookmark is already past them)."""
        value = record.get(self.replication_key) if self.replication_key else None
        if self.replication_key and value is None:
            return False
        own = self.read.own_bookmark
        if value is not None and own is not None and bookmark_order(value) < bookmark_order(own):
            return False  # read again only for a line stream whose bookmark is behind
        return self.read.recheck is None

    def get_child_context(self, record: dict, context: Context | None) -> dict:
        """Children (history, attachments, project tasks) get the tenant and this record's id."""
        tenant = {TENANT_KEY: (context or {}).get(TENANT_KEY)}
        if not self.child_streams or not self.endpoint.primary_key:
            return tenant
        pk = self.endpoint.primary_key[0]
        return {**tenant, pk: record.get(pk)}

