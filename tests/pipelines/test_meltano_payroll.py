"""Real Meltano on the AU demo organisation: Payroll AU streams land in target-jsonl.

A sandbox of three organisations (NZ, UK, AU) of its own; the tap is given the AU
organisation's Custom Connection, so its one tenant is AU and the payroll region found is AU.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.pipelines.conftest import Meltano, read_jsonl
from xero_sandbox.testing import SandboxProcess

pytestmark = pytest.mark.meltano

STREAMS = ("payroll_au_employees", "payroll_au_timesheets", "payroll_au_pay_runs",
           "payroll_nz_employees", "payroll_uk_employees")


@pytest.fixture(scope="module")
def three_orgs() -> Iterator[SandboxProcess]:
    with SandboxProcess(size=30, orgs=3, limits=False) as running:
        yield running


def test_meltano_run_on_the_au_organisation_lands_payroll_rows(
        meltano: Meltano, three_orgs: SandboxProcess, tmp_path: Path) -> None:
    au = next(o for o in three_orgs.orgs if o["tenant_name"] == "Demo Company (AU)")
    creds = au["settings"]
    out = tmp_path / "out"
    done = meltano("run", "tap-xero", "target-jsonl",
                   TARGET_JSONL_DESTINATION_PATH=str(out),
                   TAP_XERO_API_URL=three_orgs.url, TAP_XERO_IDENTITY_URL=three_orgs.url,
                   TAP_XERO_CLIENT_ID=creds["client_id"],
                   TAP_XERO_CLIENT_SECRET=creds["client_secret"],
                   TAP_XERO_TOKEN_STORE_PATH=str(tmp_path / "tokens.json"),
                   TAP_XERO__SELECT=json.dumps([f"{s}.*" for s in STREAMS]))
    tenant = au["tenant_id"]
    for stream, key in (("payroll_au_employees", "EmployeeID"),
                        ("payroll_au_timesheets", "TimesheetID"),
                        ("payroll_au_pay_runs", "PayRunID")):
        landed = read_jsonl(out / f"{stream}.jsonl")
        held = three_orgs.records(tenant, stream)
        assert held, stream
        assert sorted(r[key] for r in landed) == sorted(r[key] for r in held), stream
        assert {r["_tenant_id"] for r in landed} == {tenant}
    # Another region's payroll: nothing landed and not one call made.
    assert not read_jsonl(out / "payroll_nz_employees.jsonl")
    assert not read_jsonl(out / "payroll_uk_employees.jsonl")
    paths: list[Any] = [r["path"] for r in three_orgs.requests()]
    assert any(p.startswith("/payroll.xro/1.0/") for p in paths)
    assert not any(p.startswith("/payroll.xro/2.0/") for p in paths)
    assert "payroll region AU" in done.stderr + done.stdout
