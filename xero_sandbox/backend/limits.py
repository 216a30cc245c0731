"""Server-side rate limits as Xero enforces them, on the sandbox clock.

Per tenant: 5 calls in flight, 60 per rolling minute, 5,000 per rolling day; per app: 10,000 per
rolling minute (lowered with `set_app_minute_limit`, so a test can reach it). A call that is
refused does not count. Every admitted call gets the
`X-*-Remaining` headers; a refused one gets 429 with `Retry-After` and `X-Rate-Limit-Problem`.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from xero_core.limits import (
    APP_MINUTE_LIMIT,
    CONCURRENT_LIMIT,
    DAY,
    DAY_LIMIT,
    H_APP_MIN_REMAINING,
    H_DAY_REMAINING,
    H_MIN_REMAINING,
    H_PROBLEM,
    H_RETRY_AFTER,
    MINUTE,
    MINUTE_LIMIT,
    PROBLEM_APP_MINUTE,
    PROBLEM_CONCURRENT,
    PROBLEM_DAY,
    PROBLEM_MINUTE,
    RollingWindow,
)


@dataclass
class Admission:
    """The limiter's answer for one call: admitted (with headers) or refused (with a problem)."""

    admitted: bool
    headers: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    retry_after: int = 0


def rate_limit_headers(problem: str, retry_after: int) -> dict[str, str]:
    return {H_RETRY_AFTER: str(max(0, int(retry_after))), H_PROBLEM: problem}


class _TenantBudget:
    def __init__(self, clock: Callable[[], float]):
        self.minute = RollingWindow(MINUTE_LIMIT, MINUTE, clock)
        self.day = RollingWindow(DAY_LIMIT, DAY, clock)
        self.in_flight = 0


class ServerLimits:
    """Counts calls per tenant and per app; `admit` before a call, `release` after it."""

    def __init__(self, clock: Callable[[], float], enabled: bool = True):
        self.clock = clock
        self.enabled = enabled
        self._lock = threading.Lock()
        self._tenants: dict[str, _TenantBudget] = {}
        self._apps: dict[str, RollingWindow] = {}
        self.app_minute_limit = APP_MINUTE_LIMIT

    def reset(self) -> None:
        with self._lock:
            self._tenants.clear()
            self._apps.clear()
            self.app_minute_limit = APP_MINUTE_LIMIT

    def set_app_minute_limit(self, limit: int | None) -> int:
        """Admin knob: every app's calls a rolling minute (None: Xero's 10,000 again)."""
        with self._lock:
            self.app_minute_limit = APP_MINUTE_LIMIT if limit is None else max(1, int(limit))
            for window in self._apps.values():
                window.limit = self.app_minute_limit
            return self.app_minute_limit

    def _tenant(self, tenant_id: str) -> _TenantBudget:
        budget = self._tenants.get(tenant_id)
        if budget is None:
            budget = self._tenants[tenant_id] = _TenantBudget(self.clock)
        return budget

    def _app(self, app_id: str) -> RollingWindow:
        window = self._apps.get(app_id)
        if window is None:
            window = self._apps[app_id] = RollingWindow(self.app_minute_limit, MINUTE,
                                                        self.clock)
        return window

    def admit(self, tenant_id: str, app_id: str) -> Admission:
        """Take one call of every budget, or say which budget is spent and for how long."""
        if not self.enabled:
            return Admission(True)
        with self._lock:
            budget = self._tenant(tenant_id)
            app = self._app(app_id)
            if budget.in_flight >= CONCURRENT_LIMIT:
                return Admission(False, problem=PROBLEM_CONCURRENT, retry_after=1)
            for window, problem in ((budget.day, PROBLEM_DAY), (budget.minute, PROBLEM_MINUTE),
                                    (app, PROBLEM_APP_MINUTE)):
                wait = window.wait_time()
                if wait > 0:
                    return Admission(False, problem=problem, retry_after=max(1, math.ceil(wait)))
            budget.day.add()
            budget.minute.add()
            app.add()
            budget.in_flight += 1
            headers = {
                H_DAY_REMAINING: str(budget.day.remaining()),
                H_MIN_REMAINING: str(budget.minute.remaining()),
                H_APP_MIN_REMAINING: str(app.remaining()),
            }
            return Admission(True, headers=headers)

    def release(self, tenant_id: str) -> None:
        with self._lock:
            budget = self._tenants.get(tenant_id)
            if budget is not None and budget.in_flight > 0:
                budget.in_flight -= 1

    def refused_headers(self, admission: Admission) -> dict[str, str]:
        return rate_limit_headers(admission.problem or PROBLEM_MINUTE, admission.retry_after)

    def use_app(self, app_id: str, minute: int) -> None:
        """Admin knob: mark `minute` calls of an app's per-minute budget as used now."""
        with self._lock:
            self._apps[app_id] = self._filled(self.app_minute_limit, MINUTE, minute)

    def use(self, tenant_id: str, *, day: int | None = None, minute: int | None = None) -> None:
        """Admin knob: mark `day` / `minute` calls of a tenant's budgets as used now."""
        with self._lock:
            budget = self._tenant(tenant_id)
            if day is not None:
                budget.day = self._filled(DAY_LIMIT, DAY, day)
            if minute is not None:
                budget.minute = self._filled(MINUTE_LIMIT, MINUTE, minute)

    def _filled(self, limit: int, span: float, used: int) -> RollingWindow:
        window = RollingWindow(limit, span, self.clock)
        for _ in range(min(max(used, 0), limit)):
            window.add()
        return window

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {
                tid: {"day_remaining": b.day.remaining(), "minute_remaining": b.minute.remaining(),
                      "in_flight": b.in_flight}
                for tid, b in self._tenants.items()
            }
