"""What every report is built from: the organisation's books (ledger balances, accounts,
contacts) at a date, the report parameters Xero takes, date helpers and the Rows/Cells pieces.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from xero_sandbox.backend import ledger
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


def date_of_ms(ms: int) -> date:
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
        return cls(org, accounts, ledger.balances(org), date_of_ms(now_ms))

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


def report_body(books: Books, report_type: str, name: str, titles: list[str], rows: list[Record],
            now_ms: int) -> Record:
    return {"ReportID": report_type, "ReportName": name, "ReportType": report_type,
            "ReportTitles": titles, "ReportDate": long_date(books.today),
            "UpdatedDateUTC": ms_date(now_ms), "Fields": [], "Rows": rows}
