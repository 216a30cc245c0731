"""The results file (`results_path`): one JSONL line per record the target settled.

Each line says which source record (stream and source key) became which Xero record (id), what
was done (created, updated, unchanged, archived, voided, deleted, reversed, noted, attached,
emailed, rejected), why when there is a reason, and when, so a pipeline can load Xero's ids
back into the warehouse. Lines are made durable before each STATE the target emits.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from target_xero.jsonl_file import JsonlFile

# The results file's word for each action (a skip is "unchanged": Xero already holds it).
RESULT_WORDS = {"skipped": "unchanged"}


class ResultLog(JsonlFile):
    """Append-only JSONL of every settled record."""

    def write(self, stream: str, source_key: str | None, xero_id: Any, action: str,
              reason: str | None = None, line: int | None = None,
              extra: dict[str, Any] | None = None) -> None:
        entry: dict[str, Any] = {
            "stream": stream,
            "source_key": source_key,
            "xero_id": str(xero_id) if xero_id not in (None, "") else None,
            "action": RESULT_WORDS.get(action, action),
            "reason": reason,
            "time": datetime.now(timezone.utc).isoformat(),
        }
        if line is not None:
            entry["line"] = line
        entry.update(extra or {})  # a raw request's status and answer
        self.append(entry)
