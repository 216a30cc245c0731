"""The financial statements among Xero's reports: Balance Sheet, Profit and Loss and Trial
Balance, from the ledger's balances, in Xero's Rows/Cells shape.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from xero_sandbox.backend.ledger import account_class
from xero_sandbox.backend.report_books import (
    NO_ACCOUNT,
    BadParam,
    Books,
    Params,
    Record,
    header,
    long_date,
    money,
    month_start,
    report_body,
    row,
    section,
    shift_months,
    short_date,
    summary,
)

_BS_ASSETS = (("Bank", ("BANK",)), ("Current Assets", ("CURRENT", "PREPAYMENT", "INVENTORY")),
              ("Fixed Assets", ("FIXED",)), ("Non-current Assets", ("NONCURRENT",)))
_BS_LIABILITIES = (("Current Liabilities", ("CURRLIAB", "LIABILITY")),
                   ("Non-Current Liabilities", ("TERMLIAB",)))


def _balance_rows(books: Books, groups: Any, dates: list[date], sign: int,
                  totals: list[int]) -> list[Record]:
    out = []
    for title, types in groups:
        rows, sub = [], [0] * len(dates)
        for a in books.of_types(*types):
            values = [sign * books.to(a, d) for d in dates]
            if not any(values):
                continue
            rows.append(row(a["Name"], map(money, values), a["AccountID"]))
            sub = [s + v for s, v in zip(sub, values, strict=True)]
        if rows:
            rows.append(summary(f"Total {title}", map(money, sub)))
            out.append(section(title, rows))
            for i, v in enumerate(sub):
                totals[i] += v
    return out


def balance_sheet(books: Books, p: Params, now_ms: int) -> Record:
    at = p.date("date", books.today)
    periods = p.number("periods", 0, 0, 11)
    step = p.timeframe_months()
    dates = [shift_months(at, -i * step) for i in range(periods + 1)]
    n = len(dates)
    assets, liabilities = [0] * n, [0] * n
    rows = [header("", *(short_date(d) for d in dates)), section("Assets", [])]
    rows += _balance_rows(books, _BS_ASSETS, dates, 1, assets)
    rows.append(section("", [summary("Total Assets", map(money, assets))]))
    rows.append(section("Liabilities", []))
    rows += _balance_rows(books, _BS_LIABILITIES, dates, -1, liabilities)
    rows.append(section("", [summary("Total Liabilities", map(money, liabilities))]))
    net = [a - li for a, li in zip(assets, liabilities, strict=True)]
    rows.append(section("", [row("Net Assets", map(money, net))]))
    equity_rows, equity = [], [0] * n
    retained = books.retained_earnings
    for a in books.of_types("EQUITY"):
        if retained is not None and a["AccountID"] == retained["AccountID"]:
            continue
        values = [-books.to(a, d) for d in dates]
        if any(values):
            equity_rows.append(row(a["Name"], map(money, values), a["AccountID"]))
            equity = [e + v for e, v in zip(equity, values, strict=True)]
    current = [books.profit(books.fy_start(d), d) for d in dates]
    earlier = [books.profit(None, books.fy_start(d) - timedelta(days=1))
               + (-books.to(retained, d) if retained else 0) for d in dates]
    equity_rows.append(_earnings_row("Current Year Earnings", current, dates, books))
    equity_rows.append(row("Retained Earnings", map(money, earlier),
                           retained["AccountID"] if retained else NO_ACCOUNT))
    equity = [e + c + r for e, c, r in zip(equity, current, earlier, strict=True)]
    equity_rows.append(summary("Total Equity", map(money, equity)))
    rows.append(section("Equity", equity_rows))
    titles = ["Balance Sheet", books.org.name, f"As at {long_date(at)}"]
    return report_body(books, "BalanceSheet", "Balance Sheet", titles, rows, now_ms)


def _earnings_row(label: str, values: list[int], dates: list[date], books: Books) -> Record:
    cells: list[Record] = [{"Value": label, "Attributes": [{"Value": NO_ACCOUNT,
                                                            "Id": "account"}]}]
    for v, d in zip(values, dates, strict=True):
        start = books.fy_start(d)
        cells.append({"Value": money(v), "Attributes": [
            {"Value": NO_ACCOUNT, "Id": "account"},
            {"Value": f"{start.month}/{start.day}/{start.year}", "Id": "fromDate"},
            {"Value": f"{d.month}/{d.day}/{d.year}", "Id": "toDate"}]})
    return {"RowType": "Row", "Cells": cells}


# --- Profit and Loss ------------------------------------------------------------------------------

_PL_GROUPS = (("Income", ("REVENUE", "SALES"), -1), ("Less Cost of Sales", ("DIRECTCOSTS",), 1),
              ("Other Income", ("OTHERINCOME",), -1),
              ("Less Operating Expenses", ("EXPENSE", "OVERHEADS", "DEPRECIATN"), 1))


def profit_and_loss(books: Books, p: Params, now_ms: int) -> Record:
    end = p.date("toDate", books.today)
    start = p.date("fromDate", month_start(end))
    if start > end:
        raise BadParam("fromDate must not be after toDate")
    periods = p.number("periods", 0, 0, 11)
    step = p.timeframe_months()
    ranges = [(shift_months(start, -i * step), shift_months(end, -i * step))
              for i in range(periods + 1)]
    n = len(ranges)
    rows: list[Record] = [header("", *(f"{short_date(b)}" for _, b in ranges))]
    group_totals: dict[str, list[int]] = {}
    for title, types, sign in _PL_GROUPS:
        section_rows, sub = [], [0] * n
        for a in books.of_types(*types):
            values = [sign * books.between(a, s, e) for s, e in ranges]
            if not any(values):
                continue
            section_rows.append(row(a["Name"], map(money, values), a["AccountID"]))
            sub = [t + v for t, v in zip(sub, values, strict=True)]
        group_totals[title] = sub
        label = "Total " + title.replace("Less ", "")
        section_rows.append(summary(label, map(money, sub)))
        rows.append(section(title, section_rows))
        if title == "Less Cost of Sales":
            gross = [i - c for i, c in zip(group_totals["Income"], sub, strict=True)]
            rows.append(section("", [row("Gross Profit", map(money, gross))]))
    columns = (group_totals[t] for t, _, _ in _PL_GROUPS)
    net = [i - c + o - x for i, c, o, x in zip(*columns, strict=True)]
    rows.append(section("", [row("Net Profit", map(money, net))]))
    titles = ["Profit and Loss", books.org.name,
              f"For the period {long_date(start)} to {long_date(end)}"]
    return report_body(books, "ProfitAndLoss", "Profit and Loss", titles, rows, now_ms)


# --- Trial Balance --------------------------------------------------------------------------------

_TB_SECTIONS = (("Revenue", ("REVENUE",)), ("Expenses", ("EXPENSE",)), ("Assets", ("ASSET",)),
                ("Liabilities", ("LIABILITY",)), ("Equity", ("EQUITY",)))


def _dr_cr(c: int) -> tuple[str, str]:
    if c > 0:
        return money(c), ""
    if c < 0:
        return "", money(-c)
    return "", ""


def trial_balance(books: Books, p: Params, now_ms: int) -> Record:
    at = p.date("date", books.today)
    fy = books.fy_start(at)
    first = month_start(at)
    retained = books.retained_earnings
    prior_profit = books.profit(None, fy - timedelta(days=1))
    rows: list[Record] = [header("Account", "Debit", "Credit", "YTD Debit", "YTD Credit")]
    sums = [0, 0, 0, 0]
    for title, classes in _TB_SECTIONS:
        section_rows = []
        for a in books.of_class(*classes):
            pl = account_class(a) in ("REVENUE", "EXPENSE")
            month = books.between(a, first, at)
            ytd = books.between(a, fy, at) if pl else books.to(a, at)
            if retained is not None and a["AccountID"] == retained["AccountID"]:
                ytd -= prior_profit
            if not month and not ytd:
                continue
            cells = [*_dr_cr(month), *_dr_cr(ytd)]
            for i, v in enumerate((month, -month, ytd, -ytd)):
                if v > 0:
                    sums[i] += v
            label = f"{a['Name']} ({a['Code']})" if a.get("Code") else a["Name"]
            section_rows.append(row(label, cells, a["AccountID"]))
        rows.append(section(title, section_rows))
    if retained is None and prior_profit:
        ytd = -prior_profit
        rows.append(section("", [row("Retained Earnings", ["", "", *_dr_cr(ytd)])]))
        sums[2 if ytd > 0 else 3] += abs(ytd)
    rows.append(section("", [summary("Total", map(money, sums))]))
    titles = ["Trial Balance", books.org.name, f"As at {long_date(at)}"]
    return report_body(books, "TrialBalance", "Trial Balance", titles, rows, now_ms)


# --- Bank Summary ---------------------------------------------------------------------------------
