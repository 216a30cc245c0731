"""Records of Xero's other APIs (Payroll, Files, Assets, Projects) as the target sends and finds
them: the body a record becomes (the fields of the write's component, no read-only ones, ISO
dates), the records the organisation holds (`ApiIndex`, one listing per resource and parent a
run), matching a record to one of them by id or by the row's match keys, and Xero's reasons
from the error shapes of these APIs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from target_xero import spec_fields
from target_xero.actions import SDC_DELETED_AT, day_of
from xero_core.dates import ms_dates_to_iso
from xero_core.endpoint_writes import WriteSpec
from xero_core.endpoints import Endpoint
from xero_core.errors import validation_messages
from xero_core.protocol import iter_pages, records_in

MAX_REASONS = 10


def write_spec(ep: Endpoint) -> WriteSpec:
    spec = getattr(ep, "write_spec", None)
    return spec if isinstance(spec, WriteSpec) else WriteSpec()


def body_fields(ep: Endpoint) -> tuple[frozenset[str], frozenset[str]]:
    """(fields a write body may carry, read-only ones) per the spec's component."""
    schema = write_spec(ep).body_schema or ep.schema
    return (spec_fields.component_fields(schema, ep.api),
            spec_fields.read_only_fields(schema, ep.api))


def api_body(ep: Endpoint, record: dict[str, Any]) -> dict[str, Any]:
    """The record as a write body: the component's writable fields, values as Xero takes them.

    Metadata (`_...`), nulls and fields the component does not have (a source system's own
    key, `Hours` Xero computes) are left out. ValueError names a field whose value is no date.
    """
    known, read_only = body_fields(ep)
    status = write_spec(ep).status_field
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key.startswith("_") or value is None or (key in read_only and key != status):
            continue
        if known and key not in known and key != status:
            continue
        if key.lower() in ("updateddateutc", "createddateutc", "validationerrors"):
            continue
        try:
            out[key] = ms_dates_to_iso(value)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
    return out


def removal_of(ep: Endpoint, record: dict[str, Any]) -> bool:
    """Does the record ask to remove what it names (`_sdc_deleted_at`, or status DELETED)?"""
    status = record.get(write_spec(ep).status_field or "")
    return bool(record.get(SDC_DELETED_AT)) or (
        isinstance(status, str) and status.upper() == "DELETED")


def norm(value: Any) -> str:
    """A value as a match key compares it: dates by calendar day, text without case."""
    if value is None:
        return ""
    text = str(value).strip()
    if text.startswith("/Date(") or (len(text) >= 10 and text[:4].isdigit()
                                     and text[4:5] == "-"):
        return day_of(text)
    return text.casefold()


def match_key(spec: WriteSpec, record: dict[str, Any]) -> tuple[str, ...] | None:
    """The record's match key (None when it lacks one of the fields)."""
    if not spec.match_keys:
        return None
    values = tuple(norm(record.get(k)) for k in spec.match_keys)
    return None if any(v == "" for v in values) else values


