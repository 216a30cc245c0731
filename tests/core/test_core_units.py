"""Unit tests of the shared core pieces that need no server: dates, JSON, limiter, token store."""

from __future__ import annotations

import os
import stat
import threading
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from xero_core import dates, jsonutil
from xero_core.auth import TokenStore
from xero_core.endpoints import ENDPOINTS, Paging, Write, endpoint
from xero_core.limits import CallWindow, RollingWindow, TenantLimiter


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.t += s


def test_ms_date_to_iso_utc() -> None:
    assert dates.parse_ms_date("/Date(1573755038314+0000)/") == datetime(
        2019, 11, 14, 18, 10, 38, 314000, tzinfo=timezone.utc
    )
    # the offset says where it was entered; the milliseconds are UTC already
    assert dates.parse_ms_date("/Date(0+1300)/") == datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert dates.parse_ms_date("/Date(-86400000)/") == datetime(1969, 12, 31, tzinfo=timezone.utc)
    assert dates.parse_ms_date("2026-01-31T00:00:00") is None


def test_plain_dates_are_utc_and_round_trip() -> None:
    assert dates.parse_datetime("2026-01-31T00:00:00") == datetime(2026, 1, 31, tzinfo=timezone.utc)
    assert dates.parse_datetime("2026-01-31T10:00:00+10:00").hour == 0
    assert dates.to_ms_date("1970-01-01T00:00:01Z") == "/Date(1000+0000)/"
    assert dates.to_http_date("2026-01-31T00:00:00Z") == "Sat, 31 Jan 2026 00:00:00 GMT"
    assert dates.parse_modified_since("Sat, 31 Jan 2026 00:00:00 GMT") == datetime(
        2026, 1, 31, tzinfo=timezone.utc)


def test_convert_dates_walks_nested_values() -> None:
    rec = {"A": "/Date(0)/", "L": [{"B": "/Date(1000+0000)/"}, "/Date(2000)/"], "C": "x"}
    dates.convert_dates(rec)
    assert rec == {"A": "1970-01-01T00:00:00+00:00",
                   "L": [{"B": "1970-01-01T00:00:01+00:00"}, "1970-01-01T00:00:02+00:00"],
                   "C": "x"}


def test_decimal_json_keeps_every_digit() -> None:
    text = '{"CurrencyRate":1.1234567890,"Total":100.10,"N":3}'
    value = jsonutil.loads(text)
    assert value["CurrencyRate"] == Decimal("1.1234567890")
    assert jsonutil.dumps(value) == text


def test_rolling_window_counts_a_real_minute() -> None:
    clock = FakeClock()
    win = RollingWindow(3, 60, clock)
    for _ in range(3):
        assert win.try_add()
    assert not win.try_add()
    assert win.wait_time() == pytest.approx(60)
    clock.t += 60
    assert win.try_add()


