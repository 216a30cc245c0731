"""What the seed generators share for one organisation: the random source, ids, dates, staging.

Everything random comes from one `random.Random` per organisation, so the same seed gives the
same data byte for byte. Records are staged per stream with their updated time and loaded into
the store in one `Collection.load()` per stream at the end.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from xero_sandbox.backend.chart import CountryProfile
from xero_sandbox.backend.store import Organisation, ms_date

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
_UUID_CLEAR = ~((0xF << 76) | (0x3 << 62))
_UUID_SET = (0x4 << 76) | (0x2 << 62)  # version 4, RFC 4122 variant

Record = dict[str, Any]


class IdSource:
    """uuid4-shaped ids drawn from a seeded rng (never uuid4: the data must repeat)."""

    def __init__(self, rng: random.Random) -> None:
        self._bits = rng.getrandbits

    def __call__(self) -> str:
        h = f"{self._bits(128) & _UUID_CLEAR | _UUID_SET:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass
class SeedContext:
    """One organisation being generated."""

    org: Organisation
    profile: CountryProfile
    rng: random.Random
    now_ms: int
    size: int
    ids: IdSource = field(init=False)
    staged: dict[str, list[tuple[Record, int]]] = field(default_factory=dict)
    # (created ms, stream, record, reversed at ms or None): documents that post to the ledger
    postings: list[tuple[int, str, Record, int | None]] = field(default_factory=list)
    refs: dict[str, Any] = field(default_factory=dict)  # shared lookups between generators
    _dates: dict[int, str] = field(default_factory=dict)
    _date_strings: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.ids = IdSource(self.rng)

    # --- time ---------------------------------------------------------------------------
    @property
    def today(self) -> int:
        """Today's day number (days since the epoch)."""
        return self.now_ms // DAY_MS

    @property
    def first_day(self) -> int:
        """The oldest document day: about two years back."""
        return self.today - 730

    def day_of(self, ms: int) -> int:
        return ms // DAY_MS

    def date(self, day: int) -> str:
        """A document date (midnight UTC of `day`) as `/Date(ms+0000)/`, cached per day."""
        s = self._dates.get(day)
        if s is None:
            s = self._dates[day] = ms_date(day * DAY_MS)
        return s

    def date_string(self, day: int) -> str:
        """The plain companion Xero writes next to dates: `2026-01-31T00:00:00`."""
        s = self._date_strings.get(day)
        if s is None:
            s = self._date_strings[day] = time.strftime(
                "%Y-%m-%dT00:00:00", time.gmtime(day * DAY_MS / 1000))
        return s

    def iso_day(self, day: int) -> str:
        return self.date_string(day)[:10]

    def at(self, day: int) -> int:
        """A moment during office hours of `day`, never after now."""
        return min(day * DAY_MS + 8 * HOUR_MS + int(self.rng.random() * 10 * HOUR_MS),
                   self.now_ms - 1)

    def settings_time(self) -> int:
        """When a settings record (account, tax rate, item ...) was last touched."""
        return self.org.created_ms + int(self.rng.random() * (self.first_day * DAY_MS
                                                                - self.org.created_ms))

    # --- staging --------------------------------------------------------------------------
    def stage(self, stream: str, record: Record, updated_ms: int) -> None:
        self.staged.setdefault(stream, []).append((record, updated_ms))

    def post(self, created_ms: int, stream: str, record: Record,
             reversed_ms: int | None = None) -> None:
        self.postings.append((created_ms, stream, record, reversed_ms))

    def pick(self, seq: list[Any] | tuple[Any, ...]) -> Any:
        return seq[int(self.rng.random() * len(seq))]
