"""Benchmark: a full sync of the paged streams by our tap-xero (and singer-io's, with --peer).

    python benchmarks/bench_tap.py --sizes 10000,100000 [--peer] [--no-unthrottled]

For each size N, one sandbox (limits off) is seeded with about N records in the selected
streams; each tool syncs those streams from it in turn and writes its Singer output to a
scratch file. Our tap runs twice: as configured for Xero (its client-side limiter holds 60
calls a minute) and with `max_calls_per_minute` at 100,000 (the limiter out of the way, to
compare CPU throughput with the peer, which has no limiter). Figures: API calls (GETs under
/api.xro in the sandbox log), records emitted, wall seconds, records/s and the peak RSS of the
tool's process. Checks: our calls per stream <= ceil(records/1000)+1, our records/s >= 2x the
peer's (both runs of ours), our peak RSS at the largest N within 1.5x of the smallest.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    BENCH_DIR,
    PAGED_STREAMS,
    VENV_BIN,
    CallCount,
    Measured,
    count_calls,
    count_records,
    markdown_table,
    max_calls,
    minute_limit_floor,
    run_measured,
    start_sandbox,
    stream_counts,
    verdict,
)

from xero_sandbox.testing import SandboxProcess

PEER_VENV = BENCH_DIR / "peers" / "singer-io-tap-xero"
PEER_PYTHON = PEER_VENV / "bin" / "python"
PEER_WRAPPER = BENCH_DIR / "peer_tap_xero.py"
PEER_PACKAGES = ("tap-xero==2.6.0", "six")  # 2.6.0 imports six without declaring it
PEER_START_DATE = "2000-01-01T00:00:00Z"
PROBE_SIZE = 1000
RSS_GROWTH_LIMIT = 1.5
SPEEDUP_GOAL = 2.0
UNTHROTTLED_CALLS_PER_MINUTE = 100_000  # our client-side limiter out of the way (limits off)
OURS = "tap-xero (ours)"
OURS_UNTHROTTLED = "tap-xero (ours, client limiter off)"
PEER = "singer-io tap-xero 2.6.0"


@dataclass
class Run:
    """One tool's sync of one sandbox."""

    tool: str
    n: int
    streams: int
    measured: Measured
    calls: CallCount
    records: dict[str, int] = field(default_factory=dict)

    @property
    def total_records(self) -> int:
        return sum(self.records.values())

    @property
    def rate(self) -> float:
        return self.total_records / self.measured.seconds if self.measured.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        cpu = self.measured.cpu_seconds
        return self.total_records / cpu if cpu else 0.0

    @property
    def xero_seconds(self) -> float:
        """Wall seconds, or more if Xero's 60 calls a minute would not allow that many calls."""
        return max(self.measured.seconds, minute_limit_floor(self.calls.total))


def select_streams(catalog: dict[str, Any], streams: tuple[str, ...]) -> dict[str, Any]:
    """Mark `streams` selected (and every other stream not) in a Singer catalog."""
    for entry in catalog["streams"]:
        chosen = entry["tap_stream_id"] in streams
        entry["selected"] = chosen  # legacy flag, read by older singer-python taps
        for item in entry.get("metadata", []):
            if item.get("breadcrumb") == []:
                item["metadata"]["selected"] = chosen
    return catalog


def discover(args: list[str], workdir: Path, name: str, streams: tuple[str, ...]) -> Path:
    """Run a tool's --discover, select `streams`, write the catalog file."""
    done = subprocess.run([*args, "--discover"], capture_output=True, timeout=300, cwd=workdir)
    if done.returncode != 0:
        raise RuntimeError(f"{name} --discover failed:\n{done.stderr.decode()[-3000:]}")
    catalog = select_streams(json.loads(done.stdout), streams)
    path = workdir / f"{name}.catalog.json"
    path.write_text(json.dumps(catalog))
    return path


def sync(tool: str, args: list[str], sandbox: SandboxProcess, workdir: Path, n: int,
         streams: tuple[str, ...], timeout: float) -> Run:
    """Sync once with `args` (a catalog already given), measured."""
    catalog = discover(args, workdir, tool, streams)
    sandbox.clear_requests()
    output = workdir / f"{tool}.singer.jsonl"
    with open(output, "wb") as out:
        measured = run_measured([*args, "--catalog", str(catalog)], stdout=out,
                                stderr_path=workdir / f"{tool}.stderr.log", timeout=timeout,
                                cwd=workdir)
    if measured.returncode != 0:
        print(f"!! {tool} exited with {measured.returncode}:\n{measured.stderr_tail}",
              file=sys.stderr)
    calls = count_calls(sandbox.requests(), methods=["GET"])
    records = dict(count_records(output))
    output.unlink()
    return Run(tool, n, len(streams), measured, calls, records)


