"""XeroStream: one REST stream configured from a row of the endpoint table.

Every HTTP concern of the tap lives here: the shared XeroClient, the bearer authenticator,
Xero's three paging styles, If-Modified-Since bookmarks, tenants as partitions, and what a
403 or a failing tenant does to the run.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

import requests
from singer_sdk.authenticators import APIAuthenticatorBase
from singer_sdk.helpers.types import Context
from singer_sdk.pagination import BaseAPIPaginator, OffsetPaginator, PageNumberPaginator
from singer_sdk.streams import RESTStream
from singer_sdk.streams.rest import HTTPRequest, PageContext

from tap_xero.deletes import (
    NESTED_STATUS,
    HardDeleteTracker,
    has_soft_deletes,
    mark_soft_delete,
    status_field,
    tracks_hard_deletes,
)
from xero_core import jsonutil
from xero_core.auth import XeroAuth
from xero_core.dates import convert_dates, iso_utc, parse_datetime, to_http_date, to_iso
from xero_core.endpoints import MAX_PAGE_SIZE, OFFSET_PAGE_SIZE, Endpoint, Paging
from xero_core.errors import AuthError, ConfigError, ForbiddenError, XeroError
from xero_core.protocol import more_pages, page_params, pagination_in, records_in

if TYPE_CHECKING:
    from tap_xero.tap import TapXero

TENANT_KEY = "_tenant_id"  # the partition key, and the column every record carries
UPDATED = "UpdatedDateUTC"
#: Clock skew allowed between Xero's DateTimeUTC (when a page was served) and UpdatedDateUTC.
SHIFT_MARGIN = timedelta(seconds=2)


# --- responses -----------------------------------------------------------------------------


@dataclass
class XeroPage:
    """One parsed answer: its records and Xero's `pagination` object (if it sent one)."""

    records: list[dict[str, Any]] = field(default_factory=list)
    pagination: dict[str, Any] = field(default_factory=dict)
    served_at: datetime | None = None  # the envelope's DateTimeUTC, else the Date header


def parse_page(response: requests.Response, records_key: str, singleton: bool = False) -> XeroPage:
    """Parse a list answer once (Decimals, ISO dates) and keep it on the response.

    The stream reads the records and the paginator reads the page length and `pageCount`
    from the same response; memoising on the response avoids parsing the body twice.
    """
    cached = getattr(response, "_xero_page", None)
    if isinstance(cached, XeroPage):
        return cached
    page = XeroPage()
    if response.status_code != 304 and response.content:
        body = convert_dates(jsonutil.loads(response.content))
        page.pagination = pagination_in(body)
        if isinstance(body, dict) and isinstance(body.get("DateTimeUTC"), str):
            page.served_at = _datetime_or_none(body["DateTimeUTC"])
        page.records = records_in(body, records_key, one_object=singleton)
    if page.served_at is None and response.headers.get("Date"):
        page.served_at = _http_date_or_none(response.headers["Date"])
    response._xero_page = page  # type: ignore[attr-defined]
    return page


def _datetime_or_none(value: Any) -> datetime | None:
    try:
        return parse_datetime(value) if value else None
    except (TypeError, ValueError):
        return None


def _http_date_or_none(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value).astimezone(timezone.utc)
    except (TypeError, ValueError):
        return None


def normalise_datetimes(value: Any, schema: Mapping[str, Any]) -> Any:
    """Rewrite, in place, every string the schema types as `date-time` to ISO UTC."""
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for key, item in value.items():
            sub = props.get(key)
            if sub is None or item is None:
                continue
            if isinstance(item, str):
                if sub.get("format") == "date-time":
                    value[key] = iso_utc(item)
            elif isinstance(item, (dict, list)):
                normalise_datetimes(item, sub)
    elif isinstance(value, list):
        items = schema.get("items") or {}
        for i, item in enumerate(value):
            if isinstance(item, str) and items.get("format") == "date-time":
                value[i] = iso_utc(item)
            elif isinstance(item, (dict, list)):
                normalise_datetimes(item, items)
    return value


# --- paging --------------------------------------------------------------------------------


