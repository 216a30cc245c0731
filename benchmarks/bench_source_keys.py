"""Benchmark: source keys through target-xero (bank transactions keyed by `order_id`).

    python benchmarks/bench_source_keys.py                      # N=10,000, real limits (60/min)
    python benchmarks/bench_source_keys.py --n 500 --no-limits  # a quick check
    python benchmarks/bench_source_keys.py --n 500 --no-limits --numeric-amounts

One fresh sandbox (one small organisation, Xero's rate limits on unless --no-limits). The stream
`payouts` (SCHEMA key_properties ["order_id"], mapped to `bank_transactions` by the
`stream_endpoints` setting) carries N RECEIVE bank transactions, `o00000` ... Each record's key
becomes the token `[payouts:o00000]` at the start of its `Reference`, and the target finds
existing ones with batched `where Reference.StartsWith(...)` lookups. `target-xero` (a
subprocess) runs three times, each from its own fresh, empty working directory and HOME:

1. first run: every record is new, so all are created;
2. the same input again: everything is found by its token, nothing is written ("unchanged");
3. the same records shuffled (seeded): again nothing is written;
4. the same input with `identity_cache_path` (kept outside the empty directories): nothing is
   written, and the cache learns every key;
5. shuffled again with that cache: no API call at all.

For each run: write calls (PUT/POST under /api.xro), lookup calls (GETs under /api.xro),
lookups per 50 records, 429 answers, wall and CPU seconds and peak RSS of the target, the
actions of its `results_path` file, and the sandbox's own bank transactions (read through the
admin API, which neither logs nor spends rate limit): exactly N carry a token, none twice.
Amounts are sent as decimal strings ("12.34"), as taps write decimals; `--numeric-amounts`
sends JSON numbers instead.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

SANDBOX_SIZE = 60  # a small organisation: the benchmark's bank transactions are its own
STREAM = "payouts"
ENDPOINT = "bank_transactions"
KEY_FIELD = "order_id"
CONTACTS = [f"Buyer {i}" for i in range(1, 6)]
ACCOUNT_CODE = "200"  # Sales, in every seeded chart of accounts
WRITE_GOAL = 205  # first run: write calls at most (200 batches of 50, plus a little)
LOOKUPS_PER_50_GOAL = 1.0  # lookup calls per 50 records, at most
TOKEN = re.compile(r"^\[" + re.escape(STREAM) + r":([^\]]+)\]")
WRITE_METHODS = ("PUT", "POST")


@dataclass
class Run:
    label: str
    n: int
    measured: Measured
    calls: CallCount
    actions: Counter[str]
    xero_ids: dict[str, str]  # source key -> Xero id, from the results file
    held: int  # bank transactions in the sandbox carrying one of our tokens
    distinct: int  # distinct tokens among them
    missing: int  # source keys with no bank transaction
    leftovers: list[str] = field(default_factory=list)  # files left in the run's cwd / HOME
    summary: str = ""
    get_streams: Counter[str] = field(default_factory=Counter)  # GETs by stream

    @property
    def writes(self) -> int:
        return sum(self.calls.by_method.get(m, 0) for m in WRITE_METHODS)

    @property
    def lookups(self) -> int:
        return self.calls.by_method.get("GET", 0)

    @property
    def lookups_per_50(self) -> float:
        return self.lookups / (self.n / MAX_BATCH) if self.n else 0.0

    @property
    def rate_limited(self) -> int:
        return self.calls.by_status.get(429, 0)

    @property
    def duplicates(self) -> int:
        return self.held - self.distinct

    def gets_by_stream(self) -> str:
        """e.g. "bank_transactions 100, contacts 1"."""
        return ", ".join(f"{s} {c}" for s, c in sorted(self.get_streams.items()))


def bank_account_code(sandbox: SandboxProcess) -> str:
    """The Code of an ACTIVE account of Type BANK in the sandbox's chart (the lowest)."""
    tenant = sandbox.orgs[0]["tenant_id"]
    codes = sorted(str(a["Code"]) for a in sandbox.records(tenant, "accounts")
                   if a.get("Type") == "BANK" and a.get("Status") == "ACTIVE" and a.get("Code"))
    if not codes:
        raise RuntimeError("the sandbox's organisation has no ACTIVE BANK account with a Code")
    return codes[0]


def order_id(i: int) -> str:
    return f"o{i:05d}"


def make_records(n: int, bank_code: str, *, numeric: bool = False) -> list[dict[str, Any]]:
    """N bank transactions; amounts as decimal strings ("10.00"), or JSON numbers if `numeric`."""
    records = []
    for i in range(n):
        oid = order_id(i)
        text = f"{10 + i % 90}.{i % 100:02d}"
        amount: str | float = float(text) if numeric else text
        records.append({
            KEY_FIELD: oid, "Type": "RECEIVE", "Contact": {"Name": CONTACTS[i % len(CONTACTS)]},
            "BankAccount": {"Code": bank_code}, "Date": "2026-02-01",
            "LineItems": [{"Description": f"Order {oid}", "Quantity": 1, "UnitAmount": amount,
                           "AccountCode": ACCOUNT_CODE}]})
    return records


