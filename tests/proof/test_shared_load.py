"""Scale-out proof: 8 processes on 3 tenants of one app, against the sandbox's real limits.

One sandbox (limits on, 3 organisations, the app's minute lowered to 180 = 3 x 60 so the app
limit is reached too) and, at the same time, as one standard app (refresh token, every
process its own token): per tenant a tap and a target, on tenant 0 also a webhook-style
triggered tap (contacts and invoices), on tenant 2 a second orchestrated tap job. Each
tenant has a little more than a minute's budget of calls waiting.

- With the shared limiter (`limiter_url` to a redis-server the test starts,
  `max_app_calls_per_minute` 180): zero 429 answers; per tenant at least 57 calls (95% of
  60) in every minute that starts with a minute's work waiting, never more than 60 in a
  sliding minute; the app never more than 180 in a sliding minute and at least 171 (95%) in
  its busiest; every process exits 0.
- The same load with each process's own limiter, for contrast (stopped after
  `LOCAL_SECONDS`): 429 answers (asserted > 0), counted.

The log's arithmetic (arrival times, minutes from a tenant's first call) is test_load's.
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.proof.test_load import (
    TAP_STREAMS,
    Child,
    Minutes,
    minutes_of,
    tap_child,
    target_child,
    target_invoices,
)
from tests.redis_server import RedisServer
from tests.tap.conftest import catalog_for
from xero_core.limits import MINUTE_LIMIT
from xero_sandbox.testing import SandboxProcess

pytestmark = pytest.mark.load

SIZE = 300  # invoices per organisation, about
TENANTS = 3
APP_MINUTE = TENANTS * MINUTE_LIMIT  # the sandbox's lowered app limit: reached, not exceeded
FLOOR = math.ceil(0.95 * MINUTE_LIMIT)
APP_FLOOR = math.ceil(0.95 * APP_MINUTE)
LOCAL_SECONDS = 15.0
TIMEOUT = 150.0
HOOK_STREAMS = ["contacts", "invoices"]
JOB_B_STREAMS = ["bank_transactions", "payments"]
TARGET_RECORDS = (60, 150, 60)  # per tenant: invoices written 5 a call


def app_settings(sandbox: SandboxProcess, org: dict[str, Any]) -> dict[str, Any]:
    app = sandbox.app
    return {**org["settings"], "client_id": app["client_id"],
            "client_secret": app["client_secret"], "refresh_token": sandbox.refresh_token,
            "request_timeout": 60}


def start_all(sandbox: SandboxProcess, workdir: Path, extra: dict[str, Any]) -> list[Child]:
    """The 8 processes, started together; `extra` is the limiter's settings (or none)."""
    workdir.mkdir(parents=True, exist_ok=True)
    orgs = sandbox.orgs[:TENANTS]
    configs = [{**app_settings(sandbox, o), "page_size": 20, **extra} for o in orgs]
    catalog = catalog_for(configs[0], list(TAP_STREAMS))
    texts = [target_invoices(sandbox, o["tenant_id"], n) for o, n in zip(orgs, TARGET_RECORDS,
                                                                           strict=True)]
    children = []
    for i, cfg in enumerate(configs):
        children.append(tap_child(f"tap-{i}", workdir, cfg, catalog))
        target_cfg = {**cfg, "batch_size": 5,
                      "rejects_path": str(workdir / f"target-{i}.rejects.jsonl")}
        target_cfg.pop("page_size")
        children.append(target_child(f"target-{i}", workdir, target_cfg, texts[i]))
    children.append(tap_child("hook-0", workdir, configs[0], catalog_for(configs[0],
                                                                         HOOK_STREAMS)))
    children.append(tap_child("job-b-2", workdir, configs[2], catalog_for(configs[2],
                                                                          JOB_B_STREAMS)))
    return children


def wait_all(children: list[Child], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    try:
        while any(c.poll() is None for c in children) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        for c in children:
            c.kill()


def app_most(entries: list[dict[str, Any]], tenants: list[str]) -> int:
    """The most admitted calls of the app (all tenants) in any sliding 60 s window."""
    times = sorted(float(e["time"]) - float(e.get("duration_ms") or 0) / 1000 for e in entries
                   if e.get("tenant_id") in tenants and e.get("status") != 429)
    return Minutes(times).most()


def figures(entries: list[dict[str, Any]], tenants: list[str]) -> dict[str, Minutes]:
    return {t: minutes_of(entries, t) for t in tenants}


@pytest.mark.timeout(300)
def test_eight_processes_share_the_budget_without_a_429(tmp_path: Path) -> None:
    began = time.monotonic()
    redis = RedisServer(tmp_path / "redis", password="load-pass")
    try:
        with SandboxProcess(size=SIZE, orgs=TENANTS, limits=True) as sandbox:
            tenants = [o["tenant_id"] for o in sandbox.orgs[:TENANTS]]
            sandbox.clean()
            sandbox.set_app_minute_limit(APP_MINUTE)
            shared = start_all(sandbox, tmp_path / "shared",
                               {"limiter_url": redis.url, "limiter_fallback": "stop",
                                "max_app_calls_per_minute": APP_MINUTE})
            wait_all(shared, TIMEOUT)
            shared_log = sandbox.requests()
            (tmp_path / "shared-requests.json").write_text(json.dumps(shared_log))

            sandbox.clean()  # fresh data and counters, then the same load, each on its own
            sandbox.set_app_minute_limit(APP_MINUTE)
            local = start_all(sandbox, tmp_path / "local", {})
            wait_all(local, LOCAL_SECONDS)
            local_log = sandbox.requests()
    finally:
        redis.stop()

    shared_by = figures(shared_log, tenants)
    local_by = figures(local_log, tenants)
    shared_429 = Counter(e.get("status") for e in shared_log)[429]
    local_429 = Counter(e.get("status") for e in local_log)[429]
    report = [f"wall {time.monotonic() - began:.0f}s; shared: 429s {shared_429}, app most "
              f"{app_most(shared_log, tenants)} in a sliding minute (limit {APP_MINUTE}); "
              f"local ({LOCAL_SECONDS:.0f}s): 429s {local_429}"]
    for t in tenants:
        report.append(f"  shared {t[:8]}: {shared_by[t].describe()}")
    for t in tenants:
        report.append(f"  local  {t[:8]}: {local_by[t].describe()}")
    text = "\n".join(report)
    print(text)

    failed = [f"{c.name} exited {c.returncode}: {c.stderr[-800:]}" for c in shared
              if c.returncode != 0]
    assert not failed, text + "\n" + "\n".join(failed)
    assert shared_429 == 0, text
    for t in tenants:
        m = shared_by[t]
        assert m.had_to_wait(1), f"{t}: less than a minute's budget of work\n{text}"
        assert m.least() >= FLOOR, f"{t}: minute under-used\n{text}"
        assert m.most() <= MINUTE_LIMIT, text
    assert APP_FLOOR <= app_most(shared_log, tenants) <= APP_MINUTE, text
    assert all("falling back" not in c.stderr for c in shared), text
    assert local_429 > 0, text
