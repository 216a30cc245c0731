"""Payroll v2 writes (NZ, UK, and AU's v2 timesheets) as Xero takes them: POST /Timesheets (one
timesheet, created Draft), POST /Timesheets/{id}/Lines, PUT and DELETE
/Timesheets/{id}/Lines/{lineId} (a Draft timesheet's lines only), POST
/Timesheets/{id}/Approve and /RevertToDraft, DELETE /Timesheets/{id} (Draft only); NZ and UK
also POST /Employees, PUT /Employees/{id}, POST /Employees/{id}/Leave and PUT / DELETE
/Employees/{id}/Leave/{leaveId}.

A refused write answers 400 with the v2 `problem` naming each invalid field; an unknown id
404. Every write moves `updatedDateUTC` and the record's place in the updated-order index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xero_sandbox.backend import payroll_shapes as shapes
from xero_sandbox.backend.answers import Answer
from xero_sandbox.backend.payroll_days import (
    AU_V2,
    day_of,
    iso_day,
    iso_time,
    mirror_au,
    number,
)
from xero_sandbox.backend.payroll_reads import find
from xero_sandbox.backend.store import Organisation, new_id

Record = dict[str, Any]
Invalid = list[tuple[str, str]]


@dataclass(frozen=True)
class Region:
    """Where one region's v2 API keeps what a timesheet or leave refers to."""

    code: str  # AU / NZ / UK
    timesheets: str
    employees: str
    employee_id: str  # the id field of those employee records
    calendars: str
    calendar_id: str

    def earnings_rates(self, org: Organisation) -> set[str]:
        if self.code == "AU":
            items = next(iter(org.coll("payroll_au_pay_items").records.values()), {})
            return {str(r["EarningsRateID"]).lower() for r in items.get("EarningsRates", [])}
        coll = org.coll(f"payroll_{self.code.lower()}_earnings_rates")
        return {k.lower() for k in coll.records}


REGIONS = {
    "AU": Region("AU", AU_V2, "payroll_au_employees", "EmployeeID",
                 "payroll_au_payroll_calendars", "PayrollCalendarID"),
    "NZ": Region("NZ", "payroll_nz_timesheets", "payroll_nz_employees", "employeeID",
                 "payroll_nz_pay_run_calendars", "payrollCalendarID"),
    "UK": Region("UK", "payroll_uk_timesheets", "payroll_uk_employees", "employeeID",
                 "payroll_uk_pay_run_calendars", "payrollCalendarID"),
}


