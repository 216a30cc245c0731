"""The generated demo organisations: deterministic, complete and internally consistent."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

import pytest

from xero_core.endpoints import ENDPOINTS
from xero_sandbox.backend import ledger, seed_history
from xero_sandbox.backend.seed import generate
from xero_sandbox.backend.store import Organisation

NOW = 1_780_000_000_000  # 2026-05-28
TWO_YEARS_MS = 2 * 366 * 86_400_000


def D(value: Any) -> Decimal:
    return Decimal(str(value))


def dump(orgs: list[Organisation]) -> str:
    return json.dumps([{
        "tenant": o.tenant_id, "name": o.name,
        "records": {s: [c.records[k] for k in sorted(c.records)] for s, c in o.collections.items()},
        "updated": {s: sorted(c.updated_ms.items()) for s, c in o.collections.items()},
        "history": sorted((f"{k[0]}/{k[1]}", v) for k, v in o.history.items()),
        "attachments": sorted(f"{k[0]}/{k[1]}/{a.file_name}" for k, v in o.attachments.items()
                              for a in v),
    } for o in orgs], sort_keys=True)


@pytest.fixture(scope="module")
def orgs() -> list[Organisation]:
    return generate(seed=42, size=60, orgs=2, now_ms=NOW)


@pytest.fixture(scope="module")
def nz(orgs: list[Organisation]) -> Organisation:
    return orgs[0]


def test_same_seed_gives_identical_data() -> None:
    assert dump(generate(seed=5, size=60, now_ms=NOW)) == dump(generate(seed=5, size=60,
                                                                        now_ms=NOW))


def test_other_seed_gives_other_data() -> None:
    a, b = generate(seed=5, size=60, now_ms=NOW), generate(seed=6, size=60, now_ms=NOW)
    assert a[0].tenant_id != b[0].tenant_id
    assert dump(a) != dump(b)


def test_tenants_and_names(orgs: list[Organisation]) -> None:
    assert [o.name for o in orgs] == ["Demo Company (NZ)", "Demo Company (UK)"]
    assert [o.base_currency for o in orgs] == ["NZD", "GBP"]
    more = generate(seed=1, size=10, orgs=5, now_ms=NOW)
    assert [o.name for o in more][2:] == ["Demo Company (AU)", "Demo Company (US)",
                                          "Demo Company (NZ) 2"]
    assert len({o.tenant_id for o in more}) == 5


def test_every_resource_has_records(nz: Organisation) -> None:
    # Payroll: the NZ organisation's region only, less the rows served from inside their
    # parent (a timesheet's lines); Files and Finance keep no table collections (their tests).
    served = [ep for ep in ENDPOINTS if ep.api not in ("files", "finance")
              and ep.region in (None, "NZ") and not ep.nested_key]
    empty = [ep.stream for ep in served if len(nz.coll(ep.stream)) == 0]
    assert empty == []
    assert not [ep.stream for ep in ENDPOINTS if ep.region in ("AU", "UK")
                and len(nz.coll(ep.stream))]
    assert len(nz.coll("invoices")) == 60
    assert len(nz.coll("organisation")) == 1
    org_rec = next(iter(nz.coll("organisation").records.values()))
    assert org_rec["OrganisationID"] == nz.tenant_id and org_rec["Name"] == nz.name


def test_ids_are_uuid4_shaped(nz: Organisation) -> None:
    import uuid

    for rid in list(nz.coll("invoices").records)[:20]:
        assert uuid.UUID(rid).version == 4


def test_statuses_cover_the_lifecycle(nz: Organisation) -> None:
    statuses = {i["Status"] for i in nz.coll("invoices").records.values()}
    assert {"DRAFT", "AUTHORISED", "PAID", "VOIDED"} <= statuses
    big = generate(seed=42, size=400, orgs=1, now_ms=NOW)[0]
    statuses = {i["Status"] for i in big.coll("invoices").records.values()}
    assert statuses == {"DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED"}
    assert {i["Type"] for i in big.coll("invoices").records.values()} == {"ACCREC", "ACCPAY"}
    assert {c["ContactStatus"] for c in big.coll("contacts").records.values()} == {
        "ACTIVE", "ARCHIVED"}
    assert {a["assetStatus"] for a in big.coll("assets").records.values()} == {
        "Draft", "Registered", "Disposed"}


def test_documents_reference_what_exists(nz: Organisation) -> None:
    contacts = nz.coll("contacts").records
    accounts = {a["Code"]: a for a in nz.coll("accounts").records.values()}
    taxes = nz.coll("tax_rates").records
    items = {i["Code"] for i in nz.coll("items").records.values()}
    options = {o["TrackingOptionID"] for c in nz.coll("tracking_categories").records.values()
               for o in c["Options"]}
    for stream in ("invoices", "credit_notes", "bank_transactions", "purchase_orders", "quotes",
                   "repeating_invoices", "overpayments", "prepayments"):
        for doc in nz.coll(stream).records.values():
            if "Contact" in doc:
                assert doc["Contact"]["ContactID"] in contacts, stream
            for line in doc["LineItems"]:
                assert line["AccountCode"] in accounts, stream
                assert accounts[line["AccountCode"]]["AccountID"] == line["AccountID"]
                assert line["TaxType"] in taxes
                if "ItemCode" in line:
                    assert line["ItemCode"] in items
                for tag in line["Tracking"]:
                    assert tag["TrackingOptionID"] in options


def test_document_totals_add_up(nz: Organisation) -> None:
    for stream in ("invoices", "credit_notes", "bank_transactions", "purchase_orders", "quotes"):
        for doc in nz.coll(stream).records.values():
            if str(doc.get("Type", "")).endswith("-TRANSFER"):
                continue  # the two sides of a bank transfer carry no lines
            lines = sum((D(li["LineAmount"]) for li in doc["LineItems"]), Decimal(0))
            tax = sum((D(li["TaxAmount"]) for li in doc["LineItems"]), Decimal(0))
            assert D(doc["TotalTax"]) == tax
            if doc["LineAmountTypes"].upper() == "INCLUSIVE":
                assert D(doc["Total"]) == lines
            else:
                assert D(doc["Total"]) == lines + tax


def test_payments_match_amount_paid_and_status(nz: Organisation) -> None:
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for p in nz.coll("payments").records.values():
        if p["Status"] == "AUTHORISED":
            paid[p["Invoice"]["InvoiceID"]] += D(p["Amount"])
    assert paid, "the seed has payments"
    for inv in nz.coll("invoices").records.values():
        assert D(inv["AmountPaid"]) == paid[inv["InvoiceID"]]
        assert D(inv["AmountPaid"]) == sum((D(x["Amount"]) for x in inv["Payments"]), Decimal(0))
        if inv["Status"] in ("AUTHORISED", "PAID"):
            assert D(inv["Total"]) == D(inv["AmountPaid"]) + D(inv["AmountCredited"]) + D(
                inv["AmountDue"])
        if inv["Status"] == "PAID":
            assert D(inv["AmountDue"]) == 0 and inv["FullyPaidOnDate"]
        else:
            assert "FullyPaidOnDate" not in inv


def test_credit_note_allocations_match_invoices(nz: Organisation) -> None:
    big = generate(seed=9, size=300, orgs=1, now_ms=NOW)[0]
    invoices = big.coll("invoices").records
    allocated = 0
    for cn in big.coll("credit_notes").records.values():
        for alloc in cn["Allocations"]:
            allocated += 1
            inv = invoices[alloc["Invoice"]["InvoiceID"]]
            assert inv["Contact"]["ContactID"] == cn["Contact"]["ContactID"]
            assert any(x["CreditNoteID"] == cn["CreditNoteID"] for x in inv["CreditNotes"])
        if cn["Status"] == "PAID":
            assert D(cn["RemainingCredit"]) == 0
    assert allocated > 0


def test_batch_payments_sum_their_payments(nz: Organisation) -> None:
    big = generate(seed=9, size=300, orgs=1, now_ms=NOW)[0]
    payments = big.coll("payments").records
    assert len(big.coll("batch_payments")) > 0
    for batch in big.coll("batch_payments").records.values():
        total = Decimal(0)
        for p in batch["Payments"]:
            assert payments[p["PaymentID"]]["BatchPaymentID"] == batch["BatchPaymentID"]
            assert payments[p["PaymentID"]]["Date"] == batch["Date"]
            total += D(p["Amount"])
        assert D(batch["TotalAmount"]) == total


def test_journals_balance_and_are_numbered(nz: Organisation) -> None:
    journals = sorted(nz.coll("journals").records.values(), key=lambda j: j["JournalNumber"])
    assert [j["JournalNumber"] for j in journals] == list(range(1, len(journals) + 1))
    created = [ledger.parse_ms(j["CreatedDateUTC"]) for j in journals]
    assert created == sorted(created)
    for j in journals:
        assert sum((D(line["NetAmount"]) for line in j["JournalLines"]), Decimal(0)) == 0


def test_every_posted_document_has_journals(nz: Organisation) -> None:
    sources = {j["SourceID"] for j in nz.coll("journals").records.values()}
    for stream, pk in (("invoices", "InvoiceID"), ("payments", "PaymentID"),
                       ("manual_journals", "ManualJournalID"), ("bank_transfers",
                                                                "BankTransferID")):
        for rec in nz.coll(stream).records.values():
            posted = ledger.is_posted(stream, rec) or rec.get("Status") == "VOIDED" or \
                (stream in ("payments", "bank_transfers") and rec.get("Status") == "DELETED")
            assert (rec[pk] in sources) == posted, (stream, rec.get("Status"))


def test_voided_documents_net_to_zero_in_the_ledger(nz: Organisation) -> None:
    voided = [i for i in nz.coll("invoices").records.values() if i["Status"] == "VOIDED"]
    assert voided
    for inv in voided:
        assert ledger.net_lines(ledger.source_journals(nz, inv["InvoiceID"])) == []


def test_ledger_receivables_match_open_invoices(nz: Organisation) -> None:
    """AR in the ledger = what base-currency customers still owe minus unallocated credit."""
    chart = ledger.Chart.of(nz)
    ar = ledger.balances(nz).to(chart.receivable["AccountID"], NOW)
    due = sum(round(D(i["AmountDue"]) / D(i["CurrencyRate"]) * 100)
              for i in nz.coll("invoices").records.values()
              if i["Type"] == "ACCREC" and i["Status"] == "AUTHORISED")
    credit = sum(round(D(c["RemainingCredit"]) * 100) for c in
                 nz.coll("credit_notes").records.values()
                 if c["Type"] == "ACCRECCREDIT" and c["Status"] == "AUTHORISED")
    over = sum(round(D(o["RemainingCredit"]) * 100) for s in ("overpayments", "prepayments")
               for o in nz.coll(s).records.values() if o["Type"].startswith("RECEIVE"))
    assert abs(ar - (due - credit - over)) <= 2 * len(nz.coll("invoices"))  # fx rounding only


def test_updated_dates_spread_over_two_years(nz: Organisation) -> None:
    updated = list(nz.coll("invoices").updated_ms.values())
    assert max(updated) < NOW
    assert min(updated) > NOW - TWO_YEARS_MS
    assert max(updated) - min(updated) > TWO_YEARS_MS // 2
    for rec in nz.coll("invoices").records.values():
        assert rec["UpdatedDateUTC"] == f"/Date({nz.coll('invoices').updated_ms[rec['InvoiceID']]}"\
                                        "+0000)/"


def test_dates_are_in_xero_formats(nz: Organisation) -> None:
    inv = next(iter(nz.coll("invoices").records.values()))
    assert inv["Date"].startswith("/Date(") and inv["Date"].endswith("+0000)/")
    assert len(inv["DateString"]) == 19 and inv["DateString"].endswith("T00:00:00")
    project = next(iter(nz.coll("projects").records.values()))
    assert project["deadlineUtc"].endswith("Z")
    assert project["estimateAmount"]["currency"] == "NZD"


def test_projects_add_up(nz: Organisation) -> None:
    entries: dict[str, int] = defaultdict(int)
    for e in nz.coll("project_time_entries").records.values():
        entries[e["taskId"]] += e["duration"]
        assert e["taskId"] in nz.coll("project_tasks").records
    for task in nz.coll("project_tasks").records.values():
        assert task["totalMinutes"] == entries[task["taskId"]]
        assert task["projectId"] in nz.coll("projects").records


def test_history_and_attachments_exist(nz: Organisation) -> None:
    assert any(k[0] == "invoices" for k in nz.history)
    attached = [(s, rid) for (s, rid), files in nz.attachments.items() if files]
    assert attached
    for stream, rid in attached:
        rec = nz.coll(stream).records[rid]
        # Quotes carry no HasAttachments in Xero's spec; every other record with files says so
        assert rec.get("HasAttachments", stream == "quotes") is True


def test_every_kind_with_history_or_attachments_has_some(orgs: list[Organisation]) -> None:
    """Each resource whose History / Attachments endpoint exists gets notes / files, and
    its first record is among them (what a reader of "the first record" sees)."""
    for org in orgs:
        noted = {s for s, _ in org.history}
        filed = {s for (s, _), files in org.attachments.items() if files}
        for ep in ENDPOINTS:
            first = str(next(iter(org.coll(ep.stream).records.values()), {}).get(
                ep.primary_key[0] if ep.primary_key else "", ""))
            if ep.has_history:
                assert ep.stream in noted, ep.stream
                assert org.history.get((ep.stream, first)), ep.stream
            else:
                assert ep.stream not in noted, ep.stream
            if ep.has_attachments:
                assert ep.stream in filed, ep.stream
                assert org.attachments.get((ep.stream, first)), ep.stream
            else:
                assert ep.stream not in filed, ep.stream


def test_history_reads_like_xero_and_files_are_real(orgs: list[Organisation]) -> None:
    for org in orgs:
        for (stream, rid), notes in org.history.items():
            assert rid in org.coll(stream).records
            keys = [(n["DateUTC"], n["Changes"]) for n in notes]
            assert len(keys) == len(set(keys)), (stream, rid)  # the tap's history key
            times = [ledger.parse_ms(n["DateUTC"]) for n in notes]
            assert times == sorted(times) and times[-1] < NOW
            for n in notes:
                assert set(n) == {"Changes", "DateUTC", "DateUTCString", "User", "Details"}
                assert n["Changes"] and n["User"] and len(n["Details"]) <= 250
        for files in org.attachments.values():
            assert 1 <= len(files) <= 10
            assert len({f.file_name.lower() for f in files}) == len(files)
            for f in files:
                assert f.content and f.file_name and "/" not in f.file_name
                magic = {"application/pdf": b"%PDF-", "image/png": b"\x89PNG\r\n\x1a\n"}
                assert f.content.startswith(magic.get(f.mime_type, b"")), f.file_name


def test_history_and_attachments_stay_bounded() -> None:
    """The seeded notes and files are a fixed number per resource, whatever the size (the
    invoices' own Created/Approved notes aside, which scale with the invoices)."""
    org = generate(seed=1, size=3000, orgs=1, now_ms=NOW)[0]
    cap = seed_history.NOTED_PER_TYPE + seed_history.ATTACHED_PER_TYPE + 4  # + seed.attachments
    noted = Counter(s for s, _ in org.history if s != "invoices")
    filed = Counter(s for s, _ in org.attachments)
    assert noted and filed
    assert max(noted.values()) <= cap and max(filed.values()) <= cap


def test_size_scales_the_data() -> None:
    small = generate(seed=1, size=20, orgs=1, now_ms=NOW)[0]
    large = generate(seed=1, size=200, orgs=1, now_ms=NOW)[0]
    assert len(large.coll("invoices")) == 10 * len(small.coll("invoices"))
    assert len(large.coll("journals")) > 5 * len(small.coll("journals"))
    assert large.record_count() > 4 * small.record_count()
