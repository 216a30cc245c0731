"""The sandbox's identity server and the token / tenant / scope checks of API calls."""

from __future__ import annotations

import requests

INVOICES = "/api.xro/2.0/Invoices"


def _token(sandbox, data, auth=None) -> requests.Response:
    return sandbox.http.post(f"{sandbox.url}/connect/token", data=data, auth=auth, timeout=10)


def _custom_token(sandbox, org: int = 0, **form) -> dict:
    s = sandbox.orgs[org]["settings"]
    resp = _token(sandbox, {"grant_type": "client_credentials", **form},
                  (s["client_id"], s["client_secret"]))
    assert resp.status_code == 200, resp.text
    return resp.json()


def _get(sandbox, path, token, tenant_id=None, **kw) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    if tenant_id is not None:
        headers["Xero-Tenant-Id"] = tenant_id
    return sandbox.http.get(sandbox.url + path, headers=headers, timeout=10, **kw)


def test_client_credentials_answers_a_bearer_token(clean_sandbox) -> None:
    body = _custom_token(clean_sandbox)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1800
    assert "accounting.transactions" in body["scope"].split()
    assert "accounting.journals.read" in body["scope"].split()
    assert "refresh_token" not in body


def test_requested_scope_narrows_the_token(clean_sandbox) -> None:
    body = _custom_token(clean_sandbox, scope="accounting.contacts.read")
    assert body["scope"] == "accounting.contacts.read"
    org = clean_sandbox.orgs[0]
    assert _get(clean_sandbox, "/api.xro/2.0/Contacts", body["access_token"],
                org["tenant_id"]).status_code == 200
    assert _get(clean_sandbox, INVOICES, body["access_token"],
                org["tenant_id"]).status_code == 403


def test_wrong_secret_or_unknown_client_is_invalid_client(clean_sandbox) -> None:
    s = clean_sandbox.orgs[0]["settings"]
    for auth in ((s["client_id"], "wrong"), ("UNKNOWN", s["client_secret"])):
        resp = _token(clean_sandbox, {"grant_type": "client_credentials"}, auth)
        assert resp.status_code == 400
        assert resp.json() == {"error": "invalid_client"}
    # The standard app cannot use client_credentials; a custom connection cannot refresh.
    app = clean_sandbox.app
    resp = _token(clean_sandbox, {"grant_type": "client_credentials"},
                  (app["client_id"], app["client_secret"]))
    assert resp.json() == {"error": "unauthorized_client"}
    resp = _token(clean_sandbox, {"grant_type": "password"}, (s["client_id"], s["client_secret"]))
    assert resp.json() == {"error": "unsupported_grant_type"}


def test_refresh_token_rotates_with_a_grace_period(clean_sandbox) -> None:
    app = clean_sandbox.app
    auth = (app["client_id"], app["client_secret"])
    first = _token(clean_sandbox, {"grant_type": "refresh_token",
                                   "refresh_token": clean_sandbox.refresh_token}, auth)
    assert first.status_code == 200, first.text
    rotated = first.json()["refresh_token"]
    assert rotated != clean_sandbox.refresh_token
    # Client auth by form fields works too, and the old token still works within the grace.
    again = _token(clean_sandbox, {"grant_type": "refresh_token",
                                   "refresh_token": clean_sandbox.refresh_token,
                                   "client_id": app["client_id"],
                                   "client_secret": app["client_secret"]})
    assert again.status_code == 200
    clean_sandbox.advance_clock(31 * 60)
    stale = _token(clean_sandbox, {"grant_type": "refresh_token",
                                   "refresh_token": clean_sandbox.refresh_token}, auth)
    assert stale.status_code == 400 and stale.json() == {"error": "invalid_grant"}
    fresh = _token(clean_sandbox, {"grant_type": "refresh_token", "refresh_token": rotated},
                   auth)
    assert fresh.status_code == 200
    assert _token(clean_sandbox, {"grant_type": "refresh_token", "refresh_token": "nope"},
                  auth).json() == {"error": "invalid_grant"}
    clean_sandbox.reset()  # the initial refresh token works again after a reset
    assert _token(clean_sandbox, {"grant_type": "refresh_token",
                                  "refresh_token": clean_sandbox.refresh_token},
                  auth).status_code == 200


