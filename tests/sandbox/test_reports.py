"""Reports computed from the ledger: they balance, agree with each other and follow writes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from xero_core.endpoints import endpoint
from xero_sandbox.backend import reports, rules
from xero_sandbox.backend.seed import generate
from xero_sandbox.backend.store import Organisation

NOW = 1_780_000_000_000  # 2026-05-28
NUMBER = re.compile(r"^-?\d+\.\d\d$")


@pytest.fixture(scope="module")
def org() -> Organisation:
    return generate(seed=11, size=200, orgs=1, now_ms=NOW)[0]


def run(org: Organisation, name: str, **params: str) -> dict[str, Any]:
    out = reports.report(org, name, params, NOW)
    assert out.status == 200, out.body
    assert out.body is not None
    [report] = out.body["Reports"]
    assert report["ReportType"] == name
    return report


def rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Row / SummaryRow, sections flattened."""
    out = []
    for r in report["Rows"]:
        if r["RowType"] == "Section":
            out.extend(r["Rows"])
        elif r["RowType"] != "Header":
            out.append(r)
    return out


def line(report: dict[str, Any], label: str) -> list[Decimal]:
    for r in rows(report):
        if r["Cells"][0]["Value"] == label:
            return [Decimal(c["Value"].rstrip("%") or 0) for c in r["Cells"][1:]]
    raise KeyError(label)


def values(report: dict[str, Any]) -> list[str]:
    return [c["Value"] for r in rows(report) for c in r["Cells"][1:]]


@pytest.mark.parametrize("params", [{}, {"date": "2025-12-31"}, {"date": "2025-03-31"},
                                    {"periods": "3", "timeframe": "QUARTER"},
                                    {"periods": "2", "timeframe": "YEAR"}])
def test_balance_sheet_balances(org: Organisation, params: dict[str, str]) -> None:
    bs = run(org, "BalanceSheet", **params)
    assets, liabilities = line(bs, "Total Assets"), line(bs, "Total Liabilities")
    equity = line(bs, "Total Equity")
    assert len(assets) == 1 + int(params.get("periods", 0))
    assert len(bs["Rows"][0]["Cells"]) == len(assets) + 1
    for a, li, e in zip(assets, liabilities, equity, strict=True):
        assert a == li + e
    assert line(bs, "Net Assets") == [a - li for a, li in zip(assets, liabilities, strict=True)]
    assert any(a != 0 for a in assets)


def test_balance_sheet_shape(org: Organisation) -> None:
    bs = run(org, "BalanceSheet", date="2026-04-30")
    assert bs["ReportTitles"] == ["Balance Sheet", "Demo Company (NZ)", "As at 30 April 2026"]
    assert bs["Rows"][0] == {"RowType": "Header", "Cells": [{"Value": ""},
                                                            {"Value": "30 Apr 2026"}]}
    bank = next(r for r in bs["Rows"] if r.get("Title") == "Bank")
    first = bank["Rows"][0]
    assert first["RowType"] == "Row"
    assert first["Cells"][1]["Attributes"][0]["Id"] == "account"
    assert org.coll("accounts").get(first["Cells"][1]["Attributes"][0]["Value"]) is not None
    assert bank["Rows"][-1]["RowType"] == "SummaryRow"
    assert all(NUMBER.match(v) for v in values(bs) if v)


def test_trial_balance_debits_equal_credits(org: Organisation) -> None:
    for date in ("2026-05-28", "2025-06-30", "2024-12-31"):
        tb = run(org, "TrialBalance", date=date)
        assert [c["Value"] for c in tb["Rows"][0]["Cells"]] == [
            "Account", "Debit", "Credit", "YTD Debit", "YTD Credit"]
        total = line(tb, "Total")
        assert total[0] == total[1] and total[2] == total[3]
        account_rows = [r for r in rows(tb) if r["RowType"] == "Row"]
        for col in range(4):
            assert sum(Decimal(r["Cells"][col + 1]["Value"] or 0) for r in account_rows) == \
                total[col]
        assert total[2] > 0


def test_profit_and_loss_agrees_with_balance_sheet(org: Organisation) -> None:
    # the NZ demo's financial year ends 31 March: this year started 1 April 2026
    pl = run(org, "ProfitAndLoss", fromDate="2026-04-01", toDate="2026-05-28")
    bs = run(org, "BalanceSheet", date="2026-05-28")
    assert line(pl, "Net Profit") == line(bs, "Current Year Earnings")
    income = line(pl, "Total Income")[0]
    gross = line(pl, "Gross Profit")[0]
    assert gross == income - line(pl, "Total Cost of Sales")[0]
    assert line(pl, "Net Profit")[0] == gross + line(pl, "Total Other Income")[0] - line(
        pl, "Total Operating Expenses")[0]


