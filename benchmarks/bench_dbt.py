"""Benchmark: `dbt build` of the analytics project (transform/) on DuckDB.

    python benchmarks/bench_dbt.py [--sizes 200,100000]

For each size N: a sandbox (limits off) of one organisation of about N invoices; tap-xero (every
stream, its own limiter out of the way, the ProfitAndLoss and BalanceSheet reports of the last
12 months) and the streams the models read loaded by target-duckdb 0.8.0 (duckdb 1.1.3), then
`dbt build` (every model and test, the reconciliation with the sandbox's reports included),
timed on its own. 200 is the demo's size.
The tools get virtual environments of their own under the system's temporary folder (once).
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO_DIR, VENV_BIN, markdown_table, start_sandbox

TOOLS = Path(tempfile.gettempdir()) / "xero-singer-bench-dbt"
TARGET_DUCKDB = ["target-duckdb==0.8.0", "duckdb==1.1.3"]
DBT_DUCKDB = ["dbt-core~=1.11.0", "dbt-duckdb~=1.11.0", "duckdb==1.1.3"]
TRANSFORM = REPO_DIR / "transform"
# The streams the models read: only these are loaded (target-duckdb flushes every 200 records of
# a stream, so loading every stream of a 100k organisation takes long; its run over all of them
# stopped with an error at that size).
MODEL_STREAMS = {
    "accounts", "contacts", "invoices", "credit_notes", "payments", "bank_transactions",
    "journals", "journal_lines", "invoice_line_items", "organisation", "report_rows",
    "credit_note_allocations", "overpayments", "prepayments", "manual_journals",
    "bank_transfers", "tracking_categories", "items", "tax_rates", "currencies"}
STREAM = re.compile(rb'"stream": ?"([^"]+)"')


def keep_model_streams(src: Path, dst: Path) -> None:
    """The Singer messages of MODEL_STREAMS (and every STATE message) from `src` into `dst`."""
    with src.open("rb") as lines, dst.open("wb") as out:
        for line in lines:
            found = STREAM.search(line, 0, 200)
            if found is None or found.group(1).decode() in MODEL_STREAMS:
                out.write(line)


def venv(name: str, requirements: list[str]) -> Path:
    path = TOOLS / name
    marker = path / ".installed"
    if not (marker.exists() and marker.read_text() == " ".join(requirements)):
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(path)], check=True)
        subprocess.run([str(path / "bin" / "python"), "-m", "pip", "install", "-q",
                        *requirements], check=True, capture_output=True)
        marker.write_text(" ".join(requirements))
    return path


def last_month_end() -> date:
    today = date.today()
    y, m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return date(y, m, calendar.monthrange(y, m)[1])


def run_size(size: int, work: Path, loader: Path, dbt: Path) -> dict[str, object]:
    work.mkdir(parents=True, exist_ok=True)
    db = work / "xero.duckdb"
    db.unlink(missing_ok=True)
    sandbox = start_sandbox(size=size, limits=False)
    try:
        end = last_month_end()
        tap = dict(sandbox.orgs[0]["settings"], start_date="2000-01-01T00:00:00Z",
                   max_calls_per_minute=100000, page_size=1000,
                   reports=["ProfitAndLoss", "BalanceSheet"], report_date=end.isoformat(),
                   report_from_date=end.replace(day=1).isoformat(),
                   report_to_date=end.isoformat(), report_periods=11, report_timeframe="MONTH")
        (work / "tap.json").write_text(json.dumps(tap))
        (work / "target.json").write_text(json.dumps(
            {"filepath": str(db), "default_target_schema": "xero", "add_metadata_columns": True}))
        began = time.perf_counter()
        with open(work / "records.singer", "w") as out:
            subprocess.run([str(VENV_BIN / "tap-xero"), "--config", str(work / "tap.json")],
                           stdout=out, stderr=subprocess.DEVNULL, check=True)
        keep_model_streams(work / "records.singer", work / "model-streams.singer")
        with open(work / "model-streams.singer") as src:
            subprocess.run([str(loader / "bin" / "target-duckdb"), "--config",
                            str(work / "target.json")], stdin=src, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)
        load = time.perf_counter() - began
    finally:
        sandbox.stop()
    env = dict(os.environ, DBT_DUCKDB_PATH=str(db))
    env.pop("VIRTUAL_ENV", None)
    began = time.perf_counter()
    done = subprocess.run([str(dbt / "bin" / "dbt"), "build", "--project-dir", str(TRANSFORM),
                           "--profiles-dir", str(TRANSFORM / "profiles" / "duckdb"),
                           "--target-path", str(work / "dbt-target"),
                           "--log-path", str(work / "dbt-logs")],
                          env=env, cwd=TRANSFORM, capture_output=True, text=True, check=False)
    build = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"dbt build failed at size {size}:\n{done.stdout[-3000:]}")
    count = ("import duckdb, json, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
             "print(json.dumps([c.sql(f'select count(*) from {t}').fetchall()[0][0] for t in "
             "('analytics.stg_xero__invoices', 'analytics.xero__general_ledger', "
             "'analytics.xero__invoice_line_items')]))")
    invoices, ledger, lines = json.loads(subprocess.run(
        [str(dbt / "bin" / "python"), "-c", count, str(db)], capture_output=True, text=True,
        check=True).stdout)
    summary = next((line.split("Done.", 1)[1].strip() for line in done.stdout.splitlines()
                    if "Done. PASS" in line), "")
    return {"size": size, "invoices": invoices, "journal lines": ledger,
            "invoice lines": lines, "tap + load s": round(load, 1),
            "dbt build s": round(build, 1), "dbt": summary}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200,100000")
    parser.add_argument("--work", default=str(TOOLS / "runs"))
    args = parser.parse_args()
    loader = venv("target-duckdb", TARGET_DUCKDB)
    dbt = venv("dbt-duckdb", DBT_DUCKDB)
    rows = [run_size(int(size), Path(args.work) / size, loader, dbt)
            for size in args.sizes.split(",")]
    print(markdown_table(list(rows[0]), [list(r.values()) for r in rows]))


if __name__ == "__main__":
    main()
