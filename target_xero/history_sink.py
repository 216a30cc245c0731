"""The history sink: notes onto their parent records (PUT /{resource}/{id}/History), user notes
only and none the parent already has."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from target_xero.actions import Action, Decision
from target_xero.sink_base import XeroSink
from target_xero.work import Work
from target_xero.write_checks import check_path_id, is_fatal
from xero_core.endpoints import MAX_HISTORY_DETAILS
from xero_core.errors import XeroHTTPError


class HistorySink(XeroSink):
    """Writes a `<stream>_history` stream's notes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._history_seen: dict[str, Counter[str]] = {}  # parent id -> its notes' Details

    def write(self, works: list[Work]) -> None:
        """Notes onto their parents: user notes only, and none the parent already has.

        A tap re-sends a changed record's whole history, Xero's own entries (Created,
        Approved, ...) included: those are skipped (Xero writes its own in the target), and a
        note whose Details the parent's `/History` already holds (read once per parent and
        run) is skipped too, so copying again adds nothing.
        """
        checked: list[Work] = []
        for w in works:
            details = w.raw.get("Details")
            if not is_user_note(w.raw):
                w.decision = Decision(Action.SKIP)
                self.logger.info("%s: skipped Xero's own history entry %r (only notes are "
                                 "written)", self.stream_name, w.raw.get("Changes"))
                self.confirm(w, Action.SKIP)
            elif not isinstance(details, str) or not details.strip():
                self.reject(w, ["Details: a history note needs non-empty Details"], Action.NOTE)
            elif len(details) > MAX_HISTORY_DETAILS:
                self.reject(w, [f"Details: {len(details)} characters; Xero takes at most "
                                f"{MAX_HISTORY_DETAILS}"], Action.NOTE)
            else:
                checked.append(w)
        by_parent: dict[str, list[Work]] = {}
        for w, rid in self.parents(checked):
            by_parent.setdefault(rid, []).append(w)
        for rid, group in by_parent.items():
            for w in group:
                w.decision = Decision(Action.NOTE)
            try:
                present = self._history_present(rid)
            except XeroHTTPError as exc:
                if is_fatal(exc):
                    raise
                for w in group:
                    self.reject(w, [f"could not read the {self.ep.stream} record's history "
                                    f"(to not write a note twice): {exc.message or exc}"])
                continue
            todo: list[Work] = []
            for w in group:
                key = _note_key(w.raw["Details"])
                if present[key] > 0:
                    present[key] -= 1  # this one is there already
                    self.logger.info("%s: %s %s already has the note %r", self.stream_name,
                                     self.ep.primary_key[0], rid, w.raw["Details"][:60])
                    self.confirm(w, Action.SKIP)
                else:
                    todo.append(w)
            if not todo:
                continue
            body = {"HistoryRecords": [{"Details": w.raw["Details"]} for w in todo]}
            try:
                self.call("PUT", f"{self.ep.url_path}/{rid}/History", "history", todo,
                           json=body)
            except XeroHTTPError as exc:
                if is_fatal(exc):
                    raise
                for w in todo:
                    self.reject_error(w, exc)
                continue
            for w in todo:
                self.confirm(w, Action.NOTE)

    def _history_present(self, rid: str) -> Counter[str]:
        """The Details the parent's history holds, counted (one GET per parent and run).

        Notes matched against it are taken off as they are skipped; notes written are not
        added, so a later batch of the same copy still writes a note the source has twice.
        """
        present = self._history_seen.get(rid)
        if present is None:
            check_path_id(self.ep, f"{self.ep.url_path}/{rid}/History")
            x = self.context.xero
            body = x.client.get_json(f"{self.ep.url_path}/{rid}/History", tenant_id=x.tenant_id)
            notes = body.get("HistoryRecords") if isinstance(body, dict) else None
            present = Counter(_note_key(n.get("Details")) for n in notes or []
                              if isinstance(n, dict) and isinstance(n.get("Details"), str))
            self._history_seen[rid] = present
        return present


USER_NOTE = "note"  # the `Changes` of a note a user (or an API client) wrote


def is_user_note(record: Mapping[str, Any]) -> bool:
    """A note someone wrote (Changes "Note", or only Details), not an entry Xero made."""
    changes = record.get("Changes")
    return changes in (None, "") or (isinstance(changes, str)
                                      and changes.strip().casefold() == USER_NOTE)


def _note_key(details: Any) -> str:
    return str(details).strip()
