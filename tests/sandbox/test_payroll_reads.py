"""The sandbox's Payroll reads: every list and single GET of each region's rows answers the
seeded records and validates against its OpenAPI file; paging, If-Modified-Since, `where` and
the v2 filters; each region's API answers only for its organisations; scopes are checked."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.sandbox.payroll_calls import (
    SPECS,
    V1,
    V2,
    checked,
    clients_of,
    org_of,
    running_sandbox,
)
from xero_core.endpoints import ENDPOINTS, Endpoint
from xero_sandbox.inprocess import SandboxInProcess

ROWS = [ep for ep in ENDPOINTS if ep.region and not ep.nested_key]


@pytest.fixture(scope="module")
def payroll_sandbox() -> Iterator[SandboxInProcess]:
    yield from running_sandbox()


@pytest.fixture(scope="module")
def clients(payroll_sandbox: SandboxInProcess) -> dict[str, Any]:
    return clients_of(payroll_sandbox)


def _spec_name(ep: Endpoint) -> str:
    return SPECS["AU2"] if ep.api == "payroll_au_v2" else SPECS[ep.region or ""]


def _base(ep: Endpoint) -> str:
    return V1 if ep.api == "payroll_au" else V2


def _client(by_region: dict[str, Any], ep: Endpoint) -> Any:
    return by_region[ep.region or ""]


@pytest.mark.parametrize("ep", [e for e in ROWS if not e.parent], ids=lambda e: e.stream)
def test_every_list_and_single_get_answers_the_seeded_records_as_the_spec_says(
        payroll_sandbox, clients, ep: Endpoint) -> None:
    client = _client(clients, ep)
    coll = org_of(payroll_sandbox, client).coll(ep.stream)
    params = {}
    if ep.parent_param:  # GET /PaySlips?PayRunID= (one pay run's)
        run = next(iter(org_of(payroll_sandbox, client).coll(
            ep.stream.replace("payslips", "pay_runs")).records))
        params = {ep.parent_param: run}
    resp = client.get(_base(ep) + ep.path, params=params)
    assert resp.status_code == 200, resp.text
    body = checked(resp, _spec_name(ep), ep.path)
    if ep.singleton:
        assert body[ep.records_key] == next(iter(coll.records.values()))
        return
    got = body[ep.records_key]
    pk = ep.primary_key[0]
    if params:
        assert {r[pk] for r in got} == {k for k, r in coll.records.items()
                                        if r[ep.parent_field or ""] == params[ep.parent_param]}
    else:
        assert {r[pk] for r in got} == {r[pk] for r in coll.view()[:100]}
    if ep.api != "payroll_au":
        assert body["pagination"]["page"] == 1 and body["pagination"]["pageSize"] == 100
        assert body["problem"] is None and body["httpStatusCode"] == "OK"
    one_id = got[0][pk]
    single = client.get(f"{_base(ep)}{ep.path}/{one_id.upper()}")  # ids match in any case
    assert single.status_code == 200, single.text
    body = checked(single, _spec_name(ep), ep.path + "/{id}")
    stored = coll.records[one_id]
    if ep.api == "payroll_au":
        assert body[ep.records_key] == [stored]
    else:
        assert body[ep.records_key[:-1]] == stored


@pytest.mark.parametrize("ep", [e for e in ROWS if e.parent and not e.parent_param],
                         ids=lambda e: e.stream)
def test_an_employees_sub_resources(payroll_sandbox, clients, ep: Endpoint) -> None:
    client = _client(clients, ep)
    org = org_of(payroll_sandbox, client)
    rows = list(org.coll(ep.stream).records.values())
    employee = rows[0][ep.parent_field or ""]
    resp = client.get(f"{V2}{ep.path.replace('{employeeID}', employee)}")
    assert resp.status_code == 200, resp.text
    body = checked(resp, _spec_name(ep), ep.path)
    mine = [r for r in rows if r[ep.parent_field or ""] == employee]
    got = body[ep.records_key]
    if isinstance(got, dict):  # the pay template: one object
        got = [got]
    key = ep.primary_key[-1]
    assert sorted(got, key=lambda r: r[key]) == sorted(mine, key=lambda r: r[key])
    nobody = "00000000-0000-4000-8000-000000000000"
    missing = client.get(f"{V2}{ep.path.replace('{employeeID}', nobody)}")
    assert missing.status_code == 404 and missing.json()["problem"]["status"] == "404"


def test_au_payslip_and_pay_run_detail(payroll_sandbox, clients) -> None:
    au = clients["AU"]
    org = org_of(payroll_sandbox, au)
    listed = checked(au.get(f"{V1}/PayRuns"), SPECS["AU"], "/PayRuns")["PayRuns"]
    assert listed and all("Payslips" not in r for r in listed)  # the listing leaves them out
    run_id = listed[0]["PayRunID"]
    run = checked(au.get(f"{V1}/PayRuns/{run_id}"), SPECS["AU"], "/PayRuns/{id}")["PayRuns"][0]
    assert run["Payslips"] == org.coll("payroll_au_pay_runs").records[run_id]["Payslips"]
    slip_id = run["Payslips"][0]["PayslipID"]
    slip = checked(au.get(f"{V1}/Payslip/{slip_id}"), SPECS["AU"], "/Payslip/{id}")["Payslip"]
    assert slip == org.coll("payroll_au_payslips").records[slip_id]
    assert slip["Wages"] == run["Payslips"][0]["Wages"]


def test_v1_pages_by_100_and_takes_if_modified_since_and_where(payroll_sandbox, clients
                                                               ) -> None:
    au = clients["AU"]
    coll = org_of(payroll_sandbox, au).coll("payroll_au_timesheets")
    assert len(coll) > 100
    first = au.get(f"{V1}/Timesheets").json()["Timesheets"]
    page2 = au.get(f"{V1}/Timesheets", params={"page": 2}).json()["Timesheets"]
    last = au.get(f"{V1}/Timesheets", params={"page": 99}).json()["Timesheets"]
    assert len(first) == 100 and 0 < len(page2) <= 100 and last == []
    assert not {t["TimesheetID"] for t in first} & {t["TimesheetID"] for t in page2}
    cut_ms = sorted(coll.updated_ms.values())[-5]
    header = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(cut_ms // 1000))
    newer = au.get(f"{V1}/Timesheets", headers={"If-Modified-Since": header}).json()
    expected = {rid for rid, ms in coll.updated_ms.items() if ms > cut_ms // 1000 * 1000}
    assert 0 < len(expected) <= 100
    assert {t["TimesheetID"] for t in newer["Timesheets"]} == expected
    drafts = au.get(f"{V1}/Timesheets", params={"where": 'Status=="APPROVED"'}).json()
    assert drafts["Timesheets"] and {t["Status"] for t in drafts["Timesheets"]} == {"APPROVED"}
    bad = au.get(f"{V1}/Timesheets", params={"where": "Status=="})
    assert bad.status_code == 400


def test_v2_filters_and_paging(payroll_sandbox, clients) -> None:
    nz = clients["NZ"]
    org = org_of(payroll_sandbox, nz)
    coll = org.coll("payroll_nz_timesheets")
    body = nz.get(f"{V2}/Timesheets", params={"page": 2}).json()
    assert body["pagination"] == {"page": 2, "pageSize": 100, "pageCount": -(-len(coll) // 100),
                                  "itemCount": len(coll)}
    assert all("timesheetLines" not in t for t in body["timesheets"])
    employee = next(iter(coll.records.values()))["employeeID"]
    mine = nz.get(f"{V2}/Timesheets", params={"filter": f"employeeId=={employee}",
                                              "status": "Completed"}).json()["timesheets"]
    assert mine and {t["employeeID"] for t in mine} == {employee}
    assert {t["status"] for t in mine} == {"Completed"}
    emp = org.coll("payroll_nz_employees").records[employee]
    named = nz.get(f"{V2}/Employees", params={
        "filter": f"firstName=={emp['firstName']},lastName=={emp['lastName']}"}).json()
    assert employee in {e["employeeID"] for e in named["employees"]}
    drafts = nz.get(f"{V2}/PayRuns", params={"status": "Draft"}).json()["payRuns"]
    assert len(drafts) == 1 and drafts[0]["payRunStatus"] == "Draft"
    no_run = nz.get(f"{V2}/PaySlips")
    assert no_run.status_code == 400
    assert no_run.json()["problem"]["invalidFields"][0]["name"] == "PayRunID"


@pytest.mark.parametrize("who,path,status", [
    ("NZ", f"{V1}/Employees", 403), ("UK", f"{V1}/Timesheets", 403),
    ("US", f"{V1}/Employees", 403), ("US", f"{V2}/Employees", 403),
    ("AU", f"{V2}/Employees", 405), ("NZ", f"{V2}/Benefits", 404),
    ("UK", f"{V2}/Superannuations", 404), ("AU", f"{V1}/Nothing", 404),
])
def test_a_regions_api_answers_only_its_organisations(clients, who: str, path: str,
                                                      status: int) -> None:
    resp = clients[who].get(path)
    assert resp.status_code == status, resp.text
    if status == 403:
        body = resp.json()
        text = body["problem"]["detail"] if "problem" in body else body["Message"]
        assert "Customer" in text


def test_paths_match_without_regard_to_case(clients) -> None:
    assert clients["AU"].get(f"{V1}/employees/").status_code == 200
    assert clients["UK"].get(f"{V2}/payslips", params={"payrunid": "x"}).status_code == 200
    assert clients["NZ"].get(f"{V2}/TIMESHEETS").status_code == 200


def test_scopes_are_checked(payroll_sandbox, clients) -> None:
    au = clients["AU"]
    sandbox = payroll_sandbox.sandbox
    client_id = au.settings["client_id"]
    sandbox.identity.set_scopes(client_id, ["payroll.timesheets.read", "accounting.settings"])
    try:
        au.token = au.new_token()
        assert au.get(f"{V1}/Timesheets").status_code == 200
        assert au.get(f"{V1}/Employees").status_code == 403
        assert au.request("POST", f"{V1}/Timesheets", json=[]).status_code == 403  # read-only scope
    finally:
        sandbox.identity.set_scopes(client_id, None)
        au.token = au.new_token()
    assert au.get(f"{V1}/Employees").status_code == 200
