"""An append-only JSONL file: opened on first write, thread-safe, made durable on `sync`."""

from __future__ import annotations

import os
import threading
from typing import Any, TextIO

from xero_core import jsonutil


class JsonlFile:
    """One JSON object a line, appended; `sync` flushes and fsyncs (before a STATE goes out)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._file: TextIO | None = None
        self._lock = threading.Lock()
        self.count = 0

    def append(self, entry: dict[str, Any]) -> None:
        text = jsonutil.dumps(entry) + "\n"
        with self._lock:
            if self._file is None:
                parent = os.path.dirname(os.path.abspath(self.path))
                os.makedirs(parent, exist_ok=True)
                # backslashreplace: a line with lone surrogates (invalid UTF-16 escapes in
                # the input) is still recorded instead of crashing the run.
                self._file = open(self.path, "a", encoding="utf-8",  # noqa: SIM115
                                  errors="backslashreplace")
            self._file.write(text)
            self.count += 1

    def sync(self) -> None:
        """Make every line so far durable."""
        with self._lock:
            if self._file is not None:
                self._file.flush()
                os.fsync(self._file.fileno())

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.flush()
                os.fsync(self._file.fileno())
                self._file.close()
                self._file = None
