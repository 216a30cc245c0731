"""The quick schema check says "valid" only where jsonschema finds no error."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from target_xero.quick_schema import quick_check, schema_is_valid

SCHEMAS = Path(__file__).resolve().parents[2] / "tap_xero" / "schemas"
CHECKER = Draft202012Validator.TYPE_CHECKER

SIMPLE: list[Any] = [
    True, False, {}, {"type": "string"}, {"type": ["integer", "null"]},
    {"type": ["number", "string", "null"]}, {"type": "boolean"},
    {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
    {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False},
    {"properties": {"a": {"type": "array", "items": {"type": ["number", "null"]}}},
     "additionalProperties": {"type": "string"}},
    {"type": "array", "items": False}, {"type": ["array", "object"], "items": True},
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2) | st.text(max_size=3)
    | st.sampled_from([1.0, 0, Decimal("1.0"), "a", ""]),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(
        st.sampled_from(["a", "b", "Type", "LineItems", "Quantity", "Contact", "Name"]), kids,
        max_size=3),
    max_leaves=8)


def _valid(schema: Any, instance: Any) -> bool:
    return not any(Draft202012Validator(schema).iter_errors(instance))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(SIMPLE), JSON)
def test_quick_agrees_with_jsonschema_on_small_schemas(schema: Any, instance: Any) -> None:
    check = quick_check(schema, CHECKER)
    assert check is not None
    assert check(instance) == _valid(schema, instance), (schema, instance)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(p.name for p in SCHEMAS.glob("*.json"))),
       st.dictionaries(st.sampled_from(["Type", "LineItems", "Contact", "Status", "Total",
                                        "Date", "HasAttachments", "Payments", "x_other"]),
                       JSON, max_size=5))
def test_quick_never_passes_what_jsonschema_refuses_on_tap_schemas(name: str,
                                                                   record: dict) -> None:
    schema = json.loads((SCHEMAS / name).read_text())
    check = quick_check(schema, CHECKER)
    assert check is not None, name
    assert check(record) == _valid(schema, record), (name, record)


def test_unknown_keywords_get_no_quick_check() -> None:
    for schema in ({"enum": [1]}, {"type": "string", "maxLength": 3},
                   {"properties": {"a": {"$ref": "#/x"}}}, {"type": "any"}, {"type": []},
                   {"items": [{"type": "string"}]}, {"patternProperties": {}}, 5):
        assert quick_check(schema, CHECKER) is None, schema


def _checks(schema: Any) -> bool:
    try:
        Draft202012Validator.check_schema(schema)
    except Exception:
        return False
    return True


BAD_SCHEMAS: list[Any] = [
    {"type": "strin"}, {"properties": {"a": {"properties": {"b": {"type": 5}}}}},
    {"properties": {"a": {"items": [{"type": "string"}]}}}, {"allOf": []},
    {"properties": {"a": {"patternProperties": {"(": {}}}}}, {"required": "a"},
    {"properties": {"a": {"anyOf": [{"type": "string"}, {"minLength": -1}]}}},
    {"$defs": {"x": {"type": ["string", "string"]}}}, {"properties": 5}, "not a schema",
    {"dependencies": {"a": {"type": "nope"}}}, {"not": {"enum": 5}},
    {"properties": {"a": 5, "b": {}}}, {"$defs": {"a": True, "b": {"minimum": "x"}}},
    {"properties": {"a": {"type": "string", "description": 5}}},
]


def test_schema_check_agrees_with_check_schema() -> None:
    schemas = [json.loads(p.read_text()) for p in sorted(SCHEMAS.glob("*.json"))]
    for schema in [*schemas, *SIMPLE, *BAD_SCHEMAS]:
        quick = schema_is_valid(schema, Draft202012Validator)
        assert quick == _checks(schema), schema
    assert all(schema_is_valid(s, Draft202012Validator) for s in schemas)
    # Deep inside a real schema, one bad subschema among many good copies is still found.
    broken = json.loads((SCHEMAS / "invoices.json").read_text())
    broken["properties"]["LineItems"]["items"]["properties"]["Quantity"]["type"] = "numbr"
    assert not schema_is_valid(broken, Draft202012Validator)
    assert not _checks(broken)