def test_profit_and_loss_periods_and_param_casing(org: Organisation) -> None:
    lower = run(org, "ProfitAndLoss", fromDate="2026-01-01", toDate="2026-01-31", periods="2",
                timeframe="MONTH")
    upper = run(org, "ProfitAndLoss", FromDate="2026-01-01", ToDate="2026-01-31", periods="2",
                timeframe="MONTH")
    assert values(lower) == values(upper)
    assert len(line(lower, "Net Profit")) == 3
    december = run(org, "ProfitAndLoss", fromDate="2025-12-01", toDate="2025-12-31")
    assert line(lower, "Net Profit")[1] == line(december, "Net Profit")[0]


def test_bank_summary_adds_up(org: Organisation) -> None:
    bank = run(org, "BankSummary", fromDate="2026-01-01", toDate="2026-05-28")
    bs = run(org, "BalanceSheet", date="2026-05-28")
    body = [r for r in rows(bank) if r["RowType"] == "Row"]
    assert body
    for r in body:
        opening, received, spent, closing = (Decimal(c["Value"]) for c in r["Cells"][1:])
        assert closing == opening + received - spent
        assert [closing] == line(bs, r["Cells"][0]["Value"])
    assert line(bank, "Total")[3] == line(bs, "Total Bank")[0]


def test_budget_summary(org: Organisation) -> None:
    budget = run(org, "BudgetSummary", date="2025-06-01", periods="6", timeframe="1")
    assert len(budget["Rows"][0]["Cells"]) == 7
    assert budget["Rows"][0]["Cells"][1]["Value"] == "Jun-25"
    quarterly = run(org, "BudgetSummary", date="2025-06-01", periods="2", timeframe="3")
    assert sum(line(budget, "Net Profit")) == sum(line(quarterly, "Net Profit"))
    assert any(v != 0 for v in line(budget, "Total Income"))


def test_executive_summary(org: Organisation) -> None:
    ex = run(org, "ExecutiveSummary", date="2026-04-30")
    bs = run(org, "BalanceSheet", date="2026-04-30")
    assert line(ex, "Closing bank balance")[0] == line(bs, "Total Bank")[0]
    assert line(ex, "Debtors")[0] == line(bs, "Accounts Receivable")[0]
    assert [c["Value"] for c in ex["Rows"][0]["Cells"]] == ["", "Apr 2026", "Mar 2026",
                                                            "Variance"]
    assert ex["Rows"][1]["Rows"][0]["Cells"][3]["Value"].endswith("%")


@pytest.mark.parametrize(("name", "invoice_type"), [("AgedReceivablesByContact", "ACCREC"),
                                                     ("AgedPayablesByContact", "ACCPAY")])
def test_aged_by_contact(org: Organisation, name: str, invoice_type: str) -> None:
    missing = reports.report(org, name, {}, NOW)
    assert missing.status == 400
    owing = next(i for i in org.coll("invoices").records.values()
                 if i["Type"] == invoice_type and i["Status"] == "AUTHORISED"
                 and i["CurrencyCode"] == org.base_currency)
    contact_id = owing["Contact"]["ContactID"]
    aged = run(org, name, contactId=contact_id)
    expected = sum(Decimal(str(i["AmountDue"])) for i in org.coll("invoices").records.values()
                   if i["Type"] == invoice_type and i["Status"] == "AUTHORISED"
                   and i["Contact"]["ContactID"] == contact_id)
    assert line(aged, "Total")[-1] == expected
    invoice_rows = [r for r in rows(aged) if r["RowType"] == "Row"]
    assert owing["InvoiceID"] in {r["Cells"][0]["Attributes"][0]["Value"] for r in invoice_rows}
    assert reports.report(org, name, {"contactId": "no-such-contact"}, NOW).status == 404


def test_unknown_report_and_bad_parameters(org: Organisation) -> None:
    assert reports.report(org, "NoSuchReport", {}, NOW).status == 404
    assert reports.report(org, "BalanceSheet", {"date": "31/12/2025"}, NOW).status == 400
    assert reports.report(org, "BalanceSheet", {"timeframe": "WEEK"}, NOW).status == 400
    lower = reports.report(org, "balancesheet", {}, NOW)
    assert lower.status == 200 and lower.body is not None
    assert lower.body["Reports"][0]["ReportType"] == "BalanceSheet"


def test_reports_follow_writes() -> None:
    org = generate(seed=12, size=60, orgs=1, now_ms=NOW)[0]
    before = run(org, "ProfitAndLoss", fromDate="2026-05-01", toDate="2026-05-28")
    contact = next(iter(org.coll("contacts").records.values()))
    out = rules.write(org, endpoint("invoices"), "PUT", {"Invoices": [{
        "Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]}, "Date": "2026-05-10",
        "Status": "AUTHORISED", "LineItems": [{"Description": "x", "Quantity": 1,
                                               "UnitAmount": 1000, "AccountCode": "200"}]}]},
        record_id=None, summarize_errors=True, now_ms=NOW + 1, params={})
    assert out.status == 200
    after = run(org, "ProfitAndLoss", fromDate="2026-05-01", toDate="2026-05-28")
    assert line(after, "Total Income")[0] - line(before, "Total Income")[0] == 1000
    bs = run(org, "BalanceSheet")
    assert line(bs, "Total Assets")[0] == line(bs, "Total Liabilities")[0] + line(
        bs, "Total Equity")[0]