def write_input(path: Path, records: list[dict[str, Any]]) -> None:
    """SCHEMA (key_properties ["order_id"]), the records, a STATE every 1,000."""
    schema = {"type": "object", "properties": {}, "additionalProperties": True}
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps({"type": "SCHEMA", "stream": STREAM, "schema": schema,
                              "key_properties": [KEY_FIELD]}) + "\n")
        for i, record in enumerate(records, 1):
            out.write(json.dumps({"type": "RECORD", "stream": STREAM, "record": record}) + "\n")
            if i % 1000 == 0:
                out.write(json.dumps({"type": "STATE", "value": {"line": i}}) + "\n")


def read_results(path: Path) -> tuple[Counter[str], dict[str, str]]:
    actions: Counter[str] = Counter()
    ids: dict[str, str] = {}
    if not path.exists():
        return actions, ids
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            entry = json.loads(line)
            actions[str(entry.get("action"))] += 1
            if entry.get("source_key") and entry.get("xero_id"):
                ids[str(entry["source_key"])] = str(entry["xero_id"])
    return actions, ids


def check_sandbox(sandbox: SandboxProcess, n: int) -> tuple[int, int, int]:
    """(bank transactions carrying a token of ours, distinct tokens, source keys missing)."""
    tenant = sandbox.orgs[0]["tenant_id"]
    keys: list[str] = []
    for rec in sandbox.records(tenant, ENDPOINT):
        match = TOKEN.match(str(rec.get("Reference") or ""))
        if match:
            keys.append(match.group(1))
    distinct = set(keys)
    missing = sum(1 for i in range(n) if order_id(i) not in distinct)
    return len(keys), len(distinct), missing


def leftovers(*dirs: Path) -> list[str]:
    return [str(p.relative_to(d.parent)) for d in dirs for p in sorted(d.rglob("*"))]


