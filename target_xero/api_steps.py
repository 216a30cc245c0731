"""The steps that bring a record Xero already holds (in the Payroll, Assets or Projects API) to
what the source record says: an update (POST or PUT {path}/{id}), the lines of a v2 timesheet
(POST / PUT / DELETE {id}/Lines, after a revert to draft when the timesheet is approved), the
status (POST {id}/Approve, {id}/RevertToDraft, or PATCH {status}), and HTTP DELETE.

Each step is decided from what Xero holds, so a re-run after a crash mid-record sends only the
steps still missing.
"""

from __future__ import annotations

from typing import Any

from target_xero.actions import Action, covers
from target_xero.api_records import answer_records, api_messages, norm, write_spec
from target_xero.references import is_guid
from target_xero.sink_base import XeroSink
from target_xero.work import Work, fingerprint
from xero_core.endpoint_writes import LinesSpec
from xero_core.errors import ForbiddenError, NotFoundError, XeroHTTPError

LineOp = tuple[str, str, dict[str, Any] | None]  # (method, line id or "", body)


def holds(existing: Any, sent: Any) -> bool:
    """Xero's value already is the one sent (`actions.covers`); an amount sent as a number is
    the `value` of the {currency, value} object the Projects API answers."""
    if isinstance(existing, dict) and not isinstance(sent, dict) and "value" in existing:
        return covers(existing.get("value"), sent)
    if isinstance(existing, dict) and isinstance(sent, dict):
        return all(holds(existing.get(k), v) for k, v in sent.items() if v is not None)
    return covers(existing, sent)


def line_plan(lines: LinesSpec, have: list[dict[str, Any]], want: list[dict[str, Any]]
              ) -> list[LineOp]:
    """The calls that turn the lines Xero holds into the lines the record lists.

    A line is the same line when it carries the id of one Xero holds, else when its keys
    (e.g. date, earnings rate, tracking item) agree; changed ones are PUT, new ones POSTed,
    those the record no longer lists DELETEd.
    """
    by_id = {str(h.get(lines.id_field) or "").casefold(): h for h in have}
    free = list(have)
    ops: list[LineOp] = []
    for line in want:
        if not isinstance(line, dict):
            continue
        body = {k: v for k, v in line.items()
                if k != lines.id_field and v is not None and not k.startswith("_")}
        match = by_id.get(str(line.get(lines.id_field) or "").casefold())
        if match is None or not any(match is f for f in free):
            key = tuple(norm(line.get(k)) for k in lines.keys)
            match = next((h for h in free
                          if tuple(norm(h.get(k)) for k in lines.keys) == key), None)
        if match is None:
            ops.append(("POST", "", body))
            continue
        free = [f for f in free if f is not match]
        if not holds(match, body):
            ops.append(("PUT", str(match.get(lines.id_field)), body))
    ops += [("DELETE", str(h.get(lines.id_field)), None) for h in free]
    return ops


