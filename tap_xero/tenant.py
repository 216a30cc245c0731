"""TenantStream: a REST stream partitioned by tenant, sending through the run's XeroClient.

The SDK builds each request; `XeroSession` (the stream's `requests_session`) hands it to the
run's one XeroClient, which owns the token, the rate limiters and the retries. A 403 skips the
stream for one tenant, other errors the tenant (reported to the XeroRun). Children (history,
attachments, project tasks) are synced here, record by record, before the parent's record is
written: a child that failed stops the parent's partition before that record, so its
bookmark stays before it and the next run reads those children again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

import requests
from singer_sdk import Tap
from singer_sdk.authenticators import APIAuthenticatorBase
from singer_sdk.exceptions import AbortedSyncFailedException, AbortedSyncPausedException
from singer_sdk.helpers.conform import TypeConformanceLevel
from singer_sdk.helpers.types import Context
from singer_sdk.streams import RESTStream
from singer_sdk.streams.rest import HTTPRequest, PageContext

from tap_xero.records import RecordShaper
from tap_xero.run import TENANT_KEY, XeroRun
from xero_core.auth import XeroAuth
from xero_core.dates import parse_datetime
from xero_core.errors import AuthError, ConfigError, ForbiddenError, XeroError
from xero_core.sdk_compat import BookmarkGate

TENANT_HEADER = "Xero-Tenant-Id"


class XeroBearerAuthenticator(APIAuthenticatorBase):
    """Sets only `Authorization: Bearer`; XeroAuth fetches, refreshes and persists the token.

    Token handling stays in xero_core (shared with the target, rotation written to the token
    store); XeroClient re-stamps the header on every attempt, so a 401 refresh mid-run works.
    """

    def __init__(self, auth: XeroAuth) -> None:
        super().__init__()
        self._auth = auth

    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._auth.access_token()}"
        return request


class XeroSession(requests.Session):
    """The streams' `requests_session`: `send` goes through the run's XeroClient.

    The tenant travels in the request's Xero-Tenant-Id header (set by TenantStream); the
    client's policy (limiter, Retry-After, 5xx backoff, 401 refresh) applies to every call.
    """

    def __init__(self, run: XeroRun) -> None:
        super().__init__()
        self.run = run

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        tenant_id = request.headers.get(TENANT_HEADER)
        return self.run.xero_client.send(request, tenant_id=tenant_id or None)


def bookmark_order(value: Any) -> Any:
    return value if isinstance(value, int) else parse_datetime(str(value))


class TenantStream(BookmarkGate, RESTStream[Any]):
    """A REST stream partitioned by tenant, reporting to the run's bookkeeping."""

    #: Set on a child stream whose read failed for the current parent record.
    child_failure: Exception | None = None
    #: Whether this stream's records may be conformed here, in the same walk as their dates
    #: (a stream that adds fields after shaping leaves conformance to the SDK).
    conform_here: ClassVar[bool] = True
    #: A stream made of the records its parent hands over (tap_xero.lines): no calls.
    derived: ClassVar[bool] = False
    batch_size: ClassVar[int] = 200  # parent records handed over at a time (derived streams)

    def __init__(self, tap: Tap, run: XeroRun, **kwargs: Any) -> None:
        self.run = run
        self._xero_session: XeroSession | None = None
        self._authenticator: XeroBearerAuthenticator | None = None
        self._shaper: RecordShaper | None = None
        super().__init__(tap=tap, **kwargs)

    @property
    def shaper(self) -> RecordShaper:
        """This stream's one walk over a record: dates, and the SDK's conformance if it can
        move here (then the SDK is told not to conform the record a second time)."""
        if self._shaper is None:
            conform = self.conform_here and self._conformance_can_move()
            if conform:
                self.TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE
            self._shaper = RecordShaper(self.name, self.schema, self.logger, conform=conform)
        return self._shaper

    def _conformance_can_move(self) -> bool:
        """The SDK conforms a copy it writes and keeps the record it was given for the
        bookmark, the partition keys and the children's context; conforming in place gives
        the same only where the catalog's schema is the stream's own and declares those."""
        schema, effective = self.schema, self.effective_schema
        if effective is not schema and effective != schema:
            return False
        if schema.get("additionalProperties"):
            return True
        needed = {TENANT_KEY, *self.primary_keys}
        if self.replication_key:
            needed.add(self.replication_key)
        return needed <= set(schema.get("properties") or {})

    @property
    def url_base(self) -> str:
        return str(self.config.get("api_url") or "https://api.xero.com").rstrip("/")

    @property
    def authenticator(self) -> XeroBearerAuthenticator:
        if self._authenticator is None:
            self._authenticator = XeroBearerAuthenticator(self.run.xero_client.auth)
        return self._authenticator

    @property
    def requests_session(self) -> requests.Session:
        if self._xero_session is None:
            self._xero_session = XeroSession(self.run)
        return self._xero_session

    @property
    def http_headers(self) -> dict:
        """Xero answers XML unless a call asks for JSON: every stream asks (children too)."""
        return {**super().http_headers, "Accept": "application/json"}

    def get_http_request(self, *, page: PageContext) -> HTTPRequest:
        request = super().get_http_request(page=page)
        tenant_id = (page.stream_context or {}).get(TENANT_KEY)
        if tenant_id:
            request.headers[TENANT_HEADER] = str(tenant_id)
        return request

    def validate_response(self, response: requests.Response) -> None:
        """XeroClient already raised for every answer that is not a success (or a 304)."""

    @property
    def scope(self) -> str:
        """The scope a 403 most likely lacks, named in the warning."""
        return ""

    @property
    def partitions(self) -> list[dict] | None:
        return [{TENANT_KEY: t} for t in self.run.tenant_ids]

    def backoff_max_tries(self) -> int:
        # One try: XeroClient already retried (Retry-After, 5xx backoff, 401 refresh) and a
        # second layer of retries here would multiply the waits and the calls.
        return 1

    # -- records of one tenant ----------------------------------------------------------

    def get_records(self, context: Context | None) -> Iterable[dict[str, Any]]:
        """Records of one tenant; a 403 skips this stream for it, other errors the tenant.

        Each record's children are synced before it is handed to the SDK (which writes it
        and moves the bookmark past it): a failed child ends the partition before it.
        """
        tenant_id = (context or {}).get(TENANT_KEY)
        if tenant_id is None or self.run.tenant_failed(tenant_id):
            return
        self.run.note_attempt(tenant_id, self.name)
        children = [c for c in self.child_streams if c.selected or c.has_selected_descendents]
        derived = [c for c in children if isinstance(c, TenantStream) and c.derived]
        children = [c for c in children if c not in derived]
        rows = self._guarded_records(context or {}, tenant_id)
        if derived:
            rows = self._hand_to_derived(rows, context, derived)
        for row in rows:
            if children and not self._sync_children_of(row, context, children):
                self._keep_bookmark_before(row, context)
                self.finalize_state_progress_markers(self.get_context_state(context))
                if self.parent_stream_type is not None:
                    self.child_failure = ChildSyncFailed()  # and so on up to the top parent
                return
            yield row

    def _hand_to_derived(self, rows: Iterable[dict[str, Any]], context: Context | None,
                         derived: list[TenantStream]) -> Iterator[dict[str, Any]]:
        """Hand the records, a batch at a time, to the line streams (tap_xero.lines) before
        they are written: one sync of each per batch, not one per record."""
        batch: list[tuple[dict[str, Any], bool]] = []
        size = min(c.batch_size for c in derived)
        for row in rows:
            batch.append((row, self.moves_bookmark(row)))
            if len(batch) >= size:
                self._sync_derived(batch, context, derived)
                yield from (r for r, _ in batch)
                batch = []
        if batch:
            self._sync_derived(batch, context, derived)
            yield from (r for r, _ in batch)

    def _sync_derived(self, batch: list[tuple[dict[str, Any], bool]], context: Context | None,
                      derived: list[TenantStream]) -> None:
        # A record the stream map filters out has no lines written; it still moves their
        # bookmark past it.
        marked = [(r, m, self.stream_maps[0].get_filter_result(r)) for r, m in batch]
        for child in derived:
            child.take_parents(self, marked, context)

    def _guarded_records(self, context: Context, tenant_id: str) -> Iterator[dict[str, Any]]:
        try:
            for row in self.read_records(context):
                shaped = self.shape_record(row, context)
                if shaped is not None:
                    yield shaped
        except ForbiddenError as exc:
            self.run.note_forbidden(tenant_id, self.name, self.scope, exc)
        except (AuthError, ConfigError):
            raise  # the app itself is refused: no tenant can sync
        except (XeroError, requests.RequestException) as exc:
            self._drop_unfinished_progress(context)
            self.run.note_failure(tenant_id, self.name, exc)
            if self.parent_stream_type is not None:
                self.child_failure = exc  # the parent stops before its record (above)

    def shape_record(self, row: dict, context: Context) -> dict | None:
        """One record as it is written, or None to drop it (the stream's post-processing;
        the SDK conforms it unless `shaper` did)."""
        return row

    def read_records(self, context: Context) -> Iterator[dict[str, Any]]:
        yield from self.request_records(context)

    # -- derived streams (tap_xero.lines) ----------------------------------------------------

    def take_parents(self, parent: RESTStream[Any],
                     batch: list[tuple[dict[str, Any], bool, bool]],
                     context: Context | None) -> None:
        """A derived stream: emit the rows of these parent records (record, whether it moves
        the bookmark, whether its rows are written)."""
        raise NotImplementedError

    def parent_bookmark(self, parent: str, context: Context | None) -> Any:
        """A derived stream: the parent's replication value its rows were emitted up to."""
        return None

    # -- children: a failed child stops the parent's partition before that parent ------------

    def generate_child_contexts(self, record: dict, context: Context | None
                                ) -> Iterable[Context | None]:
        """None for the SDK: get_records already synced this record's children."""
        return ()

    def _sync_children_of(self, row: dict, context: Context | None,
                          children: list[Any]) -> bool:
        """Sync `row`'s children (as the SDK would); False when one of them failed."""
        if not self.stream_maps[0].get_filter_result(row):
            return True
        child_context = dict(self.get_child_context(row, context) or {})
        for child in children:
            try:
                child.sync(context=dict(child_context))
            except (AbortedSyncFailedException, AbortedSyncPausedException):
                continue
        failed = False
        for child in self.child_streams:
            if isinstance(child, TenantStream) and child.child_failure is not None:
                child.child_failure = None
                failed = True
        return not failed

    def _keep_bookmark_before(self, record: dict, context: Context | None) -> None:
        """The partition stops at `record`: its bookmark must not pass it."""
        state = self.get_context_state(context)
        key = self.replication_key
        if not self.is_sorted or not key:
            self._drop_unfinished_progress(context)
        elif (record.get(key) is not None and state.get("replication_key_value") is not None
              and bookmark_order(state["replication_key_value"]) > bookmark_order(record[key])):
            # Normally the bookmark is the previous record's; after re-reading a shifted page
            # boundary (ListingWatch) it is already past this one: move it back.
            state["replication_key_value"] = record[key]

    def _drop_unfinished_progress(self, context: Context | None) -> None:
        """An unsorted stream cut short must not promote a half-read maximum to its bookmark."""
        if not self.is_sorted:
            self.get_context_state(context).pop("progress_markers", None)


class ChildSyncFailed(Exception):
    """A child stream failed for the parent record being processed."""

    def __init__(self) -> None:
        super().__init__("a child stream failed")
