"""What every sink of a run shares (`WriteContext`): the settings, the Xero connection and
tenant (`XeroContext`, made on first use), the rejects and results files, the tally, and the
drain order between streams. The target makes one; sinks receive it, never the target."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from target_xero.identity_cache import IdentityCache
from target_xero.references import References
from target_xero.region import RegionOf
from target_xero.rejects import RejectLog, Tally
from target_xero.results import ResultLog
from target_xero.routes import Route, route_for
from xero_core.endpoints import MAX_BATCH
from xero_core.http import XeroClient

DEFAULT_REJECTS_PATH = "target-xero-rejects.jsonl"


@dataclass
class XeroContext:
    """The client, the one tenant written to, and the cache of what it holds."""

    client: XeroClient
    tenant_id: str
    tenant_name: str
    refs: References
    cache: IdentityCache | None = None  # `identity_cache_path`: saves calls, never decides


class Drainable(Protocol):
    """A sink as the drain order sees it."""

    @property
    def route(self) -> Route: ...
    @property
    def current_size(self) -> int: ...


class WriteContext:
    """The run's shared state, handed to every sink."""

    def __init__(self, config: Mapping[str, Any], logger: logging.Logger,
                 open_connection: Callable[[], XeroContext],
                 current_line: Callable[[], int | None]) -> None:
        self.config = config
        self.logger = logger
        self.rejects = RejectLog(str(config.get("rejects_path") or DEFAULT_REJECTS_PATH))
        results_path = config.get("results_path")
        self.results = ResultLog(str(results_path)) if results_path else None
        self.tally = Tally()
        self.batch_size = max(1, min(int(config.get("batch_size") or MAX_BATCH), MAX_BATCH))
        self._stream_endpoints: Mapping[str, str] = config.get("stream_endpoints") or {}
        self._open_connection = open_connection
        self._current_line = current_line
        self._xero: XeroContext | None = None
        self._xero_lock = threading.Lock()
        self.sinks: list[Drainable] = []  # every sink made in this run, in creation order
        self.drain: Callable[[Any], None] = lambda sink: None  # the target's drain_one
        self.region = RegionOf()  # the organisation's payroll region, asked once
        # (resource stream, source key) -> the Xero id written for it in this run: children
        # name a parent (a project, a file) by its source key.
        self.written: dict[tuple[str, str], str] = {}

    # -- settings and connection ------------------------------------------------------------

    def route_for(self, stream: str) -> Route:
        return route_for(stream, self._stream_endpoints)

    @property
    def current_line(self) -> int | None:
        """The input line being read (for rejects and results)."""
        return self._current_line()

    @property
    def xero(self) -> XeroContext:
        """Client and tenant, made on first use (so --about needs no network)."""
        with self._xero_lock:
            if self._xero is None:
                self._xero = self._open_connection()
            return self._xero

    # -- outcomes ---------------------------------------------------------------------------

    def reject(self, stream: str, record: Any, action: str, reasons: list[str],
               line: int | None = None, source_key: str | None = None,
               xero_id: str | None = None) -> None:
        # Xero's messages and record values may hold newlines: one line each in the logs.
        reasons = [" ".join(str(r).split()) for r in reasons]
        self.rejects.write(stream, record, action, reasons, line)
        if self.results is not None:
            self.results.write(stream, source_key, xero_id, "rejected", "; ".join(reasons),
                               line)
        self.tally.add(stream, "rejected")
        self.logger.warning("Rejected %s record%s (%s): %s", stream,
                            f" at line {line}" if line else "", action, "; ".join(reasons))

    def sync(self) -> None:
        """The rejects (and results) written so far are on disk."""
        self.rejects.sync()
        if self.results is not None:
            self.results.sync()

    def close(self) -> None:
        self.rejects.close()
        if self._xero is not None and self._xero.cache is not None:
            self._xero.cache.close()
        if self.results is not None:
            self.results.close()

    # -- drain order ------------------------------------------------------------------------

    def register(self, sink: Drainable) -> None:
        self.sinks.append(sink)

    def in_drain_order(self) -> list[Drainable]:
        """Every sink, what others refer to first (accounts, contacts ... notes last)."""
        return sorted(self.sinks, key=lambda s: s.route.rank)

    def pending(self) -> bool:
        """Some record read is not settled yet."""
        return any(s.current_size for s in self.sinks)

    def drain_dependencies(self, sink: Drainable) -> None:
        """Before a sink writes, write what its records may refer to."""
        for other in self.in_drain_order():
            if other is not sink and other.route.rank < sink.route.rank and other.current_size:
                self.drain(other)