class ApiSteps(XeroSink):
    """Updates, lines, status and deletes of records Xero holds (mixed into ApiRecordsSink)."""

    def url(self, parent: str) -> str:
        raise NotImplementedError

    def confirm(self, w: Work, action: Action, detail: dict[str, Any] | None = None) -> None:
        """Count it, and remember which Xero record its source key is (children of this run
        name their parent by it)."""
        super().confirm(w, action, detail)
        rid = self._xero_id(w)
        if w.key is not None and rid:
            self.context.written[(self.ep.stream, w.key.value)] = rid

    def reject_api(self, w: Work, exc: XeroHTTPError, followup: bool = False) -> None:
        """Reject with Xero's reasons as these APIs give them (each naming its field)."""
        reasons = api_messages(exc.body) or [exc.message or str(exc)]
        if isinstance(exc, ForbiddenError):
            reasons = [f"Xero refused (403): {'; '.join(reasons)}; check the connection's "
                       f"scopes include {' or '.join(self.ep.write_scopes)}"]
        self._reject_after(w, reasons, followup)

    # -- an existing record -----------------------------------------------------------------

    def _apply(self, w: Work, parent: str, idx: Any) -> None:
        ep = self.ep
        spec = write_spec(ep)
        pk = ep.primary_key[0]
        existing = w.existing or {}
        rid = str(existing.get(pk) or "")
        if not is_guid(rid):
            self.reject(w, [f"Xero's record carries no {pk} GUID: not written"])
            return
        base = f"{self.url(parent)}/{rid}"
        if w.action is Action.DELETE:
            self._delete(w, base, rid, idx)
            return
        payload = dict(w.payload)
        payload.pop(pk, None)
        sf = spec.status_field
        wanted_status = payload.get(sf) if sf else None
        lines = spec.lines
        top = {k: v for k, v in payload.items()
               if not (lines and k == lines.field) and not (spec.status_calls and k == sf)}
        changed = [k for k, v in top.items() if not holds(existing.get(k), v)]
        try:
            if changed and spec.update_method:
                body: Any = dict(top)
                if spec.body == "list":
                    body = [{**top, pk: rid}]
                elif spec.update_by_body:
                    body = {**top, pk: rid}
                path = self.url(parent) if spec.update_by_body else base
                answer = self.call(spec.update_method, path, "update", [w], json=body)
                got = answer_records(ep, answer)
                if got:
                    idx.add(got[0])
                    existing = got[0]
                    w.existing = existing
            elif changed and not lines:
                self._skip(w, f"{ep.stream} {rid} exists and Xero does not update "
                              f"{ep.stream} (differs in {', '.join(changed[:5])})")
                return
            ops: list[LineOp] = []
            if lines is not None and isinstance(payload.get(lines.field), list):
                full = existing if isinstance(existing.get(lines.field), list) else (
                    self._full(base))
                have = [h for h in full.get(lines.field) or [] if isinstance(h, dict)]
                existing = {**existing, **{k: v for k, v in full.items() if k == sf}}
                ops = line_plan(lines, have, payload[lines.field])
            if ops:
                current = str(existing.get(sf) or "")
                if lines and lines.editable_status and current.casefold() != (
                        lines.editable_status.casefold()):
                    if not self._status(w, base, lines.editable_status, existing):
                        return
                    wanted_status = wanted_status or current
                for method, line_id, body in ops:
                    assert lines is not None
                    path = f"{base}/{lines.path_part}" + (f"/{line_id}" if line_id else "")
                    if line_id and not is_guid(line_id):
                        raise XeroHTTPError(0, f"Xero's line id {line_id[:40]!r} is not a GUID")
                    self.call(method, path, f"line {fingerprint(body or {'id': line_id})}",
                              [w], json=body)
                existing = {**existing, sf: lines.editable_status} if (
                    lines and lines.editable_status) else existing
        except XeroHTTPError as exc:
            if self.is_fatal(exc):
                raise
            self.reject_api(w, exc)
            return
        moved = self.reach_status(w, parent, existing, wanted=wanted_status)
        if moved is None:
            return
        if not (changed and spec.update_method) and not ops and not moved:
            self._skip(w, "unchanged")
            return
        self.confirm(w, Action.UPDATE)

    def _skip(self, w: Work, reason: str) -> None:
        assert w.decision is not None
        w.decision.reasons = [reason]
        self.logger.info("%s: %s", self.stream_name, reason)
        self.confirm(w, Action.SKIP)

    def _full(self, base: str) -> dict[str, Any]:
        """The record with its lines (a listing may leave them out): GET {path}/{id}."""
        x = self.context.xero
        got = answer_records(self.ep, x.client.get_json(base, tenant_id=x.tenant_id))
        return got[0] if got else {}

    def _delete(self, w: Work, base: str, rid: str, idx: Any) -> None:
        try:
            self.call("DELETE", base, "delete", [w])
        except NotFoundError:
            idx.remove(rid)
            self._skip(w, "already gone")
            return
        except XeroHTTPError as exc:
            if self.is_fatal(exc):
                raise
            self.reject_api(w, exc)
            return
        idx.remove(rid)
        self.confirm(w, Action.DELETE)

    # -- status -----------------------------------------------------------------------------

    def reach_status(self, w: Work, parent: str, held: dict[str, Any],
                     wanted: Any = None, followup: bool = False) -> bool | None:
        """Bring the record to the status its source record asks (a call of its own where
        the API has one). True: moved; False: nothing to do; None: rejected."""
        spec = write_spec(self.ep)
        sf = spec.status_field
        if not sf or not spec.status_calls:
            return False
        wanted = wanted if wanted is not None else (w.payload or {}).get(sf)
        current = str(held.get(sf) or "")
        if not isinstance(wanted, str) or not wanted or wanted.casefold() == current.casefold():
            return False
        if spec.status_call(wanted) is None:
            return False  # a status Xero sets itself (Completed, Processed): left as it is
        rid = str(held.get(self.ep.primary_key[0]) or "")
        if not is_guid(rid):
            self.reject(w, ["Xero's record carries no id GUID: status not set"])
            return None
        ok = self._status(w, f"{self.url(parent)}/{rid}", wanted, held, followup)
        return True if ok else None

    def _status(self, w: Work, base: str, status: str, held: dict[str, Any],
                followup: bool = False) -> bool:
        spec = write_spec(self.ep)
        call = spec.status_call(status)
        if call is None:
            self.reject(w, [f"{spec.status_field}: Xero has no call that sets {status}"])
            return False
        try:
            if call.sub:
                self.call(call.method, f"{base}/{call.sub}", f"status {status}", [w])
            else:
                self.call(call.method, base, f"status {status}", [w],
                          json={spec.status_field: call.status})
        except XeroHTTPError as exc:
            if self.is_fatal(exc):
                raise
            self.reject_api(w, exc, followup)
            return False
        held[spec.status_field] = call.status
        return True