def test_limiter_never_sends_a_61st_call_in_a_minute() -> None:
    clock = FakeClock()
    lim = TenantLimiter(clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(130):
        with lim.slot():
            sent.append(clock.t)
    for i in range(len(sent) - 60):
        assert sent[i + 60] - sent[i] >= 60  # any 61 consecutive calls span a full minute
    assert lim.waited >= 120


def test_limiter_never_has_six_in_flight() -> None:
    lim = TenantLimiter(per_minute=10_000)
    in_flight = 0
    peak = 0
    lock = threading.Lock()
    gate = threading.Event()

    def call() -> None:
        nonlocal in_flight, peak
        with lim.slot():
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            gate.wait(0.05)
            with lock:
                in_flight -= 1

    threads = [threading.Thread(target=call) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 5


def test_limiter_reads_remaining_headers() -> None:
    lim = TenantLimiter()
    lim.observe({"X-DayLimit-Remaining": "4990", "X-MinLimit-Remaining": "59",
                 "X-AppMinLimit-Remaining": "9999"})
    assert (lim.day_remaining, lim.minute_remaining, lim.app_minute_remaining) == (4990, 59, 9999)


def test_token_store_is_atomic_and_private(tmp_path) -> None:
    path = tmp_path / "sub" / "tokens.json"
    store = TokenStore(str(path))
    assert store.load() == {}
    store.save({"refresh_token": "r1"})
    store.save({"refresh_token": "r2"})
    assert store.load() == {"refresh_token": "r2"}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["tokens.json"]  # no temp files left


def test_endpoint_table_is_consistent() -> None:
    names = [e.stream for e in ENDPOINTS]
    assert len(names) == len(set(names))
    for ep in ENDPOINTS:
        if ep.paging is Paging.PAGE_SIZE:
            assert ep.page_size_max == (500 if ep.api == "projects" else 1000)
        if (Write.DELETE_HTTP in ep.writes or ep.hard_deletes) and ep.api == "accounting":
            assert ep.stream in {"accounts", "items", "tracking_categories",
                                 "linked_transactions"}
        elif Write.DELETE_HTTP in ep.writes:
            # Elsewhere a resource deleted without a trace must be read in full every run
            # (no bookmark to miss its absence behind): project tasks, time entries, leave.
            assert ep.replication_key is None and not ep.modified_since, ep.stream
        assert ep.url_path.startswith("/")
    assert endpoint("accounts").batch_max == 1
    with pytest.raises(KeyError, match="unknown Xero stream"):
        endpoint("nope")


def test_zone_less_dates_become_iso_utc() -> None:
    assert dates.iso_utc("2024-11-23T00:00:00") == "2024-11-23T00:00:00+00:00"
    assert dates.iso_utc("2024-11-23T10:30:00.1234567") == "2024-11-23T10:30:00.123456+00:00"
    assert dates.iso_utc("2024-11-23") == "2024-11-23T00:00:00+00:00"
    assert dates.iso_utc("2024-11-23T10:00:00+10:00") == "2024-11-23T00:00:00+00:00"
    assert dates.iso_utc("") is None
    assert dates.iso_utc("not a date") == "not a date"


def test_lone_surrogates_become_json_escapes() -> None:
    raw = jsonutil.dumps_bytes({"Reference": "a\udcf9é"})
    assert raw == '{"Reference":"a\\udcf9é"}'.encode()
    assert jsonutil.loads(raw) == {"Reference": "a\udcf9é"}


def test_a_call_counts_until_a_minute_after_its_answer() -> None:
    """Xero counts a call from its arrival, which lies between our reservation and the
    answer: the client's window must hold each call until a minute after the answer."""
    clock = FakeClock()
    lim = TenantLimiter(per_minute=2, clock=clock, sleep=clock.sleep)
    with lim.slot():
        clock.t += 5  # a slow call: answered 5 s after it was reserved
    with lim.slot():
        pass
    start = clock.t
    with lim.slot():  # the third waits for the first: 60 s after its answer, not its start
        assert clock.t - start == pytest.approx(60)


def test_a_call_in_flight_never_ages_out() -> None:
    clock = FakeClock()
    win = CallWindow(1, 60, clock)
    cell = win.reserve()
    clock.t += 600  # ten minutes in flight (a long timeout)
    assert win.count() == 1 and win.wait_time() > 0
    win.done(cell)
    assert win.wait_time() == pytest.approx(60)


def test_our_own_spent_minute_adds_no_pause() -> None:
    """X-MinLimit-Remaining: 0 after our own 60th call: the window knows, no extra wait."""
    clock = FakeClock()
    lim = TenantLimiter(per_minute=3, clock=clock, sleep=clock.sleep)
    for remaining in (2, 1, 0):
        with lim.slot():
            pass
        lim.observe({"X-MinLimit-Remaining": str(remaining)})
    with lim.slot():
        pass
    assert lim.waited == pytest.approx(60)  # only the window's own wait
    shared = TenantLimiter(per_minute=3, clock=clock, sleep=clock.sleep)
    with shared.slot():
        pass
    shared.observe({"X-MinLimit-Remaining": "0"})  # someone else spent it: back off
    with shared.slot():
        pass
    assert shared.waited == pytest.approx(1.0)
