"""TapXero: settings, stream discovery from the endpoint table, tenants and the run's outcome.

A run syncs every tenant it resolves (one state partition each). A 403 skips one stream for
one tenant with a warning. A tenant that fails outright (revoked, offline after retries, day
limit spent) is logged and skipped while the other tenants finish; the run then raises
TenantSyncError at the very end, after the last STATE message, so orchestrators see a failed
run while the healthy tenants' data and bookmarks are already delivered.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import defaultdict
from importlib import resources
from typing import Any

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.helpers._catalog import get_selected_schema
from singer_sdk.helpers.types import Context

from tap_xero.client import TENANT_KEY
from tap_xero.custom import custom_streams
from tap_xero.reports import AGED_REPORTS
from tap_xero.streams import (
    ConnectionsStream,
    ReportRowsStream,
    child_stream_classes,
    make_endpoint_stream,
)
from xero_core.config_errors import protect
from xero_core.endpoints import ENDPOINTS, MAX_PAGE_SIZE, REPORTS, Paging
from xero_core.errors import ConfigError, XeroError
from xero_core.http import XeroClient
from xero_core.settings import connection_settings

PAYABLES, RECEIVABLES = AGED_REPORTS


class TenantSyncError(XeroError):
    """Raised after a run in which some tenant or stream failed (the rest was synced)."""


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
    """Singer tap for Xero: accounting, assets, projects, reports, history, attachments."""

    name = "tap-xero"
    config_jsonschema = SETTINGS.to_dict()
    #: Extra keyword arguments for XeroClient.from_config (tests pass a virtual clock/sleep).
    client_options: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._client: XeroClient | None = None
        self._tenants: list[dict[str, Any]] | None = None
        self._lock = threading.Lock()
        self.failed_tenants: dict[str, str] = {}
        self.stream_failures: list[tuple[str, str, str]] = []  # (tenant, stream, error)
        self.forbidden: list[tuple[str, str]] = []  # (tenant, stream)
        self._attempts: dict[str, set[str]] = defaultdict(set)
        self._contacts: dict[tuple[str, str], set[str]] = defaultdict(set)
        super().__init__(*args, **kwargs)

    def setup_mapper(self) -> None:
        # singer-sdk 0.54 registers a deselected stream with its selection-masked (empty)
        # schema, so a stream map naming any deselected stream fails on its key properties
        # (meltano/sdk#1942, fixed upstream after 0.54): deselected ones get their full schema.
        super(Tap, self).setup_mapper()  # PluginBase: creates the mapper, registers nothing
        for entry in self.catalog.streams:
            name = entry.stream or entry.tap_stream_id
            schema = entry.schema.to_dict()
            mask = entry.metadata.resolve_selection()
            if mask.get((), True):
                schema = get_selected_schema(name, schema, mask)
            self.mapper.register_raw_stream_schema(name, schema, entry.key_properties)

    # -- the one HTTP client and the tenants ---------------------------------------------

    @property
    def xero_client(self) -> XeroClient:
        """One XeroClient per run, shared by every stream (limiter, token, connections)."""
        with self._lock:
            if self._client is None:
                self._client = XeroClient.from_config(self.config, **self.client_options)
            return self._client

    @property
    def tenants(self) -> list[dict[str, Any]]:
        if self._tenants is None:
            self._tenants = self._resolve_tenants()
        return self._tenants

    @property
    def tenant_ids(self) -> list[str]:
        return [str(t["tenantId"]) for t in self.tenants]

    def tenant_label(self, tenant_id: str) -> str:
        for t in self._tenants or []:
            if t.get("tenantId") == tenant_id:
                return f"{t.get('tenantName')!r} ({tenant_id})"
        return tenant_id

    def _resolve_tenants(self) -> list[dict[str, Any]]:
        client = self.xero_client
        tenant_id, tenant_name = self.config.get("tenant_id"), self.config.get("tenant_name")
        try:
            return client.resolve_tenants(tenant_id=tenant_id, tenant_name=tenant_name)
        except ConfigError:
            if not tenant_id or "," not in str(tenant_id):
                raise
        # Several ids, some unknown: sync the others and fail the run at the end.
        found: list[dict[str, Any]] = []
        for tid in (t.strip() for t in str(tenant_id).split(",") if t.strip()):
            try:
                found.extend(client.resolve_tenants(tenant_id=tid))
            except ConfigError as exc:
                self.logger.error("Tenant %s cannot be synced: %s", tid, exc)
                self.failed_tenants[tid] = str(exc)
        if not found:
            raise ConfigError(f"none of the tenants {tenant_id} is connected to this token")
        return found

    # -- bookkeeping the streams report to ------------------------------------------------

    def tenant_failed(self, tenant_id: str) -> bool:
        return tenant_id in self.failed_tenants

    def note_attempt(self, tenant_id: str, stream: str) -> None:
        self._attempts[tenant_id].add(stream)

    def note_forbidden(self, tenant_id: str, stream: str, scope: str, exc: Exception) -> None:
        self.forbidden.append((tenant_id, stream))
        self.logger.warning(
            "Skipping stream %s for tenant %s: Xero answered 403 (%s). The connection lacks "
            "the scope %s or the organisation's plan lacks this feature.",
            stream, self.tenant_label(tenant_id), getattr(exc, "message", exc), scope or "?")

    def note_failure(self, tenant_id: str, stream: str, exc: Exception) -> None:
        """A tenant-wide failure (401, 5xx after retries, day limit, network): stop it."""
        status = getattr(exc, "status", None)
        if isinstance(exc, XeroError) and status in (400, 404):
            self.stream_failures.append((tenant_id, stream, str(exc)))
            self.logger.error("Stream %s failed for tenant %s: %s", stream,
                              self.tenant_label(tenant_id), exc)
            return
        self.failed_tenants[tenant_id] = f"{stream}: {exc}"
        self.logger.error(
            "Tenant %s failed during stream %s and is skipped for the rest of this run "
            "(its bookmarks stay where they were): %s", self.tenant_label(tenant_id), stream, exc)

    def observe_record(self, stream: str, row: dict[str, Any], context: Context) -> None:
        """Remember which contacts this run saw change, for the aged reports."""
        tenant = str(context.get(TENANT_KEY))
        for report, contact_id in _aged_contacts_of(stream, row):
            self._contacts[(tenant, report)].add(contact_id)

    def touched_contacts(self, tenant_id: str, report: str) -> set[str]:
        return set(self._contacts.get((tenant_id, report), set()))

    # -- streams ----------------------------------------------------------------------------

    def discover_streams(self) -> list[Stream]:
        streams: list[Stream] = [
            make_endpoint_stream(self, ep, load_schema(ep.stream)) for ep in ENDPOINTS
        ]
        streams.append(ConnectionsStream(self, load_schema("connections")))
        streams.append(ReportRowsStream(self, load_schema("report_rows")))
        for kind, setting, wanted in (
            ("history", "include_history", lambda e: e.has_history),
            ("attachments", "include_attachments", lambda e: e.has_attachments),
        ):
            if not self.config.get(setting):
                continue
            for ep in ENDPOINTS:
                if wanted(ep):
                    cls = child_stream_classes(ep, kind)
                    streams.append(cls(self, load_schema(f"{ep.stream}_{kind}")))
        streams.extend(custom_streams(self, [s.name for s in streams]))
        return streams

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
        self._report_outcome()

    def _report_outcome(self) -> None:
        for tenant_id, streams in self._attempts.items():
            denied = {s for t, s in self.forbidden if t == tenant_id}
            if len(streams) > 1 and denied == streams and tenant_id not in self.failed_tenants:
                self.failed_tenants[tenant_id] = (
                    "every stream answered 403: the connection was probably revoked")
                self.logger.error("Tenant %s answered 403 to every stream: re-connect it",
                                  self.tenant_label(tenant_id))
        if not self.failed_tenants and not self.stream_failures:
            return
        parts = [f"tenant {self.tenant_label(t)}: {why}" for t, why in self.failed_tenants.items()]
        parts += [f"stream {s} of tenant {self.tenant_label(t)}: {why}"
                  for t, s, why in self.stream_failures]
        raise TenantSyncError("the sync finished with failures (other tenants and streams "
                              "were synced, state was emitted): " + "; ".join(parts))


def _aged_contacts_of(stream: str, row: dict[str, Any]) -> list[tuple[str, str]]:
    """(aged report, contact id) pairs a changed record affects."""
    if stream == "contacts":
        cid = row.get("ContactID")
        out = []
        if cid and row.get("IsSupplier"):
            out.append((PAYABLES, str(cid)))
        if cid and row.get("IsCustomer"):
            out.append((RECEIVABLES, str(cid)))
        return out
    doc = row.get("Invoice") if stream == "payments" else row
    if not isinstance(doc, dict):
        return []
    contact = doc.get("Contact") or {}
    cid = contact.get("ContactID") if isinstance(contact, dict) else None
    kind = str(doc.get("Type") or "")
    if not cid or stream not in ("invoices", "credit_notes", "payments", "overpayments",
                                 "prepayments"):
        return []
    if kind.startswith("ACCPAY") or kind.startswith("SPEND"):
        return [(PAYABLES, str(cid))]
    if kind.startswith("ACCREC") or kind.startswith("RECEIVE"):
        return [(RECEIVABLES, str(cid))]
    return []


protect(TapXero.name, TapXero.config_jsonschema)
