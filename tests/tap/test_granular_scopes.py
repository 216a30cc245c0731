"""Apps created from 2 March 2026 hold granular scopes only: the tap reads with them, and a
report whose scope is missing is skipped alone, with its scope named."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tap.conftest import admin_post, org_config, run_tap
from xero_core.endpoints import BY_STREAM, REPORT_GRANULAR_SCOPES

GRANULAR_READ = ["accounting.invoices.read", "accounting.payments.read",
                 "accounting.banktransactions.read", "accounting.manualjournals.read",
                 "accounting.settings.read", "accounting.contacts.read",
                 "accounting.reports.balancesheet.read"]


def test_granular_scopes_read_what_the_broad_scope_read(
        clean_sandbox: Any, caplog: pytest.LogCaptureFixture) -> None:
    sandbox = clean_sandbox
    client_id = sandbox.orgs[0]["settings"]["client_id"]
    admin_post(sandbox, "scopes", {"client_id": client_id, "scopes": GRANULAR_READ})
    streams = ["invoices", "payments", "bank_transactions", "manual_journals", "report_rows"]
    try:
        run = run_tap(sandbox, org_config(sandbox, 0, reports=["BalanceSheet", "TrialBalance"]),
                      streams)
    finally:
        admin_post(sandbox, "scopes", {"client_id": client_id, "scopes": None})
    for stream in streams[:4]:
        assert run.records[stream], stream
    reports = {r["report_type"] for r in run.records["report_rows"]}
    assert reports == {"BalanceSheet"}  # TrialBalance's scope is missing: skipped alone
    warnings = [r.getMessage() for r in caplog.records if "answered 403" in r.getMessage()]
    assert len(warnings) == 1 and "TrialBalance" in warnings[0]
    assert REPORT_GRANULAR_SCOPES["TrialBalance"] in warnings[0]


def test_a_missing_granular_scope_is_named(clean_sandbox: Any,
                                           caplog: pytest.LogCaptureFixture) -> None:
    sandbox = clean_sandbox
    client_id = sandbox.orgs[0]["settings"]["client_id"]
    admin_post(sandbox, "scopes", {"client_id": client_id,
                                   "scopes": ["accounting.invoices.read"]})
    try:
        run = run_tap(sandbox, org_config(sandbox, 0), ["invoices", "payments"])
    finally:
        admin_post(sandbox, "scopes", {"client_id": client_id, "scopes": None})
    assert run.records["invoices"] and not run.records["payments"]
    warning = next(r.getMessage() for r in caplog.records if "answered 403" in r.getMessage())
    assert "payments" in warning
    assert BY_STREAM["payments"].scope_hint in warning
    assert "accounting.payments.read" in BY_STREAM["payments"].scope_hint
