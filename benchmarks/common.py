"""Shared pieces of the benchmarks: a sandbox, a measured child process, call counts, tables.

Nothing here talks to anything but the local sandbox (127.0.0.1). Peak memory is the resident
set size of the child's whole process tree, sampled with psutil, and at least the exact peak the
kernel reports for the child when it is reaped (`os.wait4`).
"""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psutil

from xero_core.endpoints import ENDPOINTS, Endpoint
from xero_sandbox.testing import SandboxProcess

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
VENV_BIN = Path(sys.executable).parent
SAMPLE_SECONDS = 0.02

#: The accounting streams that page with pageSize (up to 1000 records a call).
PAGED_STREAMS: tuple[str, ...] = tuple(
    ep.stream for ep in ENDPOINTS if ep.api == "accounting" and ep.paging.value == "page_size")
ENDPOINT_BY_PATH: dict[str, Endpoint] = {ep.url_path.lower(): ep for ep in ENDPOINTS}


def start_sandbox(*, size: int, limits: bool, orgs: int = 1, seed: int = 42) -> SandboxProcess:
    """A running `xero-sandbox serve` on 127.0.0.1 (the caller stops it)."""
    command = [str(VENV_BIN / "xero-sandbox")] if (VENV_BIN / "xero-sandbox").exists() else None
    return SandboxProcess(seed=seed, size=size, orgs=orgs, limits=limits,
                          startup_timeout=3600, command=command).start()


def stream_counts(sandbox: SandboxProcess, org: int = 0) -> dict[str, int]:
    """Records per stream of one organisation, from /__admin/state."""
    tenant = sandbox.orgs[org]["tenant_id"]
    for entry in sandbox.state()["organisations"]:
        if entry["tenant_id"] == tenant:
            return {k: int(v) for k, v in entry["counts"].items()}
    raise KeyError(tenant)


# -- a measured child process -----------------------------------------------------------------

@dataclass
class Measured:
    """What one run of a child process cost."""

    returncode: int
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float = 0.0  # user + system time of the child (and its reaped children)
    stderr_tail: str = ""


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for member in members:
        with contextlib.suppress(psutil.Error):
            total += member.memory_info().rss
    return total


def run_measured(args: Sequence[str], *, stdin: IO[Any] | None = None,
                 stdout: IO[Any] | int | None = subprocess.DEVNULL,
                 stderr_path: Path | None = None, timeout: float = 1800,
                 env: dict[str, str] | None = None, cwd: Path | None = None) -> Measured:
    """Run `args`, sampling the RSS of its process tree; kill it after `timeout` seconds."""
    err: IO[Any] | int = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL  # noqa: SIM115
    peak = 0
    began = time.perf_counter()
    child = subprocess.Popen(list(args), stdin=stdin, stdout=stdout, stderr=err, env=env,
                             cwd=cwd)
    watched = psutil.Process(child.pid)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(watched))
            stop.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    kernel_peak = 0
    cpu = 0.0
    deadline = began + timeout
    status = None
    while status is None:
        pid, raw, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            status = os.waitstatus_to_exitcode(raw)
            kernel_peak = usage.ru_maxrss * 1024  # KiB on Linux
            cpu = usage.ru_utime + usage.ru_stime
            break
        if time.perf_counter() > deadline:
            child.kill()
            _, raw, usage = os.wait4(child.pid, 0)
            status = -9
            break
        time.sleep(0.01)
    seconds = time.perf_counter() - began
    child.returncode = status
    stop.set()
    sampler.join()
    if stderr_path and not isinstance(err, int):
        err.close()
    tail = ""
    if stderr_path and stderr_path.exists():
        with open(stderr_path, "rb") as fh:
            fh.seek(max(0, stderr_path.stat().st_size - 3000))
            tail = fh.read().decode(errors="replace")
    return Measured(returncode=status, seconds=seconds,
                    peak_rss_mb=max(peak, kernel_peak) / 1e6, cpu_seconds=cpu,
                    stderr_tail=tail)


# -- Singer output -----------------------------------------------------------------------------

def count_records(path: Path) -> Counter[str]:
    """RECORD messages per stream in a Singer output file (compact or spaced JSON)."""
    counts: Counter[str] = Counter()
    with open(path, "rb") as fh:
        for line in fh:
            head = line[:120]
            if b'"RECORD"' not in head:
                continue
            at = head.find(b'"stream"')
            start = head.find(b'"', head.find(b":", at) + 1) + 1
            counts[head[start:head.find(b'"', start)].decode()] += 1
    return counts


# -- the sandbox's request log -----------------------------------------------------------------

@dataclass
class CallCount:
    """API calls the sandbox saw, by stream, method and status."""

    total: int = 0
    by_stream: Counter[str] = field(default_factory=Counter)
    by_method: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)
    identity: int = 0
    server_seconds: float = 0.0  # time the sandbox spent answering the counted calls


def stream_of(path: str) -> str:
    """The stream a request path reads or writes ("/api.xro/2.0/Invoices/<id>" -> invoices)."""
    parts = path.split("/")
    for depth in range(len(parts), 3, -1):
        ep = ENDPOINT_BY_PATH.get("/".join(parts[:depth]).lower())
        if ep is not None:
            return ep.stream
    return path


def count_calls(entries: Iterable[dict[str, Any]], *, methods: Iterable[str] | None = None,
                prefix: str = "/api.xro/") -> CallCount:
    """Count the log entries under `prefix` (optionally only some methods)."""
    wanted = {m.upper() for m in methods} if methods else None
    out = CallCount()
    for entry in entries:
        path = str(entry.get("path", ""))
        if path.startswith("/connect/"):
            out.identity += 1
            continue
        if not path.startswith(prefix):
            continue
        out.by_status[int(entry.get("status") or 0)] += 1
        if wanted is not None and str(entry.get("method")).upper() not in wanted:
            continue
        out.total += 1
        out.server_seconds += float(entry.get("duration_ms") or 0) / 1000
        out.by_stream[stream_of(path)] += 1
        out.by_method[str(entry.get("method")).upper()] += 1
    return out


def minute_limit_floor(calls: int, per_minute: int = 60) -> float:
    """The fewest seconds `calls` calls to one tenant can take under Xero's 60 a minute."""
    return max(0, math.ceil(calls / per_minute) - 1) * 60.0


def max_calls(records: int, page_size: int = 1000) -> int:
    """The call budget of a paged stream: one call a full page, plus one."""
    return math.ceil(records / page_size) + 1


# -- printing ------------------------------------------------------------------------------------

def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
