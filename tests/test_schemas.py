"""The tap's stream schemas: generated from Xero's OpenAPI files, open, nullable, up to date."""

from __future__ import annotations

import importlib.resources
import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft7Validator, FormatChecker

from tap_xero.client import normalise_datetimes
from xero_core import jsonutil
from xero_core.dates import convert_dates
from xero_core.endpoints import ENDPOINTS
from xero_core.lines import LINES, TRACKING_STREAM
from xero_core.openapi_schemas import load_spec, operation

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "generate_schemas.py"


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_schemas", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate_schemas", module)
    spec.loader.exec_module(module)
    return module


generate_schemas = _load_script()
SCHEMAS_DIR = importlib.resources.files("tap_xero") / "schemas"


def _schema(stream: str) -> dict[str, Any]:
    return json.loads((SCHEMAS_DIR / f"{stream}.json").read_text(encoding="utf-8"))


def _all_files() -> dict[str, dict[str, Any]]:
    return {
        p.name[: -len(".json")]: json.loads(p.read_text(encoding="utf-8"))
        for p in SCHEMAS_DIR.iterdir()
        if p.name.endswith(".json")
    }


ALL = _all_files()


def _walk(node: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}[{i}]")


def _property_nodes(schema: dict[str, Any], path: str = "$") -> Iterator[tuple[str, dict]]:
    """Every property schema (and array item schema) below a schema."""
    for name, prop in schema.get("properties", {}).items():
        yield f"{path}.{name}", prop
        yield from _property_nodes(prop, f"{path}.{name}")
    items = schema.get("items")
    if isinstance(items, dict):
        yield f"{path}[]", items
        yield from _property_nodes(items, f"{path}[]")


def test_the_expected_streams_have_schemas() -> None:
    expected = {ep.stream for ep in ENDPOINTS} | {"connections", "report_rows",
                                                  "finance_statement_rows"}
    expected |= {f"{ep.stream}_history" for ep in ENDPOINTS if ep.has_history}
    expected |= {f"{ep.stream}_attachments" for ep in ENDPOINTS if ep.has_attachments}
    expected |= {kind.stream for kind in LINES} | {TRACKING_STREAM}
    assert set(ALL) == expected


@pytest.mark.parametrize("kind", LINES, ids=lambda k: k.stream)
def test_line_schemas_carry_the_parent(kind: Any) -> None:
    props = _schema(kind.stream)["properties"]
    assert {kind.parent_key, "_position", "_parent_status", "_tenant_id"} <= set(props)
    assert props["_position"]["type"] == ["integer", "null"]
    parent = _schema(kind.parent)["properties"]
    for name in (kind.bookmark_field, *kind.parent_fields):
        if name:
            assert props[name]["type"] == parent[name]["type"]
    items = parent[kind.field]["items"]["properties"]
    assert set(items) <= set(props)  # the line's own fields, as in the parent's array


@pytest.mark.parametrize("stream", sorted(ALL))
def test_schema_is_valid_draft7(stream: str) -> None:
    Draft7Validator.check_schema(ALL[stream])
    assert ALL[stream]["type"] == "object"
    assert ALL[stream]["properties"]["_tenant_id"]["type"] == ["string", "null"]


@pytest.mark.parametrize("stream", sorted(ALL))
def test_schema_never_closes_never_enumerates_never_rounds(stream: str) -> None:
    banned = {"enum", "multipleOf", "readOnly", "writeOnly", "maxLength", "minLength", "pattern",
              "required", "maximum", "minimum", "$ref"}
    for path, node in _walk(ALL[stream]):
        if not isinstance(node, dict):
            continue
        assert node.get("additionalProperties", True) is not False, path
        if "properties" in node and path != "$":
            assert node.get("additionalProperties") is True, f"{path} drops new Xero fields"
        found = banned & set(node) - {"properties"}
        # A property may legitimately be *named* like a keyword; only keyword use counts.
        parent_is_properties = path.endswith(".properties")
        assert parent_is_properties or not found, f"{path}: {sorted(found)}"
        extensions = [k for k in node if k.startswith("x-")]
        assert parent_is_properties or not extensions, f"{path}: OpenAPI extensions {extensions}"


@pytest.mark.parametrize("stream", sorted(ALL))
def test_every_property_is_nullable(stream: str) -> None:
    for path, prop in _property_nodes(ALL[stream]):
        if "type" in prop:  # a schema without "type" takes anything, null included
            assert isinstance(prop["type"], list) and "null" in prop["type"], path


@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda e: e.stream)
def test_keys_are_in_the_schema(ep: Any) -> None:
    props = _schema(ep.stream)["properties"]
    for key in ep.primary_key:
        assert key in props, f"{ep.stream}: primary key {key} missing"
    if ep.replication_key:
        assert ep.replication_key in props, f"{ep.stream}: replication key missing"
    if ep.status_field:
        assert ep.status_field in props


