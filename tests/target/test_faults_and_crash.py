"""Faults mid-run are retried to a complete write; a crash mid-batch then a re-run loses nothing
and writes nothing twice."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from tests.target.conftest import (
    api_calls,
    held,
    run_target,
    singer_lines,
    stream_input,
    target_config,
)


def _inv(number: str, contact: str) -> dict[str, Any]:
    return {"Type": "ACCREC", "InvoiceNumber": number, "Contact": {"Name": contact},
            "Date": "2026-02-01", "DueDate": "2026-03-01", "Status": "AUTHORISED",
            "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": Decimal("12.50"),
                           "AccountCode": "200"}]}


def _numbers(sandbox: Any, prefix: str) -> Counter[str]:
    return Counter(i["InvoiceNumber"] for i in held(sandbox, 0, "invoices")
                   if str(i.get("InvoiceNumber", "")).startswith(prefix))


@pytest.mark.parametrize("kind", ["429-minute", "500", "503-offline", "504", "reset",
                                  "401-expired"])
def test_fault_on_the_write_is_retried_once_written(clean_sandbox, tmp_path, kind) -> None:
    contact = held(clean_sandbox, 0, "contacts")[0]["Name"]
    clean_sandbox.fault(kind, path="/Invoices$", method="POST", count=1)
    res = run_target(target_config(clean_sandbox, tmp_path),
                     stream_input("invoices", [_inv(f"TT-F-{i}", contact) for i in range(3)]))
    assert res.rejects == []
    assert res.count("invoices", "created") == 3
    assert _numbers(clean_sandbox, "TT-F-") == Counter({f"TT-F-{i}": 1 for i in range(3)})
    posts = api_calls(clean_sandbox, method="POST", contains="/Invoices")
    assert len(posts) == 2  # the failed one and its retry, same Idempotency-Key
    keys = {(p.get("headers") or {}).get("Idempotency-Key") for p in posts}
    assert len(keys) == 1


def test_timeout_then_retry_writes_once(clean_sandbox, tmp_path) -> None:
    """The slow call is written by the server after the client gave up; the retry's
    Idempotency-Key makes the second attempt answer the first write, not a second one."""
    contact = held(clean_sandbox, 0, "contacts")[0]["Name"]
    clean_sandbox.fault("slow", path="/Invoices$", method="POST", count=1, seconds=2)
    res = run_target(target_config(clean_sandbox, tmp_path, request_timeout=0.5),
                     stream_input("invoices", [_inv("TT-T-1", contact)]))
    time.sleep(2.0)  # let the slow request finish on the server, as it would in Xero
    assert res.rejects == []
    assert _numbers(clean_sandbox, "TT-T-") == Counter({"TT-T-1": 1})


def test_server_error_that_persists_stops_without_state(clean_sandbox, tmp_path) -> None:
    contact = held(clean_sandbox, 0, "contacts")[0]["Name"]
    clean_sandbox.fault("500", path="/Invoices$", method="POST", count=None)
    msgs = [*stream_input("invoices", [_inv("TT-S-1", contact)]),
            {"type": "STATE", "value": {"after": 1}}]
    from xero_core.errors import ServerError

    with pytest.raises(ServerError):
        run_target(target_config(clean_sandbox, tmp_path), msgs)
    clean_sandbox.clear_faults()
    assert _numbers(clean_sandbox, "TT-S-") == Counter()


def test_crash_mid_batch_then_rerun_no_duplicates_nothing_missing(clean_sandbox, tmp_path
                                                                   ) -> None:
    contact = held(clean_sandbox, 0, "contacts")[0]["Name"]
    records = [_inv(f"TT-C-{i:03d}", contact) for i in range(60)]
    # Keyless records too (no InvoiceNumber: Xero numbers them): only the Idempotency-Key
    # protects those.
    keyless = [{**_inv("x", contact), "Reference": f"TT-K-{i}"} for i in range(10)]
    for r in keyless:
        r.pop("InvoiceNumber")
    text = singer_lines([*stream_input("invoices", keyless + records)])
    config = target_config(clean_sandbox, tmp_path, batch_size=10)
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "input.jsonl").write_text(text)
    cmd = [sys.executable, "-m", "target_xero.target", "--config", str(tmp_path / "config.json"),
           "--input", str(tmp_path / "input.jsonl")]
    # The keyless batch goes first (one PUT); then the 4th POST hangs on the server long
    # enough to kill the target while it waits.
    clean_sandbox.fault("slow", path="/Invoices$", method="POST", nth=4, count=1, seconds=3)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(api_calls(clean_sandbox, method="POST", contains="/Invoices")) >= 3:
            break
        time.sleep(0.05)
    time.sleep(0.3)  # the 4th POST is now in flight
    proc.kill()
    proc.wait()
    time.sleep(3.5)  # the server finishes the write the target never saw answered
    partial = _numbers(clean_sandbox, "TT-C-")
    assert 0 < sum(partial.values()) < 60
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    after = _numbers(clean_sandbox, "TT-C-")
    assert after == Counter({f"TT-C-{i:03d}": 1 for i in range(60)})
    refs = Counter(i.get("Reference") for i in held(clean_sandbox, 0, "invoices")
                   if str(i.get("Reference", "")).startswith("TT-K-"))
    assert refs == Counter({f"TT-K-{i}": 1 for i in range(10)})