class ApiIndex:
    """The records of one resource (under one parent) the organisation holds, listed once."""

    def __init__(self, ep: Endpoint, records: Iterable[dict[str, Any]]) -> None:
        self.ep = ep
        self.spec = write_spec(ep)
        self.pk = ep.primary_key[0] if ep.primary_key else ""
        self.by_id: dict[str, dict[str, Any]] = {}
        self.by_key: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        self.claims: dict[str, str] = {}  # Xero id -> the source key that wrote it this run
        for rec in records:
            self.add(rec)

    def add(self, rec: dict[str, Any]) -> None:
        rid = str(rec.get(self.pk) or "").casefold()
        if rid:
            old = self.by_id.get(rid)
            if old is not None:
                self._drop_key(old)
            self.by_id[rid] = rec
        key = match_key(self.spec, rec)
        if key is not None:
            self.by_key.setdefault(key, []).append(rec)

    def _drop_key(self, rec: dict[str, Any]) -> None:
        key = match_key(self.spec, rec)
        if key is not None and key in self.by_key:
            self.by_key[key] = [r for r in self.by_key[key] if r is not rec]

    def remove(self, rid: str) -> None:
        rec = self.by_id.pop(rid.casefold(), None)
        if rec is not None:
            self._drop_key(rec)

    def get(self, rid: Any) -> dict[str, Any] | None:
        return self.by_id.get(str(rid).casefold()) if rid else None

    def find(self, payload: dict[str, Any], rid: Any) -> tuple[dict[str, Any] | None, str | None]:
        """The record Xero holds for this one: by id, else by match key; or why not guessed."""
        found = self.get(rid)
        if found is not None:
            return found, None
        key = match_key(self.spec, payload)
        cands = self.by_key.get(key, []) if key is not None else []
        if len(cands) > 1:
            ids = ", ".join(str(c.get(self.pk)) for c in cands[:5])
            what = ", ".join(f"{k} {payload.get(k)}" for k in self.spec.match_keys)
            return None, (f"{what} matches {len(cands)} {self.ep.stream} in this organisation "
                          f"({self.pk} {ids}): ambiguous, not guessed; give the {self.pk}")
        return (cands[0] if cands else None), None


def list_records(get: Callable[[str, dict[str, Any]], Any], ep: Endpoint, path: str,
                 page_size: int) -> list[dict[str, Any]]:
    """Every record of a listing (all pages), e.g. GET /Projects/{id}/Tasks; for a resource
    Xero lists one status a call, every status's listing."""
    out: list[dict[str, Any]] = []
    for params in write_spec(ep).lookups or (ep.list_params,):
        for recs in iter_pages(lambda query: get(path, query), ep.paging, ep.records_key,
                               page_size, dict(params)):
            out.extend(recs)
    return out


def answer_records(ep: Endpoint, answer: Any) -> list[dict[str, Any]]:
    """The records a write's answer holds: `{answer_key: {...}}` (v2), `{records_key: [...]}`
    (AU v1), or the record itself (Assets, Projects)."""
    spec = write_spec(ep)
    pk = ep.primary_key[0] if ep.primary_key else None
    if spec.answer_key and isinstance(answer, dict) and spec.answer_key in answer:
        return records_in(answer, spec.answer_key, one_object=True)
    return records_in(answer, ep.records_key, primary_key=pk)


def api_messages(body: Any, limit: int = MAX_REASONS) -> list[str]:
    """Xero's reasons in the error shapes of these APIs, each naming its field when Xero does.

    Payroll AU v1: ValidationErrors (per element); v2: `problem` {title, detail,
    invalidFields: [{name, reason}]}; Assets: fieldValidationErrors / resourceValidationErrors;
    Projects: `message` and `modelState`.
    """
    if not isinstance(body, dict):
        return [str(body)[:500]] if body else []
    out: list[str] = []
    inner = body.get("problem")
    problem: dict[str, Any] = inner if isinstance(inner, dict) else body
    for f in problem.get("invalidFields") or []:
        if isinstance(f, dict):
            out.append(f"{f.get('name') or '(record)'}: {f.get('reason') or 'invalid'}")
    for f in body.get("fieldValidationErrors") or []:
        if isinstance(f, dict):
            out.append(f"{f.get('fieldName') or '(record)'}: "
                       f"{f.get('localisedMessage') or f.get('detail') or 'invalid'}")
    for f in body.get("resourceValidationErrors") or []:
        if isinstance(f, dict):
            out.append(str(f.get("localisedMessage") or f.get("detail") or f))
    model = body.get("modelState")
    if isinstance(model, dict):
        for name, msgs in model.items():
            for m in msgs if isinstance(msgs, list) else [msgs]:
                out.append(f"{name}: {m}")
    if not out:
        out = [m for m in validation_messages(body) if m]
    if not out:
        for key in ("detail", "title", "message"):
            if problem.get(key):
                out.append(str(problem[key]))
                break
    return [" ".join(str(m).split())[:500] for m in out[:limit]]
