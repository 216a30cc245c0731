"""Payroll reads as Xero answers them: lists, single records and an employee's sub-resources.

v1 (Payroll AU, `/payroll.xro/1.0`): `page=N`, 100 a page (page 1 without it),
If-Modified-Since, `where` and `order`; the Id/Status/ProviderName/DateTimeUTC envelope; a pay
run's payslip summaries only on GET /PayRuns/{id}; a whole payslip at GET /Payslip/{id}.
v2 (AU timesheets, NZ, UK, `/payroll.xro/2.0`): `page=N`, 100 a page, a `pagination` object;
the filters each spec lists (employees `filter=firstName==..,lastName==..`, timesheets
`filter=employeeId==..,payrollCalendarId==..` `status` `startDate` `endDate` `sort=startDate`,
pay runs `status`, payslips `PayRunID` (required), leave types `ActiveOnly`); the listing of
timesheets leaves their lines out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from xero_core.dates import parse_modified_since
from xero_core.endpoints import Endpoint
from xero_core.protocol import page_slice, pagination_of
from xero_sandbox.backend import payroll_shapes as shapes
from xero_sandbox.backend.answers import Answer, not_found
from xero_sandbox.backend.reads import in_stored_order, sort_records
from xero_sandbox.backend.store import Organisation
from xero_sandbox.backend.where import WhereError, compile_where, parse_error_body

Record = dict[str, Any]
PAGE = 100  # every payroll list pages by 100
# Fields a v1 listing leaves out (a pay run's payslips: GET /PayRuns/{id} has them).
V1_LIST_DROPS = {"payroll_au_pay_runs": ("Payslips",)}
# Fields a v2 listing leaves out (a timesheet's lines: GET /Timesheets/{id} has them).
V2_LIST_DROPS = ("timesheetLines", "paySlips")


def _page(params: Mapping[str, str]) -> int:
    raw = params.get("page") or params.get("Page") or "1"
    try:
        return max(1, int(raw))
    except ValueError:
        raise WhereError("Parameter page must be an integer") from None


def _without(records: Sequence[Record], drops: Sequence[str]) -> list[Record]:
    if not drops:
        return list(records)
    return [{k: v for k, v in r.items() if k not in drops} for r in records]


def find(org: Organisation, ep: Endpoint, rid: str) -> Record | None:
    coll = org.coll(ep.stream)
    rec = coll.get(rid) or coll.get(rid.lower())
    if rec is None:
        low = rid.lower()
        rec = next((v for k, v in coll.records.items() if k.lower() == low), None)
    return rec


# --- v1 -----------------------------------------------------------------------------------------

def v1_list(org: Organisation, ep: Endpoint, params: Mapping[str, str], since: str | None,
            provider: str, now_ms: int) -> Answer:
    coll = org.coll(ep.stream)
    if ep.singleton:
        rec = next(iter(coll.records.values()), {})
        return shapes.v1_object(ep.records_key, rec, now_ms, provider)
    since_ms: int | None = None
    if since and ep.modified_since:
        try:
            since_ms = int(parse_modified_since(since).timestamp() * 1000)
        except (TypeError, ValueError):
            return shapes.v1_error(400, f"Invalid If-Modified-Since header {since!r}")
    try:
        records: Sequence[Record] = coll.view(since_ms)
        if ep.where and params.get("where"):
            pred = compile_where(params["where"])
            records = [r for r in records if pred(r)]
        if ep.order and params.get("order") and not in_stored_order(ep, params["order"]):
            records = sort_records(records, params["order"])
        page = _page(params)
    except WhereError as exc:
        return Answer(400, parse_error_body(exc))
    chosen = page_slice(records, page, PAGE)
    return shapes.v1_list(ep.records_key, _without(chosen, V1_LIST_DROPS.get(ep.stream, ())),
                          now_ms, provider)


def v1_single(org: Organisation, ep: Endpoint, rid: str, provider: str, now_ms: int) -> Answer:
    rec = find(org, ep, rid)
    if rec is None:
        return not_found()
    return shapes.v1_list(ep.records_key, [rec], now_ms, provider)


def v1_payslip(org: Organisation, ep: Endpoint, rid: str, provider: str, now_ms: int) -> Answer:
    """GET /Payslip/{id}: one whole payslip, as an object."""
    rec = find(org, ep, rid)
    if rec is None:
        return not_found()
    return shapes.v1_object("Payslip", rec, now_ms, provider)


# --- v2 -----------------------------------------------------------------------------------------

def _eq_filters(text: str, names: Mapping[str, str]) -> list[Callable[[Record], bool]]:
    """`filter=a==x,b==y` -> predicates (names case-insensitive, values case-insensitive)."""
    preds: list[Callable[[Record], bool]] = []
    for part in (text or "").split(","):
        if "==" not in part:
            continue
        name, value = (s.strip() for s in part.split("==", 1))
        field = names.get(name.lower())
        if field is None:
            raise WhereError(f"Unknown filter {name!r}")
        preds.append(_equals(field, value.strip("'\"")))
    return preds


def _equals(field: str, value: str) -> Callable[[Record], bool]:
    want = value.lower()
    return lambda r: str(r.get(field, "")).lower() == want


def _from(field: str, day: str, before: bool) -> Callable[[Record], bool]:
    if before:
        return lambda r: str(r.get(field, ""))[:10] <= day[:10]
    return lambda r: str(r.get(field, ""))[:10] >= day[:10]


def _v2_filters(ep: Endpoint, params: Mapping[str, str]) -> list[Callable[[Record], bool]]:
    low = {k.lower(): v for k, v in params.items()}
    name = ep.stream.split("_", 2)[-1]
    preds: list[Callable[[Record], bool]] = []
    if name == "employees":
        preds += _eq_filters(low.get("filter", ""), {"firstname": "firstName",
                                                     "lastname": "lastName"})
    elif name in ("timesheets", "v2_timesheets"):
        preds += _eq_filters(low.get("filter", ""), {"employeeid": "employeeID",
                                                     "payrollcalendarid": "payrollCalendarID"})
        if low.get("status"):
            preds.append(_equals("status", low["status"]))
        if low.get("startdate"):
            preds.append(_from("startDate", low["startdate"], before=False))
        if low.get("enddate"):
            preds.append(_from("endDate", low["enddate"], before=True))
    elif name == "pay_runs" and low.get("status"):
        preds.append(_equals("payRunStatus", low["status"]))
    elif name == "leave_types" and low.get("activeonly", "").lower() == "true":
        preds.append(lambda r: r.get("isActive") is not False)
    return preds


def v2_list(org: Organisation, ep: Endpoint, params: Mapping[str, str], provider: str,
            now_ms: int, parent_id: str | None = None) -> Answer:
    coll = org.coll(ep.stream)
    if ep.singleton:
        rec = next(iter(coll.records.values()), {})
        return shapes.v2_ok(ep.records_key, rec, now_ms, provider)
    try:
        preds = _v2_filters(ep, params)
        page = _page(params)
    except WhereError as exc:
        return shapes.v2_invalid([("filter", str(exc))], now_ms, provider)
    if ep.parent_param:  # GET /PaySlips?PayRunID= (required)
        wanted = {k.lower(): v for k, v in params.items()}.get(ep.parent_param.lower())
        if not wanted:
            return shapes.v2_invalid([(ep.parent_param, f"{ep.parent_param} is required")],
                                     now_ms, provider)
        field = ep.parent_field or ep.parent_param
        preds.insert(0, lambda r: str(r.get(field, "")).lower() == wanted.lower())
    records: Sequence[Record] = coll.view()
    if preds:
        records = [r for r in records if all(p(r) for p in preds)]
    if {k.lower(): v for k, v in params.items()}.get("sort", "").lower() == "startdate":
        records = sorted(records, key=lambda r: str(r.get("startDate", "")))
    chosen = _without(page_slice(records, page, PAGE), V2_LIST_DROPS)
    return shapes.v2_ok(ep.records_key, chosen, now_ms, provider,
                        pagination_of(page, PAGE, len(records)))


def singular(records_key: str) -> str:
    """The key of one record in a v2 answer: `employees` -> `employee`, `paySlips` -> `paySlip`,
    `benefits` -> `benefit` (the specs' *Object components)."""
    return records_key[:-1] if records_key.endswith("s") else records_key


def v2_single(org: Organisation, ep: Endpoint, rid: str, provider: str, now_ms: int) -> Answer:
    rec = find(org, ep, rid)
    if rec is None:
        return shapes.v2_not_found(now_ms, provider)
    return shapes.v2_ok(singular(ep.records_key), rec, now_ms, provider)


def v2_children(org: Organisation, ep: Endpoint, parent: Endpoint, parent_id: str,
                provider: str, now_ms: int) -> Answer:
    """An employee's sub-resource: its leave, leave balances (lists) or pay template (one)."""
    owner = find(org, parent, parent_id)
    if owner is None:
        return shapes.v2_not_found(now_ms, provider)
    pid = owner[parent.primary_key[0]]
    field = ep.parent_field or parent.primary_key[0]
    rows = [r for r in org.coll(ep.stream).view() if r.get(field) == pid]
    if ep.primary_key == (field,):  # one per parent: the pay template
        if not rows:
            return shapes.v2_not_found(now_ms, provider)
        return shapes.v2_ok(ep.records_key, rows[0], now_ms, provider)
    return shapes.v2_ok(ep.records_key, rows, now_ms, provider)


def v2_child(org: Organisation, ep: Endpoint, parent: Endpoint, parent_id: str, rid: str,
             provider: str, now_ms: int) -> Answer:
    """One of an employee's sub-records: GET /Employees/{id}/Leave/{leaveId} (UK)."""
    rec = find(org, ep, rid)
    owner = find(org, parent, parent_id)
    field = ep.parent_field or parent.primary_key[0]
    if rec is None or owner is None or rec.get(field) != owner[parent.primary_key[0]]:
        return shapes.v2_not_found(now_ms, provider)
    return shapes.v2_ok(ep.records_key, rec, now_ms, provider)
