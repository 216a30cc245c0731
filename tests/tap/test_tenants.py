"""Tenants and tokens: every organisation of a standard app, state per tenant, rotation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tap_xero.tap import TenantSyncError
from tests.tap.conftest import (
    admin_records,
    api_calls,
    app_config,
    org_config,
    run_tap,
)
from xero_core.errors import AuthError


def test_every_tenant_with_its_own_state(clean_sandbox: Any, tmp_path: Path) -> None:
    sandbox = clean_sandbox
    config = app_config(sandbox, token_store_path=str(tmp_path / "tokens.json"))
    first = run_tap(sandbox, config, ["invoices", "currencies"])
    tenants = [o["tenant_id"] for o in sandbox.orgs]
    for tenant in tenants:
        held = {r["InvoiceID"] for r in admin_records(sandbox, tenant, "invoices")}
        got = {r["InvoiceID"] for r in first.records["invoices"] if r["_tenant_id"] == tenant}
        assert got == held
    parts = first.state["bookmarks"]["invoices"]["partitions"]
    assert sorted(p["context"]["_tenant_id"] for p in parts) == sorted(tenants)
    # Codes repeat across tenants, so the tenant is part of every key.
    keys = {(r["_tenant_id"], r["Code"]) for r in first.records["currencies"]}
    assert len(keys) == len(first.records["currencies"])

    sandbox.clear_requests()
    run_tap(sandbox, config, ["invoices"], state=first.state)
    by_tenant = {c["tenant_id"]: c["headers"].get("If-Modified-Since")
                 for c in api_calls(sandbox, "/Invoices")}
    assert set(by_tenant) == set(tenants)
    assert all(by_tenant.values())


def test_tenant_id_and_name_select_tenants(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    second = sandbox.orgs[1]
    run = run_tap(sandbox, app_config(sandbox, tenant_name=second["tenant_name"]), ["organisation"])
    assert {r["_tenant_id"] for r in run.records["organisation"]} == {second["tenant_id"]}
    both = ",".join(o["tenant_id"] for o in sandbox.orgs)
    run = run_tap(sandbox, app_config(sandbox, tenant_id=both), ["organisation"])
    assert len(run.records["organisation"]) == len(sandbox.orgs)


def test_unknown_tenant_fails_at_the_end_after_the_others(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    ids = f"{sandbox.orgs[0]['tenant_id']},00000000-0000-0000-0000-000000000000"
    run = run_tap(sandbox, app_config(sandbox, tenant_id=ids), ["organisation"], expect_error=True)
    assert isinstance(run.error, TenantSyncError)
    assert "00000000-0000-0000-0000-000000000000" in str(run.error)
    assert len(run.records["organisation"]) == 1


def test_rotated_refresh_token_is_used_by_the_next_run(clean_sandbox: Any,
                                                       tmp_path: Path) -> None:
    sandbox = clean_sandbox
    store = tmp_path / "tokens.json"
    config = app_config(sandbox, token_store_path=str(store))
    run_tap(sandbox, config, ["organisation"])
    rotated = json.loads(store.read_text())["refresh_token"]
    assert rotated != sandbox.refresh_token
    assert store.stat().st_mode & 0o777 == 0o600

    sandbox.advance_clock(31 * 60)  # the configured (first) token has died; access tokens too
    sandbox.clear_requests()
    run = run_tap(sandbox, config, ["organisation"])  # same config: still the first refresh token
    assert len(run.records["organisation"]) == len(sandbox.orgs)
    assert json.loads(store.read_text())["refresh_token"] not in (rotated, sandbox.refresh_token)

    # Without the store the first token is refused: the store is what kept us working.
    with pytest.raises(AuthError, match="invalid_grant"):
        run_tap(sandbox, app_config(sandbox), ["organisation"])


def test_token_expiry_mid_run_refreshes_and_retries(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    sandbox.fault("401-expired", path="/Invoices", nth=2)
    config = org_config(sandbox, 0, page_size=10)
    run = run_tap(sandbox, config, ["invoices"])
    held = admin_records(sandbox, sandbox.orgs[0]["tenant_id"], "invoices")
    assert len(run.records["invoices"]) == len(held)
    statuses = [c["status"] for c in api_calls(sandbox, "/Invoices")]
    assert statuses.count(401) == 1
    tokens = [r for r in sandbox.requests() if r["path"] == "/connect/token"]
    assert len(tokens) == 2  # the first token, and one refresh after the 401

