"""The README's recipe: target-xero's results file read back by Meltano (tap-jsonl) into a loader.

Warehouse rows with their own ids (`order_id`) go through `meltano invoke target-xero`; then
`meltano run tap-xero-results target-jsonl` lands, per source key, the Xero id the row became.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.pipelines.conftest import Meltano, read_jsonl
from tests.target.conftest import OPEN_SCHEMA, held, record_msg, schema_msg, singer_lines

pytestmark = pytest.mark.meltano


def _rows(bank_code: str) -> str:
    records = [{"order_id": f"ord-{n}", "Type": "RECEIVE", "Contact": {"Name": "Web shop"},
                "BankAccount": {"Code": bank_code}, "Date": "2026-02-01",
                "LineItems": [{"Description": f"Order {n}", "Quantity": 1, "UnitAmount": 10 + n,
                               "AccountCode": "200"}]} for n in range(3)]
    return singer_lines([schema_msg("payouts", OPEN_SCHEMA, ["order_id"]),
                         *(record_msg("payouts", r) for r in records)])


def test_xero_ids_flow_back_through_the_results_file(meltano: Meltano, sandbox: Any,
                                                      tmp_path: Path) -> None:
    sandbox.clean()
    sandbox.set_limits(False)
    bank = next(a["Code"] for a in held(sandbox, 1, "accounts")
                if a["Type"] == "BANK" and a.get("Status") == "ACTIVE")
    results = tmp_path / "results" / "target-xero-results.jsonl"
    env = meltano.env(TARGET_XERO_STREAM_ENDPOINTS=json.dumps({"payouts": "bank_transactions"}),
                      TARGET_XERO_RESULTS_PATH=str(results),
                      TARGET_XERO_REJECTS_PATH=str(tmp_path / "rejects.jsonl"),
                      TARGET_XERO_TOKEN_STORE_PATH=str(tmp_path / "tokens.json"),
                      TAP_XERO_RESULTS_PATH=str(results),
                      TARGET_JSONL_DESTINATION_PATH=str(tmp_path / "out"))
    for _ in range(2):  # the second send finds every row in Xero: nothing is written twice
        done = subprocess.run([str(meltano.executable), "invoke", "target-xero"],
                              input=_rows(bank), env=env, capture_output=True, text=True,
                              timeout=300, check=False, cwd=Path(__file__).resolve().parents[2])
        assert done.returncode == 0, done.stderr[-3000:]
    tokens = {str(t["Reference"]): t["BankTransactionID"]
              for t in held(sandbox, 1, "bank_transactions")
              if str(t.get("Reference", "")).startswith("[payouts:")}
    assert sorted(tokens) == ["[payouts:ord-0]", "[payouts:ord-1]", "[payouts:ord-2]"]

    done = subprocess.run([str(meltano.executable), "run", "--state-id-suffix", "results",
                           "tap-xero-results", "target-jsonl"], env=env, capture_output=True,
                          text=True, timeout=300, check=False,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-3000:]
    landed = read_jsonl(tmp_path / "out" / "xero_results.jsonl")
    by_action: dict[str, dict[str, str]] = {}
    for row in landed:
        by_action.setdefault(row["action"], {})[row["source_key"]] = row["xero_id"]
    expected = {f"ord-{n}": tokens[f"[payouts:ord-{n}]"] for n in range(3)}
    assert by_action == {"created": expected, "unchanged": expected}
