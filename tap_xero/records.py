"""A record made Singer-ready in one compiled walk (`RecordShaper`).

The walk does what three passes did: `convert_dates` (every `/Date(ms)/` string to ISO 8601,
over each whole answer), `normalise_datetimes` (the schema's `date-time` strings to ISO UTC
with an offset) and singer-sdk's RECORD type conformance (`conform_record_data_types` at the
RECURSIVE level: undeclared properties dropped with one warning, NaN and infinite numbers made
null, exclusive booleans made `value != 0`), rule for rule, with the schema's questions
answered once per stream instead of once per value. A stream whose records it conforms sets
`TYPE_CONFORMANCE_LEVEL` to NONE, so the SDK does not conform them a second time.
tests/tap/test_records.py compares it with those three functions on random records.
"""

from __future__ import annotations

import datetime
import decimal
import logging
import math
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from singer_sdk.exceptions import EmptySchemaTypeError

from xero_core.dates import convert_dates, iso_utc, parse_ms_date

_EMPTY: dict[str, Any] = {}


@lru_cache(maxsize=8192)  # Date, DueDate, ... repeat across a listing
def _iso_or_same(value: str) -> str:
    d = parse_ms_date(value)
    return value if d is None else d.isoformat()


@lru_cache(maxsize=8192)
def _ms_date_iso_utc(value: str) -> str | None:
    """iso_utc(_iso_or_same(value)) for a `/Date(` string: a parsed one's isoformat is
    already what iso_utc makes of it (aware UTC, whole milliseconds)."""
    d = parse_ms_date(value)
    return iso_utc(value) if d is None else d.isoformat()


# --- the SDK's type conformance --------------------------------------------------------------


def _is_object_type(schema: Mapping[str, Any]) -> bool:
    if "anyOf" not in schema and "type" not in schema:
        return False
    return any("object" in t or t == "object"
               for t in schema.get("anyOf", [schema.get("type")]))


def _is_array_type(schema: Mapping[str, Any]) -> bool:
    if not schema:
        raise EmptySchemaTypeError
    if "anyOf" in schema:
        return any(_is_array_type(t) for t in schema["anyOf"])
    if "allOf" in schema:
        return all(_is_array_type(t) for t in schema["allOf"])
    if "type" not in schema:
        raise ValueError(f"Could not detect type from schema '{schema}'")
    return "array" in schema["type"]


def _is_exclusive_boolean(schema: Mapping[str, Any]) -> bool:
    if "type" not in schema:
        return False
    kind = schema["type"]
    return kind == "boolean" or kind == ["boolean"] or set(kind) == {"boolean", "null"}


class _ConformNode:
    """A schema node as the SDK's primitive conformance reads it."""

    __slots__ = ("exclusive_bool", "is_object", "schema")

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self.exclusive_bool = _is_exclusive_boolean(schema)
        self.is_object = _is_object_type(schema)


_NAN_CHECKED = (float, decimal.Decimal)


def _primitive(elem: Any, node: _ConformNode) -> Any:
    """singer-sdk's _conform_primitive_property."""
    if isinstance(elem, datetime.datetime):
        if elem.tzinfo is None:
            elem = elem.replace(tzinfo=datetime.timezone.utc)
        return elem.isoformat("T", timespec="microseconds")
    if isinstance(elem, datetime.date):
        return elem.isoformat()
    if isinstance(elem, datetime.timedelta):
        moment = datetime.datetime.fromtimestamp(0, datetime.timezone.utc) + elem
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        return moment.isoformat()
    if isinstance(elem, datetime.time):
        return str(elem)
    if isinstance(elem, bytes):
        if _is_boolean(node.schema):
            return elem != b"\x00"
        return elem.hex()
    if isinstance(elem, _NAN_CHECKED):
        return None if math.isnan(elem) or math.isinf(elem) else elem
    if node.exclusive_bool:
        return None if elem is None else elem != 0
    return elem


def _is_boolean(schema: Mapping[str, Any]) -> bool:
    if "anyOf" not in schema and "type" not in schema:
        return False
    for kind in schema.get("anyOf", [schema.get("type")]):
        names = kind.get("type", []) if isinstance(kind, dict) else kind
        if "boolean" in names or names == "boolean":
            return True
    return False


@lru_cache
def _warn_unmapped(stream_name: str, names: tuple[str, ...], logger: logging.Logger) -> None:
    logger.warning("Properties %s were present in the '%s' stream but not found in catalog "
                   "schema. Ignoring.", names, stream_name)


