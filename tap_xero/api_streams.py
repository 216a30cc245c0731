"""ApiStream: the rows of the Payroll (AU, NZ, UK), Files and Finance APIs as XeroStreams.

What these rows add to an Accounting row, all read from the row itself
(xero_core/endpoints_apis.py):

- `region`: a payroll stream reads only the tenants of its region (tap_xero.regions);
- `nested_key`: the records are a list inside the enveloped object (AU GET /PayRuns/{id} ->
  PayRuns[].Payslips; NZ/UK GET /Timesheets/{id} -> timesheet.timesheetLines);
- `parent_param`: a child read with its parent's id as a query parameter
  (GET /PaySlips?PayRunID=...) instead of in the path;
- `parent_field`: a child's records name their parent (added where Xero leaves it out);
- `Paging.PAGE_LOWER`: Files' `page` + `pagesize` (1..100), stopping on `TotalCount`;
- query parameters from settings (`SETTING_PARAMS`, e.g. Finance's cash validation dates).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import requests
from singer_sdk.helpers.types import Context
from singer_sdk.pagination import BaseAPIPaginator

from tap_xero.client import XeroStream
from tap_xero.pages import XeroPagePaginator, parse_page
from tap_xero.run import TENANT_KEY
from xero_core import jsonutil
from xero_core.endpoints import BY_STREAM, Paging

# stream -> ((query parameter, setting), ...): parameters a stream takes from the settings.
SETTING_PARAMS: dict[str, tuple[tuple[str, str], ...]] = {
    "finance_cash_validation": (("balanceDate", "finance_balance_date"),
                                ("asAtSystemDate", "finance_as_at_system_date"),
                                ("beginDate", "finance_begin_date")),
}


class TotalCountPaginator(XeroPagePaginator):
    """Files' paging: the answer says `TotalCount` (no `pagination` object), so the listing
    stops on the last page without an extra call, even when that page is full."""

    def has_more(self, response: requests.Response) -> bool:
        body = jsonutil.loads(response.content) if response.content else None
        total = body.get("TotalCount") if isinstance(body, dict) else None
        if isinstance(total, int) and not isinstance(total, bool):
            return self.current_value * self.page_size < total
        return super().has_more(response)


class ApiStream(XeroStream):
    """A XeroStream for a row of the Payroll, Files or Finance APIs."""

    @property
    def partitions(self) -> list[dict] | None:
        """One partition per tenant of this stream's payroll region (all, for other APIs).

        Asked only when the stream syncs, so a run without payroll streams makes no
        Organisation call; an empty list makes the SDK sync one empty context (no call)."""
        return [{TENANT_KEY: t} for t in self.run.tenants_for(self.endpoint.region)]

    @property
    def parent_key(self) -> str | None:
        """The context key holding the parent record's id (the parent's primary key)."""
        ep = self.endpoint
        if not ep.parent:
            return None
        parent = BY_STREAM[ep.parent]
        return parent.primary_key[0] if parent.primary_key else None

    def get_new_paginator(self) -> BaseAPIPaginator | None:
        ep = self.endpoint
        if ep.paging is Paging.PAGE_LOWER:
            return TotalCountPaginator(ep.records_key, self.page_size)
        return super().get_new_paginator()

    def get_url_params(self, context: Context | None, next_page_token: Any) -> dict[str, Any]:
        params = super().get_url_params(context, next_page_token)
        ep = self.endpoint
        key = self.parent_key
        if ep.parent_param and key and context and context.get(key) is not None:
            params[ep.parent_param] = context[key]
        for param, setting in SETTING_PARAMS.get(self.name, ()):
            value = self.config.get(setting)
            if value not in (None, ""):
                params[param] = str(value)
        return params

    def parse_response(self, response: requests.Response) -> Iterable[dict]:
        ep = self.endpoint
        if not ep.nested_key:
            yield from super().parse_response(response)
            return
        page = parse_page(response, ep.records_key, ep.singleton, dates=False)
        for outer in page.records:
            inner = outer.get(ep.nested_key)
            if isinstance(inner, list):
                yield from (dict(r) for r in inner if isinstance(r, dict))

    def shape_record(self, row: dict, context: Context) -> dict | None:
        ep = self.endpoint
        key = self.parent_key
        if ep.parent_field and key and row.get(ep.parent_field) is None:
            row[ep.parent_field] = context.get(key)
        return super().shape_record(row, context)
