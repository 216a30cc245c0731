"""Real Meltano with the dbt utilities: `meltano run tap-xero target-duckdb dbt-duckdb:build`
lands the sandbox in DuckDB and builds the models there (their reconciliation tests included);
the models then equal the sandbox's own reports."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

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
