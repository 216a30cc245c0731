"""The streams that differ from a plain table row: children, connections and reports.

Every ENDPOINTS row becomes a XeroStream subclass made by `endpoint_stream_class` (a class
per row only because the SDK links children to parents by class). Journals, Assets and
Projects need no code of their own: their paging and envelopes are columns of the table.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from singer_sdk import Stream, Tap
from singer_sdk.helpers.types import Context

from tap_xero.api_streams import ApiStream
from tap_xero.client import XeroStream
from tap_xero.deletes import (
    has_soft_deletes,
    tracks_hard_deletes,
    with_deleted_at,
)
from tap_xero.finance import FinanceBankStatementsStream
from tap_xero.pages import normalise_datetimes, parse_page
from tap_xero.reports import AGED_REPORTS, flatten_report, report_params
from tap_xero.run import TENANT_KEY, XeroRun
from tap_xero.tenant import TenantStream
from xero_core.dates import convert_dates
from xero_core.endpoints import BY_STREAM, REPORT_SCOPE, REPORTS, Endpoint, report_scopes
from xero_core.errors import ForbiddenError

if TYPE_CHECKING:
    import requests


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


class AssetsStream(XeroStream):
    """Assets: the API lists one status per call (`status` is required), so ask for each.

    The table's fixed `status=REGISTERED` alone would never sync draft or disposed assets.
    """

    statuses: ClassVar[tuple[str, ...]] = ("DRAFT", "REGISTERED", "DISPOSED")
    asset_status: str = "REGISTERED"  # the status being listed

    def read_records(self, context: Context) -> Iterator[dict[str, Any]]:
        for status in self.statuses:
            self.asset_status = status
            yield from super().read_records(context)

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        return {**super().get_url_params(context, next_page_token), "status": self.asset_status}


SPECIAL: dict[str, type[XeroStream]] = {
    "assets": AssetsStream, "finance_bank_statements": FinanceBankStatementsStream}
# The APIs whose rows need ApiStream (regions, nested records, query-parameter parents ...).
API_STREAM_APIS = frozenset(("payroll_au", "payroll_au_v2", "payroll_nz", "payroll_uk", "files",
                             "finance"))


@cache
def endpoint_stream_class(stream: str) -> type[XeroStream]:
    """The XeroStream subclass of one table row (children point at their parent's class)."""
    ep = BY_STREAM[stream]
    attrs: dict[str, Any] = {"name": ep.stream, "endpoint": ep, "__module__": __name__}
    if ep.parent:
        attrs["parent_stream_type"] = endpoint_stream_class(ep.parent)
    base = SPECIAL.get(stream) or (ApiStream if ep.api in API_STREAM_APIS else XeroStream)
    return type(f"{_camel(ep.stream)}Stream", (base,), attrs)


def deletes_schema(ep: Endpoint, schema: dict[str, Any]) -> dict[str, Any]:
    """The schema plus `_sdc_deleted_at` where the stream can report deleted records."""
    if has_soft_deletes(ep, schema) or tracks_hard_deletes(ep):
        return with_deleted_at(schema, ep.nested_status)
    return schema


def make_endpoint_stream(tap: Tap, run: XeroRun, ep: Endpoint, schema: dict[str, Any],
                         cls: type[XeroStream] | None = None) -> XeroStream:
    stream = (cls or endpoint_stream_class(ep.stream))(tap, run, deletes_schema(ep, schema))
    # Codes (currencies, tax types) repeat across tenants; singletons have no key at all.
    stream.primary_keys = [TENANT_KEY, *ep.primary_key]
    if ep.parent:  # one state per tenant, not one per parent record
        stream.state_partitioning_keys = [TENANT_KEY]
    return stream


class ChildStream(TenantStream):
    """A per-record sub-resource (`/{Parent}/{id}/History` or `/Attachments`), FULL_TABLE.

    Synced for each parent record the parent stream emits in this run, i.e. only for parents
    changed since the parent's bookmark.
    """

    parent_endpoint: ClassVar[Endpoint]
    suffix: ClassVar[str]
    records_key: ClassVar[str]
    scope_name: ClassVar[str]

    def __init__(self, tap: Tap, run: XeroRun, schema: dict[str, Any]) -> None:
        ep = self.parent_endpoint
        super().__init__(
            tap, run, name=self.name, schema=schema,
            path=f"{ep.url_path}/{{{self.parent_key}}}/{self.suffix}",
        )
        self.state_partitioning_keys = [TENANT_KEY]

    @property
    def parent_key(self) -> str:
        return self.parent_endpoint.primary_key[0]

    @property
    def scope(self) -> str:
        return self.scope_name or self.parent_endpoint.scope_hint

    def get_new_paginator(self) -> None:
        return None  # one call per parent record

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        yield from parse_page(response, self.records_key).records

    def shape_record(self, row: dict, context: Context) -> dict | None:
        row[TENANT_KEY] = context.get(TENANT_KEY)
        row[self.parent_key] = context.get(self.parent_key)
        return self.shaper(row)


class HistoryStream(ChildStream):
    """History and notes of a record (Xero re-sends all of them whenever we read it)."""

    suffix = "History"
    records_key = "HistoryRecords"
    scope_name = ""  # the parent's read scope

    def __init__(self, tap: Tap, run: XeroRun, schema: dict[str, Any]) -> None:
        super().__init__(tap, run, schema)
        # Notes have no id; two notes of one record in the same millisecond and with the
        # same kind of change (only a multi-note PUT makes those) would share a key.
        self.primary_keys = [TENANT_KEY, self.parent_key, "DateUTC", "Changes"]


class AttachmentsStream(ChildStream):
    """Attachment metadata of a record; the file itself (base64 `Content`) only on request."""

    suffix = "Attachments"
    records_key = "Attachments"
    scope_name = "accounting.attachments"
    conform_here = False  # `Content` is added after the dates: the SDK conforms the record

    def __init__(self, tap: Tap, run: XeroRun, schema: dict[str, Any]) -> None:
        super().__init__(tap, run, schema)
        self.primary_keys = [TENANT_KEY, "AttachmentID"]

    def shape_record(self, row: dict, context: Context) -> dict | None:
        row = super().shape_record(row, context) or row
        if self.config.get("download_attachment_content") and row.get("FileName"):
            row["Content"] = self._download(row, context)
        return row

    def _download(self, row: dict[str, Any], context: Context) -> str:
        ep = self.parent_endpoint
        path = (f"{ep.url_path}/{quote(str(context.get(self.parent_key)), safe='')}"
                f"/Attachments/{quote(str(row['FileName']), safe='')}")
        resp = self.run.xero_client.request(
            "GET", path, tenant_id=context.get(TENANT_KEY),
            headers={"Accept": str(row.get("MimeType") or "application/octet-stream")},
        )
        return base64.b64encode(resp.content).decode("ascii")


def child_stream_classes(ep: Endpoint, kind: str) -> type[ChildStream]:
    """`invoices_history` / `invoices_attachments` for a parent row."""
    base: type[ChildStream] = HistoryStream if kind == "history" else AttachmentsStream
    return _child_class(ep.stream, base)


@cache
def _child_class(parent: str, base: type[ChildStream]) -> type[ChildStream]:
    ep = BY_STREAM[parent]
    suffix = "history" if base is HistoryStream else "attachments"
    attrs = {
        "name": f"{ep.stream}_{suffix}",
        "parent_endpoint": ep,
        "parent_stream_type": endpoint_stream_class(ep.stream),
        "__module__": __name__,
    }
    return type(f"{_camel(ep.stream)}{base.__name__}", (base,), attrs)


class ConnectionsStream(Stream):
    """The organisations this token reaches (GET /connections, read once per run)."""

    name = "connections"

    def __init__(self, tap: Tap, run: XeroRun, schema: dict[str, Any]) -> None:
        super().__init__(tap=tap, schema=schema, name=self.name)
        self.run = run
        self.primary_keys = ["id"]

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        for conn in self.run.xero_client.connections():
            row = convert_dates(dict(conn))
            row[TENANT_KEY] = conn.get("tenantId")
            yield normalise_datetimes(row, self.schema)


class ReportRowsStream(TenantStream):
    """Every selected report, flattened to one row per line per value column (FULL_TABLE).

    Aged payables/receivables are per contact: they run for `aged_report_contact_ids`, or
    else for the contacts whose records (contacts, invoices, credit notes, payments ...)
    this run emitted, i.e. changed since those streams' bookmarks, at most
    `aged_report_contact_limit` of them. That relies on the SDK syncing streams by name
    (`report_rows` after `contacts`, `invoices` ...), which it does.
    """

    name = "report_rows"

    def __init__(self, tap: Tap, run: XeroRun, schema: dict[str, Any]) -> None:
        super().__init__(tap, run, name=self.name, schema=schema, path="/api.xro/2.0/Reports")
        self.primary_keys = ["row_key"]

    @property
    def scope(self) -> str:
        return REPORT_SCOPE + " or the report's granular scope"

    def get_new_paginator(self) -> None:
        return None

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        yield from parse_page(response, "Reports").records

    def read_records(self, context: Context) -> Iterator[dict[str, Any]]:
        tenant_id = str(context.get(TENANT_KEY))
        wanted = self.config.get("reports") or list(REPORTS)
        for report in wanted:
            params = report_params(report, self.config)
            try:
                if report in AGED_REPORTS:
                    for contact_id in self._aged_contacts(tenant_id, report):
                        yield from self._run(tenant_id, report,
                                             {**params, "contactId": contact_id})
                else:
                    yield from self._run(tenant_id, report, params)
            except ForbiddenError as exc:
                # Granular scopes grant reports one by one: skip this report, keep the others.
                self.run.note_forbidden(tenant_id, f"{self.name} ({report})",
                                             " or ".join(report_scopes(report)), exc)

    def _run(self, tenant_id: str, report: str, params: dict[str, Any]) -> Iterator[dict]:
        body = self.run.xero_client.get_json(
            f"/api.xro/2.0/Reports/{report}", tenant_id=tenant_id, params=params
        )
        for entry in convert_dates(body).get("Reports") or []:
            yield from flatten_report(entry, tenant_id=tenant_id, report_type=report,
                                      params=params)

    def _aged_contacts(self, tenant_id: str, report: str) -> list[str]:
        configured = self.config.get("aged_report_contact_ids")
        if configured:
            return [str(c) for c in configured]
        touched = sorted(self.run.touched_contacts(tenant_id, report))
        limit = int(self.config.get("aged_report_contact_limit") or 100)
        if len(touched) > limit:
            self.logger.warning(
                "%s: %d contacts changed in tenant %s; running the report for the first %d "
                "(aged_report_contact_limit)", report, len(touched), tenant_id, limit)
        return touched[:limit]
