"""Paging: exactly ceil(N / pageSize) calls per listing, never a wasted empty page."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.tap.conftest import admin_records, api_calls, org_config, run_tap
from xero_core.endpoints import BY_STREAM, OFFSET_PAGE_SIZE, Paging

PAGE_SIZE = 7
PAGED = [ep.stream for ep in BY_STREAM.values() if ep.paging is Paging.PAGE_SIZE
         and not ep.parent]


@pytest.fixture(scope="module")
def paged_run(sandbox: Any) -> tuple[Any, list[dict[str, Any]]]:
    sandbox.clean()
    streams = [*PAGED, "quotes", "linked_transactions", "journals"]
    run = run_tap(sandbox, org_config(sandbox, 0, page_size=PAGE_SIZE), streams)
    return run, api_calls(sandbox)


@pytest.mark.parametrize("stream", PAGED)
def test_page_size_streams_call_ceil_n_over_page_size(sandbox: Any, paged_run: Any,
                                                      stream: str) -> None:
    run, calls = paged_run
    ep = BY_STREAM[stream]
    n = len(run.records[stream])
    held = admin_records(sandbox, sandbox.orgs[0]["tenant_id"], stream)
    assert n == len(held)
    mine = [c for c in calls if c["path"] == ep.url_path]
    assert {c["query"]["pageSize"] for c in mine} == {str(PAGE_SIZE)}
    # Assets list one status per listing (the API requires it): one listing per status.
    listings: dict[str, list[str]] = {}
    for c in mine:
        listings.setdefault(c["query"].get("status", ""), []).append(c["query"]["page"])
    for status, pages in listings.items():
        if ep.api == "assets":
            count = sum(1 for r in held if r["assetStatus"].upper() == status)
        else:
            count = n
        assert pages == [str(i + 1) for i in range(max(1, math.ceil(count / PAGE_SIZE)))]


@pytest.mark.parametrize("stream", ["quotes", "linked_transactions"])
def test_page_only_streams_stop_on_a_short_page(paged_run: Any, stream: str) -> None:
    run, calls = paged_run
    n = len(run.records[stream])
    mine = [c for c in calls if c["path"] == BY_STREAM[stream].url_path]
    # 100 a page; a full last page costs one empty call (Xero sends no pageCount here).
    assert len(mine) == n // 100 + 1
    assert all("pageSize" not in c["query"] for c in mine)


def test_journals_offset_by_journal_number(paged_run: Any) -> None:
    run, calls = paged_run
    numbers = run.ids("journals", "JournalNumber")
    mine = [c for c in calls if c["path"] == BY_STREAM["journals"].url_path]
    assert len(mine) == len(numbers) // OFFSET_PAGE_SIZE + 1
    expected = ["0"] + [str(numbers[i * OFFSET_PAGE_SIZE - 1]) for i in range(1, len(mine))]
    assert [c["query"]["offset"] for c in mine] == expected


def test_connections_read_once_per_run(paged_run: Any) -> None:
    _, calls = paged_run
    assert [c["path"] for c in calls].count("/connections") == 1
