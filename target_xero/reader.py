"""The Singer line reader of target-xero: a line it cannot use (not JSON, not an object, an
unknown type, a message the SDK refuses) is handed to `on_bad_line`, never raised; RECORD
messages go to the target's own handler."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import IO

from singer_sdk.exceptions import InvalidJSONSchema, MappingError
from singer_sdk.io_base import SingerReader
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.singerlib.json import deserialize_json


class TolerantReader(SingerReader):
    """Reads Singer lines; a line it cannot use is handed to `on_bad_line`, not raised."""

    def __init__(self) -> None:
        super().__init__()
        self.line_number = 0
        self.on_bad_line: Callable[[str, str], None] | None = None
        # Message type -> handler, in place of the SDK's (the target's RECORD handler).
        self.handlers: dict[str, Callable[[dict], None]] = {}

    def process_lines(
        self, file_input: IO[str] | None, callbacks: dict[str, Callable[[dict], None]]
    ) -> Counter[str]:
        callbacks = {**callbacks, **self.handlers}
        stats: dict[str, int] = defaultdict(int)
        for line in file_input or self.default_input:
            self.line_number += 1
            if not line.strip():
                continue
            try:
                message = deserialize_json(line)
                if not isinstance(message, dict):
                    raise InvalidInputLine("a Singer message must be a JSON object")
                self.assert_line_requires(message, requires={"type"})
                callback = callbacks.get(message["type"])
                if callback is None:
                    raise InvalidInputLine(f"unknown message type {message['type']!r}")
                if "stream" in message and not isinstance(message["stream"], str):
                    raise InvalidInputLine("`stream` must be a string")
            except (ValueError, InvalidInputLine) as exc:
                self._bad(line, exc)
                stats["BAD"] += 1
                continue
            try:
                callback(message)
            except (InvalidInputLine, InvalidJSONSchema, MappingError) as exc:
                # A message the SDK cannot use (a SCHEMA without properties, a record without
                # `stream` ...). Errors while writing are not caught here: they stop the run.
                self._bad(line, exc)
                stats["BAD"] += 1
                continue
            stats[message["type"]] += 1
        return Counter(**stats)

    def _bad(self, line: str, exc: Exception) -> None:
        if isinstance(exc, json.JSONDecodeError):
            reason = f"line {self.line_number} is not valid JSON: {exc.msg} at column {exc.colno}"
        else:
            reason = f"line {self.line_number}: {exc}"
        if self.on_bad_line is None:
            raise InvalidInputLine(reason)
        self.on_bad_line(line, reason)
