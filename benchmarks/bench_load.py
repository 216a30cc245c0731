"""Benchmark: several tenants synced at once and the target at full rate, real limits on.

    python benchmarks/bench_load.py                          # about 4 minutes
    python benchmarks/bench_load.py --size 3000 --target-records 1500

The longer form of tests/proof/test_load.py (same code, bigger numbers): one sandbox with its
limits on (5 in flight, 60 a rolling minute, 5,000 a day per tenant) and, at the same time,
one `tap-xero` process per tenant (`--tap-tenants`, `--page-size` over invoices, payments, bank
transactions, contacts, accounts and currencies), one `target-xero` writing `--target-records`
new invoices `--batch-size` a call to another tenant, and a tap on a tenant with only
`--day-left` calls left of its day budget, re-run from its state once the day is back.

Prints, per tenant, the calls in each minute after its first call, the fewest calls in such a
minute that started with a minute's work waiting (goal: 57, 95% of 60), the same over sliding
60 s windows (a figure), the most in any sliding 60 s window (limit: 60) and its 429 answers;
the target's records per minute; then PASS/FAIL for every property the test asserts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import markdown_table, start_sandbox, verdict

from tests.proof.test_load import FLOOR, LoadPlan, checks, report, run_load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = LoadPlan()
    parser.add_argument("--size", type=int, default=2000,
                        help="sandbox --size: about this many invoices per organisation")
    parser.add_argument("--page-size", type=int, default=default.page_size)
    parser.add_argument("--tap-tenants", type=int, default=default.tap_tenants)
    parser.add_argument("--target-records", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=default.batch_size)
    parser.add_argument("--day-left", type=int, default=default.day_left)
    parser.add_argument("--max-calls-per-minute", type=int, default=None,
                        help="the connectors' max_calls_per_minute (default: theirs)")
    parser.add_argument("--keep", metavar="DIR",
                        help="keep the processes' output and the request log (requests.json) "
                             "in DIR")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds before every process still running is killed")
    args = parser.parse_args(argv)
    plan = LoadPlan(size=args.size, page_size=args.page_size, tap_tenants=args.tap_tenants,
                    target_records=args.target_records, batch_size=args.batch_size,
                    day_left=args.day_left, max_calls_per_minute=args.max_calls_per_minute,
                    timeout=args.timeout)
    sandbox = start_sandbox(size=plan.size, limits=True, orgs=plan.orgs)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
            workdir = Path(args.keep or tmp)
            workdir.mkdir(parents=True, exist_ok=True)
            result = run_load(sandbox, workdir, plan)
            outcome = checks(result)  # reads the processes' output files: before they go
    finally:
        sandbox.stop()

    rows = []
    for name, m, records in (
            *((f"tap {t.tenant_id[:8]}", t.minutes, t.records) for t in result.taps),
            (f"target {result.target.tenant_id[:8]}", result.target.minutes,
             sum(result.target.landed.values()))):
        rows.append((name, m.calls, records, round(m.seconds, 1),
                     " ".join(str(c) for c in m.by_minute()), m.least(), m.sliding_least(),
                     m.most(),
                     m.statuses.get(429, 0)))
    print(markdown_table(["tenant", "calls", "records", "seconds first to last call",
                          "calls in each minute",
                          f"fewest in a minute with work waiting (goal {FLOOR})",
                          "fewest in a sliding 60s window", "most in a sliding 60s window",
                          "429s"], rows))
    print()
    print(f"target: {result.target.records_per_minute(plan.target_records):,.0f} records/min "
          f"({plan.batch_size} a call), first to last call")
    print(report(result))
    print()
    for what, ok, detail in outcome:
        print(f"{verdict(ok)}  {what}" + ("" if ok else f": {detail[:300]}"))
    return 0 if all(ok for _, ok, _ in outcome) else 1


if __name__ == "__main__":
    sys.exit(main())
