"""Generate the tap's stream JSON schemas from Xero's official OpenAPI files.

Usage (from the repository root):

    python scripts/generate_schemas.py          # reads xero_core/openapi, writes tap_xero/schemas
    python scripts/generate_schemas.py --check  # exit 1 if the committed files differ

One `<stream>.json` per row of `xero_core.endpoints.ENDPOINTS` (from the row's `schema` component
in the spec of its `api`: Accounting, Assets, Projects, Payroll AU / NZ / UK, Files, Finance),
plus `connections`, `<parent>_history`, `<parent>_attachments`, `report_rows`,
`finance_statement_rows`, and the line-level streams of `xero_core.lines.LINES` (the line's
component plus the parent's id, `_position`, `_parent_status` and replication value) and
`line_item_tracking`. Every schema is open (new Xero fields pass through at every level),
every property is nullable, dates are ISO 8601 strings (`format: date-time`; the tap converts
`/Date()/`), amounts are plain numbers, and enums, `readOnly`/`writeOnly` and length limits are
dropped so that nothing Xero adds can fail a sync. Output is stable (sorted keys, indent 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from xero_core.endpoints import ENDPOINTS, Endpoint
from xero_core.endpoints_apis import FINANCE_STATEMENT_ROWS, FINANCE_STATEMENTS
from xero_core.lines import (
    LINE_POSITION,
    LINES,
    PARENT_ID,
    PARENT_STATUS,
    PARENT_STREAM,
    POSITION,
    TRACKED_PARENTS,
    TRACKING_COMPONENTS,
    TRACKING_STREAM,
    LineKind,
)
from xero_core.lines import UPDATED as LINES_UPDATED
from xero_core.openapi_schemas import COMPONENT_KEY, component_schema

SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "tap_xero" / "schemas"
TENANT_FIELD = "_tenant_id"
MAX_ENUM_IN_DESCRIPTION = 30
SCALAR_TYPES = ("string", "number", "integer", "boolean")
_DATE_SUFFIXES = ("Date", "DateUTC", "DateUtc")
# Nested component references inlined below a record (Invoice -> Payment -> Account); deeper
# ones become open objects. Their data still passes (every object is open); only their typing
# stops. 3 keeps the catalog near 1 MB; 4 would more than double it for no practical gain.
REF_DEPTH = 3

# Where real Xero answers differ from the spec's types: (component, property) -> JSON types
# accepted. Each with the evidence.
TYPE_QUIRKS: dict[tuple[str, str], tuple[str, ...]] = {
    # The spec's own GET /Payments example, and Xero-NetStandard#453 / Xero-OpenAPI#526: the
    # BatchPayment nested in a Payment (or a BankTransaction) says IsReconciled "false" and
    # TotalAmount "12.00" (strings); the top-level /BatchPayments records use bool and number.
    ("BatchPayment", "IsReconciled"): ("boolean", "string"),
    ("BatchPayment", "TotalAmount"): ("number", "string"),
    # Payroll: the specs' own GET examples disagree with their components. AU GET /PayItems
    # writes RatePerUnit 3 (a string "10.0" in POST /PayItems); AU GET /Settings writes
    # DaysInPayrollYear "364" (the component says integer); NZ and UK GET /PaySlips write
    # globalTaxTypeID 11 (the component says string).
    ("EarningsRate", "RatePerUnit"): ("string", "number"),
    ("Settings", "DaysInPayrollYear"): ("integer", "string"),
    ("TaxLine", "globalTaxTypeID"): ("string", "integer"),
}


# Fields real Xero answers carry that the spec's components omit: (component) -> names.
# Xero writes a plain-text companion ("2026-01-31T00:00:00") beside several /Date()/ fields
# (see the GET examples in Xero's API docs), and Budgets carry a Status (ACTIVE / DELETED).
EXTRA_DATE_STRINGS: dict[str, tuple[str, ...]] = {
    "BankTransaction": ("DateString",),
    "BankTransfer": ("DateString",),
    "CreditNote": ("DateString",),
    "HistoryRecord": ("DateUTCString",),
    "Invoice": ("DateString", "DueDateString"),
    "Overpayment": ("DateString",),
    "Prepayment": ("DateString",),
    "PurchaseOrder": ("DateString", "DeliveryDateString"),
}
EXTRA_STRINGS: dict[str, tuple[str, ...]] = {"Budget": ("Status",)}
# Fields the tap adds to a stream's records from the answer's envelope.
ENVELOPE_STRINGS: dict[str, tuple[str, ...]] = {
    "finance_bank_statements": ("bankAccountId", "bankAccountName", "bankAccountCurrencyCode"),
}


def _nullable(json_type: str) -> list[str]:
    return [json_type, "null"]


def _string() -> dict[str, Any]:
    return {"type": _nullable("string")}


def _date_time(description: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": _nullable("string"), "format": "date-time"}
    if description:
        out["description"] = description
    return out


def _is_date(node: dict[str, Any], name: str | None) -> bool:
    if node.get("x-is-msdate") or node.get("x-is-msdate-time") or node.get("x-is-datetime"):
        return True
    if node.get("format") in ("date", "date-time"):
        return True
    return (
        node.get("type", "string") == "string"
        and "properties" not in node
        and name is not None
        and name.endswith(_DATE_SUFFIXES)
    )


def _json_type(node: dict[str, Any]) -> str | None:
    declared = node.get("type")
    if isinstance(declared, str):
        return declared
    if "properties" in node:
        return "object"
    if "items" in node:
        return "array"
    if "enum" in node:
        return "string"
    return None


def _description(node: dict[str, Any]) -> str | None:
    text = node.get("description")
    enum = node.get("enum")
    if isinstance(enum, list) and 0 < len(enum) <= MAX_ENUM_IN_DESCRIPTION:
        known = "Known values (Xero may add more): " + ", ".join(
            str(v) if v not in ("", None) else json.dumps(v) for v in enum
        )
        text = f"{text.rstrip('. ')}. {known}" if text else known
    return text.strip() if isinstance(text, str) and text.strip() else None


def to_singer(node: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """One inlined OpenAPI schema node -> a permissive, nullable Singer JSON schema node."""
    description = _description(node)
    if _is_date(node, name):
        return _date_time(description)
    json_type = _json_type(node)
    if node.get("x-is-money") and json_type not in ("object", "array"):
        json_type = "number"
    out: dict[str, Any]
    if json_type == "object":
        out = {"type": _nullable("object"), "additionalProperties": True}
        props = node.get("properties")
        if isinstance(props, dict) and props:
            out["properties"] = {k: to_singer(v, k) for k, v in props.items()}
            component = str(node.get(COMPONENT_KEY, ""))
            for prop_name, prop in out["properties"].items():
                quirk = TYPE_QUIRKS.get((component, prop_name))
                if quirk:
                    prop["type"] = [*quirk, "null"]
    elif json_type == "array":
        items = node.get("items")
        out = {"type": _nullable("array")}
        if isinstance(items, dict):
            out["items"] = to_singer(items)
    elif json_type in SCALAR_TYPES:
        out = {"type": _nullable(json_type)}
    else:
        out = {}  # anything: the spec does not say
    if description:
        out["description"] = description
    return out


def stream_schema(properties: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    """A top-level stream schema: open object with `_tenant_id` added."""
    props = dict(properties)
    props[TENANT_FIELD] = {
        "type": _nullable("string"),
        "description": "Xero tenant (organisation) id the record was read from; added by the tap.",
    }
    out: dict[str, Any] = {"type": "object", "additionalProperties": True, "properties": props}
    if description:
        out["description"] = description
    return out


def component_properties(api: str, component: str) -> dict[str, Any]:
    """The Singer properties of one spec component."""
    converted = to_singer(component_schema(api, component, max_depth=REF_DEPTH))
    props: dict[str, Any] = converted.get("properties", {})
    for name in EXTRA_DATE_STRINGS.get(component, ()):
        props.setdefault(name, _date_time("Plain-text companion of the date Xero also writes."))
    for name in EXTRA_STRINGS.get(component, ()):
        props.setdefault(name, _string())
    return props


def _parent_id(ep: Endpoint) -> tuple[str, dict[str, Any]]:
    key = ep.primary_key[0]
    return key, {**_string(), "description": f"{ep.schema} the record belongs to ({key})."}


def endpoint_schema(ep: Endpoint, by_stream: dict[str, Endpoint]) -> dict[str, Any]:
    props = component_properties(ep.api, ep.schema)
    if ep.parent:
        key, field = _parent_id(by_stream[ep.parent])
        props.setdefault(ep.parent_field or key, field)
    for name in ENVELOPE_STRINGS.get(ep.stream, ()):
        props.setdefault(name, {**_string(), "description": "From the answer's envelope."})
    return stream_schema(props, f"Xero {ep.schema} records ({ep.url_path}).")


def history_schema(ep: Endpoint) -> dict[str, Any]:
    props = component_properties("accounting", "HistoryRecord")
    key, field = _parent_id(ep)
    props[key] = field
    return stream_schema(props, f"History and notes of {ep.stream} ({ep.url_path}/{{id}}/History).")


def attachments_schema(ep: Endpoint) -> dict[str, Any]:
    props = component_properties("accounting", "Attachment")
    key, field = _parent_id(ep)
    props[key] = field
    props["Content"] = {
        **_string(),
        "description": "The file's bytes, base64-encoded; only when the tap is asked to read them.",
    }
    return stream_schema(
        props, f"Attachment metadata of {ep.stream} ({ep.url_path}/{{id}}/Attachments)."
    )


CONNECTION_FIELDS = (
    "id", "authEventId", "tenantId", "tenantType", "tenantName", "createdDateUtc", "updatedDateUtc",
)


def connections_schema() -> dict[str, Any]:
    try:
        props = component_properties("identity", "Connection")
    except (KeyError, FileNotFoundError):
        props = {}
    for name in CONNECTION_FIELDS:
        props.setdefault(name, _date_time() if name.endswith("Utc") else _string())
    return stream_schema(props, "Xero tenants the credentials reach (GET /connections).")


def report_rows_schema() -> dict[str, Any]:
    def text(description: str) -> dict[str, Any]:
        return {**_string(), "description": description}

    props: dict[str, Any] = {
        "row_key": text(
            "Synthetic primary key: stable hash of tenant, report, parameters, section, row and"
            " column."
        ),
        "report_id": text("Xero ReportID (e.g. BalanceSheet)."),
        "report_name": text("Xero ReportName."),
        "report_type": text("Xero ReportType."),
        "report_date": text("Xero ReportDate, as Xero writes it (e.g. '31 January 2026')."),
        "report_titles": {
            "type": _nullable("array"),
            "items": {"type": _nullable("string")},
            "description": "Xero ReportTitles (report name, organisation, period).",
        },
        "parameters": {
            "type": _nullable("object"),
            "additionalProperties": True,
            "description": "Query parameters the report was requested with (date, periods, ...).",
        },
        "section": text("Title of the enclosing Section row ('' when none)."),
        "row_type": text("Xero RowType of the line (Row, SummaryRow, ...)."),
        "row_title": text("First cell of the line (the account or line label)."),
        "account_id": text("AccountID from the line's cell attributes, when Xero gives one."),
        "column_index": {
            "type": _nullable("integer"),
            "description": "0-based position of the value's column in the report.",
        },
        "column_title": text("Header of the value's column (the period or column name)."),
        "value": text("The cell's value exactly as Xero writes it."),
        "value_number": {
            "type": _nullable("number"),
            "description": "The value as a number when it is one, otherwise null.",
        },
    }
    return stream_schema(props, "Xero reports flattened to one row per report line and column.")


def finance_statement_rows_schema() -> dict[str, Any]:
    def text(description: str) -> dict[str, Any]:
        return {**_string(), "description": description}

    props: dict[str, Any] = {
        "row_key": text("Synthetic primary key: stable hash of tenant, statement, parameters,"
                        " section, line and column."),
        "statement": text("The statement: " + ", ".join(FINANCE_STATEMENTS) + "."),
        "parameters": {
            "type": _nullable("object"),
            "additionalProperties": True,
            "description": "Query parameters the statement was requested with.",
        },
        "start_date": text("The statement's startDate, as Xero writes it."),
        "end_date": text("The statement's endDate, as Xero writes it."),
        "balance_date": text("The statement's balanceDate (BalanceSheet), as Xero writes it."),
        "section": text("Path of the enclosing groups, ' / '-separated (e.g. 'asset / Bank');"
                        " '' for the statement's own totals."),
        "row_type": text("account, contact, or total (a group's or the statement's)."),
        "row_title": text("The line's label (account, account type, activity or contact name)."),
        "account_id": text("The line's account id, when it is an account."),
        "account_code": text("The line's account code."),
        "account_type": text("The line's account type."),
        "account_class": text("The line's account class."),
        "reporting_code": text("The line's reporting code."),
        "contact_id": text("The line's contact id (income / expenses by contact)."),
        "column": text("The value's field in Xero's answer, '.'-separated (total,"
                       " balance.value, accountMovement.debits ...)."),
        "value": {"type": _nullable("number"), "description": "The value."},
    }
    return stream_schema(props, "Xero Finance API financial statements flattened to one row "
                         "per line and value (/finance.xro/1.0/FinancialStatements/...).")


def _line_fields(kind: LineKind) -> dict[str, Any]:
    """What a line carries from its parent: id, position, status, replication value, ..."""
    parent = component_properties("accounting", kind.endpoint.schema)
    key, field = _parent_id(kind.endpoint)
    props: dict[str, Any] = {
        key: field,
        POSITION: {"type": _nullable("integer"),
                   "description": f"0-based index of the line in the parent's {kind.field}."},
        PARENT_STATUS: {**_string(), "description": "The parent's Status (null: it has none)."},
    }
    for name in (kind.bookmark_field, *kind.parent_fields):
        if name:
            props[name] = {**parent.get(name, _string()),
                           "description": f"The parent's {name} (added by the tap)."}
    return props


def line_schema(kind: LineKind) -> dict[str, Any]:
    props = component_properties("accounting", kind.component)
    props.update(_line_fields(kind))
    if kind.allocation:
        props["InvoiceID"] = {**_string(), "description": "Invoice.InvoiceID (added by the tap)."}
    return stream_schema(props, f"One row per item of {kind.endpoint.schema}.{kind.field} "
                         f"({kind.parent}); no API call of its own.")


def tracking_schema() -> dict[str, Any]:
    props: dict[str, Any] = {}
    for component in TRACKING_COMPONENTS:
        props.update(component_properties("accounting", component))
    text = "The parent's {} (added by the tap; only on rows of parents that have one)."
    props.update({
        PARENT_STREAM: {**_string(), "description": "The parent stream (e.g. invoices)."},
        PARENT_ID: {**_string(), "description": "The parent's id (InvoiceID, JournalID ...)."},
        LINE_POSITION: {"type": _nullable("integer"),
                        "description": "0-based index of the line in the parent's lines."},
        POSITION: {"type": _nullable("integer"),
                   "description": "0-based index of the entry in the line's tracking."},
        PARENT_STATUS: {**_string(), "description": "The parent's Status (null: it has none)."},
        LINES_UPDATED: _date_time(text.format(LINES_UPDATED)),
        "JournalNumber": {"type": _nullable("integer"),
                          "description": text.format("JournalNumber")},
    })
    return stream_schema(props, "One row per tracking entry of the lines of "
                         + ", ".join(TRACKED_PARENTS) + "; no API call of its own.")


def build_schemas() -> dict[str, dict[str, Any]]:
    """Every schema the tap ships, by stream name."""
    by_stream = {ep.stream: ep for ep in ENDPOINTS}
    schemas: dict[str, dict[str, Any]] = {}
    for ep in ENDPOINTS:
        schemas[ep.stream] = endpoint_schema(ep, by_stream)
        if ep.has_history:
            schemas[f"{ep.stream}_history"] = history_schema(ep)
        if ep.has_attachments:
            schemas[f"{ep.stream}_attachments"] = attachments_schema(ep)
    schemas["connections"] = connections_schema()
    schemas["report_rows"] = report_rows_schema()
    schemas.update({kind.stream: line_schema(kind) for kind in LINES})
    schemas[TRACKING_STREAM] = tracking_schema()
    schemas[FINANCE_STATEMENT_ROWS] = finance_statement_rows_schema()
    return dict(sorted(schemas.items()))


def render(schema: dict[str, Any]) -> str:
    """Stable JSON text of a schema (sorted keys, indent 2, trailing newline)."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SCHEMAS_DIR, help="output directory")
    parser.add_argument("--check", action="store_true", help="only report differences")
    args = parser.parse_args(argv)
    out_dir: Path = args.out
    wanted = {f"{name}.json": render(schema) for name, schema in build_schemas().items()}
    existing = {p.name for p in out_dir.glob("*.json")} if out_dir.is_dir() else set()
    stale = sorted(existing - set(wanted))
    changed = sorted(
        name for name, text in wanted.items()
        if not (out_dir / name).is_file() or (out_dir / name).read_text(encoding="utf-8") != text
    )
    if args.check:
        for name in changed + stale:
            print(f"out of date: {out_dir / name}", file=sys.stderr)
        return 1 if changed or stale else 0
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in changed:
        (out_dir / name).write_text(wanted[name], encoding="utf-8")
    for name in stale:
        (out_dir / name).unlink()
    print(f"{len(wanted)} schemas in {out_dir} ({len(changed)} written, {len(stale)} removed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
