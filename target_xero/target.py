"""target-xero: settings, the Singer message loop, drain order, STATE and the run summary.

What it adds to the singer-sdk `Target`:
- bad input never ends the run: a malformed line, a record for an unknown stream or without a
  SCHEMA, a record that breaks its schema goes to the rejects file with the reason;
- sinks drain one at a time, in dependency order (accounts, contacts and items before the
  documents that refer to them, payments after invoices, notes and attachments last);
- a STATE goes out only once every record read before it is confirmed (written or rejected);
- a summary of counts per stream and action at the end; `fail_on_reject` turns rejects into a
  non-zero exit.
"""

from __future__ import annotations

import copy
import json
import re
import sys
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any

from singer_sdk import Target
from singer_sdk import typing as th
from singer_sdk.exceptions import InvalidJSONSchema, InvalidRecord, MappingError
from singer_sdk.io_base import SingerReader
from singer_sdk.singerlib.exceptions import InvalidInputLine
from singer_sdk.singerlib.json import deserialize_json
from singer_sdk.sinks import Sink

from target_xero.identity_cache import IdentityCache
from target_xero.references import References
from target_xero.rejects import RejectLog, Tally
from target_xero.results import ResultLog
from target_xero.sinks import Route, XeroSink, route_for
from xero_core.config_errors import protect
from xero_core.endpoints import MAX_BATCH
from xero_core.errors import ConfigError, XeroError
from xero_core.http import XeroClient
from xero_core.settings import connection_settings

DEFAULT_REJECTS_PATH = "target-xero-rejects.jsonl"
_STREAM_IN_TEXT = re.compile(r'"stream"\s*:\s*"([^"]{1,200})"')


class TolerantReader(SingerReader):
    """Reads Singer lines; a line it cannot use is handed to `on_bad_line`, not raised."""

    def __init__(self) -> None:
        super().__init__()
        self.line_number = 0
        self.on_bad_line: Callable[[str, str], None] | None = None

    def process_lines(
        self, file_input: IO[str] | None, callbacks: dict[str, Callable[[dict], None]]
    ) -> Counter[str]:
        stats: dict[str, int] = defaultdict(int)
        for line in file_input or self.default_input:
            self.line_number += 1
            self._current_message = line
            if not line.strip():
                continue
            try:
                message = deserialize_json(line)
                if not isinstance(message, dict):
                    raise InvalidInputLine("a Singer message must be a JSON object")
                self.assert_line_requires(message, requires={"type"})
                callback = callbacks.get(message["type"])
                if callback is None:
                    raise InvalidInputLine(f"unknown message type {message['type']!r}")
                if "stream" in message and not isinstance(message["stream"], str):
                    raise InvalidInputLine("`stream` must be a string")
            except (ValueError, InvalidInputLine) as exc:
                self._bad(line, exc)
                stats["BAD"] += 1
                continue
            try:
                callback(message)
            except (InvalidInputLine, InvalidJSONSchema, MappingError) as exc:
                # A message the SDK cannot use (a SCHEMA without properties, a record without
                # `stream` ...). Errors while writing are not caught here: they stop the run.
                self._bad(line, exc)
                stats["BAD"] += 1
                continue
            stats[message["type"]] += 1
        return Counter(**stats)

    def _bad(self, line: str, exc: Exception) -> None:
        if isinstance(exc, json.JSONDecodeError):
            reason = f"line {self.line_number} is not valid JSON: {exc.msg} at column {exc.colno}"
        else:
            reason = f"line {self.line_number}: {exc}"
        if self.on_bad_line is None:
            raise InvalidInputLine(reason)
        self.on_bad_line(line, reason)


@dataclass
class XeroContext:
    """The client, the one tenant written to, and the cache of what it holds."""

    client: XeroClient
    tenant_id: str
    tenant_name: str
    refs: References
    cache: IdentityCache | None = None  # `identity_cache_path`: saves calls, never decides


