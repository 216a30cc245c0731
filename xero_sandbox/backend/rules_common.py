"""Helpers every write rule uses: the request context, matching, dates, references.

A handler gets the element (one record of the request body), the `Staging` it writes through,
and an `Op` saying how it was called; it returns the record as stored or raises `Invalid` with
Xero's messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from xero_core.dates import parse_datetime
from xero_core.endpoints import Endpoint
from xero_sandbox.backend.amounts import BadNumber, dec
from xero_sandbox.backend.staging import Invalid, Record, Staging

DAY_MS = 86_400_000


@dataclass
class Op:
    """How a write was called."""

    endpoint: Endpoint
    method: str  # PUT / POST
    record_id: str | None = None  # POST /{path}/{id}
    params: dict[str, str] = field(default_factory=dict)

    @property
    def stream(self) -> str:
        return self.endpoint.stream

    @property
    def pk(self) -> str:
        return self.endpoint.primary_key[0]


def existing(stg: Staging, op: Op, el: Record, natural: tuple[str, ...] = (),
             where: Any = None) -> Record | None:
    """The stored record an element points at: by id, else by natural key (POST only).

    PUT only creates: an id or natural key already taken there is for the caller to refuse.
    An id that matches nothing is an error (Xero cannot update what does not exist).
    """
    rid = el.get(op.pk)
    if rid:
        rec = stg.get(op.stream, str(rid))
        if rec is None:
            raise Invalid(f"{op.endpoint.schema} with {op.pk} '{rid}' could not be found")
        return rec
    for key in natural or op.endpoint.natural_keys:
        if el.get(key):
            rec = stg.find(op.stream, key, el[key], where)
            if rec is not None:
                return rec
    return None


_PLAIN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def day_ms(value: Any, what: str = "Date") -> int:
    """A date the client sent (`2019-03-11`, ISO datetime, `/Date(ms)/`) -> ms of its midnight UTC.

    Xero keeps the calendar date the client wrote, whatever offset came with it.
    """
    if isinstance(value, str):
        text = value.strip()
        if _PLAIN_DATE.match(text):
            try:
                d = datetime.strptime(text[:10], "%Y-%m-%d").replace(tzinfo=timezone.utc)
            except ValueError:
                raise Invalid(f"{what} is not a valid date") from None
            return int(d.timestamp() * 1000)
        try:
            ms = int(parse_datetime(text).timestamp() * 1000)
        except (ValueError, TypeError):
            raise Invalid(f"{what} is not a valid date") from None
        return ms - ms % DAY_MS
    raise Invalid(f"{what} is not a valid date")


def ms_date(ms: int) -> str:
    return f"/Date({ms}+0000)/"


def date_string(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT00:00:00")


def number(el: Record, key: str, default: Decimal | None = None) -> Decimal | None:
    """A numeric field of the element as Decimal; a non-number is Xero's validation error."""
    value = el.get(key)
    if value is None or value == "":
        return default
    try:
        return dec(value)
    except BadNumber:
        raise Invalid(f"{key} must be a number") from None


def text(el: Record, key: str, limit: int | None = None) -> str | None:
    value = el.get(key)
    if value is None:
        return None
    s = str(value)
    if limit is not None and len(s) > limit:
        raise Invalid(f"{key} must not be longer than {limit} characters")
    return s


def flag(el: Record, key: str, default: bool = False) -> bool:
    value = el.get(key, default)
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def account_ref(acct: Record) -> Record:
    return {"AccountID": acct["AccountID"], "Code": acct.get("Code", ""), "Name": acct["Name"]}


def find_account(stg: Staging, ref: Any, what: str = "Account") -> Record:
    """An account by {AccountID} / {Code} (or a bare code); refused when unknown or archived."""
    if isinstance(ref, str):
        ref = {"Code": ref}
    if not isinstance(ref, dict) or not (ref.get("AccountID") or ref.get("Code")):
        raise Invalid(f"{what} must be specified")
    acct = stg.chart.account(ref)
    label = ref.get("Code") or ref.get("AccountID")
    if acct is None:
        raise Invalid(f"Account code '{label}' is not a valid code for this document.")
    if acct.get("Status") != "ACTIVE":
        raise Invalid(f"Account code '{label}' has been archived, or has been deleted. "
                      "Each line item must reference a valid account.")
    return acct


def tracking(stg: Staging, tags: Any) -> list[Record]:
    """Line tracking by {Name, Option} or {TrackingCategoryID, TrackingOptionID}, made complete."""
    if not tags:
        return []
    if not isinstance(tags, list):
        raise Invalid("Tracking must be a list")
    out = []
    for tag in tags:
        if not isinstance(tag, dict):
            raise Invalid("Tracking must be a list of objects")
        cat = None
        if tag.get("TrackingCategoryID"):
            cat = stg.get("tracking_categories", str(tag["TrackingCategoryID"]))
        elif tag.get("Name"):
            cat = stg.find("tracking_categories", "Name", tag["Name"])
        if cat is None:
            raise Invalid(f"Tracking category '{tag.get('Name') or tag.get('TrackingCategoryID')}'"
                          " does not exist")
        want_id, want_name = tag.get("TrackingOptionID"), str(tag.get("Option") or "").casefold()
        opt = next((o for o in cat.get("Options", ())
                    if (want_id and o["TrackingOptionID"] == want_id)
                    or (not want_id and o["Name"].casefold() == want_name)), None)
        if opt is None or opt.get("Status", "ACTIVE") != "ACTIVE":
            raise Invalid(f"Tracking option '{tag.get('Option') or want_id}' does not exist "
                          f"for tracking category '{cat['Name']}'")
        out.append({"Name": cat["Name"], "Option": opt["Name"],
                    "TrackingCategoryID": cat["TrackingCategoryID"],
                    "TrackingOptionID": opt["TrackingOptionID"]})
    return out


def status_of(el: Record, allowed: tuple[str, ...], default: str, what: str) -> str:
    status = str(el.get("Status") or default).upper()
    if status not in allowed:
        raise Invalid(f"{what} not of valid status for creation")
    return status


__all__ = ["Invalid", "Op", "Record", "Staging"]
