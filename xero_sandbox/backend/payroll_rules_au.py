"""Payroll AU v1 writes as Xero takes them: POST /Timesheets (a batch: create, or update by
TimesheetID; Status DRAFT or APPROVED, so approving is a POST with Status), POST /Employees and
POST /LeaveApplications (create, or update by id, also at /{Resource}/{id}).

A batch with any invalid element is refused whole with a 400 ValidationException whose
Elements carry each element's ValidationErrors; nothing of it is stored. Every stored write
moves the record's UpdatedDateUTC, so If-Modified-Since reads see it.
"""

from __future__ import annotations

from typing import Any

from xero_sandbox.backend import payroll_shapes as shapes
from xero_sandbox.backend.answers import Answer
from xero_sandbox.backend.payroll_days import (
    AU_V1,
    day_of,
    mirror_au,
    number,
    v1_day,
    weekdays,
)
from xero_sandbox.backend.payroll_reads import find
from xero_sandbox.backend.store import Organisation, new_id

Record = dict[str, Any]
EMPLOYEES, LEAVE = "payroll_au_employees", "payroll_au_leave_applications"
TIMESHEET_STATUSES = ("DRAFT", "APPROVED")
HOURS_A_DAY = 7.6
GENDERS = ("N", "M", "F", "I")