def run_target(sandbox: SandboxProcess, label: str, records: list[dict[str, Any]], *,
               limits: bool, timeout: float, client_limit: int | None,
               cache: Path | None = None) -> Run:
    n = len(records)
    with tempfile.TemporaryDirectory(prefix="bench-source-keys-") as tmp:
        base = Path(tmp)
        cwd, home = base / "cwd", base / "home"
        cwd.mkdir()
        home.mkdir()
        input_path = base / "payouts.singer.jsonl"
        write_input(input_path, records)
        results_path = base / "results.jsonl"
        config = {**sandbox.orgs[0]["settings"],
                  "stream_endpoints": {STREAM: ENDPOINT},
                  "results_path": str(results_path),
                  "rejects_path": str(base / "rejects.jsonl")}
        if client_limit is not None:
            config["max_calls_per_minute"] = client_limit
        if cache is not None:
            config["identity_cache_path"] = str(cache)
        config_path = base / "target.config.json"
        config_path.write_text(json.dumps(config))
        env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
               "XDG_CACHE_HOME": str(home / ".cache"), "XDG_DATA_HOME": str(home / ".local")}
        sandbox.set_limits(limits)
        sandbox.clear_requests()
        print(f"# {label}: N={n:,}, limits {'on' if limits else 'off'}", file=sys.stderr,
              flush=True)
        with open(input_path, "rb") as stdin:
            measured = run_measured(
                [str(VENV_BIN / "target-xero"), "--config", str(config_path)],
                stdin=stdin, stderr_path=base / "target.stderr.log", timeout=timeout,
                env=env, cwd=cwd)
        if measured.returncode != 0:
            print(f"!! target-xero exited with {measured.returncode}:\n{measured.stderr_tail}",
                  file=sys.stderr)
        log = sandbox.requests()
        calls = count_calls(log)
        gets = count_calls(log, methods=["GET"])
        actions, ids = read_results(results_path)
        left = leftovers(cwd, home)
        rejects = base / "rejects.jsonl"
        if rejects.exists() and rejects.stat().st_size:
            with open(rejects, encoding="utf-8") as fh:
                print(f"!! first reject: {fh.readline()[:1000]}", file=sys.stderr)
        tail = measured.stderr_tail
        summary = tail[tail.rfind("target-xero summary:"):].strip() if "summary:" in tail else ""
    held, distinct, missing = check_sandbox(sandbox, n)
    run = Run(label, n, measured, calls, actions, ids, held, distinct, missing, left,
              summary, get_streams=gets.by_stream)
    print(f"#   writes {run.writes} ({dict(calls.by_method)}), lookups {run.lookups} "
          f"({run.gets_by_stream()}), {run.rate_limited} x 429, {measured.seconds:.1f}s, "
          f"{measured.cpu_seconds:.1f}s CPU, {measured.peak_rss_mb:.0f} MB; results "
          f"{dict(actions)}; sandbox {held:,} with tokens ({distinct:,} distinct, "
          f"{missing:,} missing); left in cwd/HOME: {left or 'nothing'}; {summary!r}",
          file=sys.stderr, flush=True)
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=lambda s: int(s.replace("_", "")), default=10_000,
                        help="records (bank transactions) per run (default 10,000)")
    parser.add_argument("--no-limits", action="store_true",
                        help="switch the sandbox's rate limits off (a quick check; the "
                             "target's own limiter still keeps 60 calls a minute)")
    parser.add_argument("--max-calls-per-minute", type=int, default=None,
                        help="the target's max_calls_per_minute (default: not set, i.e. 60)")
    parser.add_argument("--numeric-amounts", action="store_true",
                        help="send UnitAmount as a JSON number instead of a decimal string "
                             "(to tell the two apart in the re-runs)")
    parser.add_argument("--seed", type=int, default=7, help="shuffle seed of the third run")
    parser.add_argument("--timeout", type=float, default=3600,
                        help="seconds before a target run is killed")
    args = parser.parse_args(argv)
    n, limits = args.n, not args.no_limits

    began = time.perf_counter()
    sandbox = start_sandbox(size=SANDBOX_SIZE, limits=True)
    cache_dir = tempfile.TemporaryDirectory(prefix="bench-source-keys-cache-")
    cache = Path(cache_dir.name) / "identity.sqlite"
    try:
        bank_code = bank_account_code(sandbox)
        records = make_records(n, bank_code, numeric=args.numeric_amounts)
        shuffled = list(records)
        random.Random(args.seed).shuffle(shuffled)
        print(f"# sandbox up in {time.perf_counter() - began:.1f}s; bank account {bank_code}; "
              f"amounts as {'numbers' if args.numeric_amounts else 'strings'}",
              file=sys.stderr, flush=True)
        # Runs 4 and 5 keep an identity cache outside their (empty) directories: run 4 fills
        # it (the lookups still go to Xero), run 5 is answered by it with no call at all.
        runs = [run_target(sandbox, label, recs, limits=limits, timeout=args.timeout,
                           client_limit=args.max_calls_per_minute, cache=cached)
                for label, recs, cached in (
                    ("1 first run", records, None), ("2 same input again", records, None),
                    (f"3 shuffled (seed {args.seed})", shuffled, None),
                    ("4 same, filling the identity cache", records, cache),
                    ("5 shuffled, with the identity cache", shuffled, cache))]
    finally:
        sandbox.stop()
        cache_dir.cleanup()

    rows = [(r.label, r.n, r.writes, r.lookups, f"{r.lookups_per_50:.2f}", r.rate_limited,
             round(r.measured.seconds, 1), round(r.measured.cpu_seconds, 1),
             round(r.measured.peak_rss_mb), round(minute_limit_floor(r.calls.total)),
             ", ".join(f"{a} {c:,}" for a, c in sorted(r.actions.items())) or "-",
             r.held, r.duplicates)
            for r in runs]
    print(markdown_table(["run", "N", "write calls", "lookup calls", "lookups/50 records",
                          "429s", "wall s", "CPU s", "peak RSS MB", "60/min floor s",
                          "results", "sandbox: with token", "duplicates"], rows))
    print()
    first = runs[0]
    checks: list[tuple[str, bool]] = [
        (f"run 1: write calls {first.writes} <= {WRITE_GOAL}", first.writes <= WRITE_GOAL),
        (f"run 1: all {n:,} created ({first.actions.get('created', 0):,})",
         first.actions.get("created", 0) == n and sum(first.actions.values()) == n),
    ]
    for r in runs[1:]:
        tag = f"run {r.label[0]}"
        checks.append((f"{tag}: 0 write calls ({r.writes})", r.writes == 0))
        checks.append((f"{tag}: all {n:,} unchanged ({r.actions.get('unchanged', 0):,})",
                       r.actions.get("unchanged", 0) == n and sum(r.actions.values()) == n))
        same = sum(1 for k, v in r.xero_ids.items() if first.xero_ids.get(k) == v)
        checks.append((f"{tag}: every source key names the Xero id of run 1 ({same:,})",
                       same == n))
    cached = runs[-1]
    checks.append((f"run 5: no API call at all with the identity cache ({cached.calls.total})",
                   cached.calls.total == 0))
    for r in runs:
        tag = f"run {r.label[0]}"
        checks.append((f"{tag}: lookup calls per 50 records {r.lookups_per_50:.2f} <= "
                       f"{LOOKUPS_PER_50_GOAL:g}", r.lookups_per_50 <= LOOKUPS_PER_50_GOAL))
        checks.append((f"{tag}: the sandbox holds exactly {n:,} bank transactions with tokens "
                       f"({r.held:,}; {r.duplicates:,} duplicates, {r.missing:,} missing)",
                       r.held == n and r.distinct == n and r.missing == 0))
        checks.append((f"{tag}: zero 429 answers ({r.rate_limited})", r.rate_limited == 0))
        checks.append((f"{tag}: target-xero exited 0 ({r.measured.returncode})",
                       r.measured.returncode == 0))
    for text, ok in checks:
        print(f"{verdict(ok)}  {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
