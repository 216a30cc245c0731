"""`xero-auth login` against the sandbox, then a tap run on the stored token (no refresh_token
in the tap's config); a denied consent and a forged state store nothing; status and revoke."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from urllib.parse import urlsplit

import requests

from tests.auth.conftest import app_args, login, query_of, with_state, xero_auth
from tests.tap.conftest import FAST, run_tap


def _tap_config(sandbox, store: Path) -> dict:
    return {"client_id": sandbox.app["client_id"],
            "client_secret": sandbox.app["client_secret"], "api_url": sandbox.url,
            "identity_url": sandbox.url, "login_url": sandbox.url,
            "token_store_path": str(store), **FAST}


def _secrets(store: Path) -> list[str]:
    record = json.loads(store.read_text())
    return [record["access_token"], record["refresh_token"]]


def test_login_then_the_tap_runs_on_the_stored_token(clean_sandbox, tmp_path) -> None:
    store = tmp_path / "tokens.json"
    done = login(clean_sandbox, store, "--streams", "contacts,invoices")
    assert done.code == 0, done.stderr
    assert done.redirect is not None and done.redirect.status_code == 200
    asked = query_of(done.url)
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert urlsplit(asked["redirect_uri"]).hostname == "127.0.0.1"
    scopes = asked["scope"].split()
    assert {"offline_access", "openid", "profile", "email", "accounting.contacts.read",
            "accounting.invoices.read"} <= set(scopes)
    assert not any(s.startswith("accounting.settings") for s in scopes)
    # The store: 0600, keyed by client id and hosts; the tenants were printed.
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    record = json.loads(store.read_text())
    assert record["client_id"] == clean_sandbox.app["client_id"]
    assert record["hosts"] == {"identity_url": clean_sandbox.url, "api_url": clean_sandbox.url}
    for org in clean_sandbox.orgs:
        assert org["tenant_id"] in done.stdout and org["tenant_name"] in done.stdout
    for secret in [*_secrets(store), clean_sandbox.app["client_secret"]]:
        assert secret not in done.stdout + done.stderr
    # The tap: no refresh_token in its config, the stored one is used (and rotated).
    config = _tap_config(clean_sandbox, store)
    first_refresh = record["refresh_token"]
    clean_sandbox.advance_clock(3600)  # the login's access token has expired: a refresh
    run = run_tap(clean_sandbox, config, ["contacts"])
    assert run.records["contacts"]
    assert {r["_tenant_id"] for r in run.records["contacts"]} == {
        o["tenant_id"] for o in clean_sandbox.orgs}
    grants = [r.get("grant_type") for r in clean_sandbox.requests()]
    assert "authorization_code" in grants and "refresh_token" in grants
    assert "client_credentials" not in grants
    rotated = json.loads(store.read_text())
    assert rotated["refresh_token"] != first_refresh
    assert rotated["scope"] and rotated["tenants"] == record["tenants"]


def test_the_consent_may_give_fewer_tenants(clean_sandbox, tmp_path) -> None:
    org0, org1 = clean_sandbox.orgs[:2]
    clean_sandbox.set_consent(tenant_ids=[org0["tenant_id"]])
    store = tmp_path / "tokens.json"
    done = login(clean_sandbox, store, "--scopes", "accounting.contacts.read")
    assert done.code == 0, done.stderr
    assert org0["tenant_id"] in done.stdout and org1["tenant_id"] not in done.stdout
    run = run_tap(clean_sandbox, _tap_config(clean_sandbox, store), ["contacts"])
    assert {r["_tenant_id"] for r in run.records["contacts"]} == {org0["tenant_id"]}


def test_a_denied_consent_stores_nothing(clean_sandbox, tmp_path) -> None:
    clean_sandbox.set_consent(deny=True)
    store = tmp_path / "tokens.json"
    done = login(clean_sandbox, store)
    assert done.code != 0
    assert "access_denied" in done.stderr and "denied" in done.stderr
    assert done.redirect is not None and done.redirect.status_code == 400
    assert not store.exists()
    assert "authorization_code" not in [r.get("grant_type") for r in clean_sandbox.requests()]


def test_a_wrong_state_stores_nothing(clean_sandbox, tmp_path) -> None:
    store = tmp_path / "tokens.json"
    seen: list[str] = []

    def stray_path(location: str) -> None:
        # Another path on the redirect server is a 404 and does not end the wait.
        other = location.replace("/callback", "/favicon.ico", 1).split("?")[0]
        seen.append(str(requests.get(other, timeout=10).status_code))

    done = login(clean_sandbox, store, before=stray_path,
                 tamper=lambda location: with_state(location, "forged"))
    assert seen == ["404"]
    assert done.code != 0
    assert "state does not match" in done.stderr
    assert not store.exists()
    assert "authorization_code" not in [r.get("grant_type") for r in clean_sandbox.requests()]


def test_status_then_revoke(clean_sandbox, tmp_path) -> None:
    store = tmp_path / "tokens.json"
    assert login(clean_sandbox, store).code == 0
    tokens = _secrets(store)
    status = xero_auth(clean_sandbox, "status", *app_args(clean_sandbox, store))
    assert status.returncode == 0, status.stderr
    assert "connected: " in status.stdout and "access token: expires in" in status.stdout
    assert "accounting.invoices.read" in status.stdout and "offline_access" in status.stdout
    assert clean_sandbox.orgs[0]["tenant_id"] in status.stdout
    for secret in tokens:
        assert secret not in status.stdout + status.stderr

    revoke = xero_auth(clean_sandbox, "revoke", *app_args(clean_sandbox, store))
    assert revoke.returncode == 0, revoke.stderr
    assert not store.exists()
    refused = requests.post(f"{clean_sandbox.url}/connect/token",
                            data={"grant_type": "refresh_token", "refresh_token": tokens[1]},
                            auth=(clean_sandbox.app["client_id"],
                                  clean_sandbox.app["client_secret"]), timeout=10)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    gone = requests.get(f"{clean_sandbox.url}/connections", timeout=10,
                        headers={"Authorization": f"Bearer {tokens[0]}"})
    assert gone.status_code == 401
    after = xero_auth(clean_sandbox, "status", *app_args(clean_sandbox, store))
    assert after.returncode == 1 and "no stored token" in after.stdout
    again = xero_auth(clean_sandbox, "revoke", *app_args(clean_sandbox, store))
    assert again.returncode == 1 and "no stored refresh token" in again.stderr


def test_login_reads_the_tap_config(clean_sandbox, tmp_path) -> None:
    """--config: the app, hosts and token store come from a tap config file."""
    store = tmp_path / "tokens.json"
    config = tmp_path / "config.json"
    config.write_text(json.dumps(_tap_config(clean_sandbox, store)))
    status = xero_auth(clean_sandbox, "status", "--config", str(config))
    assert status.returncode == 1 and "no stored token" in status.stdout
    bad = xero_auth(clean_sandbox, "status", "--config", str(config), "--login-url",
                    "http://example.com")
    assert bad.returncode == 1 and "login_url must use https" in bad.stderr


def test_a_pkce_app_logs_in_without_a_secret(clean_sandbox, tmp_path) -> None:
    """A PKCE app (no client secret): code_verifier alone proves the client; its refresh token
    works with client_id in the form; status and revoke need no secret either."""
    client_id = clean_sandbox.info["pkce_app"]["client_id"]
    store = tmp_path / "tokens.json"
    done = login(clean_sandbox, store, "--scopes", "accounting.contacts.read",
                 client_id=client_id)
    assert done.code == 0, done.stderr
    record = json.loads(store.read_text())
    assert record["client_id"] == client_id and record["tenants"]
    refreshed = requests.post(f"{clean_sandbox.url}/connect/token", timeout=10,
                              data={"grant_type": "refresh_token", "client_id": client_id,
                                    "refresh_token": record["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    args = app_args(clean_sandbox, store, client_id)
    assert xero_auth(clean_sandbox, "status", *args, secret=False).returncode == 0
    revoked = xero_auth(clean_sandbox, "revoke", *args, secret=False)
    assert revoked.returncode == 0, revoked.stderr
    assert not store.exists()
