"""The sandbox's request log: the calls it saw, oldest first, thread-safe and bounded.

Each entry is what the HTTP layer recorded of one API or identity call (method, path, query,
tenant, status, time, a few headers of interest; never Authorization).
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

MAX_LOG = 100_000


class RequestLog:
    """The calls the sandbox saw, oldest first; thread-safe and bounded."""

    def __init__(self, maxlen: int = MAX_LOG) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
