"""Fixtures of the analytics tests: one sandbox of three organisations and a DuckDB warehouse.

tap-xero runs once per session into target-duckdb, then `dbt build` (the project in transform/,
with its reconciliation tests) builds the models; the tests reconcile them with the sandbox's
own reports. Tools install once into the pipeline tests' cache (see tests/pipelines/conftest).
Marked `analytics`: `pytest -m "not analytics"` leaves them out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.analytics.warehouse import DBT_DUCKDB, TARGET_DUCKDB, Warehouse, tool
from xero_sandbox.testing import SandboxProcess


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "analytics: tap -> warehouse -> dbt (installs tools once)")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    """Three organisations (NZ, UK, AU), each with its own financial year end."""
    with SandboxProcess(size=40, orgs=3, limits=False) as running:
        yield running


@pytest.fixture(scope="module")
def duckdb_warehouse(sandbox: SandboxProcess,
                     tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """tap-xero's first (full) run loaded into DuckDB and `dbt build` run over it."""
    loader = tool("target-duckdb-0.8.0-venv", TARGET_DUCKDB, "bin/target-duckdb")
    dbt = tool("dbt-duckdb-venv", DBT_DUCKDB, "bin/dbt")
    work: Path = tmp_path_factory.mktemp("duckdb-warehouse")
    db = work / "xero.duckdb"
    warehouse = Warehouse(
        "duckdb", work, loader / "bin" / "target-duckdb",
        {"filepath": str(db), "default_target_schema": "xero", "add_metadata_columns": True},
        dbt, {"DBT_DUCKDB_PATH": str(db)})
    warehouse.load(sandbox)
    warehouse.dbt("build")
    return warehouse