def sync_concurrently(tools: list[tuple[str, str, list[str], float]], sandbox: SandboxProcess,
                      workdir: Path, n: int, streams: tuple[str, ...]) -> list[Run]:
    """Run every tool at once against the one sandbox; calls told apart by User-Agent."""
    catalogs = {key: discover(args, workdir, key, streams) for _, key, args, _ in tools}
    sandbox.clear_requests()
    measured: dict[str, Measured] = {}

    def one(key: str, args: list[str], limit: float) -> None:
        with open(workdir / f"{key}.singer.jsonl", "wb") as out:
            measured[key] = run_measured([*args, "--catalog", str(catalogs[key])], stdout=out,
                                         stderr_path=workdir / f"{key}.stderr.log",
                                         timeout=limit, cwd=workdir)

    threads = [threading.Thread(target=one, args=(key, args, limit))
               for _, key, args, limit in tools]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = sandbox.requests()
    runs = []
    for tool, key, _, _ in tools:
        mine = [e for e in entries if (e.get("headers") or {}).get("User-Agent") == agent(key)]
        output = workdir / f"{key}.singer.jsonl"
        records = dict(count_records(output))
        output.unlink()
        if measured[key].returncode != 0:
            print(f"!! {tool} exited with {measured[key].returncode}:\n"
                  f"{measured[key].stderr_tail}", file=sys.stderr)
        runs.append(Run(tool, n, len(streams), measured[key],
                        count_calls(mine, methods=["GET"]), records))
    return runs


def agent(key: str) -> str:
    """The User-Agent each tool sends, so calls can be told apart in one sandbox's log."""
    return f"bench-{key}"


def our_args(sandbox: SandboxProcess, workdir: Path) -> list[str]:
    config = dict(sandbox.orgs[0]["settings"], user_agent=agent("ours"))
    path = workdir / "ours.config.json"
    path.write_text(json.dumps(config))
    return [str(VENV_BIN / "tap-xero"), "--config", str(path)]


def our_unthrottled_args(sandbox: SandboxProcess, workdir: Path) -> list[str]:
    """Our tap with its client-side limiter set far above 60 a minute (sandbox limits off)."""
    config = dict(sandbox.orgs[0]["settings"], user_agent=agent("ours-unthrottled"),
                  max_calls_per_minute=UNTHROTTLED_CALLS_PER_MINUTE)
    path = workdir / "ours-unthrottled.config.json"
    path.write_text(json.dumps(config))
    return [str(VENV_BIN / "tap-xero"), "--config", str(path)]


def peer_args(sandbox: SandboxProcess, workdir: Path) -> list[str]:
    config = {"client_id": sandbox.app["client_id"],
              "client_secret": sandbox.app["client_secret"],
              "refresh_token": sandbox.refresh_token,
              "tenant_id": sandbox.orgs[0]["tenant_id"],
              "start_date": PEER_START_DATE, "user_agent": agent("peer")}
    path = workdir / "peer.config.json"  # the peer writes the rotated refresh token back here
    path.write_text(json.dumps(config))
    return [str(PEER_PYTHON), str(PEER_WRAPPER), "--sandbox-url", sandbox.url,
            "--config", str(path)]


def install_peer() -> None:
    """Make the peer's virtualenv (its own: singer-python pins old libraries)."""
    print(f"# installing {' '.join(PEER_PACKAGES)} into {PEER_VENV}",
          file=sys.stderr, flush=True)
    subprocess.run(["python3", "-m", "venv", str(PEER_VENV)], check=True, timeout=300)
    subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", *PEER_PACKAGES],
                   check=True, timeout=900)


def records_per_size_unit(streams: tuple[str, ...]) -> float:
    """How many records of `streams` one unit of the sandbox's --size makes."""
    probe = start_sandbox(size=PROBE_SIZE, limits=False)
    try:
        counts = stream_counts(probe)
    finally:
        probe.stop()
    return sum(counts.get(s, 0) for s in streams) / PROBE_SIZE


