"""References inside a record, rewritten for the target organisation.

A record read from organisation A can be written into organisation B: a nested id
(Contact.ContactID, Invoice.InvoiceID, Account.AccountID, a line's AccountID) is kept only if B
holds it; otherwise it is stripped and the natural key (Contact.Name, Invoice.InvoiceNumber,
Account.Code, AccountCode) is used, replaced by B's id when B has a match. A contact B does not
know keeps only its Name, so Xero creates it (Xero's own rule for a Contact given by Name).
Items and tracking are referenced by code / name already (ItemCode, Tracking Name + Option):
their ids are dropped. Which fields point where is the endpoint table's (`ref_fields`,
`optional_ref_id`).
"""

from __future__ import annotations

from typing import Any

from target_xero.references import References, like_of, typed_numbers
from xero_core.endpoints import BY_STREAM, ENDPOINTS, RefField


def _ref_fields(stream: str) -> tuple[RefField, ...]:
    ep = BY_STREAM.get(stream)
    return ep.ref_fields if ep is not None else ()


LINE_FIELDS = ("LineItems", "JournalLines")
# Top-level ids with no natural key to fall back to: kept only if the target holds them
# (each resource's `optional_ref_id` in the endpoint table).
OPTIONAL_IDS = {e.optional_ref_id: e.stream for e in ENDPOINTS if e.optional_ref_id}


def wanted_refs(stream: str, record: dict[str, Any]) -> dict[str, tuple[set[str], set[str]]]:
    """The (ids, natural keys) a record refers to, per resource stream."""
    out: dict[str, tuple[set[str], set[str]]] = {}
    for ref in _ref_fields(stream):
        obj = record.get(ref.field)
        if not isinstance(obj, dict):
            continue
        ids, nats = out.setdefault(ref.stream, (set(), set()))
        if obj.get(ref.id_field):
            ids.add(str(obj[ref.id_field]))
        if ref.natural_field and obj.get(ref.natural_field):
            nats.add(str(obj[ref.natural_field]))
    for id_field, stream_ in OPTIONAL_IDS.items():
        if record.get(id_field):
            out.setdefault(stream_, (set(), set()))[0].add(str(record[id_field]))
    for lf in LINE_FIELDS:
        for line in record.get(lf) or []:
            if isinstance(line, dict) and line.get("AccountID"):
                out.setdefault("accounts", (set(), set()))[0].add(str(line["AccountID"]))
    return out


def resolve_refs(refs: References, stream: str, record: dict[str, Any]) -> list[str]:
    """Rewrite the record's references for the target organisation, in place.

    Returns the problems (a reference that matches nothing and has no fallback).
    """
    problems: list[str] = []
    for ref in _ref_fields(stream):
        obj = record.get(ref.field)
        if not isinstance(obj, dict):
            continue
        rid, nat = obj.get(ref.id_field), obj.get(ref.natural_field or "")
        # A payment's Invoice / CreditNote by number: the number alone may name several
        # documents (suppliers' bills); the Type and Contact it carries narrow them down.
        like = like_of(obj) if typed_numbers(ref.stream) else None
        match = refs.match(ref.stream, rid, nat, like)
        found = match.found
        if found is None and match.ambiguous:
            problems.append(match.problem(BY_STREAM[ref.stream],
                                          f"{ref.field}.{ref.natural_field}", nat, like))
            continue
        if found is not None:
            record[ref.field] = {ref.id_field: found[ref.id_field]}
        elif nat and not ref.must_exist:
            # Unknown here: drop the foreign id, keep the natural key (Xero creates a contact
            # given only by Name).
            record[ref.field] = {ref.natural_field: nat}
        else:
            what = f"{ref.id_field} {rid}" if rid else ""
            if nat:
                what += f"{' / ' if what else ''}{ref.natural_field} {nat}"
            problems.append(f"{ref.field}: no {ref.stream} with {what or 'an id or key'} "
                            f"in this organisation")
    for id_field, stream_ in OPTIONAL_IDS.items():
        if record.get(id_field) and refs.find(stream_, record[id_field]) is None:
            record.pop(id_field)  # another organisation's theme / template: use the default
    for lf in LINE_FIELDS:
        for line in record.get(lf) or []:
            if isinstance(line, dict):
                problems.extend(_resolve_line(refs, lf, line))
    return problems


def _resolve_line(refs: References, lf: str, line: dict[str, Any]) -> list[str]:
    aid = line.get("AccountID")
    if aid:
        found = refs.find("accounts", aid)
        if found is None:
            line.pop("AccountID")
            if not line.get("AccountCode"):
                return [f"{lf}: no account with AccountID {aid} in this organisation and no "
                        f"AccountCode to fall back to"]
    item = line.get("Item")
    if isinstance(item, dict):
        if not line.get("ItemCode") and item.get("Code"):
            line["ItemCode"] = item["Code"]
        line.pop("Item")
    tracking = line.get("Tracking")
    if isinstance(tracking, list):
        line["Tracking"] = [
            {k: v for k, v in t.items() if k in ("Name", "Option")} if isinstance(t, dict)
            and t.get("Name") and t.get("Option") else t
            for t in tracking
        ]
    return []
