"""Xero's answers and paging: one parse per response, three paging styles, shifting pages.

`parse_page` parses a list answer once (Decimals, ISO dates) and keeps it on the response, so
the stream and the paginator read the same parse. `XeroPagePaginator` (page=N, stopping on
`pageCount` or a short page) and `JournalOffsetPaginator` (offset=<JournalNumber>) are the
SDK's paginators with Xero's stop rules; `ListingWatch` tells which page boundaries of an
`order=UpdatedDateUTC ASC` listing may have shifted while it was paged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from singer_sdk.pagination import OffsetPaginator, PageNumberPaginator

from xero_core import jsonutil
from xero_core.dates import convert_dates, iso_utc, parse_datetime
from xero_core.endpoints import OFFSET_PAGE_SIZE
from xero_core.protocol import more_pages, pagination_in, records_in

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


def parse_page(response: requests.Response, records_key: str, singleton: bool = False,
               *, dates: bool = True) -> XeroPage:
    """Parse a list answer once (Decimals; ISO dates unless `dates` is False) and keep it on
    the response.

    The stream reads the records and the paginator reads the page length and `pageCount`
    from the same response; memoising on the response avoids parsing the body twice. A
    XeroStream asks for `dates=False`: its records' `/Date()/` strings are converted in the
    same pass that normalises them (tap_xero.records.DateShaper); what it reads before that
    (UpdatedDateUTC, DateTimeUTC) is parsed by parse_datetime, which reads both forms.
    """
    cached = getattr(response, "_xero_page", None)
    if isinstance(cached, XeroPage):
        return cached
    page = XeroPage()
    if response.status_code != 304 and response.content:
        body = jsonutil.loads(response.content)
        if dates:
            body = convert_dates(body)
        page.pagination = pagination_in(body)
        if isinstance(body, dict) and isinstance(body.get("DateTimeUTC"), str):
            page.served_at = datetime_or_none(body["DateTimeUTC"])
        page.records = records_in(body, records_key, one_object=singleton)
    if page.served_at is None and response.headers.get("Date"):
        page.served_at = _http_date_or_none(response.headers["Date"])
    response._xero_page = page  # type: ignore[attr-defined]
    return page


def datetime_or_none(value: Any) -> datetime | None:
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
            last = datetime_or_none(page.records[-1].get(UPDATED))
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
            key = datetime_or_none(row.get(UPDATED))
            if key is None or key < began:
                break
            self.late.append(key)

    def _edge(self, row: dict[str, Any]) -> Edge | None:
        key = datetime_or_none(row.get(UPDATED))
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
