"""Decimal-safe JSON: amounts are read as Decimal and written back without float rounding."""

from __future__ import annotations

import re
from typing import Any

import simplejson

from xero_core.errors import JSONTooDeepError

MAX_DEPTH = 200  # Xero's deepest answers nest about 10 levels; deeper is refused, not parsed
_STRINGS_B = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_STRINGS_S = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKETS_B = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS_B = bytes(b for b in range(256) if b not in b"[]{}")


def loads(text: str | bytes) -> Any:
    """Parse JSON with every non-integer number as Decimal (CurrencyRate has 10 places).

    Nesting deeper than MAX_DEPTH raises JSONTooDeepError (a XeroError and a ValueError)
    before parsing, so a hostile answer can never raise RecursionError.
    """
    check_depth(text)
    try:
        return simplejson.loads(text, use_decimal=True)
    except RecursionError:  # belt and braces: the check above should make this unreachable
        raise JSONTooDeepError(
            f"JSON answer nested too deeply to parse (limit {MAX_DEPTH} levels)") from None


def nesting_depth(text: str | bytes) -> int:
    """How deep the arrays and objects of a JSON text nest (brackets in strings ignored).

    Everything but the brackets outside strings is dropped, then innermost pairs are removed
    one level per pass (each pass is one C-speed `replace`); it stops after MAX_DEPTH + 1
    passes. What is left of malformed text is unmatched closers then openers; the parser
    descends into every unmatched opener, so they count as depth too.
    """
    if isinstance(text, str):
        text = _STRINGS_S.sub("", text).encode("ascii", "ignore")
    else:
        text = _STRINGS_B.sub(b"", text)
    brackets = text.translate(_BRACKETS_B, _NOT_BRACKETS_B)
    depth = 0
    while brackets and depth <= MAX_DEPTH:
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            break
        brackets = shorter
        depth += 1
    return depth + brackets.count(b"[")


def check_depth(text: str | bytes) -> None:
    if (text.count("[") + text.count("{") if isinstance(text, str)
            else text.count(b"[") + text.count(b"{")) <= MAX_DEPTH:
        return  # cannot nest deeper than it has brackets
    if nesting_depth(text) > MAX_DEPTH:
        raise JSONTooDeepError(
            f"JSON answer nested deeper than {MAX_DEPTH} levels; refusing to parse it")


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
