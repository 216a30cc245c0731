"""Deleted bank transfers: Xero lists them only with includeDeleted=true, so the tap asks for
them and marks them with `_sdc_deleted_at` (soft deletes)."""

from __future__ import annotations

from typing import Any

from tests.conftest import SandboxAPI
from tests.tap.conftest import admin_records, org_config, run_tap


def test_sandbox_hides_deleted_transfers_unless_asked(clean_sandbox: Any) -> None:
    api = SandboxAPI(clean_sandbox, 0)
    plain = api.records("BankTransfers", "BankTransfers")
    everything = api.records("BankTransfers", "BankTransfers", includeDeleted="true")
    assert {t.get("Status") for t in plain} == {"AUTHORISED"}
    assert {t.get("Status") for t in everything} == {"AUTHORISED", "DELETED"}
    assert len(everything) > len(plain)


def test_tap_emits_deleted_transfers_with_sdc_deleted_at(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    api = SandboxAPI(sandbox, 0)
    live = next(t for t in api.records("BankTransfers", "BankTransfers"))
    resp = api.request("POST", f"BankTransfers/{live['BankTransferID']}", json={
        "BankTransfers": [{"BankTransferID": live["BankTransferID"], "Status": "DELETED"}]})
    assert resp.status_code == 200, resp.text
    held = admin_records(sandbox, sandbox.orgs[0]["tenant_id"], "bank_transfers")
    run = run_tap(sandbox, org_config(sandbox, 0), ["bank_transfers"])
    emitted = {r["BankTransferID"]: r for r in run.records["bank_transfers"]}
    assert set(emitted) == {t["BankTransferID"] for t in held}
    deleted = {t["BankTransferID"] for t in held if t.get("Status") == "DELETED"}
    assert live["BankTransferID"] in deleted and len(deleted) >= 2
    for tid, record in emitted.items():
        assert bool(record.get("_sdc_deleted_at")) == (tid in deleted), tid
