"""TapXero: settings, stream discovery from the endpoint table, and the run's end.

A run syncs every tenant it resolves (one state partition each). A 403 skips one stream for
one tenant with a warning. A tenant that fails outright (revoked, offline after retries, day
limit spent) is logged and skipped while the other tenants finish; the run then raises
TenantSyncError at the very end, after the last STATE message. The bookkeeping behind that
is the run's (tap_xero.run.XeroRun), which the streams are given.
"""

from __future__ import annotations

import json
import sys
import threading
from importlib import resources
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk import typing as th

from tap_xero.custom import custom_streams
from tap_xero.deletes import with_deleted_at
from tap_xero.finance import FinanceStatementRowsStream
from tap_xero.lines import (
    LINES,
    TRACKED_PARENTS,
    TRACKING_STREAM,
    line_schema,
    line_stream_class,
    tracking_stream_class,
)
from tap_xero.output import XeroWriter
from tap_xero.run import TenantSyncError, XeroRun
from tap_xero.streams import (
    ConnectionsStream,
    ReportRowsStream,
    child_stream_classes,
    endpoint_stream_class,
    make_endpoint_stream,
)
from xero_core.config_errors import protect
from xero_core.endpoints import ENDPOINTS, MAX_PAGE_SIZE, REPORTS, Paging
from xero_core.endpoints_apis import FINANCE_STATEMENT_ROWS, FINANCE_STATEMENTS
from xero_core.errors import XeroError
from xero_core.http import XeroClient
from xero_core.sdk_compat import register_raw_schemas
from xero_core.settings import connection_settings

__all__ = ["SETTINGS", "TapXero", "TenantSyncError", "load_schema"]


