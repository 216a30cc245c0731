"""Real Meltano with the dbt utilities: `meltano run tap-xero target-duckdb dbt-duckdb:build`
lands the sandbox in DuckDB and builds the models there (their reconciliation tests included);
the models then equal the sandbox's own reports."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.postgres_server import PostgresServer
from tests.analytics.reconcile import reconcile
from tests.analytics.warehouse import Warehouse
from tests.pipelines.conftest import TIMINGS, Meltano

pytestmark = [pytest.mark.meltano, pytest.mark.timeout(900)]


def test_meltano_run_builds_the_models(meltano: Meltano, sandbox: Any, tmp_path: Path) -> None:
    sandbox.clean()
    sandbox.set_limits(False)
    db = tmp_path / "xero.duckdb"
    began = time.perf_counter()
    done = meltano("run", "--state-id-suffix", "dbt", "tap-xero", "target-duckdb",
                   "dbt-duckdb:build",
                   TARGET_DUCKDB_FILEPATH=str(db), DBT_DUCKDB_PATH=str(db),
                   DBT_TARGET_PATH=str(tmp_path / "dbt-target"),
                   DBT_LOG_PATH=str(tmp_path / "dbt-logs"),
                   TAP_XERO_TOKEN_STORE_PATH=str(tmp_path / "tokens.json"),
                   TAP_XERO_MAX_CALLS_PER_MINUTE="100000",
                   TAP_XERO_REPORTS=json.dumps(["ProfitAndLoss", "BalanceSheet"]))
    TIMINGS["meltano run tap-xero target-duckdb dbt-duckdb:build"] = time.perf_counter() - began
    assert "assert_balance_sheet_matches_xero" in done.stdout + done.stderr
    venv = meltano.sys_dir / "utilities" / "dbt-duckdb" / "venv"
    warehouse = Warehouse("duckdb", tmp_path, Path("/nonexistent"), {}, venv,
                          {"DBT_DUCKDB_PATH": str(db)})
    tenant = sandbox.orgs[0]["tenant_id"]
    assert warehouse.query("select distinct tenant_id from analytics.xero__general_ledger") == [
        [tenant]]
    assert reconcile(warehouse, sandbox, months=3, orgs=[sandbox.orgs[0]]) > 30


def test_meltano_run_into_postgres(meltano: Meltano, sandbox: Any, tmp_path: Path) -> None:
    """`meltano run tap-xero target-postgres dbt-postgres:build` into a PostgreSQL of its own."""
    sandbox.clean()
    sandbox.set_limits(False)
    with PostgresServer() as pg:
        server = {"HOST": "127.0.0.1", "PORT": str(pg.port), "USER": pg.user,
                  "PASSWORD": pg.password}
        env = {f"TARGET_POSTGRES_{k}": v for k, v in server.items()}
        env.update({f"DBT_POSTGRES_{k}": v for k, v in server.items()})
        began = time.perf_counter()
        meltano("run", "--state-id-suffix", "postgres", "tap-xero", "target-postgres",
                "dbt-postgres:build", TARGET_POSTGRES_DATABASE=pg.database,
                DBT_POSTGRES_DBNAME=pg.database,
                DBT_TARGET_PATH=str(tmp_path / "dbt-target"),
                DBT_LOG_PATH=str(tmp_path / "dbt-logs"),
                TAP_XERO_TOKEN_STORE_PATH=str(tmp_path / "tokens.json"),
                TAP_XERO_MAX_CALLS_PER_MINUTE="100000",
                TAP_XERO_REPORTS=json.dumps(["ProfitAndLoss", "BalanceSheet"]), **env)
        TIMINGS["meltano run tap-xero target-postgres dbt-postgres:build"] = (
            time.perf_counter() - began)
        venv = meltano.sys_dir / "utilities" / "dbt-postgres" / "venv"
        warehouse = Warehouse("postgres", tmp_path, Path("/nonexistent"), {}, venv,
                              {"DBT_POSTGRES_HOST": "127.0.0.1", "DBT_POSTGRES_PORT": str(pg.port),
                               "DBT_POSTGRES_USER": pg.user, "DBT_POSTGRES_PASSWORD": pg.password,
                               "DBT_POSTGRES_DBNAME": pg.database})
        assert warehouse.query("select distinct tenant_id from analytics.xero__general_ledger"
                               ) == [[sandbox.orgs[0]["tenant_id"]]]
        assert reconcile(warehouse, sandbox, months=3, orgs=[sandbox.orgs[0]]) > 30
