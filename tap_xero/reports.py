"""Xero reports: which query each report takes, and flattening Rows/Cells into table rows.

A report answer nests Header, Section, Row and SummaryRow rows of Cells. A warehouse wants
one row per report line per value column (period), carrying the report, its parameters, the
section and row titles and the column header, so `report_rows` is one long table for all
reports rather than one oddly shaped table per report.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

AGED_REPORTS = ("AgedPayablesByContact", "AgedReceivablesByContact")
TIMEFRAME_MONTHS = {"MONTH": 1, "QUARTER": 3, "YEAR": 12}

# Which of the tap's report settings each report accepts (Xero's query parameter names).
REPORT_PARAMS: dict[str, tuple[str, ...]] = {
    "BalanceSheet": ("date", "periods", "timeframe"),
    "ProfitAndLoss": ("fromDate", "toDate", "periods", "timeframe"),
    "TrialBalance": ("date",),
    "BankSummary": ("fromDate", "toDate"),
    "BudgetSummary": ("date", "periods", "timeframe"),
    "ExecutiveSummary": ("date",),
    "AgedPayablesByContact": ("date", "fromDate", "toDate"),
    "AgedReceivablesByContact": ("date", "fromDate", "toDate"),
}


def report_params(report: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """The query for one report from the settings (only parameters it takes, only if set)."""
    values: dict[str, Any] = {
        "date": config.get("report_date"),
        "periods": config.get("report_periods"),
        "timeframe": config.get("report_timeframe"),
        "fromDate": config.get("report_from_date"),
        "toDate": config.get("report_to_date"),
    }
    if report == "BudgetSummary" and values["timeframe"]:
        # BudgetSummary counts months (1, 3, 12) where the others name the period.
        values["timeframe"] = TIMEFRAME_MONTHS.get(str(values["timeframe"]).upper())
    params = {k: values[k] for k in REPORT_PARAMS.get(report, ()) if values.get(k) is not None}
    return {k: str(v)[:10] if k in ("date", "fromDate", "toDate") else v
            for k, v in params.items()}


def run_id(report: str, params: Mapping[str, Any]) -> str:
    """A readable, stable id of one report run: its type and its query."""
    query = urlencode(sorted((k, str(v)) for k, v in params.items()))
    return f"{report}?{query}" if query else report


def to_decimal(value: Any) -> Decimal | None:
    """A cell's value as a number when it is one ("1,234.50" included), else None."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _cells(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [c for c in row.get("Cells") or [] if isinstance(c, dict)]


def _attributes(cell: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for attr in cell.get("Attributes") or []:
        if isinstance(attr, dict) and attr.get("Id"):
            out[str(attr["Id"])] = str(attr.get("Value", ""))
    return out


def row_key(tenant_id: str, rid: str, section: str, line: int, column: int) -> str:
    """Stable synthetic key of one value: tenant, report run, section, line and column."""
    text = "\x1f".join((tenant_id, rid, section, str(line), str(column)))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def flatten_report(
    report: Mapping[str, Any], *, tenant_id: str, report_type: str, params: Mapping[str, Any],
) -> Iterator[dict[str, Any]]:
    """One dict per (line, value column) of one entry of an answer's `Reports` list.

    The first cell of a line is its title; every following cell is a value under the header
    cell of the same position. Section titles nest as "Assets / Bank".
    """
    rid = run_id(report_type, params)
    base = {
        "_tenant_id": tenant_id,
        "report_id": report.get("ReportID") or report_type,
        "report_type": report.get("ReportType") or report_type,
        "report_name": report.get("ReportName"),
        "report_titles": list(report.get("ReportTitles") or []),
        "report_date": report.get("ReportDate"),
        "parameters": {k: str(v) for k, v in params.items()},
    }
    headers: list[str] = []
    line = 0
    for row, titles in _walk(report.get("Rows") or [], ()):
        kind = row.get("RowType")
        cells = _cells(row)
        if kind == "Header":
            headers = [str(c.get("Value") or "") for c in cells]
            continue
        if not cells:
            continue
        section = " / ".join(titles)
        row_attributes = _attributes(cells[0])
        for col, cell in enumerate(cells[1:], start=1):
            value = cell.get("Value")
            attributes = {**row_attributes, **_attributes(cell)}
            yield {
                **base,
                "row_key": row_key(tenant_id, rid, section, line, col),
                "section": section,
                "row_type": kind,
                "row_title": cells[0].get("Value"),
                "column_index": col,
                "column_title": headers[col] if col < len(headers) else None,
                "value": value,
                "value_number": to_decimal(value),
                "account_id": attributes.get("account"),
            }
        line += 1


def _walk(
    rows: list[Any], section: tuple[str, ...]
) -> Iterator[tuple[dict[str, Any], tuple[str, ...]]]:
    """Depth-first over rows, with the titles of the sections around each one."""
    for row in rows:
        if not isinstance(row, dict):
            continue
        if row.get("RowType") == "Section":
            title = str(row.get("Title") or "")
            inner = (*section, title) if title else section
            yield from _walk(row.get("Rows") or [], inner)
        else:
            yield row, section