# --- both in one walk --------------------------------------------------------------------------


class _Node:
    """One schema node with what both passes need of it."""

    __slots__ = ("_citems", "_items", "_list", "_props", "additional", "dt",
                 "exclusive_bool", "is_object", "known", "object_props", "plain", "schema")

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self.dt = schema.get("format") == "date-time"
        self.exclusive_bool = _is_exclusive_boolean(schema)
        self.is_object = _is_object_type(schema)
        self.object_props = self.is_object and "properties" in schema
        self.additional = bool(schema.get("additionalProperties"))
        self._props: dict[str, _Node] | None = None
        self._list: bool | Exception | None = None
        self._items: _Node | None = None
        self._citems: _ConformNode | None = None
        #: Properties whose strings need no more than the `/Date(` rule (not date-time, not
        #: exclusive booleans): the common case, decided without looking at the schema.
        self.plain: frozenset[str] = frozenset()
        self.known: frozenset[str] = frozenset()  # every declared property

    def conform_items(self) -> _ConformNode:
        """The SDK's item schema of a uniform list (`items`, which it is sure to have)."""
        if self._citems is None:
            self._citems = _ConformNode(self.schema["items"])
        return self._citems

    def props(self) -> dict[str, _Node]:
        if self._props is None:
            self._props = {k: _Node(v) for k, v in
                           (self.schema.get("properties") or _EMPTY).items()}
            self.plain = frozenset(k for k, n in self._props.items()
                                   if not n.dt and not n.exclusive_bool)
            self.known = frozenset(self._props)
        return self._props

    def items(self) -> _Node:
        """The date pass's item schema (`items`, else {}); the SDK's when a uniform list."""
        if self._items is None:
            self._items = _Node(self.schema.get("items") or _EMPTY)
        return self._items

    def uniform_list(self) -> bool:
        if self._list is None:
            try:
                self._list = (_is_array_type(self.schema) is True and "items" in self.schema
                              and "prefixItems" not in self.schema
                              and isinstance(self.schema["items"], dict))
            except (EmptySchemaTypeError, ValueError) as exc:
                self._list = exc
        if isinstance(self._list, Exception):
            raise self._list
        return self._list


def _date(value: str, dt: bool) -> str | None:
    if value.startswith("/Date("):
        return _ms_date_iso_utc(value) if dt else _iso_or_same(value)
    return iso_utc(value) if dt else value


class RecordShaper:
    """DateShaper, then (with `conform`) Conformer, in one walk of the record, in place.

    Equal to running them one after the other: the tests compare the two on random records.
    """

    def __init__(self, stream_name: str, schema: Mapping[str, Any], logger: logging.Logger,
                 *, conform: bool) -> None:
        self.stream_name = stream_name
        self.root = _Node(schema)
        self.logger = logger
        self.conform = conform

    def __call__(self, record: dict[str, Any]) -> dict[str, Any]:
        if not self.conform:
            _shape_object(record, self.root, None, None)
            return record
        unmapped: list[str] = []
        _shape_object(record, self.root, None, unmapped)
        if unmapped:
            _warn_unmapped(self.stream_name, tuple(unmapped), self.logger)
        return record


