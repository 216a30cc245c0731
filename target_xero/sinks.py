"""One sink for every stream, driven by the endpoint table: batch, resolve keys, write, reconcile.

A stream maps to an endpoint row by name (`invoices`), by the `stream_endpoints` setting, or as
`<stream>_history` / `<stream>_attachments`. For a batch the sink:

1. cleans each record to what Xero accepts (`actions.clean_payload`) and checks it locally
   (size, keys, what the resource allows), rejecting what cannot be sent;
2. looks up, in one call per resource, the records Xero already holds (by id and natural key)
   and the references the records point at (`references`);
3. decides each record's action (`actions.decide`) and sends the writes in as few calls as
   Xero allows: up to 50 elements a call with `summarizeErrors=false` (creates without a
   natural key go alone in a PUT, so a re-run sends the same request with the same
   Idempotency-Key); accounts and tracking categories one a call; HTTP DELETEs, payment
   reversals, history notes, attachments and emails one a call;
4. matches each element of Xero's answer back to its record, checking the echoed id / natural
   key, and counts it written, or rejects it with Xero's validation messages.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from singer_sdk.exceptions import InvalidRecord
from singer_sdk.sinks import BatchSink
from singer_sdk.sinks.core import BaseJSONSchemaValidator, JSONSchemaValidator

from target_xero.actions import (
    SDC_DELETED_AT,
    Action,
    Decision,
    clean_payload,
    covers,
    day_of,
    decide,
    removal_request,
)
from target_xero.attachment_files import Upload, attachment_upload
from target_xero.identity import (
    identity_field,
    source_fields,
    source_key,
    stamp,
    strip_unknown,
)
from target_xero.keyed import KeyedRecords
from target_xero.on_demand import send_invoice_emails, write_raw_requests
from target_xero.references import (
    TYPED_NUMBERS,
    References,
    is_guid,
    like_of,
    resolve_refs,
    wanted_refs,
)
from target_xero.work import Work, fingerprint
from xero_core import jsonutil
from xero_core.endpoints import (
    BY_STREAM,
    MAX_BATCH,
    MAX_BODY_BYTES,
    MAX_HISTORY_DETAILS,
    MAX_IDEMPOTENCY_KEY,
    Endpoint,
    Write,
)
from xero_core.errors import (
    ForbiddenError,
    NotFoundError,
    ValidationError,
    XeroError,
    XeroHTTPError,
    validation_messages,
)
from xero_core.protocol import records_in

if TYPE_CHECKING:
    from target_xero.target import TargetXero

HISTORY, ATTACHMENTS, RECORDS = "history", "attachments", "records"
RAW, EMAILS = "raw_requests", "invoice_emails"
# Streams of actions on demand (target_xero/on_demand.py): name -> (resource, mode).
ON_DEMAND = {RAW: (None, RAW), EMAILS: ("invoices", EMAILS)}
SINGLE_OBJECT_BODY = frozenset({"tracking_categories"})  # PUT/POST take one object, no envelope
LINE_ID_FIELDS = {"LineItems": "LineItemID", "JournalLines": "JournalLineID"}
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
ENVELOPE_OVERHEAD = 200

# Drain order: what other records refer to is written first.
_RANK = {
    "accounts": 0, "tax_rates": 0, "tracking_categories": 0, "currencies": 0,
    "branding_themes": 0, "contact_groups": 1, "contacts": 1, "items": 1,
    "payments": 3, "batch_payments": 3, "bank_transfers": 3, "linked_transactions": 3,
    "overpayments": 3, "prepayments": 3,
}


@dataclass(frozen=True)
class Route:
    """Where a stream's records go."""

    stream: str
    endpoint: Endpoint | None
    mode: str = RECORDS
    error: str | None = None

    @property
    def rank(self) -> int:
        if self.endpoint is None:
            return 99
        base = _RANK.get(self.endpoint.stream, 2)
        return base if self.mode == RECORDS else 10 + base


LOOKAHEAD_BATCHES = 20


def route_for(stream: str, stream_endpoints: Mapping[str, str] | None = None) -> Route:
    """Map a stream name to its endpoint row and mode (records, history, attachments)."""
    name = (stream_endpoints or {}).get(stream, stream)
    if name in ON_DEMAND:
        resource, mode = ON_DEMAND[name]
        return Route(stream, BY_STREAM[resource] if resource else None, mode)
    candidates = [(name, RECORDS)]
    for suffix, mode in (("_history", HISTORY), ("_attachments", ATTACHMENTS)):
        if name.endswith(suffix):
            candidates.append((name[: -len(suffix)], mode))
    by_key = {e.records_key.lower(): e for e in BY_STREAM.values() if e.records_key}
    for base, mode in candidates:
        ep = BY_STREAM.get(base) or BY_STREAM.get(base.lower()) or by_key.get(base.lower())
        if ep is None:
            continue
        needs = {RECORDS: None, HISTORY: Write.HISTORY, ATTACHMENTS: Write.ATTACHMENTS}[mode]
        if mode == RECORDS and not ep.writes:
            return Route(stream, ep, mode, f"Xero does not accept writes to {ep.stream}")
        if needs is not None and needs not in ep.writes:
            return Route(stream, ep, mode, f"Xero keeps no {mode} for {ep.stream}")
        return Route(stream, ep, mode)
    return Route(stream, None, RECORDS, (
        f"unknown stream {stream!r}: name it after a Xero stream (invoices, contacts, ...), "
        f"'<stream>_history', '<stream>_attachments', or map it in the stream_endpoints "
        f"setting"))


