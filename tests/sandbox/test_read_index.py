"""The read path's index: `order=UpdatedDateUTC ASC` and pages come from the stored order, not a
sort, and answer exactly what sorting every record would (ties, writes and deletes included)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from xero_core.endpoints import ENDPOINTS, Endpoint, Paging
from xero_sandbox.backend import reads
from xero_sandbox.backend.seed import generate
from xero_sandbox.backend.store import Organisation

NOW = 1_780_000_000_000
UPDATED = [ep for ep in ENDPOINTS if ep.replication_key == "UpdatedDateUTC" and ep.api ==
           "accounting" and not ep.singleton and ep.primary_key]


@pytest.fixture(scope="module")
def org() -> Organisation:
    org = generate(seed=7, size=40, orgs=1, now_ms=NOW)[0]
    for ep in UPDATED:
        coll = org.coll(ep.stream)
        keys = sorted(coll.records)
        # Ties: several records moved to one ms, others re-put, one removed and put back.
        for rid in keys[::3]:
            coll.put(coll.records[rid], NOW + 5)
        for rid in keys[1::4]:
            coll.put(coll.records[rid], NOW - 1_000)
        if keys:
            rec = coll.remove(keys[-1])
            assert rec is not None
            coll.put(rec, NOW + 5)
    return org


def _list(org: Organisation, ep: Endpoint, params: dict[str, str],
          since: str | None = None) -> Any:
    answer = reads.list_records(org, ep, params, since, "bench", NOW)
    assert answer.status == 200, answer.body
    body = copy.deepcopy(answer.body)
    body.pop("Id")
    return body


@pytest.mark.parametrize("order", ["UpdatedDateUTC", "UpdatedDateUTC ASC", "UpdatedDateUTC asc",
                                   " UpdatedDateUTC  ASC ,"])
@pytest.mark.parametrize("ep", UPDATED, ids=lambda ep: ep.stream)
def test_stored_order_is_what_the_sort_gives(org: Organisation, ep: Endpoint, order: str) -> None:
    assert reads.in_stored_order(ep, order)
    coll = org.coll(ep.stream)
    everything = list(coll.ordered())
    assert reads.sort_records(everything, order) == everything
    since_ms = NOW - 200 * 86_400_000
    assert reads.sort_records(list(coll.ordered(since_ms)), order) == list(coll.ordered(since_ms))


@pytest.mark.parametrize("order", ["UpdatedDateUTC DESC", "UpdatedDateUTC, Status",
                                   "updateddateutc", "Date ASC", "UpdatedDateUTC ASC X"])
def test_other_orders_still_sort(order: str) -> None:
    ep = next(ep for ep in UPDATED if ep.stream == "invoices")
    assert not reads.in_stored_order(ep, order)


def test_no_stored_order_without_updated_replication_key() -> None:
    other = [ep for ep in ENDPOINTS if ep.replication_key != "UpdatedDateUTC"]
    assert other
    assert not any(reads.in_stored_order(ep, "UpdatedDateUTC") for ep in other)


PAGES = ({"order": "UpdatedDateUTC ASC", "page": "2", "pageSize": "7"},
         {"order": "UpdatedDateUTC", "page": "1"},
         {"order": "UpdatedDateUTC ASC"},
         {"order": "UpdatedDateUTC ASC", "page": "999", "pageSize": "10"},
         {"order": "UpdatedDateUTC ASC", "page": "1", "pageSize": "1000", "summaryOnly": "true"},
         {"order": "UpdatedDateUTC ASC", "page": "2", "pageSize": "3",
          "where": 'Status != "DELETED"'})


@pytest.mark.parametrize("params", PAGES)
@pytest.mark.parametrize("ep", UPDATED, ids=lambda ep: ep.stream)
def test_pages_equal_the_sorted_answer(org: Organisation, ep: Endpoint, params: dict[str, str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if "where" in params and not ep.where:
        params = {k: v for k, v in params.items() if k != "where"}
    since = "Mon, 01 Jan 2024 00:00:00 GMT"
    fast = _list(org, ep, params, since)
    monkeypatch.setattr(reads, "in_stored_order", lambda ep, order: False)  # sort every time
    assert _list(org, ep, params, since) == fast


@pytest.mark.parametrize("ep", UPDATED, ids=lambda ep: ep.stream)
def test_unordered_pages_are_slices_of_the_index(org: Organisation, ep: Endpoint) -> None:
    since = "Thu, 01 Jan 1970 00:00:00 GMT"
    everything = list(org.coll(ep.stream).ordered(0))
    body = _list(org, ep, {"page": "2", "pageSize": "5"}, since)
    if ep.status_field and ("includeArchived", "true") in ep.list_params:
        everything = [r for r in everything if r.get(ep.status_field) != "ARCHIVED"]
    if ep.paging is Paging.PAGE_SIZE:
        assert body[ep.records_key] == everything[5:10]
        assert body["pagination"]["itemCount"] == len(everything)
    elif ep.paging is Paging.PAGE:
        assert body[ep.records_key] == everything[100:200]
    else:
        assert body[ep.records_key] == everything


def test_view_slices_like_a_list(org: Organisation) -> None:
    coll = org.coll("invoices")
    view = coll.view(NOW - 300 * 86_400_000)
    as_list = list(view)
    assert len(view) == len(as_list) > 10
    for index in (slice(0, 5), slice(3, 1000), slice(-4, None), slice(None, None, 3),
                  slice(len(as_list) + 5, len(as_list) + 10), slice(2, 9, 2)):
        assert view[index] == as_list[index]
    assert view[0] is as_list[0]
    assert view[-1] is as_list[-1]
    with pytest.raises(IndexError):
        view[len(as_list)]
    assert len(coll.view(NOW + 10**9)) == 0
    assert coll.view(NOW + 10**9)[0:5] == []
