"""The shared (Redis) rate limiter against a real redis-server started by the test.

Several `SharedLimiterRegistry` objects stand for several processes: what one spends, the
others see. Windows are shortened (`minute_span`) to keep the tests quick.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.proof.conftest import tap_cli
from tests.redis_server import RedisServer, serve_redis
from xero_core.errors import ConfigError
from xero_core.http import XeroClient
from xero_core.limits import LimiterRegistry
from xero_core.shared_limits import (
    LimiterUnavailableError,
    SharedLimiterRegistry,
    redact_url,
)

PASSWORD = "s3cret-pass"


@pytest.fixture(name="redis_server")
def _redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    yield from serve_redis(tmp_path)


def registry(url: str, **kw: Any) -> SharedLimiterRegistry:
    return SharedLimiterRegistry(url, **{"app_id": "app-1", **kw})


class Refuse(Exception):
    """Raised by a sleep that must not be asked to wait."""


def refuse(seconds: float) -> None:
    raise Refuse(seconds)


def take(reg: SharedLimiterRegistry, tenant: str = "t1") -> None:
    with reg.get(tenant).slot():
        pass


def test_two_processes_share_one_minute(redis_server: RedisServer) -> None:
    a = registry(redis_server.url, per_minute=5, minute_span=1.0, sleep=refuse)
    b = registry(redis_server.url, per_minute=5, minute_span=1.0, sleep=refuse)
    for reg in (a, b, a, b, a):
        take(reg)
    with pytest.raises(Refuse):  # the sixth call in the window waits, whichever process
        take(b)
    assert b.waits == {"minute": 1}
    assert take(registry(redis_server.url, per_minute=5, minute_span=1.0, sleep=refuse),
                "t2") is None  # another tenant has its own minute
    time.sleep(1.05)
    take(b)  # the window rolled


def test_waiting_caller_gets_the_slot_when_the_window_frees(redis_server: RedisServer) -> None:
    a = registry(redis_server.url, per_minute=3, minute_span=0.5)
    began = time.monotonic()
    for _ in range(7):
        take(a)
    # 3 at once, 3 after 0.5 s, 1 after 1.0 s: the minute is used, never exceeded
    assert 0.95 <= time.monotonic() - began < 2.0
    assert a.get("t1").calls == 7


def test_in_flight_is_shared_and_a_dead_process_lease_expires(
        redis_server: RedisServer) -> None:
    dead = registry(redis_server.url, concurrent=2, lease=0.4)
    held = [dead.get("t1").slot() for _ in range(2)]
    for cm in held:  # a process dies inside two calls: never releases them
        cm.__enter__()
    other = registry(redis_server.url, concurrent=2, sleep=refuse)
    with pytest.raises(Refuse):
        take(other)
    assert other.waits == {"concurrent": 1}
    time.sleep(0.45)
    take(other)  # the leases expired
    assert len(held) == 2


def test_five_in_flight_at_most_across_processes(redis_server: RedisServer) -> None:
    regs = [registry(redis_server.url) for _ in range(3)]
    lock = threading.Lock()
    now = [0]
    peak = [0]

    def call(i: int) -> None:
        with regs[i % 3].get("t1").slot():
            with lock:
                now[0] += 1
                peak[0] = max(peak[0], now[0])
            time.sleep(0.05)
            with lock:
                now[0] -= 1

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(call, range(36)))
    assert peak[0] == 5


def test_day_budget_is_shared(redis_server: RedisServer) -> None:
    a = registry(redis_server.url, day_limit=3)
    b = registry(redis_server.url, day_limit=3)
    assert b.get("t1").day_remaining is None
    take(a)
    take(b)
    take(a)
    assert b.get("t1").day_remaining == 0  # our own count: the day is spent
    assert a.get("t2").day_remaining is None
    a.get("t2").observe({"X-DayLimit-Remaining": "0", "X-MinLimit-Remaining": "40"})
    assert b.get("t2").day_remaining == 0  # Xero's header, seen by every process
    b.get("t2").observe({"X-DayLimit-Remaining": "4000"})
    assert a.get("t2").day_remaining == 4000


def test_app_minute_is_shared_across_tenants_of_one_app(redis_server: RedisServer) -> None:
    a = registry(redis_server.url, app_per_minute=3, sleep=refuse)
    b = registry(redis_server.url, app_per_minute=3, sleep=refuse)
    take(a, "t1")
    take(b, "t2")
    take(a, "t3")
    with pytest.raises(Refuse):
        take(b, "t4")
    assert b.waits == {"appminute": 1}
    take(registry(redis_server.url, app_id="app-2", app_per_minute=3, sleep=refuse), "t4")


def test_headers_saying_zero_hold_every_process(redis_server: RedisServer) -> None:
    a = registry(redis_server.url, sleep=refuse)
    b = registry(redis_server.url, sleep=refuse)
    a.get("t1").observe({"X-MinLimit-Remaining": "0"})  # another app spent this minute
    with pytest.raises(Refuse):
        take(b, "t1")
    take(b, "t2")
    a.get("t2").observe({"X-AppMinLimit-Remaining": "0"})
    with pytest.raises(Refuse):
        take(b, "t3")
    assert b.waits == {"minute": 1, "appminute": 1}
    assert (a.get("t1").minute_remaining, a.get("t2").app_minute_remaining) == (0, 0)


def test_zero_from_our_own_calls_holds_nobody(redis_server: RedisServer) -> None:
    a = registry(redis_server.url, per_minute=2, app_per_minute=3, sleep=refuse)
    take(a, "t1")
    take(a, "t1")
    a.get("t1").observe({"X-MinLimit-Remaining": "0"})  # our two calls spent it
    take(a, "t2")
    a.get("t2").observe({"X-AppMinLimit-Remaining": "0"})  # our three calls spent it
    assert not a.redis.exists(a.get("t1").keys["thold"], a.get("t1").keys["ahold"])


def test_redis_down_falls_back_to_the_local_limiter_with_one_warning(
        redis_server: RedisServer, caplog: pytest.LogCaptureFixture) -> None:
    reg = registry(redis_server.url, socket_timeout=1.0)
    take(reg)
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="xero_core.shared_limits"):
        for tenant in ("t1", "t1", "t2"):
            take(reg, tenant)
        reg.get("t1").observe({"X-DayLimit-Remaining": "7"})
        assert reg.get("t1").day_remaining == 7
    assert reg.fell_back
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1 and "falling back" in warnings[0], warnings
    assert PASSWORD not in warnings[0] and "***@127.0.0.1" in warnings[0]


def test_stop_mode_raises_without_the_password(redis_server: RedisServer,
                                               caplog: pytest.LogCaptureFixture) -> None:
    url = redis_server.url
    redis_server.stop()
    reg = registry(url, fallback="stop", socket_timeout=1.0)
    with caplog.at_level(logging.DEBUG), pytest.raises(LimiterUnavailableError) as err:
        take(reg)
    text = str(err.value)
    assert "limiter_fallback is 'stop'" in text and "***@127.0.0.1" in text
    assert PASSWORD not in text and PASSWORD not in repr(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert PASSWORD not in caplog.text
    with pytest.raises(LimiterUnavailableError) as err2:
        reg.get("t1").day_remaining  # noqa: B018 - the property talks to Redis
    assert PASSWORD not in str(err2.value)


def test_wrong_password_is_an_outage_not_a_leak(redis_server: RedisServer) -> None:
    url = redis_server.url.replace(PASSWORD, "wrong-" + PASSWORD)
    with pytest.raises(LimiterUnavailableError) as err:
        take(registry(url, fallback="stop"))
    assert PASSWORD not in str(err.value)
    reg = registry(url)
    take(reg)
    assert reg.fell_back


def test_redact_url() -> None:
    assert redact_url("redis://:pw@h:6379/0") == "redis://***@h:6379/0"
    assert redact_url("rediss://user:pw@h/1") == "rediss://***@h/1"
    assert redact_url("redis://h:6379/0") == "redis://h:6379/0"
    assert redact_url("redis:pw@h") == "<limiter_url>"  # no // : not parsed, not shown
    with pytest.raises(ConfigError, match="not a Redis URL") as err:
        SharedLimiterRegistry("http://:pw@h/0")
    assert "pw" not in str(err.value).replace("http", "")
    with pytest.raises(ConfigError, match="limiter_fallback"):
        SharedLimiterRegistry("redis://h/0", fallback="maybe")


def test_from_config_picks_the_limiter(redis_server: RedisServer) -> None:
    base = {"client_id": "cid", "client_secret": "s"}
    assert isinstance(XeroClient.from_config(base).limiters, LimiterRegistry)
    client = XeroClient.from_config({**base, "limiter_url": redis_server.url,
                                     "limiter_fallback": "stop", "max_calls_per_minute": 30,
                                     "max_app_calls_per_minute": 500})
    reg = client.limiters
    assert isinstance(reg, SharedLimiterRegistry)
    assert (reg.fallback, reg.per_minute, reg.app_per_minute, reg.lease) == (
        "stop", 30, 500, client.deadline + 10)


def test_two_clients_on_one_tenant_never_get_a_429(
        redis_server: RedisServer, clean_sandbox: Any) -> None:
    """Two processes' clients, four threads each, on one organisation: 8 would-be concurrent
    calls, but the shared in-flight limit keeps them at 5 (a local limiter each would not)."""
    org = clean_sandbox.orgs[0]
    clean_sandbox.fault("slow", path="/Currencies", count=None, seconds=0.2)
    clients = [XeroClient.from_config({**org["settings"], "limiter_url": redis_server.url,
                                       "limiter_fallback": "stop"}) for _ in range(2)]

    def call(i: int) -> int:
        resp = clients[i % 2].request("GET", "/api.xro/2.0/Currencies",
                                      tenant_id=org["tenant_id"])
        return resp.status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = Counter(pool.map(call, range(24)))
    logged = Counter(e["status"] for e in clean_sandbox.requests()
                     if e.get("tenant_id") == org["tenant_id"])
    assert statuses == Counter({200: 24}) and logged == Counter({200: 24}), logged


@pytest.mark.parametrize("fallback", ["stop", "local"])
def test_the_tap_with_redis_down_stops_or_falls_back_without_the_password(
        sandbox: Any, tmp_path: Path, fallback: str) -> None:
    config = {**sandbox.orgs[0]["settings"], "limiter_fallback": fallback,
              "limiter_url": f"redis://:{PASSWORD}@127.0.0.1:1/0"}  # nothing listens there
    done = tap_cli(tmp_path, config, ["currencies"])
    assert PASSWORD not in done.stderr + done.stdout
    assert "redis://***@127.0.0.1:1/0 is unreachable (ConnectionError)" in done.stderr
    if fallback == "stop":
        assert done.returncode != 0 and "limiter_fallback is 'stop'" in done.stderr
        assert '"type":"RECORD"' not in done.stdout.replace(" ", "")
    else:
        assert done.returncode == 0 and "falling back" in done.stderr, done.stderr[-2000:]
        assert '"type":"RECORD"' in done.stdout.replace(" ", "")
