"""Decimal-safe JSON: amounts are read as Decimal and written back without float rounding."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import msgspec
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

    For speed, the depth is first measured the quick way (`_quick_depth`, exact for valid
    JSON) and the text parsed by msgspec (the same values as simplejson's, Decimals
    included); a text either of them refuses gets the exact depth rule and simplejson, so
    what is accepted, refused and raised is what `check_depth` + simplejson decide.
    """
    if _brackets(text) > MAX_DEPTH and _quick_depth(text) > MAX_DEPTH:
        check_depth(text)  # too deep by the quick rule: the exact rule decides
    try:
        return _DECODER.decode(text)
    except Exception:  # refused by msgspec: the exact rule and simplejson
        pass
    check_depth(text)
    try:
        return simplejson.loads(text, use_decimal=True)
    except RecursionError:  # belt and braces: the check above should make this unreachable
        raise JSONTooDeepError(
            f"JSON answer nested too deeply to parse (limit {MAX_DEPTH} levels)") from None


_DECODER = msgspec.json.Decoder(float_hook=Decimal)


def _brackets(text: str | bytes) -> int:
    if isinstance(text, str):
        return text.count("[") + text.count("{")
    return text.count(b"[") + text.count(b"{")


def _quick_depth(text: str | bytes) -> int:
    """`nesting_depth` for valid JSON, at C speed: escaped backslashes and quotes removed,
    the text outside strings is every other piece between quotes. (Invalid JSON may count
    otherwise; `loads` then parses nothing before the exact rule has spoken.)"""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    if b"\\" in data:
        data = data.replace(b"\\\\", b"")
    if b'\\"' in data:
        data = data.replace(b'\\"', b"")
    return _depth_of_brackets(b"".join(data.split(b'"')[::2]))


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
    return _depth_of_brackets(text)


def _depth_of_brackets(text: bytes) -> int:
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
