"""A rate limiter shared by every process of an app through Redis (setting `limiter_url`).

The in-process `xero_core.limits.TenantLimiter` believes it owns each organisation's whole
budget; a tap and a target on the same tenant, or two orchestrated runs, then spend it twice.
Here the budgets live in Redis, each changed by one Lua script (atomic), on Redis's clock:

- `<prefix>:t:<tenant>:min`, `:day`, and `<prefix>:a:<app>:min`: sorted sets, one member a
  call. A call is reserved with the score `now + lease` (in flight: it cannot age out while it
  runs) and re-scored to its answer time when done; it leaves the window `span` after its
  score. Like the local `CallWindow`, Xero's count can never be above ours.
- `<prefix>:t:<tenant>:fly`: the in-flight leases (score = expiry): a process that dies
  mid-call frees its slot when the lease expires, and its minute entries age out after it.
- `X-MinLimit-Remaining: 0` / `X-AppMinLimit-Remaining: 0` (another app, or a process not
  using this limiter, spends the budget) hold every process for a second, unless our own calls
  fill that window (it knows when it frees); the last
  `X-DayLimit-Remaining` is kept for a day, so every process stops at a spent day budget.

Redis unreachable: `limiter_fallback` `local` (default) falls back, with one warning, to the
in-process limiter; `stop` raises `LimiterUnavailableError`. The URL's password never reaches a
message (`redact_url`).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from xero_core.errors import ConfigError, XeroError
from xero_core.limits import (
    APP_MINUTE_LIMIT,
    CONCURRENT_LIMIT,
    DAY,
    DAY_LIMIT,
    H_APP_MIN_REMAINING,
    H_DAY_REMAINING,
    H_MIN_REMAINING,
    MINUTE,
    MINUTE_LIMIT,
    TenantLimiter,
)

log = logging.getLogger(__name__)

FALLBACK_LOCAL = "local"
FALLBACK_STOP = "stop"
FALLBACKS = (FALLBACK_LOCAL, FALLBACK_STOP)
DEFAULT_PREFIX = "xero-limits"
MAX_POLL = 0.5  # never sleep longer than this between two looks at the shared state

# KEYS: fly, tmin, day, amin, thold, ahold
# ARGV: id, lease, concurrent, per_minute, day_limit, app_limit, minute_span, day_span
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local id, lease = ARGV[1], tonumber(ARGV[2])
local conc, perm, dayl, appl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]),
  tonumber(ARGV[6])
local mspan, dspan = tonumber(ARGV[7]), tonumber(ARGV[8])
local function hold(key, problem)
  local ms = redis.call('PTTL', key)
  if ms > 0 then return {ms, problem} end
  return nil
end
local h = hold(KEYS[5], 'minute') or hold(KEYS[6], 'appminute')
if h then return h end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= conc then return {50, 'concurrent'} end
local function wait_ms(key, limit, span)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - span)
  local n = redis.call('ZCARD', key)
  if n < limit then return 0 end
  local s = redis.call('ZRANGE', key, n - limit, n - limit, 'WITHSCORES')
  return math.max(1, math.ceil((tonumber(s[2]) + span - now) * 1000))
end
for _, w in ipairs({{KEYS[3], dayl, dspan, 'day'}, {KEYS[2], perm, mspan, 'minute'},
                    {KEYS[4], appl, mspan, 'appminute'}}) do
  local ms = wait_ms(w[1], w[2], w[3])
  if ms > 0 then return {ms, w[4]} end
end
local until_ = now + lease
redis.call('ZADD', KEYS[1], until_, id)
redis.call('ZADD', KEYS[2], until_, id)
redis.call('ZADD', KEYS[3], now, id)
redis.call('ZADD', KEYS[4], until_, id)
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], math.ceil((lease + dspan) * 1000)) end
return {0, 'ok'}
"""

# KEYS: fly, tmin, amin; ARGV: id
_RELEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[2], 'XX', now, ARGV[1])
redis.call('ZADD', KEYS[3], 'XX', now, ARGV[1])
return 1
"""


class LimiterUnavailableError(XeroError):
    """The shared limiter's Redis cannot be reached and `limiter_fallback` is `stop`."""


def redact_url(url: str) -> str:
    """The URL with any password (and user name) replaced, for logs and errors."""
    try:
        parts = urlsplit(url)
        if parts.password is None and parts.username is None:
            return url if "@" not in url else "<limiter_url>"
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, f"***@{host}", parts.path, "", ""))
    except ValueError:
        return "<limiter_url>"


