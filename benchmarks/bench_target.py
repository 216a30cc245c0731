"""Benchmark: invoice upserts through target-xero against the sandbox, with Xero's limits on.

    python benchmarks/bench_target.py --n 10000               # real limits: 60 calls/min
    python benchmarks/bench_target.py --n 1000,10000 --no-limits   # CPU and memory only
    python benchmarks/bench_target.py --n 1000,10000,30000 --no-limits --max-calls-per-minute 100000

For each N a fresh sandbox gets N/2 DRAFT invoices (BENCH-000000, BENCH-000002, ...) written
through its API with the limits switched off for the seeding; then the limits are switched back
on (unless --no-limits), the log is cleared, and `target-xero` (a subprocess) reads a Singer
file of N invoice records: the existing half changed (new description and amount), the other
half new, interleaved. Figures: API calls (every method under /api.xro), 429 answers, wall
seconds, records per minute and the target's peak RSS; then the sandbox's own records are
checked (every number there, every existing one updated). `--max-calls-per-minute` sets the
target's own client-side limiter (default 60, Xero's limit); a high value with `--no-limits`
takes the limiter out of the way, so the wall time is the target's and the sandbox's work.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    VENV_BIN,
    CallCount,
    Measured,
    count_calls,
    markdown_table,
    minute_limit_floor,
    run_measured,
    start_sandbox,
    verdict,
)

from xero_core.endpoints import MAX_BATCH
from xero_sandbox.testing import SandboxProcess

SANDBOX_SIZE = 60  # the seeded organisation stays small: the benchmark's invoices are its own
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "tap_xero" / "schemas" / "invoices.json"
PREFIX = "BENCH-"
ACCOUNT_CODE = "200"  # Sales, in every seeded chart of accounts
CONTACTS_USED = 20
CALLS_SLACK = 1.1  # goal: at most 10% more calls than the write calls alone (220 for 10,000)
RATE_GOAL = 2500  # records per minute, with the limits on
RSS_GROWTH_LIMIT = 1.5


@dataclass
class TargetRun:
    n: int
    limits: bool
    client_limit: int | None
    measured: Measured
    calls: CallCount
    landed: int
    updated: int
    summary: str

    @property
    def per_minute(self) -> float:
        return self.n / self.measured.seconds * 60 if self.measured.seconds else 0.0

    @property
    def rate_limited(self) -> int:
        return self.calls.by_status.get(429, 0)


def invoice(number: int, contact: str, *, updated: bool) -> dict[str, Any]:
    amount = "12.50" if updated else "10.00"
    return {"Type": "ACCREC", "InvoiceNumber": f"{PREFIX}{number:06d}",
            "Contact": {"Name": contact}, "Date": "2026-02-01", "DueDate": "2026-03-01",
            "Status": "DRAFT", "Reference": "updated" if updated else "original",
            "LineItems": [{"Description": f"Benchmark work {number}", "Quantity": 1,
                           "UnitAmount": float(Decimal(amount)), "AccountCode": ACCOUNT_CODE}]}


def contact_names(sandbox: SandboxProcess) -> list[str]:
    tenant = sandbox.orgs[0]["tenant_id"]
    names = [c["Name"] for c in sandbox.records(tenant, "contacts")
             if c.get("ContactStatus") == "ACTIVE"]
    return sorted(names)[:CONTACTS_USED]


def seed_existing(sandbox: SandboxProcess, n: int, contacts: list[str]) -> int:
    """Create the even-numbered half through the API (limits off meanwhile)."""
    settings = sandbox.orgs[0]["settings"]
    http = requests.Session()
    token = http.post(f"{sandbox.url}/connect/token", data={"grant_type": "client_credentials"},
                      auth=(settings["client_id"], settings["client_secret"]), timeout=30)
    token.raise_for_status()
    http.headers.update({"Authorization": f"Bearer {token.json()['access_token']}",
                         "Xero-Tenant-Id": settings["tenant_id"], "Accept": "application/json"})
    existing = [invoice(i, contacts[i % len(contacts)], updated=False) for i in range(0, n, 2)]
    sandbox.set_limits(False)
    try:
        for start in range(0, len(existing), MAX_BATCH):
            resp = http.put(f"{sandbox.url}/api.xro/2.0/Invoices",
                            json={"Invoices": existing[start:start + MAX_BATCH]}, timeout=60)
            if resp.status_code != 200:
                raise RuntimeError(f"seeding failed: HTTP {resp.status_code} {resp.text[:500]}")
    finally:
        http.close()
    return len(existing)


def write_input(path: Path, n: int, contacts: list[str]) -> None:
    """The Singer file: SCHEMA, then N records (odd numbers new, even numbers existing)."""
    schema = json.loads(SCHEMA_PATH.read_text())
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps({"type": "SCHEMA", "stream": "invoices", "schema": schema,
                              "key_properties": ["InvoiceID"]}) + "\n")
        for i in range(n):
            record = invoice(i, contacts[i % len(contacts)], updated=i % 2 == 0)
            out.write(json.dumps({"type": "RECORD", "stream": "invoices", "record": record})
                      + "\n")
            if (i + 1) % 1000 == 0:
                out.write(json.dumps({"type": "STATE", "value": {"line": i + 1}}) + "\n")


def check_landed(sandbox: SandboxProcess, n: int) -> tuple[int, int]:
    """(benchmark invoices the sandbox holds, existing ones it holds updated)."""
    tenant = sandbox.orgs[0]["tenant_id"]
    held = {r.get("InvoiceNumber"): r for r in sandbox.records(tenant, "invoices")}
    landed = updated = 0
    for i in range(n):
        rec = held.get(f"{PREFIX}{i:06d}")
        if rec is None:
            continue
        landed += 1
        if i % 2 == 0 and rec.get("Reference") == "updated":
            updated += 1
    return landed, updated


def bench_one(n: int, *, limits: bool, timeout: float, client_limit: int | None = None,
              profile: Path | None = None) -> TargetRun:
    began = time.perf_counter()
    sandbox = start_sandbox(size=SANDBOX_SIZE, limits=True)
    try:
        contacts = contact_names(sandbox)
        seeded = seed_existing(sandbox, n, contacts)
        with tempfile.TemporaryDirectory(prefix="bench-target-") as tmp:
            workdir = Path(tmp)
            input_path = workdir / "invoices.singer.jsonl"
            write_input(input_path, n, contacts)
            config = {**sandbox.orgs[0]["settings"],
                      "rejects_path": str(workdir / "rejects.jsonl")}
            if client_limit is not None:
                config["max_calls_per_minute"] = client_limit
            config_path = workdir / "target.config.json"
            config_path.write_text(json.dumps(config))
            sandbox.set_limits(limits)
            sandbox.clear_requests()
            print(f"# N={n:,}: {seeded:,} invoices seeded in "
                  f"{time.perf_counter() - began:.1f}s; limits {'on' if limits else 'off'}; "
                  f"client limit {client_limit or 'default'}/min",
                  file=sys.stderr, flush=True)
            with open(input_path, "rb") as stdin:
                command = [str(VENV_BIN / "target-xero"), "--config", str(config_path)]
                if profile is not None:  # the same run under cProfile (CPU figures grow)
                    command = [str(VENV_BIN / "python"), "-m", "cProfile", "-o",
                               str(profile.resolve()), "-m", "target_xero.target", *command[1:]]
                measured = run_measured(command,
                    stdin=stdin, stderr_path=workdir / "target.stderr.log", timeout=timeout,
                    cwd=workdir)
            if measured.returncode != 0:
                print(f"!! target-xero exited with {measured.returncode}:\n"
                      f"{measured.stderr_tail}", file=sys.stderr)
            calls = count_calls(sandbox.requests())
            tail = measured.stderr_tail
            summary = tail[tail.rfind("target-xero summary:"):] if "summary:" in tail else ""
        landed, updated = check_landed(sandbox, n)
        run = TargetRun(n, limits, client_limit, measured, calls, landed, updated,
                        summary.strip())
        print(f"#   {calls.total} calls ({dict(calls.by_method)}), {run.rate_limited} x 429, "
              f"{measured.seconds:.1f}s, {measured.peak_rss_mb:.0f} MB, "
              f"{measured.cpu_seconds:.2f}s CPU ({measured.cpu_seconds / n * 1000:.2f}s per 1,000 "
              f"records), sandbox {calls.server_seconds:.1f}s; "
              f"landed {landed:,}, updated {updated:,}; {run.summary!r}",
              file=sys.stderr, flush=True)
        return run
    finally:
        sandbox.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="10000", help="records per run; comma-separated for "
                        "several runs (memory as N grows)")
    parser.add_argument("--no-limits", action="store_true",
                        help="switch the sandbox's rate limits off (a quick CPU-only figure)")
    parser.add_argument("--max-calls-per-minute", type=int, default=None,
                        help="the target's max_calls_per_minute (its client-side limiter; "
                             "default: not set, i.e. 60)")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds before the target is killed")
    parser.add_argument("--profile", type=Path, default=None,
                        help="run the target under cProfile and write its stats to this file "
                             "(python -m pstats FILE; CPU figures include the profiler)")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.n.split(",") if s.strip()]
    limits = not args.no_limits

    runs = [bench_one(n, limits=limits, timeout=args.timeout,
                      client_limit=args.max_calls_per_minute,
                      profile=args.profile.with_suffix(f".{n}.prof") if args.profile else None)
            for n in sizes]
    rows = [(r.n, "on" if r.limits else "off", r.client_limit or 60, r.calls.total,
             r.calls.by_method.get("GET", 0),
             r.calls.total - r.calls.by_method.get("GET", 0), r.rate_limited,
             round(r.measured.seconds, 1), round(r.per_minute), round(r.measured.peak_rss_mb),
             round(r.measured.cpu_seconds, 1), round(r.calls.server_seconds, 1),
             round(minute_limit_floor(r.calls.total)))
            for r in runs]
    print(markdown_table(["N", "sandbox limits", "client limit/min", "calls", "GET", "writes",
                          "429s", "seconds",
                          "records/min", "peak RSS MB", "CPU s", "sandbox s",
                          "60/min floor s"], rows))
    print()
    checks: list[tuple[str, bool]] = []
    for r in runs:
        budget = math.floor(math.ceil(r.n / MAX_BATCH) * CALLS_SLACK)
        checks.append((f"N={r.n:,}: calls {r.calls.total} <= {budget}", r.calls.total <= budget))
        checks.append((f"N={r.n:,}: zero 429 answers ({r.rate_limited})", r.rate_limited == 0))
        if r.limits:
            checks.append((f"N={r.n:,}: {r.per_minute:,.0f} records/min >= {RATE_GOAL:,} "
                           "with the limits on", r.per_minute >= RATE_GOAL))
        checks.append((f"N={r.n:,}: the sandbox holds all {r.n:,} invoices ({r.landed:,}) and "
                       f"the {r.n - r.n // 2:,} existing ones updated ({r.updated:,})",
                       r.landed == r.n and r.updated == r.n - r.n // 2))
        checks.append((f"N={r.n:,}: target-xero exited 0", r.measured.returncode == 0))
    if len(runs) > 1:
        growth = runs[-1].measured.peak_rss_mb / runs[0].measured.peak_rss_mb
        checks.append((f"peak RSS flat: N={runs[-1].n:,} within {RSS_GROWTH_LIMIT}x of "
                       f"N={runs[0].n:,} ({growth:.2f}x)", growth <= RSS_GROWTH_LIMIT))
    for text, ok in checks:
        print(f"{verdict(ok)}  {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
