"""The sandbox's consent page and authorization_code grant check what Xero checks: PKCE
(S256), the redirect URI, the client, single use and a 5-minute life; revocation ends a grant."""

from __future__ import annotations

import pytest
import requests

from tests.auth.conftest import query_of
from xero_auth.flow import pkce_pair

REDIRECT = "http://127.0.0.1:9/callback"  # never followed here


def _code(sandbox, challenge: str, **extra: str) -> requests.Response:
    params = {"response_type": "code", "client_id": sandbox.app["client_id"],
              "redirect_uri": REDIRECT, "scope": "offline_access accounting.contacts.read",
              "state": "s1", "code_challenge": challenge, "code_challenge_method": "S256",
              **extra}
    return requests.get(f"{sandbox.url}/identity/connect/authorize", params=params,
                        allow_redirects=False, timeout=10)


def _exchange(sandbox, code: str, verifier: str, redirect: str = REDIRECT,
              auth: tuple[str, str] | None = None) -> requests.Response:
    return requests.post(f"{sandbox.url}/connect/token", timeout=10,
                         auth=auth or (sandbox.app["client_id"], sandbox.app["client_secret"]),
                         data={"grant_type": "authorization_code", "code": code,
                               "redirect_uri": redirect, "code_verifier": verifier})


def _fresh(sandbox) -> tuple[str, str]:
    verifier, challenge = pkce_pair()
    resp = _code(sandbox, challenge)
    assert resp.status_code == 302
    query = query_of(resp.headers["Location"])
    assert resp.headers["Location"].startswith(REDIRECT + "?") and query["state"] == "s1"
    return query["code"], verifier


def test_a_wrong_code_verifier_is_refused_and_the_code_is_spent(clean_sandbox) -> None:
    code, verifier = _fresh(clean_sandbox)
    wrong = _exchange(clean_sandbox, code, pkce_pair()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert "code_verifier" in wrong.json()["error_description"]
    again = _exchange(clean_sandbox, code, verifier)  # single use, even after a refusal
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_the_right_verifier_gets_tokens_once(clean_sandbox) -> None:
    code, verifier = _fresh(clean_sandbox)
    ok = _exchange(clean_sandbox, code, verifier)
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["refresh_token"] and body["token_type"] == "Bearer"
    assert set(body["scope"].split()) == {"offline_access", "accounting.contacts.read"}
    assert _exchange(clean_sandbox, code, verifier).status_code == 400


@pytest.mark.parametrize("problem", ["redirect", "client", "expired", "no_verifier"])
def test_the_code_is_bound_to_its_request(clean_sandbox, problem: str) -> None:
    code, verifier = _fresh(clean_sandbox)
    if problem == "redirect":
        resp = _exchange(clean_sandbox, code, verifier, redirect=REDIRECT + "/other")
    elif problem == "client":
        custom = clean_sandbox.orgs[0]["settings"]
        resp = _exchange(clean_sandbox, code, verifier,
                         auth=(custom["client_id"], custom["client_secret"]))
    elif problem == "expired":
        clean_sandbox.advance_clock(301)
        resp = _exchange(clean_sandbox, code, verifier)
    else:
        resp = _exchange(clean_sandbox, code, "")
    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


def test_the_consent_page_refuses_what_xero_refuses(clean_sandbox) -> None:
    challenge = pkce_pair()[1]
    assert _code(clean_sandbox, challenge, redirect_uri="https://evil.example/cb"
                 ).status_code == 400  # an unregistered redirect URI gets no redirect
    assert _code(clean_sandbox, challenge, client_id="nope").status_code == 400
    bad_scope = _code(clean_sandbox, challenge, scope="offline_access no.such.scope")
    assert query_of(bad_scope.headers["Location"])["error"] == "invalid_scope"
    plain = _code(clean_sandbox, challenge, code_challenge_method="plain")
    assert query_of(plain.headers["Location"])["error"] == "invalid_request"
    clean_sandbox.set_consent(deny=True)
    denied = query_of(_code(clean_sandbox, challenge).headers["Location"])
    assert denied == {"error": "access_denied", "state": "s1"}


def test_no_offline_access_no_refresh_token(clean_sandbox) -> None:
    verifier, challenge = pkce_pair()
    resp = _code(clean_sandbox, challenge, scope="accounting.contacts.read")
    code = query_of(resp.headers["Location"])["code"]
    body = _exchange(clean_sandbox, code, verifier).json()
    assert body["access_token"] and "refresh_token" not in body


def test_a_pkce_app_must_send_a_challenge_and_has_no_secret(clean_sandbox) -> None:
    client_id = clean_sandbox.info["pkce_app"]["client_id"]
    without = _code(clean_sandbox, "", client_id=client_id)
    assert query_of(without.headers["Location"])["error"] == "invalid_request"
    verifier, challenge = pkce_pair()
    code = query_of(_code(clean_sandbox, challenge, client_id=client_id
                          ).headers["Location"])["code"]
    with_secret = _exchange(clean_sandbox, code, verifier, auth=(client_id, "guess"))
    assert with_secret.status_code == 400 and with_secret.json()["error"] == "invalid_client"
    code = query_of(_code(clean_sandbox, challenge, client_id=client_id
                          ).headers["Location"])["code"]
    ok = requests.post(f"{clean_sandbox.url}/connect/token", timeout=10,
                       data={"grant_type": "authorization_code", "code": code,
                             "client_id": client_id, "redirect_uri": REDIRECT,
                             "code_verifier": verifier})
    assert ok.status_code == 200 and ok.json()["refresh_token"]
    cc = requests.post(f"{clean_sandbox.url}/connect/token", timeout=10,
                       data={"grant_type": "client_credentials", "client_id": client_id})
    assert cc.status_code == 400 and cc.json()["error"] == "unauthorized_client"
