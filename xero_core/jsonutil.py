"""Decimal-safe JSON: amounts are read as Decimal and written back without float rounding."""

from __future__ import annotations

from typing import Any

import simplejson


def loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as Decimal (CurrencyRate has 10 places)."""
    return simplejson.loads(text, use_decimal=True)


def dumps(obj: Any, **kw: Any) -> str:
    """Serialise JSON with Decimals written digit for digit."""
    kw.setdefault("separators", (",", ":"))
    kw.setdefault("ensure_ascii", False)
    return simplejson.dumps(obj, use_decimal=True, **kw)


def dumps_bytes(obj: Any, **kw: Any) -> bytes:
    """The UTF-8 bytes of `dumps(obj)`, as sent and hashed.

    A lone surrogate (a broken UTF-16 escape in some input) cannot be UTF-8: it is written as
    its JSON escape (`\\udcf9`), which keeps the bytes valid JSON instead of crashing.
    """
    return dumps(obj, **kw).encode("utf-8", "backslashreplace")
