"""Xero's rate limits: the numbers, the headers, and a per-tenant limiter.

The client uses `TenantLimiter` to never send a sixth concurrent call or a 61st call in a
rolling minute; the sandbox uses `RollingWindow` with its own clock to enforce the same limits.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Protocol

CONCURRENT_LIMIT = 5
MINUTE_LIMIT = 60
DAY_LIMIT = 5000
APP_MINUTE_LIMIT = 10_000
MINUTE = 60.0
DAY = 86_400.0

H_DAY_REMAINING = "X-DayLimit-Remaining"
H_MIN_REMAINING = "X-MinLimit-Remaining"
H_APP_MIN_REMAINING = "X-AppMinLimit-Remaining"
H_PROBLEM = "X-Rate-Limit-Problem"
H_RETRY_AFTER = "Retry-After"

PROBLEM_MINUTE = "minute"
PROBLEM_DAY = "day"
PROBLEM_CONCURRENT = "concurrent"
PROBLEM_APP_MINUTE = "appminute"
INFINITY = float("inf")


class RollingWindow:
    """Counts events in a rolling window of `span` seconds on a given clock."""

    def __init__(self, limit: int, span: float, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.span = span
        self.clock = clock
        self._times: deque[float] = deque()

    def _trim(self, now: float) -> None:
        edge = now - self.span
        while self._times and self._times[0] <= edge:
            self._times.popleft()

    def count(self) -> int:
        self._trim(self.clock())
        return len(self._times)

    def remaining(self) -> int:
        return max(0, self.limit - self.count())

    def wait_time(self) -> float:
        """Seconds until one more event fits (0 when it fits now)."""
        now = self.clock()
        self._trim(now)
        if len(self._times) < self.limit:
            return 0.0
        return max(0.0, self._times[len(self._times) - self.limit] + self.span - now)

    def add(self) -> None:
        self._times.append(self.clock())

    def try_add(self) -> bool:
        if self.wait_time() > 0:
            return False
        self.add()
        return True


class CallWindow:
    """The client's own rolling minute, counted so that Xero can never see a 61st call.

    Xero counts a call from when it arrives; the client knows when it reserved the call
    (before arrival) and when the answer came (after). A call therefore occupies the window
    from its reservation until `span` after its answer, and while it is in flight it cannot
    age out at all: whatever a call's latency, the server's count is never above ours.
    """

    def __init__(self, limit: int, span: float, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.span = span
        self.clock = clock
        self._calls: list[list[float]] = []  # one cell per call: its answer time, inf in flight

    def _trim(self, now: float) -> None:
        edge = now - self.span
        self._calls = [c for c in self._calls if c[0] > edge]

    def count(self) -> int:
        self._trim(self.clock())
        return len(self._calls)

    def wait_time(self) -> float:
        """Seconds until one more call fits (0 when it fits now)."""
        now = self.clock()
        self._trim(now)
        if len(self._calls) < self.limit:
            return 0.0
        ages = sorted(c[0] for c in self._calls)
        oldest = ages[len(ages) - self.limit]
        if oldest == INFINITY:  # every counted call is still in flight: poll
            return 0.05
        return max(0.0, oldest + self.span - now)

    def reserve(self) -> list[float]:
        cell = [INFINITY]
        self._calls.append(cell)
        return cell

    def done(self, cell: list[float]) -> None:
        cell[0] = self.clock()


class TenantLimiter:
    """Client-side limiter for one tenant: at most 5 calls in flight and 60 in any minute.

    It also learns from the `X-*-Remaining` headers, so calls made by another process with the
    same connection are respected, and it knows when the day budget is spent.
    """

    def __init__(
        self,
        concurrent: int = CONCURRENT_LIMIT,
        per_minute: int = MINUTE_LIMIT,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._slots = threading.BoundedSemaphore(concurrent)
        self._minute = CallWindow(per_minute, MINUTE, clock)
        self._lock = threading.Lock()
        self._sleep = sleep
        self.clock = clock
        self.day_remaining: int | None = None
        self.minute_remaining: int | None = None
        self.app_minute_remaining: int | None = None
        self.calls = 0
        self.waited = 0.0

    def _reserve_minute_slot(self) -> list[float]:
        while True:
            with self._lock:
                wait = self._minute.wait_time()
                if wait <= 0 and self.minute_remaining == 0:
                    # The server says the minute is spent while our own window is not: another
                    # client shares this organisation's budget. Wait a moment and ask again.
                    wait = 1.0
                    self.minute_remaining = None
                if wait <= 0:
                    self.calls += 1
                    return self._minute.reserve()
            self.waited += wait
            self._sleep(wait)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the concurrent slots and one call of the minute budget."""
        with self._slots:
            cell = self._reserve_minute_slot()
            try:
                yield
            finally:
                with self._lock:
                    self._minute.done(cell)

    def observe(self, headers: dict[str, str] | object) -> None:
        """Learn the remaining budgets from a response's headers."""
        get = getattr(headers, "get", None)
        if get is None:
            return
        for name, attr in (
            (H_DAY_REMAINING, "day_remaining"),
            (H_MIN_REMAINING, "minute_remaining"),
            (H_APP_MIN_REMAINING, "app_minute_remaining"),
        ):
            value = get(name)
            if value is not None:
                with suppress(ValueError):
                    setattr(self, attr, int(value))
        with self._lock:
            if self.minute_remaining == 0 and self._minute.count() >= self._minute.limit:
                self.minute_remaining = None  # our own calls spent it: our window knows

    def penalise(self, seconds: float) -> None:
        """After a minute-limit 429: hold every caller for `seconds`."""
        self.waited += seconds
        self._sleep(seconds)


class Limiter(Protocol):
    """What the HTTP client needs of a tenant's limiter (in-process or shared)."""

    @property
    def day_remaining(self) -> int | None: ...

    def slot(self) -> AbstractContextManager[None]: ...

    def observe(self, headers: dict[str, str] | object) -> None: ...


class Limiters(Protocol):
    """One limiter per tenant: `LimiterRegistry` here, or the Redis-backed
    `xero_core.shared_limits.SharedLimiterRegistry` (setting `limiter_url`)."""

    def get(self, tenant_id: str) -> Limiter: ...


class LimiterRegistry:
    """One limiter per tenant, shared by every stream and sink of a process."""

    def __init__(self, **kw: object) -> None:
        self._kw = kw
        self._by_tenant: dict[str, TenantLimiter] = {}
        self._lock = threading.Lock()

    def get(self, tenant_id: str) -> TenantLimiter:
        with self._lock:
            lim = self._by_tenant.get(tenant_id)
            if lim is None:
                lim = self._by_tenant[tenant_id] = TenantLimiter(**self._kw)  # type: ignore[arg-type]
            return lim
