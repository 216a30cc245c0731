"""The admin endpoints: request log, clock, reset, state; and the serve command's start line."""

from __future__ import annotations

from xero_sandbox.testing import SandboxProcess


def test_request_log_records_calls_without_secrets(clean_sandbox, make_api) -> None:
    api = make_api()
    api.get("Invoices", params={"page": "2", "pageSize": "5"},
            headers={"If-Modified-Since": "2026-01-01T00:00:00"})
    api.get("NoSuchThing")
    clean_sandbox.state()  # admin calls are not logged
    log = clean_sandbox.requests()
    token_call, invoices, missing = log
    assert token_call["path"] == "/connect/token" and token_call["status"] == 200
    assert token_call["grant_type"] == "client_credentials"
    assert invoices["method"] == "GET" and invoices["path"] == "/api.xro/2.0/Invoices"
    assert invoices["query"] == {"page": "2", "pageSize": "5"}
    assert invoices["tenant_id"] == api.tenant_id
    assert invoices["status"] == 200
    assert invoices["headers"]["If-Modified-Since"] == "2026-01-01T00:00:00"
    assert isinstance(invoices["time"], float)
    assert missing["status"] == 404
    text = str(log)
    assert api.token not in text and api.settings["client_secret"] not in text
    assert "Authorization" not in text
    clean_sandbox.clear_requests()
    assert clean_sandbox.requests() == []


def test_reset_restores_the_seeded_data(clean_sandbox, make_api) -> None:
    api = make_api()
    seeded = clean_sandbox.state()["organisations"]
    api.request("PUT", "Contacts", json={"Contacts": [{"Name": "Temporary"}]})
    changed = clean_sandbox.state()["organisations"]
    assert changed[0]["counts"]["contacts"] == seeded[0]["counts"]["contacts"] + 1
    clean_sandbox.reset()
    assert clean_sandbox.state()["organisations"] == seeded
    assert "Temporary" not in {c["Name"] for c in clean_sandbox.records(api.tenant_id,
                                                                         "contacts")}


def test_state_counts_every_stream_and_clock_moves_forward(clean_sandbox) -> None:
    state = clean_sandbox.state()
    assert len(state["organisations"]) == 2
    counts = state["organisations"][0]["counts"]
    assert counts["invoices"] > 0 and counts["contacts"] > 0
    before = state["clock"]["offset"]
    clean_sandbox.advance_clock(90)
    assert clean_sandbox.state()["clock"]["offset"] == before + 90
    resp = clean_sandbox.http.post(f"{clean_sandbox.admin_url}/clock", json={"advance": -1},
                                   timeout=10)
    assert resp.status_code == 400


def test_start_line_has_settings_for_every_org_and_is_seed_deterministic(
        served_sandbox) -> None:
    sandbox = served_sandbox
    info = sandbox.info
    assert info["url"].startswith("http://127.0.0.1:")
    assert info["admin_url"] == info["url"] + "/__admin"
    for org in info["organisations"]:
        s = org["settings"]
        assert s["api_url"] == s["identity_url"] == info["url"]
        assert s["tenant_id"] == org["tenant_id"]
        assert s["client_id"] and s["client_secret"]
    with SandboxProcess(size=5, orgs=1) as other:
        assert other.url != sandbox.url
        first = other.info["organisations"][0]
        assert first["settings"]["client_id"] == info["organisations"][0]["settings"][
            "client_id"]
        assert other.app == sandbox.app
        assert other.refresh_token == sandbox.refresh_token
        proc = other.proc
    assert proc is not None and proc.returncode == 0  # SIGTERM stops it cleanly


def test_admin_refuses_what_a_web_page_could_send() -> None:
    """A cross-origin form / text/plain POST, or a rebound DNS name, cannot drive /__admin."""
    from xero_sandbox.app import Sandbox, SandboxConfig, create_app

    app = create_app(Sandbox(SandboxConfig(seed=1, size=5, orgs=1)))
    client = app.test_client()
    hook = {"url": "http://127.0.0.1:9/hook", "key": "k"}
    form = client.post("/__admin/webhooks", data="url=http://evil.test", content_type=(
        "application/x-www-form-urlencoded"))
    text = client.post("/__admin/reset", data='{"x":1}', content_type="text/plain")
    rebound = client.post("/__admin/webhooks", json=hook, headers={"Host": "evil.test:8787"})
    assert (form.status_code, text.status_code, rebound.status_code) == (415, 415, 403)
    assert "evil" not in client.get("/__admin/webhooks").get_data(as_text=True)
    assert client.post("/__admin/webhooks", json=hook).status_code == 201
    assert client.get("/__admin/state", headers={"Host": "[::1]:8787"}).status_code == 200
