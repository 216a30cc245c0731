"""Xero's list protocol, written once: the envelope a list answer comes in, the page
parameters a list call sends, when a listing goes on, and the one page loop.

The tap (through the SDK's paginators), the target (its lookups) and the sandbox (its
answers) all read and write pages through these functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from xero_core.endpoints import Paging


def records_in(body: Any, records_key: str, *, one_object: bool = False,
               primary_key: str | None = None) -> list[dict[str, Any]]:
    """The records of an answer: `{records_key: [...]}`, a bare list, or one object.

    A lone object counts as one record when `one_object` is set (singletons, and writes that
    take and answer a single object) or when it carries `primary_key`.
    """
    items: Any
    if isinstance(body, dict):
        if records_key and records_key in body:
            items = body[records_key]
        elif one_object or (primary_key is not None and primary_key in body):
            items = body
        else:
            items = None
    else:
        items = body
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        return []
    return [r for r in items if isinstance(r, dict)]


def pagination_in(body: Any) -> dict[str, Any]:
    """Xero's `pagination` object of an answer ({} when it sent none)."""
    found = body.get("pagination") if isinstance(body, dict) else None
    return found if isinstance(found, dict) else {}


def page_params(paging: Paging, position: int | None, page_size: int) -> dict[str, Any]:
    """The query parameters of one list call: page N (with pageSize where the endpoint takes
    it), or the offset (the last JournalNumber seen). `position` None: the first call."""
    if paging is Paging.PAGE_SIZE:
        return {"page": position or 1, "pageSize": page_size}
    if paging is Paging.PAGE:
        return {"page": position or 1}
    if paging is Paging.PAGE_LOWER:  # the Files API spells it `pagesize`
        return {"page": position or 1, "pagesize": page_size}
    if paging is Paging.OFFSET:
        return {"offset": position or 0}
    return {}


def more_pages(pagination: Mapping[str, Any], page: int, count: int, page_size: int) -> bool:
    """Does a listing go on after `page`, which held `count` records? Xero's `pageCount` is
    authoritative when sent (even when it capped our pageSize); else a full page goes on."""
    page_count = pagination.get("pageCount")
    if isinstance(page_count, int) and not isinstance(page_count, bool):
        return page < page_count
    return count >= page_size


def iter_pages(fetch: Callable[[dict[str, Any]], Any], paging: Paging, records_key: str,
               page_size: int, params: Mapping[str, Any] | None = None,
               ) -> Iterator[list[dict[str, Any]]]:
    """The records of every page of a page-numbered listing, one list per call.

    `fetch(params)` makes one call and answers the parsed body. Other paging is one call
    here (offset paging, Journals, is read by the tap's own paginator).
    """
    paged = paging in (Paging.PAGE, Paging.PAGE_SIZE, Paging.PAGE_LOWER)
    page = 1
    while True:
        query = {**(params or {}), **(page_params(paging, page, page_size) if paged else {})}
        body = fetch(query)
        recs = records_in(body, records_key)
        yield recs
        if not paged:
            return
        if not more_pages(pagination_in(body), page, len(recs), page_size):
            return
        page += 1


# --- the answering side (the sandbox) ------------------------------------------------------


def pagination_of(page: int, page_size: int, total: int) -> dict[str, int]:
    """The `pagination` object Xero answers for `page` of `total` records."""
    return {"page": page, "pageSize": page_size, "pageCount": math.ceil(total / page_size),
            "itemCount": total}


def page_slice(records: Sequence[Any], page: int, page_size: int) -> Sequence[Any]:
    """The records on page `page` (from 1) of `page_size` each."""
    return records[(page - 1) * page_size: page * page_size]
