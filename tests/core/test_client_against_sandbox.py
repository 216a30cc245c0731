"""The shared XeroClient against the running sandbox: auth, tenants, limits, retries, errors."""

from __future__ import annotations

import json
import os
import stat
from typing import Any

import pytest

from xero_core.errors import (
    AuthError,
    ConfigError,
    DayLimitError,
    ForbiddenError,
    ServerError,
    ValidationError,
)
from xero_core.http import XeroClient

INVOICES = "/api.xro/2.0/Invoices"


class Sleeps(list):
    """Records the waits the client asks for instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(settings: dict[str, Any], **kw: Any) -> tuple[XeroClient, Sleeps]:
    sleeps = Sleeps()
    cfg = dict(settings, **{k: v for k, v in kw.items() if k != "client_kw"})
    return XeroClient.from_config(cfg, sleep=sleeps), sleeps


def test_client_credentials_reach_one_tenant(sandbox) -> None:
    org = sandbox.orgs[0]
    client, _ = client_for(org["settings"])
    tenants = client.resolve_tenants()
    assert [t["tenantId"] for t in tenants] == [org["tenant_id"]]
    assert client.resolve_tenants(tenant_name=org["tenant_name"].upper())[0]["tenantId"] == (
        org["tenant_id"])
    with pytest.raises(ConfigError, match="not among this token's connections"):
        client.resolve_tenants(tenant_id="00000000-0000-0000-0000-000000000000")
    body = client.get_json(INVOICES, tenant_id=org["tenant_id"], params={"pageSize": 5})
    assert len(body["Invoices"]) == 5


def test_connections_read_once(sandbox) -> None:
    client, _ = client_for(sandbox.orgs[0]["settings"])
    sandbox.clear_requests()
    client.resolve_tenants()
    client.resolve_tenants(tenant_name=sandbox.orgs[0]["tenant_name"])
    assert [r["path"] for r in sandbox.requests()].count("/connections") == 1


def test_wrong_secret_is_a_clear_auth_error_without_the_secret(sandbox) -> None:
    settings = dict(sandbox.orgs[0]["settings"], client_secret="not-the-secret-xyz")
    client, _ = client_for(settings)
    with pytest.raises(AuthError, match="invalid_client") as info:
        client.resolve_tenants()
    assert "not-the-secret-xyz" not in str(info.value)


def test_refresh_token_rotates_into_the_token_store(sandbox, tmp_path) -> None:
    store = tmp_path / "tokens.json"
    settings = {"api_url": sandbox.url, "identity_url": sandbox.url,
                "client_id": sandbox.app["client_id"],
                "client_secret": sandbox.app["client_secret"],
                "refresh_token": sandbox.refresh_token, "token_store_path": str(store)}
    first, _ = client_for(settings)
    assert len(first.resolve_tenants()) == len(sandbox.orgs)  # one token, every organisation
    saved = json.loads(store.read_text())
    assert saved["refresh_token"] != sandbox.refresh_token
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600
    # Past the old token's grace period only the rotated one works: the store must be used.
    sandbox.advance_clock(31 * 60)
    saved["access_token"] = None
    store.write_text(json.dumps(saved))
    second, _ = client_for(settings)
    assert len(second.resolve_tenants()) == len(sandbox.orgs)
    assert json.loads(store.read_text())["refresh_token"] not in (
        saved["refresh_token"], sandbox.refresh_token)
    # Without the store, the configured (stale) token is refused with a clear message.
    stale, _ = client_for(dict(settings, token_store_path=None))
    with pytest.raises(AuthError, match="invalid_grant"):
        stale.resolve_tenants()


@pytest.mark.parametrize("problem", ["minute", "concurrent", "appminute"])
def test_429_waits_exactly_retry_after(clean_sandbox, problem: str) -> None:
    org = clean_sandbox.orgs[0]
    client, sleeps = client_for(org["settings"])
    clean_sandbox.fault(f"429-{problem}", path="/Invoices", count=1, retry_after=7)
    body = client.get_json(INVOICES, tenant_id=org["tenant_id"])
    assert body["Invoices"]
    assert sleeps == [7]


def test_day_limit_stops_cleanly_unless_told_to_wait(clean_sandbox) -> None:
    org = clean_sandbox.orgs[0]
    client, sleeps = client_for(org["settings"])
    clean_sandbox.fault("429-day", path="/Invoices", count=1, retry_after=3600)
    with pytest.raises(DayLimitError, match="day limit"):
        client.get_json(INVOICES, tenant_id=org["tenant_id"])
    assert sleeps == []
    waiting, sleeps = client_for(org["settings"], wait_on_day_limit=True)
    clean_sandbox.fault("429-day", path="/Invoices", count=1, retry_after=3600)
    assert waiting.get_json(INVOICES, tenant_id=org["tenant_id"])["Invoices"]
    assert sleeps == [3600]


@pytest.mark.parametrize("kind", ["500", "502", "503-offline", "504", "reset"])
def test_transient_faults_are_retried_with_backoff(clean_sandbox, kind: str) -> None:
    org = clean_sandbox.orgs[0]
    client, sleeps = client_for(org["settings"])
    clean_sandbox.fault(kind, path="/Invoices", count=2)
    assert client.get_json(INVOICES, tenant_id=org["tenant_id"])["Invoices"]
    assert len(sleeps) == 2 and all(0 <= s <= 2 for s in sleeps)  # full jitter of 1s, 2s


def test_transient_faults_past_max_retries_name_the_cause(clean_sandbox) -> None:
    org = clean_sandbox.orgs[0]
    client, sleeps = client_for(org["settings"], max_retries=2)
    clean_sandbox.fault("503-offline", path="/Invoices", count=10)
    with pytest.raises(ServerError, match="Organisation is offline"):
        client.get_json(INVOICES, tenant_id=org["tenant_id"])
    assert len(sleeps) == 2


def test_read_timeout_is_retried(clean_sandbox) -> None:
    org = clean_sandbox.orgs[0]
    client, sleeps = client_for(org["settings"], request_timeout=0.5)
    clean_sandbox.fault("slow", path="/Invoices", count=1, seconds=2)
    assert client.get_json(INVOICES, tenant_id=org["tenant_id"])["Invoices"]
    assert len(sleeps) == 1


def test_expired_token_is_refreshed_once(clean_sandbox) -> None:
    org = clean_sandbox.orgs[0]
    client, _ = client_for(org["settings"])
    client.get_json(INVOICES, tenant_id=org["tenant_id"])
    before = client.auth.refreshes
    clean_sandbox.fault("401-expired", path="/Invoices", count=1)
    assert client.get_json(INVOICES, tenant_id=org["tenant_id"])["Invoices"]
    assert client.auth.refreshes == before + 1


def test_missing_scope_is_forbidden_and_validation_is_typed(clean_sandbox) -> None:
    org = clean_sandbox.orgs[0]
    client, _ = client_for(org["settings"])
    clean_sandbox.fault("403-scope", path="/Journals", count=1)
    with pytest.raises(ForbiddenError):
        client.get_json("/api.xro/2.0/Journals", tenant_id=org["tenant_id"])
    with pytest.raises(ValidationError) as info:
        client.request("PUT", INVOICES, tenant_id=org["tenant_id"],
                       json={"Invoices": [{"Type": "NOPE"}]})
    assert info.value.messages


def test_client_stays_under_the_minute_limit(clean_sandbox) -> None:
    """65 calls through the real limiter: the sandbox (60/min) never answers 429."""
    org = clean_sandbox.orgs[0]
    client, sleeps = client_for(org["settings"])
    limiter = client.limiters.get(org["tenant_id"])
    fake_now = [0.0]
    limiter.clock = limiter._minute.clock = lambda: fake_now[0]  # type: ignore[method-assign]
    limiter._sleep = lambda s: (fake_now.__setitem__(0, fake_now[0] + s),  # type: ignore[assignment]
                                clean_sandbox.advance_clock(s))
    for _ in range(65):
        client.get_json("/api.xro/2.0/Currencies", tenant_id=org["tenant_id"])
    statuses = [r["status"] for r in clean_sandbox.requests() if r["path"].endswith("Currencies")]
    assert len(statuses) == 65 and 429 not in statuses
    assert limiter.waited > 0 and sleeps == []


def test_spent_day_budget_is_not_sent(clean_sandbox) -> None:
    """X-DayLimit-Remaining reaching 0 stops the next call before it is sent (no 429 spent)."""
    org = clean_sandbox.orgs[0]
    tid = org["tenant_id"]
    client, sleeps = client_for(org["settings"])
    clean_sandbox.use_limits(tid, day=4998)
    client.get_json(INVOICES, tenant_id=tid)
    client.get_json(INVOICES, tenant_id=tid)  # the 5,000th call: the header now says 0
    assert client.limiters.get(tid).day_remaining == 0
    sent = len(clean_sandbox.requests())
    with pytest.raises(DayLimitError, match="X-DayLimit-Remaining: 0"):
        client.get_json(INVOICES, tenant_id=tid)
    assert len(clean_sandbox.requests()) == sent and sleeps == []
    assert 429 not in [r["status"] for r in clean_sandbox.requests()]


def test_max_calls_per_minute_is_the_limiter_budget(clean_sandbox) -> None:
    org = clean_sandbox.orgs[0]
    client, _ = client_for(org["settings"], max_calls_per_minute=7)
    limiter = client.limiters.get(org["tenant_id"])
    assert limiter._minute.limit == 7
    assert client_for(org["settings"])[0].limiters.get(org["tenant_id"])._minute.limit == 60


@pytest.mark.parametrize("kind", ["503-offline", "reset"])
def test_identity_server_faults_are_retried(clean_sandbox, kind: str) -> None:
    org = clean_sandbox.orgs[0]
    client, sleeps = client_for(org["settings"])
    clean_sandbox.fault(kind, path="/connect/token", count=2)
    assert client.get_json(INVOICES, tenant_id=org["tenant_id"])["Invoices"]
    tokens = [r for r in clean_sandbox.requests() if r["path"] == "/connect/token"]
    assert len(tokens) == 3 and len(sleeps) == 2


def test_identity_server_down_keeps_the_stored_refresh_token(clean_sandbox, tmp_path) -> None:
    """A refresh that fails for the server's sake must not fall back to (and burn) the
    configured token, nor touch the store: the next run still holds a good token."""
    store = tmp_path / "tokens.json"
    settings = {"api_url": clean_sandbox.url, "identity_url": clean_sandbox.url,
                **clean_sandbox.app, "refresh_token": clean_sandbox.refresh_token,
                "token_store_path": str(store)}
    first, _ = client_for(settings)
    first.connections()
    saved = json.loads(store.read_text())
    clean_sandbox.fault("500", path="/connect/token", count=None)
    again, sleeps = client_for({**settings, "max_retries": 2})
    again.auth._access_token = None  # force a refresh
    with pytest.raises(AuthError, match="after 2 retries"):
        again.auth.access_token()
    assert len(sleeps) == 2 and json.loads(store.read_text()) == saved
    clean_sandbox.clear_faults()
    third, _ = client_for(settings)
    third.auth._access_token = None
    assert third.auth.access_token()