TOOL_KEYS = ("ours", "ours-unthrottled", "peer")
HEADERS = ["tool", "N", "streams", "calls", "records", "seconds", "records/s", "peak RSS MB",
           "CPU s", "records/CPU s", "sandbox s", "60/min floor s"]


def row(r: Run) -> tuple[Any, ...]:
    return (r.tool, r.n, r.streams, r.calls.total, r.total_records, round(r.measured.seconds, 1),
            round(r.rate), round(r.measured.peak_rss_mb), round(r.measured.cpu_seconds, 1),
            round(r.cpu_rate), round(r.calls.server_seconds, 1),
            round(minute_limit_floor(r.calls.total)))


def bench_size(n: int, ratio: float, streams: tuple[str, ...], tools_wanted: tuple[str, ...],
               timeout: float, peer_timeout: float, concurrent: bool = False
               ) -> tuple[list[Run], dict[str, int]]:
    size = max(1, round(n / ratio))
    began = time.perf_counter()
    sandbox = start_sandbox(size=size, limits=False)
    try:
        counts = stream_counts(sandbox)
        held = {s: counts.get(s, 0) for s in streams}
        print(f"# N={n:,}: sandbox --size {size} holds {sum(held.values()):,} records in "
              f"{len(streams)} streams (started in {time.perf_counter() - began:.1f}s)",
              file=sys.stderr, flush=True)
        runs = []
        with tempfile.TemporaryDirectory(prefix="bench-tap-") as tmp:
            workdir = Path(tmp)
            every = [(OURS, "ours", our_args, timeout),
                     (OURS_UNTHROTTLED, "ours-unthrottled", our_unthrottled_args, timeout),
                     (PEER, "peer", peer_args, peer_timeout)]
            tools = [t for t in every if t[1] in tools_wanted]
            if concurrent:
                together = sync_concurrently(
                    [(tool, key, make_args(sandbox, workdir), limit)
                     for tool, key, make_args, limit in tools], sandbox, workdir, n, streams)
            for i, (tool, key, make_args, limit) in enumerate(tools):
                if concurrent:
                    run = together[i]
                else:
                    run = sync(key, make_args(sandbox, workdir), sandbox, workdir, n, streams,
                               limit)
                run.tool = tool
                runs.append(run)
                killed = " (killed at the timeout)" if run.measured.returncode == -9 else ""
                print(f"#   {tool}: {run.total_records:,} records, {run.calls.total} calls, "
                      f"{run.measured.seconds:.1f}s, {run.measured.peak_rss_mb:.0f} MB, "
                      f"exit {run.measured.returncode}{killed}", file=sys.stderr, flush=True)
                print("#   row: " + " | ".join(str(v) for v in row(run)) + " | per stream: "
                      + ", ".join(f"{s} {run.calls.by_stream.get(s, 0)}/{run.records.get(s, 0)}"
                                  for s in streams), file=sys.stderr, flush=True)
        return runs, held
    finally:
        sandbox.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="comma-separated record totals N (default 10000,100000)")
    parser.add_argument("--peer", action="store_true",
                        help="also run singer-io tap-xero 2.6.0 (installed on first use into "
                             "benchmarks/peers/singer-io-tap-xero)")
    parser.add_argument("--streams", default=",".join(PAGED_STREAMS),
                        help="streams to sync (default: the accounting streams with pageSize)")
    parser.add_argument("--no-unthrottled", dest="unthrottled", action="store_false",
                        help="skip the second run of our tap with max_calls_per_minute="
                             f"{UNTHROTTLED_CALLS_PER_MINUTE:,} (its client-side limiter off)")
    parser.add_argument("--tools", default=None,
                        help="comma-separated subset of ours,ours-unthrottled,peer to run "
                             "(default: ours and ours-unthrottled, and peer with --peer); the "
                             "same --sizes in several processes give the same data")
    parser.add_argument("--concurrent", action="store_true",
                        help="run the tools at the same time against the one sandbox (calls "
                             "told apart by User-Agent): one sandbox and less wall time at 1M, "
                             "but the tools share the CPU, so their wall times are not each "
                             "its own")
    parser.add_argument("--timeout", type=float, default=3600,
                        help="seconds before one tool's run is killed")
    parser.add_argument("--peer-timeout", type=float, default=None,
                        help="seconds before the peer's run is killed (default: --timeout)")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    streams = tuple(s.strip() for s in args.streams.split(",") if s.strip())
    if args.tools:
        tools = tuple(t.strip() for t in args.tools.split(",") if t.strip())
        unknown = set(tools) - set(TOOL_KEYS)
        if unknown:
            parser.error(f"unknown --tools {sorted(unknown)}; choose from {TOOL_KEYS}")
    else:
        tools = ("ours",) + (("ours-unthrottled",) if args.unthrottled else ()) + (
            ("peer",) if args.peer else ())
    if "peer" in tools and not PEER_PYTHON.exists():
        install_peer()

    ratio = records_per_size_unit(streams)
    all_runs: list[Run] = []
    checks: list[tuple[str, bool]] = []
    for n in sizes:
        runs, held = bench_size(n, ratio, streams, tools, args.timeout,
                                args.peer_timeout or args.timeout, args.concurrent)
        all_runs += runs
        ours = next((r for r in runs if r.tool == OURS), None)
        if ours is not None:
            over = {s: (ours.calls.by_stream.get(s, 0),
                        max_calls(max(held[s], ours.records.get(s, 0)))) for s in streams}
            worst = [f"{s} {c}>{b}" for s, (c, b) in over.items() if c > b]
            checks.append((f"N={n:,}: our calls per paged stream <= ceil(records/1000)+1"
                           + (f" ({', '.join(worst)})" if worst else ""), not worst))
            complete = all(ours.records.get(s, 0) >= held[s] for s in streams)
            checks.append((f"N={n:,}: our tap emitted every record the sandbox holds "
                           f"({ours.total_records:,} of {sum(held.values()):,})", complete))
            checks.append((f"N={n:,}: our tap exited 0", ours.measured.returncode == 0))
        free = next((r for r in runs if r.tool == OURS_UNTHROTTLED), None)
        if free is not None:
            checks.append((f"N={n:,}: our tap with its limiter off emitted every record and "
                           f"exited 0 ({free.total_records:,})",
                           free.measured.returncode == 0
                           and all(free.records.get(s, 0) >= held[s] for s in streams)))
        peer = next((r for r in runs if r.tool == PEER), None)
        if peer is not None and peer.measured.returncode != 0:
            print(f"# N={n:,}: the peer exited {peer.measured.returncode}: its figures are "
                  f"those of a partial run", file=sys.stderr)
        if peer is not None and ours is not None:
            speedup = ours.rate / peer.rate if peer.rate else float("inf")
            checks.append((f"N={n:,}: our records/s >= {SPEEDUP_GOAL:g}x the peer's "
                           f"({speedup:.1f}x)", speedup >= SPEEDUP_GOAL))
            at_xero = peer.xero_seconds / ours.xero_seconds
            print(f"# N={n:,}: at Xero's 60 calls/min the peer's {peer.calls.total} calls take "
                  f">= {peer.xero_seconds:,.0f}s, ours {ours.xero_seconds:,.0f}s "
                  f"({at_xero:.1f}x); per CPU second ours {ours.cpu_rate:,.0f} records, "
                  f"the peer {peer.cpu_rate:,.0f}", file=sys.stderr)
        if peer is not None and free is not None:
            cpu_speedup = free.rate / peer.rate if peer.rate else float("inf")
            checks.append((f"N={n:,}: with our limiter off, our records/s >= "
                           f"{SPEEDUP_GOAL:g}x the peer's ({cpu_speedup:.1f}x)",
                           cpu_speedup >= SPEEDUP_GOAL))
    ours_runs = [r for r in all_runs if r.tool == OURS]
    if len(ours_runs) > 1:
        small, large = ours_runs[0], ours_runs[-1]
        growth = large.measured.peak_rss_mb / small.measured.peak_rss_mb
        checks.append((f"our peak RSS flat: N={large.n:,} within {RSS_GROWTH_LIMIT}x of "
                       f"N={small.n:,} ({growth:.2f}x)", growth <= RSS_GROWTH_LIMIT))

    print(markdown_table(HEADERS, [row(r) for r in all_runs]))
    print()
    per_stream = [(r.tool, r.n, *(f"{r.calls.by_stream.get(s, 0)}/{r.records.get(s, 0):,}"
                                  for s in streams)) for r in all_runs]
    print("calls/records per stream:")
    print(markdown_table(["tool", "N", *streams], per_stream))
    print()
    for text, ok in checks:
        print(f"{verdict(ok)}  {text}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
