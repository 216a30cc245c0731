"""Reconciliation of the dbt models with the sandbox's own reports, asked over its API.

For every organisation: the profit and loss of each of the last months (and this month to
date), the balance sheet and the trial balance at each of those month ends (and today), and the
aged receivables and payables of every contact, compared to the cent with the models.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import requests

from tests.analytics.warehouse import Warehouse
from xero_sandbox.testing import SandboxProcess

NO_ACCOUNT = "00000000-0000-0000-0000-000000000000"
ZERO = Decimal("0.00")
Amounts = dict[str, Decimal]


def headers_for(sandbox: SandboxProcess, org: dict[str, Any]) -> dict[str, str]:
    """An access token of the organisation's own custom connection."""
    settings = org["settings"]
    resp = requests.post(f"{sandbox.url}/connect/token",
                         data={"grant_type": "client_credentials"},
                         auth=(settings["client_id"], settings["client_secret"]), timeout=30)
    resp.raise_for_status()
    return {"Authorization": f"Bearer {resp.json()['access_token']}",
            "Xero-Tenant-Id": org["tenant_id"], "Accept": "application/json"}


def report(sandbox: SandboxProcess, headers: dict[str, str], name: str,
           **params: str) -> dict[str, Any]:
    resp = requests.get(f"{sandbox.url}/api.xro/2.0/Reports/{name}", params=params,
                        headers=headers, timeout=60)
    assert resp.status_code == 200, resp.text
    found: dict[str, Any] = resp.json()["Reports"][0]
    return found


def _rows(rows: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for row in rows:
        if row.get("RowType") == "Section":
            yield from _rows(row.get("Rows") or [])
        else:
            yield row


def account_lines(rep: dict[str, Any], column: int = 1,
                  minus: int | None = None) -> Amounts:
    """{account id (or title of a line without account): amount} of a report's account lines.

    `minus`: a second column subtracted from the first (trial balance debit - credit).
    """
    out: Amounts = {}
    for row in _rows(rep["Rows"]):
        cells = row.get("Cells") or []
        attrs = {a["Id"]: a["Value"] for a in cells[0].get("Attributes") or []} if cells else {}
        if row.get("RowType") != "Row" or "account" not in attrs:
            continue
        key = cells[0]["Value"] if attrs["account"] == NO_ACCOUNT else attrs["account"]
        value = Decimal(cells[column]["Value"] or "0")
        if minus is not None:
            value -= Decimal(cells[minus]["Value"] or "0")
        if value:
            out[key] = value
    return out


def today() -> date:
    return datetime.now(timezone.utc).date()


def month_ends(months: int) -> list[tuple[date, date]]:
    """(first day, last day) of each of the last `months` full months, then (this month, today)."""
    now = today()
    out = []
    for back in range(months, 0, -1):
        y, m = divmod(now.year * 12 + now.month - 1 - back, 12)
        m += 1
        out.append((date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])))
    out.append((now.replace(day=1), now))
    return out


def _model(warehouse: Warehouse, sql: str) -> dict[tuple[str, str], Amounts]:
    """{(tenant, month): {key: amount}} from rows (tenant, month, key, amount), zeros left out."""
    out: dict[tuple[str, str], Amounts] = {}
    for tenant, month, key, amount in warehouse.query(sql):
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
        if value:
            out.setdefault((tenant, str(month)[:10]), {})[key] = value
    return out


def reconcile(warehouse: Warehouse, sandbox: SandboxProcess, months: int = 6,
              orgs: list[dict[str, Any]] | None = None) -> int:
    """Assert every statement line equals the sandbox's reports; returns the values compared."""
    pl = _model(warehouse, """
        select tenant_id, date_month, account_id,
               case when account_class = 'REVENUE' then net_amount else -net_amount end
        from analytics.xero__profit_and_loss_report""")
    bs = _model(warehouse, """
        select tenant_id, date_month, coalesce(account_id, account_name),
               case when account_class = 'ASSET' then net_amount else -net_amount end
        from analytics.xero__balance_sheet_report""")
    tb = _model(warehouse, """
        select tenant_id, date_month, coalesce(account_id, account_name), net_amount
        from analytics.xero__trial_balance""")
    compared, problems = 0, []
    for org in orgs if orgs is not None else sandbox.orgs:
        tenant, headers = org["tenant_id"], headers_for(sandbox, org)
        for first, last in month_ends(months):
            key = (tenant, first.isoformat())
            checks = [
                ("ProfitAndLoss", pl, account_lines(report(
                    sandbox, headers, "ProfitAndLoss", fromDate=first.isoformat(),
                    toDate=last.isoformat()))),
                ("BalanceSheet", bs, account_lines(report(
                    sandbox, headers, "BalanceSheet", date=last.isoformat()))),
                ("TrialBalance", tb, account_lines(report(
                    sandbox, headers, "TrialBalance", date=last.isoformat()), 3, 4)),
            ]
            for name, model, expected in checks:
                got = model.get(key, {})
                compared += len(expected)
                if got != expected:
                    diff = {k: (expected.get(k), got.get(k)) for k in expected.keys() | got
                            if expected.get(k) != got.get(k)}
                    problems.append(f"{name} {org['tenant_name']} {first}: "
                                    f"(xero, model) {diff}")
    assert not problems, "\n".join(problems)
    return compared


def reconcile_ageing(warehouse: Warehouse, sandbox: SandboxProcess) -> int:
    """Every contact's aged receivables and payables (invoice -> due) equal the ageing models."""
    model: dict[tuple[str, str, str], Amounts] = {}
    for kind, table in (("ACCREC", "xero__ar_ageing"), ("ACCPAY", "xero__ap_ageing")):
        for tenant, contact, invoice, due in warehouse.query(
                f"select tenant_id, contact_id, invoice_id, amount_due from analytics.{table}"):
            model.setdefault((tenant, kind, contact), {})[invoice] = Decimal(str(due)).quantize(
                Decimal("0.01"))
    compared, problems = 0, []
    for org in sandbox.orgs:
        tenant, headers = org["tenant_id"], headers_for(sandbox, org)
        for contact in sandbox.records(tenant, "contacts"):
            for kind, name in (("ACCREC", "AgedReceivablesByContact"),
                               ("ACCPAY", "AgedPayablesByContact")):
                rep = report(sandbox, headers, name, contactId=contact["ContactID"])
                expected: Amounts = {}
                for row in _rows(rep["Rows"]):
                    if row.get("RowType") == "Row":
                        cells = row["Cells"]
                        invoice = cells[0]["Attributes"][0]["Value"]
                        expected[invoice] = Decimal(cells[-1]["Value"])
                got = model.get((tenant, kind, contact["ContactID"]), {})
                compared += len(expected)
                if got != expected:
                    problems.append(f"{name} {org['tenant_name']} {contact['Name']}: "
                                    f"xero {expected} model {got}")
    assert not problems, "\n".join(problems)
    return compared
