"""The dbt project on DuckDB: tap-xero -> target-duckdb -> dbt build, reconciled with the
sandbox's own reports for every organisation, before and after changes read incrementally."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import requests

from tests.analytics.reconcile import headers_for, reconcile, reconcile_ageing, today
from tests.analytics.warehouse import Warehouse
from xero_sandbox.testing import SandboxProcess

pytestmark = [pytest.mark.analytics, pytest.mark.timeout(900)]

MODELS = ("xero__general_ledger", "xero__profit_and_loss_report", "xero__balance_sheet_report",
          "xero__trial_balance", "xero__invoice_line_items", "xero__ar_ageing", "xero__ap_ageing")


def test_models_hold_every_tenant(duckdb_warehouse: Warehouse, sandbox: SandboxProcess) -> None:
    tenants = {o["tenant_id"] for o in sandbox.orgs}
    for model in MODELS[:4]:
        rows = duckdb_warehouse.query(f"select distinct tenant_id from analytics.{model}")
        assert {r[0] for r in rows} == tenants, model
    # Every journal line the sandbox holds is in the general ledger, once.
    for org in sandbox.orgs:
        journals = sandbox.records(org["tenant_id"], "journals")
        expected = sorted(line["JournalLineID"] for j in journals for line in j["JournalLines"])
        got = duckdb_warehouse.query(
            "select journal_line_id from analytics.xero__general_ledger "
            f"where tenant_id = '{org['tenant_id']}' order by 1")
        assert [r[0] for r in got] == expected


def test_statements_reconcile_with_xero_reports(duckdb_warehouse: Warehouse,
                                                sandbox: SandboxProcess) -> None:
    assert reconcile(duckdb_warehouse, sandbox, months=6) > 200
    assert reconcile_ageing(duckdb_warehouse, sandbox) > 10


def _post(sandbox: SandboxProcess, headers: dict[str, str], path: str, body: dict[str, Any],
          method: str = "POST") -> dict[str, Any]:
    resp = requests.request(method, f"{sandbox.url}/api.xro/2.0/{path}", json=body,
                            headers=headers, timeout=30)
    assert resp.status_code == 200, resp.text
    found: dict[str, Any] = resp.json()
    return found


def test_changes_read_incrementally_still_reconcile(duckdb_warehouse: Warehouse,
                                                    sandbox: SandboxProcess) -> None:
    """A new invoice, a voided one and a payment, then an incremental run: still to the cent."""
    org = sandbox.orgs[0]
    tenant, headers = org["tenant_id"], headers_for(sandbox, org)
    sandbox.advance_clock(120)
    customer = next(c for c in sandbox.records(tenant, "contacts") if c.get("IsCustomer"))
    day = today().isoformat()
    created = _post(sandbox, headers, "Invoices", {"Invoices": [{
        "Type": "ACCREC", "Contact": {"ContactID": customer["ContactID"]}, "Date": day,
        "DueDate": day, "Status": "AUTHORISED", "LineAmountTypes": "Exclusive",
        "LineItems": [{"Description": "Analytics test", "Quantity": 3, "UnitAmount": 123.45,
                       "AccountCode": "200"}]}]}, "PUT")["Invoices"][0]
    paid = _post(sandbox, headers, "Payments", {"Payments": [{
        "Invoice": {"InvoiceID": created["InvoiceID"]}, "Account": {"Code": "090"},
        "Date": day, "Amount": 100.0}]}, "PUT")["Payments"][0]
    open_invoice = next(i for i in sandbox.records(tenant, "invoices")
                        if i["Status"] == "AUTHORISED" and not i.get("Payments")
                        and not i.get("CreditNotes") and i["InvoiceID"] != created["InvoiceID"])
    _post(sandbox, headers, f"Invoices/{open_invoice['InvoiceID']}", {"Invoices": [{
        "InvoiceID": open_invoice["InvoiceID"], "Status": "VOIDED"}]})

    duckdb_warehouse.load(sandbox)
    duckdb_warehouse.dbt("build")

    ledger = duckdb_warehouse.query(
        "select source_id, sum(net_amount) from analytics.xero__general_ledger "
        f"where tenant_id = '{tenant}' and source_id in ('{created['InvoiceID']}', "
        f"'{paid['PaymentID']}', '{open_invoice['InvoiceID']}') group by 1")
    sums = {r[0]: Decimal(str(r[1])) for r in ledger}
    # Each posted (and the voided one: posted, then reversed) and every journal balances.
    assert set(sums) == {created["InvoiceID"], paid["PaymentID"], open_invoice["InvoiceID"]}
    assert all(v == 0 for v in sums.values())
    lines = duckdb_warehouse.query(
        "select line_amount, invoice_status from analytics.xero__invoice_line_items "
        f"where tenant_id = '{tenant}' and invoice_id = '{created['InvoiceID']}'")
    assert [(Decimal(str(a)), s) for a, s in lines] == [(Decimal("370.35"), "AUTHORISED")]
    ar = duckdb_warehouse.query(
        "select invoice_id, amount_due from analytics.xero__ar_ageing "
        f"where tenant_id = '{tenant}'")
    due = {r[0]: Decimal(str(r[1])) for r in ar}
    assert due[created["InvoiceID"]] == Decimal("370.35") + Decimal(str(created["TotalTax"])) - 100
    assert open_invoice["InvoiceID"] not in due
    assert reconcile(duckdb_warehouse, sandbox, months=3) > 100
    assert reconcile_ageing(duckdb_warehouse, sandbox) > 10


def test_reconciliation_tests_catch_a_cent(duckdb_warehouse: Warehouse) -> None:
    """One cent off in one account of Xero's P&L and one in its balance sheet: dbt's
    reconciliation tests fail, naming the account; set back, they pass."""
    pick = ("(select row_key from xero.xero.report_rows where report_type = '{0}' and row_type = "
            "'Row' and account_id is not null and account_id <> "
            "'00000000-0000-0000-0000-000000000000' and value_number <> 0 limit 1)")
    keys = [duckdb_warehouse.query(f"select * from {pick.format(r)}")[0][0]
            for r in ("ProfitAndLoss", "BalanceSheet")]
    bump = ("update xero.xero.report_rows set value_number = value_number + {0} "
            "where row_key in ('" + "', '".join(keys) + "')")
    duckdb_warehouse.query(bump.format("0.01"), write=True)
    try:
        failed = duckdb_warehouse.dbt("test", "--select", "tag:reconciliation", check=False)
        assert failed.returncode != 0
        assert "FAIL 1 assert_profit_and_loss_matches_xero" in failed.stdout
        assert "FAIL 1 assert_balance_sheet_matches_xero" in failed.stdout
        assert "PASS assert_trial_balance_nets_to_zero" in failed.stdout
    finally:
        duckdb_warehouse.query(bump.format("-0.01"), write=True)
    assert duckdb_warehouse.dbt("test", "--select", "tag:reconciliation").returncode == 0
