"""Where records that cannot be written go: a JSONL rejects file, plus the run's tallies.

Every record the target reads ends either confirmed by Xero (counted under its action) or in
the rejects file with the reasons (Xero's validation messages, or the target's own check).
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timezone
from typing import Any

from target_xero.jsonl_file import JsonlFile

MAX_FIELD_CHARS = 2000  # long values (base64 attachment content) are shortened in the file


def _shorten(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_FIELD_CHARS:
        return f"{value[:200]}... ({len(value)} characters)"
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


class RejectLog(JsonlFile):
    """Append-only JSONL of rejected records, thread-safe, flushed before each STATE."""

    def write(
        self, stream: str, record: Any, action: str, reasons: list[str],
        line: int | None = None,
    ) -> None:
        entry: dict[str, Any] = {
            "stream": stream,
            "record": _jsonable(_shorten(record)),
            "action": action,
            "reasons": [str(r) for r in reasons] or ["unknown reason"],
            "time": datetime.now(timezone.utc).isoformat(),
        }
        if line is not None:
            entry["line"] = line
        self.append(entry)


class Tally:
    """Counts per (stream, action): created, updated, archived, ..., rejected."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    def add(self, stream: str, action: str, n: int = 1) -> None:
        with self._lock:
            self._counts[(stream, action)] += n

    def get(self, stream: str, action: str) -> int:
        return self._counts.get((stream, action), 0)

    def as_dict(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (stream, action), n in sorted(self._counts.items()):
            out.setdefault(stream, {})[action] = n
        return out

    @property
    def rejected(self) -> int:
        return sum(n for (_, action), n in self._counts.items() if action == "rejected")

    def render(self) -> str:
        """The end-of-run summary, one line per stream."""
        data = self.as_dict()
        if not data:
            return "target-xero summary: no records"
        lines = ["target-xero summary:"]
        for stream, actions in data.items():
            parts = ", ".join(f"{a} {n}" for a, n in actions.items())
            lines.append(f"  {stream}: {parts}")
        return "\n".join(lines)
