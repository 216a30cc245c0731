"""Load: several tenants synced at once and the target writing at full rate, against the
sandbox's real limits (5 in flight, 60 a rolling minute, 5,000 a rolling day per tenant).

One sandbox (limits on, five organisations) and, all at the same time, in real time:
- three `tap-xero` processes, one per tenant (as orchestration/ runs them), each with more
  than two minutes' budget of calls (about 135: page_size 20 over invoices, payments, bank
  transactions, contacts, accounts and currencies);
- one `target-xero` process writing 690 new invoices to a fourth tenant, 5 a call
  (batch_size): about 145 calls;
- on a fifth tenant whose day budget is nearly spent (`use_limits(day=...)`), a tap that must
  stop cleanly when `X-DayLimit-Remaining` reaches 0, and a re-run from its state once the
  day budget is back.

From the sandbox's request log (each call's arrival time = logged time - duration), per tenant:
zero 429 answers; in every minute from its first call (minute k is [first + 60k,
first + 60(k + 1))) that starts with at least a minute's budget of calls still waiting (the
calls the tenant made from then on) at least 57 calls (95% of 60), and in any 60-second window
(sliding) never more than 60;
then the data: the tap runs' records are exactly what the sandbox holds (each once), every
invoice the target was given is in the sandbox once, and the day-limited tenant got exactly
its remaining day budget in calls, no 429, and its re-run completed the data.

`benchmarks/bench_load.py` runs the same with more data and prints the figures.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import pytest

from tests.proof.conftest import TAP_CLI, TARGET_CLI, last_state, parse_lines
from tests.tap.conftest import catalog_for
from tests.target.conftest import singer_lines, stream_input
from xero_core.limits import DAY_LIMIT, MINUTE, MINUTE_LIMIT
from xero_sandbox.testing import SandboxProcess

#: Streams the taps sync, with the key that identifies a record.
TAP_STREAMS = {"accounts": "AccountID", "currencies": "Code", "contacts": "ContactID",
               "invoices": "InvoiceID", "bank_transactions": "BankTransactionID",
               "payments": "PaymentID"}
DAY_STREAMS = {"currencies": "Code", "contacts": "ContactID", "invoices": "InvoiceID"}
DAY_INCREMENTAL = ("contacts", "invoices")  # bookmarked; currencies is re-read whole
FLOOR = math.ceil(0.95 * MINUTE_LIMIT)  # 57 calls of the 60 in a full window
#: The log's arrival time (logged time - duration) is taken a few milliseconds before the
#: limiter admits the call; a window this much shorter than a minute absorbs that difference
#: when counting "never more than 60".
CLOCK_SLACK = 0.05
TARGET_PREFIX = "LOAD-"
API_PREFIXES = ("/api.xro/", "/assets.xro/", "/projects.xro/")


@dataclass(frozen=True)
class LoadPlan:
    """The sizes of one load run (the test's: a little over two minutes of wall time)."""

    size: int = 1000  # the sandbox's --size: about 1,000 invoices per organisation
    page_size: int = 20
    tap_tenants: int = 3
    target_records: int = 690  # 138 write calls of 5, plus a few lookups
    batch_size: int = 5
    day_left: int = 12  # calls left in the day-limited tenant's budget
    max_calls_per_minute: int | None = None  # the connectors' setting (None: their default)
    timeout: float = 270.0  # seconds before every process still running is killed

    @property
    def orgs(self) -> int:
        return self.tap_tenants + 2  # the taps' tenants, the target's, the day-limited one


# --- the request log in minutes -----------------------------------------------------------------

def tenant_calls(entries: list[dict[str, Any]], tenant_id: str) -> list[dict[str, Any]]:
    """A tenant's API calls in the log (identity calls and /connections carry no tenant)."""
    return [e for e in entries if e.get("tenant_id") == tenant_id
            and str(e.get("path", "")).startswith(API_PREFIXES)]


def arrival(entry: dict[str, Any]) -> float:
    """When the call reached the sandbox (its clock): logged at the answer, minus the duration."""
    return float(entry["time"]) - float(entry.get("duration_ms") or 0) / 1000


@dataclass
class Minutes:
    """One tenant's admitted calls (not its 429s) counted in 60-second windows."""

    times: list[float]
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def calls(self) -> int:
        return len(self.times)

    @property
    def seconds(self) -> float:
        return self.times[-1] - self.times[0] if self.times else 0.0

    def had_to_wait(self, minutes: int = 1) -> bool:
        """More than `minutes` minutes' budget of calls, so the limit held it back."""
        return self.calls > minutes * MINUTE_LIMIT and self.seconds >= minutes * MINUTE

    def least(self) -> int:
        """The fewest calls in a minute [first + 60k, first + 60(k + 1)) that starts with at
        least a minute's budget of work waiting (the calls made from then on); 60 if none does.

        Minutes are counted from the tenant's first call, the way its budget refills: the
        limiter spends a minute's budget at once, then the next one as the first calls age out.
        """
        t, n = self.times, len(self.times)
        low = MINUTE_LIMIT
        for k in range(len(self.by_minute())):
            start = bisect.bisect_left(t, t[0] + k * MINUTE)
            if n - start < MINUTE_LIMIT:
                break
            low = min(low, bisect.bisect_left(t, t[0] + (k + 1) * MINUTE) - start)
        return low

    def sliding_least(self) -> int:
        """A figure, not asserted: the fewest calls in a sliding 60 s window [s, s + 60) that
        starts with a minute's work waiting.

        It also measures how exactly the client's second minute follows its first: a first
        minute spent in a 3 s burst (20 calls a second) and a second one a second behind (the
        limiter's 1 s pause on `X-MinLimit-Remaining: 0`, or a busy CPU) loses 20 calls
        here, while the minutes themselves each hold 60.

        The count only drops when s passes a call, so the infimum is just after one: the
        calls in (t, t + 60] for each call time t with a minute's work still waiting after it,
        and [first, first + 60) itself. 60 if no window qualifies.
        """
        t, n = self.times, len(self.times)
        low = bisect.bisect_left(t, t[0] + MINUTE) if n >= MINUTE_LIMIT else MINUTE_LIMIT
        for s in t:
            after = bisect.bisect_right(t, s)
            if n - after < MINUTE_LIMIT:
                break
            low = min(low, bisect.bisect_right(t, s + MINUTE) - after)
        return low

    def most(self, slack: float = CLOCK_SLACK) -> int:
        """The most calls in any window [t, t + 60 - slack) that starts at a call."""
        t = self.times
        return max((bisect.bisect_left(t, s + MINUTE - slack) - i for i, s in enumerate(t)),
                   default=0)

    def by_minute(self) -> list[int]:
        """Calls in each minute after the first call (the last one may be partial)."""
        if not self.times:
            return []
        first = self.times[0]
        counts = Counter(int((s - first) // MINUTE) for s in self.times)
        return [counts.get(m, 0) for m in range(max(counts) + 1)]

    def describe(self) -> str:
        if not self.times:
            return f"no calls, statuses {dict(self.statuses)}"
        return (f"{self.calls} calls over {self.seconds:.1f}s, per minute {self.by_minute()}, "
                f"least {self.least()} in a minute with work waiting (sliding: "
                f"{self.sliding_least()}), most {self.most()} in a sliding 60s window, "
                f"statuses {dict(self.statuses)}")


def minutes_of(entries: list[dict[str, Any]], tenant_id: str) -> Minutes:
    calls = tenant_calls(entries, tenant_id)
    return Minutes(sorted(arrival(e) for e in calls if e.get("status") != 429),
                   Counter(int(e.get("status") or 0) for e in calls))


# --- the processes ----------------------------------------------------------------------------

class Child:
    """A connector process with stdout and stderr in files."""

    def __init__(self, name: str, args: list[str], workdir: Path,
                 stdin: Path | None = None) -> None:
        self.name = name
        self.out_path = workdir / f"{name}.out"
        self.err_path = workdir / f"{name}.err"
        self._files: list[IO[bytes]] = [open(self.out_path, "wb"), open(self.err_path, "wb")]  # noqa: SIM115
        if stdin is not None:
            self._files.append(open(stdin, "rb"))  # noqa: SIM115
        self.began = time.monotonic()
        self.ended: float | None = None
        self.proc = subprocess.Popen(
            args, stdout=self._files[0], stderr=self._files[1],
            stdin=self._files[2] if stdin is not None else subprocess.DEVNULL,
            env=dict(os.environ, PYTHONUNBUFFERED="1"), cwd=workdir)

    def poll(self) -> int | None:
        code = self.proc.poll()
        if code is not None and self.ended is None:
            self.ended = time.monotonic()
            for fh in self._files:
                fh.close()
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.poll()

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    @property
    def seconds(self) -> float:
        return (self.ended or time.monotonic()) - self.began

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def messages(self) -> list[dict[str, Any]]:
        return parse_lines(self.out_path.read_text(errors="replace"))


def tap_child(name: str, workdir: Path, config: dict[str, Any], catalog: dict[str, Any],
              state: dict[str, Any] | None = None) -> Child:
    (workdir / f"{name}.config.json").write_text(json.dumps(config))
    (workdir / f"{name}.catalog.json").write_text(json.dumps(catalog))
    args = [*TAP_CLI, "--config", str(workdir / f"{name}.config.json"),
            "--catalog", str(workdir / f"{name}.catalog.json")]
    if state is not None:
        (workdir / f"{name}.state.json").write_text(json.dumps(state, default=str))
        args += ["--state", str(workdir / f"{name}.state.json")]
    return Child(name, args, workdir)


def target_child(name: str, workdir: Path, config: dict[str, Any], text: str) -> Child:
    (workdir / f"{name}.config.json").write_text(json.dumps(config))
    (workdir / f"{name}.input.jsonl").write_text(text)
    return Child(name, [*TARGET_CLI, "--config", str(workdir / f"{name}.config.json")],
                 workdir, stdin=workdir / f"{name}.input.jsonl")


def ids_of(messages: list[dict[str, Any]], keys: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {s: [] for s in keys}
    for m in messages:
        if m.get("type") == "RECORD" and m.get("stream") in keys:
            out[m["stream"]].append(str(m["record"][keys[m["stream"]]]))
    return out


def held_ids(sandbox: SandboxProcess, tenant_id: str, keys: dict[str, str]
             ) -> dict[str, list[str]]:
    return {s: [str(r[k]) for r in sandbox.records(tenant_id, s)] for s, k in keys.items()}


def target_invoices(sandbox: SandboxProcess, tenant_id: str, n: int) -> str:
    contacts = sorted(c["Name"] for c in sandbox.records(tenant_id, "contacts")
                      if c.get("ContactStatus") == "ACTIVE")[:10]
    records = [{"Type": "ACCREC", "InvoiceNumber": f"{TARGET_PREFIX}{i:05d}",
                "Contact": {"Name": contacts[i % len(contacts)]},
                "Date": "2026-02-01", "DueDate": "2026-03-01", "Status": "DRAFT",
                "LineItems": [{"Description": f"Load {i}", "Quantity": 1,
                               "UnitAmount": Decimal("10.00") + i, "AccountCode": "200"}]}
               for i in range(n)]
    return singer_lines(stream_input("invoices", records))


# --- one load run -------------------------------------------------------------------------------

@dataclass
class TapOutcome:
    tenant_id: str
    child: Child
    minutes: Minutes
    emitted: dict[str, list[str]]
    held: dict[str, list[str]]

    @property
    def records(self) -> int:
        return sum(len(v) for v in self.emitted.values())


@dataclass
class TargetOutcome:
    tenant_id: str
    child: Child
    minutes: Minutes
    landed: Counter[str]
    writes: int
    rejects: bool

    def records_per_minute(self, records: int) -> float:
        return records / self.minutes.seconds * MINUTE if self.minutes.seconds else 0.0


@dataclass
class DayOutcome:
    tenant_id: str
    first: Child
    first_statuses: Counter[int]
    first_day_remaining: int | None
    state: dict[str, Any] | None
    rerun: Child | None
    emitted_first: dict[str, list[str]]
    emitted_rerun: dict[str, list[str]]
    held: dict[str, list[str]]


@dataclass
class LoadResult:
    plan: LoadPlan
    taps: list[TapOutcome]
    target: TargetOutcome
    day: DayOutcome
    statuses: Counter[int]
    day_remaining: dict[str, int]
    seconds: float


def run_load(sandbox: SandboxProcess, workdir: Path, plan: LoadPlan) -> LoadResult:
    """Everything at once, in real time; returns what the log and the sandbox then show."""
    orgs = sandbox.orgs
    assert len(orgs) >= plan.orgs, f"the sandbox needs {plan.orgs} organisations"
    tap_orgs, target_org, day_org = orgs[:plan.tap_tenants], orgs[-2], orgs[-1]
    limiter = ({"max_calls_per_minute": plan.max_calls_per_minute}
               if plan.max_calls_per_minute else {})
    base = {"request_timeout": 60, "page_size": plan.page_size, **limiter}
    catalog = catalog_for({**tap_orgs[0]["settings"], **base}, list(TAP_STREAMS))
    day_catalog = catalog_for({**day_org["settings"], **base}, list(DAY_STREAMS))
    target_config = {**target_org["settings"], "request_timeout": 60, **limiter,
                     "batch_size": plan.batch_size,
                     "rejects_path": str(workdir / "target.rejects.jsonl")}
    day_config = {**day_org["settings"], **base}
    sandbox.clean()
    target_text = target_invoices(sandbox, target_org["tenant_id"], plan.target_records)
    sandbox.use_limits(day_org["tenant_id"], day=DAY_LIMIT - plan.day_left)
    began = time.monotonic()
    taps = [tap_child(f"tap-{i}", workdir, {**org["settings"], **base}, catalog)
            for i, org in enumerate(tap_orgs)]
    target = target_child("target", workdir, target_config, target_text)
    day_first = tap_child("day-first", workdir, day_config, day_catalog)
    day_rerun: Child | None = None
    day_statuses: Counter[int] = Counter()
    day_remaining_after_first: int | None = None
    state: dict[str, Any] | None = None
    deadline = began + plan.timeout
    try:
        while True:
            running = [c for c in [*taps, target, day_first, day_rerun]
                       if c is not None and c.poll() is None]
            if day_rerun is None and day_first.poll() is not None:
                # The first day run is over: what it spent, then a fresh day and a re-run.
                tid = day_org["tenant_id"]
                day_statuses = minutes_of(sandbox.requests(), tid).statuses
                day_remaining_after_first = sandbox.state()["limits"].get(tid, {}).get(
                    "day_remaining")
                state = last_state(day_first.messages())
                # The re-run stands for a later one, when the day (and minute) budget is back.
                sandbox.use_limits(tid, day=0, minute=0)
                day_rerun = tap_child("day-rerun", workdir, day_config, day_catalog, state)
                continue
            if not running:
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        for child in [*taps, target, day_first, day_rerun]:
            if child is not None:
                child.kill()
    seconds = time.monotonic() - began

    entries = sandbox.requests()
    (workdir / "requests.json").write_text(json.dumps(entries))
    snapshot = sandbox.state()["limits"]
    tap_outcomes = [
        TapOutcome(org["tenant_id"], child, minutes_of(entries, org["tenant_id"]),
                   ids_of(child.messages(), TAP_STREAMS),
                   held_ids(sandbox, org["tenant_id"], TAP_STREAMS))
        for org, child in zip(tap_orgs, taps, strict=True)]
    tid = target_org["tenant_id"]
    landed = Counter(str(i.get("InvoiceNumber")) for i in sandbox.records(tid, "invoices")
                     if str(i.get("InvoiceNumber", "")).startswith(TARGET_PREFIX))
    writes = sum(1 for e in entries if e.get("tenant_id") == tid
                 and e.get("method") in ("POST", "PUT"))
    target_outcome = TargetOutcome(tid, target, minutes_of(entries, tid), landed, writes,
                                   (workdir / "target.rejects.jsonl").exists())
    did = day_org["tenant_id"]
    day = DayOutcome(did, day_first, day_statuses, day_remaining_after_first, state, day_rerun,
                     ids_of(day_first.messages(), DAY_STREAMS),
                     ids_of(day_rerun.messages(), DAY_STREAMS) if day_rerun else {},
                     held_ids(sandbox, did, DAY_STREAMS))
    return LoadResult(plan, tap_outcomes, target_outcome, day,
                      Counter(int(e.get("status") or 0) for e in entries),
                      {t: int(v["day_remaining"]) for t, v in snapshot.items()}, seconds)


# --- what must hold -----------------------------------------------------------------------------

def checks(result: LoadResult) -> list[tuple[str, bool, str]]:
    """(what, held?, the figures) for every property the issue asks for."""
    out: list[tuple[str, bool, str]] = []

    def check(what: str, ok: bool, detail: Any = "") -> None:
        out.append((what, bool(ok), str(detail)))

    plan = result.plan
    check("no 429 answer in the whole run", result.statuses.get(429, 0) == 0,
          dict(result.statuses))
    for tap in result.taps:
        m, name = tap.minutes, f"tap {tap.child.name} ({tap.tenant_id[:8]})"
        check(f"{name} exited 0", tap.child.returncode == 0, tap.child.stderr[-1500:])
        check(f"{name}: more than two minutes' budget of calls", m.had_to_wait(2),
              m.describe())
        check(f"{name}: >= {FLOOR} calls in every minute with work waiting",
              m.least() >= FLOOR, m.describe())
        check(f"{name}: <= {MINUTE_LIMIT} calls in any sliding 60s window",
              m.most() <= MINUTE_LIMIT,
              m.describe())
        check(f"{name}: no 429", m.statuses.get(429, 0) == 0, dict(m.statuses))
        for stream, held in tap.held.items():
            emitted = tap.emitted[stream]
            check(f"{name}: {stream} emitted = held, each once",
                  Counter(emitted) == Counter(held) and len(set(held)) == len(held),
                  f"emitted {len(emitted)} ({len(set(emitted))} distinct), held {len(held)}")
    t = result.target
    m = t.minutes
    check("target exited 0", t.child.returncode == 0, t.child.stderr[-1500:])
    check("target: more than two minutes' budget of calls", m.had_to_wait(2), m.describe())
    check(f"target: >= {FLOOR} calls in every minute with work waiting",
          m.least() >= FLOOR, m.describe())
    check(f"target: <= {MINUTE_LIMIT} calls in any sliding 60s window",
          m.most() <= MINUTE_LIMIT,
          m.describe())
    check("target: every invoice landed once, none rejected",
          t.landed == Counter({f"{TARGET_PREFIX}{i:05d}": 1 for i in range(plan.target_records)})
          and not t.rejects, f"{len(t.landed)} landed, {sum(t.landed.values())} copies")
    check(f"target: {plan.batch_size} records a write call (none split, none retried)",
          t.writes == math.ceil(plan.target_records / plan.batch_size), t.writes)

    d = result.day
    err = d.first.stderr
    check("day limit: the first run exits non-zero", d.first.returncode not in (0, None),
          d.first.returncode)
    check("day limit: its message names the day limit and the header, no traceback",
          "day limit" in err and "X-DayLimit-Remaining: 0" in err and "Traceback" not in err,
          err[-1500:])
    check(f"day limit: exactly the {plan.day_left} calls left were sent, all answered 200",
          d.first_statuses == Counter({200: plan.day_left}), dict(d.first_statuses))
    check("day limit: the day budget was spent, not exceeded", d.first_day_remaining == 0,
          d.first_day_remaining)
    read = {st: len(d.emitted_first.get(st, [])) for st in DAY_INCREMENTAL}
    bookmarks = (d.state or {}).get("bookmarks", {})
    check("day limit: state emitted with a bookmark of every stream the first run read",
          bool(d.state) and all(st in bookmarks for st, n in read.items() if n), d.state)
    rerun = d.rerun
    check("day limit: the re-run from that state exits 0",
          rerun is not None and rerun.returncode == 0, rerun.stderr[-1500:] if rerun else "")
    for stream, held in d.held.items():
        union = set(d.emitted_first.get(stream, [])) | set(d.emitted_rerun.get(stream, []))
        check(f"day limit: {stream} first run + re-run = held", union == set(held),
              f"{len(union)} vs {len(held)}")
    check("day limit: the first run stopped inside a stream",
          any(0 < n < len(d.held[st]) for st, n in read.items()), read)
    for st, n in read.items():
        again = len(d.emitted_rerun.get(st, []))
        check(f"day limit: the re-run resumed {st} (read at most one page again)",
              again <= len(d.held[st]) - n + plan.page_size,
              f"first {n}, re-run {again}, held {len(d.held[st])}")
    for tap in result.taps:
        used = tap.minutes.calls
        check(f"day budget of {tap.tenant_id[:8]} counts its admitted calls",
              result.day_remaining.get(tap.tenant_id) == DAY_LIMIT - used,
              f"{result.day_remaining.get(tap.tenant_id)} left after {used} calls")
    return out


def report(result: LoadResult) -> str:
    """The figures, one line each."""
    lines = [f"load run: {result.seconds:.1f}s wall, statuses {dict(result.statuses)}"]
    for tap in result.taps:
        lines.append(f"  tap {tap.tenant_id[:8]}: {tap.records} records, "
                     f"{tap.child.seconds:.1f}s; {tap.minutes.describe()}")
    t = result.target
    lines.append(f"  target {t.tenant_id[:8]}: {sum(t.landed.values())} invoices, {t.writes} "
                 f"writes, {t.records_per_minute(result.plan.target_records):.0f} records/min "
                 f"(first to last call), {t.child.seconds:.1f}s; {t.minutes.describe()}")
    d = result.day
    lines.append(f"  day-limited {d.tenant_id[:8]}: first run exit {d.first.returncode}, "
                 f"statuses {dict(d.first_statuses)}, re-run exit "
                 f"{d.rerun.returncode if d.rerun else None}")
    return "\n".join(lines)


# --- the test -----------------------------------------------------------------------------------

PLAN = LoadPlan()


@pytest.fixture(scope="module")
def load_sandbox() -> Iterator[SandboxProcess]:
    with SandboxProcess(size=PLAN.size, orgs=PLAN.orgs, limits=True) as running:
        yield running


@pytest.mark.timeout(480)  # 2.5 to 3.5 minutes, by how busy the machine is
def test_load_uses_the_minute_budget_without_a_429_and_respects_the_day_budget(
        load_sandbox: SandboxProcess, tmp_path: Path) -> None:
    result = run_load(load_sandbox, tmp_path, PLAN)
    figures = report(result)
    print(figures)
    failed = [f"{what}: {detail}" for what, ok, detail in checks(result) if not ok]
    assert not failed, figures + "\n" + "\n".join(failed)
