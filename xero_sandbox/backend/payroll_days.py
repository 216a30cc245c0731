"""Dates in payroll writes and what AU's two timesheet APIs share.

A client sends v1 dates as `/Date(ms+0000)/` or ISO, v2 dates as ISO (`2026-01-31` or
`2026-01-31T00:00:00`); `day_of` reads either as a day number. AU's timesheets are one set of
records seen through two APIs (v1 PascalCase, v2 camelCase): a write through either is mirrored
into the other's collection, so both read the same timesheets.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from xero_core.dates import parse_ms_date
from xero_sandbox.backend.store import Organisation, ms_date

Record = dict[str, Any]
DAY_MS = 86_400_000
AU_V1, AU_V2 = "payroll_au_timesheets", "payroll_au_v2_timesheets"
# v1 status -> v2 status (v2 has no Processed: it says Completed).
V2_STATUS = {"DRAFT": "Draft", "APPROVED": "Approved", "PROCESSED": "Completed",
             "REJECTED": "Draft", "REQUESTED": "Draft"}
V1_STATUS = {"Draft": "DRAFT", "Approved": "APPROVED", "Completed": "PROCESSED"}


def day_of(value: Any) -> int | None:
    """A day number (days since the epoch) from a /Date()/ or ISO date; None if neither."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.startswith("/Date("):
        dt = parse_ms_date(text)
        return None if dt is None else int(dt.timestamp() * 1000) // DAY_MS
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp()) // 86_400


def number(value: Any) -> float | None:
    """A JSON number as a float (bodies parse decimals as Decimal); None if not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return float(value)


def iso_day(day: int) -> str:
    return time.strftime("%Y-%m-%dT00:00:00", time.gmtime(day * 86_400))


def v1_day(day: int) -> str:
    return ms_date(day * DAY_MS)


def iso_time(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000))


def weekdays(first: int, last: int) -> int:
    return sum(1 for d in range(first, last + 1) if (d + 3) % 7 < 5)  # day 0 was a Thursday


def v1_to_v2(v1: Record, calendar_id: str, old: Record | None, ids: Any, now_ms: int) -> Record:
    """AU's v2 view of a v1 timesheet (one line a day with units; line ids kept per day)."""
    first = day_of(v1["StartDate"]) or 0
    known = {(ln["date"][:10], ln["earningsRateID"]): ln["timesheetLineID"]
             for ln in (old or {}).get("timesheetLines", [])}
    lines = []
    for line in v1.get("TimesheetLines") or []:
        for k, units in enumerate(line.get("NumberOfUnits") or []):
            if not units:
                continue
            date = iso_day(first + k)
            lid = known.get((date[:10], line["EarningsRateID"])) or ids()
            lines.append({"timesheetLineID": lid, "date": date,
                          "earningsRateID": line["EarningsRateID"], "numberOfUnits": units})
    return {"timesheetID": v1["TimesheetID"], "payrollCalendarID": calendar_id,
            "employeeID": v1["EmployeeID"], "startDate": iso_day(first),
            "endDate": iso_day(day_of(v1["EndDate"]) or first),
            "status": V2_STATUS.get(v1.get("Status", "DRAFT"), "Draft"),
            "totalHours": v1.get("Hours", 0.0), "updatedDateUTC": iso_time(now_ms),
            "timesheetLines": lines}


def v2_to_v1(v2: Record) -> Record:
    """AU's v1 view of a v2 timesheet: per earnings rate, one number of units a day."""
    first = day_of(v2["startDate"]) or 0
    last = day_of(v2["endDate"]) or first
    by_rate: dict[str, list[float]] = {}
    for line in v2.get("timesheetLines") or []:
        units = by_rate.setdefault(line["earningsRateID"], [0.0] * (last - first + 1))
        k = (day_of(line["date"]) or first) - first
        if 0 <= k < len(units):
            units[k] = round(units[k] + float(line["numberOfUnits"]), 4)
    return {"TimesheetID": v2["timesheetID"], "EmployeeID": v2["employeeID"],
            "StartDate": v1_day(first), "EndDate": v1_day(last),
            "Status": V1_STATUS.get(v2.get("status", "Draft"), "DRAFT"),
            "Hours": v2.get("totalHours", 0.0),
            "TimesheetLines": [{"EarningsRateID": rate, "NumberOfUnits": units,
                                "UpdatedDateUTC": v1_day(last)}
                               for rate, units in by_rate.items()]}


def mirror_au(org: Organisation, stream: str, rec: Record | None, rid: str, now_ms: int,
              ids: Any) -> None:
    """After an AU timesheet write through `stream`, make the other API's collection agree
    (`rec` None: it was deleted)."""
    other = AU_V2 if stream == AU_V1 else AU_V1
    if other not in org.collections:
        return
    coll = org.coll(other)
    if rec is None:
        coll.remove(rid)
        return
    if stream == AU_V1:
        old = coll.get(rid)
        calendar = (old or {}).get("payrollCalendarID") or _calendar_of(org, rec["EmployeeID"])
        coll.put(v1_to_v2(rec, calendar, old, ids, now_ms), now_ms)
    else:
        coll.put(v2_to_v1(rec), now_ms)


def _calendar_of(org: Organisation, employee_id: str) -> str:
    emp = org.coll("payroll_au_employees").get(employee_id) or {}
    return str(emp.get("PayrollCalendarID", ""))
