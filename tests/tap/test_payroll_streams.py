"""The Payroll streams (AU v1 and v2 timesheets, NZ, UK) against the sandbox's three demo
organisations: each tenant is read only for its own region, ids equal what the sandbox holds,
AU's lists are incremental (If-Modified-Since), and children cost one call per parent read.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import SANDBOX_SIZE
from tests.tap.conftest import Run, app_config, org_config, run_tap
from xero_core.endpoints import ENDPOINTS, Endpoint
from xero_sandbox.testing import SandboxProcess

PAYROLL = [ep for ep in ENDPOINTS if ep.region]
TOP = [ep.stream for ep in PAYROLL if not ep.parent]
ALL = [ep.stream for ep in PAYROLL]
REGION_OF_NAME = {"Demo Company (NZ)": "NZ", "Demo Company (UK)": "UK", "Demo Company (AU)": "AU",
                  "Demo Company (US)": "US"}


@pytest.fixture(scope="module")
def payroll_sandbox() -> Iterator[SandboxProcess]:
    """A sandbox with four demo organisations: NZ, UK, AU and US (no payroll API)."""
    with SandboxProcess(size=SANDBOX_SIZE, orgs=4) as running:
        yield running


def tenants(sandbox: Any) -> dict[str, str]:
    """region -> tenant id."""
    return {REGION_OF_NAME[o["tenant_name"]]: o["tenant_id"] for o in sandbox.orgs}


def payroll_calls(sandbox: Any) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests() if r["path"].startswith("/payroll.xro/")]


@pytest.fixture(scope="module")
def full_run(payroll_sandbox: Any) -> tuple[Run, list[dict[str, Any]], list[str]]:
    """Every payroll stream, children included, for all three tenants (one app)."""
    payroll_sandbox.clean()
    logger = logging.getLogger("tap-xero")
    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        run = run_tap(payroll_sandbox, app_config(payroll_sandbox), ALL)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return run, payroll_calls(payroll_sandbox) + [
        r for r in payroll_sandbox.requests() if r["path"].endswith("/Organisation")], seen


def _key(ep: Endpoint, record: dict[str, Any]) -> tuple[str, ...]:
    if not ep.primary_key:
        return (str(record["_tenant_id"]),)
    return tuple(str(record[k]) for k in ep.primary_key)


@pytest.mark.parametrize("ep", PAYROLL, ids=[ep.stream for ep in PAYROLL])
def test_stream_emits_exactly_what_the_sandbox_holds(payroll_sandbox: Any, full_run: Any,
                                                     ep: Endpoint) -> None:
    run: Run = full_run[0]
    ids = tenants(payroll_sandbox)
    records = run.records.get(ep.stream, [])
    keys = [_key(ep, r) for r in records]
    assert len(keys) == len(set(keys)), f"{ep.stream} emitted duplicates"
    tenant = ids[str(ep.region)]
    # Only the tenant of the stream's region is read.
    assert {r["_tenant_id"] for r in records} <= {tenant}
    held = payroll_sandbox.records(tenant, ep.stream)
    if not held and ep.nested_key and ep.parent:
        # Held inside the parent records (a v2 timesheet keeps its lines).
        parent_pk = next(p for p in PAYROLL if p.stream == ep.parent).primary_key[0]
        held = [{**line, ep.parent_field or parent_pk: p[parent_pk]}
                for p in payroll_sandbox.records(tenant, ep.parent)
                for line in p.get(ep.nested_key) or []]
    expected = ({(tenant,)} if held else set()) if not ep.primary_key else {
        tuple(str(h.get(k) if k in h else "") for k in ep.primary_key) for h in held}
    if ep.parent_field and ep.primary_key and ep.parent_field in ep.primary_key:
        expected = {k for k in expected if all(k)}
    assert expected, f"the sandbox holds no {ep.stream} for {ep.region}"
    assert set(keys) == expected


def test_each_tenant_is_read_only_for_its_region(payroll_sandbox: Any, full_run: Any) -> None:
    run, calls, logged = full_run
    ids = tenants(payroll_sandbox)
    payroll = [c for c in calls if c["path"].startswith("/payroll.xro/")]
    assert payroll and all(c["status"] == 200 for c in payroll), [
        (c["path"], c["status"]) for c in payroll if c["status"] != 200]
    by_tenant = {region: [c["path"] for c in payroll if c["tenant_id"] == tid]
                 for region, tid in ids.items()}
    assert by_tenant["AU"] and by_tenant["NZ"] and by_tenant["UK"]
    assert by_tenant["US"] == []  # no payroll API for a US organisation: not one call
    assert not [p for p in by_tenant["NZ"] + by_tenant["UK"] if p.startswith("/payroll.xro/1.0")]
    assert {p.split("/")[2] for p in by_tenant["AU"]} <= {"1.0", "2.0"}
    assert {p.rsplit("/", 1)[0] if p.count("/") > 3 else p
            for p in by_tenant["AU"] if "/2.0/" in p} == {"/payroll.xro/2.0/Timesheets"}
    # NZ and UK share /payroll.xro/2.0: each tenant got the listings of its own family only.
    nz_only, uk_only = "/payroll.xro/2.0/StatutoryDeductions", "/payroll.xro/2.0/Benefits"
    assert nz_only in by_tenant["NZ"] and nz_only not in by_tenant["UK"]
    assert uk_only in by_tenant["UK"] and uk_only not in by_tenant["NZ"]
    # The region is found once per tenant, and said once per tenant.
    organisation = [c for c in calls if c["path"].endswith("/Organisation")]
    assert sorted(c["tenant_id"] for c in organisation) == sorted(ids.values())
    for region in ("AU", "NZ", "UK"):
        said = [m for m in logged if f"payroll region {region}" in m]
        assert len(said) == 1, said
    said = [m for m in logged if "no Xero payroll API" in m]
    assert len(said) == 1 and "CountryCode US" in said[0] and "Demo Company (US)" in said[0]
    assert not [m for m in logged if "Skipping stream" in m or "failed" in m]
    for stream in TOP:
        assert {r["_tenant_id"] for r in run.records.get(stream, [])} <= {
            ids[str(next(e.region for e in PAYROLL if e.stream == stream))]}


def test_au_lists_are_incremental_and_v2_lists_full(payroll_sandbox: Any,
                                                    full_run: Any) -> None:
    run: Run = full_run[0]
    payroll_sandbox.clear_requests()
    au = tenants(payroll_sandbox)["AU"]
    incremental = [ep for ep in PAYROLL if ep.region == "AU" and ep.modified_since]
    second = run_tap(payroll_sandbox, org_config(payroll_sandbox, 2),
                     [ep.stream for ep in incremental] + ["payroll_au_v2_timesheets"],
                     state=run.state)
    calls = payroll_calls(payroll_sandbox)
    for ep in incremental:
        listed = [c for c in calls if c["path"] == ep.url_path]
        assert listed, ep.stream
        assert all(c["headers"].get("If-Modified-Since") for c in listed), ep.stream
        assert all(c["query"].get("order") == "UpdatedDateUTC ASC" for c in listed)
        assert all(c["tenant_id"] == au for c in listed)
        # Nothing changed: only what shares the bookmark's value is read again.
        (partition,) = run.state["bookmarks"][ep.stream]["partitions"]
        again = second.records.get(ep.stream, [])
        assert all(r[str(ep.replication_key)] == partition["replication_key_value"] for r in again)
    v2 = [c for c in calls if c["path"] == "/payroll.xro/2.0/Timesheets"]
    assert v2 and not any(c["headers"].get("If-Modified-Since") for c in v2)


def test_children_cost_one_call_per_parent_read(payroll_sandbox: Any, full_run: Any) -> None:
    run, calls, _ = full_run
    children = [ep for ep in PAYROLL if ep.parent]
    ids = tenants(payroll_sandbox)
    for ep in children:
        parent = next(p for p in PAYROLL if p.stream == ep.parent)
        parents = run.records.get(parent.stream, [])
        pk = parent.primary_key[0]
        region = [c for c in calls if c["tenant_id"] == ids[str(ep.region)]]
        if ep.parent_param:
            mine = [c for c in region if c["path"] == ep.url_path]
            asked = [c["query"].get(ep.parent_param) for c in mine]
        else:
            head, tail = ep.url_path.split("{")[0], ep.url_path.split("}")[1]
            mine = [c for c in region if c["path"].startswith(head) and c["path"].endswith(tail)
                    and "/" not in c["path"][len(head):len(c["path"]) - len(tail)]]
            asked = [c["path"][len(head):len(c["path"]) - len(tail)] for c in mine]
        assert sorted(asked) == sorted(str(r[pk]) for r in parents), ep.stream
        for record in run.records.get(ep.stream, []):
            assert record[ep.parent_field or pk] in {r[pk] for r in parents}


def test_an_unchanged_au_pay_run_is_not_read_again(payroll_sandbox: Any,
                                                  full_run: Any) -> None:
    run: Run = full_run[0]
    payroll_sandbox.clear_requests()
    second = run_tap(payroll_sandbox, org_config(payroll_sandbox, 2),
                     ["payroll_au_pay_runs", "payroll_au_payslips"], state=run.state)
    details = [c for c in payroll_calls(payroll_sandbox)
               if c["path"].startswith("/payroll.xro/1.0/PayRuns/")]
    emitted = second.records.get("payroll_au_pay_runs", [])
    assert len(details) == len(emitted) <= 1


def test_a_missing_payroll_scope_skips_that_stream_with_a_warning(
        clean_sandbox: Any, caplog: pytest.LogCaptureFixture) -> None:
    """The session sandbox's second organisation is the UK one."""
    sandbox = clean_sandbox
    config = org_config(sandbox, 1)
    granted = ["accounting.settings.read", "payroll.settings.read", "offline_access"]
    sandbox.set_scopes(config["client_id"], granted)
    try:
        with caplog.at_level(logging.WARNING):
            run = run_tap(sandbox, config, ["payroll_uk_employees", "payroll_uk_leave_types"])
    finally:
        sandbox.set_scopes(config["client_id"], None)
    assert run.records["payroll_uk_leave_types"]
    assert run.records["payroll_uk_employees"] == []
    warned = [r.getMessage() for r in caplog.records if "payroll_uk_employees" in r.getMessage()]
    assert any("payroll.employees.read" in m for m in warned), warned


@pytest.mark.parametrize("kind", ["502", "429-minute"])
def test_a_payroll_call_is_retried_like_any_other(payroll_sandbox: Any, kind: str) -> None:
    sandbox = payroll_sandbox
    sandbox.clean()
    uk = tenants(sandbox)["UK"]
    sandbox.fault(kind, path="/payroll.xro/2.0/Employees", nth=1, count=1, tenant_id=uk,
                  retry_after=1)
    run = run_tap(sandbox, org_config(sandbox, 1), ["payroll_uk_employees"])
    calls = [c for c in payroll_calls(sandbox) if c["path"] == "/payroll.xro/2.0/Employees"]
    assert [c["status"] for c in calls][:2] == [int(kind[:3]), 200]
    assert sorted(run.ids("payroll_uk_employees", "employeeID")) == sorted(
        r["employeeID"] for r in sandbox.records(uk, "payroll_uk_employees"))
    if kind.startswith("429"):
        assert 1 in run.waits  # Retry-After honoured, on the sandbox's clock