class XeroPagePaginator(PageNumberPaginator):
    """page=N paging that stops without a wasted call.

    The SDK's PageNumberPaginator only stops on an empty page, which costs one extra call per
    listing: this one stops after `pageCount` when Xero sends it, else on a short page.
    """

    def __init__(self, records_key: str, page_size: int,
                 stop_after: datetime | None = None) -> None:
        super().__init__(1)
        self.records_key = records_key
        self.page_size = page_size
        self.stop_after = stop_after  # a re-read boundary's end (see ListingWatch)

    def has_more(self, response: requests.Response) -> bool:
        page = parse_page(response, self.records_key)
        if self.stop_after is not None and page.records:
            last = _datetime_or_none(page.records[-1].get(UPDATED))
            if last is not None and last > self.stop_after:
                return False
        return more_pages(page.pagination, self.current_value, len(page.records), self.page_size)


class JournalOffsetPaginator(OffsetPaginator):
    """offset=<JournalNumber> paging for Journals, 100 a call.

    The SDK's OffsetPaginator adds the page size to the offset; Xero's offset is the last
    JournalNumber seen (numbers need not be contiguous), and a short page is the last one.
    """

    def __init__(self, start: int, number_key: str = "JournalNumber",
                 records_key: str = "Journals") -> None:
        super().__init__(start, OFFSET_PAGE_SIZE)
        self.number_key = number_key
        self.records_key = records_key

    def has_more(self, response: requests.Response) -> bool:
        return len(parse_page(response, self.records_key).records) >= self.page_size

    def get_next(self, response: requests.Response) -> int | None:
        records = parse_page(response, self.records_key).records
        numbers = [r.get(self.number_key) for r in records]
        ints = [n for n in numbers if isinstance(n, int)]
        return max(ints) if ints else None


Edge = tuple[datetime, Any]  # (UpdatedDateUTC, id) of a record at a page's edge


@dataclass
class PageMark:
    """One page of a listing: when Xero served it, its item count, its first and last record."""

    served_at: datetime
    item_count: Any
    first: Edge | None
    last: Edge | None


@dataclass
class ListingWatch:
    """What one `order=UpdatedDateUTC ASC` listing saw, to tell which page boundaries shifted.

    Paging by page number under a frozen If-Modified-Since costs ceil(N/pageSize) calls but is
    not stable: a record on a page already read that changes moves to the end, every later
    record moves back one place, and the one crossing the next page boundary is never served
    (the bookmark then passes it for good). Such a change leaves a trace in the listing itself:
    an UpdatedDateUTC from after the listing began (the moved record, served again at the end),
    or a different `itemCount` (a record leaving a `where` filter). So, after the listing, each
    page boundary a change may have fallen into (between the DateTimeUTC of its two pages,
    give or take SHIFT_MARGIN) is re-read once: If-Modified-Since just before the last record
    ahead of the boundary, up to the first record after it, emitting what lies between. An
    unchanged listing costs no extra call; a change costs about one call per page boundary it
    may have fallen into, at most one extra pass.
    """

    id_key: str
    pages: list[PageMark] = field(default_factory=list)
    late: list[datetime] = field(default_factory=list)  # keys from after the listing began

    def see(self, page: XeroPage) -> None:
        records = page.records
        self.pages.append(PageMark(page.served_at or datetime.now(timezone.utc),
                                   page.pagination.get("itemCount"),
                                   self._edge(records[0]) if records else None,
                                   self._edge(records[-1]) if records else None))
        began = self.pages[0].served_at - SHIFT_MARGIN
        for row in reversed(records):  # ascending order: the changed ones are at the end
            key = _datetime_or_none(row.get(UPDATED))
            if key is None or key < began:
                break
            self.late.append(key)

    def _edge(self, row: dict[str, Any]) -> Edge | None:
        key = _datetime_or_none(row.get(UPDATED))
        return None if key is None else (key, row.get(self.id_key))

    def shifted(self) -> list[tuple[Edge, Edge | None]]:
        """(last record before, first record after) of each boundary that may have shifted."""
        out: list[tuple[Edge, Edge | None]] = []
        for before, after in zip(self.pages, self.pages[1:], strict=False):
            if before.last is None:
                continue
            low, high = before.served_at - SHIFT_MARGIN, after.served_at + SHIFT_MARGIN
            if before.item_count != after.item_count or any(low < m < high for m in self.late):
                out.append((before.last, after.first))
        return out


