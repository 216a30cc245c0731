"""Xero's `where` filter: parse once into a predicate over a record in Xero's JSON form.

Grammar (the subset of .NET Dynamic LINQ that Xero documents and clients use):

    expr    := or
    or      := and (("OR" | "||") and)*
    and     := not (("AND" | "&&") not)*
    not     := ("NOT" | "!") not | cmp
    cmp     := operand (("==" | "=" | "!=" | "<>" | "<" | ">" | "<=" | ">=") operand)?
    operand := literal | field ("." Method "(" args ")")* | "(" expr ")"
    literal := "string" | number | true | false | null | Guid("...") | DateTime(y,m,d[,h,mi,s])

Fields are dotted paths (`Contact.ContactID`); methods are Contains, StartsWith, EndsWith,
ToLower, ToUpper. A missing field is null. Dates written `/Date(ms)/` or ISO in a record compare
with DateTime literals as instants; GUIDs compare case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from xero_core.dates import parse_datetime

Record = dict[str, Any]
Getter = Callable[[Record], Any]
Predicate = Callable[[Record], bool]


class WhereError(ValueError):
    """A `where` expression Xero would refuse (answered as 400 QueryParseException)."""


@dataclass(frozen=True)
class _Tok:
    kind: str  # str, num, name, op, lparen, rparen, comma, dot, end
    text: str
    pos: int


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>"(?:[^"\\]|\\.)*")
      | (?P<num>-?\d+(?:\.\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>==|!=|<>|<=|>=|&&|\|\||[<>=!])
      | (?P<lparen>\()
      | (?P<rparen>\))
      | (?P<comma>,)
      | (?P<dot>\.)
    )""",
    re.VERBOSE,
)


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    n = len(text)
    while pos < n:
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise WhereError(f"Syntax error at position {pos}: {text[pos:pos + 10]!r}")
        kind = m.lastgroup or ""
        toks.append(_Tok(kind, m.group(kind), m.start(kind)))
        pos = m.end()
    toks.append(_Tok("end", "", n))
    return toks


class _Guid(str):
    """A Guid("...") literal: compares case-insensitively."""


_METHODS = {"contains", "startswith", "endswith", "tolower", "toupper"}
_CMP_OPS = {"==": "==", "=": "==", "!=": "!=", "<>": "!=", "<": "<", ">": ">", "<=": "<=",
            ">=": ">="}


def field_getter(path: str) -> Getter:
    """A getter of a dotted field path (`Contact.ContactID`); None where a step is missing."""
    return _field_getter(tuple(path.split(".")))


def _field_getter(path: tuple[str, ...]) -> Getter:
    if len(path) == 1:
        key = path[0]
        return lambda rec: rec.get(key)

    def get(rec: Record) -> Any:
        cur: Any = rec
        for part in path:
            if not isinstance(cur, dict):
                return None
            cur = cur.get(part)
        return cur

    return get


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except ValueError:
            return None
    return None


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def _normalise(left: Any, right: Any) -> tuple[Any, Any]:
    """Bring two values to one comparable type, by the literal's type when there is one."""
    if isinstance(left, datetime) or isinstance(right, datetime):
        return _as_datetime(left), _as_datetime(right)
    if isinstance(left, _Guid) or isinstance(right, _Guid):
        return (str(left).lower() if left is not None else None,
                str(right).lower() if right is not None else None)
    if isinstance(left, bool) or isinstance(right, bool):
        return left, right
    if isinstance(left, (int, float, Decimal)) or isinstance(right, (int, float, Decimal)):
        return _as_number(left), _as_number(right)
    return left, right


