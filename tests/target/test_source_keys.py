"""Source keys: every resource the target writes, re-sent, grown, re-ordered, from an empty disk.

Each resource gets its own source stream (`src_<resource>`, key `sid`) mapped onto it. Run 1
sends k1 and k2; run 2 sends k2 changed, k1, and a new k3; run 3 sends run 2 again from an
empty working directory and an empty HOME. Xero must then hold exactly one record per source
key, with the last content where Xero lets a record be updated, and run 3 must write nothing.
Two distinct source records with identical content are two Xero records (or, where Xero's own
unique key makes that impossible, the second is rejected, never merged into the first).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.target.conftest import (
    OPEN_SCHEMA,
    api_calls,
    held,
    record_msg,
    run_target,
    schema_msg,
    target_config,
)
from xero_core.endpoints import BY_STREAM

Factory = Callable[[dict[str, Any], str, str], dict[str, Any]]


def _lines(v: str) -> list[dict[str, Any]]:
    return [{"Description": f"Work {v}", "Quantity": 1, "UnitAmount": _amt(v),
             "AccountCode": "200"}]


def _amt(v: str) -> Decimal:
    return {"a": Decimal("10.50"), "b": Decimal("12.25")}[v]


def _doc(**kw: Any) -> Factory:
    def make(ctx: dict[str, Any], key: str, v: str) -> dict[str, Any]:
        return {"Contact": {"Name": ctx["contact"]}, "Date": "2026-02-01",
                "LineItems": _lines(v), **kw}
    return make


@dataclass(frozen=True)
class Case:
    resource: str
    make: Factory
    probe: Callable[[dict[str, Any]], Any]  # what run 2's change changes, as Xero holds it
    updates: bool = True  # Xero lets the record be updated (else the change is not applied)
    twins: bool = True  # two source records with identical content can both exist in Xero
    label: str = ""  # the case's name when one resource has several
    identity: str = ""  # the field holding the token, when not the resource's default

    @property
    def name(self) -> str:
        return self.label or self.resource

    @property
    def field(self) -> str:
        return self.identity or str(BY_STREAM[self.resource].identity_field)


def _line_desc(rec: dict[str, Any]) -> Any:
    return rec["LineItems"][0]["Description"]


CASES = [
    Case("bank_transactions", lambda c, k, v: {
        "Type": "RECEIVE", "Contact": {"Name": c["contact"]}, "BankAccount": {"Code": "090"},
        "Date": "2026-02-01", "LineItems": _lines(v)}, _line_desc),
    Case("invoices", _doc(Type="ACCREC", DueDate="2026-03-01", Status="DRAFT"), _line_desc),
    Case("credit_notes", _doc(Type="ACCRECCREDIT", Status="DRAFT"), _line_desc),
    # Xero ignores Reference on bills and supplier credit notes: their number holds the token.
    Case("invoices", _doc(Type="ACCPAY", DueDate="2026-03-01", Status="DRAFT",
                          InvoiceNumber="SUP-1001"), _line_desc, label="bills",
         identity="InvoiceNumber"),
    Case("credit_notes", _doc(Type="ACCPAYCREDIT", Status="DRAFT"), _line_desc,
         label="supplier_credit_notes", identity="CreditNoteNumber"),
    Case("quotes", _doc(Status="DRAFT"), _line_desc),
    Case("purchase_orders", _doc(Status="DRAFT"), _line_desc),
    Case("repeating_invoices", _doc(Type="ACCREC", Status="DRAFT", Schedule={
        "Period": 1, "Unit": "MONTHLY", "DueDate": 20, "DueDateType": "OFFOLLOWINGMONTH",
        "StartDate": "2027-01-01"}), _line_desc),
    Case("manual_journals", lambda c, k, v: {
        "Narration": "Accrual", "Date": "2026-02-01", "Status": "DRAFT",
        "JournalLines": [{"LineAmount": _amt(v), "AccountCode": "400", "Description": v},
                         {"LineAmount": -_amt(v), "AccountCode": "800", "Description": v}]},
         lambda r: r["JournalLines"][0]["Description"]),
    Case("bank_transfers", lambda c, k, v: {
        "FromBankAccount": {"Code": "090"}, "ToBankAccount": {"Code": "091"},
        "Amount": _amt(v), "Date": "2026-02-01"}, lambda r: r["Amount"], updates=False),
    Case("payments", lambda c, k, v: {
        "Invoice": {"InvoiceID": c["invoice"]}, "Account": {"Code": "090"},
        "Date": "2026-02-01", "Amount": _amt(v) / 10}, lambda r: r["Amount"], updates=False),
    Case("batch_payments", lambda c, k, v: {
        "Account": {"Code": "090"}, "Date": "2026-02-01",
        "Payments": [{"Invoice": {"InvoiceID": c["bill"]}, "Amount": _amt(v) / 10}]},
         lambda r: r["Payments"][0]["Amount"], updates=False),
    # Twins (keys t1, t2) share one Name, which Xero keeps unique.
    Case("contacts", lambda c, k, v: {"Name": f"Source contact {'twin' if k[0] == 't' else k}",
                                      "EmailAddress": f"{v}@example.test"},
         lambda r: r["EmailAddress"], twins=False),
]
IDS = [c.name for c in CASES]


@pytest.fixture
def ctx(clean_sandbox) -> Any:
    """The sandbox with limits off for the test, and the ids the records point at."""
    sandbox = clean_sandbox
    sandbox.set_limits(False)
    invoices = held(sandbox, 0, "invoices")

    def open_doc(kind: str) -> str:
        return next(str(i["InvoiceID"]) for i in invoices if i["Type"] == kind
                    and i["Status"] == "AUTHORISED" and Decimal(str(i["AmountDue"])) > 20)

    contact = next(c["Name"] for c in held(sandbox, 0, "contacts")
                   if c.get("ContactStatus") == "ACTIVE")
    yield sandbox, {"contact": contact, "invoice": open_doc("ACCREC"), "bill": open_doc("ACCPAY")}
    sandbox.set_limits(True)


def _send(sandbox: Any, tmp: Path, case: Case, ctx: dict[str, Any],
          rows: list[tuple[str, str]], **config: Any) -> Any:
    stream = f"src_{case.name}"
    cfg = target_config(sandbox, tmp, stream_endpoints={stream: case.resource},
                        results_path=str(tmp / "results.jsonl"), **config)
    messages = [schema_msg(stream, OPEN_SCHEMA, ["sid"])]
    messages += [record_msg(stream, {"sid": key, **case.make(ctx, key, v)}) for key, v in rows]
    return run_target(cfg, messages)


def _by_key(sandbox: Any, case: Case) -> dict[str, list[dict[str, Any]]]:
    """Xero's records of the case's source stream, by the source key their token names."""
    field = case.field
    prefix = f"[src_{case.name}:"
    out: dict[str, list[dict[str, Any]]] = {}
    for rec in held(sandbox, 0, case.resource):
        value = str(rec.get(field) or "")
        if value.startswith(prefix) and str(rec.get("Status", "")).upper() != "DELETED":
            out.setdefault(value[len(prefix):value.index("]")], []).append(rec)
    return out


def _writes(sandbox: Any) -> int:
    return len([c for c in api_calls(sandbox) if c["method"] in ("PUT", "POST", "DELETE")])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_resend_grow_reorder_and_empty_disk_write_each_source_record_once(
        ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: Case) -> None:
    sandbox, refs = ctx
    first = _send(sandbox, tmp_path, case, refs, [("k1", "a"), ("k2", "a")])
    assert first.rejects == [] and first.count(f"src_{case.name}", "created") == 2
    second = _send(sandbox, tmp_path, case, refs, [("k2", "b"), ("k1", "a"), ("k3", "a")])
    stream = f"src_{case.name}"
    assert second.count(stream, "created") == 1
    if case.updates:
        assert second.rejects == []
        assert second.count(stream, "updated") == 1 and second.count(stream, "skipped") == 1
    held_now = _by_key(sandbox, case)
    assert {k: len(v) for k, v in held_now.items()} == {"k1": 1, "k2": 1, "k3": 1}
    if case.updates:
        assert str(case.probe(held_now["k2"][0])) == str(case.probe(case.make(refs, "k2", "b")))

    # Run 3: nothing local survives (new working directory, empty HOME): Xero alone says
    # what was written, so nothing is written again.
    empty = tmp_path / "elsewhere"
    (empty / "home").mkdir(parents=True)
    monkeypatch.chdir(empty)
    monkeypatch.setenv("HOME", str(empty / "home"))
    sandbox.clear_requests()
    third = _send(sandbox, empty, case, refs, [("k1", "a"), ("k3", "a"), ("k2", "b")])
    assert _writes(sandbox) == 0, api_calls(sandbox)
    assert third.count(stream, "created") == 0 and third.count(stream, "updated") == 0
    assert {k: len(v) for k, v in _by_key(sandbox, case).items()} == {"k1": 1, "k2": 1, "k3": 1}
    results = [json.loads(x) for x in (empty / "results.jsonl").read_text().splitlines()]
    ids = {k: v[0][BY_STREAM[case.resource].primary_key[0]] for k, v in held_now.items()}
    assert {(r["source_key"], r["xero_id"]) for r in results} == set(ids.items())
    if case.updates:
        assert {r["action"] for r in results} == {"unchanged"}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_two_source_records_with_identical_content_are_never_merged(
        ctx, tmp_path: Path, case: Case) -> None:
    sandbox, refs = ctx
    result = _send(sandbox, tmp_path, case, refs, [("t1", "a"), ("t2", "a")])
    again = _send(sandbox, tmp_path, case, refs, [("t2", "a"), ("t1", "a")])
    counts = {k: len(v) for k, v in _by_key(sandbox, case).items()}
    if case.twins:
        assert counts == {"t1": 1, "t2": 1}
        assert result.rejects == [] and again.count(f"src_{case.name}", "created") == 0
    else:  # Xero keeps the Name unique: the second source record is refused, not merged
        assert counts == {"t1": 1}
        assert len(result.rejects) == 1 and "t2" in json.dumps(result.rejects[0]["record"])


def test_renamed_contact_and_renumbered_invoice_are_updated_through_their_source_key(
        ctx, tmp_path: Path) -> None:
    sandbox, refs = ctx
    contact = next(c for c in CASES if c.resource == "contacts")
    _send(sandbox, tmp_path, contact, refs, [("c1", "a")])
    renamed = {"sid": "c1", "Name": "Renamed at the source"}
    cfg = target_config(sandbox, tmp_path, stream_endpoints={"src_contacts": "contacts"})
    run_target(cfg, [schema_msg("src_contacts", OPEN_SCHEMA, ["sid"]),
                     record_msg("src_contacts", renamed)])
    assert [r["Name"] for r in _by_key(sandbox, contact)["c1"]] == ["Renamed at the source"]

    invoice = next(c for c in CASES if c.resource == "invoices")
    cfg = target_config(sandbox, tmp_path, stream_endpoints={"src_invoices": "invoices"})
    for number in ("SRC-100", "SRC-100-B"):
        rec = {"sid": "i1", "InvoiceNumber": number, **invoice.make(refs, "i1", "a")}
        run_target(cfg, [schema_msg("src_invoices", OPEN_SCHEMA, ["sid"]),
                         record_msg("src_invoices", rec)])
    assert [r["InvoiceNumber"] for r in _by_key(sandbox, invoice)["i1"]] == ["SRC-100-B"]


NATURAL = {  # resources Xero identifies by a unique key of its own: no identity field
    "accounts": (lambda k, v: {"Code": f"S{k[-1]}", "Name": f"Source {k}", "Type": "EXPENSE",
                               "Description": v}, "Code"),
    "items": (lambda k, v: {"Code": f"SRC-{k}", "Name": f"Source {k}", "Description": v},
              "Code"),
    "contact_groups": (lambda k, v: {"Name": f"Source {k}"}, "Name"),
    "tax_rates": (lambda k, v: {"Name": f"Source {k}", "TaxComponents": [
        {"Name": "Tax", "Rate": 10 if v == "a" else 12}]}, "Name"),
}


@pytest.mark.parametrize("resource", sorted(NATURAL))
def test_natural_key_resources_resend_and_twins(ctx, tmp_path: Path, resource: str) -> None:
    sandbox, _ = ctx
    make, nat = NATURAL[resource]
    stream = f"src_{resource}"
    cfg = target_config(sandbox, tmp_path, stream_endpoints={stream: resource})

    def send(rows: list[tuple[str, str]]) -> Any:
        return run_target(cfg, [schema_msg(stream, OPEN_SCHEMA, ["sid"]),
                                *(record_msg(stream, {"sid": k, **make(k, v)})
                                  for k, v in rows)])

    before = len(held(sandbox, 0, resource))
    send([("k1", "a"), ("k2", "a")])
    send([("k2", "b"), ("k1", "a"), ("k3", "a")])
    sandbox.clear_requests()
    send([("k3", "a"), ("k2", "b"), ("k1", "a")])
    assert _writes(sandbox) == 0
    names = [str(r.get(nat)) for r in held(sandbox, 0, resource)]
    assert len(names) == before + 3 and len(set(names)) == len(names)
    # Two source keys naming one Code / Name in one run: the second is refused, not merged.
    twin = run_target(cfg, [schema_msg(stream, OPEN_SCHEMA, ["sid"]),
                            record_msg(stream, {"sid": "k1", **make("k1", "a")}),
                            record_msg(stream, {"sid": "z9", **make("k1", "a")})])
    assert len(twin.rejects) == 1 and "not merged" in twin.rejects[0]["reasons"][0]


def test_a_removal_finds_its_record_by_source_key(ctx, tmp_path: Path) -> None:
    sandbox, refs = ctx
    case = CASES[0]  # bank transactions
    _send(sandbox, tmp_path, case, refs, [("d1", "a"), ("d2", "a")])
    ids = {k: v[0]["BankTransactionID"] for k, v in _by_key(sandbox, case).items()}
    gone = {"sid": "d1", **case.make(refs, "d1", "a"), "_sdc_deleted_at": "2026-02-02T00:00:00Z"}
    cfg = target_config(sandbox, tmp_path, stream_endpoints={"src_bank_transactions":
                                                             "bank_transactions"},
                        results_path=str(tmp_path / "removal.jsonl"))
    result = run_target(cfg, [schema_msg("src_bank_transactions", OPEN_SCHEMA, ["sid"]),
                              record_msg("src_bank_transactions", gone)])
    assert result.count("src_bank_transactions", "deleted") == 1
    status = {r["BankTransactionID"]: r["Status"] for r in held(sandbox, 0, "bank_transactions")}
    assert status[ids["d1"]] == "DELETED" and status[ids["d2"]] == "AUTHORISED"
    line = json.loads((tmp_path / "removal.jsonl").read_text())
    assert (line["source_key"], line["xero_id"], line["action"]) == ("d1", ids["d1"], "deleted")


def test_tracking_categories_currencies_and_linked_transactions_once(
        ctx, tmp_path: Path) -> None:
    """The rest of what the target writes: identified by Name, Code and SourceLineItemID."""
    sandbox, _ = ctx
    cfg = target_config(sandbox, tmp_path)
    # Xero allows two active tracking categories: archive the demo's two first.
    run_target(cfg, [schema_msg("tracking_categories", OPEN_SCHEMA),
                     *(record_msg("tracking_categories", {"Name": n, "Status": "ARCHIVED"})
                       for n in ("Region", "Division"))])
    linked = {str(x["SourceLineItemID"]) for x in held(sandbox, 0, "linked_transactions")}
    lines = [(str(b["InvoiceID"]), str(li["LineItemID"])) for b in held(sandbox, 0, "invoices")
             if b["Type"] == "ACCPAY" and b["Status"] == "AUTHORISED"
             for li in b["LineItems"] if str(li["LineItemID"]) not in linked][:3]
    assert len(lines) == 3
    makers: dict[str, Callable[[int, str], dict[str, Any]]] = {
        # Two new (Xero's limit of active categories); k2 adopts the archived demo "Region".
        "tracking_categories": lambda n, v: {"Name": ("Source 0", "Source 1", "Region")[n]},
        "currencies": lambda n, v: {"Code": ("JPY", "CHF", "SEK")[n]},
        "linked_transactions": lambda n, v: {"SourceTransactionID": lines[n][0],
                                             "SourceLineItemID": lines[n][1]},
    }
    natural = {"tracking_categories": "Name", "currencies": "Code",
               "linked_transactions": "SourceLineItemID"}
    for resource, make in makers.items():
        stream = f"src_{resource}"
        cfg = target_config(sandbox, tmp_path, stream_endpoints={stream: resource})

        def send(rows: list[tuple[int, str]], make: Any = make, stream: str = stream,
                 cfg: dict[str, Any] = cfg) -> Any:
            return run_target(cfg, [schema_msg(stream, OPEN_SCHEMA, ["sid"]),
                                    *(record_msg(stream, {"sid": f"k{n}", **make(n, v)})
                                      for n, v in rows)])

        before = len(held(sandbox, 0, resource))
        first = send([(0, "a"), (1, "a")])
        assert first.rejects == [], first.rejects
        send([(1, "b"), (0, "a"), (2, "a")])
        sandbox.clear_requests()
        third = send([(2, "a"), (0, "a"), (1, "b")])
        assert _writes(sandbox) == 0 and third.rejects == [], (resource, third.rejects)
        keys = [str(r.get(natural[resource])) for r in held(sandbox, 0, resource)]
        new = 2 if resource == "tracking_categories" else 3
        assert len(keys) == before + new and len(set(keys)) == len(keys), resource


def test_identity_cache_saves_calls_and_never_decides_alone(ctx, tmp_path: Path) -> None:
    """With `identity_cache_path` an unchanged re-run makes no call at all; a changed record
    still goes to Xero; without the file the next run asks Xero and writes nothing twice."""
    sandbox, refs = ctx
    case = CASES[0]  # bank transactions
    cache = tmp_path / "cache" / "identity.sqlite"
    rows = [(f"c{n}", "a") for n in range(5)]
    _send(sandbox, tmp_path, case, refs, rows, identity_cache_path=str(cache))
    sandbox.clear_requests()
    again = _send(sandbox, tmp_path, case, refs, rows[::-1], identity_cache_path=str(cache))
    assert api_calls(sandbox) == [] and again.count("src_bank_transactions", "skipped") == 5
    sandbox.clear_requests()
    changed = _send(sandbox, tmp_path, case, refs, [("c1", "b"), *rows[2:]],
                    identity_cache_path=str(cache))
    assert changed.count("src_bank_transactions", "updated") == 1
    assert [c["method"] for c in api_calls(sandbox)].count("POST") == 1
    cache.unlink()
    sandbox.clear_requests()
    fresh = _send(sandbox, tmp_path, case, refs, [("c1", "b"), *rows[2:], ("c0", "a")],
                  identity_cache_path=str(cache))
    assert _writes(sandbox) == 0 and fresh.count("src_bank_transactions", "skipped") == 5
    assert {k: len(v) for k, v in _by_key(sandbox, case).items()} == {
        f"c{n}": 1 for n in range(5)}
    held_c1 = _by_key(sandbox, case)["c1"][0]
    assert _line_desc(held_c1) == "Work b"