def _short(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


class SharedTenantLimiter:
    """One tenant's budgets in Redis; the same interface as `TenantLimiter`."""

    def __init__(self, registry: SharedLimiterRegistry, tenant_id: str) -> None:
        self.registry = registry
        self.tenant_id = tenant_id
        p, t = registry.prefix, _short(tenant_id)
        a = registry.app_key
        self.keys = {"fly": f"{p}:t:{t}:fly", "tmin": f"{p}:t:{t}:min",
                     "day": f"{p}:t:{t}:day", "amin": f"{p}:a:{a}:min",
                     "thold": f"{p}:t:{t}:hold", "ahold": f"{p}:a:{a}:hold",
                     "dayrem": f"{p}:t:{t}:dayrem"}
        self.calls = 0
        self.waited = 0.0
        self.minute_remaining: int | None = None
        self.app_minute_remaining: int | None = None
        self._day_remaining: int | None = None

    # -- the limiter interface -------------------------------------------------------------
    @property
    def day_remaining(self) -> int | None:
        """Xero's last `X-DayLimit-Remaining` seen by any process (0 also when our own day
        window is full)."""
        local = self.registry.local_for(self.tenant_id)
        if local is not None:
            return local.day_remaining
        try:
            pipe = self.registry.redis.pipeline(transaction=False)
            pipe.get(self.keys["dayrem"])
            pipe.zcard(self.keys["day"])
            value, used = pipe.execute()
        except self.registry.errors as exc:
            return self.registry.failed(exc, self.tenant_id).day_remaining
        if used >= self.registry.day_limit:
            return 0
        if value is None:
            return self._day_remaining
        return int(value)

    @day_remaining.setter
    def day_remaining(self, value: int | None) -> None:
        self._day_remaining = value

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold a lease on one of 5 concurrent calls and one call of every window."""
        local = self.registry.local_for(self.tenant_id)
        if local is not None:
            with local.slot():
                yield
            return
        call_id = uuid.uuid4().hex
        try:
            self._acquire(call_id)
        except self.registry.errors as exc:
            with self.registry.failed(exc, self.tenant_id).slot():
                yield
            return
        try:
            yield
        finally:
            with suppress(*self.registry.errors):  # a lost release ages out with its lease
                self.registry.release(
                    keys=[self.keys["fly"], self.keys["tmin"], self.keys["amin"]],
                    args=[call_id])

    def _acquire(self, call_id: str) -> None:
        reg = self.registry
        k = self.keys
        while True:
            wait_ms, problem = reg.acquire(
                keys=[k["fly"], k["tmin"], k["day"], k["amin"], k["thold"], k["ahold"]],
                args=[call_id, reg.lease, reg.concurrent, reg.per_minute, reg.day_limit,
                      reg.app_per_minute, reg.minute_span, reg.day_span])
            if int(wait_ms) == 0:
                self.calls += 1
                return
            wait = min(int(wait_ms) / 1000, MAX_POLL)
            reg.waits[_text(problem)] = reg.waits.get(_text(problem), 0) + 1
            self.waited += wait
            reg.sleep(wait)

    def observe(self, headers: dict[str, str] | object) -> None:
        """Put Xero's `X-*-Remaining` headers into the shared state."""
        local = self.registry.local_for(self.tenant_id)
        if local is not None:
            local.observe(headers)
            return
        get = getattr(headers, "get", None)
        if get is None:
            return
        values: dict[str, int] = {}
        for name in (H_DAY_REMAINING, H_MIN_REMAINING, H_APP_MIN_REMAINING):
            raw = get(name)
            if raw is not None:
                with suppress(ValueError):
                    values[name] = int(raw)
        self.minute_remaining = values.get(H_MIN_REMAINING, self.minute_remaining)
        self.app_minute_remaining = values.get(H_APP_MIN_REMAINING, self.app_minute_remaining)
        try:
            pipe = self.registry.redis.pipeline()
            if H_DAY_REMAINING in values:
                pipe.set(self.keys["dayrem"], values[H_DAY_REMAINING],
                         ex=max(1, int(self.registry.day_span)))
            if values.get(H_MIN_REMAINING) == 0 and not self._own_minute_full():
                pipe.set(self.keys["thold"], 1, px=1000, nx=True)
            if values.get(H_APP_MIN_REMAINING) == 0 and not self._own_app_full():
                pipe.set(self.keys["ahold"], 1, px=1000, nx=True)
            pipe.execute()
        except self.registry.errors as exc:
            self.registry.failed(exc, self.tenant_id).observe(headers)

    def _own_minute_full(self) -> bool:
        """Our calls spent the minute (the window knows when it frees): no hold needed."""
        count = self.registry.redis.zcard(self.keys["tmin"])
        return int(count) >= self.registry.per_minute

    def _own_app_full(self) -> bool:
        count = self.registry.redis.zcard(self.keys["amin"])
        return int(count) >= self.registry.app_per_minute

    def penalise(self, seconds: float) -> None:
        """After a minute-limit 429: hold every process for `seconds`."""
        with suppress(*self.registry.errors):
            self.registry.redis.set(self.keys["thold"], 1, px=max(1, int(seconds * 1000)))
        self.waited += seconds
        self.registry.sleep(seconds)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class SharedLimiterRegistry:
    """One `SharedTenantLimiter` per tenant over one Redis connection pool.

    `app_id` names the app (its client id; only a hash of it is stored) for the per-app
    minute. The spans can be shortened for tests; Xero's are a minute and a day.
    """

    def __init__(
        self,
        url: str,
        *,
        app_id: str = "",
        fallback: str = FALLBACK_LOCAL,
        per_minute: int = MINUTE_LIMIT,
        concurrent: int = CONCURRENT_LIMIT,
        day_limit: int = DAY_LIMIT,
        app_per_minute: int = APP_MINUTE_LIMIT,
        lease: float = 120.0,
        minute_span: float = MINUTE,
        day_span: float = DAY,
        prefix: str = DEFAULT_PREFIX,
        sleep: Callable[[float], None] = time.sleep,
        socket_timeout: float = 5.0,
    ) -> None:
        if fallback not in FALLBACKS:
            raise ConfigError(f"limiter_fallback must be one of {', '.join(FALLBACKS)}")
        import redis  # the optional dependency, only when the shared limiter is asked for

        self.url = url
        self.safe_url = redact_url(url)
        self.fallback = fallback
        self.per_minute, self.concurrent = per_minute, concurrent
        self.day_limit, self.app_per_minute = day_limit, app_per_minute
        self.lease, self.minute_span, self.day_span = lease, minute_span, day_span
        self.prefix = prefix
        self.app_key = _short(app_id or "app")
        self.sleep = sleep
        self.waits: dict[str, int] = {}
        self.errors: tuple[type[BaseException], ...] = (redis.RedisError, OSError)
        try:
            self.redis = redis.Redis.from_url(url, socket_timeout=socket_timeout,
                                              socket_connect_timeout=socket_timeout)
        except ValueError:
            raise ConfigError(
                "limiter_url is not a Redis URL (redis://, rediss:// or "
                "unix://)") from None
        self.acquire = self.redis.register_script(_ACQUIRE)
        self.release = self.redis.register_script(_RELEASE)
        self._lock = threading.Lock()
        self._by_tenant: dict[str, SharedTenantLimiter] = {}
        self._local: dict[str, TenantLimiter] | None = None
        self._local_kw: dict[str, Any] = {"per_minute": per_minute, "concurrent": concurrent,
                                          "sleep": sleep}

    def get(self, tenant_id: str) -> SharedTenantLimiter:
        with self._lock:
            lim = self._by_tenant.get(tenant_id)
            if lim is None:
                lim = self._by_tenant[tenant_id] = SharedTenantLimiter(self, tenant_id)
            return lim

    @property
    def fell_back(self) -> bool:
        return self._local is not None

    def local_for(self, tenant_id: str) -> TenantLimiter | None:
        """The in-process limiter for a tenant once Redis failed (None while it works)."""
        if self._local is None:
            return None
        with self._lock:
            lim = self._local.get(tenant_id)
            if lim is None:
                lim = self._local[tenant_id] = TenantLimiter(**self._local_kw)
            return lim

    def failed(self, exc: BaseException, tenant_id: str) -> TenantLimiter:
        """Redis failed: stop (`LimiterUnavailableError`) or fall back to local limiters."""
        reason = type(exc).__name__  # never str(exc): it could quote the URL
        if self.fallback == FALLBACK_STOP:
            raise LimiterUnavailableError(
                f"the shared rate limiter at {self.safe_url} is unreachable ({reason}) and "
                f"limiter_fallback is 'stop': not sending calls Xero could refuse. Start "
                f"Redis, or set limiter_fallback to 'local'") from None
        with self._lock:
            if self._local is None:
                self._local = {}
                log.warning("the shared rate limiter at %s is unreachable (%s): falling back "
                            "to this process's own limiter; other processes on the same "
                            "organisations may get 429s", self.safe_url, reason)
        local = self.local_for(tenant_id)
        assert local is not None
        return local

