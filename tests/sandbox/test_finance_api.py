"""The sandbox's Finance API (/finance.xro/1.0): financial statements from the same ledger as
the Accounting API's reports, contacts' revenue and expense, cash validation and bank
statements; parameters, 400 Problems, scopes, and every answer checked against
xero-finance.yaml."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.sandbox.spec_responses import check_response

FINANCE = "/finance.xro/1.0"
SPEC = "xero-finance.yaml"


def _report_values(api: Any, name: str, **params: str) -> dict[str, float]:
    """Account id -> first value column of an Accounting API report."""
    body = api.get(f"Reports/{name}", params=params).json()
    out: dict[str, float] = {}

    def walk(rows: list[dict[str, Any]]) -> None:
        for row in rows:
            walk(row.get("Rows", []))
            cells = row.get("Cells", [])
            attrs = cells[0].get("Attributes", []) if cells else []
            if row.get("RowType") == "Row" and attrs and len(cells) > 1:
                out[attrs[0]["Value"]] = float(cells[1]["Value"] or 0)
    walk(body["Reports"][0]["Rows"])
    return out


def _accounts(group: dict[str, Any]) -> dict[str, float]:
    return {a["accountID"]: a["total"] for t in group["accountTypes"] for a in t["accounts"]}


def test_balance_sheet_balances_and_agrees_with_the_accounting_report(api) -> None:
    day = (date.today() - timedelta(days=40)).isoformat()
    resp = api.get(f"{FINANCE}/FinancialStatements/BalanceSheet", params={"balanceDate": day})
    assert resp.status_code == 200, resp.text
    body = check_response(SPEC, "/FinancialStatements/BalanceSheet", resp)
    assert body["balanceDate"] == day
    assert body["asset"]["total"] == pytest.approx(
        body["liability"]["total"] + body["equity"]["total"], abs=0.02)
    report = _report_values(api, "BalanceSheet", date=day)
    for account_id, total in {**_accounts(body["asset"]),
                              **_accounts(body["liability"])}.items():
        assert report[account_id] == pytest.approx(total, abs=0.005), account_id
    today = api.get(f"{FINANCE}/FinancialStatements/BalanceSheet").json()
    assert today["balanceDate"] == date.today().isoformat()
    assert today["asset"]["total"] != body["asset"]["total"]


def test_profit_and_loss_agrees_with_the_accounting_report(api) -> None:
    start, end = "2026-01-01", "2026-06-30"
    resp = api.get(f"{FINANCE}/FinancialStatements/ProfitAndLoss",
                   params={"startDate": start, "endDate": end})
    body = check_response(SPEC, "/FinancialStatements/ProfitAndLoss", resp)
    assert (body["startDate"], body["endDate"]) == (start, end)
    assert body["netProfitLoss"] == pytest.approx(
        body["revenue"]["total"] - body["expense"]["total"], abs=0.02)
    report = _report_values(api, "ProfitAndLoss", fromDate=start, toDate=end)
    both = {**_accounts(body["revenue"]), **_accounts(body["expense"])}
    assert both
    for account_id, total in both.items():
        assert report[account_id] == pytest.approx(total, abs=0.005), account_id
    default = api.get(f"{FINANCE}/FinancialStatements/ProfitAndLoss").json()
    end_day = date.fromisoformat(default["endDate"])
    assert end_day == date.today()
    assert (end_day - date.fromisoformat(default["startDate"])).days in range(360, 367)


def test_trial_balance_nets_to_zero(api) -> None:
    resp = api.get(f"{FINANCE}/FinancialStatements/TrialBalance",
                   params={"endDate": "2026-03-31"})
    body = check_response(SPEC, "/FinancialStatements/TrialBalance", resp)
    assert body["endDate"] == "2026-03-31"
    assert sum(a["signedBalance"] for a in body["accounts"]) == pytest.approx(0, abs=0.02)
    for a in body["accounts"]:
        move = a["accountMovement"]
        assert move["signedMovement"] == pytest.approx(move["debits"] - move["credits"],
                                                       abs=0.005)


def test_cashflow_moves_from_opening_to_closing(api) -> None:
    resp = api.get(f"{FINANCE}/FinancialStatements/Cashflow",
                   params={"startDate": "2025-07-01", "endDate": "2026-06-30"})
    body = check_response(SPEC, "/FinancialStatements/Cashflow", resp)
    cash = body["cashBalance"]
    assert cash["netCashMovement"] == pytest.approx(
        cash["closingCashBalance"] - cash["openingCashBalance"], abs=0.01)
    assert sum(a["total"] for a in body["cashflowActivities"]) == pytest.approx(
        cash["netCashMovement"], abs=0.05)
    names = [a["name"] for a in body["cashflowActivities"]]
    assert names == ["Operating Activities", "Investing Activities", "Financing Activities"]


def test_contacts_revenue_and_expense_from_invoices(clean_sandbox, api) -> None:
    params = {"startDate": "2025-01-01", "endDate": "2026-12-31"}
    resp = api.get(f"{FINANCE}/FinancialStatements/contacts/revenue", params=params)
    body = check_response(SPEC, "/FinancialStatements/contacts/revenue", resp)
    assert body["contacts"] and "manualJournals" not in body
    assert body["total"] == pytest.approx(sum(c["total"] for c in body["contacts"]), abs=0.02)
    one = body["contacts"][0]
    invoices = [i for i in clean_sandbox.records(api.tenant_id, "invoices")
                if i["Type"] == "ACCREC" and i["Contact"]["ContactID"] == one["contactId"]
                and i["Status"] in ("AUTHORISED", "PAID")
                and "2025-01-01" <= i["DateString"][:10] <= "2026-12-31"]
    assert one["totalDetail"]["totalPaid"] == pytest.approx(
        sum(i["AmountPaid"] for i in invoices), abs=0.02)
    only = api.get(f"{FINANCE}/FinancialStatements/contacts/revenue",
                   params={**params, "contactIds": one["contactId"],
                           "includeManualJournals": "true"}).json()
    assert [c["contactId"] for c in only["contacts"]] == [one["contactId"]]
    assert "total" in only["manualJournals"]
    # An array parameter sent exploded (OpenAPI's default for query arrays) or as csv.
    two = [c["contactId"] for c in body["contacts"][:2]]
    exploded = api.get(f"{FINANCE}/FinancialStatements/contacts/revenue",
                       params=[*params.items(), *(("contactIds", c) for c in two)]).json()
    csv = api.get(f"{FINANCE}/FinancialStatements/contacts/revenue",
                  params={**params, "contactIds": ",".join(two)}).json()
    assert sorted(c["contactId"] for c in exploded["contacts"]) == sorted(two)
    assert exploded["contacts"] == csv["contacts"]
    resp = api.get(f"{FINANCE}/FinancialStatements/contacts/expense", params=params)
    expense = check_response(SPEC, "/FinancialStatements/contacts/expense", resp)
    suppliers = {i["Contact"]["ContactID"] for i in clean_sandbox.records(
        api.tenant_id, "invoices") if i["Type"] == "ACCPAY"}
    assert {c["contactId"] for c in expense["contacts"]} <= suppliers


def test_cash_validation_per_bank_account(clean_sandbox, api) -> None:
    resp = api.get(f"{FINANCE}/CashValidation")
    body = check_response(SPEC, "/CashValidation", resp)
    banks = {a["AccountID"] for a in clean_sandbox.records(api.tenant_id, "accounts")
             if a["Type"] == "BANK"}
    assert {e["accountId"] for e in body} == banks
    sheet = _accounts(api.get(f"{FINANCE}/FinancialStatements/BalanceSheet").json()["asset"])
    for entry in body:
        assert entry["cashAccount"]["accountBalance"] == pytest.approx(
            sheet.get(entry["accountId"], 0.0), abs=0.005)
        lines = entry["bankStatement"]["statementLines"]
        assert lines["unreconciledLines"] + lines["reconciledLines"] >= 0
    assert api.get(f"{FINANCE}/CashValidation", params={"balanceDate": "2020-01"}
                   ).status_code == 400


def test_bank_statements_of_one_account(clean_sandbox, api) -> None:
    bank = next(a for a in clean_sandbox.records(api.tenant_id, "accounts")
                if a["Type"] == "BANK")
    end = date.today() - timedelta(days=1)
    params = {"BankAccountID": bank["AccountID"], "FromDate": (end - timedelta(days=300))
              .isoformat(), "ToDate": end.isoformat()}
    resp = api.get(f"{FINANCE}/BankStatementsPlus/statements", params=params)
    body = check_response(SPEC, "/BankStatementsPlus/statements", resp)
    assert body["bankAccountId"] == bank["AccountID"] and body["statements"]
    for statement in body["statements"]:
        moved = sum(line["amount"] for line in statement["statementLines"])
        assert statement["endBalance"] - statement["startBalance"] == pytest.approx(moved,
                                                                                  abs=0.02)
    lines = [x for s in body["statements"] for x in s["statementLines"]]
    assert not any("lineItems" in t for x in lines for t in x["bankTransactions"])
    full = api.get(f"{FINANCE}/BankStatementsPlus/statements",
                   params={**params, "SummaryOnly": "false"}).json()
    assert any("lineItems" in t for s in full["statements"] for x in s["statementLines"]
               for t in x["bankTransactions"])


@pytest.mark.parametrize("params", [
    {},
    {"BankAccountID": "not-a-guid", "FromDate": "2026-01-01", "ToDate": "2026-02-01"},
    {"FromDate": "2024-01-01", "ToDate": "2025-06-01"},
    {"FromDate": "2026-01-01", "ToDate": "2099-01-01"},
    {"FromDate": "2026-02-01", "ToDate": "2026-01-01"},
])
def test_bank_statement_parameters_xero_refuses(clean_sandbox, api, params) -> None:
    bank = next(a for a in clean_sandbox.records(api.tenant_id, "accounts")
                if a["Type"] == "BANK")
    if params and "BankAccountID" not in params:
        params = {"BankAccountID": bank["AccountID"], **params}
    resp = api.get(f"{FINANCE}/BankStatementsPlus/statements", params=params)
    assert resp.status_code == 400, resp.text
    problem = check_response(SPEC, "/BankStatementsPlus/statements", resp)
    assert problem["type"] == "invalid-request" and problem["detail"]


def test_an_unknown_bank_account_and_bad_dates(api) -> None:
    resp = api.get(f"{FINANCE}/BankStatementsPlus/statements", params={
        "BankAccountID": "00000000-0000-4000-8000-000000000000", "FromDate": "2026-01-01",
        "ToDate": "2026-02-01"})
    assert resp.status_code == 404
    for path, params in (("/FinancialStatements/BalanceSheet", {"balanceDate": "12/05/2026"}),
                         ("/FinancialStatements/ProfitAndLoss", {"startDate": "2026-13-01"}),
                         ("/FinancialStatements/ProfitAndLoss",
                          {"startDate": "2026-06-01", "endDate": "2026-01-01"})):
        resp = api.get(FINANCE + path, params=params)
        assert resp.status_code == 400, (path, params)
        check_response(SPEC, path, resp)


SCOPED = (("/FinancialStatements/BalanceSheet", "finance.statements.read"),
          ("/FinancialStatements/contacts/expense", "finance.statements.read"),
          ("/CashValidation", "finance.cashvalidation.read"))


@pytest.mark.parametrize(("path", "scope"), SCOPED)
def test_each_path_needs_its_scope(clean_sandbox, make_api, path, scope) -> None:
    api = make_api(0)
    client = api.settings["client_id"]
    others = ({s for _, s in SCOPED} | {"finance.bankstatementsplus.read"}) - {scope}
    try:
        clean_sandbox.set_scopes(client, sorted(others))
        api.token = api.new_token()
        assert api.get(FINANCE + path).status_code == 403
        clean_sandbox.set_scopes(client, [scope])
        api.token = api.new_token()
        assert api.get(FINANCE + path).status_code == 200
    finally:
        clean_sandbox.set_scopes(client, None)


def test_the_finance_api_only_reads(api) -> None:
    assert api.request("POST", f"{FINANCE}/CashValidation", json={}).status_code == 405
    assert api.request("DELETE", f"{FINANCE}/FinancialStatements/TrialBalance"
                       ).status_code == 405
    assert api.get(f"{FINANCE}/FinancialStatements/Nothing").status_code == 404
