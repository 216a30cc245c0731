"""The sink for Xero's other JSON APIs (Payroll AU / NZ / UK, Assets, Projects): creates,
updates, status changes (approve, revert to draft, close) and sub-resource lines, as each row's
`write_spec` (xero_core/endpoint_writes.py) says.

For a batch it:

1. refuses records of a payroll region the organisation does not run (one GET /Organisation a
   run), and finds each child's parent (a project by id, or by the source key of a project
   written in this run);
2. lists what the organisation holds, once per resource and parent a run, and matches each
   record by id, else by the row's match keys (an employee's timesheet by employee and start
   date), so a re-run finds what the first run wrote and sends nothing again;
3. creates the new ones (Payroll AU v1: up to 50 in one array; the others one a call), updates
   the changed ones, brings lines and status to what the record says (`api_steps.py`).

Every write call carries an Idempotency-Key made from the record's content and the state it
starts from, so a retried or replayed call is answered by Xero's replay, never done twice. With
`identity_cache_path`, a keyed record written with the same content before is skipped without
any call (`keyed.py`).
"""

from __future__ import annotations

import re
from typing import Any

from target_xero.actions import Action, Decision
from target_xero.api_records import (
    ApiIndex,
    answer_records,
    api_body,
    api_messages,
    list_records,
    removal_of,
    write_spec,
)
from target_xero.api_steps import ApiSteps
from target_xero.batching import chunks
from target_xero.keyed import KeyedRecords
from target_xero.references import is_guid
from target_xero.region import wrong_region
from target_xero.work import Work
from target_xero.write_checks import is_fatal, one_line
from xero_core.endpoints import BY_STREAM, Write
from xero_core.errors import ValidationError, XeroHTTPError
from xero_core.protocol import records_in

