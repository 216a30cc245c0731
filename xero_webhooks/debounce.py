"""Per-tenant debouncing: a burst of events becomes one run, and runs of a tenant never overlap.

A burst starts with a tenant's first event and ends `delay` seconds after its last one (at most
`max_wait` after its first, so a steady trickle of events still syncs). Events that arrive while
that tenant's run is going start the next burst, which runs after the current one finishes.
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


class Debouncer:
    """Collects (tenant, streams) events and calls `action(tenant, streams)` once per burst."""

    def __init__(self, action: Action, *, delay: float = 30.0, max_wait: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if delay < 0:
            raise ValueError("delay must be 0 or more seconds")
        self.action = action
        self.delay = delay
        self.max_wait = max_wait if max_wait is not None else max(delay * 4, delay)
        self.clock = clock
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
        """Counters for /healthz: bursts waiting, tenants running, runs started."""
        with self._cond:
            return {"pending": sorted(self._bursts), "running": sorted(self._running),
                    "runs": self.runs}

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
        return min(burst.last + self.delay, burst.first + self.max_wait)

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
        try:
            self.action(tenant_id, streams)
        except Exception:  # a failed run must not stop later ones
            log.exception("the run for tenant %s failed", tenant_id)
        finally:
            with self._cond:
                self._running.discard(tenant_id)
                self._cond.notify_all()