def _compare(op: str, left: Any, right: Any) -> bool:
    a, b = _normalise(left, right)
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if a is None or b is None:
        return False
    try:
        if op == "<":
            return bool(a < b)
        if op == ">":
            return bool(a > b)
        if op == "<=":
            return bool(a <= b)
        return bool(a >= b)
    except TypeError:
        return False


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0

    # -- token helpers -------------------------------------------------------------------
    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, kind: str) -> _Tok:
        tok = self.take()
        if tok.kind != kind:
            raise WhereError(f"Expected {kind} at position {tok.pos} in {self.text!r}")
        return tok

    def word(self, *words: str) -> bool:
        tok = self.peek()
        return tok.kind == "name" and tok.text.upper() in words

    # -- grammar ---------------------------------------------------------------------------
    def parse(self) -> Predicate:
        pred = self.or_()
        tok = self.peek()
        if tok.kind != "end":
            raise WhereError(f"Syntax error at position {tok.pos}: unexpected {tok.text!r}")
        return pred

    def or_(self) -> Predicate:
        parts = [self.and_()]
        while self.word("OR") or (self.peek().kind == "op" and self.peek().text == "||"):
            self.take()
            parts.append(self.and_())
        if len(parts) == 1:
            return parts[0]
        return lambda rec: any(p(rec) for p in parts)

    def and_(self) -> Predicate:
        parts = [self.not_()]
        while self.word("AND") or (self.peek().kind == "op" and self.peek().text == "&&"):
            self.take()
            parts.append(self.not_())
        if len(parts) == 1:
            return parts[0]
        return lambda rec: all(p(rec) for p in parts)

    def not_(self) -> Predicate:
        if self.word("NOT") or (self.peek().kind == "op" and self.peek().text == "!"):
            self.take()
            inner = self.not_()
            return lambda rec: not inner(rec)
        return self.cmp()

    def cmp(self) -> Predicate:
        left = self.operand()
        tok = self.peek()
        if tok.kind == "op" and tok.text in _CMP_OPS:
            self.take()
            op = _CMP_OPS[tok.text]
            right = self.operand()
            return lambda rec: _compare(op, left(rec), right(rec))
        return lambda rec: left(rec) is True

    def operand(self) -> Getter:
        tok = self.take()
        if tok.kind == "lparen":
            inner = self.or_()
            self.expect("rparen")
            return inner
        if tok.kind == "str":
            value = _unquote(tok.text)
            return self.methods(lambda rec: value)
        if tok.kind == "num":
            num = Decimal(tok.text)
            return lambda rec: num
        if tok.kind == "name":
            upper = tok.text.upper()
            if upper in ("TRUE", "FALSE"):
                flag = upper == "TRUE"
                return lambda rec: flag
            if upper == "NULL":
                return lambda rec: None
            if upper in ("AND", "OR", "NOT"):
                raise WhereError(f"Syntax error at position {tok.pos}: unexpected {tok.text!r}")
            if upper == "GUID" and self.peek().kind == "lparen":
                guid = _Guid(self.string_call(tok.text))
                return lambda rec: guid
            if upper == "DATETIME" and self.peek().kind == "lparen":
                when = self.datetime_call()
                return lambda rec: when
            return self.methods(self.field(tok))
        raise WhereError(f"Syntax error at position {tok.pos}: unexpected {tok.text or 'end'!r}")

    def field(self, first: _Tok) -> Getter:
        path = [first.text]
        while (self.peek().kind == "dot" and self.toks[self.i + 1].kind == "name"
               and not (self.toks[self.i + 1].text.lower() in _METHODS
                        and self.toks[self.i + 2].kind == "lparen")):
            self.take()
            path.append(self.take().text)
        return _field_getter(tuple(path))

    def methods(self, getter: Getter) -> Getter:
        while self.peek().kind == "dot":
            self.take()
            name = self.expect("name")
            method = name.text.lower()
            if method not in _METHODS:
                raise WhereError(f"No applicable method '{name.text}' exists")
            self.expect("lparen")
            arg: str | None = None
            if method in ("contains", "startswith", "endswith"):
                arg = _unquote(self.expect("str").text)
            self.expect("rparen")
            getter = _apply_method(getter, method, arg)
        return getter

    def string_call(self, name: str) -> str:
        self.expect("lparen")
        value = _unquote(self.expect("str").text)
        self.expect("rparen")
        return value

    def datetime_call(self) -> datetime:
        self.expect("lparen")
        nums: list[int] = []
        while True:
            tok = self.take()
            if tok.kind != "num" or "." in tok.text:
                raise WhereError(f"DateTime expects integers at position {tok.pos}")
            nums.append(int(tok.text))
            nxt = self.take()
            if nxt.kind == "rparen":
                break
            if nxt.kind != "comma":
                raise WhereError(f"Expected ',' or ')' at position {nxt.pos}")
        if len(nums) not in (3, 6):
            raise WhereError("DateTime takes (year, month, day) or (y, m, d, hour, minute, second)")
        try:
            hms = [*nums, 0, 0, 0][3:6]
            return datetime(nums[0], nums[1], nums[2], hms[0], hms[1], hms[2],
                            tzinfo=timezone.utc)
        except ValueError as exc:
            raise WhereError(f"Invalid DateTime: {exc}") from None


def _apply_method(getter: Getter, method: str, arg: str | None) -> Getter:
    if method == "tolower":
        return lambda rec: v.lower() if isinstance(v := getter(rec), str) else v
    if method == "toupper":
        return lambda rec: v.upper() if isinstance(v := getter(rec), str) else v
    needle = arg or ""
    if method == "contains":
        return lambda rec: isinstance(v := getter(rec), str) and needle in v
    if method == "startswith":
        return lambda rec: isinstance(v := getter(rec), str) and v.startswith(needle)
    return lambda rec: isinstance(v := getter(rec), str) and v.endswith(needle)


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body) if "\\" in body else body


def compile_where(text: str) -> Predicate:
    """Parse a `where` expression once; the result tests one record. Raises WhereError."""
    if not text or not text.strip():
        return lambda rec: True
    return _Parser(text).parse()


def parse_error_body(exc: WhereError) -> dict[str, Any]:
    """The 400 body Xero answers for a `where` it cannot parse."""
    return {"ErrorNumber": 16, "Type": "QueryParseException", "Message": str(exc)}
