"""target-xero: settings, the Singer message loop, drain order, STATE and the run summary.

What it adds to the singer-sdk `Target`:
- bad input never ends the run: a malformed line, a record for an unknown stream or without a
  SCHEMA, a record that breaks its schema goes to the rejects file with the reason;
- sinks drain one at a time, in dependency order (accounts, contacts and items before the
  documents that refer to them, payments after invoices, notes and attachments last);
- a STATE goes out only once every record read before it is confirmed (written or rejected);
- a summary of counts per stream and action at the end; `fail_on_reject` turns rejects into a
  non-zero exit.

The sinks (`sinks.py`) receive the run's `WriteContext` (`context.py`), never this class.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import time
from typing import Any

from singer_sdk import typing as th
from singer_sdk.exceptions import InvalidRecord, MappingError
from singer_sdk.sinks import Sink

from target_xero.context import DEFAULT_REJECTS_PATH, WriteContext, XeroContext
from target_xero.identity_cache import IdentityCache
from target_xero.reader import TolerantReader
from target_xero.references import References
from target_xero.rejects import RejectLog, Tally
from target_xero.results import ResultLog
from target_xero.sinks import XeroSink, sink_class
from xero_core.config_errors import protect
from xero_core.endpoints import MAX_BATCH
from xero_core.errors import ConfigError, XeroError
from xero_core.http import XeroClient
from xero_core.sdk_compat import TargetStateHooks, count_record_read
from xero_core.settings import connection_settings

_STREAM_IN_TEXT = re.compile(r'"stream"\s*:\s*"([^"]{1,200})"')
MAX_RECORD_AGE_MINUTES = 5.0  # as singer-sdk: records older than this drain every sink


class TargetXero(TargetStateHooks):
    """Singer target that writes records to one Xero organisation."""

    name = "target-xero"
    message_reader_class = TolerantReader

    config_jsonschema = th.PropertiesList(
        *connection_settings(),
        th.Property("tenant_id", th.StringType,
                    description="The organisation to write to (one tenant per target)"),
        th.Property("tenant_name", th.StringType,
                    description="The organisation to write to, by name, if tenant_id is not "
                                "given"),
        th.Property("batch_size", th.IntegerType(minimum=1, maximum=MAX_BATCH),
                    default=MAX_BATCH,
                    description="Records per write call (at most 50; accounts go one a call)"),
        th.Property("stream_endpoints", th.ObjectType(additional_properties=th.StringType),
                    description='Stream name -> Xero stream, e.g. {"my_sales": "invoices"} or '
                                '{"notes": "invoices_history"}'),
        th.Property("rejects_path", th.StringType, default=DEFAULT_REJECTS_PATH,
                    description="JSONL file of rejected records (stream, record, action, "
                                "reasons, time)"),
        th.Property("source_keys",
                    th.ObjectType(additional_properties=th.ArrayType(th.StringType)),
                    description='Stream -> the fields that identify its records at the source, '
                                'e.g. {"payouts": ["payout_id"]} (default: the SCHEMA\'s '
                                'key_properties when they are not Xero ids). Each record is '
                                'written once per source key, found again in Xero through the '
                                'resource\'s identity field'),
        th.Property("identity_fields", th.ObjectType(additional_properties=th.StringType),
                    description='Stream -> the Xero field its source key is written into, '
                                'e.g. {"payouts": "Reference"} (default per resource: '
                                'Reference, Narration for manual journals, ContactNumber for '
                                'contacts, the number of bills and supplier credit notes)'),
        th.Property("identity_cache_path", th.StringType,
                    description="Optional SQLite file remembering, per source key, the Xero id "
                                "and content last written: an unchanged record is skipped "
                                "without any call. Xero stays the truth: without the file (a "
                                "new machine) the target asks Xero instead"),
        th.Property("results_path", th.StringType,
                    description="JSONL file with one line per record: stream, source_key, "
                                "xero_id, action (created, updated, unchanged, ..., rejected), "
                                "reason and time (off when unset)"),
        th.Property("fail_on_reject", th.BooleanType, default=False,
                    description="Exit non-zero when any record was rejected"),
        th.Property("email_invoices", th.BooleanType, default=False,
                    description="Email AUTHORISED sales invoices to their contact once written"),
        th.Property("enable_raw_requests", th.BooleanType, default=False,
                    description="Accept the `raw_requests` stream: each record one call "
                                "(method, path under Xero's API bases, query, body) with the "
                                "connection's auth, limits and retries"),
        th.Property("enable_invoice_emails", th.BooleanType, default=False,
                    description="Accept the `invoice_emails` stream: each record names an "
                                "invoice (InvoiceID or InvoiceNumber) to email once "
                                "(`resend: true` to email it again)"),
        th.Property("allow_record_email", th.BooleanType, default=False,
                    description="Let a record ask for its invoice to be emailed with "
                                "`_email: true` (off: records come from tables people "
                                "upstream can write)"),
        th.Property("attachments_dir", th.StringType,
                    description="The one folder attachment records may read files from with "
                                "`FilePath` (resolved, links included, inside it; regular "
                                "files only). Unset: only `Content` (base64) is accepted"),
    ).to_dict()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_parallelism = 1  # drain order matters (contacts before invoices ...)
        self.write_context = WriteContext(self.config, self.logger, self.connect_xero,
                                          lambda: self.current_line)
        self.write_context.drain = self.drain_one
        self._last_state_json: str | None = None
        self._last_full_drain = time.monotonic()
        reader = self.message_reader
        if isinstance(reader, TolerantReader):
            reader.on_bad_line = self._reject_line
            reader.handlers["RECORD"] = self.handle_record

    # -- settings ---------------------------------------------------------------------------

    def get_sink_class(self, stream_name: str) -> type[Sink]:
        """One sink class per write mode: records, history notes, attachments, on demand."""
        return sink_class(self.write_context.route_for(stream_name))

    @property
    def current_line(self) -> int | None:
        reader = self.message_reader
        return reader.line_number if isinstance(reader, TolerantReader) else None

    @property
    def rejects(self) -> RejectLog:
        return self.write_context.rejects

    @property
    def tally(self) -> Tally:
        return self.write_context.tally

    @property
    def results(self) -> ResultLog | None:
        return self.write_context.results

    def connect_xero(self) -> XeroContext:
        """Client and tenant (the write context makes them on first use)."""
        client = XeroClient.from_config(self.config)
        tenants = client.resolve_tenants(self.config.get("tenant_id"),
                                         self.config.get("tenant_name"))
        if len(tenants) != 1:
            names = ", ".join(str(t.get("tenantName")) for t in tenants)
            raise ConfigError(
                f"target-xero writes to exactly one organisation, and this token "
                f"reaches {len(tenants)} ({names}): set tenant_id or tenant_name")
        tenant = tenants[0]
        tid = str(tenant["tenantId"])
        self.logger.info("Writing to Xero organisation %r (%s)", tenant.get("tenantName"), tid)
        cache_path = self.config.get("identity_cache_path")
        cache = IdentityCache(str(cache_path), tid) if cache_path else None
        return XeroContext(client, tid, str(tenant.get("tenantName") or ""),
                           References(client, tid), cache)

    def _reject_line(self, line: str, reason: str) -> None:
        match = _STREAM_IN_TEXT.search(line)
        stream = match.group(1) if match else "(unknown)"
        text = line.rstrip("\n")
        self.write_context.reject(stream, {"line": text[:2000]}, "read", [reason],
                                  self.current_line)

    # -- messages ---------------------------------------------------------------------------

    def handle_record(self, message_dict: dict) -> None:
        """As the SDK does with a RECORD, but a record that fails its checks is rejected."""
        self.message_reader.assert_line_requires(message_dict, requires={"stream", "record"})
        reject = self.write_context.reject
        stream = message_dict["stream"]
        record = message_dict["record"]
        line = self.current_line
        if not isinstance(record, dict):
            reject(stream, record, "read", ["the record is not a JSON object"], line)
            return
        if stream not in self.mapper.stream_maps:
            route = self.write_context.route_for(stream)
            why = route.error or f"no SCHEMA message for stream {stream!r} came before it"
            reject(stream, record, "read", [why], line)
            return
        for stream_map in self.mapper.stream_maps[stream]:
            alias = stream_map.stream_alias
            if not self.sink_exists(alias):
                reject(alias, record, "read", [f"the SCHEMA of stream {stream!r} was not usable"],
                       line)
                continue
            try:
                transformed = stream_map.transform(copy.copy(record))
                if transformed is None:
                    continue
                sink = self.get_sink(alias, record=transformed)
                assert isinstance(sink, XeroSink)
                if sink.route.error:
                    reject(alias, record, "read", [sink.route.error], line)
                    continue
                sink.check_record(transformed, message_dict)
                transformed = sink.preprocess_record(transformed, {})
            except InvalidRecord as exc:
                reject(alias, record, "validate",
                       [f"does not match the stream's schema: {exc.error_message}"], line)
                continue
            except (MappingError, ValueError, TypeError, KeyError) as exc:
                reject(alias, record, "map", [f"{exc}"], line)
                continue
            count_record_read(sink)
            sink.process_record(transformed, {})
            if sink.is_full:
                self.drain_one(sink)
        if time.monotonic() - self._last_full_drain > MAX_RECORD_AGE_MINUTES * 60:
            self.logger.info("Records are older than %d minutes: draining every sink",
                             MAX_RECORD_AGE_MINUTES)
            self.drain_in_order()
            self.drain_all()

    def state_received(self, state: dict) -> None:
        """Send the STATE at once if every record before it is already settled."""
        if not self.write_context.pending():
            self.write_state(copy.deepcopy(state))

    def write_state(self, state: dict) -> None:
        text = json.dumps(state, sort_keys=True, default=str)
        if text == self._last_state_json:
            return
        self.write_context.sync()  # the rejects (and results) before this STATE are on disk
        self._last_state_json = text
        super().write_state(state)

    # -- drain order ------------------------------------------------------------------------

    def drain_in_order(self) -> None:
        """Drain every sink, what others refer to first."""
        for sink in self.write_context.in_drain_order():
            assert isinstance(sink, Sink)
            self.drain_one(sink)
        self._last_full_drain = time.monotonic()

    # -- end of run -------------------------------------------------------------------------

    def process_endofpipe(self) -> None:
        context = self.write_context
        try:
            self.drain_in_order()
            super().process_endofpipe()
        finally:
            context.close()
            summary = context.tally.render()
            self.logger.info("%s", summary)
            print(summary, file=sys.stderr, flush=True)
        rejects = context.rejects
        if rejects.count:
            self.logger.warning("%d record(s) rejected; see %s", rejects.count, rejects.path)
            if self.config.get("fail_on_reject"):
                raise SystemExit(
                    f"target-xero: {rejects.count} record(s) rejected (fail_on_reject); "
                    f"see {rejects.path}")

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> None:
        """The CLI: a Xero or settings error ends the run with its message, no traceback."""
        try:
            super().invoke(*args, **kwargs)
        except XeroError as exc:
            cls.logger.error("target-xero stopped: %s", exc)
            sys.exit(1)


protect(TargetXero.name, TargetXero.config_jsonschema)

if __name__ == "__main__":
    TargetXero.cli()
