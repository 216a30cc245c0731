"""target-xero writes to the Payroll APIs (AU v1, NZ and UK v2): timesheets created, approved,
their lines changed and reverted to draft; AU's batch of timesheets in one call; employees and
leave; what the sandbox holds after each write; re-runs that write nothing; a killed run re-run;
records of another region and records Xero refuses rejected with the reason."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import pytest

from tests.conftest import SandboxAPI
from tests.target.conftest import (
    OPEN_SCHEMA,
    record_msg,
    run_target,
    schema_msg,
    singer_lines,
    target_config,
)

NZ, UK, AU = 0, 1, 2  # the sandbox's demo organisations, one per payroll region
V1, V2 = "/payroll.xro/1.0", "/payroll.xro/2.0"


def _stream(name: str, records: list[dict[str, Any]], keys: list[str]) -> list[dict[str, Any]]:
    return [schema_msg(name, OPEN_SCHEMA, keys), *(record_msg(name, r) for r in records)]


def _writes(sandbox: Any) -> list[tuple[str, str]]:
    return [(r["method"], r["path"]) for r in sandbox.requests()
            if "/payroll.xro/" in r.get("path", "") and r["method"] != "GET"]


def _get(api: SandboxAPI, path: str, key: str) -> Any:
    resp = api.get(path)
    assert resp.status_code == 200, resp.text
    return resp.json()[key]


def _v2_setup(api: SandboxAPI) -> tuple[list[str], str, str]:
    """(employee ids, a payroll calendar id, an earnings rate id) of a v2 organisation."""
    employees = [e["employeeID"] for e in _get(api, f"{V2}/Employees", "employees")]
    calendar = _get(api, f"{V2}/PayRunCalendars", "payRunCalendars")[0]["payrollCalendarID"]
    rate = _get(api, f"{V2}/EarningsRates", "earningsRates")[0]["earningsRateID"]
    return employees, calendar, rate


def _v2_timesheet(api: SandboxAPI, employee: str, start: str) -> dict[str, Any]:
    found = [t for t in _get(api, f"{V2}/Timesheets", "timesheets")
             if t["employeeID"] == employee and t["startDate"].startswith(start)]
    assert len(found) == 1, found
    return dict(_get(api, f"{V2}/Timesheets/{found[0]['timesheetID']}", "timesheet"))


def _lines(ts: dict[str, Any]) -> list[tuple[str, float]]:
    return sorted((line["date"][:10], line["numberOfUnits"]) for line in ts["timesheetLines"])


@pytest.mark.parametrize(("org", "stream"), [(NZ, "payroll_nz_timesheets"),
                                             (UK, "payroll_uk_timesheets")])
def test_v2_timesheet_create_approve_change_lines_revert(clean_payroll, tmp_path, org, stream
                                                         ) -> None:
    sb = clean_payroll
    api = SandboxAPI(sb, org)
    employees, calendar, rate = _v2_setup(api)

    def line(day: str, units: float) -> dict[str, Any]:
        return {"date": f"2027-06-{day}", "earningsRateID": rate, "numberOfUnits": units}

    record = {"shift_week": "W23", "employeeID": employees[0], "payrollCalendarID": calendar,
              "startDate": "2027-06-07", "endDate": "2027-06-20", "status": "Approved",
              "timesheetLines": [line("07", 8), line("08", 7.5), line("09", 6)]}
    config = target_config(sb, tmp_path, org, results_path=str(tmp_path / "results.jsonl"))
    res = run_target(config, _stream(stream, [record], ["shift_week"]))
    assert res.rejects == [] and res.count(stream, "created") == 1
    ts = _v2_timesheet(api, employees[0], "2027-06-07")
    tid = ts["timesheetID"]
    assert ts["status"] == "Approved"
    assert _lines(ts) == [("2027-06-07", 8), ("2027-06-08", 7.5), ("2027-06-09", 6)]
    assert _writes(sb) == [("POST", f"{V2}/Timesheets"), ("POST", f"{V2}/Timesheets/{tid}/Approve")]
    result = json.loads((tmp_path / "results.jsonl").read_text().splitlines()[-1])
    assert (result["source_key"], result["xero_id"], result["action"]) == ("W23", tid, "created")

    sb.clear_requests()  # the same record again: found by employee and start date
    assert run_target(config, _stream(stream, [record], ["shift_week"])).count(
        stream, "skipped") == 1
    assert _writes(sb) == []

    # Changed lines of an approved timesheet: reverted to draft, lines PUT / POSTed /
    # DELETEd, approved again.
    changed = {**record, "timesheetLines": [line("07", 9), line("09", 6), line("16", 5)]}
    sb.clear_requests()
    res = run_target(config, _stream(stream, [changed], ["shift_week"]))
    assert res.rejects == [] and res.count(stream, "updated") == 1
    ts = _v2_timesheet(api, employees[0], "2027-06-07")
    assert ts["status"] == "Approved" and ts["timesheetID"] == tid
    assert _lines(ts) == [("2027-06-07", 9), ("2027-06-09", 6), ("2027-06-16", 5)]
    calls = _writes(sb)
    assert calls[0] == ("POST", f"{V2}/Timesheets/{tid}/RevertToDraft")
    assert calls[-1] == ("POST", f"{V2}/Timesheets/{tid}/Approve")
    assert sorted(m for m, _ in calls[1:-1]) == ["DELETE", "POST", "PUT"]
    assert all(p.startswith(f"{V2}/Timesheets/{tid}/Lines") for _, p in calls[1:-1])
    sb.clear_requests()
    assert run_target(config, _stream(stream, [changed], ["shift_week"])).count(
        stream, "skipped") == 1
    assert _writes(sb) == []

    # Back to draft: one call.
    res = run_target(config, _stream(stream, [{**changed, "status": "Draft"}], ["shift_week"]))
    assert res.count(stream, "updated") == 1
    assert _writes(sb) == [("POST", f"{V2}/Timesheets/{tid}/RevertToDraft")]
    assert _v2_timesheet(api, employees[0], "2027-06-07")["status"] == "Draft"


def test_au_v2_timesheet_created_and_approved(clean_payroll, tmp_path) -> None:
    """AU's v2 timesheets (/payroll.xro/2.0) with the AU organisation's v1 ids."""
    sb = clean_payroll
    api = SandboxAPI(sb, AU)
    employees, rate = _au_setup(api)
    calendar = _get(api, f"{V1}/PayrollCalendars", "PayrollCalendars")[0]["PayrollCalendarID"]
    record = {"employeeID": employees[0], "payrollCalendarID": calendar,
              "startDate": "2027-08-02", "endDate": "2027-08-08", "status": "Approved",
              "timesheetLines": [{"date": "2027-08-02", "earningsRateID": rate,
                                  "numberOfUnits": 7.6}]}
    stream = "payroll_au_v2_timesheets"
    config = target_config(sb, tmp_path, AU)
    for _ in range(2):
        res = run_target(config, _stream(stream, [record], []))
        assert res.rejects == []
    ts = _v2_timesheet(api, employees[0], "2027-08-02")
    assert ts["status"] == "Approved" and _lines(ts) == [("2027-08-02", 7.6)]
    assert [m for m, _ in _writes(sb)] == ["POST", "POST"]  # create, approve; then nothing


def _au_setup(api: SandboxAPI) -> tuple[list[str], str]:
    employees = [e["EmployeeID"] for e in _get(api, f"{V1}/Employees", "Employees")]
    items = _get(api, f"{V1}/PayItems", "PayItems")
    return employees, items["EarningsRates"][0]["EarningsRateID"]


def _au_timesheets(api: SandboxAPI) -> list[dict[str, Any]]:
    return [t for t in _get(api, f"{V1}/Timesheets", "Timesheets")
            if "/Date(1812" in str(t.get("StartDate")) or "2027-06" in str(t.get("StartDate"))]


def test_au_timesheets_batched_once_approved_inline_invalid_rejected(clean_payroll, tmp_path
                                                                     ) -> None:
    sb = clean_payroll
    api = SandboxAPI(sb, AU)
    employees, rate = _au_setup(api)
    week = [8, 8, 7, 8, 6, 0, 0]

    def sheet(i: int, status: str = "DRAFT", rate_id: str = rate, day: int = 7
              ) -> dict[str, Any]:
        return {"EmployeeID": employees[i], "StartDate": f"2027-06-{day:02d}T00:00:00",
                "EndDate": f"2027-06-{day + 6:02d}T00:00:00", "Status": status,
                "TimesheetLines": [{"EarningsRateID": rate_id, "NumberOfUnits": week}]}

    records = [sheet(0, "APPROVED"), sheet(1), sheet(2)]
    config = target_config(sb, tmp_path, AU)
    res = run_target(config, _stream("payroll_au_timesheets", records, []))
    assert res.rejects == [] and res.count("payroll_au_timesheets", "created") == 3
    assert _writes(sb) == [("POST", f"{V1}/Timesheets")]  # one array of three
    held = {t["EmployeeID"]: t for t in _au_timesheets(api)}
    assert set(held) == set(employees[:3])
    assert held[employees[0]]["Status"] == "APPROVED" and held[employees[1]]["Status"] == "DRAFT"
    assert held[employees[1]]["TimesheetLines"][0]["NumberOfUnits"] == week

    sb.clear_requests()
    again = run_target(config, _stream("payroll_au_timesheets", records, []))
    assert again.rejects == [] and again.count("payroll_au_timesheets", "skipped") == 3
    assert _writes(sb) == []

    # Xero refuses an array with one bad element as a whole: that one is rejected with
    # Xero's message, the others are sent again without it.
    bad = {**sheet(3), "TimesheetLines": [
        {"EarningsRateID": "00000000-0000-0000-0000-0000000000aa", "NumberOfUnits": week}]}
    res = run_target(config, _stream("payroll_au_timesheets", [bad, sheet(3, day=14)], []))
    assert res.count("payroll_au_timesheets", "created") == 1
    assert [(r["record"]["EmployeeID"], r["reasons"]) for r in res.rejects] == [
        (employees[3], ["A timesheet line's EarningsRateID is not an earnings rate"])]
    assert [r["status"] for r in sb.requests() if r["method"] == "POST"
            and r["path"] == f"{V1}/Timesheets"] == [400, 200]
    assert sorted((t["EmployeeID"], t["StartDate"]) for t in _au_timesheets(api)
                  if t["EmployeeID"] == employees[3]) == [
        (employees[3], "/Date(1812931200000+0000)/")]
    sb.clear_requests()

    longer = {**sheet(1, "APPROVED"), "TimesheetLines": [
        {"EarningsRateID": rate, "NumberOfUnits": [9, 8, 7, 8, 6, 0, 0]}]}
    config["rejects_path"] = str(tmp_path / "rejects-2.jsonl")
    res = run_target(config, _stream("payroll_au_timesheets", [longer], []))
    assert res.rejects == [] and res.count("payroll_au_timesheets", "updated") == 1
    tid = held[employees[1]]["TimesheetID"]
    assert _writes(sb) == [("POST", f"{V1}/Timesheets/{tid}")]
    now = {t["EmployeeID"]: t for t in _au_timesheets(api)}[employees[1]]
    assert now["Status"] == "APPROVED" and now["TimesheetLines"][0]["NumberOfUnits"][0] == 9


@pytest.mark.parametrize(("stream", "org", "wanted", "have"), [
    ("payroll_nz_timesheets", UK, "Payroll NZ", "runs Payroll UK"),
    ("payroll_uk_timesheets", AU, "Payroll UK", "runs Payroll AU"),
    ("payroll_au_timesheets", NZ, "Payroll AU", "runs Payroll NZ"),
])
def test_a_timesheet_of_another_region_is_rejected_not_sent(clean_payroll, tmp_path, stream,
                                                            org, wanted, have) -> None:
    record = {"employeeID": "d18d0934-d4f3-4ae3-9d2d-c4d5a3505eb9", "startDate": "2027-06-07",
              "EmployeeID": "d18d0934-d4f3-4ae3-9d2d-c4d5a3505eb9", "StartDate": "2027-06-07"}
    res = run_target(target_config(clean_payroll, tmp_path, org),
                     [*_stream(stream, [record, record], []), {"type": "STATE",
                                                               "value": {"done": 1}}])
    assert res.error is None
    assert len(res.rejects) == 2
    reason = res.rejects[0]["reasons"][0]
    assert res.rejects[0]["stream"] == stream
    assert f"{stream} is {wanted}" in reason and have in reason, reason
    assert [r for r in clean_payroll.requests() if "/payroll.xro/" in r.get("path", "")] == []
    assert res.states == [{"done": 1}]  # settled (rejected), so the state moves on


def test_v2_refusals_carry_xeros_reason_and_field(clean_payroll, tmp_path) -> None:
    api = SandboxAPI(clean_payroll, NZ)
    employees, calendar, _ = _v2_setup(api)
    bad = {"employeeID": employees[1], "payrollCalendarID": calendar,
           "startDate": "2027-06-07", "endDate": "2027-06-20",
           "timesheetLines": [{"date": "2027-06-07", "earningsRateID": employees[0],
                               "numberOfUnits": 8}]}
    res = run_target(target_config(clean_payroll, tmp_path, NZ),
                     _stream("payroll_nz_timesheets", [bad], []))
    assert len(res.rejects) == 1
    reject = res.rejects[0]
    assert reject["stream"] == "payroll_nz_timesheets" and reject["record"]["employeeID"]
    assert any("earningsRateID" in r and "not found" in r for r in reject["reasons"]), reject
    assert not [t for t in _get(api, f"{V2}/Timesheets", "timesheets")
                if t["employeeID"] == employees[1] and t["startDate"].startswith("2027-06-07")]


def test_employees_and_leave_nz_and_au(clean_payroll, tmp_path) -> None:
    sb = clean_payroll
    api = SandboxAPI(sb, NZ)
    person = {"staff_id": "S-1", "firstName": "Tui", "lastName": "Example",
              "dateOfBirth": "1990-04-01T00:00:00", "email": "tui@example.com",
              "address": {"addressLine1": "1 Queen St", "city": "Auckland",
                          "postCode": "1010", "countryName": "NEW ZEALAND"}}
    config = target_config(sb, tmp_path, NZ)
    res = run_target(config, _stream("payroll_nz_employees", [person], ["staff_id"]))
    assert res.rejects == [] and res.count("payroll_nz_employees", "created") == 1
    mine = [e for e in _get(api, f"{V2}/Employees", "employees") if e["firstName"] == "Tui"]
    assert len(mine) == 1 and mine[0]["email"] == "tui@example.com"
    eid = mine[0]["employeeID"]
    sb.clear_requests()
    res = run_target(config, _stream("payroll_nz_employees", [{**person, "email": "t@ex.nz"}],
                                      ["staff_id"]))
    assert res.count("payroll_nz_employees", "updated") == 1
    assert _writes(sb) == [("PUT", f"{V2}/Employees/{eid}")]
    assert _get(api, f"{V2}/Employees/{eid}", "employee")["email"] == "t@ex.nz"

    leave_type = _get(api, f"{V2}/LeaveTypes", "leaveTypes")[0]["leaveTypeID"]
    leave = {"employeeID": eid, "leaveTypeID": leave_type, "description": "Holiday",
             "startDate": "2027-07-05T00:00:00", "endDate": "2027-07-09T00:00:00"}
    sb.clear_requests()
    for _ in range(2):
        res = run_target(config, _stream("payroll_nz_employee_leave", [leave], []))
        assert res.rejects == []
    assert _writes(sb) == [("POST", f"{V2}/Employees/{eid}/Leave")]
    held = _get(api, f"{V2}/Employees/{eid}/Leave", "leave")
    assert [(x["description"], x["startDate"][:10]) for x in held] == [("Holiday", "2027-07-05")]

    au = SandboxAPI(sb, AU)
    au_person = {"FirstName": "Matilda", "LastName": "Example",
                 "DateOfBirth": "1988-02-03T00:00:00", "Email": "m@example.com.au",
                 "HomeAddress": {"AddressLine1": "1 George St", "City": "Sydney",
                                 "Region": "NSW", "PostalCode": "2000", "Country": "AUSTRALIA"}}
    au_config = target_config(sb, tmp_path, AU)
    for _ in range(2):
        res = run_target(au_config, _stream("payroll_au_employees", [au_person], []))
        assert res.rejects == []
    matilda = [e for e in _get(au, f"{V1}/Employees", "Employees")
               if e.get("FirstName") == "Matilda"]
    assert len(matilda) == 1
    au_type = _get(au, f"{V1}/PayItems", "PayItems")["LeaveTypes"][0]["LeaveTypeID"]
    application = {"EmployeeID": matilda[0]["EmployeeID"], "LeaveTypeID": au_type,
                   "Title": "Holiday", "StartDate": "2027-07-05T00:00:00",
                   "EndDate": "2027-07-09T00:00:00"}
    for _ in range(2):
        res = run_target(au_config, _stream("payroll_au_leave_applications", [application], []))
        assert res.rejects == []
    apps = [a for a in _get(au, f"{V1}/LeaveApplications", "LeaveApplications")
            if a.get("EmployeeID") == matilda[0]["EmployeeID"]]
    assert [a["Title"] for a in apps] == ["Holiday"]


def test_killed_timesheet_run_rerun_writes_each_once(clean_payroll, tmp_path) -> None:
    sb = clean_payroll
    api = SandboxAPI(sb, NZ)
    employees, calendar, rate = _v2_setup(api)
    records = [{"employeeID": e, "payrollCalendarID": calendar, "startDate": start,
                "endDate": end, "timesheetLines": [{"date": start, "earningsRateID": rate,
                                                     "numberOfUnits": 8}]}
               for e in employees[:4] for start, end in (("2027-06-07", "2027-06-20"),
                                                         ("2027-06-21", "2027-07-04"))]
    (tmp_path / "config.json").write_text(json.dumps(target_config(sb, tmp_path, NZ)))
    (tmp_path / "input.jsonl").write_text(singer_lines(_stream("payroll_nz_timesheets",
                                                               records, [])))
    cmd = [sys.executable, "-m", "target_xero.target", "--config", str(tmp_path / "config.json"),
           "--input", str(tmp_path / "input.jsonl")]
    sb.fault("slow", path="/Timesheets$", method="POST", nth=4, count=1, seconds=3)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(_writes(sb)) < 3:
        time.sleep(0.05)
    time.sleep(0.3)  # the 4th create is in flight (the log holds answered calls)
    proc.kill()
    proc.wait()
    time.sleep(3.5)  # the server finishes the create the target never saw answered

    def mine() -> Counter[tuple[str, str]]:
        return Counter((t["employeeID"], t["startDate"][:10])
                       for t in _get(api, f"{V2}/Timesheets", "timesheets")
                       if t["startDate"].startswith("2027-0"))

    assert 0 < sum(mine().values()) < 8
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert mine() == Counter({(r["employeeID"], r["startDate"]): 1 for r in records})


def test_identity_cache_rerun_makes_no_payroll_call(clean_payroll, tmp_path) -> None:
    sb = clean_payroll
    api = SandboxAPI(sb, UK)
    employees, calendar, rate = _v2_setup(api)
    records = [{"shift": f"S-{i}", "employeeID": e, "payrollCalendarID": calendar,
                "startDate": "2027-09-06", "endDate": "2027-09-19",
                "timesheetLines": [{"date": "2027-09-06", "earningsRateID": rate,
                                    "numberOfUnits": 8}]} for i, e in enumerate(employees[:2])]
    config = target_config(sb, tmp_path, UK, identity_cache_path=str(tmp_path / "ids.db"))
    stream = "payroll_uk_timesheets"
    assert run_target(config, _stream(stream, records, ["shift"])).count(stream, "created") == 2
    sb.clear_requests()
    again = run_target(config, _stream(stream, records, ["shift"]))
    assert again.rejects == [] and again.count(stream, "skipped") == 2
    assert [r["path"] for r in sb.requests() if "/payroll.xro/" in r["path"]
            or "/api.xro/" in r["path"]] == []  # the cache answered: no call at all
    # A changed record is not decided by the cache: Xero is asked and the line changed.
    changed = [{**records[0], "timesheetLines": [{**records[0]["timesheetLines"][0],
                                                  "numberOfUnits": 6}]}, records[1]]
    res = run_target(config, _stream(stream, changed, ["shift"]))
    assert res.count(stream, "updated") == 1 and res.count(stream, "skipped") == 1
    assert [m for m, p in _writes(sb) if "/Lines/" in p] == ["PUT"]
    assert _lines(_v2_timesheet(api, employees[0], "2027-09-06")) == [("2027-09-06", 6)]


def test_server_errors_stop_the_run_without_state(clean_payroll, tmp_path) -> None:
    """A write Xero keeps failing (500 after retries) stops the run before the STATE that
    follows it: the state moves only past what is confirmed."""
    from xero_core.errors import ServerError

    sb = clean_payroll
    api = SandboxAPI(sb, NZ)
    employees, calendar, rate = _v2_setup(api)
    record = {"employeeID": employees[2], "payrollCalendarID": calendar,
              "startDate": "2027-10-04", "endDate": "2027-10-17",
              "timesheetLines": [{"date": "2027-10-04", "earningsRateID": rate,
                                  "numberOfUnits": 8}]}
    sb.fault("500", path="/Timesheets$", method="POST", count=None)
    with pytest.raises(ServerError):
        run_target(target_config(sb, tmp_path, NZ),
                   [*_stream("payroll_nz_timesheets", [record], []),
                    {"type": "STATE", "value": {"after": 1}}])
    sb.clear_faults()
    posts = [r for r in sb.requests() if r["method"] == "POST" and r["path"].endswith(
        "/Timesheets")]
    assert len(posts) == 4  # the first try and max_retries 3, one Idempotency-Key
    assert len({(r.get("headers") or {}).get("Idempotency-Key") for r in posts}) == 1
    assert not [t for t in _get(api, f"{V2}/Timesheets", "timesheets")
                if t["startDate"].startswith("2027-10-04")]


def test_au_timesheets_read_back_as_they_are_write_nothing(clean_payroll, tmp_path) -> None:
    """The organisation's own timesheets sent back (processed ones too) change nothing; a
    processed timesheet copied to a new period is created approved (Xero alone processes)."""
    sb = clean_payroll
    api = SandboxAPI(sb, AU)
    seeded = _get(api, f"{V1}/Timesheets", "Timesheets")
    assert {t["Status"] for t in seeded} >= {"PROCESSED"}
    config = target_config(sb, tmp_path, AU)
    res = run_target(config, _stream("payroll_au_timesheets", seeded, ["TimesheetID"]))
    assert res.rejects == [] and res.count("payroll_au_timesheets", "skipped") == len(seeded)
    assert _writes(sb) == []
    processed = next(t for t in seeded if t["Status"] == "PROCESSED")
    days = len(processed["TimesheetLines"][0]["NumberOfUnits"])
    copy = {**{k: v for k, v in processed.items() if k != "TimesheetID"},
            "StartDate": "2027-11-01T00:00:00", "EndDate": f"2027-11-{days:02d}T00:00:00"}
    res = run_target(config, _stream("payroll_au_timesheets", [copy], []))
    assert res.rejects == [] and res.count("payroll_au_timesheets", "created") == 1
    made = [t for t in _get(api, f"{V1}/Timesheets", "Timesheets")
            if t["EmployeeID"] == processed["EmployeeID"] and t["TimesheetID"] not in
            {s["TimesheetID"] for s in seeded}]
    assert [t["Status"] for t in made] == ["APPROVED"]