def test_connections_list_the_tenants_a_token_reaches(clean_sandbox) -> None:
    custom = _custom_token(clean_sandbox, org=1)["access_token"]
    conns = _get(clean_sandbox, "/connections", custom).json()
    org = clean_sandbox.orgs[1]
    assert [(c["tenantId"], c["tenantName"], c["tenantType"]) for c in conns] == [
        (org["tenant_id"], org["tenant_name"], "ORGANISATION")]
    assert set(conns[0]) == {"id", "authEventId", "tenantId", "tenantType", "tenantName",
                             "createdDateUtc", "updatedDateUtc"}
    app = clean_sandbox.app
    rt = _token(clean_sandbox, {"grant_type": "refresh_token",
                                "refresh_token": clean_sandbox.refresh_token},
                (app["client_id"], app["client_secret"])).json()
    conns = _get(clean_sandbox, "/connections", rt["access_token"]).json()
    assert sorted(c["tenantId"] for c in conns) == sorted(
        o["tenant_id"] for o in clean_sandbox.orgs)
    assert _get(clean_sandbox, "/connections", "garbage").status_code == 401


def test_missing_invalid_and_expired_tokens_answer_401(clean_sandbox) -> None:
    tenant = clean_sandbox.orgs[0]["tenant_id"]
    resp = clean_sandbox.http.get(clean_sandbox.url + INVOICES, timeout=10,
                                  headers={"Xero-Tenant-Id": tenant, "Accept": "application/json"})
    assert resp.status_code == 401 and resp.json()["Title"] == "Unauthorized"
    assert _get(clean_sandbox, INVOICES, "not-a-token", tenant).status_code == 401
    clean_sandbox.set_token_lifetime(60)
    token = _custom_token(clean_sandbox)
    assert token["expires_in"] == 60
    assert _get(clean_sandbox, INVOICES, token["access_token"], tenant).status_code == 200
    clean_sandbox.advance_clock(61)
    resp = _get(clean_sandbox, INVOICES, token["access_token"], tenant)
    assert resp.status_code == 401
    assert resp.json()["Detail"].startswith("TokenExpired: ")


def test_tenant_header_rules(clean_sandbox) -> None:
    org0, org1 = clean_sandbox.orgs
    custom = _custom_token(clean_sandbox)["access_token"]
    # A Custom Connection needs no Xero-Tenant-Id: its token reaches one organisation.
    assert _get(clean_sandbox, INVOICES, custom).status_code == 200
    assert _get(clean_sandbox, INVOICES, custom, org0["tenant_id"].upper()).status_code == 200
    other = _get(clean_sandbox, INVOICES, custom, org1["tenant_id"])
    assert other.status_code == 403 and other.json()["Detail"] == "AuthorizationUnsuccessful"
    app = clean_sandbox.app
    token = _token(clean_sandbox, {"grant_type": "refresh_token",
                                   "refresh_token": clean_sandbox.refresh_token},
                   (app["client_id"], app["client_secret"])).json()["access_token"]
    missing = _get(clean_sandbox, INVOICES, token)
    assert missing.status_code == 403 and missing.json()["Title"] == "Forbidden"
    for org in (org0, org1):
        body = _get(clean_sandbox, "/api.xro/2.0/Organisation", token, org["tenant_id"]).json()
        assert body["Organisations"][0]["Name"] == org["tenant_name"]


def test_restricted_scopes_answer_403(clean_sandbox) -> None:
    org = clean_sandbox.orgs[0]
    token = _custom_token(clean_sandbox)["access_token"]
    clean_sandbox.set_scopes(org["settings"]["client_id"],
                             ["accounting.transactions.read", "accounting.settings.read"])
    tenant = org["tenant_id"]
    assert _get(clean_sandbox, INVOICES, token, tenant).status_code == 200
    for path in ("/api.xro/2.0/Journals", "/api.xro/2.0/Contacts", "/api.xro/2.0/Reports/"
                 "BalanceSheet", "/assets.xro/1.0/AssetTypes", "/projects.xro/2.0/Projects"):
        resp = _get(clean_sandbox, path, token, tenant)
        assert resp.status_code == 403, path
        assert resp.json()["Detail"] == "AuthorizationUnsuccessful"
    # Read-only scopes do not allow writes.
    put = clean_sandbox.http.put(clean_sandbox.url + INVOICES, json={"Invoices": []},
                                 timeout=10, headers={"Authorization": f"Bearer {token}",
                                                      "Xero-Tenant-Id": tenant,
                                                      "Accept": "application/json"})
    assert put.status_code == 403
    # A token asked for afterwards says what it holds; restoring grants everything again.
    assert set(_custom_token(clean_sandbox)["scope"].split()) == {
        "accounting.transactions.read", "accounting.settings.read"}
    clean_sandbox.set_scopes(org["settings"]["client_id"], None)
    assert _get(clean_sandbox, "/api.xro/2.0/Journals", token, tenant).status_code == 200