def idempotency_key(tenant_id: str, stream: str, what: str, parts: Sequence[str]) -> str:
    """Idempotency-Key from tenant, stream, the call and its records' content (<= 128 chars)."""
    digest = hashlib.sha256("\n".join([tenant_id, stream, what, *parts])
                            .encode("utf-8", "backslashreplace")).hexdigest()
    return f"target-xero-{digest}"[:MAX_IDEMPOTENCY_KEY]


class PathValidator(JSONSchemaValidator):
    """Schema validation whose message names every failing field by its path."""

    def validate(self, record: dict) -> None:
        errors = sorted(self.validator.iter_errors(record), key=lambda e: list(e.absolute_path))
        if errors:
            msgs = [f"{'.'.join(str(p) for p in e.absolute_path) or '(record)'}: {e.message}"
                    for e in errors[:5]]
            raise InvalidRecord("; ".join(msgs), record)


class XeroSink(KeyedRecords, BatchSink):
    """Writes one stream's records to the resource its route names."""

    def __init__(self, target: TargetXero, stream_name: str, schema: dict,
                 key_properties: Sequence[str] | None) -> None:
        super().__init__(target, stream_name, schema, key_properties)
        self.target_xero = target
        self.route = target.route_for(stream_name)
        self._followups: list[Work] = []
        ep = self.route.endpoint if self.route.mode == RECORDS else None
        self.source_fields = source_fields(ep, stream_name, key_properties,
                                           target.config.get("source_keys"))
        self.identity_overrides: dict[str, Any] = dict(target.config.get("identity_fields")
                                                       or {})
        self._warned_no_identity = False
        self._history_seen: dict[str, Counter[str]] = {}  # parent id -> its notes' Details

    # -- SDK hooks: keep what the SDK would strip or convert --------------------------------

    @property
    def max_size(self) -> int:
        # Drain LOOKAHEAD write batches at once: their keys are looked up in one call, then
        # written `batch_size` records a call.
        return self.target_xero.batch_size * LOOKAHEAD_BATCHES

    def _remove_sdc_metadata_from_record(self, record: dict) -> None:
        """Strip `_sdc_*` except `_sdc_deleted_at`: it asks for a removal."""
        deleted_at = record.get(SDC_DELETED_AT)
        super()._remove_sdc_metadata_from_record(record)
        if deleted_at:
            record[SDC_DELETED_AT] = deleted_at

    def _remove_sdc_metadata_from_schema(self) -> None:
        super()._remove_sdc_metadata_from_schema()
        self.schema.setdefault("properties", {})[SDC_DELETED_AT] = {
            "type": ["null", "string"], "format": "date-time"}

    def get_validator(self) -> BaseJSONSchemaValidator | None:
        return PathValidator(self.schema) if self.validate_schema else None

    def _validate_and_parse(self, record: dict) -> dict:
        """Validate against the stream's schema; the target rejects what fails (no traceback)."""
        if self._validator is not None:
            self._validator.validate(record)
        return record

    def _parse_timestamps_in_record(self, record: dict, schema: dict, treatment: Any) -> None:
        """Leave dates as the ISO strings the tap wrote: Xero takes them as they are."""

    def _singer_validate_message(self, record: dict) -> None:
        """A record without its key is a create, not an error: keys are checked per action."""

    def process_record(self, record: dict, context: dict) -> None:
        w = Work(raw=record, line=self.target_xero.current_line, fingerprint=fingerprint(record))
        if self.source_fields and self.route.endpoint is not None:
            key = source_key(self.stream_name, self.source_fields, record, self.ep.identity_max)
            if isinstance(key, str):
                w.key_problem = key
            else:
                w.key = key
        context.setdefault("records", []).append(w)

    # -- batch ------------------------------------------------------------------------------

    @property
    def ep(self) -> Endpoint:
        assert self.route.endpoint is not None
        return self.route.endpoint

    @property
    def refs(self) -> References:
        return self.target_xero.xero.refs

    def process_batch(self, context: dict) -> None:
        works: list[Work] = context.get("records", [])
        if not works:
            return
        self.target_xero.drain_dependencies(self)
        if self.route.error:
            for w in works:
                self.reject(w, [self.route.error], Action.REJECT)
            return
        if self.route.mode == RAW:
            write_raw_requests(self, works)
        elif self.route.mode == EMAILS:
            send_invoice_emails(self, works)
        elif self.route.mode == HISTORY:
            self._write_history(works)
        elif self.route.mode == ATTACHMENTS:
            self._write_attachments(works)
        else:
            for round_ in _rounds(self.ep, works):
                self._write_records(round_)
        for w in works:
            if not w.done:  # a bug if it happens: never lose a record silently
                self.reject(w, ["internal: the record was not settled"], w.action)

    # -- outcomes ---------------------------------------------------------------------------

    def reject(self, w: Work, reasons: list[str], action: Action | None = None) -> None:
        act = (action or w.action).value
        self.target_xero.reject(self.stream_name, w.raw, act, reasons, w.line,
                                source_key=w.source_key, xero_id=self._xero_id(w))
        w.done = True

    def _xero_id(self, w: Work) -> str | None:
        """The Xero record a record became (or matched), when there is one."""
        if w.xero_id is None and w.existing and self.route.endpoint is not None:
            pk = self.ep.primary_key[0] if self.ep.primary_key else None
            return str(w.existing[pk]) if pk and w.existing.get(pk) else None
        return w.xero_id

    def confirm(self, w: Work, action: Action, detail: dict[str, Any] | None = None) -> None:
        self.target_xero.tally.add(self.stream_name, action.done)
        results = self.target_xero.results
        if results is not None:
            rid = self._xero_id(w)
            reason = "; ".join(w.decision.reasons) if w.decision and w.decision.reasons else None
            results.write(self.stream_name, w.source_key or _str_or_none(w.raw.get("source_key")),
                          rid, action.done, reason, w.line, detail)
        w.outcome = action
        w.done = True

    def idempotency_key(self, what: str, parts: Sequence[str]) -> str:
        """The Idempotency-Key of a call made for this stream (on_demand.py)."""
        return idempotency_key(self.target_xero.xero.tenant_id, self.stream_name, what, parts)

    @staticmethod
    def is_fatal(exc: XeroHTTPError) -> bool:
        """Errors that stop the run (state kept) instead of rejecting a record."""
        return _fatal(exc)

    def call(self, method: str, path: str, what: str, works: Sequence[Work], *,
             json: Any = None) -> Any:
        """One write call with its Idempotency-Key (for on_demand.py)."""
        return self._call(method, path, what, works, json=json)

    def _call(self, method: str, path: str, what: str, works: Sequence[Work], *,
              json: Any = None, data: bytes | None = None, params: dict | None = None,
              headers: dict | None = None) -> Any:
        """One write call with its Idempotency-Key; answers the parsed body (or None)."""
        _check_path_id(self.ep, path)
        x = self.target_xero.xero
        # A write to an existing record also names the state it starts from: the same update
        # sent again after the record changed (A -> B -> A -> B) is a new write, not Xero's
        # replay of the first B. A create's key is its content alone, so a create retried or
        # re-sent after a crash is answered by the replay.
        parts = [f"{w.action.value}:{w.fingerprint}"
                 + (f":{fingerprint(w.existing)}" if w.existing else "") for w in works]
        key = idempotency_key(x.tenant_id, self.stream_name, f"{method} {path} {what}", parts)
        resp = x.client.request(method, path, tenant_id=x.tenant_id, json=json, data=data,
                                params=params, headers=headers, idempotency_key=key)
        if not resp.content:
            return None
        try:
            return jsonutil.loads(resp.content)
        except ValueError:
            return None

    # -- records ----------------------------------------------------------------------------

    def _write_records(self, works: list[Work]) -> None:
        ep = self.ep
        pk = ep.primary_key[0]
        nat = ep.natural_keys[0] if ep.natural_keys else None
        works = self._skip_cached(works)
        ready: list[Work] = []
        for w in works:
            try:
                problem = self._prepare(w)
            except Exception as exc:  # one record's bad value never stops the run
                problem = f"could not prepare the record: {_one_line(exc)}"
            if problem:
                self.reject(w, [problem], Action.REJECT)
            else:
                ready.append(w)
        # One lookup per resource: the records themselves (by source token, id and natural
        # key), then what they point at.
        tokens: dict[str, list[str]] = {}
        for w in ready:
            if w.key is not None and w.identity:
                tokens.setdefault(w.identity, []).append(w.key.token)
        for name in tokens:  # an `identity_fields` choice: read tokens from it too
            self.refs.add_identity_field(ep.stream, name)
        self.refs.ensure_tokens(ep.stream, tokens)
        self.refs.ensure(ep.stream, [w.payload.get(pk) for w in ready if w.payload.get(pk)],
                         [w.payload.get(nat) for w in ready if nat and w.payload.get(nat)])
        wanted: dict[str, tuple[set[str], set[str]]] = {}
        for w in ready:
            for stream, (ids, nats) in wanted_refs(ep.stream, w.payload).items():
                acc = wanted.setdefault(stream, (set(), set()))
                acc[0].update(ids)
                acc[1].update(nats)
        for stream, (ids, nats) in wanted.items():
            self.refs.ensure(stream, ids, nats)

        claimed: set[str] = set()
        for w in ready:
            try:
                self._decide_one(w, claimed)
            except XeroError:
                raise
            except Exception as exc:  # one record's bad value never stops the run
                self.reject(w, [f"could not prepare the record: {_one_line(exc)}"],
                            Action.REJECT)
        self._execute([w for w in ready if not w.done])
        self._remember(ready)

    def _prepare(self, w: Work) -> str | None:
        """Clean one record to what Xero accepts and stamp its source key; why not, if not."""
        ep = self.ep
        if w.key_problem:
            return w.key_problem
        w.removal = removal_request(ep, w.raw)
        w.payload = clean_payload(ep, w.raw)
        if w.key is not None:
            strip_unknown(ep, w.payload, self.source_fields)
            w.identity = identity_field(ep, w.payload, self.stream_name,
                                        self.identity_overrides)
            if w.identity:
                stamp(w.identity, ep.identity_max, w.payload, w.key)
            elif not ep.natural_keys:
                self._warn_no_identity(w)
        size = len(jsonutil.dumps_bytes(w.payload))
        if size > MAX_BODY_BYTES - ENVELOPE_OVERHEAD:
            return f"record is {size} bytes; Xero takes at most {MAX_BODY_BYTES} bytes a request"
        return None

    def _decide_one(self, w: Work, claimed: set[str]) -> None:
        """Resolve one record's references, find what Xero holds for it, pick its action."""
        ep = self.ep
        typed = ep.stream in TYPED_NUMBERS
        problems = resolve_refs(self.refs, ep.stream, w.payload)
        if problems:
            self.reject(w, problems, Action.REJECT)
            return
        like = None
        if typed:  # a number may be shared: the Type and contact (as sent, and its id here)
            contact = w.payload.get("Contact")
            like = like_of(w.raw, [contact.get("ContactID")] if isinstance(contact, dict)
                           else [])
        found, problem = self._find(w, like)
        if problem:
            self.reject(w, [problem], Action.REJECT)
            return
        w.existing = found
        if w.existing is None and Write.REVERSE in ep.writes and w.key is None:
            w.existing = self._payment_on_document(w.payload, claimed)
        w.decision = decide(ep, w.payload, w.existing, w.removal)
        if (w.key is not None and w.existing is not None
                and w.decision.action is Action.UPDATE and covers(w.existing, w.payload)):
            w.decision = Decision(Action.SKIP, reasons=["unchanged"])
        if w.decision.action is Action.CREATE and w.decision.payload is not None:
            _strip_line_ids(w.decision.payload)

    def _payment_on_document(self, payload: dict[str, Any], claimed: set[str]
                             ) -> dict[str, Any] | None:
        """A payment read from another organisation: is it on the document here already?

        Matched on the invoice / credit note, date, amount and reference, so a re-run that
        cannot match payment ids (they differ between organisations) does not pay twice.
        """
        for ref_field, stream, id_field in (("Invoice", "invoices", "InvoiceID"),
                                            ("CreditNote", "credit_notes", "CreditNoteID")):
            ref = payload.get(ref_field)
            if not isinstance(ref, dict) or not ref.get(id_field):
                continue
            doc = self.refs.find(stream, ref[id_field])
            for p in (doc or {}).get("Payments") or []:
                pid = str(p.get("PaymentID"))
                if pid in claimed or str(p.get("Status", "")).upper() == "DELETED":
                    continue
                same = (day_of(p.get("Date")) == day_of(payload.get("Date"))
                        and _dec(p.get("Amount")) == _dec(payload.get("Amount"))
                        and (p.get("Reference") or "") == (payload.get("Reference") or ""))
                if same:
                    claimed.add(pid)
                    return {"PaymentID": pid, **p}
        return None

    def _execute(self, works: list[Work]) -> None:
        ep = self.ep
        keyless: list[Work] = []
        upserts: list[Work] = []
        for w in works:
            d = w.decision
            assert d is not None
            if d.action is Action.SKIP:
                self.logger.info("%s: %s", self.stream_name, "; ".join(d.reasons))
                self.confirm(w, Action.SKIP)
            elif d.action is Action.REJECT:
                self.reject(w, d.reasons)
            elif d.action is Action.REVERSE:
                self._reverse(w)
            elif d.action is Action.DELETE and d.payload is None:
                self._http_delete(w)
            elif ep.batch_max == 1 or ep.stream in SINGLE_OBJECT_BODY:
                self._single(w)
            elif d.action is Action.CREATE and (
                    not _natural(ep, d.payload)
                    or self.refs.index(ep.stream).candidates(_natural(ep, d.payload))):
                # PUT only creates. A new document whose number others already carry (another
                # supplier's bill "1001") must not go in a POST: Xero would update by number.
                keyless.append(w)
            else:
                upserts.append(w)
        if keyless:
            self._envelope("PUT", keyless)
        if upserts:
            self._envelope("POST", upserts)
        self._send_followups()

    def _send_followups(self) -> None:
        """Second steps (void / delete / archive after a create), batched like the first."""
        while self._followups:
            todo, self._followups = self._followups, []
            if self.ep.batch_max == 1 or self.ep.stream in SINGLE_OBJECT_BODY:
                for w in todo:
                    self._single(w, followup=True)
            else:
                self._envelope("POST", todo, followup=True)

    def _envelope(self, method: str, works: list[Work], followup: bool = False) -> None:
        for chunk in _chunks(works, min(self.ep.batch_max, self.target_xero.batch_size)):
            self._envelope_call(method, chunk, followup)

    def _envelope_call(self, method: str, chunk: list[Work], followup: bool) -> None:
        ep = self.ep
        body = {ep.records_key: [_payload(w) for w in chunk]}
        try:
            answer = self._call(method, ep.url_path, "batch", chunk, json=body,
                                params={"summarizeErrors": "false"})
        except ValidationError as exc:
            elements = exc.body.get("Elements") if isinstance(exc.body, dict) else None
            if isinstance(elements, list) and len(elements) == len(chunk):
                answer = {ep.records_key: elements}
            elif len(chunk) > 1:  # Xero did not say which: send them one by one
                for w in chunk:
                    self._envelope_call(method, [w], followup)
                return
            else:
                self.reject_error(chunk[0], exc, followup)
                return
        except (ForbiddenError, NotFoundError, XeroHTTPError) as exc:
            if _fatal(exc):
                raise
            for w in chunk:
                self.reject_error(w, exc, followup)
            return
        results = records_in(answer, ep.records_key, primary_key=ep.primary_key[0])
        for i, w in enumerate(chunk):
            if i >= len(results):
                self.reject(w, [f"Xero answered {len(results)} elements for {len(chunk)} "
                                f"records: this one is not confirmed"])
                continue
            self._settle(w, results[i], followup)

    def _settle(self, w: Work, result: dict[str, Any], followup: bool = False) -> None:
        """Check one element of Xero's answer against its record, then count or reject it."""
        ep = self.ep
        errors = [m for m in validation_messages({"ValidationErrors":
                                                  result.get("ValidationErrors") or []})]
        if str(result.get("StatusAttributeString", "")).upper() == "ERROR" and not errors:
            errors = ["Xero answered ERROR for this element without a message"]
        if errors:
            self._reject_after(w, errors, followup)
            return
        mismatch = _mismatch(ep, _payload(w), result)
        if mismatch:
            self._reject_after(w, [mismatch], followup)
            return
        for warning in result.get("Warnings") or []:
            msg = warning.get("Message") if isinstance(warning, dict) else warning
            self.logger.warning("%s: Xero warns: %s", self.stream_name, msg)
        self.refs.index(ep.stream).add(result)
        w.xero_id = str(result.get(ep.primary_key[0]))
        if w.key is not None:
            self.refs.index(ep.stream).claims[w.xero_id] = w.key.token
        d = w.decision
        assert d is not None
        if not followup and d.then is not None and d.then_status:
            rid = str(result.get(ep.primary_key[0]))
            w.decision = Decision(d.then, {ep.primary_key[0]: rid,
                                           ep.status_field or "Status": d.then_status})
            self._followups.append(w)
            return
        self.confirm(w, d.action)
        if ep.stream == "tracking_categories" and not followup:
            self._sync_options(w, result)
        if self._wants_email(w, result):
            self._email(w, result)

    def _reject_after(self, w: Work, reasons: list[str], followup: bool) -> None:
        if followup:
            reasons = [f"created, but could not then {w.action.value} it: {r}" for r in reasons]
        self.reject(w, reasons)

    def reject_error(self, w: Work, exc: XeroHTTPError, followup: bool = False) -> None:
        reasons = validation_messages(exc.body) if isinstance(exc.body, dict) else []
        if not reasons:
            reasons = [exc.message or str(exc)]
        if isinstance(exc, ForbiddenError):
            reasons = [f"Xero refused (403): {'; '.join(reasons)}; check the connection's "
                       f"scopes include {' or '.join(self.ep.write_scopes)}"]
        self._reject_after(w, reasons, followup)

    # -- one-record calls -------------------------------------------------------------------

    def _single(self, w: Work, followup: bool = False) -> None:
        """Accounts and tracking categories: one record a call (PUT creates, POST updates)."""
        ep = self.ep
        d = w.decision
        assert d is not None and d.payload is not None
        pk = ep.primary_key[0]
        payload = dict(d.payload)
        options = payload.pop("Options", None)
        if d.action is Action.CREATE and isinstance(options, list):
            # Names only (another organisation's option ids mean nothing here); options Xero
            # does not take inline are added by _sync_options.
            payload["Options"] = [{"Name": o["Name"]} for o in options
                                  if isinstance(o, dict) and o.get("Name") and _live(o)]
        rid = payload.get(pk)
        wrap = ep.stream not in SINGLE_OBJECT_BODY
        try:
            if d.action is Action.CREATE:
                answer = self._call("PUT", ep.url_path, "one", [w], json=payload)
            else:
                body = {ep.records_key: [payload]} if wrap else payload
                answer = self._call("POST", f"{ep.url_path}/{rid}", "one", [w], json=body)
        except XeroHTTPError as exc:
            if _fatal(exc):
                raise
            self.reject_error(w, exc, followup)
            return
        results = records_in(answer, ep.records_key, primary_key=ep.primary_key[0])
        if not results:
            self._reject_after(w, ["Xero's answer held no record"], followup)
            return
        self._settle(w, results[0], followup)

    def _http_delete(self, w: Work) -> None:
        ep = self.ep
        assert w.existing is not None and w.decision is not None
        rid = str(w.existing[ep.primary_key[0]])
        try:
            self._call("DELETE", f"{ep.url_path}/{rid}", "delete", [w])
        except NotFoundError:
            self.refs.index(ep.stream).remove(rid)
            self.confirm(w, Action.SKIP)
            return
        except XeroHTTPError as exc:
            if _fatal(exc):
                raise
            if w.decision.fallback is Action.ARCHIVE and isinstance(exc, ValidationError):
                self.logger.info("%s: Xero refused to delete %s (%s); archiving it instead",
                                 self.stream_name, rid, exc.message)
                w.decision = Decision(Action.ARCHIVE, {ep.primary_key[0]: rid,
                                                       ep.status_field or "Status": "ARCHIVED"})
                self._single(w) if ep.batch_max == 1 or ep.stream in SINGLE_OBJECT_BODY \
                    else self._envelope("POST", [w])
                return
            self.reject_error(w, exc)
            return
        self.refs.index(ep.stream).remove(rid)
        self.confirm(w, Action.DELETE)

    def _reverse(self, w: Work) -> None:
        """Payments: POST /Payments/{id} {"Status": "DELETED"}."""
        ep = self.ep
        assert w.existing is not None
        rid = str(w.existing[ep.primary_key[0]])
        try:
            answer = self._call("POST", f"{ep.url_path}/{rid}", "reverse", [w],
                                json={"Status": "DELETED"})
        except XeroHTTPError as exc:
            if _fatal(exc):
                raise
            self.reject_error(w, exc)
            return
        results = records_in(answer, ep.records_key, primary_key=ep.primary_key[0])
        if results and str(results[0].get("Status", "")).upper() != "DELETED":
            self.reject(w, [f"Xero answered status {results[0].get('Status')} for the reversal"])
            return
        if results:
            self.refs.index(ep.stream).add(results[0])
        self.confirm(w, Action.REVERSE)

    def _sync_options(self, w: Work, result: dict[str, Any]) -> None:
        """Tracking options the record lists and the category lacks: PUT one each."""
        have = {str(o.get("Name", "")).casefold() for o in result.get("Options") or []}
        if w.existing:
            have |= {str(o.get("Name", "")).casefold() for o in w.existing.get("Options") or []}
        rid = result.get("TrackingCategoryID")
        for opt in w.raw.get("Options") or []:
            name = opt.get("Name") if isinstance(opt, dict) and _live(opt) else None
            if not name or name.casefold() in have:
                continue
            try:
                self._call("PUT", f"{self.ep.url_path}/{rid}/Options", f"option {name}", [w],
                           json={"Name": name})
            except XeroHTTPError as exc:
                if _fatal(exc):
                    raise
                self.target_xero.reject(self.stream_name, w.raw, "option",
                                        [f"option {name}: {exc.message}"], w.line)

    # -- email ------------------------------------------------------------------------------

    def _wants_email(self, w: Work, result: dict[str, Any]) -> bool:
        if Write.EMAIL not in self.ep.writes:
            return False
        config = self.target_xero.config
        # `_email` on a record counts only where the operator allows it: records come from
        # tables people upstream can write, and an email goes out from the company's Xero.
        wanted = bool(config.get("email_invoices")) or (
            bool(config.get("allow_record_email")) and w.raw.get("_email") is True)
        return (wanted and str(result.get("Status", "")).upper() == "AUTHORISED"
                and str(result.get("Type", "ACCREC")).upper() == "ACCREC"
                and not result.get("SentToContact"))

    def _email(self, w: Work, result: dict[str, Any]) -> None:
        rid = result.get(self.ep.primary_key[0])
        try:
            self._call("POST", f"{self.ep.url_path}/{rid}/Email", "email", [w], json={})
        except XeroHTTPError as exc:
            if _fatal(exc):
                raise
            reasons = validation_messages(exc.body) or [exc.message]
            self.target_xero.reject(self.stream_name, w.raw, Action.EMAIL.value,
                                    [f"written, but not emailed: {r}" for r in reasons], w.line)
            return
        self.target_xero.tally.add(self.stream_name, Action.EMAIL.done)

    # -- history and attachments ------------------------------------------------------------

    def _parents(self, works: list[Work]) -> list[tuple[Work, str]]:
        """Each record's parent id in this organisation (looked up in one call)."""
        ep = self.ep
        pk = ep.primary_key[0]
        nat = ep.natural_keys[0] if ep.natural_keys else None
        keyed: list[Work] = []
        for w in works:
            if not w.raw.get(pk) and not (nat and w.raw.get(nat)):
                keys = pk + (f" or {nat}" if nat else "")
                self.reject(w, [f"missing key: a {self.route.mode} record needs {keys}"],
                            _mode_action(self.route.mode))
            else:
                keyed.append(w)
        self.refs.ensure(ep.stream, [w.raw[pk] for w in keyed if w.raw.get(pk)],
                         [w.raw[nat] for w in keyed if nat and w.raw.get(nat)])
        out: list[tuple[Work, str]] = []
        for w in keyed:
            like = like_of(w.raw) if ep.stream in TYPED_NUMBERS else None
            match = self.refs.match(ep.stream, w.raw.get(pk), w.raw.get(nat) if nat else None,
                                    like)
            parent = match.found
            if parent is None and match.ambiguous:
                assert nat is not None
                self.reject(w, [match.problem(ep, nat, w.raw.get(nat), like)],
                            _mode_action(self.route.mode))
            elif parent is None:
                what = ", ".join(f"{k} {w.raw[k]}" for k in (pk, nat) if k and w.raw.get(k))
                self.reject(w, [f"no {ep.stream} with {what} in this organisation"],
                            _mode_action(self.route.mode))
            else:
                out.append((w, str(parent[pk])))
        return out

    def _write_history(self, works: list[Work]) -> None:
        """Notes onto their parents: user notes only, and none the parent already has.

        A tap re-sends a changed record's whole history, Xero's own entries (Created,
        Approved, ...) included: those are skipped (Xero writes its own in the target), and a
        note whose Details the parent's `/History` already holds (read once per parent and
        run) is skipped too, so copying again adds nothing.
        """
        checked: list[Work] = []
        for w in works:
            details = w.raw.get("Details")
            if not is_user_note(w.raw):
                w.decision = Decision(Action.SKIP)
                self.logger.info("%s: skipped Xero's own history entry %r (only notes are "
                                 "written)", self.stream_name, w.raw.get("Changes"))
                self.confirm(w, Action.SKIP)
            elif not isinstance(details, str) or not details.strip():
                self.reject(w, ["Details: a history note needs non-empty Details"], Action.NOTE)
            elif len(details) > MAX_HISTORY_DETAILS:
                self.reject(w, [f"Details: {len(details)} characters; Xero takes at most "
                                f"{MAX_HISTORY_DETAILS}"], Action.NOTE)
            else:
                checked.append(w)
        by_parent: dict[str, list[Work]] = {}
        for w, rid in self._parents(checked):
            by_parent.setdefault(rid, []).append(w)
        for rid, group in by_parent.items():
            for w in group:
                w.decision = Decision(Action.NOTE)
            try:
                present = self._history_present(rid)
            except XeroHTTPError as exc:
                if _fatal(exc):
                    raise
                for w in group:
                    self.reject(w, [f"could not read the {self.ep.stream} record's history "
                                    f"(to not write a note twice): {exc.message or exc}"])
                continue
            todo: list[Work] = []
            for w in group:
                key = _note_key(w.raw["Details"])
                if present[key] > 0:
                    present[key] -= 1  # this one is there already
                    self.logger.info("%s: %s %s already has the note %r", self.stream_name,
                                     self.ep.primary_key[0], rid, w.raw["Details"][:60])
                    self.confirm(w, Action.SKIP)
                else:
                    todo.append(w)
            if not todo:
                continue
            body = {"HistoryRecords": [{"Details": w.raw["Details"]} for w in todo]}
            try:
                self._call("PUT", f"{self.ep.url_path}/{rid}/History", "history", todo,
                           json=body)
            except XeroHTTPError as exc:
                if _fatal(exc):
                    raise
                for w in todo:
                    self.reject_error(w, exc)
                continue
            for w in todo:
                self.confirm(w, Action.NOTE)

    def _history_present(self, rid: str) -> Counter[str]:
        """The Details the parent's history holds, counted (one GET per parent and run).

        Notes matched against it are taken off as they are skipped; notes written are not
        added, so a later batch of the same copy still writes a note the source has twice.
        """
        present = self._history_seen.get(rid)
        if present is None:
            _check_path_id(self.ep, f"{self.ep.url_path}/{rid}/History")
            x = self.target_xero.xero
            body = x.client.get_json(f"{self.ep.url_path}/{rid}/History", tenant_id=x.tenant_id)
            notes = body.get("HistoryRecords") if isinstance(body, dict) else None
            present = Counter(_note_key(n.get("Details")) for n in notes or []
                              if isinstance(n, dict) and isinstance(n.get("Details"), str))
            self._history_seen[rid] = present
        return present

    def _write_attachments(self, works: list[Work]) -> None:
        loaded: list[tuple[Work, Upload]] = []
        folder = self.target_xero.config.get("attachments_dir")
        for w in works:
            try:
                upload = attachment_upload(w.raw, folder)
            except Exception as exc:  # one record's bad value never stops the run
                upload = f"could not prepare the attachment: {_one_line(exc)}"
            if isinstance(upload, str):
                self.reject(w, [upload], Action.ATTACH)
                continue
            loaded.append((w, upload))
        uploads = {id(w): u for w, u in loaded}
        for w, rid in self._parents([w for w, _ in loaded]):
            w.decision = Decision(Action.ATTACH)
            upload = uploads[id(w)]
            name, mime = upload.name, upload.mime
            params = {"IncludeOnline": "true"} if w.raw.get("IncludeOnline") else None
            path = f"{self.ep.url_path}/{rid}/Attachments/{quote(name, safe='')}"
            try:
                self._call("PUT", path, "attachment", [w], data=upload.content, params=params,
                           headers={"Content-Type": mime})
            except XeroHTTPError as exc:
                if _fatal(exc):
                    raise
                self.reject_error(w, exc)
                continue
            self.confirm(w, Action.ATTACH)


