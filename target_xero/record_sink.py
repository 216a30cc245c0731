"""The records sink: writes a stream's records to their Xero resource.

For a batch it:

1. cleans each record to what Xero accepts (`actions.clean_payload`) and checks it locally
   (size, keys, what the resource allows), rejecting what cannot be sent;
2. looks up, in one call per resource, the records Xero already holds (by source token, id
   and natural key) and the references the records point at (`references`);
3. decides each record's action (`actions.decide`) and sends the writes in as few calls as
   Xero allows (`record_calls.py`): up to 50 elements a call with `summarizeErrors=false`
   (creates without a natural key go alone in a PUT, so a re-run sends the same request with
   the same Idempotency-Key); accounts and tracking categories one a call;
4. matches each element of Xero's answer back to its record and counts it written, or
   rejects it with Xero's validation messages.
"""

from __future__ import annotations

from typing import Any

from target_xero.actions import (
    Action,
    Decision,
    clean_payload,
    covers,
    day_of,
    decide,
    removal_request,
)
from target_xero.batching import ENVELOPE_OVERHEAD, rounds
from target_xero.identity import identity_field, stamp, strip_unknown
from target_xero.keyed import KeyedRecords
from target_xero.record_calls import RecordCalls
from target_xero.record_refs import resolve_refs, wanted_refs
from target_xero.references import like_of
from target_xero.work import Work
from target_xero.write_checks import decimal_of, one_line, strip_line_ids
from xero_core import jsonutil
from xero_core.endpoints import MAX_BODY_BYTES, Write
from xero_core.errors import XeroError


class RecordsSink(KeyedRecords, RecordCalls):
    """Creates, updates and removes a stream's records in the resource its route names."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.identity_overrides: dict[str, Any] = dict(
            self.context.config.get("identity_fields") or {})
        self._warned_no_identity = False

    def write(self, works: list[Work]) -> None:
        for round_ in rounds(self.ep, works):
            self._write_records(round_)

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
                problem = f"could not prepare the record: {one_line(exc)}"
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
                self.reject(w, [f"could not prepare the record: {one_line(exc)}"],
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
        typed = ep.typed_numbers
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
            strip_line_ids(w.decision.payload)

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
                        and decimal_of(p.get("Amount")) == decimal_of(payload.get("Amount"))
                        and (p.get("Reference") or "") == (payload.get("Reference") or ""))
                if same:
                    claimed.add(pid)
                    return {"PaymentID": pid, **p}
        return None