PARENT_SOURCE_KEY = "_parent_source_key"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class ApiRecordsSink(KeyedRecords, ApiSteps):
    """Writes a stream's records to a resource of the Payroll, Assets or Projects API."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._indexes: dict[str, ApiIndex] = {}
        self._parents: ApiIndex | None = None
        self._warned_no_identity = False

    # -- the batch --------------------------------------------------------------------------

    def write(self, works: list[Work]) -> None:
        # `identity_cache_path`: a keyed record written with this very content is skipped
        # without a call; what Xero confirms is remembered.
        todo = self._skip_cached(works)
        try:
            self._write(todo)
        finally:
            self._remember(works)

    def _write(self, works: list[Work]) -> None:
        if not works:
            return
        ep = self.ep
        region = getattr(ep, "region", None)
        if region:
            x = self.context.xero
            have = self.context.region.get(x.client, x.tenant_id)
            if have != region:
                why = wrong_region(self.stream_name, region, have,
                                   self.context.region.country, x.tenant_name)
                for w in works:
                    self.reject(w, [why], Action.REJECT)
                return
        groups: dict[str, list[Work]] = {}
        for w in works:
            try:
                w.removal = "DELETED" if removal_of(ep, w.raw) else None
                w.payload = api_body(ep, w.raw)
                parent, problem = self._parent_of(w)
            except XeroHTTPError:
                raise
            except Exception as exc:  # one record's bad value never stops the run
                parent, problem = "", f"could not prepare the record: {one_line(exc)}"
            if problem:
                self.reject(w, [problem], Action.REJECT)
            else:
                groups.setdefault(parent, []).append(w)
        for parent, group in groups.items():
            try:
                idx = self._index(parent)
            except XeroHTTPError as exc:
                if is_fatal(exc):
                    raise
                for w in group:
                    self.reject(w, [f"could not list the {ep.stream} this organisation holds "
                                    f"(to not write a record twice): {exc.message or exc}"],
                                Action.REJECT)
                continue
            for w in group:
                self._decide(w, idx)
            creates = [w for w in group if not w.done and w.action is Action.CREATE]
            if write_spec(ep).body == "list":
                for chunk in chunks(creates, min(ep.batch_max, self.context.batch_size)):
                    self._create_list(chunk, parent, idx)
            else:
                for w in creates:
                    self._create_one(w, parent, idx)
            for w in group:
                if not w.done:
                    self._apply(w, parent, idx)

    # -- parents and what the organisation holds ------------------------------------------

    def url(self, parent: str) -> str:
        """The resource's URL path, its parent's id in place (/Projects/{id}/Tasks)."""
        return self.ep.base + _PLACEHOLDER.sub(lambda _: parent, self.ep.path)

    def _parent_of(self, w: Work) -> tuple[str, str | None]:
        """The parent's id in this organisation ("" for a top-level resource), or why none."""
        ep = self.ep
        if not ep.parent:
            return "", None
        holder = _PLACEHOLDER.search(ep.path)
        field = ep.parent_field or (holder.group(1) if holder else "")
        value = w.raw.get(field) or (w.raw.get(holder.group(1)) if holder else None)
        if value and is_guid(value):
            if self._parents is None:
                parent_ep = BY_STREAM[ep.parent]
                base = parent_ep.base + parent_ep.path
                self._parents = ApiIndex(parent_ep, list_records(
                    self._get, parent_ep, base, parent_ep.page_size_max))
            if self._parents.get(value) is not None:
                return str(value), None
        source = w.raw.get(PARENT_SOURCE_KEY)
        if source not in (None, ""):
            found = self.context.written.get((ep.parent, str(source)))
            if found:
                return found, None
            return "", (f"{PARENT_SOURCE_KEY}: no {ep.parent} record with source key "
                        f"{source!s} was written in this run")
        if value:
            return "", (f"{field}: no {ep.parent} with id {value!s} in this organisation; "
                        f"name the parent by its id here or by {PARENT_SOURCE_KEY} (the source "
                        f"key of a {ep.parent} record written in this run)")
        return "", (f"{field}: a {ep.stream} record names its {ep.parent} record by {field} or "
                    f"{PARENT_SOURCE_KEY}")

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        x = self.context.xero
        return x.client.get_json(path, tenant_id=x.tenant_id, params=params)

    def _index(self, parent: str) -> ApiIndex:
        idx = self._indexes.get(parent)
        if idx is None:
            idx = self._indexes[parent] = ApiIndex(self.ep, list_records(
                self._get, self.ep, self.url(parent), self.ep.page_size_max))
        return idx

    # -- decisions --------------------------------------------------------------------------

    def _decide(self, w: Work, idx: ApiIndex) -> None:
        ep = self.ep
        pk = ep.primary_key[0]
        found, problem = idx.find(w.payload, w.raw.get(pk))
        if problem:
            self.reject(w, [problem], Action.REJECT)
            return
        if found is not None and w.key is not None:
            rid = str(found.get(pk))
            other = idx.claims.get(rid)
            if other and other != w.key.token:
                self.reject(w, [f"{', '.join(write_spec(ep).match_keys) or pk}: already the "
                                f"{ep.stream} written for source record {other}, not for "
                                f"{w.key.token}: two source records are not merged"],
                            Action.REJECT)
                return
            idx.claims[rid] = w.key.token
        w.existing = found
        own = self._xero_status(w.payload)
        if own is not None:  # a status only Xero sets: a copy is created in `own`
            sf = write_spec(ep).status_field
            if found is None:
                w.payload[sf] = own
            else:
                w.payload.pop(sf, None)
        if w.removal:
            if found is None:
                w.decision = Decision(Action.SKIP, reasons=["not in Xero: nothing to remove"])
                self.confirm(w, Action.SKIP)
            elif Write.DELETE_HTTP in ep.writes:
                w.decision = Decision(Action.DELETE)
            else:
                self.reject(w, [f"Xero does not let a client remove {ep.stream}"],
                            Action.DELETE)
        elif found is None:
            if Write.CREATE not in ep.writes:
                self.reject(w, [f"Xero does not let a client create {ep.stream}, and no "
                                f"existing record matches"], Action.REJECT)
                return
            w.decision = Decision(Action.CREATE, self.create_body(w.payload))
        else:
            w.decision = Decision(Action.UPDATE, dict(w.payload))

    def _xero_status(self, payload: dict[str, Any]) -> str | None:
        """The status a copy is created in, when the record's is one only Xero sets."""
        spec = write_spec(self.ep)
        status = payload.get(spec.status_field) if spec.status_field else None
        for xero_only, instead in spec.xero_statuses:
            if isinstance(status, str) and status.casefold() == xero_only.casefold():
                return instead
        return None

    def create_body(self, payload: dict[str, Any]) -> dict[str, Any]:
        """A create sends no id of another organisation's record, lines without their ids,
        and no status a call of its own reaches."""
        spec = write_spec(self.ep)
        pk = self.ep.primary_key[0]
        body = {k: v for k, v in payload.items() if k != pk}
        if spec.status_calls and spec.status_field:
            body.pop(spec.status_field, None)
        if spec.lines is not None and isinstance(body.get(spec.lines.field), list):
            body[spec.lines.field] = [
                {k: v for k, v in line.items()
                 if k != spec.lines.id_field and v is not None and not k.startswith("_")}
                for line in body[spec.lines.field] if isinstance(line, dict)]
        return body

    # -- creates ----------------------------------------------------------------------------

    def _create_list(self, chunk: list[Work], parent: str, idx: ApiIndex) -> None:
        """Payroll AU v1: up to 50 records in one array; each answer element to its record."""
        body = [w.decision.payload for w in chunk if w.decision]
        try:
            answer = self.call("POST", self.url(parent), "create", chunk, json=body)
        except ValidationError as exc:
            # Xero refuses the whole array, each element with its ValidationErrors: those
            # are rejected with them, the others sent again without them.
            elements = records_in(exc.body, "Elements") or answer_records(self.ep, exc.body)
            bad = [bool(e.get("ValidationErrors")) for e in elements]
            if len(elements) == len(chunk) and any(bad):
                for w, element, refused in zip(chunk, elements, bad, strict=True):
                    if refused:
                        self.reject(w, api_messages(element) or ["refused by Xero"])
                rest = [w for w, refused in zip(chunk, bad, strict=True) if not refused]
                if rest:
                    self._create_list(rest, parent, idx)
            elif len(chunk) > 1:  # Xero did not say which: one by one
                for w in chunk:
                    self._create_list([w], parent, idx)
            else:
                self.reject_api(chunk[0], exc)
            return
        except XeroHTTPError as exc:
            if is_fatal(exc):
                raise
            for w in chunk:
                self.reject_api(w, exc)
            return
        results = answer_records(self.ep, answer)
        for i, w in enumerate(chunk):
            if i >= len(results):
                self.reject(w, [f"Xero answered {len(results)} elements for {len(chunk)} "
                                f"records: this one is not confirmed"])
            else:
                self._created(w, results[i], parent, idx)

    def _create_one(self, w: Work, parent: str, idx: ApiIndex) -> None:
        try:
            answer = self.call("POST", self.url(parent), "create", [w],
                               json=w.decision.payload if w.decision else None)
        except XeroHTTPError as exc:
            if is_fatal(exc):
                raise
            self.reject_api(w, exc)
            return
        results = answer_records(self.ep, answer)
        if not results:
            self.reject(w, ["Xero's answer held no record: the write is not confirmed"])
            return
        self._created(w, results[0], parent, idx)

    def _created(self, w: Work, result: dict[str, Any], parent: str, idx: ApiIndex) -> None:
        """Check one created record, then bring it to the status the record asks."""
        errors = api_messages({"ValidationErrors": result.get("ValidationErrors") or []})
        if result.get("ValidationErrors") and errors:
            self.reject(w, errors)
            return
        pk = self.ep.primary_key[0]
        rid = str(result.get(pk) or "")
        if not is_guid(rid):
            self.reject(w, [f"Xero's answer carries no {pk}: the write is not confirmed"])
            return
        idx.add(result)
        w.xero_id = rid
        if w.key is not None:
            idx.claims[rid] = w.key.token
        if self.reach_status(w, parent, result, followup=True) is None:
            return
        self.confirm(w, Action.CREATE)