# --- helpers ------------------------------------------------------------------------------

USER_NOTE = "note"  # the `Changes` of a note a user (or an API client) wrote


def is_user_note(record: Mapping[str, Any]) -> bool:
    """A note someone wrote (Changes "Note", or only Details), not an entry Xero made."""
    changes = record.get("Changes")
    return changes in (None, "") or (isinstance(changes, str)
                                      and changes.strip().casefold() == USER_NOTE)


def _note_key(details: Any) -> str:
    return str(details).strip()


def _check_path_id(ep: Endpoint, path: str) -> None:
    """The id a write puts into its URL must be a GUID (it comes from an answer, and an answer
    may come from a wrong or hostile server: `../Organisation` never reaches a path)."""
    rest = path[len(ep.url_path):] if path.startswith(ep.url_path) else path
    segment = rest.split("/")[1] if rest.startswith("/") else ""
    if rest and not is_guid(segment):
        raise XeroHTTPError(0, f"refused to call {ep.url_path}/{segment[:60]!r}...: the id in "
                               f"the URL is not a GUID", url=ep.url_path)


def _str_or_none(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _live(option: dict[str, Any]) -> bool:
    """A tracking option that still exists at the source (not DELETED, no tombstone)."""
    return not option.get(SDC_DELETED_AT) and str(option.get("Status") or "").upper() != (
        "DELETED")


def _one_line(exc: BaseException) -> str:
    """An exception as one short line for a reject (no raw newlines reach the logs)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:500]


def _mode_action(mode: str) -> Action:
    return Action.NOTE if mode == HISTORY else Action.ATTACH


def _dec(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _payload(w: Work) -> dict[str, Any]:
    assert w.decision is not None and w.decision.payload is not None
    return w.decision.payload


def _natural(ep: Endpoint, payload: dict[str, Any] | None) -> Any:
    return (payload or {}).get(ep.natural_keys[0]) if ep.natural_keys else None


def _fatal(exc: XeroHTTPError) -> bool:
    """Errors that stop the run (state kept) instead of rejecting a record."""
    from xero_core.errors import RateLimitError, ServerError

    return isinstance(exc, (RateLimitError, ServerError)) or exc.status == 401


def _strip_line_ids(payload: dict[str, Any]) -> None:
    """A create must not carry ids of lines that belong to another record."""
    for lf, id_field in LINE_ID_FIELDS.items():
        for line in payload.get(lf) or []:
            if isinstance(line, dict):
                line.pop(id_field, None)


def _mismatch(ep: Endpoint, sent: dict[str, Any], got: dict[str, Any]) -> str | None:
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


def _chunks(works: list[Work], size: int) -> Iterator[list[Work]]:
    """Up to `size` records a call, and under Xero's 3.5 MB body limit."""
    chunk: list[Work] = []
    total = ENVELOPE_OVERHEAD
    for w in works:
        n = len(jsonutil.dumps_bytes(_payload(w))) + 1
        if chunk and (len(chunk) >= max(1, min(size, MAX_BATCH)) or total + n > MAX_BODY_BYTES):
            yield chunk
            chunk, total = [], ENVELOPE_OVERHEAD
        chunk.append(w)
        total += n
    if chunk:
        yield chunk


def _rounds(ep: Endpoint, works: list[Work]) -> Iterator[list[Work]]:
    """Split a batch so no id or natural key appears twice in one round (order kept)."""
    pk = ep.primary_key[0] if ep.primary_key else ""
    nat = ep.natural_keys[0] if ep.natural_keys else None
    pending = list(works)
    while pending:
        seen: set[str] = set()
        this: list[Work] = []
        rest: list[Work] = []
        for w in pending:
            keys = _keys(w, pk, nat)
            if w.key is not None:
                keys.add(f"src:{w.key.token}")
            (rest if keys & seen else this).append(w)
            seen |= keys
        yield this
        pending = rest


def _keys(w: Work, pk: str, nat: str | None) -> set[str]:
    keys = {f"id:{str(w.raw.get(pk)).casefold()}"} if pk and w.raw.get(pk) else set()
    if nat and w.raw.get(nat):
        keys.add(f"nat:{str(w.raw[nat]).strip().casefold()}")
    return keys


__all__ = ["Route", "Work", "XeroSink", "fingerprint", "idempotency_key", "is_guid", "route_for"]
