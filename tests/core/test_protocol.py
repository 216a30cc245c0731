"""xero_core.protocol: the envelope, page parameters and the page loop shared by tap, target
and sandbox."""

from __future__ import annotations

from typing import Any

from xero_core.endpoints import Paging
from xero_core.protocol import (
    iter_pages,
    more_pages,
    page_params,
    page_slice,
    pagination_in,
    pagination_of,
    records_in,
)


def test_records_in_reads_each_envelope_shape() -> None:
    assert records_in({"Invoices": [{"a": 1}, "junk", None]}, "Invoices") == [{"a": 1}]
    assert records_in([{"a": 1}, 2], "") == [{"a": 1}]
    assert records_in({"Invoices": {"a": 1}}, "Invoices") == [{"a": 1}]
    assert records_in({"Other": []}, "Invoices") == []
    assert records_in({"a": 1}, "Invoices") == []
    assert records_in({"a": 1}, "Settings", one_object=True) == [{"a": 1}]
    assert records_in({"InvoiceID": "x"}, "Invoices", primary_key="InvoiceID") == [
        {"InvoiceID": "x"}]
    assert records_in("text", "Invoices") == [] and records_in(None, "") == []
    assert records_in({"Invoices": "oops"}, "Invoices") == []


def test_page_params_per_paging() -> None:
    assert page_params(Paging.PAGE_SIZE, None, 500) == {"page": 1, "pageSize": 500}
    assert page_params(Paging.PAGE_SIZE, 3, 500) == {"page": 3, "pageSize": 500}
    assert page_params(Paging.PAGE, 2, 500) == {"page": 2}
    assert page_params(Paging.OFFSET, None, 100) == {"offset": 0}
    assert page_params(Paging.OFFSET, 412, 100) == {"offset": 412}
    assert page_params(Paging.NONE, 2, 100) == {}


def test_more_pages_trusts_page_count_over_length() -> None:
    assert more_pages({"pageCount": 3}, 2, 10, 100)  # short page, but Xero says 3 pages
    assert not more_pages({"pageCount": 2}, 2, 100, 100)  # full page, but the last one
    assert more_pages({}, 1, 100, 100) and not more_pages({}, 1, 99, 100)
    assert not more_pages({"pageCount": True}, 1, 5, 100)  # a bool is not a count
    assert pagination_in({"pagination": {"pageCount": 1}}) == {"pageCount": 1}
    assert pagination_in({"pagination": "x"}) == {} and pagination_in([]) == {}


def test_iter_pages_walks_until_the_last_page() -> None:
    records = [{"n": i} for i in range(7)]
    calls: list[dict[str, Any]] = []

    def fetch(params: dict[str, Any]) -> dict[str, Any]:
        calls.append(params)
        page, size = params["page"], params["pageSize"]
        return {"pagination": pagination_of(page, size, len(records)),
                "Items": list(page_slice(records, page, size))}

    pages = list(iter_pages(fetch, Paging.PAGE_SIZE, "Items", 3, {"where": "x"}))
    assert [len(p) for p in pages] == [3, 3, 1]
    assert calls == [{"where": "x", "page": n, "pageSize": 3} for n in (1, 2, 3)]
    # Without a pagination object a short page ends it; an unpaged listing is one call.
    calls.clear()

    def unpaginated(params: dict[str, Any]) -> dict[str, Any]:
        calls.append(params)
        return {"Items": list(page_slice(records, params["page"], 2))}

    assert [len(p) for p in iter_pages(unpaginated, Paging.PAGE, "Items", 2)] == [2, 2, 2, 1]
    assert calls == [{"page": n} for n in (1, 2, 3, 4)]
    calls.clear()
    assert list(iter_pages(lambda q: (calls.append(q), [{"a": 1}])[1], Paging.NONE, "", 100,
                           {"x": 1})) == [[{"a": 1}]]
    assert calls == [{"x": 1}]


def test_pagination_of_matches_xero() -> None:
    assert pagination_of(2, 100, 250) == {"page": 2, "pageSize": 100, "pageCount": 3,
                                          "itemCount": 250}
    assert pagination_of(1, 100, 0)["pageCount"] == 0