class TargetXero(Target):
    """Singer target that writes records to one Xero organisation."""

    name = "target-xero"
    default_sink_class = XeroSink
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
        self.rejects = RejectLog(str(self.config.get("rejects_path") or DEFAULT_REJECTS_PATH))
        results_path = self.config.get("results_path")
        self.results = ResultLog(str(results_path)) if results_path else None
        self.tally = Tally()
        self._xero: XeroContext | None = None
        self._xero_lock = threading.Lock()
        self._last_state_json: str | None = None
        reader = self.message_reader
        if isinstance(reader, TolerantReader):
            reader.on_bad_line = self._reject_line

    # -- settings ---------------------------------------------------------------------------

    @property
    def batch_size(self) -> int:
        return max(1, min(int(self.config.get("batch_size") or MAX_BATCH), MAX_BATCH))

    def route_for(self, stream: str) -> Route:
        return route_for(stream, self.config.get("stream_endpoints") or {})

    @property
    def current_line(self) -> int | None:
        reader = self.message_reader
        return reader.line_number if isinstance(reader, TolerantReader) else None

    @property
    def xero(self) -> XeroContext:
        """Client and tenant, made on first use (so --about needs no network)."""
        with self._xero_lock:
            if self._xero is None:
                client = XeroClient.from_config(self.config)
                tenants = client.resolve_tenants(
                    self.config.get("tenant_id"), self.config.get("tenant_name"))
                if len(tenants) != 1:
                    names = ", ".join(str(t.get("tenantName")) for t in tenants)
                    raise ConfigError(
                        f"target-xero writes to exactly one organisation, and this token "
                        f"reaches {len(tenants)} ({names}): set tenant_id or tenant_name")
                tenant = tenants[0]
                tid = str(tenant["tenantId"])
                self.logger.info("Writing to Xero organisation %r (%s)",
                                 tenant.get("tenantName"), tid)
                cache_path = self.config.get("identity_cache_path")
                cache = IdentityCache(str(cache_path), tid) if cache_path else None
                self._xero = XeroContext(client, tid, str(tenant.get("tenantName") or ""),
                                         References(client, tid), cache)
            return self._xero

    # -- rejects ----------------------------------------------------------------------------

    def reject(self, stream: str, record: Any, action: str, reasons: list[str],
               line: int | None = None, source_key: str | None = None,
               xero_id: str | None = None) -> None:
        # Xero's messages and record values may hold newlines: one line each in the logs.
        reasons = [" ".join(str(r).split()) for r in reasons]
        self.rejects.write(stream, record, action, reasons, line)
        if self.results is not None:
            self.results.write(stream, source_key, xero_id, "rejected", "; ".join(reasons),
                               line)
        self.tally.add(stream, "rejected")
        self.logger.warning("Rejected %s record%s (%s): %s", stream,
                            f" at line {line}" if line else "", action, "; ".join(reasons))

    def _reject_line(self, line: str, reason: str) -> None:
        match = _STREAM_IN_TEXT.search(line)
        stream = match.group(1) if match else "(unknown)"
        text = line.rstrip("\n")
        self.reject(stream, {"line": text[:2000]}, "read", [reason], self.current_line)

    # -- messages ---------------------------------------------------------------------------

    def _process_record_message(self, message_dict: dict) -> None:
        """As the SDK does, but a record that fails its checks is rejected, not raised."""
        self._assert_line_requires(message_dict, requires={"stream", "record"})
        stream = message_dict["stream"]
        record = message_dict["record"]
        line = self.current_line
        if not isinstance(record, dict):
            self.reject(stream, record, "read", ["the record is not a JSON object"], line)
            return
        if stream not in self.mapper.stream_maps:
            route = self.route_for(stream)
            why = route.error or f"no SCHEMA message for stream {stream!r} came before it"
            self.reject(stream, record, "read", [why], line)
            return
        for stream_map in self.mapper.stream_maps[stream]:
            if not self.sink_exists(stream_map.stream_alias):
                self.reject(stream_map.stream_alias, record, "read",
                            [f"the SCHEMA of stream {stream!r} was not usable"], line)
                continue
            try:
                transformed = stream_map.transform(copy.copy(record))
                if transformed is None:
                    continue
                sink = self.get_sink(stream_map.stream_alias, record=transformed)
                if isinstance(sink, XeroSink) and sink.route.error:
                    self.reject(stream_map.stream_alias, record, "read", [sink.route.error], line)
                    continue
                context = sink._get_context(transformed)
                if sink.include_sdc_metadata_properties:
                    sink._add_sdc_metadata_to_record(transformed, message_dict, context)
                else:
                    sink._remove_sdc_metadata_from_record(transformed)
                sink._validate_and_parse(transformed)
                transformed = sink.preprocess_record(transformed, context)
            except InvalidRecord as exc:
                self.reject(stream_map.stream_alias, record, "validate",
                            [f"does not match the stream's schema: {exc.error_message}"], line)
                continue
            except (MappingError, ValueError, TypeError, KeyError) as exc:
                self.reject(stream_map.stream_alias, record, "map", [f"{exc}"], line)
                continue
            sink.tally_record_read()
            sink.process_record(transformed, context)
            sink.record_counter_metric.increment()
            sink._after_process_record(context)
            if sink.is_full:
                self.drain_one(sink)
        self._handle_max_record_age()

    def _process_state_message(self, message_dict: dict) -> None:
        """Keep the STATE; send it at once if every record before it is already settled."""
        self._assert_line_requires(message_dict, requires={"value"})
        self._latest_state = message_dict["value"]
        if not any(s.current_size for s in self._all_sinks()):
            self._write_state_message(copy.deepcopy(message_dict["value"]))

    def _write_state_message(self, state: dict) -> None:
        text = json.dumps(state, sort_keys=True, default=str)
        if text == self._last_state_json:
            return
        self.rejects.sync()  # the rejects (and results) before this STATE are on disk first
        if self.results is not None:
            self.results.sync()
        self._last_state_json = text
        super()._write_state_message(state)

    # -- drain order ------------------------------------------------------------------------

    def _all_sinks(self) -> list[Sink]:
        return [*self._sinks_to_clear, *self._sinks_active.values()]

    @staticmethod
    def _rank(sink: Sink) -> int:
        return sink.route.rank if isinstance(sink, XeroSink) else 50

    def _drain_all(self, sink_list: Iterable[Sink], parallelism: int) -> None:
        for sink in sorted(sink_list, key=self._rank):
            self.drain_one(sink)

    def drain_dependencies(self, sink: XeroSink) -> None:
        """Before a sink writes, write what its records may refer to."""
        for other in sorted(self._all_sinks(), key=self._rank):
            if other is not sink and self._rank(other) < sink.route.rank and other.current_size:
                self.drain_one(other)

    # -- end of run -------------------------------------------------------------------------

    def process_endofpipe(self) -> None:
        try:
            super().process_endofpipe()
        finally:
            self.rejects.close()
            if self._xero is not None and self._xero.cache is not None:
                self._xero.cache.close()
            if self.results is not None:
                self.results.close()
            summary = self.tally.render()
            self.logger.info("%s", summary)
            print(summary, file=sys.stderr, flush=True)
        if self.rejects.count:
            self.logger.warning("%d record(s) rejected; see %s", self.rejects.count,
                                self.rejects.path)
            if self.config.get("fail_on_reject"):
                raise SystemExit(
                    f"target-xero: {self.rejects.count} record(s) rejected (fail_on_reject); "
                    f"see {self.rejects.path}")

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