class Writes:
    """One v2 write against one organisation of `region`."""

    def __init__(self, org: Organisation, region: str, now_ms: int, provider: str) -> None:
        self.org, self.r, self.now, self.provider = org, REGIONS[region], now_ms, provider

    # --- helpers ------------------------------------------------------------------------------
    def _find(self, stream: str, rid: str) -> Record | None:
        return find(self.org, self.org.coll(stream).endpoint, rid)

    def _invalid(self, invalid: Invalid) -> Answer:
        return shapes.v2_invalid(invalid, self.now, self.provider)

    def _missing(self) -> Answer:
        return shapes.v2_not_found(self.now, self.provider)

    def _save_timesheet(self, rec: Record) -> Answer:
        rec["totalHours"] = round(sum(float(ln["numberOfUnits"])
                                      for ln in rec.get("timesheetLines", [])), 4)
        rec["updatedDateUTC"] = iso_time(self.now)
        self.org.coll(self.r.timesheets).put(rec, self.now)
        if self.r.code == "AU":
            mirror_au(self.org, AU_V2, rec, rec["timesheetID"], self.now, new_id)
        return shapes.v2_ok("timesheet", rec, self.now, self.provider)

    def _line(self, ts: Record, body: Record, old: Record | None = None
              ) -> tuple[Record, Invalid]:
        line = {**(old or {}), **{k: v for k, v in body.items() if k in (
            "date", "earningsRateID", "trackingItemID", "numberOfUnits")}}
        invalid: Invalid = []
        day = day_of(line.get("date"))
        first, last = day_of(ts["startDate"]), day_of(ts["endDate"])
        if day is None:
            invalid.append(("date", "The date is required (a date)"))
        elif first is not None and last is not None and not first <= day <= last:
            invalid.append(("date", "The date must be within the timesheet's period"))
        else:
            line["date"] = iso_day(day)
        if str(line.get("earningsRateID", "")).lower() not in self.r.earnings_rates(self.org):
            invalid.append(("earningsRateID", "The earnings rate was not found"))
        units = number(line.get("numberOfUnits"))
        if units is None or units <= 0:
            invalid.append(("numberOfUnits", "The number of units must be a positive number"))
        else:
            line["numberOfUnits"] = units
        line["timesheetLineID"] = (old or {}).get("timesheetLineID") or new_id()
        return line, invalid

    def _draft(self, ts: Record) -> Answer | None:
        if ts.get("status") != "Draft":
            return self._invalid([("status", "Only a draft timesheet can be changed")])
        return None

    # --- timesheets ---------------------------------------------------------------------------
    def create_timesheet(self, body: Record) -> Answer:
        invalid: Invalid = []
        for name in ("payrollCalendarID", "employeeID", "startDate", "endDate"):
            if not body.get(name):
                invalid.append((name, f"The {name} is required"))
        employee = str(body.get("employeeID") or "")
        if employee and self._find(self.r.employees, employee) is None:
            invalid.append(("employeeID", "The employee was not found"))
        calendar = str(body.get("payrollCalendarID") or "")
        if calendar and self._find(self.r.calendars, calendar) is None:
            invalid.append(("payrollCalendarID", "The payroll calendar was not found"))
        first, last = day_of(body.get("startDate")), day_of(body.get("endDate"))
        if body.get("startDate") and first is None:
            invalid.append(("startDate", "The startDate is not a date"))
        if body.get("endDate") and last is None:
            invalid.append(("endDate", "The endDate is not a date"))
        if first is not None and last is not None and last < first:
            invalid.append(("endDate", "The endDate must not be before the startDate"))
        if invalid:
            return self._invalid(invalid)
        assert first is not None and last is not None
        for other in self.org.coll(self.r.timesheets).records.values():
            a, b = day_of(other["startDate"]), day_of(other["endDate"])
            if other["employeeID"].lower() == employee.lower() and a is not None \
                    and b is not None and a <= last and first <= b:
                return self._invalid([("startDate", "The employee already has a timesheet "
                                                    "for this period")])
        ts: Record = {"timesheetID": new_id(), "payrollCalendarID": calendar,
                      "employeeID": employee, "startDate": iso_day(first),
                      "endDate": iso_day(last), "status": "Draft", "timesheetLines": []}
        for raw in body.get("timesheetLines") or []:
            line, bad = self._line(ts, raw if isinstance(raw, dict) else {})
            invalid += [(f"timesheetLines.{n}", why) for n, why in bad]
            ts["timesheetLines"].append(line)
        if invalid:
            return self._invalid(invalid)
        return self._save_timesheet(ts)

    def _editable(self, tid: str, lid: str | None = None) -> tuple[Record, Record] | Answer:
        """The draft timesheet `tid` and its line `lid` (the timesheet again without one),
        or the answer refusing the change: 404 for either missing, 400 unless a draft."""
        ts = self._find(self.r.timesheets, tid)
        old = ts if ts is None or lid is None else self._line_of(ts, lid)
        if ts is None or old is None:
            return self._missing()
        refused = self._draft(ts)
        return (ts, old) if refused is None else refused

    def add_line(self, tid: str, body: Record) -> Answer:
        found = self._editable(tid)
        if isinstance(found, Answer):
            return found
        ts = found[0]
        line, invalid = self._line(ts, body)
        if invalid:
            return self._invalid(invalid)
        ts["timesheetLines"] = [*ts.get("timesheetLines", []), line]
        self._save_timesheet(ts)
        return shapes.v2_ok("timesheetLine", line, self.now, self.provider)

    def _line_of(self, ts: Record, lid: str) -> Record | None:
        return next((ln for ln in ts.get("timesheetLines", [])
                     if ln["timesheetLineID"].lower() == lid.lower()), None)

    def update_line(self, tid: str, lid: str, body: Record) -> Answer:
        found = self._editable(tid, lid)
        if isinstance(found, Answer):
            return found
        ts, old = found
        line, invalid = self._line(ts, body, old)
        if invalid:
            return self._invalid(invalid)
        ts["timesheetLines"] = [line if ln is old else ln for ln in ts["timesheetLines"]]
        self._save_timesheet(ts)
        return shapes.v2_ok("timesheetLine", line, self.now, self.provider)

    def delete_line(self, tid: str, lid: str) -> Answer:
        found = self._editable(tid, lid)
        if isinstance(found, Answer):
            return found
        ts, old = found
        ts["timesheetLines"] = [ln for ln in ts["timesheetLines"] if ln is not old]
        self._save_timesheet(ts)
        # The spec's answer is the TimesheetLine itself (its fields at the top level).
        answer = shapes.v2_ok("timesheetLine", old, self.now, self.provider)
        answer.body.update(old)
        return answer

    def set_status(self, tid: str, to: str) -> Answer:
        ts = self._find(self.r.timesheets, tid)
        if ts is None:
            return self._missing()
        now = ts.get("status")
        if to == "Approved" and now != "Draft":
            return self._invalid([("status", f"A timesheet that is {now} cannot be approved")])
        if to == "Draft" and now != "Approved":
            return self._invalid([("status", f"A timesheet that is {now} cannot be reverted "
                                             "to draft")])
        ts["status"] = to
        return self._save_timesheet(ts)

    def delete_timesheet(self, tid: str) -> Answer:
        ts = self._find(self.r.timesheets, tid)
        if ts is None:
            return self._missing()
        if ts.get("status") != "Draft":
            return self._invalid([("status", "Only a draft timesheet can be deleted")])
        self.org.coll(self.r.timesheets).remove(ts["timesheetID"])
        if self.r.code == "AU":
            mirror_au(self.org, AU_V2, None, ts["timesheetID"], self.now, new_id)
        return shapes.v2_ok("timesheet", ts, self.now, self.provider)

    # --- employees (NZ, UK) ---------------------------------------------------------------------
    def save_employee(self, body: Record, eid: str | None = None) -> Answer:
        old = self._find(self.r.employees, eid) if eid is not None else None
        if eid is not None and old is None:
            return self._missing()
        rec: Record = {**(old or {}), **body}
        invalid: Invalid = []
        required = ["firstName", "lastName", "dateOfBirth", "address"]
        if self.r.code == "UK":
            required += ["title", "gender"]
        for name in required:
            if not rec.get(name):
                invalid.append((name, f"The {name} is required"))
        address = rec.get("address")
        if isinstance(address, dict):
            for name in ("addressLine1", "city", "postCode"):
                if not address.get(name):
                    invalid.append((f"address.{name}", f"The {name} is required"))
        elif address is not None:
            invalid.append(("address", "The address must be an object"))
        if rec.get("gender") not in (None, "M", "F"):
            invalid.append(("gender", "The gender must be M or F"))
        for name in ("dateOfBirth", "startDate", "endDate"):
            if rec.get(name):
                day = day_of(rec[name])
                if day is None:
                    invalid.append((name, f"The {name} is not a date"))
                else:
                    rec[name] = iso_day(day)
        if invalid:
            return self._invalid(invalid)
        rec["employeeID"] = (old or {}).get("employeeID") or new_id()
        rec.setdefault("createdDateUTC", iso_time(self.now))
        rec["updatedDateUTC"] = iso_time(self.now)
        self.org.coll(self.r.employees).put(rec, self.now)
        return shapes.v2_ok("employee", rec, self.now, self.provider)

    def _leave_of(self, eid: str, lid: str) -> tuple[Record, Record] | None:
        employee = self._find(self.r.employees, eid)
        leave = self._find(f"payroll_{self.r.code.lower()}_employee_leave", lid)
        if employee is None or leave is None or leave["employeeID"] != employee["employeeID"]:
            return None
        return employee, leave

    def delete_leave(self, eid: str, lid: str) -> Answer:
        found = self._leave_of(eid, lid)
        if found is None:
            return self._missing()
        self.org.coll(f"payroll_{self.r.code.lower()}_employee_leave").remove(found[1]["leaveID"])
        return shapes.v2_ok("leave", found[1], self.now, self.provider)

    def add_leave(self, eid: str, body: Record, lid: str | None = None) -> Answer:
        """POST /Employees/{id}/Leave, or PUT /Employees/{id}/Leave/{leaveId} (`lid`)."""
        employee = self._find(self.r.employees, eid)
        old: Record | None = None
        if lid is not None:
            found = self._leave_of(eid, lid)
            if found is None:
                return self._missing()
            old = found[1]
            body = {**old, **body}
        if employee is None:
            return self._missing()
        pre = f"payroll_{self.r.code.lower()}_"
        invalid: Invalid = []
        leave_type = str(body.get("leaveTypeID") or "")
        if self._find(pre + "leave_types", leave_type) is None:
            invalid.append(("leaveTypeID", "The leave type was not found"))
        if not str(body.get("description") or "").strip():
            invalid.append(("description", "The description is required"))
        first, last = day_of(body.get("startDate")), day_of(body.get("endDate"))
        if first is None:
            invalid.append(("startDate", "The startDate is required (a date)"))
        if last is None:
            invalid.append(("endDate", "The endDate is required (a date)"))
        if first is not None and last is not None and last < first:
            invalid.append(("endDate", "The endDate must not be before the startDate"))
        if invalid:
            return self._invalid(invalid)
        assert first is not None and last is not None
        hours = 8.0 if self.r.code == "NZ" else 7.5
        units = sum(hours for d in range(first, last + 1) if (d + 3) % 7 < 5)
        rec: Record = {"leaveID": (old or {}).get("leaveID") or new_id(),
                       "employeeID": employee["employeeID"],
                       "leaveTypeID": leave_type, "description": body["description"],
                       "startDate": iso_day(first), "endDate": iso_day(last),
                       "periods": (body.get("periods") if old is None else None) or [{
                           "periodStartDate": iso_day(first), "periodEndDate": iso_day(last),
                           "numberOfUnits": units, "periodStatus": "Approved"}],
                       "updatedDateUTC": iso_time(self.now)}
        self.org.coll(pre + "employee_leave").put(rec, self.now)
        return shapes.v2_ok("leave", rec, self.now, self.provider)
