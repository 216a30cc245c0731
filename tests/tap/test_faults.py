"""Faults: each one is retried to a complete sync, or stops one tenant or one stream cleanly."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tap_xero.tap import TenantSyncError
from tests.tap.conftest import admin_post, admin_records, api_calls, app_config, org_config, run_tap

INVOICES = "/api.xro/2.0/Invoices"


def _held(sandbox: Any, index: int = 0) -> set[str]:
    return {r["InvoiceID"] for r in admin_records(sandbox, sandbox.orgs[index]["tenant_id"],
                                                  "invoices")}


@pytest.mark.parametrize("kind", ["429-minute", "429-concurrent", "500", "502",
                                  "503-offline", "504", "reset"])
def test_transient_fault_is_retried_to_a_complete_sync(clean_sandbox: Any, kind: str) -> None:
    sandbox = clean_sandbox
    sandbox.fault(kind, path="/Invoices", nth=2, count=1, retry_after=1)
    run = run_tap(sandbox, org_config(sandbox, 0, page_size=10), ["invoices"])
    emitted = run.ids("invoices", "InvoiceID")
    assert sorted(emitted) == sorted(_held(sandbox))
    calls = api_calls(sandbox, INVOICES)
    faulted = [c for c in calls if c["fault"]]
    assert len(faulted) == 1
    pages = [c["query"]["page"] for c in calls]
    assert pages.count("2") == 2  # the faulted page, asked again once
    assert len(calls) == len(set(pages)) + 1


def test_read_timeout_is_retried(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    sandbox.fault("slow", path="/Invoices", nth=1, count=1, seconds=2)
    run = run_tap(sandbox, org_config(sandbox, 0, request_timeout=0.5), ["invoices"])
    assert sorted(run.ids("invoices", "InvoiceID")) == sorted(_held(sandbox))
    # The slow call is logged when the server finishes it, after our retry: wait for it.
    deadline = time.monotonic() + 5
    while len(api_calls(sandbox, INVOICES)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    calls = api_calls(sandbox, INVOICES)
    assert len(calls) == 2 and [c["fault"] for c in calls].count("slow") == 1


def test_offline_tenant_fails_alone_and_the_run_fails_at_the_end(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    down, up = sandbox.orgs[0]["tenant_id"], sandbox.orgs[1]["tenant_id"]
    sandbox.fault("503-offline", tenant_id=down, count=None)
    run = run_tap(sandbox, app_config(sandbox, max_retries=2), ["currencies", "invoices"],
                  expect_error=True)
    assert isinstance(run.error, TenantSyncError) and down in str(run.error)
    assert {r["_tenant_id"] for r in run.records["invoices"]} == {up}
    assert set(run.ids("invoices", "InvoiceID")) == _held(sandbox, 1)
    # The failed tenant is skipped after its first failure: 1 call + 2 retries, not per stream.
    assert len([c for c in api_calls(sandbox) if c["tenant_id"] == down]) == 3
    parts = run.state["bookmarks"]["invoices"]["partitions"]
    assert [p["context"]["_tenant_id"] for p in parts if "replication_key_value" in p] == [up]


def test_day_limit_stops_that_tenant_cleanly(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    down = sandbox.orgs[0]["tenant_id"]
    sandbox.fault("429-day", tenant_id=down, count=None, retry_after=3600)
    run = run_tap(sandbox, app_config(sandbox), ["invoices"], expect_error=True)
    assert "day limit" in str(run.error)
    assert {r["_tenant_id"] for r in run.records["invoices"]} == {sandbox.orgs[1]["tenant_id"]}
    assert len([c for c in api_calls(sandbox) if c["tenant_id"] == down]) == 1


def test_403_skips_one_stream_with_a_warning(clean_sandbox: Any,
                                             caplog: pytest.LogCaptureFixture) -> None:
    sandbox = clean_sandbox
    sandbox.fault("403-scope", path="/Journals", count=None)
    run = run_tap(sandbox, org_config(sandbox, 0), ["journals", "currencies"])
    assert run.records["journals"] == [] and run.records["currencies"]
    warning = [r.getMessage() for r in caplog.records if "answered 403" in r.getMessage()]
    assert warning and "journals" in warning[0] and "accounting.journals" in warning[0]
    assert sandbox.orgs[0]["tenant_id"] in warning[0]


def test_missing_scope_skips_streams_without_failing(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    org = sandbox.orgs[0]["settings"]
    granted = admin_post(sandbox, "scopes", {"client_id": org["client_id"]})["scopes"]
    narrowed = [s for s in granted if not s.startswith(("accounting.journals", "projects"))]
    admin_post(sandbox, "scopes", {"client_id": org["client_id"], "scopes": narrowed})
    try:
        run = run_tap(sandbox, org_config(sandbox, 0), ["journals", "projects", "currencies"])
    finally:
        admin_post(sandbox, "scopes", {"client_id": org["client_id"], "scopes": granted})
    assert run.records["currencies"]
    assert not run.records["journals"] and not run.records["projects"]


def test_tenant_answering_403_everywhere_is_reported_as_failed(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    revoked, fine = sandbox.orgs[0]["tenant_id"], sandbox.orgs[1]["tenant_id"]
    sandbox.fault("403-scope", tenant_id=revoked, count=None)
    run = run_tap(sandbox, app_config(sandbox), ["currencies", "invoices"], expect_error=True)
    assert isinstance(run.error, TenantSyncError) and "revoked" in str(run.error)
    assert {r["_tenant_id"] for r in run.records["invoices"]} == {fine}
