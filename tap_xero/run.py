"""XeroRun: one tap run's shared client, its tenants and its bookkeeping.

The streams are given this object (not the Tap): they send through its one XeroClient, sync
its tenants, and report to it what happened (a stream tried, a 403, a failed tenant, the
contacts a changed record touched). At the end of the run `report_outcome` turns failures
into one TenantSyncError, raised after the last STATE message, so orchestrators see a failed
run while the healthy tenants' data and bookmarks are already delivered.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from tap_xero.regions import PayrollRegions
from tap_xero.reports import AGED_REPORTS
from xero_core.dates import convert_dates
from xero_core.errors import ConfigError, XeroError
from xero_core.http import XeroClient

TENANT_KEY = "_tenant_id"  # the partition key, and the column every record carries
PAYABLES, RECEIVABLES = AGED_REPORTS


class TenantSyncError(XeroError):
    """Raised after a run in which some tenant or stream failed (the rest was synced)."""


class XeroRun:
    """What one run shares across its streams, and what they report to it."""

    def __init__(self, config: Mapping[str, Any], logger: logging.Logger,
                 make_client: Callable[[], XeroClient]) -> None:
        self.config = config
        self.logger = logger
        self._make_client = make_client
        self._client: XeroClient | None = None
        self._tenants: list[dict[str, Any]] | None = None
        self._lock = threading.Lock()
        self.failed_tenants: dict[str, str] = {}
        self.stream_failures: list[tuple[str, str, str]] = []  # (tenant, stream, error)
        self.forbidden: list[tuple[str, str]] = []  # (tenant, stream)
        self._attempts: dict[str, set[str]] = defaultdict(set)
        self._contacts: dict[tuple[str, str], set[str]] = defaultdict(set)
        self.regions = PayrollRegions(lambda: self.xero_client, logger, self.tenant_label)

    # -- the one HTTP client and the tenants ---------------------------------------------

    @property
    def xero_client(self) -> XeroClient:
        """One XeroClient per run, shared by every stream (limiter, token, connections)."""
        with self._lock:
            if self._client is None:
                self._client = self._make_client()
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

    def tenants_for(self, region: str | None) -> list[str]:
        """The tenants a stream of this payroll region reads (None: every tenant)."""
        if not region:
            return self.tenant_ids
        return [t for t in self.tenant_ids
                if not self.tenant_failed(t) and self.regions.region(t) == region]

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

    def observe_record(self, stream: str, row: dict[str, Any], tenant_id: Any) -> None:
        """Remember which contacts this run saw change, for the aged reports."""
        pairs = _aged_contacts_of(stream, row)
        if pairs:
            tenant = str(tenant_id)
            for report, contact_id in pairs:
                self._contacts[(tenant, report)].add(contact_id)

    def touched_contacts(self, tenant_id: str, report: str) -> set[str]:
        return set(self._contacts.get((tenant_id, report), set()))

    # -- the end of the run ---------------------------------------------------------------

    def report_outcome(self) -> None:
        """Raise TenantSyncError naming every tenant and stream that failed (if any did)."""
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


_DOCUMENT_STREAMS = frozenset(("invoices", "credit_notes", "payments", "overpayments",
                               "prepayments"))


def _aged_contacts_of(stream: str, row: dict[str, Any]) -> list[tuple[str, str]]:
    """(aged report, contact id) pairs a changed record affects (read before the record's
    dates are shaped: an id is taken as the shaped record would have it)."""
    if stream == "contacts":
        cid = convert_dates(row.get("ContactID"))
        out = []
        if cid and row.get("IsSupplier"):
            out.append((PAYABLES, str(cid)))
        if cid and row.get("IsCustomer"):
            out.append((RECEIVABLES, str(cid)))
        return out
    if stream not in _DOCUMENT_STREAMS:
        return []
    doc = row.get("Invoice") if stream == "payments" else row
    if not isinstance(doc, dict):
        return []
    contact = doc.get("Contact") or {}
    cid = convert_dates(contact.get("ContactID")) if isinstance(contact, dict) else None
    kind = str(doc.get("Type") or "")
    if not cid:
        return []
    if kind.startswith("ACCPAY") or kind.startswith("SPEND"):
        return [(PAYABLES, str(cid))]
    if kind.startswith("ACCREC") or kind.startswith("RECEIVE"):
        return [(RECEIVABLES, str(cid))]
    return []
