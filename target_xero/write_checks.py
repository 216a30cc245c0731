"""Checks around one write call and small rules on record values: an id put into a URL is a
GUID, which errors stop the run, whether Xero's answer element is the record sent, and how a
reason is written on one line."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from target_xero.actions import SDC_DELETED_AT
from target_xero.references import is_guid
from xero_core.endpoints import Endpoint
from xero_core.errors import RateLimitError, ServerError, XeroHTTPError

LINE_ID_FIELDS = {"LineItems": "LineItemID", "JournalLines": "JournalLineID"}
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
_GUID_PART = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def check_path_id(ep: Endpoint, path: str) -> None:
    """The id a write puts into its URL must be a GUID (it comes from an answer, and an answer
    may come from a wrong or hostile server: `../Organisation` never reaches a path)."""
    head = ep.url_path
    if "{" in head:  # a child resource: the parent's id in the path is a GUID too
        parts = re.split(r"\{[^}]+\}", head)
        m = re.match("(?i)" + _GUID_PART.join(re.escape(p) for p in parts), path)
        if m is None:
            raise XeroHTTPError(0, f"refused to call {path[:80]!r}: the parent id in the URL "
                                   f"is not a GUID", url=ep.url_path)
        rest = path[m.end():]
    else:
        rest = path[len(head):] if path.startswith(head) else path
    segment = rest.split("/")[1] if rest.startswith("/") else ""
    if rest and not is_guid(segment):
        raise XeroHTTPError(0, f"refused to call {ep.url_path}/{segment[:60]!r}...: the id in "
                               f"the URL is not a GUID", url=ep.url_path)


def is_fatal(exc: XeroHTTPError) -> bool:
    """Errors that stop the run (state kept) instead of rejecting a record."""
    return isinstance(exc, (RateLimitError, ServerError)) or exc.status == 401


def mismatch(ep: Endpoint, sent: dict[str, Any], got: dict[str, Any]) -> str | None:
    """Why Xero's element is not the answer for this record (None when it is)."""
    pk = ep.primary_key[0]
    got_id = str(got.get(pk) or "")
    if not got_id or got_id == ZERO_GUID:
        return f"Xero's answer carries no {pk}: the write is not confirmed"
    if sent.get(pk) and str(sent[pk]).casefold() != got_id.casefold():
        return f"Xero answered {pk} {got_id} for {pk} {sent[pk]}: answers out of order"
    nat = ep.natural_keys[0] if ep.natural_keys else None
    if nat and sent.get(nat) and got.get(nat) is not None and (
            str(sent[nat]).strip().casefold() != str(got[nat]).strip().casefold()):
        return f"Xero answered {nat} {got[nat]!r} for {nat} {sent[nat]!r}: answers out of order"
    return None


def natural_of(ep: Endpoint, payload: dict[str, Any] | None) -> Any:
    """The record's natural key value (None for resources without one)."""
    return (payload or {}).get(ep.natural_keys[0]) if ep.natural_keys else None


def strip_line_ids(payload: dict[str, Any]) -> None:
    """A create must not carry ids of lines that belong to another record."""
    for lf, id_field in LINE_ID_FIELDS.items():
        for line in payload.get(lf) or []:
            if isinstance(line, dict):
                line.pop(id_field, None)


def live(option: dict[str, Any]) -> bool:
    """A tracking option that still exists at the source (not DELETED, no tombstone)."""
    return not option.get(SDC_DELETED_AT) and str(option.get("Status") or "").upper() != (
        "DELETED")


def one_line(exc: BaseException) -> str:
    """An exception as one short line for a reject (no raw newlines reach the logs)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:500]


def decimal_of(value: Any) -> Decimal:
    """An amount as a Decimal (0 when missing or not a number)."""
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def str_or_none(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
