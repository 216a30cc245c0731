"""Faults on demand: each kind answers what Xero would, on the calls a rule selects."""

from __future__ import annotations

import pytest
import requests

from xero_sandbox.testing import SandboxError

INVOICES = "Invoices"


@pytest.mark.parametrize("kind, problem", [
    ("429-minute", "minute"), ("429-day", "day"), ("429-concurrent", "concurrent"),
    ("429-appminute", "appminute"),
])
def test_rate_limit_faults(clean_sandbox, make_api, kind: str, problem: str) -> None:
    api = make_api()
    clean_sandbox.fault(kind, path="/Invoices", retry_after=17)
    resp = api.get(INVOICES)
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "17"
    assert resp.headers["X-Rate-Limit-Problem"] == problem
    assert api.get(INVOICES).status_code == 200  # count=1 by default


@pytest.mark.parametrize("kind, status, content_type, text", [
    ("500", 500, "application/json", "An error occurred"),
    ("502", 502, "text/html", "Bad Gateway"),
    ("503-offline", 503, "text/plain", "Organisation is offline"),
    ("504", 504, "text/html", "Gateway Time-out"),
    ("401-expired", 401, "application/json", "TokenExpired"),
    ("403-scope", 403, "application/json", "AuthorizationUnsuccessful"),
])
def test_error_faults(clean_sandbox, make_api, kind: str, status: int, content_type: str,
                      text: str) -> None:
    api = make_api()
    clean_sandbox.fault(kind, path="/Invoices")
    resp = api.get(INVOICES)
    assert resp.status_code == status
    assert resp.headers["Content-Type"].startswith(content_type)
    assert text in resp.text
    assert api.get(INVOICES).status_code == 200
    assert [r["fault"] for r in clean_sandbox.requests()][-2:] == [kind, None]


def test_reset_drops_the_connection_without_an_answer(clean_served, make_served_api) -> None:
    api = make_served_api()
    clean_served.fault("reset", path="/Invoices")
    with pytest.raises(requests.ConnectionError):
        api.get(INVOICES)
    assert api.get(INVOICES).status_code == 200


def test_slow_answers_after_the_client_gave_up(clean_served, make_served_api) -> None:
    api = make_served_api()
    clean_served.fault("slow", path="/Invoices", seconds=1.0)
    with pytest.raises(requests.ReadTimeout):
        api.get(INVOICES, timeout=0.3)
    assert api.get(INVOICES).status_code == 200


def test_nth_count_and_forever(clean_sandbox, make_api) -> None:
    api = make_api()
    clean_sandbox.fault("500", path="/Currencies", nth=3, count=2)
    statuses = [api.get("Currencies").status_code for _ in range(6)]
    assert statuses == [200, 200, 500, 500, 200, 200]
    clean_sandbox.fault("503-offline", path="/Currencies", count=None)
    assert {api.get("Currencies").status_code for _ in range(4)} == {503}
    clean_sandbox.clear_faults()
    assert api.get("Currencies").status_code == 200


def test_rules_match_path_and_tenant(clean_sandbox, make_api) -> None:
    first, second = make_api(0), make_api(1)
    clean_sandbox.fault("500", tenant_id=second.tenant_id, count=None)
    assert first.get("Currencies").status_code == 200
    assert second.get("Currencies").status_code == 500
    clean_sandbox.clear_faults()
    clean_sandbox.fault("500", path=r"/Contacts$", count=None)
    assert first.get("Invoices").status_code == 200
    assert first.get("Contacts").status_code == 500
    # Without a path a rule matches API calls only, not the identity server.
    clean_sandbox.clear_faults()
    clean_sandbox.fault("500", count=None)
    assert first.new_token()
    assert first.get("Invoices").status_code == 500
    # A path can target the identity server too.
    clean_sandbox.clear_faults()
    clean_sandbox.fault("503-offline", path="^/connect/token$")
    with pytest.raises(requests.HTTPError):
        first.new_token()


def test_unknown_fault_kind_is_refused(clean_sandbox) -> None:
    with pytest.raises(SandboxError, match="unknown fault kind"):
        clean_sandbox.fault("teapot")
