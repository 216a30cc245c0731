"""The sandbox's Payroll writes: AU v1 timesheet batches (create, update, approve), employees and
leave applications; v2 timesheets (create, lines added / changed / deleted, approve, revert,
delete) and NZ/UK employees and leave; their validation errors in each API's shape, what the
sandbox holds after each, Idempotency-Key replays, and answers checked against the specs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta
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
from xero_sandbox.inprocess import SandboxInProcess


@pytest.fixture(scope="module")
def payroll_sandbox() -> Iterator[SandboxInProcess]:
    yield from running_sandbox()


@pytest.fixture(scope="module")
def clients(payroll_sandbox: SandboxInProcess) -> dict[str, Any]:
    return clients_of(payroll_sandbox)


def _monday(weeks_ahead: int) -> date:
    today = date.today()
    return today + timedelta(days=7 * weeks_ahead - today.weekday())


def _ms_date(d: date) -> str:
    return f"/Date({int(time.mktime(d.timetuple()) - time.timezone) * 1000}+0000)/"


# --- AU v1 ---------------------------------------------------------------------------------------

def _au_refs(org: Any) -> tuple[str, str, str]:
    employee = next(e for e in org.coll("payroll_au_employees").records.values()
                    if e["Status"] == "ACTIVE")
    items = next(iter(org.coll("payroll_au_pay_items").records.values()))
    return (employee["EmployeeID"], items["EarningsRates"][0]["EarningsRateID"],
            items["LeaveTypes"][0]["LeaveTypeID"])


def test_au_timesheets_batch_create_approve_and_mirror_into_v2(payroll_sandbox, clients
                                                                ) -> None:
    au = clients["AU"]
    org = org_of(payroll_sandbox, au)
    employee, rate, _ = _au_refs(org)
    week1, week2 = _monday(20), _monday(21)
    sheets = [{"EmployeeID": employee, "StartDate": _ms_date(w), "EndDate": _ms_date(
        w + timedelta(days=6)), "TimesheetLines": [
            {"EarningsRateID": rate, "NumberOfUnits": [8, 8, 8, 8, 6, 0, 0]}]}
        for w in (week1, week2)]
    before = time.time()
    resp = au.request("POST", f"{V1}/Timesheets", json=sheets)
    body = checked(resp, SPECS["AU"], "/Timesheets")
    assert resp.status_code == 200
    made = body["Timesheets"]
    assert [t["Status"] for t in made] == ["DRAFT", "DRAFT"] and made[0]["Hours"] == 38
    stored = org.coll("payroll_au_timesheets").records[made[0]["TimesheetID"]]
    assert stored["Hours"] == 38 and stored["EmployeeID"] == employee
    since = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(before - 2))
    changed = au.get(f"{V1}/Timesheets", headers={"If-Modified-Since": since}).json()
    assert {t["TimesheetID"] for t in made} <= {t["TimesheetID"] for t in changed["Timesheets"]}
    # Approving is a POST of the timesheet with its new Status.
    approve = au.request("POST", f"{V1}/Timesheets/{made[0]['TimesheetID']}",
                         json={"Timesheets": [{**sheets[0], "Status": "APPROVED"}]})
    assert approve.status_code == 200, approve.text
    assert org.coll("payroll_au_timesheets").records[made[0]["TimesheetID"]][
        "Status"] == "APPROVED"
    v2 = au.get(f"{V2}/Timesheets/{made[0]['TimesheetID']}")
    seen = checked(v2, SPECS["AU2"], "/Timesheets/{id}")["timesheet"]
    assert seen["status"] == "Approved" and seen["totalHours"] == 38
    assert len(seen["timesheetLines"]) == 5


def test_au_timesheet_batch_is_refused_whole_with_each_elements_errors(payroll_sandbox,
                                                                       clients) -> None:
    au = clients["AU"]
    org = org_of(payroll_sandbox, au)
    employee, rate, _ = _au_refs(org)
    count = len(org.coll("payroll_au_timesheets"))
    week = _monday(30)
    good = {"EmployeeID": employee, "StartDate": _ms_date(week),
            "EndDate": _ms_date(week + timedelta(days=6)),
            "TimesheetLines": [{"EarningsRateID": rate, "NumberOfUnits": [1] * 7}]}
    bad = [{**good, "EmployeeID": "00000000-0000-4000-8000-000000000000"},
           {**good, "TimesheetLines": [{"EarningsRateID": rate, "NumberOfUnits": [1, 2]}]},
           {**good, "Status": "PROCESSED"}]
    resp = au.request("POST", f"{V1}/Timesheets", json=[good, *bad])
    assert resp.status_code == 400
    body = resp.json()
    assert body["Type"] == "ValidationException"
    errors = [e["ValidationErrors"] for e in body["Elements"]]
    assert len(errors) == 4 and all(errors[1:])
    assert any("not found" in m["Message"] for m in errors[1])
    assert any("NumberOfUnits" in m["Message"] for m in errors[2])
    assert any("Status" in m["Message"] for m in errors[3])
    assert any("already has a timesheet" in m["Message"] for m in errors[3])  # overlaps `good`
    assert len(org.coll("payroll_au_timesheets")) == count  # nothing stored
    processed = next(t for t in org.coll("payroll_au_timesheets").records.values()
                     if t["Status"] == "PROCESSED")
    again = au.request("POST", f"{V1}/Timesheets", json=[{**processed, "Status": "DRAFT"}])
    assert again.status_code == 400 and "processed" in again.text


def test_au_employees_and_leave_applications(payroll_sandbox, clients) -> None:
    au = clients["AU"]
    org = org_of(payroll_sandbox, au)
    employee, _, leave_type = _au_refs(org)
    resp = au.request("POST", f"{V1}/Employees", json=[{
        "FirstName": "Ada", "LastName": "Byron", "DateOfBirth": "1990-12-10T00:00:00"}])
    made = checked(resp, SPECS["AU"], "/Employees")["Employees"][0]
    assert made["DateOfBirth"].startswith("/Date(") and made["Status"] == "ACTIVE"
    update = au.request("POST", f"{V1}/Employees/{made['EmployeeID']}",
                        json=[{"LastName": "Lovelace"}])
    assert update.status_code == 200
    assert org.coll("payroll_au_employees").records[made["EmployeeID"]]["LastName"] == "Lovelace"
    missing = au.request("POST", f"{V1}/Employees", json=[{"LastName": "Nobody"}])
    assert missing.status_code == 400
    assert {m["Message"] for m in missing.json()["Elements"][0]["ValidationErrors"]} >= {
        "The FirstName is required", "The DateOfBirth is required"}
    leave = au.request("POST", f"{V1}/LeaveApplications", json=[{
        "EmployeeID": employee, "LeaveTypeID": leave_type, "Title": "Trip",
        "StartDate": "2027-03-01", "EndDate": "2027-03-05"}])
    got = checked(leave, SPECS["AU"], "/LeaveApplications")["LeaveApplications"][0]
    assert got["LeavePeriods"][0]["NumberOfUnits"] == 38.0
    assert got["LeaveApplicationID"] in org.coll("payroll_au_leave_applications").records
    wrong = au.request("POST", f"{V1}/LeaveApplications", json=[{
        "EmployeeID": employee, "LeaveTypeID": employee, "Title": "x",
        "StartDate": "2027-03-05", "EndDate": "2027-03-01"}])
    assert wrong.status_code == 400
    messages = {m["Message"] for m in wrong.json()["Elements"][0]["ValidationErrors"]}
    assert "The LeaveTypeID is not a leave type" in messages
    assert "The EndDate must not be before the StartDate" in messages


def test_idempotency_key_replays_the_first_answer(payroll_sandbox, clients) -> None:
    au = clients["AU"]
    org = org_of(payroll_sandbox, au)
    count = len(org.coll("payroll_au_employees"))
    body = [{"FirstName": "Once", "LastName": "Only", "DateOfBirth": "1980-01-01"}]
    first = au.request("POST", f"{V1}/Employees", json=body, headers={"Idempotency-Key": "k-1"})
    again = au.request("POST", f"{V1}/Employees", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert len(org.coll("payroll_au_employees")) == count + 1


# --- v2 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("region", ["NZ", "UK", "AU"])
def test_v2_timesheet_round_trip(payroll_sandbox, clients, region: str) -> None:
    client = clients[region]
    org = org_of(payroll_sandbox, client)
    spec = SPECS["AU2" if region == "AU" else region]
    pre = "payroll_au_v2_" if region == "AU" else f"payroll_{region.lower()}_"
    seeded = next(iter(org.coll(pre + "timesheets").records.values()))
    employee, calendar = seeded["employeeID"], seeded["payrollCalendarID"]
    rate = seeded["timesheetLines"][0]["earningsRateID"]
    week = _monday(40)
    resp = client.request("POST", f"{V2}/Timesheets", json={
        "payrollCalendarID": calendar, "employeeID": employee, "startDate": week.isoformat(),
        "endDate": (week + timedelta(days=6)).isoformat(),
        "timesheetLines": [{"date": week.isoformat(), "earningsRateID": rate,
                            "numberOfUnits": 7.5}]})
    assert resp.status_code == 200, resp.text
    ts = checked(resp, spec, "/Timesheets")["timesheet"]
    assert ts["status"] == "Draft" and ts["totalHours"] == 7.5
    tid = ts["timesheetID"]
    stored = lambda: org.coll(pre + "timesheets").records[tid]  # noqa: E731
    added = client.request("POST", f"{V2}/Timesheets/{tid}/Lines", json={
        "date": (week + timedelta(days=1)).isoformat(), "earningsRateID": rate,
        "numberOfUnits": 4})
    line = checked(added, spec, "/Timesheets/{id}/Lines")["timesheetLine"]
    assert stored()["totalHours"] == 11.5
    changed = client.request("PUT", f"{V2}/Timesheets/{tid}/Lines/{line['timesheetLineID']}",
                             json={**line, "numberOfUnits": 6})
    checked(changed, spec, "/Timesheets/{id}/Lines/{id}")
    assert stored()["totalHours"] == 13.5
    outside = client.request("POST", f"{V2}/Timesheets/{tid}/Lines", json={
        "date": (week + timedelta(days=9)).isoformat(), "earningsRateID": rate,
        "numberOfUnits": 1})
    assert outside.status_code == 400
    assert outside.json()["problem"]["invalidFields"][0]["name"] == "date"
    gone = client.request("DELETE", f"{V2}/Timesheets/{tid}/Lines/{line['timesheetLineID']}")
    assert checked(gone, spec, "/Timesheets/{id}/Lines/{id}")["timesheetLineID"] == line[
        "timesheetLineID"]
    assert stored()["totalHours"] == 7.5 and len(stored()["timesheetLines"]) == 1
    approved = client.request("POST", f"{V2}/Timesheets/{tid}/Approve")
    assert checked(approved, spec, "/Timesheets/{id}/Approve")["timesheet"]["status"] == \
        "Approved"
    locked = client.request("POST", f"{V2}/Timesheets/{tid}/Lines", json={
        "date": week.isoformat(), "earningsRateID": rate, "numberOfUnits": 1})
    assert locked.status_code == 400 and stored()["totalHours"] == 7.5
    kept = stored()["timesheetLines"][0]["timesheetLineID"]
    changed = client.request("PUT", f"{V2}/Timesheets/{tid}/Lines/{kept}", json={
        "date": week.isoformat(), "earningsRateID": rate, "numberOfUnits": 2})
    assert changed.status_code == 400 and stored()["totalHours"] == 7.5
    assert client.request("DELETE", f"{V2}/Timesheets/{tid}/Lines/{kept}").status_code == 400
    unknown = "00000000-0000-4000-8000-000000000000"
    assert client.request("DELETE", f"{V2}/Timesheets/{tid}/Lines/{unknown}").status_code == 404
    assert client.request("DELETE", f"{V2}/Timesheets/{unknown}/Lines/{kept}").status_code == 404
    assert client.request("DELETE", f"{V2}/Timesheets/{tid}").status_code == 400
    draft = client.request("POST", f"{V2}/Timesheets/{tid}/RevertToDraft")
    assert checked(draft, spec, "/Timesheets/{id}/RevertToDraft")["timesheet"]["status"] == \
        "Draft"
    assert client.request("POST", f"{V2}/Timesheets/{tid}/RevertToDraft").status_code == 400
    if region == "AU":  # the same timesheet through v1
        v1 = client.get(f"{V1}/Timesheets/{tid}").json()["Timesheets"][0]
        assert v1["Status"] == "DRAFT" and v1["Hours"] == 7.5
    deleted = client.request("DELETE", f"{V2}/Timesheets/{tid}")
    assert deleted.status_code == 200 and tid not in org.coll(pre + "timesheets").records
    assert client.get(f"{V2}/Timesheets/{tid}").status_code == 404
    completed = next(t for t in org.coll(pre + "timesheets").records.values()
                     if t["status"] == "Completed")
    assert client.request("DELETE", f"{V2}/Timesheets/{completed['timesheetID']}"
                          ).status_code == 400


def test_v2_timesheet_validation_names_the_fields(clients) -> None:
    nz = clients["NZ"]
    resp = nz.request("POST", f"{V2}/Timesheets", json={
        "employeeID": "00000000-0000-4000-8000-000000000000", "startDate": "2027-01-10",
        "endDate": "2027-01-03"})
    body = checked(resp, SPECS["NZ"], "/Timesheets")
    assert resp.status_code == 400 and body["httpStatusCode"] == "BadRequest"
    names = {f["name"] for f in body["problem"]["invalidFields"]}
    assert names == {"payrollCalendarID", "employeeID", "endDate"}
    assert nz.request("POST", f"{V2}/Timesheets/nope/Approve").status_code == 404


@pytest.mark.parametrize("region", ["NZ", "UK"])
def test_v2_employees_and_leave(payroll_sandbox, clients, region: str) -> None:
    client = clients[region]
    org = org_of(payroll_sandbox, client)
    spec, pre = SPECS[region], f"payroll_{region.lower()}_"
    person = {"title": "Ms", "firstName": "Grace", "lastName": "Hopper", "gender": "F",
              "dateOfBirth": "1985-12-09", "address": {
                  "addressLine1": "1 Main Street", "city": "Town", "postCode": "1010"}}
    resp = client.request("POST", f"{V2}/Employees", json=person)
    made = checked(resp, spec, "/Employees")["employee"]
    eid = made["employeeID"]
    assert org.coll(pre + "employees").records[eid]["dateOfBirth"] == "1985-12-09T00:00:00"
    first_update = made["updatedDateUTC"]
    put = client.request("PUT", f"{V2}/Employees/{eid}", json={**made, "lastName": "Murray"})
    assert checked(put, spec, "/Employees/{id}")["employee"]["lastName"] == "Murray"
    assert org.coll(pre + "employees").records[eid]["updatedDateUTC"] >= first_update
    bad = client.request("POST", f"{V2}/Employees", json={"firstName": "X", "gender": "Q"})
    names = {f["name"] for f in bad.json()["problem"]["invalidFields"]}
    assert bad.status_code == 400 and {"lastName", "dateOfBirth", "address", "gender"} <= names
    leave_type = next(iter(org.coll(pre + "leave_types").records))
    leave = client.request("POST", f"{V2}/Employees/{eid}/Leave", json={
        "leaveTypeID": leave_type, "description": "Holiday", "startDate": "2027-02-01",
        "endDate": "2027-02-05"})
    got = checked(leave, spec, "/Employees/{id}/Leave")["leave"]
    listed = client.get(f"{V2}/Employees/{eid}/Leave").json()["leave"]
    assert [x["leaveID"] for x in listed] == [got["leaveID"]]
    moved = client.request("PUT", f"{V2}/Employees/{eid}/Leave/{got['leaveID']}",
                           json={"startDate": "2027-02-08", "endDate": "2027-02-09"})
    kept = checked(moved, spec, "/Employees/{id}/Leave/{id}")["leave"]
    assert kept["leaveID"] == got["leaveID"] and kept["description"] == "Holiday"
    assert org.coll(pre + "employee_leave").records[got["leaveID"]]["endDate"] == \
        "2027-02-09T00:00:00"
    dropped = client.request("DELETE", f"{V2}/Employees/{eid}/Leave/{got['leaveID']}")
    checked(dropped, spec, "/Employees/{id}/Leave/{id}")
    assert client.get(f"{V2}/Employees/{eid}/Leave").json()["leave"] == []
    refused = client.request("POST", f"{V2}/Employees/{eid}/Leave", json={
        "leaveTypeID": eid, "startDate": "2027-02-05", "endDate": "2027-02-01"})
    assert {f["name"] for f in refused.json()["problem"]["invalidFields"]} == {
        "leaveTypeID", "description", "endDate"}
