"""Reads as Xero answers them: list pages, single records, history, attachments.

Everything is driven by the endpoint row: paging style, If-Modified-Since, `where`, `order`,
the id/number/status filters. Records are stored in Xero's JSON form, so a page is a filter, a
slice and one dump with the stdlib C encoder. The collection's index is already in
(UpdatedDateUTC, id) order, so `order=UpdatedDateUTC [ASC]` (what taps send) needs no sort, and
without other filters a page is a slice of that index however many records there are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from xero_core.dates import parse_modified_since, parse_ms_date
from xero_core.endpoints import DEFAULT_PAGE_SIZE, OFFSET_PAGE_SIZE, Endpoint, Paging
from xero_core.protocol import page_slice, pagination_of
from xero_sandbox.backend.answers import Answer, bad_request, envelope, not_found
from xero_sandbox.backend.store import Attachment, Organisation
from xero_sandbox.backend.where import WhereError, compile_where, field_getter, parse_error_body

Record = dict[str, Any]

# Default page sizes of the non-accounting APIs (their specs); the maximum is the table's.
API_DEFAULT_PAGE_SIZES = {"assets": 10, "projects": 50}
# Fields left out by summaryOnly=true (the heavy, computed parts of a document).
SUMMARY_DROP = frozenset({"LineItems", "Payments", "CreditNotes", "Prepayments", "Overpayments",
                          "Allocations", "Attachments", "JournalLines", "Addresses", "Phones",
                          "ContactPersons", "ContactGroups", "PaymentTerms", "Balances",
                          "BatchPayments", "SalesTrackingCategories",
                          "PurchasesTrackingCategories"})
# Query parameters that filter a list by a field, as Xero names them.
LIST_FILTERS = {"InvoiceNumbers": "InvoiceNumber", "ContactIDs": "Contact.ContactID",
                "ContactID": "Contact.ContactID"}
PROJECT_FILTERS = {"projectIds": "projectId", "contactID": "contactId", "states": "status",
                   "taskIds": "taskId", "chargeType": "chargeType", "userId": "userId",
                   "taskId": "taskId", "invoiceId": "invoiceId", "contactId": "contactId"}


# --- helpers over records ---------------------------------------------------------------------

def _sort_value(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("/Date("):
        d = parse_ms_date(value)
        if d is not None:
            return d.timestamp()
    if isinstance(value, str):
        return value.lower()
    return value


def sort_records(records: Iterable[Record], order: str) -> list[Record]:
    """`order=Field [ASC|DESC], Other ...` as Xero takes it; None sorts first."""
    keys: list[tuple[Callable[[Record], Any], bool]] = []
    for part in order.split(","):
        words = part.split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise WhereError(f"Invalid order clause {part.strip()!r}")
        desc = len(words) == 2 and words[1].upper() == "DESC"
        keys.append((field_getter(words[0]), desc))
    out = list(records)
    for get, desc in reversed(keys):
        def key(rec: Record, get: Callable[[Record], Any] = get) -> tuple[int, Any]:
            value = _sort_value(get(rec))
            return (0, 0) if value is None else (1, value)
        try:
            out.sort(key=key, reverse=desc)
        except TypeError:
            out.sort(key=lambda r, k=key: str(k(r)), reverse=desc)  # type: ignore[misc]
    return out


def in_stored_order(ep: Endpoint, order: str) -> bool:
    """True when `order` asks for the order a collection keeps: `UpdatedDateUTC [ASC]`.

    The index is sorted by (updated ms, id) and `UpdatedDateUTC` is written from that same ms,
    so the stable sort `sort_records` would do leaves it exactly as it is.
    """
    if ep.replication_key != "UpdatedDateUTC":
        return False
    parts = [part.split() for part in order.split(",")]
    parts = [words for words in parts if words]
    if len(parts) != 1:
        return False
    words = parts[0]
    return words[0] == "UpdatedDateUTC" and (len(words) == 1 or (
        len(words) == 2 and words[1].upper() == "ASC"))


# Statuses Xero leaves out of a listing unless asked (on the endpoints that take the parameter).
HIDDEN_UNLESS_ASKED = {"includeArchived": "ARCHIVED", "includeDeleted": "DELETED"}


def _csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _in_set(get: Callable[[Record], Any], wanted: Iterable[str]) -> Callable[[Record], bool]:
    values = {w.lower() for w in wanted}
    return lambda rec: str(get(rec)).lower() in values


def _not_equal(get: Callable[[Record], Any], value: str) -> Callable[[Record], bool]:
    return lambda rec: get(rec) != value


def _int_param(params: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise WhereError(f"Parameter {name} must be an integer") from None


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _parent_field(ep: Endpoint) -> str:
    """The field naming the parent record (a child path's `{projectId}`), from the table."""
    if not ep.parent_field:
        raise ValueError(f"{ep.stream}: a child path without a parent_field in the table")
    return ep.parent_field


def _summary(records: Sequence[Record]) -> list[Record]:
    return [{k: v for k, v in r.items() if k not in SUMMARY_DROP} for r in records]


# --- lists --------------------------------------------------------------------------------------

def list_records(org: Organisation, ep: Endpoint, params: Mapping[str, str],
                 if_modified_since: str | None, provider: str, now_ms: int,
                 parent_id: str | None = None) -> Answer:
    """GET /{path}: the filtered, ordered, paged list in the API's own shape."""
    try:
        return _list(org, ep, params, if_modified_since, provider, now_ms, parent_id)
    except WhereError as exc:
        return Answer(400, parse_error_body(exc))


def _filters(ep: Endpoint, params: Mapping[str, str]) -> list[Callable[[Record], bool]]:
    preds: list[Callable[[Record], bool]] = []
    if ep.api == "accounting":
        if ids := _csv(params.get("IDs")):
            preds.append(_in_set(field_getter(ep.primary_key[0]), ids))
        for name, path in LIST_FILTERS.items():
            if wanted := _csv(params.get(name)):
                preds.append(_in_set(field_getter(path), wanted))
        if ep.status_field:
            # Only where Xero has the filter (Invoices: Statuses=; a few: Status=).
            statuses = _csv(params.get(ep.status_param)) if ep.status_param else []
            if statuses:
                preds.append(_in_set(field_getter(ep.status_field), statuses))
            status = field_getter(ep.status_field)
            for param, hidden in HIDDEN_UNLESS_ASKED.items():
                if (param, "true") in ep.list_params and not _truthy(params.get(param)):
                    preds.append(_not_equal(status, hidden))
        if ep.where and params.get("where"):
            preds.append(compile_where(params["where"]))
    elif ep.api == "assets":
        if ep.stream == "assets":
            asset_status = (params.get("status") or "").lower()
            if not asset_status:
                raise WhereError("status is required")
            preds.append(lambda rec: str(rec.get("assetStatus", "")).lower() == asset_status)
        if text := (params.get("filterBy") or "").lower():
            searched = ("assetName", "assetNumber", "description", "assetTypeName")
            preds.append(lambda rec: any(text in str(rec.get(f) or "").lower()
                                            for f in searched))
    else:
        for name, path in PROJECT_FILTERS.items():
            if wanted := _csv(params.get(name)):
                preds.append(_in_set(field_getter(path), wanted))
    return preds


def _list(org: Organisation, ep: Endpoint, params: Mapping[str, str],
          if_modified_since: str | None, provider: str, now_ms: int,
          parent_id: str | None) -> Answer:
    coll = org.coll(ep.stream)
    since_ms: int | None = None
    if if_modified_since and ep.modified_since:
        try:
            since_ms = int(parse_modified_since(if_modified_since).timestamp() * 1000)
        except (TypeError, ValueError):
            return bad_request(f"Invalid If-Modified-Since header {if_modified_since!r}")
    preds = _filters(ep, params)
    if parent_id is not None:
        preds.insert(0, _in_set(field_getter(_parent_field(ep)), [parent_id]))
    # A live view of the index: without filters a page below is a slice of it, not a copy.
    records: Sequence[Record] = coll.view(since_ms)
    if preds:
        records = [r for r in records if all(p(r) for p in preds)]
    if ep.order and params.get("order"):
        if not in_stored_order(ep, params["order"]):
            records = sort_records(list(records), params["order"])
    elif ep.api == "assets" and params.get("orderBy"):
        desc = (params.get("sortDirection") or "").lower() == "desc"
        records = sort_records(records, params["orderBy"][:1].lower() + params["orderBy"][1:]
                               + (" DESC" if desc else ""))

    if ep.singleton:
        return Answer(200, records[0] if records else {})
    if ep.paging is Paging.OFFSET:
        return _offset_page(ep, records, params, provider, now_ms)
    if ep.api != "accounting":
        return _api_page(ep, records, params)

    pagination: dict[str, int] | None = None
    page = _int_param(params, "page", None)
    if ep.paging is Paging.PAGE_SIZE and (page is not None or params.get("pageSize")):
        size = _int_param(params, "pageSize", DEFAULT_PAGE_SIZE) or DEFAULT_PAGE_SIZE
        size = max(1, min(size, ep.page_size_max))
        page = max(1, page or 1)
        pagination = pagination_of(page, size, len(records))
        records = page_slice(records, page, size)
    elif ep.paging in (Paging.PAGE, Paging.PAGE_SIZE) and page is not None:
        records = page_slice(records, max(1, page), DEFAULT_PAGE_SIZE)
    if _truthy(params.get("summaryOnly")):
        records = _summary(records)
    return Answer(200, envelope(ep.records_key, list(records), now_ms, provider, pagination))


def _offset_page(ep: Endpoint, records: Sequence[Record], params: Mapping[str, str],
                 provider: str, now_ms: int) -> Answer:
    offset = _int_param(params, "offset", 0) or 0
    number = field_getter("JournalNumber")
    chosen = sorted((r for r in records if (number(r) or 0) > offset),
                    key=lambda r: number(r) or 0)[:OFFSET_PAGE_SIZE]
    return Answer(200, envelope(ep.records_key, chosen, now_ms, provider))


def _api_page(ep: Endpoint, records: Sequence[Record], params: Mapping[str, str]
              ) -> Answer:
    """Assets / Projects: {"pagination": {...}, "items": [...]}, or a bare list (AssetTypes)."""
    if not ep.records_key:
        return Answer(200, list(records))
    default = API_DEFAULT_PAGE_SIZES.get(ep.api, DEFAULT_PAGE_SIZE)
    size = max(1, min(_int_param(params, "pageSize", default) or default, ep.page_size_max))
    page = max(1, _int_param(params, "page", 1) or 1)
    return Answer(200, {"pagination": pagination_of(page, size, len(records)),
                            ep.records_key: page_slice(records, page, size)})


# --- single records and their sub-resources -------------------------------------------------

def find(org: Organisation, ep: Endpoint, rid: str, parent_id: str | None = None
         ) -> tuple[str, Record] | None:
    """A record by id (any case), or by its business number where Xero accepts one."""
    coll = org.coll(ep.stream)
    rec = coll.get(rid)
    if rec is None:
        low = rid.lower()
        rec = coll.get(low) or coll.get(rid.upper())
        if rec is None and len(rid) == 36:
            for key, value in coll.records.items():
                if key.lower() == low:
                    rec = value
                    break
    if rec is None and ep.number_field:
        get = field_getter(ep.number_field)
        for value in coll.records.values():
            if str(get(value)) == rid:
                rec = value
                break
    if rec is None:
        return None
    if parent_id is not None and \
            str(rec.get(_parent_field(ep), "")).lower() != parent_id.lower():
        return None
    return coll.key_of(rec), rec


def single(org: Organisation, ep: Endpoint, rid: str, provider: str, now_ms: int,
           parent_id: str | None = None) -> Answer:
    found = find(org, ep, rid, parent_id)
    if found is None:
        return not_found()
    if ep.api != "accounting":
        return Answer(200, found[1])
    return Answer(200, envelope(ep.records_key, [found[1]], now_ms, provider))


def history(org: Organisation, ep: Endpoint, rid: str, provider: str, now_ms: int
            ) -> Answer:
    found = find(org, ep, rid)
    if found is None:
        return not_found()
    notes = org.history.get((ep.stream, found[0]), [])
    return Answer(200, envelope("HistoryRecords", list(notes), now_ms, provider))


def attachment_url(base_url: str, ep: Endpoint, rid: str, file_name: str) -> str:
    return f"{base_url}{ep.url_path}/{rid}/Attachments/{quote(file_name)}"


def attachments(org: Organisation, ep: Endpoint, rid: str, provider: str, now_ms: int,
                base_url: str) -> Answer:
    found = find(org, ep, rid)
    if found is None:
        return not_found()
    items = org.attachments.get((ep.stream, found[0]), [])
    body = [a.as_xero(attachment_url(base_url, ep, found[0], a.file_name)) for a in items]
    return Answer(200, envelope("Attachments", body, now_ms, provider))


def attachment_content(org: Organisation, ep: Endpoint, rid: str, name: str) -> Answer:
    """The raw bytes of one attachment, by file name or AttachmentID."""
    found = find(org, ep, rid)
    if found is None:
        return not_found()
    chosen: Attachment | None = None
    for att in org.attachments.get((ep.stream, found[0]), []):
        if att.file_name.lower() == name.lower() or att.attachment_id.lower() == name.lower():
            chosen = att
            break
    if chosen is None:
        return not_found()
    return Answer(200, chosen.content, content_type=chosen.mime_type)


def online_invoice(org: Organisation, ep: Endpoint, rid: str, provider: str, now_ms: int,
                   base_url: str) -> Answer:
    found = find(org, ep, rid)
    if found is None:
        return not_found()
    url = f"{base_url}/online/invoice/{found[0]}"
    return Answer(200, envelope("OnlineInvoices", [{"OnlineInvoiceUrl": url}], now_ms,
                                    provider))


__all__ = ["attachment_content", "attachments", "find", "history", "in_stored_order",
           "list_records", "online_invoice", "single", "sort_records"]
