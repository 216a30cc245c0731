#!/usr/bin/env bash
# The demo: install, start the local Xero sandbox, run tap-xero into target-jsonl, show the result.
# Needs no Xero account and touches no network but the package index (for the install).
# Usage: bash scripts/demo.sh        (re-runs reuse .venv and .demo/)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q -e . >/dev/null
# target-jsonl pins old libraries: it gets its own virtual environment, as Meltano would give it.
[ -x .demo/jsonl-venv/bin/target-jsonl ] || { "$PY" -m venv .demo/jsonl-venv \
  && .demo/jsonl-venv/bin/pip install -q target-jsonl >/dev/null; }
mkdir -p .demo/output
.venv/bin/xero-sandbox serve --port 0 --size 200 > .demo/sandbox.json 2> .demo/sandbox.log &
SANDBOX=$!
trap 'kill $SANDBOX 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s .demo/sandbox.json ] && break; sleep 0.1; done
.venv/bin/python - <<'PY'
import json
info = json.loads(open(".demo/sandbox.json").readline())
cfg = dict(info["organisations"][0]["settings"], start_date="2000-01-01T00:00:00Z")
json.dump(cfg, open(".demo/tap-config.json", "w"), indent=2)
json.dump({"destination_path": ".demo/output", "do_timestamp_file": False},
          open(".demo/target-config.json", "w"))
print("sandbox at", info["url"], "- organisation:", info["organisations"][0]["tenant_name"])
PY
.venv/bin/tap-xero --config .demo/tap-config.json 2> .demo/tap.log \
  | .demo/jsonl-venv/bin/target-jsonl --config .demo/target-config.json > .demo/state.json
echo "Data landed in .demo/output/ (one JSONL file per stream):"
wc -l .demo/output/*.jsonl | tail -n 40
echo "Final state: .demo/state.json; tap log: .demo/tap.log"