def _items(body: Any, key: str) -> list[Any] | None:
    """A batch's elements: a bare list, {key: [...]}, or one object."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        inner = body.get(key)
        return inner if isinstance(inner, list) else [body]
    return None


def _pay_items(org: Organisation) -> Record:
    return next(iter(org.coll("payroll_au_pay_items").records.values()), {})


def _ids_of(org: Organisation, kind: str, pk: str) -> set[str]:
    return {str(x.get(pk, "")).lower() for x in _pay_items(org).get(kind, [])}


def _batch(org: Organisation, body: Any, key: str, record_id: str | None,
           check: Any, now_ms: int, provider: str, stream: str) -> Answer:
    items = _items(body, key)
    if not items or not all(isinstance(i, dict) for i in items):
        return shapes.v1_error(400, f"The request body must hold {key}")
    if record_id is not None:
        items = [{**items[0], _pk(stream): record_id}]
    built: list[tuple[Record, list[str]]] = []
    for item in items:
        built.append(check(org, item, [r for r, _ in built]))
    if any(errors for _, errors in built):
        return shapes.v1_invalid([{**rec, "ValidationErrors": [{"Message": m} for m in errors]}
                                  for rec, errors in built])
    coll = org.coll(stream)
    for rec, _ in built:
        coll.put(rec, now_ms)
        if stream == AU_V1:
            mirror_au(org, AU_V1, rec, rec["TimesheetID"], now_ms, new_id)
    return shapes.v1_list(key, [rec for rec, _ in built], now_ms, provider)


def _pk(stream: str) -> str:
    return {AU_V1: "TimesheetID", EMPLOYEES: "EmployeeID", LEAVE: "LeaveApplicationID"}[stream]


def _existing(org: Organisation, stream: str, item: Record, errors: list[str]
              ) -> Record | None:
    rid = item.get(_pk(stream))
    if not rid:
        return None
    ep = org.coll(stream).endpoint
    old = find(org, ep, str(rid))
    if old is None:
        errors.append(f"{_pk(stream)} {rid} was not found")
    return old


# --- timesheets --------------------------------------------------------------------------------

def post_timesheets(org: Organisation, body: Any, record_id: str | None, now_ms: int,
                    provider: str) -> Answer:
    return _batch(org, body, "Timesheets", record_id, _timesheet, now_ms, provider, AU_V1)


def _timesheet(org: Organisation, item: Record, batch: list[Record]) -> tuple[Record, list[str]]:
    errors: list[str] = []
    old = _existing(org, AU_V1, item, errors)
    rec: Record = {**(old or {}), **{k: v for k, v in item.items() if k != "ValidationErrors"}}
    rec["TimesheetID"] = str((old or {}).get("TimesheetID") or new_id())
    if old is not None and old.get("Status") == "PROCESSED":
        errors.append("The timesheet has been processed in a pay run and cannot be changed")
    employee = str(rec.get("EmployeeID") or "")
    if not employee:
        errors.append("The EmployeeID is required")
    elif find(org, org.coll(EMPLOYEES).endpoint, employee) is None:
        errors.append(f"The employee {employee} was not found")
    first, last = day_of(rec.get("StartDate")), day_of(rec.get("EndDate"))
    if first is None:
        errors.append("The StartDate is required (a date)")
    if last is None:
        errors.append("The EndDate is required (a date)")
    status = str(rec.get("Status") or "DRAFT").upper()
    if status not in TIMESHEET_STATUSES and not (old and status == old.get("Status")):
        errors.append(f"Status must be DRAFT or APPROVED, not {status}")
    rec["Status"] = status
    hours = 0.0
    if first is not None and last is not None:
        if last < first:
            errors.append("The EndDate must not be before the StartDate")
        days = last - first + 1
        rates = _ids_of(org, "EarningsRates", "EarningsRateID")
        lines = rec.get("TimesheetLines") or []
        if not isinstance(lines, list):
            errors.append("TimesheetLines must be a list")
            lines = []
        for line in lines:
            units = line.get("NumberOfUnits") if isinstance(line, dict) else None
            if not isinstance(line, dict) or str(line.get("EarningsRateID", "")).lower() \
                    not in rates:
                errors.append("A timesheet line's EarningsRateID is not an earnings rate")
                continue
            values = [number(u) for u in units] if isinstance(units, list) else []
            if len(values) != days or any(u is None or u < 0 for u in values):
                errors.append(f"A timesheet line needs NumberOfUnits for each of the {days} "
                              "days of the period (numbers, not negative)")
                continue
            line["NumberOfUnits"] = [float(u or 0) for u in values]
            hours += sum(line["NumberOfUnits"])
            line["UpdatedDateUTC"] = v1_day(last)
        rec["StartDate"], rec["EndDate"] = v1_day(first), v1_day(last)
        for other in [*org.coll(AU_V1).records.values(), *batch]:
            if other.get("EmployeeID") == employee and other["TimesheetID"] != rec[
                    "TimesheetID"] and _overlaps(other, first, last):
                errors.append("The employee already has a timesheet for this period")
                break
    rec["Hours"] = round(hours, 4)
    rec["TimesheetLines"] = rec.get("TimesheetLines") or []
    return rec, errors


def _overlaps(rec: Record, first: int, last: int) -> bool:
    a, b = day_of(rec.get("StartDate")), day_of(rec.get("EndDate"))
    return a is not None and b is not None and a <= last and first <= b


# --- employees ----------------------------------------------------------------------------------

def post_employees(org: Organisation, body: Any, record_id: str | None, now_ms: int,
                   provider: str) -> Answer:
    return _batch(org, body, "Employees", record_id, _employee, now_ms, provider, EMPLOYEES)


def _employee(org: Organisation, item: Record, batch: list[Record]) -> tuple[Record, list[str]]:
    errors: list[str] = []
    old = _existing(org, EMPLOYEES, item, errors)
    rec: Record = {**(old or {}), **{k: v for k, v in item.items() if k != "ValidationErrors"}}
    rec["EmployeeID"] = str((old or {}).get("EmployeeID") or new_id())
    rec.setdefault("Status", "ACTIVE")
    for name in ("FirstName", "LastName"):
        if not str(rec.get(name) or "").strip():
            errors.append(f"The {name} is required")
    for name in ("DateOfBirth", "StartDate", "TerminationDate"):
        if name in rec and rec[name] not in (None, ""):
            day = day_of(rec[name])
            if day is None:
                errors.append(f"The {name} is not a date")
            else:
                rec[name] = v1_day(day)
    if "DateOfBirth" not in rec:
        errors.append("The DateOfBirth is required")
    if rec.get("Gender") not in (None, *GENDERS):
        errors.append("Gender must be one of N, M, F, I")
    if rec.get("Status") not in ("ACTIVE", "TERMINATED"):
        errors.append("Status must be ACTIVE or TERMINATED")
    return rec, errors


# --- leave applications ---------------------------------------------------------------------

def post_leave_applications(org: Organisation, body: Any, record_id: str | None, now_ms: int,
                            provider: str) -> Answer:
    return _batch(org, body, "LeaveApplications", record_id, _leave, now_ms, provider, LEAVE)


def _leave(org: Organisation, item: Record, batch: list[Record]) -> tuple[Record, list[str]]:
    errors: list[str] = []
    old = _existing(org, LEAVE, item, errors)
    rec: Record = {**(old or {}), **{k: v for k, v in item.items() if k != "ValidationErrors"}}
    rec["LeaveApplicationID"] = str((old or {}).get("LeaveApplicationID") or new_id())
    if find(org, org.coll(EMPLOYEES).endpoint, str(rec.get("EmployeeID") or "")) is None:
        errors.append("The EmployeeID is not an employee")
    if str(rec.get("LeaveTypeID", "")).lower() not in _ids_of(org, "LeaveTypes", "LeaveTypeID"):
        errors.append("The LeaveTypeID is not a leave type")
    if not str(rec.get("Title") or "").strip():
        errors.append("The Title is required")
    first, last = day_of(rec.get("StartDate")), day_of(rec.get("EndDate"))
    if first is None or last is None:
        errors.append("The StartDate and EndDate are required (dates)")
    elif last < first:
        errors.append("The EndDate must not be before the StartDate")
    else:
        rec["StartDate"], rec["EndDate"] = v1_day(first), v1_day(last)
        if not rec.get("LeavePeriods"):
            rec["LeavePeriods"] = [{
                "NumberOfUnits": round(weekdays(first, last) * HOURS_A_DAY, 4),
                "PayPeriodStartDate": v1_day(first), "PayPeriodEndDate": v1_day(last),
                "LeavePeriodStatus": "SCHEDULED"}]
    rec.setdefault("PayOutType", "DEFAULT")
    return rec, errors
