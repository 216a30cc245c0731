"""contacts_history, items_history and payments_history: what the sandbox holds, per parent.

Beyond invoices (tests/tap/test_reports_children.py, tests/target/test_history_copy.py): for
each of contacts, items and payments, the tap's `<stream>_history` records are exactly the
notes the sandbox answers on `/{Endpoint}/{id}/History` (parent id and `_tenant_id` set,
dates as ISO date-times); an incremental run reads the history of changed parents only (one
call each); and notes round-trip through target-xero: contacts and items into the second
organisation by natural key (Name, Code), payments (no natural key: by PaymentID only) within
one organisation.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.tap.conftest import admin_records, api_calls, org_config, run_tap
from tests.target.conftest import record_msg, run_target, schema_msg, target_config
from xero_core.dates import parse_datetime, to_iso
from xero_core.http import XeroClient
from xero_sandbox.backend.seed_history import NOTED_PER_TYPE

API = "/api.xro/2.0"


@dataclass(frozen=True)
class Kind:
    stream: str  # parent stream
    path: str  # its URL path
    pk: str  # its id field
    natural: str | None  # the natural key target-xero matches on across organisations
    # a change to one parent through the API (so the incremental run reads it again)
    edit: Callable[[XeroClient, str, dict[str, Any]], None]

    @property
    def history(self) -> str:
        return f"{self.stream}_history"


def _edit_contact(client: XeroClient, tenant: str, rec: dict[str, Any]) -> None:
    client.request("POST", f"{API}/Contacts/{rec['ContactID']}", tenant_id=tenant,
                   json={"Contacts": [{"ContactID": rec["ContactID"],
                                       "EmailAddress": "history.test@example.com"}]})


def _edit_item(client: XeroClient, tenant: str, rec: dict[str, Any]) -> None:
    client.request("POST", f"{API}/Items/{rec['ItemID']}", tenant_id=tenant,
                   json={"Items": [{"ItemID": rec["ItemID"], "Code": rec["Code"],
                                    "Description": "history test"}]})


def _edit_payment(client: XeroClient, tenant: str, rec: dict[str, Any]) -> None:
    # A payment cannot be edited, only deleted (Status DELETED): Xero's only change to one.
    client.request("POST", f"{API}/Payments/{rec['PaymentID']}", tenant_id=tenant,
                   json={"Payments": [{"PaymentID": rec["PaymentID"], "Status": "DELETED"}]})


KINDS = [
    Kind("contacts", "/Contacts", "ContactID", "Name", _edit_contact),
    Kind("items", "/Items", "ItemID", "Code", _edit_item),
    Kind("payments", "/Payments", "PaymentID", None, _edit_payment),
]
BY_NAME = {k.stream: k for k in KINDS}
NATURAL = [k for k in KINDS if k.natural]


def _client(sandbox: Any, index: int) -> tuple[XeroClient, str]:
    org = sandbox.orgs[index]
    return XeroClient.from_config(org["settings"]), org["tenant_id"]


def _held_history(sandbox: Any, index: int, kind: Kind, rid: str) -> list[dict[str, Any]]:
    """The parent's history as the sandbox answers it (Xero's `/Date(ms)/` dates)."""
    client, tenant = _client(sandbox, index)
    sandbox.set_limits(False)  # the test's own reads spend none of the tap's rate limit
    try:
        body = client.get_json(f"{API}{kind.path}/{rid}/History", tenant_id=tenant)
    finally:
        sandbox.set_limits(True)
    return list(body["HistoryRecords"])


def _as_tap_emits(note: dict[str, Any], kind: Kind, rid: str, tenant: str) -> dict[str, Any]:
    """A held note the way the tap must emit it: ISO UTC dates, parent id and tenant added."""
    out = {**note, kind.pk: rid, "_tenant_id": tenant,
           "DateUTC": to_iso(parse_datetime(note["DateUTC"]))}
    if note.get("DateUTCString"):
        out["DateUTCString"] = to_iso(parse_datetime(note["DateUTCString"]))
    return out


def _by_parent(records: list[dict[str, Any]], pk: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        out[r[pk]].append(r)
    return dict(out)


def _history_calls(sandbox: Any, kind: Kind) -> list[str]:
    """Parent ids of the logged `GET /{Endpoint}/{id}/History` calls (in order)."""
    return [c["path"].split("/")[4] for c in api_calls(sandbox, f"{kind.path}/")
            if c["path"].endswith("/History") and c["method"] == "GET"]


def _config(sandbox: Any, index: int = 0) -> dict[str, Any]:
    return org_config(sandbox, index, include_history=True)


# --- a full run: exactly the held history, per parent ----------------------------------------

@pytest.mark.parametrize("kind", KINDS, ids=[k.stream for k in KINDS])
def test_history_is_exactly_what_the_sandbox_holds_per_parent(clean_sandbox: Any,
                                                               kind: Kind) -> None:
    sandbox = clean_sandbox
    tenant = sandbox.orgs[0]["tenant_id"]
    run = run_tap(sandbox, _config(sandbox), [kind.stream, kind.history])
    parents = run.ids(kind.stream, kind.pk)
    held_ids = {str(r[kind.pk]) for r in admin_records(sandbox, tenant, kind.stream)}
    assert set(parents) == held_ids and len(parents) == len(held_ids)
    # One History call per emitted parent, and for no other record.
    assert Counter(_history_calls(sandbox, kind)) == Counter(parents)

    records = run.records[kind.history]
    assert all(r["_tenant_id"] == tenant for r in records)
    emitted = _by_parent(records, kind.pk)
    expected = {}
    for rid in parents:
        notes = _held_history(sandbox, 0, kind, rid)
        if notes:
            expected[rid] = [_as_tap_emits(n, kind, rid, tenant) for n in notes]
    assert len(expected) >= NOTED_PER_TYPE, f"the seed notes {NOTED_PER_TYPE} {kind.stream}"
    assert emitted == expected
    for rec in records:  # ISO 8601 date-times with a zone, not Xero's /Date(ms)/
        assert parse_datetime(rec["DateUTC"]).utcoffset() is not None
        assert not rec["DateUTC"].startswith("/Date(") and "T" in rec["DateUTC"]


# --- incremental: only the changed parent's history ------------------------------------------

@pytest.mark.parametrize("kind", KINDS, ids=[k.stream for k in KINDS])
def test_incremental_run_reads_history_of_the_changed_parent_only(clean_sandbox: Any,
                                                                  kind: Kind) -> None:
    sandbox = clean_sandbox
    client, tenant = _client(sandbox, 0)
    config = _config(sandbox)
    streams = [kind.stream, kind.history]
    first = run_tap(sandbox, config, streams)
    parents = first.ids(kind.stream, kind.pk)
    bookmark = max(parse_datetime(r["UpdatedDateUTC"]) for r in first.records[kind.stream])

    held = admin_records(sandbox, tenant, kind.stream)
    if kind.stream == "payments":  # one that can still be deleted
        held = [p for p in held if p.get("Status") != "DELETED"]
    changed = held[len(held) // 2]  # not the first: the seed's notes are on the first
    rid = changed[kind.pk]
    sandbox.advance_clock(60)
    kind.edit(client, tenant, changed)
    note = f"incremental {kind.stream} note"
    client.request("PUT", f"{API}{kind.path}/{rid}/History", tenant_id=tenant,
                   json={"HistoryRecords": [{"Details": note}]})
    sandbox.clear_requests()

    second = run_tap(sandbox, config, streams, state=first.state)
    emitted = second.ids(kind.stream, kind.pk)
    assert rid in emitted and len(emitted) < len(parents)
    # Any other parent emitted again is one the first run ended on: If-Modified-Since has
    # whole seconds, so the bookmark's own second is read again. Nothing older.
    for rec in second.records[kind.stream]:
        if rec[kind.pk] != rid:
            assert parse_datetime(rec["UpdatedDateUTC"]).replace(microsecond=0) == (
                bookmark.replace(microsecond=0)), rec[kind.pk]
    # One History call per emitted parent: the changed one, once.
    calls = _history_calls(sandbox, kind)
    assert Counter(calls) == Counter(emitted) and calls.count(rid) == 1
    history = _by_parent(second.records[kind.history], kind.pk)
    assert set(history) <= set(emitted)
    assert history[rid] == [_as_tap_emits(n, kind, rid, tenant)
                            for n in _held_history(sandbox, 0, kind, rid)]
    notes = [h for h in history[rid] if h["Changes"] == "Note"]
    assert [h["Details"] for h in notes] == [note]


# --- round trip through target-xero ----------------------------------------------------------

def _history_input(kind: Kind, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [schema_msg(kind.history), *(record_msg(kind.history, r) for r in records)]


def _notes_on(sandbox: Any, index: int, kind: Kind, rid: str) -> list[str]:
    return [n["Details"] for n in _held_history(sandbox, index, kind, rid)
            if n["Changes"] == "Note"]


def _puts(sandbox: Any, kind: Kind) -> list[str]:
    return [c["path"].split("/")[4] for c in api_calls(sandbox, f"{kind.path}/")
            if c["path"].endswith("/History") and c["method"] == "PUT"]


@pytest.mark.parametrize("kind", NATURAL, ids=[k.stream for k in NATURAL])
def test_notes_copied_to_the_other_organisation_by_natural_key(clean_sandbox: Any,
                                                               tmp_path: Path,
                                                               kind: Kind) -> None:
    sandbox = clean_sandbox
    assert kind.natural is not None
    client, tenant = _client(sandbox, 0)
    source = {r[kind.natural]: r for r in admin_records(sandbox, tenant, kind.stream)}
    dest = {r[kind.natural]: r for r in admin_records(
        sandbox, sandbox.orgs[1]["tenant_id"], kind.stream)}
    shared = sorted(set(source) & set(dest))
    assert len(shared) >= 2, f"the two organisations share {kind.natural}s of {kind.stream}"
    # Users wrote notes on two of organisation 0's records (one of them twice).
    written = {shared[0]: ["first note", "second note"], shared[-1]: ["another note"]}
    for key, details in written.items():
        client.request("PUT", f"{API}{kind.path}/{source[key][kind.pk]}/History",
                       tenant_id=tenant,
                       json={"HistoryRecords": [{"Details": d} for d in details]})

    run = run_tap(sandbox, _config(sandbox), [kind.stream, kind.history])
    names = {r[kind.pk]: r[kind.natural] for r in run.records[kind.stream]}
    # Org 0's ids mean nothing in org 1: the pipe adds the parent's natural key (a join the
    # tap cannot do), and the target falls back to it.
    records = [{**h, kind.natural: names[h[kind.pk]]} for h in run.records[kind.history]]
    user = [r for r in records if r["Changes"] == "Note"]
    assert sorted(r["Details"] for r in user) == sorted(d for ds in written.values()
                                                         for d in ds)
    before = {key: _notes_on(sandbox, 1, kind, dest[key][kind.pk]) for key in written}

    cfg = target_config(sandbox, tmp_path, 1)
    sandbox.clear_requests()
    first = run_target(cfg, _history_input(kind, records))
    assert first.rejects == [], first.rejects[:3]
    assert first.summary[kind.history] == {"noted": len(user),
                                           "skipped": len(records) - len(user)}
    assert sorted(_puts(sandbox, kind)) == sorted(dest[key][kind.pk] for key in written)
    for key, details in written.items():
        assert _notes_on(sandbox, 1, kind, dest[key][kind.pk]) == before[key] + details
    # Organisation 0 is untouched by the write.
    for key, details in written.items():
        assert _notes_on(sandbox, 0, kind, source[key][kind.pk]) == details

    # The next incremental copy sends the same history again: nothing is added.
    sandbox.clear_requests()
    second = run_target(cfg, _history_input(kind, records))
    assert second.rejects == [], second.rejects[:3]
    assert second.summary[kind.history] == {"skipped": len(records)}
    assert _puts(sandbox, kind) == []
    for key, details in written.items():
        assert _notes_on(sandbox, 1, kind, dest[key][kind.pk]) == before[key] + details


def test_payment_notes_by_payment_id_land_once_within_one_organisation(
        clean_sandbox: Any, tmp_path: Path) -> None:
    """Payments have no natural key: their notes go by PaymentID, so within one organisation."""
    sandbox = clean_sandbox
    kind = BY_NAME["payments"]
    tenant = sandbox.orgs[0]["tenant_id"]
    payments = admin_records(sandbox, tenant, "payments")
    one, two = payments[0]["PaymentID"], payments[-1]["PaymentID"]
    before = {rid: _held_history(sandbox, 0, kind, rid) for rid in (one, two)}
    notes = [{"PaymentID": one, "Changes": "Note", "Details": "Matched to the remittance"},
             {"PaymentID": two, "Details": "Customer paid by card"},  # only Details
             {"PaymentID": one, "Changes": "Created", "Details": "Xero's own entry"}]
    cfg = target_config(sandbox, tmp_path, 0)
    sandbox.clear_requests()
    first = run_target(cfg, _history_input(kind, notes))
    assert first.rejects == [], first.rejects[:3]
    assert first.summary["payments_history"] == {"noted": 2, "skipped": 1}
    assert sorted(_puts(sandbox, kind)) == sorted([one, two])
    assert _notes_on(sandbox, 0, kind, one) == ["Matched to the remittance"]
    assert _notes_on(sandbox, 0, kind, two) == ["Customer paid by card"]
    for rid in (one, two):
        assert len(_held_history(sandbox, 0, kind, rid)) == len(before[rid]) + 1

    # The tap reads the notes back on their payments; sending its output (the next copy) to
    # the same organisation writes nothing (the notes are there, Xero's entries are not notes).
    run = run_tap(sandbox, _config(sandbox), ["payments", "payments_history"])
    tapped = run.records["payments_history"]
    assert sorted((h["PaymentID"], h["Details"]) for h in tapped if h["Changes"] == "Note") == [
        *sorted([(one, "Matched to the remittance"), (two, "Customer paid by card")])]
    sandbox.clear_requests()
    second = run_target(cfg, _history_input(kind, tapped))
    assert second.rejects == [], second.rejects[:3]
    assert second.summary["payments_history"] == {"skipped": len(tapped)}
    assert _puts(sandbox, kind) == []
    assert _notes_on(sandbox, 0, kind, one) == ["Matched to the remittance"]
    assert _notes_on(sandbox, 0, kind, two) == ["Customer paid by card"]


def test_payment_notes_do_not_cross_organisations(clean_sandbox: Any, tmp_path: Path) -> None:
    """Organisation 0's PaymentID names no payment in organisation 1: rejected, not written."""
    sandbox = clean_sandbox
    kind = BY_NAME["payments"]
    rid = admin_records(sandbox, sandbox.orgs[0]["tenant_id"], "payments")[0]["PaymentID"]
    other = {p["PaymentID"] for p in admin_records(sandbox, sandbox.orgs[1]["tenant_id"],
                                                   "payments")}
    assert rid not in other
    sandbox.clear_requests()
    res = run_target(target_config(sandbox, tmp_path, 1), _history_input(
        kind, [{"PaymentID": rid, "Changes": "Note", "Details": "from the other org"}]))
    assert res.count("payments_history", "noted") == 0
    assert len(res.rejects) == 1 and rid in str(res.rejects[0])
    assert _puts(sandbox, kind) == []
