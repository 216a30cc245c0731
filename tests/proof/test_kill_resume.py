"""kill -9 mid-run, then resume: nothing is missed, and (target) nothing is written twice.

The tap is killed at 20 seeded points of a 1,500-invoice sync (50 a page) and resumed from
the last STATE line it printed before dying; the union of both runs must be the clean run's
records. The target is killed after its k-th write call and re-run on the same input; the
sandbox must then hold every invoice exactly once.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import select
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.proof.conftest import TAP_CLI, TARGET_CLI, last_state, parse_lines
from tests.tap.conftest import FAST, catalog_for
from tests.target.conftest import held, singer_lines, stream_input
from xero_sandbox.testing import SandboxProcess

F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)  # Linux; Python 3.10+ names it

KILL_POINTS = 20
SEED = 20260
PAGE_SIZE = 50
SIZE = 1500  # invoices: 30 pages of 50
STREAMS = {"contacts": "ContactID", "currencies": "Code", "invoices": "InvoiceID"}
INCREMENTAL = ("contacts", "invoices")


@pytest.fixture(scope="module")
def big_sandbox() -> Iterator[SandboxProcess]:
    with SandboxProcess(size=SIZE, orgs=1, limits=False) as running:
        yield running


def _ids(messages: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {s: [] for s in STREAMS}
    for m in messages:
        if m.get("type") == "RECORD" and m.get("stream") in STREAMS:
            out[m["stream"]].append(str(m["record"][STREAMS[m["stream"]]]))
    return out


def _bookmarks(state: dict[str, Any] | None) -> dict[str, set[str]]:
    """The replication key values a state resumes from, per stream (every tenant)."""
    out: dict[str, set[str]] = {s: set() for s in STREAMS}
    for stream, entry in ((state or {}).get("bookmarks") or {}).items():
        for part in [entry, *(entry.get("partitions") or [])]:
            if stream in out and part.get("replication_key_value"):
                out[stream].add(str(part["replication_key_value"]))
    return out


def _at_bookmark(messages: list[dict[str, Any]], marks: dict[str, set[str]]) -> int:
    """Resumed records whose UpdatedDateUTC is exactly a bookmark: Xero re-serves them and the
    tap must keep them (another record may share the bookmark's value)."""
    return sum(1 for m in messages if m.get("type") == "RECORD" and m.get("stream") in marks
               and str(m["record"].get("UpdatedDateUTC")) in marks[m["stream"]])


@dataclass
class KillRun:
    point: int  # the stdout line count the kill was aimed at
    lines_before_kill: int
    killed: dict[str, list[str]]
    resumed: dict[str, list[str]]
    had_state: bool
    at_bookmark: int = 0  # resumed records sitting exactly on the resume bookmark

    def duplicates(self) -> int:
        """Records read twice by incremental streams (a full-table stream such as currencies,
        four records here, is read whole by every run by definition), not counting those on
        the bookmark itself."""
        twice = sum(len(set(self.killed[s]) & set(self.resumed[s])) for s in INCREMENTAL)
        return twice - self.at_bookmark


class TapCommand:
    def __init__(self, sandbox: SandboxProcess, tmp: Path) -> None:
        config = {**sandbox.orgs[0]["settings"], **FAST, "page_size": PAGE_SIZE}
        self.tmp = tmp
        (tmp / "config.json").write_text(json.dumps(config))
        (tmp / "catalog.json").write_text(json.dumps(catalog_for(config, list(STREAMS))))
        self.args = [*TAP_CLI, "--config", str(tmp / "config.json"),
                     "--catalog", str(tmp / "catalog.json")]

    def run(self, state: dict[str, Any] | None, name: str) -> list[dict[str, Any]]:
        args = list(self.args)
        if state is not None:
            (self.tmp / f"{name}.state.json").write_text(json.dumps(state, default=str))
            args += ["--state", str(self.tmp / f"{name}.state.json")]
        done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
        return parse_lines(done.stdout)

    def kill_at(self, point: int) -> KillRun:
        """Kill the tap once it has printed `point` lines. Its stdout is a one-page pipe that
        is read no further than that point, so the tap blocks on its next writes and cannot
        finish before the kill however slow this reader is (a shared machine under load)."""
        out_path = self.tmp / f"kill-{point}.out"
        read_end, write_end = os.pipe()
        fcntl.fcntl(write_end, F_SETPIPE_SZ, 4096)
        proc = subprocess.Popen(self.args, stdout=write_end, stderr=subprocess.DEVNULL,
                                env=dict(os.environ, PYTHONUNBUFFERED="1"))
        os.close(write_end)
        out = bytearray()
        deadline = time.monotonic() + 60
        while out.count(b"\n") < point and time.monotonic() < deadline:
            if select.select([read_end], [], [], 1.0)[0]:
                chunk = os.read(read_end, 4096)
                if not chunk:
                    break  # the tap closed its stdout: it finished
                out += chunk
        proc.kill()
        code = proc.wait()
        while chunk := os.read(read_end, 65536):  # what it wrote before the kill
            out += chunk
        os.close(read_end)
        out_path.write_bytes(bytes(out))
        assert code == -9, f"the tap finished before line {point}"
        text = out_path.read_text()
        messages = parse_lines(text)
        state = last_state(messages)
        resumed = self.run(state, f"resume-{point}")
        return KillRun(point, text.count("\n"), _ids(messages), _ids(resumed),
                       state is not None, _at_bookmark(resumed, _bookmarks(state)))


@pytest.fixture(scope="module")
def tap_kills(big_sandbox: SandboxProcess, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[dict[str, list[str]], list[KillRun]]:
    command = TapCommand(big_sandbox, tmp_path_factory.mktemp("kills"))
    clean = command.run(None, "clean")
    total = len(clean)
    # One seeded point in each twentieth of the output: early (before any STATE) to late.
    rng = random.Random(SEED)
    step = (total - 20) // KILL_POINTS
    points = [rng.randrange(3 + i * step, 3 + (i + 1) * step) for i in range(KILL_POINTS)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        kills = list(pool.map(command.kill_at, points))
    return _ids(clean), kills


@pytest.mark.timeout(600)  # the shared fixture makes 41 tap runs
def test_tap_killed_at_20_points_resumes_without_missing_a_record(
        tap_kills: tuple[dict[str, list[str]], list[KillRun]]) -> None:
    clean, kills = tap_kills
    assert len(clean["invoices"]) == SIZE and len(set(clean["invoices"])) == SIZE
    assert len({k.point for k in kills}) == KILL_POINTS
    for kill in kills:
        for stream in STREAMS:
            union = set(kill.killed[stream]) | set(kill.resumed[stream])
            assert union == set(clean[stream]), (kill.point, stream)
    # The kills really landed all over the run: before the invoices began, and after STATEs.
    assert any(not k.killed["invoices"] for k in kills) and any(k.had_state for k in kills)
    assert any(0 < len(k.killed["invoices"]) < SIZE for k in kills)


@pytest.mark.timeout(600)
def test_tap_kill_duplicates_at_most_one_page(
        tap_kills: tuple[dict[str, list[str]], list[KillRun]]) -> None:
    _, kills = tap_kills
    worst = max(kills, key=KillRun.duplicates)
    assert worst.duplicates() <= PAGE_SIZE, (worst.point, worst.duplicates())
    assert max(k.at_bookmark for k in kills) <= 2 * len(INCREMENTAL)  # ties are rare


# --- target ----------------------------------------------------------------------------------

TARGET_KILLS = (1, 3, 5)  # kill once this many write calls are in the sandbox's log
TARGET_INVOICES = 100


def _target_text(sandbox: SandboxProcess, prefix: str) -> str:
    contacts = [c["Name"] for c in held(sandbox, 0, "contacts")[:5]]
    records = [{"Type": "ACCREC", "InvoiceNumber": f"{prefix}{i:04d}",
                "Contact": {"Name": contacts[i % len(contacts)]},
                "Date": "2026-02-01", "DueDate": "2026-03-01", "Status": "AUTHORISED",
                "LineItems": [{"Description": "Work", "Quantity": 1,
                               "UnitAmount": Decimal("10.00") + i, "AccountCode": "200"}]}
               for i in range(TARGET_INVOICES)]
    return singer_lines(stream_input("invoices", records))


def _writes(sandbox: SandboxProcess) -> int:
    return sum(1 for r in sandbox.requests()
               if r["method"] in ("POST", "PUT") and r["path"].endswith("/Invoices"))


@pytest.mark.parametrize("after_writes", TARGET_KILLS)
def test_target_killed_mid_batch_rerun_writes_each_invoice_once(
        big_sandbox: SandboxProcess, tmp_path: Path, after_writes: int) -> None:
    sandbox = big_sandbox
    prefix = f"KR{after_writes}-"
    config = {**sandbox.orgs[0]["settings"], **FAST, "batch_size": 10,
              "rejects_path": str(tmp_path / "rejects.jsonl")}
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "input.jsonl").write_text(_target_text(sandbox, prefix))
    args = [*TARGET_CLI, "--config", str(tmp_path / "config.json"),
            "--input", str(tmp_path / "input.jsonl")]
    sandbox.clear_requests()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while proc.poll() is None and _writes(sandbox) < after_writes:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.kill()
    assert proc.wait() == -9, "the target finished before the kill"
    ours = [i["InvoiceNumber"] for i in held(sandbox, 0, "invoices")
            if str(i.get("InvoiceNumber", "")).startswith(prefix)]
    assert 0 < len(ours) < TARGET_INVOICES
    rerun = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    counts = Counter(i["InvoiceNumber"] for i in held(sandbox, 0, "invoices")
                     if str(i.get("InvoiceNumber", "")).startswith(prefix))
    assert counts == Counter({f"{prefix}{i:04d}": 1 for i in range(TARGET_INVOICES)})
    assert not (tmp_path / "rejects.jsonl").exists()
