"""Benchmark: the sandbox itself at a size (generation time, peak memory, the time of a page).

    python benchmarks/bench_sandbox.py --size 169700    # one organisation, >= 1,000,000 records
    python benchmarks/bench_sandbox.py --size 344830    # 1,000,000 in bench_tap's nine streams

In this process: builds the sandbox's data (`Sandbox(SandboxConfig(...))`, what
`xero-sandbox serve` does before it listens) and prints records per resource, the seconds that
took (wall and CPU) and the process's peak RSS (`ru_maxrss`, the interpreter's own start-up
included, and printed separately). Then it serves that sandbox with werkzeug's threaded server
on 127.0.0.1 (as `serve` does, limits off) and times list pages of invoices through HTTP, the
way the two taps read them (`order=UpdatedDateUTC ASC` and `If-Modified-Since`): a page of
1,000 with line items (`pageSize=1000`, ours) and a page of 100 (`page=N`, singer-io's), first,
middle and last, each `--repeat` times: the median round trip (request to last body byte, on an
open connection), the sandbox's own `duration_ms` from its request log, and the CPU time this
process (server and client) spent on it, which a busy machine inflates less than wall time.

Then, in process (no socket: Flask's test client), the page of 1,000 invoices against the
floor it cannot beat: encoding that same page's JSON body (`json.dumps` of the answer, to
bytes) on its own. It prints both medians and their ratio (the goal: at most 1.5x), and with
`--profile` the top entries of a cProfile of serving that page (`--size 20000` is enough for
it: the page costs the same whatever the organisation holds).
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import gc
import http.client
import io
import json
import os
import pstats
import resource
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import markdown_table
from werkzeug.serving import make_server

from xero_sandbox.app import Sandbox, SandboxConfig, create_app
from xero_sandbox.cli import QuietHandler

SINCE = "Sat, 01 Jan 2000 00:00:00 GMT"
ORDER = "UpdatedDateUTC ASC"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Client:
    """One keep-alive HTTP connection to the sandbox with a client-credentials token."""

    def __init__(self, port: int, settings: dict[str, Any]) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        basic = base64.b64encode(
            f"{settings['client_id']}:{settings['client_secret']}".encode()).decode()
        status, body, _ = self.request("POST", "/connect/token",
                                       body=urlencode({"grant_type": "client_credentials"}),
                                       headers={"Authorization": f"Basic {basic}",
                                                "Content-Type":
                                                    "application/x-www-form-urlencoded"})
        if status != 200:
            raise SystemExit(f"token request failed: {status} {body[:300]!r}")
        self.headers = {"Authorization": f"Bearer {json.loads(body)['access_token']}",
                        "Xero-Tenant-Id": settings["tenant_id"], "Accept": "application/json",
                        "If-Modified-Since": SINCE}

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
        began = time.perf_counter()
        self.conn.request(method, path, body=body, headers=headers or {})
        resp = self.conn.getresponse()
        data = resp.read()
        return resp.status, data, time.perf_counter() - began

    def get(self, path: str, params: dict[str, Any]) -> tuple[int, bytes, float]:
        return self.request("GET", f"{path}?{urlencode(params)}", headers=self.headers)


def time_pages(sandbox: Sandbox, port: int, repeat: int) -> list[tuple[Any, ...]]:
    org = next(iter(sandbox.store.orgs.values()))
    settings = sandbox.startup_info(f"http://127.0.0.1:{port}")["organisations"][0]["settings"]
    client = Client(port, settings)
    invoices = len(org.coll("invoices"))
    rows: list[tuple[Any, ...]] = []
    for size, style in ((1000, "pageSize=1000 (ours)"), (100, "page of 100 (singer-io)")):
        pages = max(1, -(-invoices // size))
        for label, page in (("first", 1), ("middle", (pages + 1) // 2), ("last", pages)):
            params: dict[str, Any] = {"page": page, "order": ORDER}
            if size != 100:
                params["pageSize"] = size
            trips: list[float] = []
            server: list[float] = []
            cpu: list[float] = []
            length = 0
            count = 0
            for _ in range(repeat):
                sandbox.log.clear()
                cpu_began = time.process_time()
                status, body, seconds = client.get("/api.xro/2.0/Invoices", params)
                cpu.append(time.process_time() - cpu_began)
                if status != 200:
                    raise SystemExit(f"page {page} answered {status}: {body[:300]!r}")
                trips.append(seconds)
                entries = sandbox.log.entries()
                server.append(float(entries[-1].get("duration_ms") or 0))
                length = len(body)
                count = len(json.loads(body)["Invoices"])
            rows.append((style, f"{label} ({page:,} of {pages:,})", count,
                         round(length / 1e6, 2), round(statistics.median(server), 1),
                         round(statistics.median(trips) * 1000, 1),
                         round(statistics.median(cpu) * 1000, 1)))
    client.conn.close()
    return rows


def _median_ms(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


def page_vs_encode(sandbox: Sandbox, repeat: int, profile: int) -> float:
    """A page of 1,000 invoices served in process, against encoding its JSON alone; answers
    the milliseconds of the encoding alone."""
    app = create_app(sandbox)
    client = app.test_client(use_cookies=False)
    settings = sandbox.startup_info("http://localhost")["organisations"][0]["settings"]
    token = client.post("/connect/token", data={"grant_type": "client_credentials"},
                        headers={"Authorization": "Basic " + base64.b64encode(
                            f"{settings['client_id']}:{settings['client_secret']}".encode()
                        ).decode()}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Xero-Tenant-Id": settings["tenant_id"],
               "Accept": "application/json", "If-Modified-Since": SINCE}
    invoices = len(next(iter(sandbox.store.orgs.values())).coll("invoices"))
    page = (max(1, -(-invoices // 1000)) + 1) // 2  # the middle page, as time_pages picks it
    url = f"/api.xro/2.0/Invoices?{urlencode({'page': page, 'pageSize': 1000, 'order': ORDER})}"

    def serve() -> bytes:
        resp = client.get(url, headers=headers)
        if resp.status_code != 200:
            raise SystemExit(f"in process: {resp.status_code} {resp.data[:300]!r}")
        return resp.data

    body = json.loads(serve())
    assert len(body["Invoices"]) == min(1000, invoices), len(body["Invoices"])

    def encode() -> bytes:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()

    serve_ms = _median_ms(serve, repeat)
    encode_ms = _median_ms(encode, repeat)
    print(f"\nin process, page {page} of 1,000 invoices ({len(encode()) / 1e6:.2f} MB), median "
          f"of {repeat}: served in {serve_ms:.1f} ms; encoding its JSON alone {encode_ms:.1f} "
          f"ms; ratio {serve_ms / encode_ms:.2f}x (goal <= 1.5x)")
    if profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(repeat):
            serve()
        prof.disable()
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(profile)
        print(f"\ncProfile of {repeat} pages, top {profile} by own time:")
        print(out.getvalue())
    return encode_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=169_700,
                        help="about this many invoices per organisation (default 169700: one "
                             "organisation holds >= 1,000,000 records)")
    parser.add_argument("--orgs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=5, help="requests per timed page")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="print the top N cProfile entries of serving the in-process page")
    parser.add_argument("--no-http", action="store_true",
                        help="skip the pages through HTTP (only the in-process comparison)")
    args = parser.parse_args(argv)

    gc.collect()
    baseline = peak_rss_mb()
    began, cpu_began = time.perf_counter(), time.process_time()
    sandbox = Sandbox(SandboxConfig(seed=args.seed, size=args.size, orgs=args.orgs,
                                    limits=False))
    seconds = time.perf_counter() - began
    cpu = time.process_time() - cpu_began
    peak = peak_rss_mb()

    per_stream: dict[str, int] = {}
    for org in sandbox.store.orgs.values():
        for stream, coll in org.collections.items():
            per_stream[stream] = per_stream.get(stream, 0) + len(coll)
    total = sum(per_stream.values())
    print(f"sandbox --seed {args.seed} --size {args.size} --orgs {args.orgs}: {total:,} records "
          f"generated in {seconds:.1f} s ({cpu:.1f} s CPU); peak RSS {peak:,.0f} MB "
          f"(the interpreter and imports before it: {baseline:,.0f} MB)")
    print()
    rows = sorted(((s, n) for s, n in per_stream.items() if n), key=lambda r: -r[1])
    print(markdown_table(["resource", "records"], [*rows, ("total", total)]))
    print()

    encode_ms = page_vs_encode(sandbox, max(args.repeat, 5), args.profile)
    if args.no_http:
        sys.stdout.flush()
        os._exit(0)
    server = make_server("127.0.0.1", 0, create_app(sandbox), threaded=True,
                         request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    try:
        rows = time_pages(sandbox, server.server_port, args.repeat)
    finally:
        server.shutdown()
        server.server_close()
    print(f"GET /Invoices (order={ORDER}, If-Modified-Since {SINCE}), median of "
          f"{args.repeat}:")
    print(markdown_table(["page style", "page", "invoices", "body MB", "sandbox ms",
                          "round trip ms", "CPU ms"], rows))
    middle = rows[1]  # the middle page of 1,000: the page the in-process comparison encodes
    print(f"\nthrough HTTP, the middle page of 1,000: sandbox {middle[4]} ms, round trip "
          f"{middle[5]} ms; encoding its JSON alone {encode_ms:.1f} ms; ratio "
          f"{middle[4] / encode_ms:.2f}x (sandbox) / {middle[5] / encode_ms:.2f}x (round trip)")
    print(f"\npeak RSS at the end {peak_rss_mb():,.0f} MB; load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    sys.stdout.flush()
    os._exit(0)  # skip freeing millions of records one by one at interpreter exit


if __name__ == "__main__":
    sys.exit(main())
