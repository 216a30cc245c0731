"""Xero's reports, computed from the ledger (journals), in Xero's Rows/Cells shape.

BalanceSheet, ProfitAndLoss, TrialBalance, BankSummary, BudgetSummary, ExecutiveSummary and the
Aged Payables/Receivables by contact. Numbers in cells are strings with two decimals, as Xero
writes them; account rows carry the AccountID in an "account" attribute. The balance sheet
balances (assets = liabilities + equity) and the trial balance's debits equal its credits
because every journal balances: prior years' profit is folded into Retained Earnings and the
current year's shows as Current Year Earnings.

Here: the summaries and aged reports, and `report`, the entry point (the statements are in
reports_statements, what every report is built from in report_books).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta

from xero_sandbox.backend import ledger
from xero_sandbox.backend.amounts import cents
from xero_sandbox.backend.answers import Answer, envelope, invalid, not_found
from xero_sandbox.backend.report_books import (
    BadParam,
    Books,
    Params,
    Record,
    date_of_ms,
    day_ms,
    header,
    long_date,
    money,
    month_end,
    month_start,
    report_body,
    row,
    section,
    shift_months,
    summary,
)
from xero_sandbox.backend.reports_statements import (
    balance_sheet,
    profit_and_loss,
    trial_balance,
)
from xero_sandbox.backend.store import Organisation

# --- Balance Sheet ------------------------------------------------------------------------------

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
    return report_body(books, "BankSummary", "Bank Summary", titles, rows, now_ms)


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
            month = date_of_ms(ledger.parse_ms(bal["Period"]))
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
    return report_body(books, "BudgetSummary", "Budget Summary", titles, rows, now_ms)


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
                 and s <= date_of_ms(ledger.parse_ms(i["Date"])) <= e] for s, e in months]
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
    return report_body(books, "ExecutiveSummary", "Executive Summary", titles, rows, now_ms)


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
            day = date_of_ms(ledger.parse_ms(inv["Date"]))
            if not start <= day <= min(end, at):
                continue
            total = cents(inv["Total"])
            paid = sum(cents(x["Amount"]) for x in inv.get("Payments") or ()
                       if date_of_ms(ledger.parse_ms(x["Date"])) <= at)
            credited = sum(cents(x.get("AppliedAmount") or 0) for x in inv.get("CreditNotes")
                           or () if date_of_ms(ledger.parse_ms(x["Date"])) <= at)
            due = total - paid - credited
            if not due:
                continue
            due_day = date_of_ms(ledger.parse_ms(inv.get("DueDate") or inv["Date"]))
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
        return report_body(books, report_type, name, titles, rows, now_ms)

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
