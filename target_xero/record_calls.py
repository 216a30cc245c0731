"""Write calls of the records sink: batched PUT / POST envelopes of up to 50 records, one-record
calls (accounts, tracking categories, HTTP DELETE, payment reversals, tracking options, invoice
emails), second steps after a create (void / delete / archive), and matching each element of
Xero's answer back to its record."""

from __future__ import annotations

from typing import Any

from target_xero.actions import Action, Decision
from target_xero.batching import chunks, payload_of
from target_xero.sink_base import XeroSink
from target_xero.work import Work
from target_xero.write_checks import is_fatal, live, mismatch, natural_of
from xero_core.endpoints import Write
from xero_core.errors import (
    ForbiddenError,
    NotFoundError,
    ValidationError,
    XeroHTTPError,
    validation_messages,
)
from xero_core.protocol import records_in


class RecordCalls(XeroSink):
    """The calls that write a decided batch of records and settle them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._followups: list[Work] = []

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
            elif ep.batch_max == 1 or ep.single_object_body:
                self._single(w)
            elif d.action is Action.CREATE and (
                    not natural_of(ep, d.payload)
                    or self.refs.index(ep.stream).candidates(natural_of(ep, d.payload))):
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
            if self.ep.batch_max == 1 or self.ep.single_object_body:
                for w in todo:
                    self._single(w, followup=True)
            else:
                self._envelope("POST", todo, followup=True)

    def _envelope(self, method: str, works: list[Work], followup: bool = False) -> None:
        for chunk in chunks(works, min(self.ep.batch_max, self.context.batch_size)):
            self._envelope_call(method, chunk, followup)

    def _envelope_call(self, method: str, chunk: list[Work], followup: bool) -> None:
        ep = self.ep
        body = {ep.records_key: [payload_of(w) for w in chunk]}
        try:
            answer = self.call(method, ep.url_path, "batch", chunk, json=body,
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
            if is_fatal(exc):
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
        wrong = mismatch(ep, payload_of(w), result)
        if wrong:
            self._reject_after(w, [wrong], followup)
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
                                  if isinstance(o, dict) and o.get("Name") and live(o)]
        rid = payload.get(pk)
        wrap = not ep.single_object_body
        try:
            if d.action is Action.CREATE:
                answer = self.call("PUT", ep.url_path, "one", [w], json=payload)
            else:
                body = {ep.records_key: [payload]} if wrap else payload
                answer = self.call("POST", f"{ep.url_path}/{rid}", "one", [w], json=body)
        except XeroHTTPError as exc:
            if is_fatal(exc):
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
            self.call("DELETE", f"{ep.url_path}/{rid}", "delete", [w])
        except NotFoundError:
            self.refs.index(ep.stream).remove(rid)
            self.confirm(w, Action.SKIP)
            return
        except XeroHTTPError as exc:
            if is_fatal(exc):
                raise
            if w.decision.fallback is Action.ARCHIVE and isinstance(exc, ValidationError):
                self.logger.info("%s: Xero refused to delete %s (%s); archiving it instead",
                                 self.stream_name, rid, exc.message)
                w.decision = Decision(Action.ARCHIVE, {ep.primary_key[0]: rid,
                                                       ep.status_field or "Status": "ARCHIVED"})
                self._single(w) if ep.batch_max == 1 or ep.single_object_body \
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
            answer = self.call("POST", f"{ep.url_path}/{rid}", "reverse", [w],
                                json={"Status": "DELETED"})
        except XeroHTTPError as exc:
            if is_fatal(exc):
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
            name = opt.get("Name") if isinstance(opt, dict) and live(opt) else None
            if not name or name.casefold() in have:
                continue
            try:
                self.call("PUT", f"{self.ep.url_path}/{rid}/Options", f"option {name}", [w],
                           json={"Name": name})
            except XeroHTTPError as exc:
                if is_fatal(exc):
                    raise
                self.context.reject(self.stream_name, w.raw, "option",
                                        [f"option {name}: {exc.message}"], w.line)

    # -- email ------------------------------------------------------------------------------

    def _wants_email(self, w: Work, result: dict[str, Any]) -> bool:
        if Write.EMAIL not in self.ep.writes:
            return False
        config = self.context.config
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
            self.call("POST", f"{self.ep.url_path}/{rid}/Email", "email", [w], json={})
        except XeroHTTPError as exc:
            if is_fatal(exc):
                raise
            reasons = validation_messages(exc.body) or [exc.message]
            self.context.reject(self.stream_name, w.raw, Action.EMAIL.value,
                                    [f"written, but not emailed: {r}" for r in reasons], w.line)
            return
        self.context.tally.add(self.stream_name, Action.EMAIL.done)
