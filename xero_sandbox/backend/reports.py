"""Xero's reports, computed from the ledger (journals), in Xero's Rows/Cells shape.

BalanceSheet, ProfitAndLoss, TrialBalance, BankSummary, BudgetSummary, ExecutiveSummary and the
Aged Payables/Receivables by contact. Numbers in cells are strings with two decimals, as Xero
writes them; account rows carry the AccountID in an "account" attribute. The balance sheet
balances (assets = liabilities + equity) and the trial balance's debits equal its credits
because every journal balances: prior years' profit is folded into Retained Earnings and the
current year's shows as Current Year Earnings.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from xero_sandbox.backend import ledger
from xero_sandbox.backend.amounts import cents
from xero_sandbox.backend.answers import Answer, envelope, invalid, not_found
from xero_sandbox.backend.ledger import Balances, account_class
from xero_sandbox.backend.store import Organisation, ms_date

Record = dict[str, Any]
DAY_MS = 86_400_000
NO_ACCOUNT = "00000000-0000-0000-0000-000000000000"
_EPOCH = date(1970, 1, 1)


class BadParam(ValueError):
    """A report parameter Xero would refuse (400)."""


# --- dates -----------------------------------------------------------------------------------

def day_ms(d: date) -> int:
    return (d - _EPOCH).days * DAY_MS


def _date_of_ms(ms: int) -> date:
    return _EPOCH + timedelta(days=ms // DAY_MS)


def shift_months(d: date, months: int) -> date:
    """`d` moved by whole months; a month end stays a month end."""
    last = d.day == calendar.monthrange(d.year, d.month)[1]
    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    days = calendar.monthrange(y, m)[1]
    return date(y, m, days if last else min(d.day, days))


def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def long_date(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def short_date(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


# --- parameters ---------------------------------------------------------------------------------

class Params:
    """Query parameters, read case-insensitively (`fromDate` and `FromDate` both work)."""

    def __init__(self, raw: dict[str, str], today: date) -> None:
        self.raw = {k.lower(): v for k, v in raw.items()}
        self.today = today

    def text(self, name: str) -> str | None:
        value = self.raw.get(name.lower())
        return value.strip() if value and value.strip() else None

    def date(self, name: str, default: date) -> date:
        value = self.text(name)
        if value is None:
            return default
        try:
            return datetime.strptime(value[:10], "%Y-%m-%d").date()
        except ValueError:
            raise BadParam(f"{name} '{value}' is not a valid date (use YYYY-MM-DD)") from None

    def number(self, name: str, default: int, low: int, high: int) -> int:
        value = self.text(name)
        if value is None:
            return default
        try:
            n = int(value)
        except ValueError:
            raise BadParam(f"{name} must be a whole number") from None
        if not low <= n <= high:
            raise BadParam(f"{name} must be between {low} and {high}")
        return n

    def timeframe_months(self, default: int = 1) -> int:
        value = self.text("timeframe")
        if value is None:
            return default
        months = {"MONTH": 1, "QUARTER": 3, "YEAR": 12, "1": 1, "3": 3, "12": 12}.get(
            value.upper())
        if months is None:
            raise BadParam("timeframe must be MONTH, QUARTER or YEAR")
        return months


# --- rows ---------------------------------------------------------------------------------------

def money(c: int) -> str:
    return f"{c / 100:.2f}"


def header(*values: str) -> Record:
    return {"RowType": "Header", "Cells": [{"Value": v} for v in values]}


def row(label: str, values: Iterable[str], account_id: str | None = None,
        attr: str = "account") -> Record:
    if account_id is None:
        return {"RowType": "Row", "Cells": [{"Value": label}, *({"Value": v} for v in values)]}
    attrs = [{"Value": account_id, "Id": attr}]
    return {"RowType": "Row", "Cells": [{"Value": label, "Attributes": attrs},
                                        *({"Value": v, "Attributes": attrs} for v in values)]}


def summary(label: str, values: Iterable[str]) -> Record:
    return {"RowType": "SummaryRow", "Cells": [{"Value": label}, *({"Value": v} for v in values)]}


def section(title: str, rows: list[Record]) -> Record:
    return {"RowType": "Section", "Title": title, "Rows": rows}


@dataclass
class Books:
    """What a report reads: the organisation, its accounts and its ledger balances."""

    org: Organisation
    accounts: list[Record]
    balances: Balances
    today: date

    @classmethod
    def of(cls, org: Organisation, now_ms: int) -> Books:
        accounts = sorted(org.coll("accounts").records.values(),
                          key=lambda a: (a.get("Code") or "~", a["Name"]))
        return cls(org, accounts, ledger.balances(org), _date_of_ms(now_ms))

    @property
    def organisation(self) -> Record:
        return next(iter(self.org.coll("organisation").records.values()), {})

    def fy_start(self, d: date) -> date:
        """First day of the financial year `d` falls in."""
        o = self.organisation
        month, day = int(o.get("FinancialYearEndMonth") or 12), int(o.get("FinancialYearEndDay")
                                                                     or 31)
        for year in (d.year, d.year - 1):
            end = date(year, month, min(day, calendar.monthrange(year, month)[1]))
            if end < d:
                return end + timedelta(days=1)
        return date(d.year - 2, month, 1)

    def of_types(self, *types: str) -> list[Record]:
        return [a for a in self.accounts if a["Type"] in types]

    def of_class(self, *classes: str) -> list[Record]:
        return [a for a in self.accounts if account_class(a) in classes]

    def to(self, account: Record, d: date) -> int:
        return self.balances.to(account["AccountID"], day_ms(d))

    def between(self, account: Record, start: date, end: date) -> int:
        return self.balances.between(account["AccountID"], day_ms(start), day_ms(end))

    def profit(self, start: date | None, end: date) -> int:
        """Profit (cents, positive = profit) over a range; start None = since the beginning."""
        total = 0
        for a in self.of_class("REVENUE", "EXPENSE"):
            total -= self.to(a, end) if start is None else self.between(a, start, end)
        return total

    @property
    def retained_earnings(self) -> Record | None:
        return next((a for a in self.accounts if a.get("SystemAccount") == "RETAINEDEARNINGS"),
                    None)


def _report(books: Books, report_type: str, name: str, titles: list[str], rows: list[Record],
            now_ms: int) -> Record:
    return {"ReportID": report_type, "ReportName": name, "ReportType": report_type,
            "ReportTitles": titles, "ReportDate": long_date(books.today),
            "UpdatedDateUTC": ms_date(now_ms), "Fields": [], "Rows": rows}


# --- Balance Sheet ------------------------------------------------------------------------------

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
    return _report(books, "BalanceSheet", "Balance Sheet", titles, rows, now_ms)


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
    return _report(books, "ProfitAndLoss", "Profit and Loss", titles, rows, now_ms)


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
    return _report(books, "TrialBalance", "Trial Balance", titles, rows, now_ms)


# --- Bank Summary ---------------------------------------------------------------------------------

def bank_summary(books: Books, p: Params, now_ms: int) -> Record:
    end = p.date("toDate", books.today)
    start = p.date("fromDate", month_start(end))
    if start > end:
        raise BadParam("fromDate must not be after toDate")
    rows: list[Record] = [header("Bank Accounts", "Opening Balance", "Cash Received",
                                 "Cash Spent", "Closing Balance")]
    body, total = [], [0, 0, 0, 0]
    for a in books.of_types("BANK"):
        opening = books.to(a, start - timedelta(days=1))
        received, spent = books.balances.debits_credits(a["AccountID"], day_ms(start),
                                                        day_ms(end))
        closing = opening + received - spent
        values = (opening, received, spent, closing)
        total = [t + v for t, v in zip(total, values, strict=True)]
        body.append({"RowType": "Row", "Cells": [
            {"Value": a["Name"], "Attributes": [{"Value": a["AccountID"], "Id": "accountID"}]},
            {"Value": money(opening)},
            {"Value": money(received), "Attributes": [{"Value": a["AccountID"], "Id": "account"}]},
            {"Value": money(spent), "Attributes": [{"Value": a["AccountID"], "Id": "account"}]},
            {"Value": money(closing)}]})
    body.append(summary("Total", map(money, total)))
    rows.append(section("", body))
    titles = ["Bank Summary", books.org.name, f"From {long_date(start)} to {long_date(end)}"]
    return _report(books, "BankSummary", "Bank Summary", titles, rows, now_ms)


# --- Budget Summary -------------------------------------------------------------------------------

def budget_summary(books: Books, p: Params, now_ms: int) -> Record:
    at = p.date("date", books.today)
    periods = p.number("periods", 12, 1, 12)
    step = p.timeframe_months()
    starts = [shift_months(month_start(at), i * step) for i in range(periods)]
    budget = next((b for b in books.org.coll("budgets").records.values()
                   if b.get("Type") == "OVERALL"), None)
    by_account: dict[str, list[int]] = {}
    for line in (budget or {}).get("BudgetLines") or ():
        values = [0] * periods
        for bal in line.get("BudgetBalances") or ():
            month = _date_of_ms(ledger.parse_ms(bal["Period"]))
            for i, s in enumerate(starts):
                if s <= month < shift_months(s, step):
                    values[i] += cents(bal.get("Amount") or 0)
        by_account[line["AccountID"]] = values
    rows: list[Record] = [header("Account", *(f"{s:%b-%y}" for s in starts))]
    totals: dict[str, list[int]] = {}
    for title, classes in (("Income", ("REVENUE",)), ("Expenses", ("EXPENSE",))):
        section_rows, sub = [], [0] * periods
        for a in books.of_class(*classes):
            if a["AccountID"] not in by_account:
                continue
            values = by_account[a["AccountID"]]
            section_rows.append(row(a["Name"], map(money, values), a["AccountID"]))
            sub = [s + v for s, v in zip(sub, values, strict=True)]
        section_rows.append(summary(f"Total {title}", map(money, sub)))
        rows.append(section(title, section_rows))
        totals[title] = sub
    net = [i - e for i, e in zip(totals["Income"], totals["Expenses"], strict=True)]
    rows.append(section("", [summary("Net Profit", map(money, net))]))
    last = shift_months(starts[-1], step) - timedelta(days=1)
    titles = ["Overall Budget", "Budget Summary", books.org.name,
              f"{starts[0]:%B %Y} to {last:%B %Y}"]
    return _report(books, "BudgetSummary", "Budget Summary", titles, rows, now_ms)


# --- Executive Summary ----------------------------------------------------------------------------

def _variance(cur: int, prev: int) -> str:
    if not prev:
        return "0.0%"
    return f"{(cur - prev) / abs(prev) * 100:.1f}%"


def executive_summary(books: Books, p: Params, now_ms: int) -> Record:
    at = p.date("date", books.today)
    months = [(month_start(at), month_end(at)),
              (month_start(shift_months(at, -1)), month_end(shift_months(at, -1)))]

    def per_month(fn: Callable[[date, date], int]) -> list[int]:
        return [fn(s, e) for s, e in months]

    banks = books.of_types("BANK")

    def received(s: date, e: date) -> int:
        return sum(books.balances.debits_credits(a["AccountID"], day_ms(s), day_ms(e))[0]
                   for a in banks)

    def spent(s: date, e: date) -> int:
        return sum(books.balances.debits_credits(a["AccountID"], day_ms(s), day_ms(e))[1]
                   for a in banks)

    def moved(types: tuple[str, ...], sign: int) -> Callable[[date, date], int]:
        return lambda s, e: sum(sign * books.between(a, s, e) for a in books.of_types(*types))

    def balance(classes: tuple[str, ...], sign: int) -> Callable[[date, date], int]:
        return lambda s, e: sum(sign * books.to(a, e) for a in books.of_class(*classes))

    income = per_month(moved(("REVENUE", "SALES"), -1))
    direct = per_month(moved(("DIRECTCOSTS",), 1))
    other = per_month(moved(("OTHERINCOME",), -1))
    expenses = per_month(moved(("EXPENSE", "OVERHEADS", "DEPRECIATN"), 1))
    cash_in, cash_out = per_month(received), per_month(spent)
    invoices = [[i for i in books.org.coll("invoices").records.values()
                 if i.get("Type") == "ACCREC" and i.get("Status") in ("AUTHORISED", "PAID")
                 and s <= _date_of_ms(ledger.parse_ms(i["Date"])) <= e] for s, e in months]
    counts = [len(x) for x in invoices]
    averages = [sum(cents(i["Total"]) for i in x) // len(x) if x else 0 for x in invoices]
    debtors = _system_balance(books, "DEBTORS", months)
    creditors = _system_balance(books, "CREDITORS", months)

    def line(label: str, values: list[int], fmt: Callable[[int], str] = money) -> Record:
        return row(label, [fmt(values[0]), fmt(values[1]), _variance(values[0], values[1])])

    gross = [i - d for i, d in zip(income, direct, strict=True)]
    profit = [g + o - x for g, o, x in zip(gross, other, expenses, strict=True)]
    rows = [
        header("", f"{at:%b %Y}", f"{months[1][0]:%b %Y}", "Variance"),
        section("Cash", [line("Cash received", cash_in), line("Cash spent", cash_out),
                         line("Cash surplus (deficit)",
                              [a - b for a, b in zip(cash_in, cash_out, strict=True)]),
                         line("Closing bank balance", per_month(_bank_total(books, banks)))]),
        section("Profitability", [line("Income", income), line("Direct costs", direct),
                                  line("Gross profit (loss)", gross),
                                  line("Other Income", other), line("Expenses", expenses),
                                  line("Profit (loss)", profit)]),
        section("Balance Sheet", [line("Debtors", debtors), line("Creditors", creditors),
                                  line("Net assets", per_month(balance(("ASSET", "LIABILITY"),
                                                                       1)))]),
        section("Income", [line("Number of invoices issued", [c * 100 for c in counts],
                                lambda c: str(c // 100)),
                           line("Average value of invoices", averages)]),
    ]
    titles = ["Executive Summary", books.org.name, f"For the month of {at:%B %Y}"]
    return _report(books, "ExecutiveSummary", "Executive Summary", titles, rows, now_ms)


def _bank_total(books: Books, banks: list[Record]) -> Callable[[date, date], int]:
    return lambda s, e: sum(books.to(a, e) for a in banks)


def _system_balance(books: Books, system: str, months: list[tuple[date, date]]) -> list[int]:
    acct = next((a for a in books.accounts if a.get("SystemAccount") == system), None)
    if acct is None:
        return [0, 0]
    sign = 1 if system == "DEBTORS" else -1
    return [sign * books.to(acct, e) for _, e in months]



# --- Aged receivables / payables ------------------------------------------------------------------

def _aged(kind: str) -> Callable[[Books, Params, int], Record]:
    invoice_type = "ACCREC" if kind == "Receivables" else "ACCPAY"

    def build(books: Books, p: Params, now_ms: int) -> Record:
        contact_id = p.text("contactId")
        if contact_id is None:
            raise BadParam("contactId is a required parameter")
        contact = books.org.coll("contacts").get(contact_id)
        if contact is None:
            raise LookupError(contact_id)
        at = p.date("date", books.today)
        start = p.date("fromDate", date(1900, 1, 1))
        end = p.date("toDate", at)
        rows: list[Record] = [header("Date", "Number", "Due Date", "", "Total", "Paid",
                                     "Credited", "Due")]
        body, sums = [], [0, 0, 0, 0]
        for inv in sorted(books.org.coll("invoices").records.values(),
                          key=lambda i: (i.get("Date", ""), i.get("InvoiceNumber", ""))):
            if inv.get("Type") != invoice_type or inv.get("Status") not in ("AUTHORISED",
                                                                            "PAID"):
                continue
            if inv["Contact"]["ContactID"] != contact_id:
                continue
            day = _date_of_ms(ledger.parse_ms(inv["Date"]))
            if not start <= day <= min(end, at):
                continue
            total = cents(inv["Total"])
            paid = sum(cents(x["Amount"]) for x in inv.get("Payments") or ()
                       if _date_of_ms(ledger.parse_ms(x["Date"])) <= at)
            credited = sum(cents(x.get("AppliedAmount") or 0) for x in inv.get("CreditNotes")
                           or () if _date_of_ms(ledger.parse_ms(x["Date"])) <= at)
            due = total - paid - credited
            if not due:
                continue
            due_day = _date_of_ms(ledger.parse_ms(inv.get("DueDate") or inv["Date"]))
            late = (at - due_day).days
            values = [f"{day:%Y-%m-%d}T00:00:00", inv.get("InvoiceNumber", ""),
                      f"{due_day:%Y-%m-%d}T00:00:00", f"{late} days overdue" if late > 0 else "",
                      money(total), money(paid), money(credited), money(due)]
            attrs = [{"Value": inv["InvoiceID"], "Id": "invoiceID"}]
            body.append({"RowType": "Row",
                         "Cells": [{"Value": v, "Attributes": attrs} for v in values]})
            sums = [s + v for s, v in zip(sums, (total, paid, credited, due), strict=True)]
        body.append(summary("Total", ["", "", "", *map(money, sums)]))
        rows.append(section("", body))
        titles = ["Invoices" if kind == "Receivables" else "Bills", contact["Name"],
                  f"From {long_date(start) if start.year > 1900 else 'the beginning'} to "
                  f"{long_date(min(end, at))}", f"Showing payments to {long_date(at)}"]
        report_type = f"Aged{kind}ByContact"
        name = f"Aged {kind} By Contact"
        return _report(books, report_type, name, titles, rows, now_ms)

    return build


REPORTS: dict[str, Callable[[Books, Params, int], Record]] = {
    "BalanceSheet": balance_sheet,
    "ProfitAndLoss": profit_and_loss,
    "TrialBalance": trial_balance,
    "BankSummary": bank_summary,
    "BudgetSummary": budget_summary,
    "ExecutiveSummary": executive_summary,
    "AgedPayablesByContact": _aged("Payables"),
    "AgedReceivablesByContact": _aged("Receivables"),
}
_BY_LOWER = {k.lower(): v for k, v in REPORTS.items()}


def report(org: Organisation, name: str, params: dict[str, str], now_ms: int) -> Answer:
    """GET /Reports/{name}: 200 {"Reports": [...]}, 400 for bad parameters, 404 if unknown."""
    build = _BY_LOWER.get(name.lower())
    if build is None:
        return not_found()
    books = Books.of(org, now_ms)
    try:
        rep = build(books, Params(params, books.today), now_ms)
    except BadParam as e:
        return invalid(str(e))
    except LookupError:
        return not_found()
    body = envelope("Reports", [rep], now_ms)
    body["Id"] = str(uuid.uuid4())
    return Answer(200, body)


__all__ = ["REPORTS", "report"]
