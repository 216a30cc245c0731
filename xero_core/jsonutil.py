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
