"""What the target does with one record: create, update, archive, void, delete, reverse or skip.

Pure rules, no I/O: given the endpoint row, the record (already cleaned to what Xero accepts)
and the record Xero holds (if any), `decide` returns a `Decision`. The README's table of
actions is this module in prose:

- no id and no natural-key match -> create; id or natural key matches -> update;
- a removal (the record's status field says DELETED / VOIDED / ARCHIVED, or `_sdc_deleted_at`
  is set) picks, per resource: archive (contacts; accounts and tracking categories when the
  status says ARCHIVED), void (AUTHORISED invoices / credit notes without payments, POSTED
  manual journals), status DELETED (DRAFT / SUBMITTED documents), HTTP DELETE (items, accounts,
  tracking categories, linked transactions) or reverse (payments);
- a removal of something Xero does not hold: `_sdc_deleted_at` -> skip (nothing to remove);
  a status (a record read from another organisation) -> create it, then apply the status,
  so the copy ends in the same state;
- payments are never updated: an existing payment that differs is rejected with the reason.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from target_xero import spec_fields
from xero_core.dates import ms_dates_to_iso, parse_datetime
from xero_core.endpoints import Endpoint, Write


class Action(str, enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"
    VOID = "void"
    DELETE = "delete"  # status DELETED, or HTTP DELETE for hard-deleted resources
    REVERSE = "reverse"
    NOTE = "note"
    ATTACH = "attach"
    EMAIL = "email"
    CALL = "call"  # a raw request
    SKIP = "skip"
    REJECT = "reject"

    @property
    def done(self) -> str:
        """The summary's word for it."""
        return _DONE[self]


_DONE = {
    Action.CREATE: "created", Action.UPDATE: "updated", Action.ARCHIVE: "archived",
    Action.VOID: "voided", Action.DELETE: "deleted", Action.REVERSE: "reversed",
    Action.NOTE: "noted", Action.ATTACH: "attached", Action.EMAIL: "emailed",
    Action.CALL: "called",
    Action.SKIP: "skipped", Action.REJECT: "rejected",
}

ARCHIVED, DELETED, VOIDED = "ARCHIVED", "DELETED", "VOIDED"
REMOVED_STATUSES = frozenset({ARCHIVED, DELETED, VOIDED})
EDITABLE_DOC_STATUSES = frozenset({"DRAFT", "SUBMITTED"})
SDC_DELETED_AT = "_sdc_deleted_at"

# Fields Xero computes or owns, beyond those the OpenAPI spec marks readOnly.
ALWAYS_DROP = frozenset({
    "UpdatedDateUTC", "UpdatedDateUTCString", "StatusAttributeString", "ValidationErrors",
    "Warnings", "HasErrors", "HasValidationErrors", "HasAttachments", "Attachments",
    "Balances", "IsSupplier", "IsCustomer", "Payments", "Prepayments", "Overpayments",
    "CreditNotes", "Allocations", "AmountDue", "AmountPaid", "AmountCredited",
    "AppliedAmount", "RemainingCredit", "FullyPaidOnDate", "PaymentType", "HasAccount",
    "CISDeduction", "CISRate", "IsDiscounted", "TotalDiscount", "DateString", "DueDateString",
    "ContactGroups", "BrandingTheme", "Url",
})
# ... except a resource's own `keep_fields` (the endpoint table: a batch payment's payments).
# Totals Xero derives from the lines: refused (or recomputed) when lines are given.
LINE_TOTALS = frozenset({"SubTotal", "TotalTax", "Total"})
LINE_FIELDS = ("LineItems", "JournalLines")
# Statuses Xero will not take on a write: a PAID invoice is written AUTHORISED (its payments
# stream pays it); the others are read-only states.
WRITE_STATUS = {"PAID": "AUTHORISED", "BILLED": "AUTHORISED"}


@dataclass
class Decision:
    """What to send for one record."""

    action: Action
    payload: dict[str, Any] | None = None
    reasons: list[str] = field(default_factory=list)
    then: Action | None = None  # a second step once the create is confirmed
    then_status: str | None = None
    fallback: Action | None = None  # when Xero refuses a hard delete (account in use)


def read_only_fields(schema: str) -> frozenset[str]:
    """Fields the vendored OpenAPI spec marks readOnly for a component (empty if unknown)."""
    return spec_fields.read_only_fields(schema)


def clean_payload(ep: Endpoint, record: dict[str, Any]) -> dict[str, Any]:
    """The record as Xero accepts it: no metadata, no read-only or computed fields."""
    drop = (ALWAYS_DROP - ep.keep_fields) | read_only_fields(ep.schema)
    has_lines = any(record.get(f) for f in LINE_FIELDS)
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key.startswith("_") or key in drop:
            continue
        if has_lines and key in LINE_TOTALS:
            continue
        if value is None:
            continue
        try:
            out[key] = ms_dates_to_iso(value)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
    status = out.get(ep.status_field or "")
    if isinstance(status, str) and status.upper() in WRITE_STATUS:
        out[ep.status_field or ""] = WRITE_STATUS[status.upper()]
    return out