# --- auth ----------------------------------------------------------------------------------


class XeroBearerAuthenticator(APIAuthenticatorBase):
    """Sets only `Authorization: Bearer`; XeroAuth fetches, refreshes and persists the token.

    Token handling stays in xero_core (shared with the target, rotation written to the token
    store); XeroClient re-stamps the header on every attempt, so a 401 refresh mid-run works.
    """

    def __init__(self, auth: XeroAuth) -> None:
        super().__init__()
        self._auth = auth

    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._auth.access_token()}"
        return request


# --- streams -------------------------------------------------------------------------------


class ChildSyncFailed(Exception):
    """A child stream failed for the parent record being processed (never leaves the parent)."""

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__("a child stream failed")
        self.record = record


def _bookmark_order(value: Any) -> Any:
    return value if isinstance(value, int) else parse_datetime(str(value))


class TenantStream(RESTStream[Any]):
    """A REST stream partitioned by tenant, sending through the tap's one XeroClient."""

    #: Set on a child stream whose read failed for the current parent record.
    _child_failure: Exception | None = None

    @property
    def xero_tap(self) -> TapXero:
        return cast("TapXero", self._tap)

    @property
    def url_base(self) -> str:
        return str(self.config.get("api_url") or "https://api.xero.com").rstrip("/")

    @property
    def authenticator(self) -> XeroBearerAuthenticator:
        return XeroBearerAuthenticator(self.xero_tap.xero_client.auth)

    @property
    def http_headers(self) -> dict:
        """Xero answers XML unless a call asks for JSON: every stream asks (children too)."""
        return {**super().http_headers, "Accept": "application/json"}

    @property
    def scope(self) -> str:
        """The scope a 403 most likely lacks, named in the warning."""
        return ""

    @property
    def partitions(self) -> list[dict] | None:
        return [{TENANT_KEY: t} for t in self.xero_tap.tenant_ids]

    def backoff_max_tries(self) -> int:
        # One try: XeroClient already retried (Retry-After, 5xx backoff, 401 refresh) and a
        # second layer of retries here would multiply the waits and the calls.
        return 1

    def _request(
        self, prepared_request: requests.PreparedRequest, context: Context | None
    ) -> requests.Response:
        """The narrowest override: send through XeroClient instead of the SDK's session."""
        tenant_id = (context or {}).get(TENANT_KEY)
        response = self.xero_tap.xero_client.send(prepared_request, tenant_id=tenant_id)
        self._write_request_duration_log(
            endpoint=self.path or "", response=response, context=context, extra_tags=None
        )
        return response

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Records of one tenant; a 403 skips this stream for it, other errors the tenant."""
        tenant_id = (context or {}).get(TENANT_KEY)
        tap = self.xero_tap
        if tenant_id is None or tap.tenant_failed(tenant_id):
            return
        tap.note_attempt(tenant_id, self.name)
        try:
            yield from self.read_records(context or {})
        except ForbiddenError as exc:
            tap.note_forbidden(tenant_id, self.name, self.scope, exc)
        except (AuthError, ConfigError):
            raise  # the app itself is refused: no tenant can sync
        except (XeroError, requests.RequestException) as exc:
            self._drop_unfinished_progress(context)
            tap.note_failure(tenant_id, self.name, exc)
            if self.parent_stream_type is not None:
                self._child_failure = exc  # the parent stops before its record (below)

    # -- children: a failed child stops the parent's partition before that parent ------------

    def _process_record(self, record: dict, child_context: Context | None = None,
                        partition_context: Context | None = None) -> None:
        """The SDK reads a record's children here, before it writes the record and moves the
        bookmark past it: raising now keeps the bookmark before the record whose children
        failed, so the next run reads them (and those of every later record) again."""
        super()._process_record(record, child_context=child_context,
                                partition_context=partition_context)
        failed = False
        for child in self.child_streams:
            if isinstance(child, TenantStream) and child._child_failure is not None:
                child._child_failure = None
                failed = True
        if failed:
            raise ChildSyncFailed(record)

    def _sync_records(self, context: Context | None = None, *,
                      write_messages: bool = True) -> Generator[dict, Any, Any]:
        """The SDK's loop, one partition (tenant) at a time, so one can stop alone."""
        partitions = self.partitions
        if context is not None or not partitions:
            yield from self._sync_partition(context, write_messages)
            return
        for partition in partitions:
            yield from self._sync_partition(partition, write_messages)
        self._finalize_state(self.stream_state)  # what the SDK does after its own loop
        if write_messages:
            self._write_state_message()

    def _sync_partition(self, context: Context | None, write_messages: bool
                        ) -> Generator[dict, Any, Any]:
        try:
            yield from super()._sync_records(context, write_messages=write_messages)
        except ChildSyncFailed as stop:
            self._keep_bookmark_before(stop.record, context)
            if write_messages:
                self._write_state_message()
            if self.parent_stream_type is not None:
                self._child_failure = stop  # and so on up to the top parent

    def _keep_bookmark_before(self, record: dict, context: Context | None) -> None:
        """The partition stops at `record`: its bookmark must not pass it."""
        state = self.get_context_state(context)
        key = self.replication_key
        if not self.is_sorted or not key:
            self._drop_unfinished_progress(context)
        elif (record.get(key) is not None and state.get("replication_key_value") is not None
              and _bookmark_order(state["replication_key_value"]) > _bookmark_order(record[key])):
            # Normally the bookmark is the previous record's; after re-reading a shifted page
            # boundary (ListingWatch) it is already past this one: move it back.
            state["replication_key_value"] = record[key]
        self.state_manager.is_flushed = False

    def _drop_unfinished_progress(self, context: Context | None) -> None:
        """An unsorted stream cut short must not promote a half-read maximum to its bookmark."""
        if not self.is_sorted:
            self.get_context_state(context).pop("progress_markers", None)

    def read_records(self, context: Context) -> Iterator[dict[str, Any]]:
        yield from self.request_records(context)


