"""Xero date formats: `/Date(ms+hhmm)/` and plain ISO strings, to and from ISO 8601 UTC."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from typing import Any

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
UTC = timezone.utc


def parse_ms_date(value: str) -> datetime | None:
    """`/Date(1573755038314+0000)/` -> aware UTC datetime; None when not that format (or out of
    datetime's range: a hostile or broken value never raises here).

    The milliseconds are UTC already; the offset only says which zone the value was
    entered in, so it does not move the instant.
    """
    m = _MS_DATE.match(value)
    if not m:
        return None
    try:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(m.group(1)))
    except (OverflowError, ValueError):  # past year 9999: not a date anyone can use
        return None


def parse_datetime(value: str | datetime) -> datetime:
    """Any date Xero or a user writes -> aware UTC datetime (naive values are UTC)."""
    if isinstance(value, datetime):
        dt = value
    else:
        ms = parse_ms_date(value)
        if ms is not None:
            return ms
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def to_iso(dt: datetime) -> str:
    """Aware or naive (UTC) datetime -> `2026-01-31T00:00:00.123000+00:00` style ISO 8601."""
    return parse_datetime(dt).isoformat()


_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?)?"
                  r"(Z|[+-]\d{2}:?\d{2})?$")


@lru_cache(maxsize=8192)  # a listing repeats its dates (Date, DueDate, ...) many times
def iso_utc(value: str) -> str | None:
    """A date Xero writes without a zone (`2026-01-31T00:00:00`, 7 fraction digits, a bare
    date) -> ISO 8601 UTC with offset, as a `date-time` schema wants; "" -> None."""
    text = value.strip()
    if not text:
        return None
    m = _ISO.match(text)
    if not m:
        return value  # not a date after all: leave it for the target to judge
    day, clock, fraction, zone = m.groups()
    clock = clock or "00:00:00"
    if clock.count(":") == 1:
        clock += ":00"
    fraction = f".{fraction[:6]}" if fraction else ""
    zone = "+00:00" if zone in (None, "Z") else zone
    return to_iso(parse_datetime(f"{day}T{clock}{fraction}{zone}"))


def to_ms_date(dt: datetime | str) -> str:
    """datetime -> `/Date(ms+0000)/`, as Xero writes it."""
    d = parse_datetime(dt)
    ms = int((d - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(milliseconds=1))
    return f"/Date({ms}+0000)/"


def to_http_date(dt: datetime | str) -> str:
    """datetime -> RFC 7231 date for If-Modified-Since."""
    return format_datetime(parse_datetime(dt).replace(microsecond=0), usegmt=True)


def parse_modified_since(value: str) -> datetime:
    """An If-Modified-Since header -> aware UTC datetime (RFC 7231 or ISO, as Xero takes both)."""
    try:
        return parse_datetime(value)
    except ValueError:
        return parsedate_to_datetime(value).astimezone(UTC)


def _iso_or_same(value: str) -> str:
    if value.startswith("/Date("):
        d = parse_ms_date(value)
        if d is not None:
            return d.isoformat()
    return value


def convert_dates(obj: Any) -> Any:
    """Replace every `/Date(...)/` string in a JSON value by ISO 8601 UTC, in place where it can."""
    if isinstance(obj, str):
        return _iso_or_same(obj)
    pairs: Iterable[tuple[Any, Any]]
    if isinstance(obj, dict):
        pairs = obj.items()
    elif isinstance(obj, list):
        pairs = enumerate(obj)
    else:
        return obj
    for key, value in pairs:  # replacing values in place never resizes the container
        if isinstance(value, str):
            if value.startswith("/Date("):
                obj[key] = _iso_or_same(value)
        elif isinstance(value, (dict, list)):
            convert_dates(value)
    return obj


def ms_dates_to_iso(value: Any) -> Any:
    """`/Date(ms)/` strings at any depth (a record copied straight from Xero) -> ISO
    `YYYY-MM-DDTHH:MM:SS` for a write body; ISO and everything else are left as they are.

    A `/Date(...)/` that is no date (out of range) raises ValueError: the record is rejected."""
    if isinstance(value, str) and value.startswith("/Date("):
        d = parse_ms_date(value)
        if d is None:
            raise ValueError(f"{value[:40]!r} is not a date Xero takes")
        return d.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, dict):
        return {k: ms_dates_to_iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [ms_dates_to_iso(v) for v in value]
    return value