def removal_request(ep: Endpoint, record: dict[str, Any]) -> str | None:
    """`_sdc_deleted_at`, or the removed status the record carries, or None."""
    if record.get(SDC_DELETED_AT):
        return SDC_DELETED_AT
    if ep.status_field:
        status = record.get(ep.status_field)
        if isinstance(status, str) and status.upper() in REMOVED_STATUSES:
            return status.upper()
    return None


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def day_of(value: Any) -> str:
    """A date in any form Xero or a tap writes (`/Date(ms)/`, ISO) -> `YYYY-MM-DD`."""
    if value in (None, ""):
        return ""
    try:
        return parse_datetime(str(value)).date().isoformat()
    except ValueError:
        return str(value)[:10]


def _same(new: Any, old: Any) -> bool:
    if isinstance(new, bool) or isinstance(old, bool):
        return new is old  # True is not 1 here
    if new == old:
        return True
    numbers = (int, float, Decimal)
    if (isinstance(new, numbers) and isinstance(old, (*numbers, str))) or (
            isinstance(new, str) and isinstance(old, numbers)):
        # An amount sent as a decimal string ("12.34", as taps write decimals) is the number
        # Xero answers (12.34).
        try:
            return Decimal(str(new).strip()) == Decimal(str(old))
        except InvalidOperation:
            return False
    if isinstance(new, str) and isinstance(old, str) and (
            old.startswith("/Date(") or new.startswith("/Date(")):
        try:
            return parse_datetime(new) == parse_datetime(old)
        except ValueError:
            return False
    return False


def unchanged(payload: dict[str, Any], existing: dict[str, Any], pk: str) -> bool:
    """True when Xero already holds every scalar the record sends (nested values count as
    changes: comparing lines is Xero's job). Saves a write call, e.g. one per account."""
    fields = [k for k in payload if k != pk]
    return bool(fields) and all(
        not isinstance(payload[k], (dict, list)) and _same(payload[k], existing.get(k))
        for k in fields)


def covers(existing: Any, sent: Any) -> bool:
    """True when Xero's record already holds every value sent, nested ones too.

    Dicts: each field sent (None aside) is covered; lists (lines): same length, each element
    covered in order; scalars: equal as Xero compares them (amounts as decimals, dates as
    instants or calendar days). What Xero adds (ids, computed totals) does not count.
    """
    if isinstance(sent, dict):
        return isinstance(existing, dict) and all(
            covers(existing.get(k), v) for k, v in sent.items() if v is not None)
    if isinstance(sent, list):
        return (isinstance(existing, list) and len(existing) == len(sent)
                and all(covers(e, v) for e, v in zip(existing, sent, strict=True)))
    if _same(sent, existing):
        return True
    if isinstance(sent, str) and isinstance(existing, str) and len(sent) >= 10 and (
            sent[:4].isdigit() and sent[4:5] == "-"):
        return day_of(sent) == day_of(existing) and _midnight(sent)
    return False


def _midnight(value: str) -> bool:
    """A date sent without a time (or at 00:00:00): compared by calendar day."""
    return len(value) == 10 or value[10:19] in ("T00:00:00", " 00:00:00")


def has_payments(existing: dict[str, Any]) -> bool:
    if existing.get("Payments") or existing.get("Prepayments") or existing.get("Overpayments"):
        return True
    return _amount(existing.get("AmountPaid")) != 0 or _amount(
        existing.get("AmountCredited")) != 0


def _status_payload(ep: Endpoint, rid: str, status: str) -> dict[str, Any]:
    return {ep.primary_key[0]: rid, ep.status_field or "Status": status}


def _label(ep: Endpoint, rec: dict[str, Any]) -> str:
    nat = ep.natural_keys[0] if ep.natural_keys else None
    if nat and rec.get(nat):
        return f"{nat} {rec[nat]!s}"
    pk = ep.primary_key[0] if ep.primary_key else None
    return f"{pk} {rec.get(pk)!s}" if pk else ep.stream


def decide(
    ep: Endpoint,
    payload: dict[str, Any],
    existing: dict[str, Any] | None,
    removal: str | None,
) -> Decision:
    """Pick the action for one record. `payload` is cleaned and its references resolved."""
    writes = ep.writes
    pk = ep.primary_key[0] if ep.primary_key else ""
    if removal is not None:
        return _decide_removal(ep, payload, existing, removal)
    if Write.REVERSE in writes:  # payments: create or nothing
        if existing is None:
            return Decision(Action.CREATE, _without_id(payload, pk))
        return _payment_unchanged(ep, payload, existing)
    if existing is not None:
        if Write.UPDATE not in writes:
            return Decision(Action.SKIP, reasons=[
                f"{_label(ep, existing)} exists and Xero does not update {ep.stream}"])
        if unchanged(payload, existing, pk):
            return Decision(Action.SKIP, reasons=[f"{_label(ep, existing)} is unchanged"])
        body = dict(payload)
        body[pk] = existing[pk]
        return Decision(Action.UPDATE, body)
    if Write.CREATE not in writes:
        return Decision(Action.REJECT, reasons=[
            f"Xero does not let a client create {ep.stream}, and no existing record matches "
            f"{_label(ep, payload)}"])
    return Decision(Action.CREATE, _without_id(payload, pk))