def test_dates_amounts_and_child_streams() -> None:
    invoice = _schema("invoices")["properties"]
    for name in ("Date", "DueDate", "UpdatedDateUTC", "FullyPaidOnDate"):
        assert invoice[name] == {**invoice[name], "type": ["string", "null"], "format": "date-time"}
    # "2018-10-20 00:00:00"-style companions stay plain strings.
    assert invoice["UpdatedDateUTCString"] == {**invoice["UpdatedDateUTCString"], "type": [
        "string", "null"]}
    assert "format" not in invoice["UpdatedDateUTCString"]
    assert invoice["CurrencyRate"]["type"] == ["number", "null"]
    assert invoice["Total"]["type"] == ["number", "null"]
    line = invoice["LineItems"]["items"]["properties"]
    assert line["UnitAmount"]["type"] == ["number", "null"]
    assert "Status" in invoice and "DRAFT" in invoice["Status"]["description"]
    assert _schema("assets")["properties"]["purchaseDate"]["format"] == "date-time"
    assert _schema("assets")["properties"]["isDeleteEnabledForDate"]["type"] == [
        "boolean", "null"]
    assert _schema("project_time_entries")["properties"]["dateUtc"]["format"] == "date-time"

    history = _schema("invoices_history")["properties"]
    assert {"InvoiceID", "Details", "Changes", "User", "DateUTC"} <= set(history)
    assert history["DateUTC"]["format"] == "date-time"
    attachments = _schema("accounts_attachments")["properties"]
    assert {"AccountID", "AttachmentID", "FileName", "MimeType", "ContentLength", "Content"} <= set(
        attachments)
    assert set(_schema("connections")["properties"]) >= {
        "id", "authEventId", "tenantId", "tenantType", "tenantName", "createdDateUtc",
        "updatedDateUtc"}
    rows = _schema("report_rows")["properties"]
    assert set(rows) == {
        "row_key", "report_id", "report_name", "report_type", "report_date", "report_titles",
        "parameters", "section", "row_type", "row_title", "account_id", "column_index",
        "column_title", "value", "value_number", "_tenant_id"}
    assert rows["value_number"]["type"] == ["number", "null"]
    assert _schema("project_tasks")["properties"]["projectId"]["type"] == ["string", "null"]


def test_regeneration_gives_no_diff() -> None:
    built = generate_schemas.build_schemas()
    wanted = {name: generate_schemas.render(s) for name, s in built.items()}
    on_disk = {
        p.name[: -len(".json")]: p.read_text(encoding="utf-8")
        for p in SCHEMAS_DIR.iterdir()
        if p.name.endswith(".json")
    }
    assert sorted(wanted) == sorted(on_disk)
    stale = [name for name in wanted if wanted[name] != on_disk[name]]
    assert not stale, f"run `python scripts/generate_schemas.py`; out of date: {stale}"


def test_check_mode_reports_a_hand_edit(tmp_path: Path) -> None:
    assert generate_schemas.main(["--out", str(tmp_path)]) == 0
    assert generate_schemas.main(["--out", str(tmp_path), "--check"]) == 0
    edited = tmp_path / "invoices.json"
    edited.write_text(edited.read_text().replace('"Total"', '"Totl"'))
    (tmp_path / "gone_stream.json").write_text("{}")
    assert generate_schemas.main(["--out", str(tmp_path), "--check"]) == 1
    assert generate_schemas.main(["--out", str(tmp_path)]) == 0
    assert not (tmp_path / "gone_stream.json").exists()
    assert generate_schemas.main(["--out", str(tmp_path), "--check"]) == 0


def _list_examples() -> Iterator[tuple[str, dict[str, Any]]]:
    """Each endpoint's records from the spec's own GET-list response example."""
    for ep in ENDPOINTS:
        op = operation(ep.api, ep.path, "get")
        if op is None:
            continue
        media = op["responses"]["200"].get("content", {}).get("application/json", {})
        example = media.get("example")
        if isinstance(example, str):
            example = json.loads(example)
        if not isinstance(example, dict):
            continue
        records = example.get(ep.records_key) if ep.records_key else example
        if isinstance(records, dict):
            records = [records]
        for record in records or []:
            yield ep.stream, record


EXAMPLES = list(_list_examples())


def test_spec_examples_exist_for_most_streams() -> None:
    assert len({stream for stream, _ in EXAMPLES}) >= 20


@pytest.mark.parametrize(("stream", "record"), EXAMPLES, ids=[s for s, _ in EXAMPLES])
def test_spec_example_records_fit_the_schema(stream: str, record: dict[str, Any]) -> None:
    """Xero's documented records, as the tap emits them (Decimals, ISO dates), validate,
    date-time formats included (the tap's own conversion path: parse, then normalise)."""
    schema = _schema(stream)
    as_read = normalise_datetimes(convert_dates(jsonutil.loads(json.dumps(record))), schema)
    as_read["_tenant_id"] = "00000000-0000-0000-0000-000000000001"
    as_read["SomeFieldXeroAddsNextYear"] = {"nested": [1, 2]}
    Draft7Validator(schema, format_checker=FormatChecker()).validate(as_read)


def test_null_everywhere_and_new_fields_validate() -> None:
    schema = _schema("invoices")
    record: dict[str, Any] = {name: None for name in schema["properties"]}
    record["LineItems"] = [{"UnitAmount": jsonutil.loads("1.123456789"), "NewLineField": "x"}]
    Draft7Validator(schema).validate(record)


def test_spec_is_loaded_once() -> None:
    assert load_spec("accounting") is load_spec("accounting")
