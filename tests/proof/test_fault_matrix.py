"""The fault matrix: every failure Xero (or the network) can throw at the tap and the target.

Each case ends one of two ways, both asserted against a clean run's data:
- survives: the run finishes with exactly the clean run's records (tap) or the clean run's
  invoices in the sandbox, each once (target);
- stops cleanly: a non-zero exit with a message naming the problem, state that a re-run
  resumes from, and the re-run completes to the clean data (nothing missed, nothing twice).
Waits (Retry-After, back-off) move the sandbox's clock instead of sleeping.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.proof.conftest import (
    CrashingSession,
    OutageTime,
    RestartableSandbox,
    last_state,
    parse_lines,
    tap_cli,
    tap_run,
    target_cli,
)
from tests.tap.conftest import org_config
from tests.target.conftest import held, run_target, singer_lines, stream_input, target_config

STREAMS = ["contacts", "invoices"]  # contacts are synced first, then invoices (10 a page)
INVOICE_COUNT = 30  # the target writes 3 batches of 10
PREFIX = "PF-"


# --- tap -------------------------------------------------------------------------------------


def _tap_config(sandbox: Any, **overrides: Any) -> dict[str, Any]:
    return org_config(sandbox, 0, page_size=10, **overrides)


def _ids(messages_or_run: Any, stream: str) -> list[str]:
    key = {"contacts": "ContactID", "invoices": "InvoiceID"}[stream]
    records = (messages_or_run.records.get(stream, []) if hasattr(messages_or_run, "records")
               else [m["record"] for m in messages_or_run
                     if m.get("type") == "RECORD" and m.get("stream") == stream])
    return [str(r[key]) for r in records]


@pytest.fixture(scope="module")
def clean_tap(sandbox: Any) -> dict[str, list[str]]:
    """Record ids a fault-free run emits, per stream (sorted)."""
    sandbox.clean()
    run = tap_run(sandbox, _tap_config(sandbox), STREAMS)
    assert run.error is None
    ids = {s: sorted(_ids(run, s)) for s in STREAMS}
    assert len(ids["invoices"]) > 30 and ids["contacts"]
    return ids


def _fired(sandbox: Any) -> int:
    return sum(int(rule["fired"]) for rule in sandbox._admin("GET", "faults"))


TAP_SURVIVES = [
    pytest.param("429-minute", {"retry_after": 2}, {}, id="429-minute"),
    pytest.param("429-day", {"retry_after": 3}, {"wait_on_day_limit": True},
                 id="429-day-waited"),
    pytest.param("429-concurrent", {"retry_after": 1}, {}, id="429-concurrent"),
    pytest.param("429-appminute", {"retry_after": 4}, {}, id="429-appminute"),
    pytest.param("500", {}, {}, id="500"),
    pytest.param("502", {}, {}, id="502"),
    pytest.param("503-offline", {}, {}, id="503-offline"),
    pytest.param("504", {}, {}, id="504"),
    pytest.param("reset", {}, {}, id="connection-reset"),
    pytest.param("slow", {"seconds": 2}, {"request_timeout": 0.5}, id="read-timeout"),
    pytest.param("401-expired", {}, {}, id="401-mid-run"),
]


@pytest.mark.parametrize(("kind", "extra", "overrides"), TAP_SURVIVES)
def test_tap_survives(clean_sandbox: Any, clean_tap: dict[str, list[str]], kind: str,
                      extra: dict[str, Any], overrides: dict[str, Any]) -> None:
    sandbox = clean_sandbox
    sandbox.fault(kind, path="/Invoices", nth=2, count=1, **extra)
    run = tap_run(sandbox, _tap_config(sandbox, **overrides), STREAMS)
    assert run.error is None
    for stream in STREAMS:
        assert sorted(_ids(run, stream)) == clean_tap[stream], stream
    assert _fired(sandbox) == 1
    if kind.startswith("429"):
        assert extra["retry_after"] in run.waits  # waited exactly Retry-After


def test_tap_survives_the_sandbox_crashing_and_coming_back(
        outage_sandbox: RestartableSandbox) -> None:
    sandbox = outage_sandbox
    sandbox.clean()
    config = _tap_config(sandbox)
    clean = tap_run(sandbox, config, STREAMS)
    assert clean.error is None
    session = CrashingSession(sandbox, lambda r: "/Invoices" in str(r.url)
                              and "page=3" in str(r.url))
    crashes = sandbox.crashes
    run = tap_run(sandbox, config, STREAMS, timer=OutageTime(sandbox), session=session)
    assert sandbox.crashes == crashes + 1 and not sandbox.down
    assert run.error is None
    for stream in STREAMS:
        assert sorted(_ids(run, stream)) == sorted(_ids(clean, stream))


TAP_STOPS = [
    pytest.param("429-day", {"retry_after": 3600}, "day limit", id="429-day"),
    pytest.param("503-offline", {}, "Organisation is offline", id="503-offline-persists"),
    pytest.param("500", {}, "HTTP 500", id="500-persists"),
    pytest.param("reset", {}, "ConnectionError", id="reset-persists"),
    pytest.param("401-expired", {}, "401", id="401-persists"),
]


@pytest.mark.parametrize(("kind", "extra", "message"), TAP_STOPS)
def test_tap_stops_cleanly_and_a_rerun_resumes(clean_sandbox: Any,
                                               clean_tap: dict[str, list[str]], tmp_path: Path,
                                               kind: str, extra: dict[str, Any],
                                               message: str) -> None:
    sandbox = clean_sandbox
    sandbox.fault(kind, path="/Invoices", nth=2, count=None, **extra)
    config = _tap_config(sandbox, max_retries=1)
    stopped = tap_cli(tmp_path, config, STREAMS)
    assert stopped.returncode != 0
    assert "the sync finished with failures" in stopped.stderr
    assert message in stopped.stderr
    messages = parse_lines(stopped.stdout)
    assert sorted(_ids(messages, "contacts")) == clean_tap["contacts"]
    first = _ids(messages, "invoices")
    assert 0 < len(first) < len(clean_tap["invoices"])  # page 1 came, then the stop
    state = last_state(messages)
    assert state is not None
    sandbox.clear_faults()
    rerun = tap_run(sandbox, config, STREAMS, state=state)
    assert rerun.error is None
    assert sorted(set(first) | set(_ids(rerun, "invoices"))) == clean_tap["invoices"]
    assert len(_ids(rerun, "invoices")) < len(clean_tap["invoices"])  # resumed, not restarted


def test_tap_stop_prints_no_traceback(clean_sandbox: Any, tmp_path: Path) -> None:
    clean_sandbox.fault("503-offline", path="/Invoices", count=None)
    stopped = tap_cli(tmp_path, _tap_config(clean_sandbox, max_retries=0), ["invoices"])
    assert stopped.returncode != 0 and "Organisation is offline" in stopped.stderr
    assert "Traceback" not in stopped.stderr


def test_tap_403_on_one_stream_skips_it_and_a_rerun_fills_it(
        clean_sandbox: Any, clean_tap: dict[str, list[str]], tmp_path: Path) -> None:
    sandbox = clean_sandbox
    sandbox.fault("403-scope", path="/Contacts", count=None)
    config = _tap_config(sandbox)
    run = tap_cli(tmp_path, config, STREAMS)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Skipping stream contacts" in run.stderr and "403" in run.stderr
    assert "accounting.contacts" in run.stderr
    messages = parse_lines(run.stdout)
    assert _ids(messages, "contacts") == []
    assert sorted(_ids(messages, "invoices")) == clean_tap["invoices"]
    state = last_state(messages)
    assert state is not None
    sandbox.clear_faults()
    rerun = tap_run(sandbox, config, STREAMS, state=state)
    assert rerun.error is None
    assert sorted(_ids(rerun, "contacts")) == clean_tap["contacts"]


# --- target ----------------------------------------------------------------------------------


def _invoices(sandbox: Any) -> list[dict[str, Any]]:
    contacts = [c["Name"] for c in held(sandbox, 0, "contacts")[:3]]
    return [{"Type": "ACCREC", "InvoiceNumber": f"{PREFIX}{i:03d}",
             "Contact": {"Name": contacts[i % len(contacts)]},
             "Date": "2026-02-01", "DueDate": "2026-03-01", "Status": "AUTHORISED",
             "LineItems": [{"Description": f"Work {i}", "Quantity": 1 + i % 3,
                            "UnitAmount": Decimal("12.50") + i, "AccountCode": "200"}]}
            for i in range(INVOICE_COUNT)]


def _target_input(sandbox: Any) -> list[dict[str, Any]]:
    """SCHEMA, then 10 invoices and a STATE {"upto": n}, three times."""
    records = _invoices(sandbox)
    messages: list[dict[str, Any]] = [stream_input("invoices", [])[0]]
    for i, record in enumerate(records, 1):
        messages.append({"type": "RECORD", "stream": "invoices", "record": record})
        if i % 10 == 0:
            messages.append({"type": "STATE", "value": {"upto": i}})
    return messages


def _snapshot(sandbox: Any) -> dict[str, tuple[Any, ...]]:
    """What the sandbox holds of our invoices; asserts none is there twice."""
    ours = [i for i in held(sandbox, 0, "invoices")
            if str(i.get("InvoiceNumber", "")).startswith(PREFIX)]
    counts = Counter(i["InvoiceNumber"] for i in ours)
    assert all(n == 1 for n in counts.values()), counts.most_common(3)
    return {i["InvoiceNumber"]: (i.get("Status"), str(i.get("Total")),
                                 (i.get("Contact") or {}).get("Name")) for i in ours}


@pytest.fixture(scope="module")
def clean_target(sandbox: Any, tmp_path_factory: pytest.TempPathFactory
                 ) -> dict[str, tuple[Any, ...]]:
    sandbox.clean()
    tmp = tmp_path_factory.mktemp("clean-target")
    res = run_target(target_config(sandbox, tmp, batch_size=10), _target_input(sandbox))
    assert res.rejects == [] and res.count("invoices", "created") == INVOICE_COUNT
    snap = _snapshot(sandbox)
    assert len(snap) == INVOICE_COUNT
    return snap


TARGET_SURVIVES = [
    pytest.param("429-minute", {"retry_after": 2}, {}, id="429-minute"),
    pytest.param("429-day", {"retry_after": 3}, {"wait_on_day_limit": True},
                 id="429-day-waited"),
    pytest.param("429-concurrent", {"retry_after": 1}, {}, id="429-concurrent"),
    pytest.param("429-appminute", {"retry_after": 4}, {}, id="429-appminute"),
    pytest.param("500", {}, {}, id="500"),
    pytest.param("502", {}, {}, id="502"),
    pytest.param("503-offline", {}, {}, id="503-offline"),
    pytest.param("504", {}, {}, id="504"),
    pytest.param("reset", {}, {}, id="connection-reset"),
    pytest.param("slow", {"seconds": 2}, {"request_timeout": 0.5}, id="read-timeout"),
    pytest.param("401-expired", {}, {}, id="401-mid-run"),
]


@pytest.mark.parametrize(("kind", "extra", "overrides"), TARGET_SURVIVES)
def test_target_survives(clean_sandbox: Any, clean_target: dict[str, tuple[Any, ...]],
                         target_timer: Any, tmp_path: Path, kind: str, extra: dict[str, Any],
                         overrides: dict[str, Any]) -> None:
    sandbox = clean_sandbox
    timer = target_timer(sandbox)
    sandbox.fault(kind, path="/Invoices$", method="POST", nth=2, count=1, **extra)
    res = run_target(target_config(sandbox, tmp_path, batch_size=10, **overrides),
                     _target_input(sandbox))
    assert res.rejects == []
    assert res.count("invoices", "created") == INVOICE_COUNT
    assert res.states[-1] == {"upto": INVOICE_COUNT}
    if kind == "slow":  # the server finishes the slow write after the client gave up
        _wait_for(lambda: any(r.get("fault") == "slow" for r in sandbox.requests()))
    assert _snapshot(sandbox) == clean_target
    assert _fired(sandbox) == 1
    if kind.startswith("429"):
        assert extra["retry_after"] in timer.waits


def _wait_for(check: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the sandbox"
        time.sleep(0.05)


def test_target_survives_the_sandbox_crashing_and_coming_back(
        outage_sandbox: RestartableSandbox, target_timer: Any, tmp_path: Path) -> None:
    sandbox = outage_sandbox
    sandbox.clean()
    session = CrashingSession(sandbox, lambda r: r.method == "POST"
                              and "/Invoices" in str(r.url))
    target_timer(sandbox, timer=OutageTime(sandbox), session=session)
    crashes = sandbox.crashes
    res = run_target(target_config(sandbox, tmp_path, batch_size=10), _target_input(sandbox))
    assert sandbox.crashes == crashes + 1 and not sandbox.down
    assert res.rejects == [] and res.count("invoices", "created") == INVOICE_COUNT
    snap = _snapshot(sandbox)
    assert sorted(snap) == [f"{PREFIX}{i:03d}" for i in range(INVOICE_COUNT)]


TARGET_STOPS = [
    pytest.param("429-day", {"retry_after": 3600}, "day limit", id="429-day"),
    pytest.param("503-offline", {}, "Organisation is offline", id="503-offline-persists"),
    pytest.param("500", {}, "HTTP 500", id="500-persists"),
    pytest.param("reset", {}, "ConnectionError", id="reset-persists"),
    pytest.param("401-expired", {}, "401", id="401-persists"),
]


@pytest.mark.parametrize(("kind", "extra", "message"), TARGET_STOPS)
def test_target_stops_cleanly_and_a_rerun_completes(
        clean_sandbox: Any, clean_target: dict[str, tuple[Any, ...]], tmp_path: Path,
        kind: str, extra: dict[str, Any], message: str) -> None:
    sandbox = clean_sandbox
    sandbox.fault(kind, path="/Invoices$", method="POST", nth=2, count=None, **extra)
    config = target_config(sandbox, tmp_path, batch_size=10, max_retries=1)
    text = singer_lines(_target_input(sandbox))
    stopped = target_cli(tmp_path, config, text)
    assert stopped.returncode != 0
    assert "target-xero stopped" in stopped.stderr and message in stopped.stderr
    assert "Traceback" not in stopped.stderr
    written = sorted(_snapshot(sandbox))
    assert written == [f"{PREFIX}{i:03d}" for i in range(10)]  # the first write call only
    for state in parse_lines(stopped.stdout):  # a STATE only covers confirmed records
        assert state["upto"] <= len(written)
    sandbox.clear_faults()
    rerun = target_cli(tmp_path, config, text)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert _snapshot(sandbox) == clean_target
    assert parse_lines(rerun.stdout)[-1] == {"upto": INVOICE_COUNT}


def test_target_403_on_one_resource_rejects_with_the_scope_then_a_rerun_writes(
        clean_sandbox: Any, clean_target: dict[str, tuple[Any, ...]], tmp_path: Path) -> None:
    sandbox = clean_sandbox
    sandbox.fault("403-scope", path="/Invoices$", method="POST", count=None)
    config = target_config(sandbox, tmp_path, batch_size=10)
    text = singer_lines(_target_input(sandbox))
    run = target_cli(tmp_path, config, text)
    assert run.returncode == 0, run.stderr[-2000:]
    rejects = [json.loads(line)
               for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert len(rejects) == INVOICE_COUNT
    assert all("Xero refused (403)" in r["reasons"][0] and "accounting.transactions"
               in r["reasons"][0] for r in rejects)
    assert _snapshot(sandbox) == {}
    sandbox.clear_faults()
    (tmp_path / "rejects.jsonl").unlink()
    rerun = target_cli(tmp_path, config, text)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert not (tmp_path / "rejects.jsonl").exists()
    assert _snapshot(sandbox) == clean_target