def _without_id(payload: dict[str, Any], pk: str) -> dict[str, Any]:
    """A create carries no Xero-assigned id (another organisation's); a code key stays."""
    return _without(payload, pk) if pk.endswith("ID") else dict(payload)


def _without(payload: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k != key}


def _payment_unchanged(
    ep: Endpoint, payload: dict[str, Any], existing: dict[str, Any]
) -> Decision:
    same = {
        "Amount": lambda: _amount(payload["Amount"]) == _amount(existing.get("Amount")),
        "Date": lambda: day_of(payload["Date"]) == day_of(existing.get("Date")),
        "Reference": lambda: (payload["Reference"] or "") == (existing.get("Reference") or ""),
    }
    diffs = [f for f, check in same.items() if f in payload and not check()]
    if diffs:
        return Decision(Action.REJECT, reasons=[
            f"payment {existing.get(ep.primary_key[0])} exists and Xero payments cannot be "
            f"updated (only created or reversed); differing: {', '.join(diffs)}"])
    return Decision(Action.SKIP, reasons=["payment already in Xero"])


def _decide_removal(
    ep: Endpoint, payload: dict[str, Any], existing: dict[str, Any] | None, removal: str,
) -> Decision:
    writes = ep.writes
    pk = ep.primary_key[0] if ep.primary_key else ""
    sf = ep.status_field or "Status"
    current = str((existing or {}).get(sf) or "").upper()
    if existing is None:
        if removal == SDC_DELETED_AT or Write.REVERSE in writes or ep.hard_deletes:
            return Decision(Action.SKIP, reasons=[
                f"{_label(ep, payload)} is not in Xero: nothing to remove"])
        # A record read elsewhere in a removed state: create it, then apply the same state.
        step = _removal_for_new(ep, removal)
        if step is None:
            return Decision(Action.REJECT, reasons=[
                f"{ep.stream} cannot be created in status {removal}"])
        then, initial = step
        body = _without_id(payload, pk)
        body[sf] = initial
        return Decision(Action.CREATE, body, then=then, then_status=removal)
    rid = str(existing[pk])
    if current in REMOVED_STATUSES and (current == removal or removal == SDC_DELETED_AT
                                         or current in (DELETED, VOIDED)):
        return Decision(Action.SKIP, reasons=[f"{_label(ep, existing)} is already {current}"])
    if Write.REVERSE in writes:
        return Decision(Action.REVERSE, {"Status": DELETED})
    if Write.VOID in writes:  # invoices, credit notes, manual journals
        if current in EDITABLE_DOC_STATUSES:
            return Decision(Action.DELETE, _status_payload(ep, rid, DELETED))
        if current in ("AUTHORISED", "POSTED"):
            if has_payments(existing):
                return Decision(Action.REJECT, reasons=[
                    f"{_label(ep, existing)} is {current} with payments or credits applied "
                    f"(AmountPaid {existing.get('AmountPaid', 0)}): Xero voids only documents "
                    f"without payments; remove them first"])
            return Decision(Action.VOID, _status_payload(ep, rid, VOIDED))
        if current == "PAID":
            return Decision(Action.REJECT, reasons=[
                f"{_label(ep, existing)} is PAID: Xero voids only AUTHORISED documents without "
                f"payments; reverse its payments first"])
        return Decision(Action.REJECT, reasons=[
            f"{_label(ep, existing)} is {current or 'in an unknown status'}: Xero deletes "
            f"only DRAFT/SUBMITTED and voids only AUTHORISED documents"])
    if Write.ARCHIVE in writes and (removal == ARCHIVED or Write.DELETE_HTTP not in writes):
        return Decision(Action.ARCHIVE, _status_payload(ep, rid, ARCHIVED))
    if Write.DELETE_HTTP in writes:
        fallback = Action.ARCHIVE if Write.ARCHIVE in writes else None
        return Decision(Action.DELETE, None, fallback=fallback)
    if Write.DELETE_STATUS in writes:
        return Decision(Action.DELETE, _status_payload(ep, rid, DELETED))
    return Decision(Action.REJECT, reasons=[f"Xero does not let a client remove {ep.stream}"])


def _removal_for_new(ep: Endpoint, removal: str) -> tuple[Action, str] | None:
    """For a record created only to end removed: (second step, status to create it in)."""
    writes = ep.writes
    if Write.CREATE not in writes:
        return None
    if removal == VOIDED and Write.VOID in writes:
        return Action.VOID, ep.void_from_status
    if removal == ARCHIVED and Write.ARCHIVE in writes:
        return Action.ARCHIVE, "ACTIVE"
    if removal == DELETED and Write.DELETE_STATUS in writes:
        return Action.DELETE, ep.status_before_delete
    return None

