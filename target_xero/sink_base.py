"""What every target-xero sink does, whatever it writes: check a record on arrival (schema,
`_sdc_*` metadata), queue it as a `Work`, drain in dependency order, make each write call with
its Idempotency-Key, and settle each record (confirmed or rejected, never lost).

The write itself is the subclass's `write` (records, history notes, attachments, actions on
demand: see `sinks.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jsonschema
from singer_sdk.exceptions import InvalidJSONSchema, InvalidRecord
from singer_sdk.sinks import Sink
from singer_sdk.sinks.core import BaseJSONSchemaValidator
from singer_sdk.typing import DEFAULT_JSONSCHEMA_VALIDATOR

from target_xero.actions import SDC_DELETED_AT, Action
from target_xero.batching import LOOKAHEAD_BATCHES, idempotency_key
from target_xero.context import WriteContext
from target_xero.identity import source_fields, source_key
from target_xero.quick_schema import quick_check, schema_is_valid
from target_xero.references import References, like_of
from target_xero.routes import API, HISTORY, RECORDS, UPLOAD
from target_xero.work import Work, fingerprint
from target_xero.write_checks import check_path_id, is_fatal, str_or_none
from xero_core import jsonutil
from xero_core.endpoints import Endpoint
from xero_core.errors import ForbiddenError, XeroHTTPError, validation_messages
from xero_core.sdk_compat import add_sdc_metadata

# The record metadata columns singer-sdk defines (its docs: implementation/record_metadata).
SDC_COLUMNS = ("_sdc_extracted_at", "_sdc_received_at", "_sdc_batched_at", "_sdc_deleted_at",
               "_sdc_sequence", "_sdc_table_version", "_sdc_sync_started_at")
SDC_DELETED_AT_SCHEMA = {"type": ["null", "string"], "format": "date-time"}


class PathValidator(BaseJSONSchemaValidator):
    """Schema validation whose message names every failing field by its path.

    The rules of singer-sdk's JSONSchemaValidator: its draft (DEFAULT_JSONSCHEMA_VALIDATOR),
    formats not checked, and the schema checked against the metaschema first (InvalidJSONSchema
    with the SDK's message); both checks take a quick path when they can (`quick_schema.py`).
    """

    def __init__(self, schema: dict) -> None:
        super().__init__(schema)
        cls = DEFAULT_JSONSCHEMA_VALIDATOR
        self.validator = cls(schema=schema, format_checker=jsonschema.FormatChecker(formats=()))
        if not schema_is_valid(schema, cls):
            try:
                cls.check_schema(schema)
            except jsonschema.SchemaError as exc:
                raise InvalidJSONSchema(f"Schema Validation Error: {exc}") from exc
        # A record the quick check passes is valid; any other goes through jsonschema.
        self.quick = quick_check(schema, self.validator.TYPE_CHECKER)

    def validate(self, record: dict) -> None:
        if self.quick is not None and self.quick(record):
            return
        errors = sorted(self.validator.iter_errors(record), key=lambda e: list(e.absolute_path))
        if errors:
            msgs = [f"{'.'.join(str(p) for p in e.absolute_path) or '(record)'}: {e.message}"
                    for e in errors[:5]]
            raise InvalidRecord("; ".join(msgs), record)


class XeroSink(Sink):
    """Writes one stream's records to the resource its route names."""

    record_validator: BaseJSONSchemaValidator | None = None

    def __init__(self, target: Any, stream_name: str, schema: dict,
                 key_properties: Sequence[str] | None) -> None:
        context = getattr(target, "write_context", None)
        if not isinstance(context, WriteContext):
            raise TypeError(f"{type(self).__name__} needs a target with a write_context")
        self.context = context
        self.route = context.route_for(stream_name)
        super().__init__(target, stream_name, schema, key_properties)
        self.pending: list[Work] = []
        keyed = self.route.mode in (RECORDS, API, UPLOAD)  # records with a source key
        ep = self.route.endpoint if keyed else None
        self.source_fields = source_fields(ep, stream_name, key_properties,
                                           context.config.get("source_keys"))
        context.register(self)

    # -- on arrival -------------------------------------------------------------------------

    @property
    def max_size(self) -> int:
        # Drain LOOKAHEAD write batches at once: their keys are looked up in one call, then
        # written `batch_size` records a call.
        return self.context.batch_size * LOOKAHEAD_BATCHES

    def get_validator(self) -> BaseJSONSchemaValidator | None:
        # `_sdc_deleted_at` stays in the schema (and records): it asks for a removal.
        self.schema.setdefault("properties", {})[SDC_DELETED_AT] = dict(SDC_DELETED_AT_SCHEMA)
        self.record_validator = PathValidator(self.schema) if self.validate_schema else None
        return self.record_validator

    def check_record(self, record: dict, message: dict) -> None:
        """Metadata as configured, then the schema check (InvalidRecord when it fails).

        Dates stay the ISO strings the tap wrote (Xero takes them as they are), and a record
        without its key properties is a create, not an error: keys are checked per action.
        """
        if self.include_sdc_metadata_properties:
            add_sdc_metadata(self, record, message)
        else:
            deleted_at = record.get(SDC_DELETED_AT)
            for column in SDC_COLUMNS:
                record.pop(column, None)
            if deleted_at:
                record[SDC_DELETED_AT] = deleted_at
        if self.record_validator is not None:
            self.record_validator.validate(record)

    def process_record(self, record: dict, context: dict) -> None:
        w = Work(raw=record, line=self.context.current_line, fingerprint=fingerprint(record))
        if self.source_fields and self.route.endpoint is not None:
            key = source_key(self.stream_name, self.source_fields, record, self.ep.identity_max)
            if isinstance(key, str):
                w.key_problem = key
            else:
                w.key = key
        self.pending.append(w)

    # -- batch ------------------------------------------------------------------------------

    @property
    def ep(self) -> Endpoint:
        assert self.route.endpoint is not None
        return self.route.endpoint

    @property
    def refs(self) -> References:
        return self.context.xero.refs

    def process_batch(self, context: dict) -> None:
        works, self.pending = self.pending, []
        if not works:
            return
        self.context.drain_dependencies(self)
        if self.route.error:
            for w in works:
                self.reject(w, [self.route.error], Action.REJECT)
            return
        self.write(works)
        for w in works:
            if not w.done:  # a bug if it happens: never lose a record silently
                self.reject(w, ["internal: the record was not settled"], w.action)

    def write(self, works: list[Work]) -> None:
        """Write a batch and settle every record in it (each sink class its own way)."""
        raise NotImplementedError

    # -- outcomes ---------------------------------------------------------------------------

    def reject(self, w: Work, reasons: list[str], action: Action | None = None) -> None:
        act = (action or w.action).value
        self.context.reject(self.stream_name, w.raw, act, reasons, w.line,
                            source_key=w.source_key, xero_id=self._xero_id(w))
        w.done = True

    def _xero_id(self, w: Work) -> str | None:
        """The Xero record a record became (or matched), when there is one."""
        if w.xero_id is None and w.existing and self.route.endpoint is not None:
            pk = self.ep.primary_key[0] if self.ep.primary_key else None
            return str(w.existing[pk]) if pk and w.existing.get(pk) else None
        return w.xero_id

    def confirm(self, w: Work, action: Action, detail: dict[str, Any] | None = None) -> None:
        self.context.tally.add(self.stream_name, action.done)
        results = self.context.results
        if results is not None:
            rid = self._xero_id(w)
            reason = "; ".join(w.decision.reasons) if w.decision and w.decision.reasons else None
            results.write(self.stream_name, w.source_key or str_or_none(w.raw.get("source_key")),
                          rid, action.done, reason, w.line, detail)
        w.outcome = action
        w.done = True

    def reject_error(self, w: Work, exc: XeroHTTPError, followup: bool = False) -> None:
        reasons = validation_messages(exc.body) if isinstance(exc.body, dict) else []
        if not reasons:
            reasons = [exc.message or str(exc)]
        if isinstance(exc, ForbiddenError):
            reasons = [f"Xero refused (403): {'; '.join(reasons)}; check the connection's "
                       f"scopes include {' or '.join(self.ep.write_scopes)}"]
        self._reject_after(w, reasons, followup)

    def _reject_after(self, w: Work, reasons: list[str], followup: bool) -> None:
        if followup:
            reasons = [f"created, but could not then {w.action.value} it: {r}" for r in reasons]
        self.reject(w, reasons)

    # -- calls ------------------------------------------------------------------------------

    def idempotency_key(self, what: str, parts: Sequence[str]) -> str:
        """The Idempotency-Key of a call made for this stream (on_demand.py)."""
        return idempotency_key(self.context.xero.tenant_id, self.stream_name, what, parts)

    @staticmethod
    def is_fatal(exc: XeroHTTPError) -> bool:
        """Errors that stop the run (state kept) instead of rejecting a record."""
        return is_fatal(exc)

    def call(self, method: str, path: str, what: str, works: Sequence[Work], *,
             json: Any = None, data: bytes | None = None, params: dict | None = None,
             headers: dict | None = None) -> Any:
        """One write call with its Idempotency-Key; answers the parsed body (or None)."""
        check_path_id(self.ep, path)
        x = self.context.xero
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

    # -- parents (history notes and attachments) --------------------------------------------

    def parents(self, works: list[Work]) -> list[tuple[Work, str]]:
        """Each record's parent id in this organisation (looked up in one call)."""
        ep = self.ep
        pk = ep.primary_key[0]
        nat = ep.natural_keys[0] if ep.natural_keys else None
        action = Action.NOTE if self.route.mode == HISTORY else Action.ATTACH
        keyed: list[Work] = []
        for w in works:
            if not w.raw.get(pk) and not (nat and w.raw.get(nat)):
                keys = pk + (f" or {nat}" if nat else "")
                self.reject(w, [f"missing key: a {self.route.mode} record needs {keys}"],
                            action)
            else:
                keyed.append(w)
        self.refs.ensure(ep.stream, [w.raw[pk] for w in keyed if w.raw.get(pk)],
                         [w.raw[nat] for w in keyed if nat and w.raw.get(nat)])
        out: list[tuple[Work, str]] = []
        for w in keyed:
            like = like_of(w.raw) if ep.typed_numbers else None
            match = self.refs.match(ep.stream, w.raw.get(pk), w.raw.get(nat) if nat else None,
                                    like)
            parent = match.found
            if parent is None and match.ambiguous:
                assert nat is not None
                self.reject(w, [match.problem(ep, nat, w.raw.get(nat), like)], action)
            elif parent is None:
                what = ", ".join(f"{k} {w.raw[k]}" for k in (pk, nat) if k and w.raw.get(k))
                self.reject(w, [f"no {ep.stream} with {what} in this organisation"], action)
            else:
                out.append((w, str(parent[pk])))
        return out
