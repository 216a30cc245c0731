"""Xero's rate limits as the sandbox enforces them (on its own clock: tests advance it)."""

from __future__ import annotations

import threading
import time

import pytest
import requests

CURRENCIES = "Currencies"


def _remaining(resp: requests.Response) -> tuple[int, int, int]:
    h = resp.headers
    return (int(h["X-DayLimit-Remaining"]), int(h["X-MinLimit-Remaining"]),
            int(h["X-AppMinLimit-Remaining"]))


def test_every_api_answer_carries_the_remaining_budgets(clean_sandbox, make_api) -> None:
    api = make_api()
    first = _remaining(api.get(CURRENCIES))
    second = _remaining(api.get(CURRENCIES))
    assert first == (4999, 59, 9999)
    assert second == (4998, 58, 9998)


def test_sixty_one_calls_in_a_minute_answer_429_minute(clean_sandbox, make_api) -> None:
    api = make_api()
    statuses = [api.get(CURRENCIES).status_code for _ in range(60)]
    assert statuses == [200] * 60
    refused = api.get(CURRENCIES)
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    # The other organisation has its own budget; identity calls are not limited.
    assert make_api(1).get(CURRENCIES).status_code == 200
    assert api.new_token()
    assert api.get("/connections").status_code == 200
    clean_sandbox.advance_clock(retry_after)
    assert api.get(CURRENCIES).status_code == 200


def test_day_limit_answers_429_day_with_a_long_retry_after(clean_sandbox, make_api) -> None:
    api = make_api()
    clean_sandbox.use_limits(api.tenant_id, day=4999)
    last = api.get(CURRENCIES)
    assert last.status_code == 200 and _remaining(last)[0] == 0
    refused = api.get(CURRENCIES)
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "day"
    assert int(refused.headers["Retry-After"]) > 3600
    clean_sandbox.advance_clock(int(refused.headers["Retry-After"]))
    api.token = api.new_token()  # a day later the old token has long expired
    assert api.get(CURRENCIES).status_code == 200


def test_app_minute_limit_spans_tenants(clean_sandbox, make_api) -> None:
    api = make_api()
    clean_sandbox.use_app_limit(api.settings["client_id"], 10_000)
    refused = api.get(CURRENCIES)
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "appminute"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_a_sixth_concurrent_call_answers_429_concurrent(clean_served, make_served_api) -> None:
    clean_sandbox = clean_served
    api = make_served_api()
    # The five slow calls wait until the faults are cleared (at most 60 s), so they overlap
    # however far apart a loaded machine starts their threads.
    clean_sandbox.fault("slow", path="/Currencies", count=5, seconds=60)
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(
        api.get(CURRENCIES).status_code)) for _ in range(5)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 45
    while clean_sandbox.state()["limits"].get(api.tenant_id, {}).get("in_flight") != 5:
        assert time.monotonic() < deadline, "five slow calls never were in flight together"
        time.sleep(0.02)
    sixth = api.get(CURRENCIES)
    began = time.monotonic()
    clean_sandbox.clear_faults()
    for t in threads:
        t.join()
    assert time.monotonic() - began < 30, "clearing the faults did not end the slow calls"
    assert sixth.status_code == 429
    assert sixth.headers["X-Rate-Limit-Problem"] == "concurrent"
    assert sixth.headers["Retry-After"] == "1"
    assert results == [200] * 5
    assert api.get(CURRENCIES).status_code == 200


def test_limits_can_be_switched_off(clean_sandbox, make_api) -> None:
    api = make_api()
    clean_sandbox.set_limits(False)
    statuses = {api.get(CURRENCIES).status_code for _ in range(70)}
    assert statuses == {200}
    clean_sandbox.set_limits(True)
    assert api.get(CURRENCIES).headers["X-MinLimit-Remaining"] == "59"


@pytest.mark.parametrize("path", ["/connect/token", "/connections"])
def test_identity_calls_do_not_spend_the_tenant_budget(clean_sandbox, make_api, path: str) -> None:
    api = make_api()
    for _ in range(5):
        if path == "/connect/token":
            api.new_token()
        else:
            assert api.get(path).status_code == 200
    assert _remaining(api.get(CURRENCIES))[1] == 59
