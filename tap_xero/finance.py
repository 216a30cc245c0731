"""The Finance API: financial statements as rows, and bank statements per bank account.

`finance_statement_rows` flattens each selected statement (xero_core.endpoints_apis.
FINANCE_STATEMENTS: BalanceSheet, ProfitAndLoss, TrialBalance, Cashflow, income and expenses by
contact) into one row per line and value, like `report_rows` does for the Accounting reports:
every number in the answer becomes a row carrying the groups it sits in (`section`), its line
(account, contact or group) and the field it came from (`column`). Data-driven: the flattener
knows no statement's shape, only that lists hold lines and objects with lists are groups.

`finance_bank_statements` needs a BankAccountID per call: it lists the organisation's BANK
accounts (Accounting API) and asks for each, between finance_start_date and finance_end_date,
in windows of at most 12 months (Xero rejects a longer query period).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import requests
from singer_sdk import Tap
from singer_sdk.helpers.types import Context

from tap_xero.api_streams import ApiStream
from tap_xero.run import TENANT_KEY, XeroRun
from tap_xero.tenant import TenantStream
from xero_core import jsonutil
from xero_core.endpoints import API_BASES
from xero_core.endpoints_apis import FINANCE_STATEMENT_ROWS, FINANCE_STATEMENTS, STATEMENTS
from xero_core.errors import ForbiddenError

ACCOUNTS_SCOPE = "accounting.settings.read"
BANK_ACCOUNTS = API_BASES["accounting"] + "/Accounts"
# The fields that name a line (first found wins) and the fields copied onto its rows.
TITLE_FIELDS = ("name", "accountName", "title", "accountType", "contactName")
LINE_FIELDS = {"account_id": ("accountID", "accountId"), "account_code": ("code", "accountCode"),
               "account_type": ("accountType",), "account_class": ("accountClass",),
               "reporting_code": ("reportingCode",), "contact_id": ("contactId", "id")}
HEADER_FIELDS = {"start_date": "startDate", "end_date": "endDate", "balance_date": "balanceDate"}


# --- settings -> query ---------------------------------------------------------------------


def _day(value: Any) -> str | None:
    return str(value)[:10] if value not in (None, "") else None


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def finance_dates(config: Mapping[str, Any], today: date | None = None) -> dict[str, str]:
    """startDate / endDate / balanceDate from the settings (end: today; start: the day after
    the same date a year before the end, i.e. 12 months; balance: the end)."""
    end = _day(config.get("finance_end_date")) or (
        today or datetime.now(timezone.utc).date()).isoformat()
    start = _day(config.get("finance_start_date")) or (
        _years_later(date.fromisoformat(end), -1) + timedelta(days=1)).isoformat()
    balance = _day(config.get("finance_balance_date")) or end
    return {"startDate": start, "endDate": end, "balanceDate": balance}


def twelve_month_windows(start: str, end: str) -> list[tuple[str, str]]:
    """[start, end] cut into periods of at most 12 months, oldest first."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    out: list[tuple[str, str]] = []
    while first <= last:
        until = min(last, _years_later(first, 1) - timedelta(days=1))
        out.append((first.isoformat(), until.isoformat()))
        first = until + timedelta(days=1)
    return out


def statement_params(statement: str, config: Mapping[str, Any],
                     today: date | None = None) -> dict[str, str]:
    """The query of one statement: only the parameters its path takes."""
    values: dict[str, str] = finance_dates(config, today)
    if config.get("finance_include_manual_journals") is not None:
        values["includeManualJournals"] = str(
            bool(config["finance_include_manual_journals"])).lower()
    _, takes, _ = FINANCE_STATEMENTS[statement]
    return {k: values[k] for k in takes if k in values}


# --- flattening ----------------------------------------------------------------------------


def _is_line_list(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(v, dict) for v in value)


def _has_lines(node: Mapping[str, Any]) -> bool:
    return any(_is_line_list(v) for v in node.values())


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    return Decimal(str(value)) if isinstance(value, float) else Decimal(value)


def _values(node: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Decimal]]:
    """(column, number) of a line: its numbers and those of its plain sub-objects
    (balance.value, accountMovement.debits ...), not of its groups or lines."""
    for key, value in node.items():
        number = _number(value)
        if number is not None:
            yield prefix + key, number
        elif isinstance(value, dict) and not _has_lines(value):
            yield from _values(value, f"{prefix}{key}.")


def _title(node: Mapping[str, Any]) -> str:
    for name in TITLE_FIELDS:
        value = node.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


