"""tap_xero.records does what the functions it replaces did, on the tap's own schemas.

RecordShaper == convert_dates, normalise_datetimes, then singer-sdk's conform_record_data_types
at the RECURSIVE level (same output, same warning, same error), on random records of every
schema the tap ships (known and unknown fields, every JSON type, `/Date()/` and ISO strings,
NaN and infinite numbers, booleans as numbers and strings).
"""

from __future__ import annotations

import copy
import json
import logging
import random
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
from singer_sdk.helpers._typing import conform_record_data_types
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_xero.pages import normalise_datetimes
from tap_xero.records import RecordShaper
from xero_core.dates import convert_dates

SCHEMAS = sorted(p.name for p in (resources.files("tap_xero") / "schemas").iterdir()
                 if p.name.endswith(".json"))
STRINGS = ["", "  ", "x", "/Date(1573755038314+0000)/", "/Date(-5)/", "/Date(99999999999999999)/",
           "2026-01-31T00:00:00", "2026-01-31T10:11:12.1234567", "2026-01-31", "2026-01-31Z",
           "2026-01-31T00:00:00+13:00", "0", "true", "false", "DELETED"]
NUMBERS: list[Any] = [0, 1, -3, 2**70, 0.0, 1.5, float("nan"), float("inf"), Decimal("1.10"),
                      Decimal("NaN"), Decimal("-Infinity"), True, False, None]


def _schema(name: str) -> dict[str, Any]:
    text = (resources.files("tap_xero") / "schemas" / name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _value(schema: dict[str, Any], rng: random.Random, depth: int) -> Any:
    kinds = schema.get("type") or []
    pick = rng.random()
    if depth < 4 and "object" in kinds and pick < 0.7:
        return _record(schema, rng, depth + 1)
    if depth < 4 and "array" in kinds and pick < 0.7:
        items = schema.get("items") or {}
        return [_value(items, rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if pick < 0.45:
        return rng.choice(STRINGS)
    if pick < 0.9:
        return rng.choice(NUMBERS)
    if depth < 4 and pick < 0.95:
        return {"Unknown": rng.choice(STRINGS), "Nested": [rng.choice(STRINGS)]}
    return [rng.choice(STRINGS), {"k": rng.choice(STRINGS)}]


def _record(schema: dict[str, Any], rng: random.Random, depth: int = 0) -> dict[str, Any]:
    props = schema.get("properties") or {}
    names = [n for n in props if rng.random() < 0.6]
    out = {n: _value(props[n], rng, depth) for n in names}
    if rng.random() < 0.3:
        out["NotInSchema"] = rng.choice([*STRINGS, {"a": "/Date(0)/"}, ["/Date(0)/"]])
    return out


def _same(a: Any, b: Any) -> bool:
    """Equal, NaN included, and the same types (True is not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (float, Decimal)) and a != a:
        return b != b
    return bool(a == b)


def _old(record: dict[str, Any], schema: dict[str, Any], logger: logging.Logger,
         name: str) -> dict[str, Any]:
    """What the tap did: convert_dates, normalise_datetimes, then the SDK's conformance."""
    shaped = normalise_datetimes(convert_dates(copy.deepcopy(record)), schema)
    return conform_record_data_types(stream_name=name, record=shaped, schema=schema,
                                     logger=logger, level=TypeConformanceLevel.RECURSIVE)


@pytest.mark.parametrize("name", SCHEMAS)
def test_dates_only_is_convert_dates_then_normalise_datetimes(name: str) -> None:
    schema = _schema(name)
    shaper = RecordShaper(name, schema, logging.getLogger("test-records"), conform=False)
    rng = random.Random(name)
    for _ in range(200):
        record = _record(schema, rng)
        expected = normalise_datetimes(convert_dates(copy.deepcopy(record)), schema)
        assert _same(shaper(record), expected), (name, record)


@pytest.mark.parametrize("name", SCHEMAS)
def test_one_walk_is_the_three_passes_it_replaces(name: str) -> None:
    schema = _schema(name)
    logger = logging.getLogger(f"test-records-{name}")
    shaper = RecordShaper(name, schema, logger, conform=True)
    rng = random.Random(name + "conform")
    for _ in range(200):
        record = _record(schema, rng)
        try:
            expected = _old(record, schema, logger, name)
        except Exception as exc:  # the SDK fails on some schemas: so must we, alike
            with pytest.raises(type(exc)):
                shaper(record)
            continue
        assert _same(shaper(record), expected), (name, record)


def test_undeclared_fields_are_dropped_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    schema = {"type": "object", "properties": {"a": {"type": ["string", "null"]}}}
    shaper = RecordShaper("warned", schema, logging.getLogger("test-records-warned"),
                          conform=True)
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            assert shaper({"a": "x", "b": 1}) == {"a": "x"}
    warnings = [r.getMessage() for r in caplog.records if "not found in catalog" in r.getMessage()]
    assert warnings == ["Properties ('b',) were present in the 'warned' stream but not found "
                        "in catalog schema. Ignoring."]
