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
from tests.conftest import SandboxAPI
from tests.tap.conftest import admin_records, org_config, run_tap
from xero_auth.scopes import BASE_SCOPES, read_scopes
from xero_core.endpoints_apis import FINANCE_STATEMENTS
from xero_core.openapi_schemas import load_spec

ZERO_ID = "00000000-0000-0000-0000-000000000000"


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


# --- against the sandbox --------------------------------------------------------------------


def _finance_calls(sandbox: Any, part: str) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests()
            if r["path"].startswith("/finance.xro/1.0") and part in r["path"]]


def test_statement_rows_are_the_sandboxs_statements(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    config = org_config(sandbox, 0, finance_start_date="2026-01-01",
                        finance_end_date="2026-06-30")
    run = run_tap(sandbox, config, ["finance_statement_rows"])
    rows = run.records["finance_statement_rows"]
    calls = _finance_calls(sandbox, "/FinancialStatements/")
    assert len(calls) == len(FINANCE_STATEMENTS), [c["path"] for c in calls]
    assert all(c["status"] == 200 for c in calls)
    pnl = next(c for c in calls if c["path"].endswith("/ProfitAndLoss"))
    assert (pnl["query"].get("startDate"), pnl["query"].get("endDate")) == (
        "2026-01-01", "2026-06-30")
    assert {r["statement"] for r in rows} <= set(FINANCE_STATEMENTS)
    assert "BalanceSheet" in {r["statement"] for r in rows}
    accounts = {a["AccountID"] for a in admin_records(sandbox, sandbox.orgs[0]["tenant_id"],
                                                      "accounts")}
    named = {r["account_id"] for r in rows if r["account_id"]}
    # Computed lines (current year earnings) name the empty id, as Xero's answers do.
    assert named and named - {ZERO_ID} <= accounts
    assert len({r["row_key"] for r in rows}) == len(rows)


def test_cash_validation_is_one_entry_per_bank_account(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    tenant = sandbox.orgs[0]["tenant_id"]
    run = run_tap(sandbox, org_config(sandbox, 0, finance_balance_date="2026-06-30"),
                  ["finance_cash_validation"])
    held = {a["AccountID"] for a in admin_records(sandbox, tenant, "accounts")
            if a.get("Type") == "BANK"}
    emitted = run.ids("finance_cash_validation", "accountId")
    assert held and sorted(emitted) == sorted(held)
    (call,) = _finance_calls(sandbox, "/CashValidation")
    assert call["query"].get("balanceDate") == "2026-06-30"


def test_bank_statements_one_call_per_bank_account(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    tenant = sandbox.orgs[0]["tenant_id"]
    run = run_tap(sandbox, org_config(sandbox, 0, finance_start_date="2026-01-01",
                                      finance_end_date="2026-06-30"),
                  ["finance_bank_statements"])
    banks = {a["AccountID"] for a in admin_records(sandbox, tenant, "accounts")
             if a.get("Type") == "BANK"}
    calls = _finance_calls(sandbox, "/BankStatementsPlus/statements")
    asked = [c["query"].get("BankAccountID") for c in calls]
    assert all(c["query"].get("FromDate") == "2026-01-01" for c in calls)
    assert sorted(asked) == sorted(banks)
    # What the sandbox answers each account for that period, asked without the tap.
    api = SandboxAPI(sandbox)
    held = {str(s["statementId"]) for bank in banks for s in api.get(
        "/finance.xro/1.0/BankStatementsPlus/statements",
        params={"BankAccountID": bank, "FromDate": "2026-01-01", "ToDate": "2026-06-30"},
    ).json()["statements"]}
    records = run.records["finance_bank_statements"]
    assert held and {str(r["statementId"]) for r in records} == held
    assert all(r["bankAccountId"] in banks for r in records)


def test_a_period_over_twelve_months_is_asked_in_windows(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    run = run_tap(sandbox, org_config(sandbox, 0, finance_start_date="2025-01-01",
                                      finance_end_date="2026-06-30"),
                  ["finance_bank_statements"])
    calls = _finance_calls(sandbox, "/BankStatementsPlus/statements")
    assert calls and all(c["status"] == 200 for c in calls)
    periods = {(c["query"]["FromDate"], c["query"]["ToDate"]) for c in calls}
    assert periods == {("2025-01-01", "2025-12-31"), ("2026-01-01", "2026-06-30")}
    assert len(calls) == 2 * len({c["query"]["BankAccountID"] for c in calls})
    assert run.records["finance_bank_statements"]


def test_xero_auth_asks_for_the_read_only_scopes_these_streams_need() -> None:
    assert read_scopes(["finance_statement_rows", "finance_cash_validation"]) == [
        *BASE_SCOPES, "finance.cashvalidation.read", "finance.statements.read"]
    # Bank statements list the BANK accounts; payroll streams ask the organisation's country.
    assert read_scopes(["finance_bank_statements", "payroll_uk_payslips"]) == [
        *BASE_SCOPES, "accounting.settings.read", "finance.bankstatementsplus.read",
        "payroll.payslip.read"]
    assert not [s for s in read_scopes(None) if s.endswith(".read.read")]
