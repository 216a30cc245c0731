"""Faults on demand: make the sandbox answer a chosen failure on chosen calls.

A rule names a kind (429-minute, 500, 503-offline, reset, slow, ...), which calls it matches (a
path regex, a tenant, by default every API call) and when it fires: from the `nth` matching call
on, `count` times (None: forever). Rules are checked in the order they were added.

The answer kinds let the call go through (the write is done) and spoil only what comes back:
`reorder` returns the answer's elements in reverse order, `no_ids` drops each element's
primary key id. A `slow` API call waits its `seconds` holding its concurrency slot, or less:
clearing the rules ends every wait.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from xero_core.limits import (
    PROBLEM_APP_MINUTE,
    PROBLEM_CONCURRENT,
    PROBLEM_DAY,
    PROBLEM_MINUTE,
)

RATE_LIMIT_KINDS = {
    "429-minute": PROBLEM_MINUTE,
    "429-day": PROBLEM_DAY,
    "429-concurrent": PROBLEM_CONCURRENT,
    "429-appminute": PROBLEM_APP_MINUTE,
}
ANSWER_KINDS = frozenset({"reorder", "no_ids"})
KINDS = frozenset({*RATE_LIMIT_KINDS, *ANSWER_KINDS, "500", "502", "503-offline", "504", "reset",
                   "slow", "401-expired", "403-scope"})
API_PREFIXES = ("/api.xro/", "/assets.xro/", "/projects.xro/")


class FaultError(ValueError):
    """A fault rule that cannot work (unknown kind, bad regex, bad numbers)."""


@dataclass
class FaultRule:
    kind: str
    path: str | None = None  # regex searched in the request path; None: every API call
    nth: int | None = None  # fire from the nth matching call on (1-based); None: from the first
    count: int | None = 1  # how many times to fire; None: forever
    tenant_id: str | None = None
    method: str | None = None
    retry_after: int = 1  # 429 kinds
    seconds: float = 5.0  # slow
    seen: int = 0
    fired: int = 0
    _regex: re.Pattern[str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultError(f"unknown fault kind {self.kind!r}; known: {', '.join(sorted(KINDS))}")
        if self.nth is not None and self.nth < 1:
            raise FaultError("nth must be 1 or more")
        if self.count is not None and self.count < 1:
            self.count = None
        try:
            self._regex = re.compile(self.path) if self.path else None
        except re.error as exc:
            raise FaultError(f"bad path regex {self.path!r}: {exc}") from None

    def matches(self, method: str, path: str, tenant_id: str | None) -> bool:
        if self._regex is None:
            if not path.startswith(API_PREFIXES):
                return False
        elif not self._regex.search(path):
            return False
        if self.tenant_id and (tenant_id or "").lower() != self.tenant_id.lower():
            return False
        return not (self.method and self.method.upper() != method.upper())

    @property
    def spent(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "nth": self.nth, "count": self.count,
                "tenant_id": self.tenant_id, "method": self.method,
                "retry_after": self.retry_after, "seconds": self.seconds, "seen": self.seen,
                "fired": self.fired}


class FaultBook:
    """The active fault rules; thread-safe."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._released = threading.Event()  # set by clear(): slow calls end their wait

    def wait_slow(self, rule: FaultRule) -> None:
        """A `slow` call's wait: its seconds, or until the rules are cleared."""
        with self._lock:
            released = self._released
        released.wait(rule.seconds)

    def add(self, spec: dict[str, Any]) -> FaultRule:
        allowed = {"kind", "path", "nth", "count", "tenant_id", "method", "retry_after", "seconds"}
        unknown = set(spec) - allowed
        if unknown:
            raise FaultError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        try:
            rule = FaultRule(**spec)
        except TypeError as exc:
            raise FaultError(str(exc)) from None
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._released.set()
            self._released = threading.Event()

    def rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.as_dict() for r in self._rules]

    def pick(self, method: str, path: str, tenant_id: str | None) -> FaultRule | None:
        """The rule that fires for this call, if any (counts the call for every matching rule)."""
        chosen: FaultRule | None = None
        with self._lock:
            for rule in self._rules:
                if rule.spent or not rule.matches(method, path, tenant_id):
                    continue
                rule.seen += 1
                if chosen is None and (rule.nth is None or rule.seen >= rule.nth):
                    rule.fired += 1
                    chosen = rule
        return chosen
