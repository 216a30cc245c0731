"""The seeded payroll of each demo organisation: the region's API only, shaped as its spec says
(AU v1 PascalCase with /Date()/ dates, v2 camelCase with ISO dates), consistent references,
scaled by `size`, and the same for the same seed."""

from __future__ import annotations

import json
import re

import pytest

from xero_core.endpoints import ENDPOINTS
from xero_sandbox.backend.seed import generate
from xero_sandbox.backend.store import Organisation

NOW = 1_780_000_000_000  # 2026-05-28
MS_DATE = re.compile(r"^/Date\(-?\d+\+0000\)/$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


@pytest.fixture(scope="module")
def orgs() -> list[Organisation]:
    return generate(seed=42, size=120, orgs=4, now_ms=NOW)


def payroll_counts(org: Organisation) -> dict[str, int]:
    return {s: len(c) for s, c in org.collections.items() if c.endpoint.region and len(c)}


def test_each_organisation_has_only_its_regions_payroll(orgs: list[Organisation]) -> None:
    regions = {"NZ": "NZ", "GB": "UK", "AU": "AU"}
    for org in orgs[:3]:
        region = regions[org.country]
        rows = [ep for ep in ENDPOINTS if ep.region == region]
        counts = payroll_counts(org)
        assert {org.coll(s).endpoint.region for s in counts} == {region}
        # Every resource of the region has records, except the rows served from inside their
        # parent (a pay run's payslip summaries, a timesheet's lines).
        empty = [ep.stream for ep in rows if not ep.nested_key and ep.stream not in counts]
        assert empty == []
    assert payroll_counts(orgs[3]) == {}  # Demo Company (US): no payroll API


def test_scale_follows_size() -> None:
    small = generate(seed=3, size=40, orgs=3, now_ms=NOW)[2]
    large = generate(seed=3, size=400, orgs=3, now_ms=NOW)[2]
    assert len(small.coll("payroll_au_employees")) == 4
    assert len(large.coll("payroll_au_employees")) == 40
    assert len(small.coll("payroll_au_pay_runs")) == 5
    assert len(large.coll("payroll_au_pay_runs")) == 26
    assert len(large.coll("payroll_au_timesheets")) > 5 * len(small.coll("payroll_au_timesheets"))


def test_same_seed_same_payroll() -> None:
    a = generate(seed=8, size=50, orgs=3, now_ms=NOW)
    b = generate(seed=8, size=50, orgs=3, now_ms=NOW)
    for x, y in zip(a, b, strict=True):
        for stream in payroll_counts(x):
            assert json.dumps(list(x.coll(stream).records.values())) == json.dumps(
                list(y.coll(stream).records.values()))


def test_au_v1_records_are_pascal_case_with_ms_dates(orgs: list[Organisation]) -> None:
    au = orgs[2]
    employees = list(au.coll("payroll_au_employees").records.values())
    calendars = set(au.coll("payroll_au_payroll_calendars").records)
    items = next(iter(au.coll("payroll_au_pay_items").records.values()))
    rates = {r["EarningsRateID"] for r in items["EarningsRates"]}
    for emp in employees:
        assert MS_DATE.match(emp["DateOfBirth"]) and MS_DATE.match(emp["UpdatedDateUTC"])
        assert emp["PayrollCalendarID"] in calendars and emp["OrdinaryEarningsRateID"] in rates
        assert emp["Status"] in ("ACTIVE", "TERMINATED")
    ids = {e["EmployeeID"] for e in employees}
    for ts in au.coll("payroll_au_timesheets").records.values():
        assert ts["EmployeeID"] in ids and MS_DATE.match(ts["StartDate"])
        days = len(ts["TimesheetLines"][0]["NumberOfUnits"])
        assert days == 14 and ts["Hours"] == pytest.approx(
            sum(sum(line["NumberOfUnits"]) for line in ts["TimesheetLines"]))
    slips = au.coll("payroll_au_payslips").records
    for run in au.coll("payroll_au_pay_runs").records.values():
        assert run["Payslips"] and all(s["PayslipID"] in slips for s in run["Payslips"])
        assert run["Wages"] == pytest.approx(sum(s["Wages"] for s in run["Payslips"]), abs=0.05)
    statuses = [r["PayRunStatus"] for r in au.coll("payroll_au_pay_runs").ordered()]
    assert statuses[-1] == "DRAFT" and set(statuses[:-1]) == {"POSTED"}
    # AU's v2 timesheets are the same timesheets.
    assert set(au.coll("payroll_au_v2_timesheets").records) == set(
        au.coll("payroll_au_timesheets").records)


@pytest.mark.parametrize("index,pre", [(0, "payroll_nz_"), (1, "payroll_uk_")])
def test_v2_records_are_camel_case_with_iso_dates(orgs: list[Organisation], index: int,
                                                  pre: str) -> None:
    org = orgs[index]
    employees = org.coll(pre + "employees").records
    rates = set(org.coll(pre + "earnings_rates").records)
    for emp in employees.values():
        assert ISO.match(emp["dateOfBirth"]) and ISO.match(emp["updatedDateUTC"])
        assert set(emp["address"]) >= {"addressLine1", "city", "postCode"}
    for ts in org.coll(pre + "timesheets").records.values():
        assert ts["employeeID"] in employees and ts["status"] in ("Approved", "Completed")
        assert all(line["earningsRateID"] in rates for line in ts["timesheetLines"])
        assert ts["totalHours"] == pytest.approx(
            sum(line["numberOfUnits"] for line in ts["timesheetLines"]))
    runs = org.coll(pre + "pay_runs").records
    for slip in org.coll(pre + "payslips").records.values():
        assert slip["payRunID"] in runs and slip["employeeID"] in employees
    for leave in org.coll(pre + "employee_leave").records.values():
        assert leave["employeeID"] in employees
    balances = org.coll(pre + "employee_leave_balances")
    assert len(balances) == 2 * len(employees)  # one per employee and leave type