def _walk(node: Mapping[str, Any], section: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    title = _title(node)
    line = {field: next((str(node[k]) for k in keys if node.get(k) is not None), None)
            for field, keys in LINE_FIELDS.items()}
    kind = "account" if line["account_id"] or line["account_code"] else (
        "contact" if line["contact_id"] else "total")
    for column, value in _values(node):
        yield {"section": " / ".join(section), "row_type": kind, "row_title": title, **line,
               "column": column, "value": value}
    inner = (*section, title) if title and _has_lines(node) else section
    for key, value in node.items():
        if isinstance(value, dict) and _has_lines(value):
            yield from _walk(value, (*inner, key))
        elif _is_line_list(value):
            for item in value:
                if isinstance(item, dict):
                    yield from _walk(item, inner)


def flatten_statement(body: Any, *, tenant_id: str, statement: str,
                      params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One row per number of a statement's answer (see the module docstring)."""
    if not isinstance(body, dict):
        return
    header = {field: (str(body[key]) if body.get(key) is not None else None)
              for field, key in HEADER_FIELDS.items()}
    seen: dict[str, int] = {}
    for row in _walk(body, ()):
        identity = json.dumps([tenant_id, statement, sorted(params.items()), row["section"],
                               row["row_title"], row["account_id"], row["contact_id"],
                               row["column"]], default=str)
        n = seen[identity] = seen.get(identity, 0) + 1  # two equal lines stay two rows
        digest = hashlib.sha256(f"{identity}#{n}".encode()).hexdigest()[:32]
        yield {"row_key": digest, TENANT_KEY: tenant_id, "statement": statement,
               "parameters": dict(params), **header, **row}


# --- streams -------------------------------------------------------------------------------


class FinanceStatementRowsStream(TenantStream):
    """Every selected financial statement, one row per line and value (FULL_TABLE)."""

    name = FINANCE_STATEMENT_ROWS

    def __init__(self, tap: Tap, run: XeroRun, schema: dict[str, Any]) -> None:
        super().__init__(tap, run, name=self.name, schema=schema,
                         path=API_BASES["finance"] + "/FinancialStatements")
        self.primary_keys = ["row_key"]

    @property
    def scope(self) -> str:
        return STATEMENTS

    def get_new_paginator(self) -> None:
        return None

    def read_records(self, context: Context) -> Iterator[dict[str, Any]]:
        tenant_id = str(context.get(TENANT_KEY))
        for statement in self.config.get("finance_statements") or list(FINANCE_STATEMENTS):
            if statement not in FINANCE_STATEMENTS:
                self.logger.warning("Unknown finance statement %r skipped; known: %s",
                                    statement, ", ".join(FINANCE_STATEMENTS))
                continue
            path = API_BASES["finance"] + FINANCE_STATEMENTS[statement][0]
            params = statement_params(statement, self.config)
            try:
                body = self.run.xero_client.get_json(path, tenant_id=tenant_id, params=params)
            except ForbiddenError as exc:
                self.run.note_forbidden(tenant_id, f"{self.name} ({statement})", STATEMENTS,
                                        exc)
                continue
            yield from flatten_statement(body, tenant_id=tenant_id, statement=statement,
                                         params=params)

    def shape_record(self, row: dict, context: Context) -> dict | None:
        return self.shaper(row)


class FinanceBankStatementsStream(ApiStream):
    """Bank statements (BankStatementsPlus) of each BANK account, one record per statement."""

    bank_account: str | None = None  # the account being read
    window: tuple[str, str] = ("", "")  # the period being read (at most 12 months)

    def read_records(self, context: Context) -> Iterator[dict[str, Any]]:
        tenant_id = str(context.get(TENANT_KEY))
        try:
            body = self.run.xero_client.get_json(
                BANK_ACCOUNTS, tenant_id=tenant_id, params={"where": 'Type=="BANK"'})
        except ForbiddenError as exc:
            self.run.note_forbidden(tenant_id, f"{self.name} (its bank accounts)",
                                    ACCOUNTS_SCOPE, exc)
            return
        accounts = body.get("Accounts") if isinstance(body, dict) else None
        dates = finance_dates(self.config)
        windows = twelve_month_windows(dates["startDate"], dates["endDate"])
        for account in accounts or []:
            if isinstance(account, dict) and account.get("AccountID"):
                self.bank_account = str(account["AccountID"])
                for self.window in windows:
                    yield from super().read_records(context)
        self.bank_account = None

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        return {**super().get_url_params(context, next_page_token),
                "BankAccountID": self.bank_account,
                "FromDate": self.window[0], "ToDate": self.window[1]}

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        if response.status_code == 304 or not response.content:
            return
        body = jsonutil.loads(response.content)
        if not isinstance(body, dict):
            return
        envelope = {k: body.get(k) for k in
                    ("bankAccountId", "bankAccountName", "bankAccountCurrencyCode")}
        for statement in body.get("statements") or []:
            if isinstance(statement, dict):
                yield {**statement, **envelope}
