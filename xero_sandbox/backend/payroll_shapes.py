"""The bodies the Payroll APIs answer with: v1's (AU) PascalCase envelope and ValidationException,
v2's (AU timesheets, NZ, UK) camelCase envelope with `pagination` and `problem`, and what Xero
answers when an organisation's region has no such payroll API.

Region refusals: Xero answers a payroll API an organisation's region does not use with a
refusal, not data. The public record is thin; what it says: an NZ-only call "405s on an AU
Demo Company" (XeroAPI/xero-mcp-server#171, review of 2026-08-31: /payroll.xro/2.0 NZ paths on
an AU organisation, whose 2.0 API serves timesheets only), and a call to the wrong payroll for
a UK organisation fails with "Not a UK Customer" (calcinai/xero-php#874). So: a /payroll.xro/2.0
path the AU v2 API lacks answers 405 for an AU organisation; any other payroll call for an
organisation of another region (or of none: US) answers 403 with "Not a(n) <region> Customer"
in the API's own error shape.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from xero_sandbox.backend.answers import PROVIDER, Answer, envelope

Record = dict[str, Any]
V2_STATUS_NAMES = {200: "OK", 400: "BadRequest", 401: "Unauthorized", 403: "Forbidden",
                   404: "NotFound", 405: "MethodNotAllowed"}


# --- v1 (Payroll AU) ------------------------------------------------------------------------

def v1_list(key: str, items: list[Any], now_ms: int, provider: str = PROVIDER) -> Answer:
    return Answer(200, envelope(key, items, now_ms, provider))


def v1_object(key: str, item: Any, now_ms: int, provider: str = PROVIDER) -> Answer:
    """An envelope holding one object, not a list (PayItems, Settings, Payslip)."""
    body = envelope(key, [], now_ms, provider)
    body[key] = item
    return Answer(200, body)


def v1_invalid(elements: list[Record],
               message: str = "A validation exception occurred") -> Answer:
    """Xero's 400 for a refused v1 write: each element with its ValidationErrors."""
    return Answer(400, {"ErrorNumber": 10, "Type": "ValidationException", "Message": message,
                        "Elements": elements})


def v1_error(status: int, message: str) -> Answer:
    return Answer(status, {"ErrorNumber": 10 if status == 400 else status,
                           "Type": "ValidationException" if status == 400 else "Forbidden",
                           "Message": message, "Elements": []})


# --- v2 (AU timesheets, NZ, UK) ---------------------------------------------------------------

def _iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + f".{ms % 1000:03d}0000"


def v2_body(status: int, now_ms: int, provider: str, pagination: Record | None = None,
            problem: Record | None = None) -> Record:
    return {"id": str(uuid.uuid4()), "providerName": provider, "dateTimeUTC": _iso(now_ms),
            "httpStatusCode": V2_STATUS_NAMES.get(status, str(status)),
            "pagination": pagination, "problem": problem}


def v2_ok(key: str, value: Any, now_ms: int, provider: str = PROVIDER,
          pagination: Record | None = None) -> Answer:
    body = v2_body(200, now_ms, provider, pagination)
    body[key] = value
    return Answer(200, body)


def v2_problem(status: int, detail: str, now_ms: int, provider: str = PROVIDER,
               invalid: list[tuple[str, str]] | None = None) -> Answer:
    """A refused v2 call: the envelope with its `problem` (RFC 7807 fields, as Xero names
    them), listing the fields at fault."""
    title = V2_STATUS_NAMES.get(status, "Error")
    # `status` is a string in the specs' Problem component.
    problem = {"type": "application/problem+json", "title": title, "status": str(status),
               "detail": detail, "instance": None,
               "invalidFields": [{"name": n, "reason": r} for n, r in invalid or []]}
    return Answer(status, v2_body(status, now_ms, provider, problem=problem))


def v2_invalid(invalid: list[tuple[str, str]], now_ms: int, provider: str = PROVIDER) -> Answer:
    return v2_problem(400, "Validation error occurred.", now_ms, provider, invalid)


def v2_not_found(now_ms: int, provider: str = PROVIDER) -> Answer:
    return v2_problem(404, "Resource was not found", now_ms, provider)


# --- regions ----------------------------------------------------------------------------------

def not_a_customer(region: str) -> str:
    return f"Not {'an' if region == 'AU' else 'a'} {region} Customer"


def refused_v1(now_ms: int) -> Answer:
    """/payroll.xro/1.0 for an organisation that is not Australian."""
    return v1_error(403, not_a_customer("AU"))


def refused_v2(region: str | None, now_ms: int, provider: str = PROVIDER) -> Answer:
    """/payroll.xro/2.0 for an organisation without NZ or UK payroll (US)."""
    return v2_problem(403, not_a_customer(region or "NZ or UK"), now_ms, provider)


def not_in_au_v2(now_ms: int, provider: str = PROVIDER) -> Answer:
    """A /payroll.xro/2.0 path the AU v2 API (timesheets only) lacks, for an AU organisation."""
    return v2_problem(405, "The method is not allowed for this organisation's payroll",
                      now_ms, provider)
