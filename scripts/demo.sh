#!/usr/bin/env bash
# The demo: install, start the local Xero sandbox, run tap-xero into target-jsonl and DuckDB,
# build the dbt models (transform/) over DuckDB and print a profit and loss by month from them.
# Needs no Xero account and touches no network but the package index (for the install).
# Usage: bash scripts/demo.sh        (re-runs reuse .venv and .demo/)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q -e . >/dev/null
# The loaders and dbt pin their own libraries: each gets its own virtual environment, as Meltano
# would give it. target-duckdb and dbt-duckdb share one duckdb version (one file format).
[ -x .demo/jsonl-venv/bin/target-jsonl ] || { "$PY" -m venv .demo/jsonl-venv \
  && .demo/jsonl-venv/bin/pip install -q target-jsonl >/dev/null; }
[ -x .demo/duckdb-venv/bin/target-duckdb ] || { "$PY" -m venv .demo/duckdb-venv \
  && .demo/duckdb-venv/bin/pip install -q target-duckdb==0.8.0 duckdb==1.1.3 >/dev/null; }
[ -x .demo/dbt-venv/bin/dbt ] || { "$PY" -m venv .demo/dbt-venv \
  && .demo/dbt-venv/bin/pip install -q "dbt-core~=1.11.0" "dbt-duckdb~=1.11.0" duckdb==1.1.3 \
     >/dev/null; }
mkdir -p .demo/output && rm -f .demo/output/*.jsonl
rm -f .demo/xero.duckdb
.venv/bin/xero-sandbox serve --port 0 --size 200 > .demo/sandbox.json 2> .demo/sandbox.log &
SANDBOX=$!
trap 'kill $SANDBOX 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s .demo/sandbox.json ] && break; sleep 0.1; done
.venv/bin/python - <<'PY'
import json
info = json.loads(open(".demo/sandbox.json").readline())
cfg = dict(info["organisations"][0]["settings"], start_date="2000-01-01T00:00:00Z",
           reports=["ProfitAndLoss", "BalanceSheet"])
json.dump(cfg, open(".demo/tap-config.json", "w"), indent=2)
json.dump({"destination_path": ".demo/output", "do_timestamp_file": False},
          open(".demo/target-config.json", "w"))
json.dump({"filepath": ".demo/xero.duckdb", "default_target_schema": "xero",
           "add_metadata_columns": True}, open(".demo/duckdb-config.json", "w"))
print("sandbox at", info["url"], "- organisation:", info["organisations"][0]["tenant_name"])
PY
.venv/bin/tap-xero --config .demo/tap-config.json 2> .demo/tap.log > .demo/records.singer
.demo/jsonl-venv/bin/target-jsonl --config .demo/target-config.json < .demo/records.singer \
  > .demo/state.json
.demo/duckdb-venv/bin/target-duckdb --config .demo/duckdb-config.json < .demo/records.singer \
  > /dev/null 2> .demo/duckdb.log
echo "Data landed in .demo/output/ (one JSONL file per stream) and .demo/xero.duckdb:"
wc -l .demo/output/*.jsonl | tail -n 40
echo "Final state: .demo/state.json; tap log: .demo/tap.log"
echo "dbt build (transform/: staging, general ledger, statements, reconciliation with Xero):"
DBT_DUCKDB_PATH="$PWD/.demo/xero.duckdb" .demo/dbt-venv/bin/dbt build --project-dir transform \
  --profiles-dir transform/profiles/duckdb --target-path "$PWD/.demo/dbt-target" \
  --log-path "$PWD/.demo/dbt-logs" > .demo/dbt.log 2>&1 \
  || { tail -n 30 .demo/dbt.log; exit 1; }
grep -E "Done\. PASS" .demo/dbt.log | sed 's/^.*Done\./  /'
.demo/dbt-venv/bin/python - <<'PY'
import duckdb
con = duckdb.connect(".demo/xero.duckdb", read_only=True)
months = [m for (m,) in con.sql(
    "select distinct date_month from analytics.xero__profit_and_loss_report "
    "order by 1 desc limit 6").fetchall()][::-1]
rows = con.execute("""
    select account_class, account_code || ' ' || account_name, date_month, net_amount
    from analytics.xero__profit_and_loss_report
    where date_month >= ? order by account_class desc, account_code""", [months[0]]).fetchall()
lines: dict[tuple[str, str], dict[object, float]] = {}
for cls, name, month, amount in rows:
    lines.setdefault((cls, name), {})[month] = float(amount)
width = 28
print(f"\nProfit and loss by month (xero__profit_and_loss_report, {len(months)} months)")
print(f"{'':{width}}" + "".join(f"{m:%b %Y}".rjust(11) for m in months))
for title, cls in (("Income", "REVENUE"), ("Expenses", "EXPENSE")):
    print(title)
    total = {m: 0.0 for m in months}
    for (c, name), values in lines.items():
        if c != cls:
            continue
        print(f"  {name[:width - 2]:{width - 2}}" + "".join(
            f"{values.get(m, 0.0):11,.2f}" for m in months))
        for m in months:
            total[m] += values.get(m, 0.0)
    print(f"  {'Total ' + title.lower():{width - 2}}" + "".join(
        f"{total[m]:11,.2f}" for m in months))
net = {m: sum(v.get(m, 0.0) for v in lines.values()) for m in months}
print(f"{'Net profit':{width}}" + "".join(f"{net[m]:11,.2f}" for m in months))
print("(expenses negative, as Fivetran's dbt_xero shows them)")
PY
