"""Fixtures of the analytics tests: a sandbox of three organisations per module, and a DuckDB
and a PostgreSQL warehouse.

tap-xero runs once per module into target-duckdb (or target-postgres, into a PostgreSQL of the
module's own), then `dbt build` (the project in transform/, with its reconciliation tests)
builds the models; the tests reconcile them with the sandbox's own reports. Tools install once
into the pipeline tests' cache (see tests/pipelines/conftest). Marked `analytics`:
`pytest -m "not analytics"` leaves them out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.analytics.postgres_server import PostgresServer
from tests.analytics.warehouse import (
    DBT_DUCKDB,
    DBT_POSTGRES,
    TARGET_DUCKDB,
    TARGET_POSTGRES,
    Warehouse,
    tool,
)
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


@pytest.fixture(scope="module")
def postgres_warehouse(sandbox: SandboxProcess,
                       tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """tap-xero loaded by target-postgres into a throwaway PostgreSQL, then `dbt build`."""
    loader = tool("target-postgres-venv", TARGET_POSTGRES, "bin/target-postgres")
    dbt = tool("dbt-postgres-venv", DBT_POSTGRES, "bin/dbt")
    with PostgresServer() as pg:
        connection = {"host": "127.0.0.1", "port": pg.port, "user": pg.user,
                      "password": pg.password, "database": pg.database}
        warehouse = Warehouse(
            "postgres", tmp_path_factory.mktemp("postgres-warehouse"),
            loader / "bin" / "target-postgres",
            {**connection, "default_target_schema": "xero", "add_record_metadata": True}, dbt,
            {"DBT_POSTGRES_HOST": "127.0.0.1", "DBT_POSTGRES_PORT": str(pg.port),
             "DBT_POSTGRES_USER": pg.user, "DBT_POSTGRES_PASSWORD": pg.password,
             "DBT_POSTGRES_DBNAME": pg.database, "DBT_POSTGRES_SCHEMA": "analytics"})
        warehouse.load(sandbox)
        warehouse.dbt("build")
        yield warehouse
