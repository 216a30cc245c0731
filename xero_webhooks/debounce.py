"""Per-tenant debouncing: a burst of events becomes one run, and runs of a tenant never overlap.

A burst starts with a tenant's first event and ends `delay` seconds after its last one (at most
`max_wait` after its first, so a steady trickle of events still syncs). Events that arrive while
that tenant's run is going start the next burst, which runs after the current one finishes.

A run that fails (the action raises) is not forgotten: its streams go back into the tenant's
next burst, due after a back-off (`retry_delay`, doubling per failure in a row, at most
`retry_max`), so an event Xero will not send again still ends in a successful sync.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

Action = Callable[[str, frozenset[str]], None]


@dataclass
class _Burst:
    first: float
    last: float
    streams: set[str] = field(default_factory=set)
    not_before: float = 0.0  # a retry waits out its back-off


class Debouncer:
    """Collects (tenant, streams) events and calls `action(tenant, streams)` once per burst."""

    def __init__(self, action: Action, *, delay: float = 30.0, max_wait: float | None = None,
                 retry_delay: float = 60.0, retry_max: float = 1800.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if delay < 0:
            raise ValueError("delay must be 0 or more seconds")
        self.action = action
        self.delay = delay
        self.max_wait = max_wait if max_wait is not None else max(delay * 4, delay)
        self.retry_delay = retry_delay
        self.retry_max = retry_max
        self.clock = clock
        self._failures: dict[str, int] = {}  # failed runs in a row, per tenant
        self._bursts: dict[str, _Burst] = {}
        self._running: set[str] = set()
        self._cond = threading.Condition()
        self._closed = False
        self.runs = 0
        self._scheduler = threading.Thread(target=self._loop, name="debouncer", daemon=True)
        self._scheduler.start()

    def add(self, tenant_id: str, streams: set[str] | frozenset[str]) -> None:
        """One event (or payload) for a tenant: start or extend its burst."""
        now = self.clock()
        with self._cond:
            burst = self._bursts.get(tenant_id)
            if burst is None:
                burst = self._bursts[tenant_id] = _Burst(first=now, last=now)
            burst.last = now
            burst.streams.update(streams)
            self._cond.notify_all()

    def pending(self) -> dict[str, set[str]]:
        with self._cond:
            return {t: set(b.streams) for t, b in self._bursts.items()}

    def status(self) -> dict[str, object]:
        """Bursts waiting, tenants running and failing (by tenant id), runs started; /healthz
        shows only their counts."""
        with self._cond:
            return {"pending": sorted(self._bursts), "running": sorted(self._running),
                    "runs": self.runs, "failing": dict(sorted(self._failures.items()))}

    def idle(self) -> bool:
        """No burst waiting and no run going."""
        with self._cond:
            return not self._bursts and not self._running

    def close(self, timeout: float | None = None) -> None:
        """Stop scheduling; bursts not yet due are dropped, runs going are waited for."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            end = None if timeout is None else time.monotonic() + timeout
            while self._running:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._cond.wait(left)
        self._scheduler.join(timeout)

    # -- the scheduler -------------------------------------------------------------------------

    def _due(self, burst: _Burst) -> float:
        return max(burst.not_before, min(burst.last + self.delay, burst.first + self.max_wait))

    def _loop(self) -> None:
        with self._cond:
            while not self._closed:
                now = self.clock()
                waiting = {t: b for t, b in self._bursts.items() if t not in self._running}
                ready = [t for t, b in waiting.items() if self._due(b) <= now]
                for tenant in ready:
                    burst = self._bursts.pop(tenant)
                    self._running.add(tenant)
                    self.runs += 1
                    threading.Thread(target=self._run, args=(tenant, frozenset(burst.streams)),
                                     name=f"sync-{tenant}", daemon=True).start()
                if ready:
                    continue
                next_due = min((self._due(b) for b in waiting.values()), default=None)
                self._cond.wait(None if next_due is None else max(next_due - now, 0.01))

    def _run(self, tenant_id: str, streams: frozenset[str]) -> None:
        failed = False
        try:
            self.action(tenant_id, streams)
        except Exception as exc:  # a failed run must not stop later ones
            log.error("the run for tenant %s failed: %s", tenant_id, exc)
            failed = True
        finally:
            with self._cond:
                self._running.discard(tenant_id)
                if failed:
                    self._requeue(tenant_id, streams)
                else:
                    self._failures.pop(tenant_id, None)
                self._cond.notify_all()

    def _requeue(self, tenant_id: str, streams: frozenset[str]) -> None:
        """Put a failed run's streams back, due after the back-off (caller holds the lock)."""
        failures = self._failures[tenant_id] = self._failures.get(tenant_id, 0) + 1
        wait = min(self.retry_delay * 2 ** (failures - 1), self.retry_max)
        now = self.clock()
        burst = self._bursts.get(tenant_id)
        if burst is None:
            burst = self._bursts[tenant_id] = _Burst(first=now, last=now)
        burst.streams.update(streams)
        burst.not_before = max(burst.not_before, now + wait)
        log.warning("tenant %s: retrying its sync in %.0fs (failure %d in a row)", tenant_id,
                    wait, failures)
