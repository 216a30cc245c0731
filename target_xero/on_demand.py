"""Actions on demand: `raw_requests` (any call under Xero's API bases) and `invoice_emails`.

Both streams are off unless the operator enables them (`enable_raw_requests`,
`enable_invoice_emails`): records come from tables people upstream can write.

- A `raw_requests` record is one call: `method`, `path` (under one of Xero's API bases, e.g.
  `/api.xro/2.0/Organisation/Actions`; never another host, never `..`), optional `query`
  (object), `body` (a JSON object or array, or an XML string sent as application/xml) and
  `source_key`. Writes carry an Idempotency-Key made from the tenant, the call and the source
  key (else the record's content), the same on every run, so a replayed record is answered by
  Xero's replay instead of being done twice. The status and the answer go to the results file.
- An `invoice_emails` record names an invoice by `InvoiceID` or `InvoiceNumber`: an AUTHORISED
  sales invoice is emailed once (skipped when Xero's `SentToContact` says it was, unless the
  record says `resend: true`); anything else is rejected with the reason (Xero's when it
  refuses, e.g. a contact without an email address).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from target_xero.actions import Action, Decision
from target_xero.sink_base import XeroSink
from target_xero.work import Work
from xero_core.endpoints import API_BASES
from xero_core.errors import XeroHTTPError, validation_messages

METHODS = frozenset({"GET", "PUT", "POST", "PATCH", "DELETE"})
MAX_ANSWER_CHARS = 20_000  # of an answer kept in the results file
_PATH = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$")


def raw_request_problem(raw: dict[str, Any]) -> str | None:
    """Why a raw_requests record cannot be sent (None when it can)."""
    method = raw.get("method")
    if not isinstance(method, str) or method.upper() not in METHODS:
        return f"method: one of {', '.join(sorted(METHODS))}"
    path = raw.get("path")
    if not isinstance(path, str) or not _PATH.match(path):
        return "path: a path from the host, e.g. /api.xro/2.0/Organisation (no host, query or #)"
    decoded = unquote(path)
    if ".." in decoded.split("/") or "//" in path or "\\" in decoded or any(
            ord(c) < 32 for c in decoded):
        return "path: no '..', '//', backslashes or control characters"
    if not any(path == base or path.startswith(base + "/") for base in API_BASES.values()):
        return f"path: must be under one of Xero's API bases ({', '.join(API_BASES.values())})"
    query = raw.get("query")
    if query is not None and not (isinstance(query, dict) and all(
            isinstance(v, (str, int, float, bool)) for v in query.values())):
        return "query: an object of plain values"
    body = raw.get("body")
    if body is not None and not isinstance(body, (dict, list, str)):
        return "body: a JSON object or array, or an XML string"
    if isinstance(body, str) and not body.lstrip().startswith("<"):
        return "body: a string body is sent as XML and must start with '<'"
    return None


def _enabled(sink: XeroSink, works: list[Work], setting: str, action: Action) -> bool:
    """True when the operator turned the stream on; else every record is rejected saying so."""
    if sink.context.config.get(setting):
        return True
    for w in works:
        sink.reject(w, [f"{sink.route.mode} are off: the operator enables them with {setting}"],
                    action)
    return False


def write_raw_requests(sink: XeroSink, works: list[Work]) -> None:
    if not _enabled(sink, works, "enable_raw_requests", Action.CALL):
        return
    x = sink.context.xero
    for w in works:
        problem = raw_request_problem(w.raw)
        if problem:
            sink.reject(w, [problem], Action.CALL)
            continue
        method, path, body = str(w.raw["method"]).upper(), str(w.raw["path"]), w.raw.get("body")
        kwargs: dict[str, Any] = {"params": w.raw.get("query") or None}
        if isinstance(body, str):
            kwargs["data"] = body.encode("utf-8")
            kwargs["headers"] = {"Content-Type": "application/xml"}
        elif body is not None:
            kwargs["json"] = body
        key = None
        if method != "GET":
            identity = str(w.raw.get("source_key") or w.fingerprint)
            key = sink.idempotency_key(f"{method} {path}", [identity])
        w.decision = Decision(Action.CALL)
        try:
            resp = x.client.request(method, path, tenant_id=x.tenant_id,
                                    idempotency_key=key, **kwargs)
        except XeroHTTPError as exc:
            if sink.is_fatal(exc):
                raise
            reasons = validation_messages(exc.body) if isinstance(exc.body, dict) else []
            sink.reject(w, [f"HTTP {exc.status}: {'; '.join(reasons) or exc.message}"],
                        Action.CALL)
            continue
        answer = resp.content.decode("utf-8", "replace")[:MAX_ANSWER_CHARS]
        sink.confirm(w, Action.CALL, detail={"status": resp.status_code, "answer": answer})


def send_invoice_emails(sink: XeroSink, works: list[Work]) -> None:
    if not _enabled(sink, works, "enable_invoice_emails", Action.EMAIL):
        return
    ids = [str(w.raw["InvoiceID"]) for w in works if w.raw.get("InvoiceID")]
    numbers = [str(w.raw["InvoiceNumber"]) for w in works if w.raw.get("InvoiceNumber")]
    sink.refs.ensure("invoices", ids, numbers)
    for w in works:
        w.decision = Decision(Action.EMAIL)
        match = sink.refs.match("invoices", w.raw.get("InvoiceID"), w.raw.get("InvoiceNumber"),
                                None)
        invoice = match.found
        if invoice is None:
            what = w.raw.get("InvoiceID") or w.raw.get("InvoiceNumber")
            sink.reject(w, [f"no invoice {what!s} in this organisation" if not match.ambiguous
                            else f"InvoiceNumber {what!s} names {len(match.candidates)} "
                                 f"invoices: give the InvoiceID"], Action.EMAIL)
            continue
        w.existing = invoice
        kind, status = str(invoice.get("Type", "")), str(invoice.get("Status", ""))
        if kind != "ACCREC" or status != "AUTHORISED":
            sink.reject(w, [f"invoice {invoice.get('InvoiceNumber')} is {kind} {status}: Xero "
                            f"emails only AUTHORISED sales invoices (ACCREC)"], Action.EMAIL)
            continue
        if invoice.get("SentToContact") and w.raw.get("resend") is not True:
            w.decision = Decision(Action.SKIP, reasons=[
                "already emailed (SentToContact); send resend: true to email it again"])
            sink.confirm(w, Action.SKIP)
            continue
        rid = str(invoice["InvoiceID"])
        try:
            sink.call("POST", f"{sink.ep.url_path}/{rid}/Email", "email", [w], json={})
        except XeroHTTPError as exc:
            if sink.is_fatal(exc):
                raise
            sink.reject_error(w, exc)
            continue
        sink.refs.index("invoices").add({**invoice, "SentToContact": True})
        sink.confirm(w, Action.EMAIL)


class RawRequestsSink(XeroSink):
    """The `raw_requests` stream: each record one call."""

    def write(self, works: list[Work]) -> None:
        write_raw_requests(self, works)


class InvoiceEmailsSink(XeroSink):
    """The `invoice_emails` stream: each record one invoice to email."""

    def write(self, works: list[Work]) -> None:
        send_invoice_emails(self, works)