def load_schema(name: str) -> dict[str, Any]:
    """A generated schema from tap_xero/schemas/<name>.json."""
    text = (resources.files("tap_xero") / "schemas" / f"{name}.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _setting(name: str, kind: Any, description: str, **kw: Any) -> th.Property:
    return th.Property(name, kind, description=description, **kw)


SETTINGS = th.PropertiesList(
    *connection_settings(),
    _setting("tenant_id", th.StringType,
             "Tenant (organisation) id to sync; comma-separated for several. Default: all "
             "connections of the token."),
    _setting("tenant_name", th.StringType, "Tenant to sync, by organisation name."),
    _setting("start_date", th.DateTimeType,
             "Earliest UpdatedDateUTC to sync on a first run (If-Modified-Since)."),
    _setting("lookback_minutes", th.IntegerType(minimum=0),
             "Re-read this many minutes before each bookmark: If-Modified-Since misses some "
             "side effects (e.g. of payments).", default=0),
    _setting("page_size", th.IntegerType(minimum=1, maximum=MAX_PAGE_SIZE),
             "Records per call where Xero takes pageSize (at most 1000).",
             default=MAX_PAGE_SIZE),
    _setting("where", th.ObjectType(additional_properties=th.StringType),
             'Xero `where` filter per stream, e.g. {"invoices": "Type==\\"ACCREC\\""}.'),
    _setting("include_history", th.BooleanType,
             "Add <stream>_history streams (one call per changed parent record).",
             default=False),
    _setting("include_attachments", th.BooleanType,
             "Add <stream>_attachments streams (one call per changed parent record).",
             default=False),
    _setting("download_attachment_content", th.BooleanType,
             "Put each attachment's file, base64, into `Content` (one more call each).",
             default=False),
    _setting("reports", th.ArrayType(th.StringType),
             "Reports to flatten into report_rows.", default=list(REPORTS)),
    _setting("report_date", th.DateType, "`date` of BalanceSheet, TrialBalance, ... ."),
    _setting("report_periods", th.IntegerType(minimum=1, maximum=12),
             "Number of periods to compare."),
    _setting("report_timeframe", th.StringType, "Period size to compare.",
             allowed_values=["MONTH", "QUARTER", "YEAR"]),
    _setting("report_from_date", th.DateType, "`fromDate` of ProfitAndLoss, BankSummary, ..."),
    _setting("report_to_date", th.DateType, "`toDate` of ProfitAndLoss, BankSummary, ..."),
    _setting("aged_report_contact_ids", th.ArrayType(th.StringType),
             "Contacts to run the aged reports for. Default: the contacts changed in this run."),
    _setting("aged_report_contact_limit", th.IntegerType(minimum=0),
             "At most this many aged reports per report and tenant (one call each).",
             default=100),
    _setting("finance_statements", th.ArrayType(th.StringType),
             "Finance API statements to flatten into finance_statement_rows.",
             default=list(FINANCE_STATEMENTS)),
    _setting("finance_start_date", th.DateType,
             "`startDate` of the Finance statements and `FromDate` of finance_bank_statements. "
             "Default: a year before finance_end_date."),
    _setting("finance_end_date", th.DateType,
             "`endDate` of the Finance statements and `ToDate` of finance_bank_statements. "
             "Default: today."),
    _setting("finance_balance_date", th.DateType,
             "`balanceDate` of the Finance BalanceSheet and of finance_cash_validation. "
             "Default: finance_end_date for the BalanceSheet, Xero's for cash validation."),
    _setting("finance_as_at_system_date", th.DateType,
             "`asAtSystemDate` of finance_cash_validation."),
    _setting("finance_begin_date", th.DateType, "`beginDate` of finance_cash_validation."),
    _setting("finance_include_manual_journals", th.BooleanType,
             "`includeManualJournals` of the income and expenses by contact statements."),
    _setting("track_hard_deletes", th.BooleanType,
             "Remember the ids of items, tracking categories, linked transactions and accounts "
             "(compressed, in state) and emit a tombstone with `_sdc_deleted_at` for each one "
             "a later full read no longer lists.", default=True),
    _setting("custom_streams", th.ArrayType(th.ObjectType(
        th.Property("name", th.StringType, required=True,
                    description="Stream name (lower_snake_case)."),
        th.Property("path", th.StringType, required=True,
                    description="API path from the host, e.g. /api.xro/2.0/ContactGroups."),
        th.Property("records_key", th.StringType,
                    description="Envelope key of the list (empty: the answer is the list)."),
        th.Property("primary_keys", th.ArrayType(th.StringType)),
        th.Property("replication_key", th.StringType,
                    description="Bookmark field (client-side filter unless modified_since)."),
        th.Property("paging", th.StringType, allowed_values=[p.value for p in Paging]),
        th.Property("params", th.ObjectType(additional_properties=True),
                    description="Fixed query parameters."),
        th.Property("modified_since", th.BooleanType,
                    description="The endpoint takes If-Modified-Since."),
        th.Property("schema", th.ObjectType(additional_properties=True),
                    description="JSON schema of the records (default: inferred)."),
    )), "Extra streams read from any Xero list endpoint, by configuration."),
)


class TapXero(Tap):
    """Singer tap for Xero: accounting, assets, projects, payroll (AU, NZ, UK), files,
    finance, reports, history, attachments."""

    name = "tap-xero"
    config_jsonschema = SETTINGS.to_dict()
    message_writer_class = XeroWriter
    #: Extra keyword arguments for XeroClient.from_config (tests pass a virtual clock/sleep).
    client_options: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._run: XeroRun | None = None
        self._run_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    @property
    def run(self) -> XeroRun:
        """This run's client, tenants and bookkeeping (made once the config is known)."""
        with self._run_lock:
            if self._run is None:
                self._run = XeroRun(self.config, self.logger, self._make_client)
            return self._run

    def _make_client(self) -> XeroClient:
        return XeroClient.from_config(self.config, **self.client_options)

    def setup_mapper(self) -> None:
        # Deselected streams are registered with their full schema (meltano/sdk#1942).
        super(Tap, self).setup_mapper()  # PluginBase: creates the mapper, registers nothing
        register_raw_schemas(self)

    # -- streams ----------------------------------------------------------------------------

    def discover_streams(self) -> list[Stream]:
        run = self.run
        streams: list[Stream] = [
            make_endpoint_stream(self, run, ep, load_schema(ep.stream)) for ep in ENDPOINTS
        ]
        streams.append(ConnectionsStream(self, run, load_schema("connections")))
        streams.append(ReportRowsStream(self, run, load_schema("report_rows")))
        streams.append(FinanceStatementRowsStream(self, run, load_schema(FINANCE_STATEMENT_ROWS)))
        for kind, setting, wanted in (
            ("history", "include_history", lambda e: e.has_history),
            ("attachments", "include_attachments", lambda e: e.has_attachments),
        ):
            if not self.config.get(setting):
                continue
            for ep in ENDPOINTS:
                if wanted(ep):
                    cls = child_stream_classes(ep, kind)
                    streams.append(cls(self, run, load_schema(f"{ep.stream}_{kind}")))
        streams.extend(self._line_streams(run, {s.name: s for s in streams}))
        streams.extend(custom_streams(self, run, [s.name for s in streams]))
        return streams

    def _line_streams(self, run: XeroRun, parents: dict[str, Stream]) -> list[Stream]:
        """invoice_line_items, journal_lines, ... and line_item_tracking (tap_xero.lines).

        The SDK links a child to the streams of one parent class (load_streams, after this):
        line_item_tracking reads every parent whose lines have tracking, so it is made a child
        of the others here.
        """
        out: list[Stream] = []
        for kind in LINES:
            cls = line_stream_class(kind.stream, endpoint_stream_class(kind.parent))
            out.append(cls(self, run, line_schema(kind, load_schema(kind.stream),
                                                  load_schema(kind.parent))))
        first, *others = TRACKED_PARENTS
        tracking = tracking_stream_class(endpoint_stream_class(first))(
            self, run, with_deleted_at(load_schema(TRACKING_STREAM)))
        for name in others:
            parents[name].child_streams.append(tracking)
        out.append(tracking)
        return out

    # -- the run ------------------------------------------------------------------------------

    @classmethod
    def invoke(cls, *args: Any, **kwargs: Any) -> None:
        """The CLI: a Xero or settings error ends the run with its message, no traceback."""
        try:
            super().invoke(*args, **kwargs)
        except XeroError as exc:
            cls.logger.error("tap-xero stopped: %s", exc)
            sys.exit(1)

    def sync_all(self) -> None:  # type: ignore[misc]  # final in the SDK; we only add the end
        super().sync_all()
        self.run.report_outcome()


protect(TapXero.name, TapXero.config_jsonschema)
