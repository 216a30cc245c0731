"""The sandbox's app-wide minute limit can be lowered from the admin API (to reach it in tests)."""

from __future__ import annotations

from typing import Any

CURRENCIES = "/api.xro/2.0/Currencies"


def test_a_lowered_app_minute_limit_answers_429_appminute(clean_sandbox: Any,
                                                          make_api: Any) -> None:
    api = make_api()
    assert clean_sandbox.set_app_minute_limit(3) == 3
    remaining = [api.get(CURRENCIES).headers["X-AppMinLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = api.get(CURRENCIES)
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "appminute"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert clean_sandbox.set_app_minute_limit(None) == 10_000
    assert api.get(CURRENCIES).headers["X-AppMinLimit-Remaining"] == str(10_000 - 4)
    clean_sandbox.set_app_minute_limit(3)
    clean_sandbox.reset()  # a reset restores Xero's 10,000
    assert api.get(CURRENCIES).headers["X-AppMinLimit-Remaining"] == str(10_000 - 1)