class XeroStream(TenantStream):
    """A stream for one row of xero_core.endpoints.ENDPOINTS."""

    endpoint: ClassVar[Endpoint]
    _since: datetime | None = None
    _local_since: datetime | None = None  # filter here instead of If-Modified-Since
    _start_bookmark: Any = None
    _floor: datetime | None = None  # records updated before this are dropped here
    _watch: ListingWatch | None = None  # the listing being paged, where pages can shift
    _recheck: tuple[Edge, Edge | None] | None = None  # the page boundary being re-read

    def __init__(self, tap: TapXero, schema: dict[str, Any]) -> None:
        ep = self.endpoint
        super().__init__(tap=tap, name=self.name, schema=schema, path=ep.url_path)
        self.primary_keys = list(ep.primary_key)
        self.replication_key = self._replication_key_for(ep)
        self.sync_time = to_iso(datetime.now(timezone.utc))
        self._soft_delete_field = (status_field(ep, schema)
                                   if has_soft_deletes(ep, schema) else None)
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
        bookmark = self.get_context_state(context).get("replication_key_value")
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

    # -- requests -----------------------------------------------------------------------

    def read_records(self, context: Context) -> Iterator[dict[str, Any]]:
        # Freeze the partition's starting point: a sorted stream advances its bookmark while
        # it pages, and a moving If-Modified-Since would shift the pages under us.
        self._since = self.modified_since(context)
        self._local_since = None
        self._watch = self._recheck = None
        self._start_bookmark = self.get_context_state(context).get("replication_key_value")
        tracker = self.hard_delete_tracker(context)
        if tracker is None:
            self._floor = self._client_floor()
            yield from self._read_listing(context)
            return
        # A full read: the bookmark filters here, so the ids that vanished can be told.
        self._local_since, self._since = self._since, None
        self._floor = self._client_floor()
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
        watch = self._watch = ListingWatch(self.endpoint.primary_key[0])
        yield from super().read_records(context)
        self._watch = None
        boundaries = watch.shifted()
        if not boundaries:
            return
        self.logger.info("%s changed while it was paged for tenant %s: re-reading %d page "
                         "boundaries", self.name, context.get(TENANT_KEY), len(boundaries))
        since = self._since
        for before, after in boundaries:
            self._recheck = (before, after)
            self._since = before[0].replace(microsecond=0) - timedelta(seconds=1)
            yield from super().read_records(context)
        self._recheck, self._since = None, since

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
            start = self._start_bookmark
            return JournalOffsetPaginator(start if isinstance(start, int) else 0,
                                          ep.replication_key or "JournalNumber",
                                          ep.records_key)
        if ep.paging in (Paging.PAGE, Paging.PAGE_SIZE):
            after = self._recheck[1] if self._recheck else None
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
        if self._since is not None:
            request.headers["If-Modified-Since"] = to_http_date(self._since)
        return request

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        ep = self.endpoint
        page = parse_page(response, ep.records_key, ep.singleton)
        if self._watch is not None:
            self._watch.see(page)
        if self._recheck is None:
            yield from page.records
            return
        before, after = self._recheck  # only what lies between the boundary's two records
        edge_ids = {before[1], after[1] if after else None} - {None}
        for row in page.records:
            key = _datetime_or_none(row.get(UPDATED))
            if (key is None or key < before[0] or (after is not None and key > after[0])
                    or row.get(ep.primary_key[0]) in edge_ids):
                continue
            yield row

    # -- records ------------------------------------------------------------------------

    def post_process(self, row: dict, context: Context | None = None) -> dict | None:
        context = context or {}
        row[TENANT_KEY] = context.get(TENANT_KEY)
        normalise_datetimes(row, self.schema)
        if not self._newer_than_bookmark(row):
            return None
        if self._soft_delete_field:
            mark_soft_delete(row, self._soft_delete_field, self.sync_time,
                             NESTED_STATUS.get(self.endpoint.stream))
        if self._changed_since_bookmark(row):
            self.xero_tap.observe_record(self.name, row, context)
        return row

    def _changed_since_bookmark(self, row: dict) -> bool:
        """Strictly after the bookmark: not a re-read of the bookmark's own second."""
        value = row.get(self.replication_key or "")
        if self._start_bookmark is None or value is None:
            return True
        if isinstance(value, int):
            return value > self._start_bookmark
        return parse_datetime(str(value)) > parse_datetime(str(self._start_bookmark))

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
        if self._local_since is not None:
            return self._local_since
        bookmark = self._start_bookmark
        if not bookmark or isinstance(bookmark, int):  # Journals: the offset is the bookmark
            return None
        if self.endpoint.modified_since and (
                not self.is_sorted or float(self.config.get("lookback_minutes") or 0) > 0):
            return None
        return parse_datetime(str(bookmark))

    def _newer_than_bookmark(self, row: dict) -> bool:
        """Keep a record at or after the read's floor (`_client_floor`)."""
        floor = self._floor
        if floor is None:
            return True
        value = row.get(self.replication_key or "")
        return not value or isinstance(value, int) or parse_datetime(str(value)) >= floor

    def _increment_stream_state(self, latest_record: dict[str, Any], *,
                                context: Context | None = None) -> None:
        """Tombstones carry no replication key value: they never move a bookmark; nor do
        records of a re-read page boundary (the bookmark is already past them)."""
        if self.replication_key and latest_record.get(self.replication_key) is None:
            return
        if self._recheck is not None:
            return
        super()._increment_stream_state(latest_record, context=context)

    def get_child_context(self, record: dict, context: Context | None) -> dict:
        """Children (history, attachments, project tasks) get the tenant and this record's id."""
        tenant = {TENANT_KEY: (context or {}).get(TENANT_KEY)}
        if not self.child_streams or not self.endpoint.primary_key:
            return tenant
        pk = self.endpoint.primary_key[0]
        return {**tenant, pk: record.get(pk)}

