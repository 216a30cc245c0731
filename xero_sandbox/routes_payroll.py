"""The Payroll APIs' routes: /payroll.xro/1.0 (Payroll AU) and /payroll.xro/2.0 (AU's v2
timesheets, Payroll NZ, Payroll UK: the organisation's region decides which answers).

Paths and scopes come from the endpoint table's payroll rows (xero_core/endpoints_apis.py);
paths match without regard to case or a trailing slash. Reads go to backend/payroll_reads.py,
writes to backend/payroll_rules_au.py (v1) and payroll_rules_v2.py; an organisation of
another region gets what backend/payroll_shapes.py says Xero answers it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request

from xero_core import jsonutil
from xero_core.endpoints import ENDPOINTS, Endpoint
from xero_core.endpoints_apis import PAYSLIP, REGION_OF_COUNTRY
from xero_sandbox.backend import payroll_reads as reads
from xero_sandbox.backend import payroll_rules_au as au
from xero_sandbox.backend import payroll_shapes as shapes
from xero_sandbox.backend.answers import Answer
from xero_sandbox.backend.payroll_rules_v2 import Writes
from xero_sandbox.backend.store import Organisation
from xero_sandbox.route_tools import Found, Run, not_allowed

V1 = "payroll_au"
V2_APIS = ("payroll_au_v2", "payroll_nz", "payroll_uk")  # one base: any of these names
API_OF_REGION = {"AU": "payroll_au_v2", "NZ": "payroll_nz", "UK": "payroll_uk"}
PAYSLIP_SCOPES = (PAYSLIP, PAYSLIP + ".read")


def _segments(ep: Endpoint) -> list[str]:
    return [s.lower() for s in ep.path.strip("/").split("/")]


def _tables(api: str) -> tuple[dict[str, Endpoint], dict[tuple[str, str], Endpoint]]:
    """An API's top-level resources by path segment, and its employees' sub-resources."""
    top: dict[str, Endpoint] = {}
    sub: dict[tuple[str, str], Endpoint] = {}
    for ep in ENDPOINTS:
        if ep.api != api or ep.nested_key:
            continue
        seg = _segments(ep)
        if len(seg) == 1:
            top[seg[0]] = ep
        elif len(seg) == 3 and seg[1].startswith("{"):
            sub[(seg[0], seg[2])] = ep
    return top, sub


TABLES = {api: _tables(api) for api in (V1, *V2_APIS)}


def region_of(org: Organisation) -> str | None:
    return REGION_OF_COUNTRY.get(org.country)


def _scopes(ep: Endpoint, method: str) -> tuple[str, ...]:
    return ep.read_scopes if method == "GET" else ep.write_scopes


def _body() -> Any:
    data = request.get_data()
    try:
        return jsonutil.loads(data) if data.strip() else {}
    except ValueError:
        return None


def _params() -> dict[str, str]:
    return request.args.to_dict()


def resolve(api: str, method: str, parts: list[str]) -> Found | None:
    """(scopes, run) for a payroll call, or None when neither API has such a path."""
    if api == V1:
        return _v1(method, parts)
    for name in ("payroll_nz", "payroll_uk", "payroll_au_v2"):
        scopes = _v2_scopes(name, method, parts)
        if scopes is not None:
            return scopes, _v2_run(method, parts)
    return None


# --- v1: Payroll AU -------------------------------------------------------------------------------

V1_WRITES: dict[str, Callable[..., Answer]] = {
    "timesheets": au.post_timesheets, "employees": au.post_employees,
    "leaveapplications": au.post_leave_applications}


def _v1(method: str, parts: list[str]) -> Found | None:
    p = [s.lower() for s in parts]
    top, _ = TABLES[V1]
    if len(p) == 2 and p[0] == "payslip":
        slips = next(e for e in ENDPOINTS if e.stream == "payroll_au_payslips")
        if method != "GET":
            return (), not_allowed
        return PAYSLIP_SCOPES, _au_only(lambda org, now: reads.v1_payslip(
            org, slips, parts[1], shapes.PROVIDER, now))
    ep = top.get(p[0]) if p else None
    if ep is None or len(p) > 2:
        return None
    rid = parts[1] if len(p) == 2 else None
    if method == "GET":
        if rid is None:
            return _scopes(ep, method), _au_only(lambda org, now: reads.v1_list(
                org, ep, _params(), request.headers.get("If-Modified-Since"), shapes.PROVIDER,
                now))
        if ep.singleton:
            return None
        return _scopes(ep, method), _au_only(lambda org, now: reads.v1_single(
            org, ep, rid, shapes.PROVIDER, now))
    write = V1_WRITES.get(p[0])
    if method != "POST" or write is None:
        return _scopes(ep, method), not_allowed

    def run(org: Organisation, now: int) -> Answer:
        body = _body()
        if body is None:
            return shapes.v1_error(400, "The request body is not JSON")
        return write(org, body, rid, now, shapes.PROVIDER)
    return _scopes(ep, method), _au_only(run)


def _au_only(fn: Callable[[Organisation, int], Answer]) -> Run:
    def run(org: Organisation, parts: list[str], now_ms: int) -> Answer:
        if region_of(org) != "AU":
            return shapes.refused_v1(now_ms)
        return fn(org, now_ms)
    return run


# --- v2: AU timesheets, NZ, UK -----------------------------------------------------------------

def _v2_route(api: str, method: str, parts: list[str]
              ) -> tuple[Endpoint, Callable[[Organisation, int], Answer] | None] | None:
    """The row a v2 path names in one API and what answers `method` there (None: 405)."""
    top, sub = TABLES[api]
    p = [s.lower() for s in parts]
    n = len(p)
    ep = top.get(p[0]) if p else None
    if ep is None:
        return None
    region = ep.region or "NZ"

    def writes(org: Organisation, now: int) -> Writes:
        return Writes(org, region, now, shapes.PROVIDER)

    def with_body(fn: Callable[[Writes, dict[str, Any]], Answer]
                  ) -> Callable[[Organisation, int], Answer]:
        def run(org: Organisation, now: int) -> Answer:
            body = _body()
            if not isinstance(body, dict):
                return shapes.v2_invalid([("body", "The request body must be a JSON object")],
                                         now)
            return fn(writes(org, now), body)
        return run

    timesheets, employees = p[0] == "timesheets", p[0] == "employees"
    if n == 1:
        if method == "GET":
            return ep, lambda org, now: reads.v2_list(org, ep, _params(), shapes.PROVIDER, now)
        if method == "POST" and timesheets:
            return ep, with_body(lambda w, b: w.create_timesheet(b))
        if method == "POST" and employees and api != "payroll_au_v2":
            return ep, with_body(lambda w, b: w.save_employee(b))
        return ep, None
    rid = parts[1]
    if n == 2:
        if method == "GET" and not ep.singleton:
            return ep, lambda org, now: reads.v2_single(org, ep, rid, shapes.PROVIDER, now)
        if method == "DELETE" and timesheets:
            return ep, lambda org, now: writes(org, now).delete_timesheet(rid)
        if method == "PUT" and employees:
            return ep, with_body(lambda w, b: w.save_employee(b, rid))
        return ep, None
    if timesheets and n == 3 and p[2] in ("lines", "approve", "reverttodraft"):
        if method != "POST":
            return ep, None
        if p[2] == "lines":
            return ep, with_body(lambda w, b: w.add_line(rid, b))
        status = "Approved" if p[2] == "approve" else "Draft"
        return ep, lambda org, now: writes(org, now).set_status(rid, status)
    if timesheets and n == 4 and p[2] == "lines":
        lid = parts[3]
        if method == "PUT":
            return ep, with_body(lambda w, b: w.update_line(rid, lid, b))
        if method == "DELETE":
            return ep, lambda org, now: writes(org, now).delete_line(rid, lid)
        return ep, None
    child = sub.get((p[0], p[2])) if n in (3, 4) else None
    if child is None:
        return None
    if n == 3 and method == "GET":
        return child, lambda org, now: reads.v2_children(org, child, ep, rid, shapes.PROVIDER,
                                                         now)
    if n == 3 and method == "POST" and p[2] == "leave":
        return child, with_body(lambda w, b: w.add_leave(rid, b))
    if n == 4:
        cid = parts[3]
        if method == "GET":
            return child, lambda org, now: reads.v2_child(org, child, ep, rid, cid,
                                                          shapes.PROVIDER, now)
        if p[2] == "leave" and method == "PUT":
            return child, with_body(lambda w, b: w.add_leave(rid, b, cid))
        if p[2] == "leave" and method == "DELETE":
            return child, lambda org, now: writes(org, now).delete_leave(rid, cid)
    return child, None


def _v2_scopes(api: str, method: str, parts: list[str]) -> tuple[str, ...] | None:
    found = _v2_route(api, method, parts)
    return None if found is None else _scopes(found[0], method)


def _v2_run(method: str, parts: list[str]) -> Run:
    def run(org: Organisation, _parts: list[str], now_ms: int) -> Answer:
        region = region_of(org)
        if region is None:
            return shapes.refused_v2(None, now_ms)
        found = _v2_route(API_OF_REGION[region], method, parts)
        if found is None:
            if region == "AU":  # a path of the NZ / UK APIs: AU's 2.0 API has timesheets only
                return shapes.not_in_au_v2(now_ms)
            return shapes.v2_not_found(now_ms)
        answer = found[1]
        if answer is None:
            return shapes.v2_problem(405, "The method is not allowed for this resource",
                                     now_ms)
        return answer(org, now_ms)
    return run


__all__ = ["resolve"]