def _shape_object(obj: dict[str, Any], node: _Node, parent: str | None,
                  unmapped: list[str] | None) -> None:
    """Dates in `obj`; with `unmapped` (a list to report to), the SDK's conformance too."""
    if not obj:
        return
    if unmapped is not None and not isinstance(node.schema.get("properties"), dict):
        _ = next(iter(obj)) in node.schema["properties"]  # the SDK's error, raised alike
    props = node.props()
    plain, known = node.plain, node.known
    conform = unmapped is not None
    drop: list[str] | None = None
    for name, elem in obj.items():
        cls = elem.__class__
        # The common values of declared properties first, without their schema node.
        if cls is str:
            if name in plain:
                if elem.startswith("/Date("):
                    obj[name] = _iso_or_same(elem)
                continue
        elif cls is Decimal or cls is float:
            if name in known:
                if conform and not math.isfinite(elem):
                    obj[name] = None
                continue
        elif elem is None or cls is bool:
            if name in known:  # None and booleans stay what they are (True != 0 is True)
                continue
        elif cls is int and name in plain:
            continue
        sub = props.get(name)
        if sub is None:
            if unmapped is not None and not node.additional:
                unmapped.append(name if parent is None else f"{parent}.{name}")
                drop = [name] if drop is None else [*drop, name]
            elif cls is str or isinstance(elem, str):
                if elem.startswith("/Date("):
                    obj[name] = _iso_or_same(elem)
            elif isinstance(elem, (dict, list)):
                convert_dates(elem)
            continue
        if cls is str:
            if sub.dt:
                new: Any = (_ms_date_iso_utc(elem) if elem.startswith("/Date(")
                            else iso_utc(elem))
            elif elem.startswith("/Date("):
                new = _iso_or_same(elem)
            else:
                new = elem
            if unmapped is not None and sub.exclusive_bool and new is not None:
                new = True  # a string is never 0
            if new is not elem:
                obj[name] = new
        elif unmapped is None:
            if cls is dict or cls is list or isinstance(elem, (dict, list)):
                if isinstance(elem, dict):
                    _shape_object(elem, sub, None, None)
                else:
                    _shape_list(elem, sub, None, None)
            elif isinstance(elem, str):
                obj[name] = _date(elem, sub.dt)
        elif cls is Decimal or cls is float:
            if not math.isfinite(elem):
                obj[name] = None
        elif elem is None or cls is bool:
            pass
        elif cls is int:
            if sub.exclusive_bool:
                obj[name] = elem != 0
        elif isinstance(elem, list):
            path = name if parent is None else f"{parent}.{name}"
            if sub.uniform_list():
                _shape_list(elem, sub, path, unmapped)
            else:
                _shape_list(elem, sub, None, None)
                new = _primitive(elem, _conform_view(sub))
                if new is not elem:
                    obj[name] = new
        elif isinstance(elem, dict):
            if sub.object_props:
                _shape_object(elem, sub, name if parent is None else f"{parent}.{name}",
                              unmapped)
            else:
                _shape_object(elem, sub, None, None)
                new = _primitive(elem, _conform_view(sub))
                if new is not elem:
                    obj[name] = new
        else:
            if isinstance(elem, str):
                elem = obj[name] = _date(elem, sub.dt)
            new = _primitive(elem, _conform_view(sub))
            if new is not elem:
                obj[name] = new
    for name in drop or ():
        del obj[name]


def _shape_list(items: list[Any], node: _Node, path: str | None,
                unmapped: list[str] | None) -> None:
    """Dates in a list whose schema is `node`; with `unmapped`, it is a uniform list the SDK
    conforms item by item."""
    inner = node.items()
    if unmapped is not None:
        conform_node = node.conform_items()
        item_is_object = conform_node.is_object
    for i, item in enumerate(items):
        if isinstance(item, str):
            new: Any = _date(item, inner.dt)
            if unmapped is not None:
                new = _primitive(new, conform_node)
            if new is not item:
                items[i] = new
        elif isinstance(item, dict):
            if unmapped is not None and item_is_object:
                _shape_object(item, inner, path, unmapped)
            else:
                _shape_object(item, inner, None, None)
                if unmapped is not None:
                    new = _primitive(item, conform_node)
                    if new is not item:
                        items[i] = new
        elif isinstance(item, list):
            _shape_list(item, inner, None, None)
            if unmapped is not None:
                new = _primitive(item, conform_node)
                if new is not item:
                    items[i] = new
        elif unmapped is not None:
            new = _primitive(item, conform_node)
            if new is not item:
                items[i] = new


def _conform_view(node: _Node) -> _ConformNode:
    return _ConformNode(node.schema)


def _field_date(node: _Node | None, name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    sub = node.props().get(name) if node is not None else None
    return _date(value, sub is not None and sub.dt)


def shape_fields_first(shaper: RecordShaper, row: dict[str, Any], names: tuple[str, ...],
                       nested: str | None = None, nested_names: tuple[str, ...] = ()) -> None:
    """Give the fields code reads before the walk the dates the walk gives them (it gives
    them the same again: the date rules are idempotent): `names` of the record, and
    `nested_names` of each object in its `nested` list."""
    root = shaper.root
    for name in names:
        value = row.get(name)
        if isinstance(value, str):
            row[name] = _field_date(root, name, value)
    items = row.get(nested) if nested else None
    if not isinstance(items, list):
        return
    sub = root.props().get(nested) if nested else None
    inner = sub.items() if sub is not None else None
    for item in items:
        if isinstance(item, dict):
            for name in nested_names:
                value = item.get(name)
                if isinstance(value, str):
                    item[name] = _field_date(inner, name, value)
