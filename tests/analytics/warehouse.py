"""The analytics pipeline for tests: tap-xero -> a loader -> dbt, and queries of the result.

Tools (target-duckdb, dbt-duckdb, target-postgres, dbt-postgres) get virtual environments of
their own under the pipeline tests' cache folder, created once; the warehouse is queried with the
Python of the dbt venv (duckdb or psycopg2 live there, not in the project's venv).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.pipelines.conftest import TIMINGS, cache_dir, cache_lock
from xero_sandbox.testing import SandboxProcess

REPO = Path(__file__).resolve().parents[2]
TRANSFORM = REPO / "transform"
# The loader's duckdb and dbt's duckdb are the same version: one file format on both sides.
TARGET_DUCKDB = ["target-duckdb==0.8.0", "duckdb==1.1.3"]
DBT_DUCKDB = ["dbt-core~=1.11.0", "dbt-duckdb~=1.11.0", "duckdb==1.1.3"]
TARGET_POSTGRES = ["meltanolabs-target-postgres==0.8.1"]
DBT_POSTGRES = ["dbt-core~=1.11.0", "dbt-postgres~=1.11.0"]
REPORTS = ["ProfitAndLoss", "BalanceSheet", "TrialBalance", "AgedReceivablesByContact",
           "AgedPayablesByContact"]


def tool(name: str, requirements: list[str], probe: str) -> Path:
    """A venv under the cache with `requirements` installed (once); returns its folder."""
    with cache_lock(name):
        venv = cache_dir() / name
        marker = venv / ".installed"
        wanted = " ".join(requirements)
        if marker.exists() and marker.read_text() == wanted and (venv / probe).exists():
            return venv
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *requirements])
        marker.write_text(wanted)
        TIMINGS[f"install {name}"] = time.perf_counter() - began
        return venv


def run(args: list[str], *, env: dict[str, str] | None = None, cwd: Path = REPO,
        stdin: Any = None, stdout: Any = subprocess.PIPE, timeout: float = 600,
        ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, env=env, cwd=cwd, stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        out = done.stdout[-6000:] if isinstance(done.stdout, str) else ""
        pytest.fail(f"{args[:3]} exited {done.returncode}\nstdout:\n{out}\n"
                    f"stderr:\n{done.stderr[-4000:]}")
    return done


def _run_unchecked(args: list[str], *, env: dict[str, str] | None = None,
                   cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=600,
                          check=False)


def tap_config(sandbox: SandboxProcess, tokens: Path, **extra: Any) -> dict[str, Any]:
    """Every sandbox organisation through the standard app (one tap run, all tenants), with the
    reports the dbt project reconciles with; the sandbox's limits are off, so are the tap's."""
    return {"api_url": sandbox.url, "identity_url": sandbox.url, "max_calls_per_minute": 100000,
            "client_id": sandbox.app["client_id"], "client_secret": sandbox.app["client_secret"],
            "refresh_token": sandbox.refresh_token, "token_store_path": str(tokens),
            "start_date": "2000-01-01T00:00:00Z", "reports": REPORTS, **extra}


@dataclass
class Warehouse:
    """A loader and a dbt project dir over one database; `load` runs the tap into it."""

    kind: str  # duckdb | postgres
    work: Path
    loader: Path  # the loader's executable
    loader_config: dict[str, Any]
    dbt_venv: Path
    dbt_env: dict[str, str]
    state: Path = field(init=False)

    def __post_init__(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        self.state = self.work / "state.json"

    def load(self, sandbox: SandboxProcess, **tap_settings: Any) -> None:
        """tap-xero (incremental from the last state) into the loader; the new state kept."""
        config = self.work / "tap.json"
        config.write_text(json.dumps(tap_config(sandbox, self.work / "tokens.json",
                                                **tap_settings)))
        target = self.work / "target.json"
        target.write_text(json.dumps(self.loader_config))
        tap = [str(Path(sys.executable).parent / "tap-xero"), "--config", str(config)]
        if self.state.exists() and self.state.read_text().strip():
            tap += ["--state", str(self.state)]
        began = time.perf_counter()
        records = self.work / "records.singer"
        with records.open("w") as out:
            run(tap, stdout=out)
        with records.open() as src:
            done = run([str(self.loader), "--config", str(target)], stdin=src)
        states = [line for line in done.stdout.splitlines() if line.strip()]
        if states:
            self.state.write_text(states[-1])
        TIMINGS[f"{self.kind} load"] = time.perf_counter() - began

    def dbt(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, **self.dbt_env)
        env.pop("VIRTUAL_ENV", None)
        began = time.perf_counter()
        runner = run if check else _run_unchecked
        done = runner([str(self.dbt_venv / "bin" / "dbt"), *args, "--project-dir", str(TRANSFORM),
                    "--profiles-dir", str(TRANSFORM / "profiles" / self.kind),
                    "--target-path", str(self.work / "dbt-target"),
                    "--log-path", str(self.work / "dbt-logs")], env=env, cwd=TRANSFORM)
        TIMINGS[f"dbt {args[0]} {self.kind}"] = time.perf_counter() - began
        return done

    def query(self, sql: str, write: bool = False) -> list[list[Any]]:
        """Rows of `sql` (numbers as strings, dates ISO), run by the dbt venv's Python."""
        if self.kind == "duckdb":
            script = ("import duckdb, json, sys\n"
                      f"c = duckdb.connect({self.dbt_env['DBT_DUCKDB_PATH']!r}, "
                      f"read_only={not write})\n"
                      "r = c.sql(sys.stdin.read()); rows = r.fetchall() if r else []\n")
        else:
            e = self.dbt_env
            script = ("import psycopg2, json, sys\n"
                      f"c = psycopg2.connect(host={e['DBT_POSTGRES_HOST']!r}, "
                      f"port={int(e['DBT_POSTGRES_PORT'])}, user={e['DBT_POSTGRES_USER']!r}, "
                      f"password={e['DBT_POSTGRES_PASSWORD']!r}, "
                      f"dbname={e['DBT_POSTGRES_DBNAME']!r})\n"
                      "cur = c.cursor(); cur.execute(sys.stdin.read())\n"
                      "rows = cur.fetchall() if cur.description else []; c.commit()\n")
        script += "print(json.dumps([list(r) for r in rows], default=str))\n"
        done = subprocess.run([str(self.dbt_venv / "bin" / "python"), "-c", script], input=sql,
                              text=True, capture_output=True, timeout=120, check=False)
        if done.returncode != 0:
            pytest.fail(f"query failed: {done.stderr[-3000:]}\n{sql}")
        rows: list[list[Any]] = json.loads(done.stdout)
        return rows
