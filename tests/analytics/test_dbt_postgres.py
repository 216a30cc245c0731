"""The dbt project on a real PostgreSQL: tap-xero -> target-postgres -> dbt build (dbt-postgres),
reconciled with the sandbox's own reports for every organisation, as on DuckDB."""

from __future__ import annotations

import pytest

from tests.analytics.reconcile import reconcile, reconcile_ageing
from tests.analytics.warehouse import Warehouse
from xero_sandbox.testing import SandboxProcess

pytestmark = [pytest.mark.analytics, pytest.mark.timeout(900)]


def test_postgres_models_reconcile_with_xero_reports(postgres_warehouse: Warehouse,
                                                     sandbox: SandboxProcess) -> None:
    tenants = {o["tenant_id"] for o in sandbox.orgs}
    rows = postgres_warehouse.query("select distinct tenant_id from analytics.xero__general_ledger")
    assert {r[0] for r in rows} == tenants
    lines = postgres_warehouse.query(
        "select count(*) from analytics.xero__invoice_line_items")[0][0]
    assert lines == sum(len(i.get("LineItems") or []) for o in sandbox.orgs
                        for i in sandbox.records(o["tenant_id"], "invoices"))
    assert reconcile(postgres_warehouse, sandbox, months=6) > 200
    assert reconcile_ageing(postgres_warehouse, sandbox) > 10
