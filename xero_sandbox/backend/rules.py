"""Xero's write rules: the entry points the sandbox server calls for every write.

`write` takes a PUT/POST body, splits it into elements and runs each through its resource's
handler (rules_settings, rules_contacts, rules_documents, rules_journals, rules_money). With
summarizeErrors=true (Xero's default) one bad element fails the batch with a 400
ValidationException and nothing is written; with summarizeErrors=false every element answers
for itself (StatusAttributeString OK or ERROR, its own ValidationErrors) and the good ones are
written. `delete`, `put_history`, `put_attachment` and `email_invoice` cover the other write
calls. All functions are pure over one Organisation; the caller holds `org.lock`. Each answers
with `answers.Answer`.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from xero_core.endpoints import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_RECORD,
    MAX_HISTORY_DETAILS,
    Endpoint,
    Write,
)
from xero_sandbox.backend import rules_contacts as contact_rules
from xero_sandbox.backend import rules_documents as docs
from xero_sandbox.backend import rules_journals as journal_rules
from xero_sandbox.backend import rules_money as money_rules
from xero_sandbox.backend import rules_settings as settings
from xero_sandbox.backend.answers import Answer, envelope, invalid, not_found
from xero_sandbox.backend.doc_kinds import KINDS
from xero_sandbox.backend.rules_common import Invalid, Op, Record
from xero_sandbox.backend.rules_settings import account_in_use
from xero_sandbox.backend.staging import API_USER, Staging
from xero_sandbox.backend.store import Attachment, Organisation, ms_date, to_ms_date_string

Handler = Callable[[Staging, Record, Op], Record]

HANDLERS: dict[str, Handler] = {
    "accounts": settings.accounts,
    "contacts": contact_rules.contacts,
    "contact_groups": contact_rules.contact_groups,
    "items": settings.items,
    "tax_rates": settings.tax_rates,
    "tracking_categories": settings.tracking_categories,
    "currencies": settings.currencies,
    "linked_transactions": settings.linked_transactions,
    "manual_journals": journal_rules.manual_journals,
    "payments": money_rules.payments,
    "batch_payments": money_rules.batch_payments,
    "bank_transfers": money_rules.bank_transfers,
    **{stream: docs.handler(kind) for stream, kind in KINDS.items()},
}


# --- request bodies -------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _field_names() -> dict[str, str]:
    """lower-case -> Xero's casing for every property of the Accounting spec (loaded lazily:
    only bodies written in camelCase need it)."""
    from importlib import resources

    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = resources.files("xero_core").joinpath("openapi/xero_accounting.yaml").read_text()
    spec = yaml.load(text, Loader=loader)
    names: dict[str, str] = {}
    for schema in spec["components"]["schemas"].values():
        for prop in (schema.get("properties") or {}):
            names.setdefault(prop.lower(), prop)
    return names


def canonical(obj: Any) -> Any:
    """Keys in Xero's casing: Xero reads JSON keys case-insensitively (`lineItems`, `Lineitems`)."""
    if isinstance(obj, list):
        return [canonical(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for k, v in obj.items():
        key = k
        if isinstance(k, str) and k and (k[0].islower() or k in _ODD_KEYS):
            key = _ODD_KEYS.get(k) or _field_names().get(k.lower(), k)
        out[key] = canonical(v)
    return out


_ODD_KEYS = {"Lineitems": "LineItems"}


def elements_of(endpoint: Endpoint, payload: dict[str, Any]) -> list[Any]:
    """The records of a write body: {"Invoices": [...]}, or one bare object (PUT /Accounts)."""
    body = canonical(payload)
    key = endpoint.records_key
    if key in body:
        items = body[key]
        if isinstance(items, dict):
            return [items]
        if not isinstance(items, list):
            raise Invalid(f"{key} must be a list")
        return items
    for k, v in body.items():
        if k.lower() == key.lower() and isinstance(v, list):
            return v
    if body:
        return [body]
    raise Invalid(f"The request body has no {key}")


# --- write ----------------------------------------------------------------------------------------

def write(org: Organisation, endpoint: Endpoint, method: str, payload: dict[str, Any], *,
          record_id: str | None, summarize_errors: bool, now_ms: int,
          params: dict[str, str]) -> Answer:
    """PUT/POST /{path} or POST /{path}/{id}."""
    method = method.upper()
    handler = HANDLERS.get(endpoint.stream)
    if handler is None or not (endpoint.writes & {Write.CREATE, Write.UPDATE, Write.REVERSE,
                                                  Write.DELETE_STATUS, Write.VOID}):
        return invalid(f"{endpoint.records_key} cannot be written through the API")
    if method == "PUT" and Write.CREATE not in endpoint.writes:
        return invalid(f"{endpoint.records_key} cannot be created through the API")
    try:
        elements = elements_of(endpoint, payload)
    except Invalid as e:
        return invalid(*e.messages)
    if not elements:
        return invalid(f"The request body has no {endpoint.records_key}")
    if endpoint.batch_max == 1 and len(elements) > 1:
        return invalid(f"Only one {endpoint.schema.lower()} can be created or updated per "
                        "request.")
    op = Op(endpoint, method, record_id, dict(params))
    if record_id is not None:
        if org.coll(endpoint.stream).get(record_id) is None:
            return not_found()
        if len(elements) != 1:
            return invalid(f"Only one {endpoint.schema} can be updated at /{record_id}")
        first = elements[0] if isinstance(elements[0], dict) else {}
        elements = [{**first, op.pk: record_id}]
    if summarize_errors:
        return _write_all_or_nothing(org, handler, op, elements, now_ms)
    return _write_each(org, handler, op, elements, now_ms)


def _run(stg: Staging, handler: Handler, op: Op, el: Any) -> Record:
    if not isinstance(el, dict):
        raise Invalid(f"Each element of {op.endpoint.records_key} must be an object")
    return handler(stg, el, op)


def _error_element(el: Any, messages: list[str]) -> dict[str, Any]:
    out = dict(el) if isinstance(el, dict) else {}
    out["StatusAttributeString"] = "ERROR"
    out["ValidationErrors"] = [{"Message": m} for m in messages]
    return out


def _write_all_or_nothing(org: Organisation, handler: Handler, op: Op, elements: list[Any],
                          now_ms: int) -> Answer:
    stg = Staging(org, now_ms)
    done: list[Record] = []
    results: list[dict[str, Any]] = []
    failed = False
    for el in elements:
        try:
            rec = _run(stg, handler, op, el)
        except Invalid as e:
            failed = True
            results.append(_error_element(el, e.messages))
            continue
        done.append(rec)
        results.append({**(el if isinstance(el, dict) else {}), "ValidationErrors": []})
    if failed:
        return invalid(elements=results)
    stg.commit()
    return Answer(200, envelope(op.endpoint.records_key, [dict(r) for r in done], now_ms))


def _write_each(org: Organisation, handler: Handler, op: Op, elements: list[Any],
                now_ms: int) -> Answer:
    out: list[dict[str, Any]] = []
    for el in elements:
        stg = Staging(org, now_ms)
        try:
            rec = _run(stg, handler, op, el)
        except Invalid as e:
            out.append(_error_element(el, e.messages))
            continue
        stg.commit()
        out.append({**rec, "StatusAttributeString": "OK", "ValidationErrors": []})
    return Answer(200, envelope(op.endpoint.records_key, out, now_ms))


# --- delete ---------------------------------------------------------------------------------------

def delete(org: Organisation, endpoint: Endpoint, record_id: str, now_ms: int) -> Answer:
    """HTTP DELETE: accounts when unused; items, tracking categories, linked transactions."""
    if Write.DELETE_HTTP not in endpoint.writes:
        return invalid(f"{endpoint.records_key} cannot be deleted; set its status instead")
    rec = org.coll(endpoint.stream).get(record_id)
    if rec is None:
        return not_found()
    stg = Staging(org, now_ms)
    if endpoint.stream == "accounts":
        if account_in_use(stg, rec):
            return invalid("This account cannot be deleted as it has been used in "
                            "transactions or is a system account. Archive it instead.")
        gone = {**rec, "Status": "DELETED"}
        org.coll("accounts").remove(record_id)
        return Answer(200, envelope("Accounts", [gone], now_ms))
    if endpoint.stream == "linked_transactions" and rec.get("Status") == "BILLED":
        return invalid("A linked transaction that has been billed cannot be deleted.")
    org.coll(endpoint.stream).remove(record_id)
    org.history.pop((endpoint.stream, record_id), None)
    org.attachments.pop((endpoint.stream, record_id), None)
    if endpoint.stream == "tracking_categories":
        return Answer(200, envelope("TrackingCategories", [{**rec, "Status": "DELETED"}],
                                          now_ms))
    return Answer(204, None)


# --- history, attachments, email ------------------------------------------------------------------

def put_history(org: Organisation, endpoint: Endpoint, record_id: str, payload: dict[str, Any],
                now_ms: int) -> Answer:
    """PUT /{path}/{id}/History {"HistoryRecords": [{"Details": ...}]}."""
    if Write.HISTORY not in endpoint.writes:
        return invalid(f"{endpoint.records_key} do not take history notes")
    if org.coll(endpoint.stream).get(record_id) is None:
        return not_found()
    body = canonical(payload)
    notes = body.get("HistoryRecords")
    if not isinstance(notes, list) or not notes:
        return invalid("HistoryRecords must be a non-empty list")
    results, failed = [], False
    for note in notes:
        details = note.get("Details") if isinstance(note, dict) else None
        if not details or not str(details).strip():
            failed = True
            results.append(_error_element(note, ["Details must be specified"]))
        elif len(str(details)) > MAX_HISTORY_DETAILS:
            failed = True
            results.append(_error_element(note, [
                f"Details must not be longer than {MAX_HISTORY_DETAILS} characters"]))
        else:
            results.append({**note, "ValidationErrors": []})
    if failed:
        return invalid(elements=results)
    added = [org.add_history(endpoint.stream, record_id, str(n["Details"]), "Note", API_USER,
                             now_ms) for n in notes]
    return Answer(200, envelope("HistoryRecords", [dict(a) for a in added], now_ms))


def attachment_url(base_url: str, endpoint: Endpoint, record_id: str, file_name: str) -> str:
    return f"{base_url.rstrip('/')}{endpoint.url_path}/{record_id}/Attachments/" \
           f"{quote(file_name)}"


def put_attachment(org: Organisation, endpoint: Endpoint, record_id: str, file_name: str,
                   content: bytes, mime_type: str, now_ms: int, base_url: str) -> Answer:
    """PUT/POST /{path}/{id}/Attachments/{FileName} with the raw bytes."""
    if Write.ATTACHMENTS not in endpoint.writes:
        return invalid(f"{endpoint.records_key} do not take attachments")
    coll = org.coll(endpoint.stream)
    rec = coll.get(record_id)
    if rec is None:
        return not_found()
    name = file_name.strip()
    if not name or "/" in name or "\\" in name:
        return invalid("A file name must be given for the attachment")
    if len(content) > MAX_ATTACHMENT_BYTES:
        return invalid(f"The attachment is larger than {MAX_ATTACHMENT_BYTES} bytes")
    if not content:
        return invalid("The attachment is empty")
    files = list(org.attachments.get((endpoint.stream, record_id), []))
    same = next((i for i, a in enumerate(files) if a.file_name.lower() == name.lower()), None)
    if same is None and len(files) >= MAX_ATTACHMENTS_PER_RECORD:
        return invalid(f"A document can have at most {MAX_ATTACHMENTS_PER_RECORD} attachments")
    att = Attachment(str(uuid.uuid4()), name, mime_type or "application/octet-stream",
                     bytes(content))
    if same is None:
        files.append(att)
    else:
        files[same] = att
    org.attachments[(endpoint.stream, record_id)] = files
    if rec.get("HasAttachments") is False:  # only where Xero has the field (quotes do not)
        coll.put({**rec, "HasAttachments": True}, now_ms)
    return Answer(200, envelope(
        "Attachments", [att.as_xero(attachment_url(base_url, endpoint, record_id, name))],
        now_ms))


def email_invoice(org: Organisation, record_id: str, now_ms: int) -> Answer:
    """POST /Invoices/{id}/Email: 204 for an AUTHORISED sales invoice to a contact with email."""
    inv = org.coll("invoices").get(record_id)
    if inv is None:
        return not_found()
    if inv.get("Type") != "ACCREC":
        return invalid("Only sales invoices (ACCREC) can be emailed")
    if inv.get("Status") != "AUTHORISED":
        return invalid("Invoice not of valid status for sending. Only approved invoices can be "
                        "emailed.")
    contact = org.coll("contacts").get(inv["Contact"]["ContactID"]) or {}
    email = contact.get("EmailAddress")
    if not email:
        return invalid("The contact for this invoice does not have an email address.")
    org.coll("invoices").put({**inv, "SentToContact": True}, now_ms)
    org.add_history("invoices", record_id, f"This invoice has been emailed to {email}.",
                    "Emailed", API_USER, now_ms)
    return Answer(204, None)


__all__ = ["delete", "email_invoice", "envelope", "ms_date", "put_attachment",
           "put_history", "to_ms_date_string", "write"]
