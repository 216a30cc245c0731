"""kill -9 a source-keyed load, re-run it: Xero holds each source record exactly once.

A stream `payouts` (mapped to bank transactions) sends 1,000 records keyed by `order_id` (the
SCHEMA's key_properties); many have identical content (three amounts, three contacts, one
description), so only the `[payouts:<order_id>]` token in `Reference` tells them apart. The
target CLI is killed with SIGKILL at 12 seeded points, then re-run on the same input (or the
input re-ordered, extended, changed, batched differently, keyed by the `source_keys` setting),
every run in an empty working directory with an empty HOME: nothing local survives, Xero is the
only record of what was written.

The kill points include the window between Xero's commit and anything the target saves: the
sandbox holds the k-th write call (a `slow` fault), the target is stopped (SIGSTOP) while it
waits, Xero commits and answers into the stopped target's socket, then the target is killed.

After each re-run the sandbox must hold exactly one bank transaction per order_id sent, none
missing, with the content last sent; the re-run's results file must say `created` exactly for
the orders Xero did not hold after the kill, `unchanged` / `updated` for the others, with the
id Xero holds; no write call may be an idempotent replay (the re-run found the records itself).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.proof.conftest import TARGET_CLI
from tests.target.conftest import (
    FAST,
    OPEN_SCHEMA,
    held,
    record_msg,
    schema_msg,
    singer_lines,
)
from xero_sandbox.testing import SandboxProcess

SEED = 20262
STREAM = "payouts"
ORDERS = 1000
EXTRA = 100  # orders the "extended" re-runs append
BATCH = 50  # records a write call (the target's default and Xero's most)
AMOUNTS = (10.5, 20.0, 35.25)
BUYERS = ("Buyer 1", "Buyer 2", "Buyer 3")
HOLD = 1.5  # seconds the sandbox holds the write call a kill is aimed behind
WRITES = r"/BankTransactions$"


# --- input ----------------------------------------------------------------------------------

def order(i: int, bank: str) -> dict[str, Any]:
    """Order i: one of 9 contents (amount x contact), shared by ~111 orders each."""
    return {"order_id": f"o{i}", "Type": "RECEIVE",
            "Contact": {"Name": BUYERS[(i // 3) % 3]}, "BankAccount": {"Code": bank},
            "Date": "2026-02-01",
            "LineItems": [{"Description": "Sale", "Quantity": 1, "UnitAmount": AMOUNTS[i % 3],
                           "AccountCode": "200"}]}


def changed(rec: dict[str, Any]) -> dict[str, Any]:
    """The same order with another amount, contact and description (an update)."""
    line = {**rec["LineItems"][0], "UnitAmount": 99.99, "Description": "Sale (corrected)"}
    return {**rec, "Contact": {"Name": "Buyer 9"}, "LineItems": [line]}


def text_of(records: list[dict[str, Any]], *, keyed_by_schema: bool = True) -> str:
    keys = ["order_id"] if keyed_by_schema else None
    return singer_lines([schema_msg(STREAM, OPEN_SCHEMA, keys),
                         *(record_msg(STREAM, r) for r in records)])


def content_sent(rec: dict[str, Any]) -> tuple[Any, ...]:
    return (rec["Type"], rec["Contact"]["Name"], rec["BankAccount"]["Code"], rec["Date"],
            tuple((li["Description"], Decimal(str(li["Quantity"])),
                   Decimal(str(li["UnitAmount"])), li["AccountCode"])
                  for li in rec["LineItems"]))


def content_held(bt: dict[str, Any]) -> tuple[Any, ...]:
    return (bt.get("Type"), (bt.get("Contact") or {}).get("Name"),
            (bt.get("BankAccount") or {}).get("Code"), str(bt.get("DateString", ""))[:10],
            tuple((li.get("Description"), Decimal(str(li.get("Quantity"))),
                   Decimal(str(li.get("UnitAmount"))), li.get("AccountCode"))
                  for li in bt.get("LineItems") or []))


# --- what the sandbox holds ----------------------------------------------------------------

def ours(sandbox: SandboxProcess) -> dict[str, list[dict[str, Any]]]:
    """Bank transactions by the order_id their Reference token names (all of them, so a
    duplicate shows as a list of two)."""
    out: dict[str, list[dict[str, Any]]] = {}
    prefix = f"[{STREAM}:"
    for bt in held(sandbox, 0, "bank_transactions"):
        ref = str(bt.get("Reference") or "")
        if ref.startswith(prefix):
            end = ref.index("]")
            out.setdefault(ref[len(prefix):end], []).append(bt)
    return out


def others(sandbox: SandboxProcess) -> dict[str, Any]:
    """The bank transactions that are not ours (the seeded ones), by id and UpdatedDateUTC."""
    return {bt["BankTransactionID"]: bt.get("UpdatedDateUTC")
            for bt in held(sandbox, 0, "bank_transactions")
            if not str(bt.get("Reference") or "").startswith(f"[{STREAM}:")}


def one_each(now: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    dupes = {k: [bt["BankTransactionID"] for bt in v] for k, v in now.items() if len(v) != 1}
    assert not dupes, f"order_ids held more than once: {dict(list(dupes.items())[:5])}"
    return {k: v[0] for k, v in now.items()}


def api_log(sandbox: SandboxProcess) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if r["path"].endswith("/BankTransactions")]


def writes_answered(sandbox: SandboxProcess) -> int:
    return sum(1 for r in api_log(sandbox) if r["method"] in ("PUT", "POST"))


def lookups_answered(sandbox: SandboxProcess) -> int:
    return sum(1 for r in api_log(sandbox)
               if r["method"] == "GET" and "where" in (r.get("query") or {}))


def arm(sandbox: SandboxProcess, *, hold_write: int | None = None) -> None:
    """Fresh log and faults; optionally hold the `hold_write`-th PUT for HOLD seconds.

    The last rule (slow, 0 s, forever) changes nothing: its `seen` counts the calls to
    /BankTransactions that reached the sandbox, so `quiet` can wait for those in flight.
    """
    sandbox.clear_faults()
    sandbox.clear_requests()
    if hold_write is not None:
        sandbox.fault("slow", path=WRITES, method="PUT", nth=hold_write, count=1,
                      seconds=HOLD)
    sandbox.fault("slow", path=WRITES, count=None, seconds=0)


def rules(sandbox: SandboxProcess) -> list[dict[str, Any]]:
    return list(sandbox.state()["faults"])


def quiet(sandbox: SandboxProcess) -> None:
    """Wait until every call that reached the sandbox was answered (a killed client's write
    still commits: it must land before we look, and before the re-run)."""
    deadline = time.monotonic() + HOLD + 20
    while True:
        if rules(sandbox)[-1]["seen"] == len(api_log(sandbox)):
            return
        assert time.monotonic() < deadline, "a call to the sandbox never finished"
        time.sleep(0.01)


# --- running the target --------------------------------------------------------------------

class Load:
    """One target CLI run, in an empty working directory with HOME an empty directory."""

    def __init__(self, sandbox: SandboxProcess, root: Path, name: str, text: str, *,
                 batch_size: int = BATCH, setting_keys: bool = False) -> None:
        self.dir = root / name
        self.cwd, self.home = self.dir / "cwd", self.dir / "home"
        for d in (self.cwd, self.home):
            d.mkdir(parents=True)
        self.results_path = self.dir / "out" / "results.jsonl"
        self.rejects_path = self.dir / "out" / "rejects.jsonl"
        config: dict[str, Any] = {
            **sandbox.orgs[0]["settings"], **FAST, "batch_size": batch_size,
            "stream_endpoints": {STREAM: "bank_transactions"},
            "results_path": str(self.results_path), "rejects_path": str(self.rejects_path)}
        if setting_keys:
            config["source_keys"] = {STREAM: ["order_id"]}
        (self.dir / "config.json").write_text(json.dumps(config))
        (self.dir / "input.jsonl").write_text(text)
        self.args = [*TARGET_CLI, "--config", str(self.dir / "config.json"),
                     "--input", str(self.dir / "input.jsonl")]
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ, HOME=str(self.home), PYTHONUNBUFFERED="1")
        with open(self.dir / "stdout", "wb") as out, open(self.dir / "stderr", "wb") as err:
            self.proc = subprocess.Popen(self.args, cwd=self.cwd, env=env, stdout=out,
                                         stderr=err)
        return self.proc

    def stderr(self) -> str:
        return (self.dir / "stderr").read_text(errors="replace")[-3000:]

    def run(self) -> None:
        proc = self.start()
        code = proc.wait(timeout=120)
        assert code == 0, self.stderr()
        assert not self.rejects_path.exists(), self.rejects_path.read_text()[:2000]

    def results(self) -> list[dict[str, Any]]:
        if not self.results_path.exists():
            return []
        # Whole lines only: a killed run may leave half of one.
        return [json.loads(line) for line in self.results_path.read_text().split("\n")[:-1]]

    def kill(self, sandbox: SandboxProcess, until: Callable[[], bool]) -> None:
        """Start, SIGKILL as soon as `until()` holds, wait for the sandbox to be quiet."""
        proc = self.start()
        deadline = time.monotonic() + 60
        while proc.poll() is None and not until():
            assert time.monotonic() < deadline, "the kill point never came"
            time.sleep(0.002)
        proc.kill()
        assert proc.wait() == -9, f"the target finished before the kill\n{self.stderr()}"
        quiet(sandbox)

    def kill_after_answer(self, sandbox: SandboxProcess, k: int) -> None:
        """SIGKILL after Xero committed and answered the k-th write, before the target read
        the answer (`arm(hold_write=k)` first)."""
        proc = self.start()
        deadline = time.monotonic() + 60
        while rules(sandbox)[0]["fired"] < 1:
            assert proc.poll() is None, f"the target ended before write {k}\n{self.stderr()}"
            assert time.monotonic() < deadline
            time.sleep(0.002)
        proc.send_signal(signal.SIGSTOP)
        while not stopped(proc.pid):
            time.sleep(0.001)
        # Stopped while Xero still held write k: the target cannot have read its answer.
        assert writes_answered(sandbox) == k - 1, "stopped too late: write k was answered"
        while writes_answered(sandbox) < k:
            assert time.monotonic() < deadline
            time.sleep(0.005)
        proc.kill()
        assert proc.wait() == -9
        quiet(sandbox)


def stopped(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2] in "Tt"


# --- kill points ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Point:
    how: str  # answered | logged | lookup | results | delay
    at: int  # the k-th write / lookup, results bytes, or milliseconds
    rerun: str  # same | reordered | extended | changed | rebatched | killed-again
    batch: int = BATCH  # the killed run's batch size

    @property
    def id(self) -> str:
        return f"{self.how}{self.at}-{self.rerun}"


def _points() -> list[Point]:
    rng = random.Random(SEED)
    answered = rng.sample(range(1, ORDERS // BATCH + 1), 5)
    logged = rng.sample(range(1, ORDERS // BATCH), 2)
    return [
        Point("answered", answered[0], "same"),
        Point("answered", answered[1], "reordered"),
        Point("answered", answered[2], "extended"),
        Point("answered", answered[3], "changed"),
        Point("answered", rng.randrange(1, 8), "killed-again"),
        Point("answered", rng.randrange(1, ORDERS // 20 + 1), "rebatched", batch=20),
        Point("logged", logged[0], "same"),
        Point("logged", logged[1], "rebatched"),
        Point("lookup", rng.randrange(1, 10), "reordered"),
        Point("results", rng.randrange(8_000, 120_000), "changed"),
        Point("delay", rng.randrange(0, 150), "extended"),
        Point("delay", rng.randrange(0, 150), "same"),
    ]


POINTS = _points()


def rerun_input(point: Point, first: list[dict[str, Any]], bank: str
                ) -> list[dict[str, Any]]:
    rng = random.Random(f"{SEED}-{point.id}")
    if point.rerun in ("same", "rebatched"):
        return list(first)
    if point.rerun in ("reordered", "killed-again"):
        return rng.sample(first, len(first))
    if point.rerun == "extended":
        return [*first, *(order(i, bank) for i in range(ORDERS, ORDERS + EXTRA))]
    assert point.rerun == "changed"
    picked = set(rng.sample(range(ORDERS), ORDERS // 10))
    return rng.sample([changed(r) if i in picked else r for i, r in enumerate(first)], ORDERS)


def expected_actions(before: dict[str, dict[str, Any]], sent: list[dict[str, Any]]
                     ) -> dict[str, str]:
    out = {}
    for rec in sent:
        bt = before.get(rec["order_id"])
        out[rec["order_id"]] = ("created" if bt is None else
                                "unchanged" if content_held(bt) == content_sent(rec) else
                                "updated")
    return out


# --- the tests ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    with SandboxProcess(size=60, orgs=1, limits=False) as running:
        yield running


@pytest.fixture(scope="module")
def bank(sandbox: SandboxProcess) -> str:
    codes = sorted(a["Code"] for a in held(sandbox, 0, "accounts")
                   if a.get("Type") == "BANK" and a.get("Status") == "ACTIVE" and a.get("Code"))
    assert codes
    return codes[0]


def test_kill_points_are_distinct_and_spread() -> None:
    assert len({p.id for p in POINTS}) == len(POINTS) >= 10
    assert {p.how for p in POINTS} == {"answered", "logged", "lookup", "results", "delay"}
    assert {p.rerun for p in POINTS} == {"same", "reordered", "extended", "changed",
                                         "rebatched", "killed-again"}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("point", POINTS, ids=[p.id for p in POINTS])
def test_killed_source_keyed_load_rerun_holds_each_order_once(
        sandbox: SandboxProcess, bank: str, tmp_path: Path, point: Point) -> None:
    sandbox.clean()
    sandbox.set_limits(False)
    seeded = others(sandbox)
    first = [order(i, bank) for i in range(ORDERS)]

    # 1. The load, killed.
    killed = Load(sandbox, tmp_path, "killed", text_of(first), batch_size=point.batch)
    arm(sandbox, hold_write=point.at if point.how == "answered" else None)
    if point.how == "answered":
        killed.kill_after_answer(sandbox, point.at)
    elif point.how == "logged":
        killed.kill(sandbox, lambda: writes_answered(sandbox) >= point.at)
    elif point.how == "lookup":
        killed.kill(sandbox, lambda: lookups_answered(sandbox) >= point.at)
    elif point.how == "results":
        path = killed.results_path
        killed.kill(sandbox, lambda: path.exists() and path.stat().st_size >= point.at)
    else:
        began: list[float] = []

        def after_delay() -> bool:
            if not began and writes_answered(sandbox) >= 1:
                began.append(time.monotonic())
            return bool(began) and time.monotonic() - began[0] >= point.at / 1000

        killed.kill(sandbox, after_delay)
    after_kill = one_each(ours(sandbox))  # the killed run itself wrote nothing twice
    assert len(after_kill) <= ORDERS
    assert set(after_kill) <= {r["order_id"] for r in first}
    if point.how == "answered":
        # Xero committed k whole write calls; the target saved none of write k's outcome.
        assert len(after_kill) == point.at * point.batch
        assert len(killed.results()) <= (point.at - 1) * point.batch
    if point.how == "results":
        assert 0 < len(killed.results()) < ORDERS
    for line in killed.results():  # what the killed run reported still stands
        assert after_kill[line["source_key"]]["BankTransactionID"] == line["xero_id"]

    # 2. The re-run (killed once more for one point), from nothing local.
    sent = rerun_input(point, first, bank)
    before = after_kill
    if point.rerun == "killed-again":
        again = Load(sandbox, tmp_path, "killed-again", text_of(sent))
        missing_writes = (ORDERS - len(after_kill)) // BATCH
        k = random.Random(SEED + point.at).randrange(1, missing_writes)
        arm(sandbox, hold_write=k)
        again.kill_after_answer(sandbox, k)
        before = one_each(ours(sandbox))
        assert len(before) == len(after_kill) + k * BATCH
        for line in again.results():
            assert before[line["source_key"]]["BankTransactionID"] == line["xero_id"]
        sent = random.Random(SEED).sample(sent, len(sent))
    # "rebatched": 17 records a call, the key named by the source_keys setting instead of
    # the SCHEMA's key_properties (the same token either way).
    rebatched = point.rerun == "rebatched"
    rerun = Load(sandbox, tmp_path, "rerun", text_of(sent, keyed_by_schema=not rebatched),
                 batch_size=17 if rebatched else BATCH, setting_keys=rebatched)
    arm(sandbox)
    rerun.run()
    quiet(sandbox)

    # 3. Exactly one bank transaction per order sent, holding what was sent last.
    now = one_each(ours(sandbox))
    last = {r["order_id"]: r for r in sent}
    missing, unexpected = sorted(set(last) - set(now)), sorted(set(now) - set(last))
    assert not missing and not unexpected, (missing[:10], unexpected[:10])
    wrong = [k for k, r in last.items()
             if content_held(now[k]) != content_sent(r)
             or now[k]["Reference"] != f"[{STREAM}:{k}]" or now[k].get("Status") != "AUTHORISED"]
    assert not wrong, (wrong[:5], now[wrong[0]], last[wrong[0]])
    # Records the killed run created were kept (updated in place), not replaced.
    assert all(now[k]["BankTransactionID"] == bt["BankTransactionID"]
               for k, bt in before.items())
    assert others(sandbox) == seeded

    # 4. The re-run found what Xero held by itself: per record, the right action and id, and
    # no write call answered from Xero's idempotency cache.
    results = rerun.results()
    assert Counter(line["source_key"] for line in results) == Counter(set(last))
    want = expected_actions(before, sent)
    got = {line["source_key"]: line["action"] for line in results}
    assert got == want, Counter((want[k], got[k]) for k in want if got[k] != want[k])
    assert all(line["xero_id"] == now[line["source_key"]]["BankTransactionID"]
               for line in results)
    log = api_log(sandbox)
    assert not [r for r in log if r.get("replayed")]
    actions = Counter(want.values())
    assert bool([r for r in log if r["method"] == "PUT"]) == bool(actions["created"])
    if point.rerun == "extended":
        assert all(want[f"o{i}"] == "created" for i in range(ORDERS, ORDERS + EXTRA))
    if point.rerun == "changed":  # some orders Xero held were sent with new content
        assert actions["updated"] > 0
