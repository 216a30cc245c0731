"""target-xero's pure rules: stream routing, payload cleaning, action choice, keys, rounds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from target_xero.actions import Action, clean_payload, decide, removal_request
from target_xero.batching import chunks as _chunks
from target_xero.batching import idempotency_key
from target_xero.batching import rounds as _rounds
from target_xero.record_refs import resolve_refs
from target_xero.references import References
from target_xero.routes import route_for
from target_xero.work import Work, fingerprint
from xero_core.endpoints import BY_STREAM

INV = BY_STREAM["invoices"]


@pytest.mark.parametrize(("stream", "mapping", "endpoint", "mode"), [
    ("invoices", None, "invoices", "records"),
    ("CreditNotes", None, "credit_notes", "records"),
    ("invoices_history", None, "invoices", "history"),
    ("contacts_attachments", None, "contacts", "attachments"),
    ("my_sales", {"my_sales": "invoices"}, "invoices", "records"),
    ("notes", {"notes": "items_history"}, "items", "history"),
])
def test_streams_route_to_endpoints(stream, mapping, endpoint, mode) -> None:
    route = route_for(stream, mapping)
    assert route.error is None
    assert route.endpoint is not None and route.endpoint.stream == endpoint
    assert route.mode == mode


@pytest.mark.parametrize(("stream", "message"), [
    ("widgets", "unknown stream 'widgets'"),
    ("journals", "does not accept writes to journals"),
    ("tax_rates_attachments", "keeps no attachments for tax_rates"),
])
def test_unroutable_streams_say_why(stream, message) -> None:
    assert message in (route_for(stream).error or "")


def test_clean_payload_drops_read_only_metadata_and_totals() -> None:
    record = {
        "InvoiceID": "a", "InvoiceNumber": "INV-1", "Type": "ACCREC", "Status": "PAID",
        "Total": Decimal("11.50"), "SubTotal": Decimal("10"), "AmountDue": 0,
        "UpdatedDateUTC": "2026-01-01T00:00:00+00:00", "_tenant_id": "t", "_sdc_batched_at": "x",
        "Date": "/Date(1767225600000+0000)/", "Payments": [{"PaymentID": "p"}],
        "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10}], "Reference": None,
    }
    out = clean_payload(INV, record)
    assert out == {"InvoiceID": "a", "InvoiceNumber": "INV-1", "Type": "ACCREC",
                   "Status": "AUTHORISED", "Date": "2026-01-01T00:00:00",
                   "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10}]}


def test_totals_are_kept_when_no_lines_are_given() -> None:
    out = clean_payload(BY_STREAM["credit_notes"], {"CreditNoteNumber": "CN", "Total": 5})
    assert out["Total"] == 5


def _existing(status: str, **kw):
    return {"InvoiceID": "i1", "InvoiceNumber": "INV-1", "Status": status, **kw}


@pytest.mark.parametrize(("record", "existing", "action", "status"), [
    ({"InvoiceNumber": "INV-9"}, None, Action.CREATE, None),
    ({"InvoiceNumber": "INV-1", "Reference": "new"}, _existing("DRAFT"), Action.UPDATE, None),
    ({"InvoiceNumber": "INV-1", "Status": "DRAFT"}, _existing("DRAFT"), Action.SKIP, None),
    ({"InvoiceNumber": "INV-1", "_sdc_deleted_at": "2026-01-01"}, _existing("DRAFT"),
     Action.DELETE, "DELETED"),
    ({"InvoiceNumber": "INV-1", "_sdc_deleted_at": "2026-01-01"}, _existing("SUBMITTED"),
     Action.DELETE, "DELETED"),
    ({"InvoiceNumber": "INV-1", "Status": "DELETED"}, _existing("AUTHORISED"),
     Action.VOID, "VOIDED"),
    ({"InvoiceNumber": "INV-1", "Status": "VOIDED"}, _existing("AUTHORISED"),
     Action.VOID, "VOIDED"),
    ({"InvoiceNumber": "INV-1", "Status": "VOIDED"}, _existing("VOIDED"), Action.SKIP, None),
    ({"InvoiceNumber": "INV-1", "_sdc_deleted_at": "x"}, None, Action.SKIP, None),
])
def test_invoice_rules(record, existing, action, status) -> None:
    d = decide(INV, clean_payload(INV, record), existing, removal_request(INV, record))
    assert d.action is action
    if status:
        assert d.payload == {"InvoiceID": "i1", "Status": status}


def test_paid_invoice_cannot_be_voided_and_says_why() -> None:
    d = decide(INV, {"InvoiceNumber": "INV-1"},
               _existing("AUTHORISED", AmountPaid=Decimal("5.00")), "VOIDED")
    assert d.action is Action.REJECT
    assert "payments" in d.reasons[0] and "INV-1" in d.reasons[0]


def test_removed_record_from_elsewhere_is_created_then_set() -> None:
    d = decide(INV, {"InvoiceNumber": "INV-7", "Status": "VOIDED"}, None, "VOIDED")
    assert d.action is Action.CREATE and d.payload is not None
    assert d.payload["Status"] == "AUTHORISED"
    assert (d.then, d.then_status) == (Action.VOID, "VOIDED")


@pytest.mark.parametrize(("stream", "record", "existing", "action", "payload"), [
    ("contacts", {"Name": "A", "_sdc_deleted_at": "x"}, {"ContactID": "c", "Name": "A"},
     Action.ARCHIVE, {"ContactID": "c", "ContactStatus": "ARCHIVED"}),
    ("contacts", {"Name": "A", "ContactStatus": "ARCHIVED"}, {"ContactID": "c", "Name": "A"},
     Action.ARCHIVE, {"ContactID": "c", "ContactStatus": "ARCHIVED"}),
    ("accounts", {"Code": "200", "Status": "ARCHIVED"}, {"AccountID": "a", "Code": "200"},
     Action.ARCHIVE, {"AccountID": "a", "Status": "ARCHIVED"}),
    ("accounts", {"Code": "200", "_sdc_deleted_at": "x"}, {"AccountID": "a", "Code": "200"},
     Action.DELETE, None),
    ("items", {"Code": "W", "_sdc_deleted_at": "x"}, {"ItemID": "i", "Code": "W"},
     Action.DELETE, None),
    ("tracking_categories", {"Name": "Region", "Status": "DELETED"},
     {"TrackingCategoryID": "t", "Name": "Region"}, Action.DELETE, None),
    ("payments", {"PaymentID": "p", "Status": "DELETED"}, {"PaymentID": "p"},
     Action.REVERSE, {"Status": "DELETED"}),
    ("payments", {"Amount": 5}, None, Action.CREATE, {"Amount": 5}),
    ("bank_transactions", {"_sdc_deleted_at": "x", "BankTransactionID": "b"},
     {"BankTransactionID": "b", "Status": "AUTHORISED"}, Action.DELETE,
     {"BankTransactionID": "b", "Status": "DELETED"}),
])
def test_per_resource_rules(stream, record, existing, action, payload) -> None:
    ep = BY_STREAM[stream]
    d = decide(ep, clean_payload(ep, record), existing, removal_request(ep, record))
    assert d.action is action
    assert d.payload == payload


def test_payments_are_never_updated() -> None:
    ep = BY_STREAM["payments"]
    existing = {"PaymentID": "p", "Amount": Decimal("10.00"), "Date": "2026-01-02T00:00:00"}
    same = decide(ep, {"PaymentID": "p", "Amount": 10, "Date": "2026-01-02"}, existing, None)
    assert same.action is Action.SKIP
    changed = decide(ep, {"PaymentID": "p", "Amount": 12}, existing, None)
    assert changed.action is Action.REJECT and "cannot be updated" in changed.reasons[0]


def test_idempotency_key_is_stable_bounded_and_content_derived() -> None:
    a = idempotency_key("tenant", "invoices", "PUT /Invoices", ["create:1", "create:2"])
    assert a == idempotency_key("tenant", "invoices", "PUT /Invoices", ["create:1", "create:2"])
    assert a != idempotency_key("tenant", "invoices", "PUT /Invoices", ["create:1"])
    assert a != idempotency_key("other", "invoices", "PUT /Invoices", ["create:1", "create:2"])
    assert len(a) <= 128
    assert fingerprint({"a": 1, "_sdc_received_at": "x"}) == fingerprint({"a": 1})
    assert fingerprint({"a": 1, "_sdc_deleted_at": "x"}) != fingerprint({"a": 1})


def test_rounds_keep_one_record_per_key() -> None:
    works = [Work(raw={"InvoiceNumber": n}) for n in ("A", "B", "a", "C", "A")]
    rounds = [[w.raw["InvoiceNumber"] for w in r] for r in _rounds(INV, works)]
    assert rounds == [["A", "B", "C"], ["a"], ["A"]]


def test_chunks_respect_count_and_body_size() -> None:
    from target_xero.actions import Decision

    small = [Work(raw={}, decision=Decision(Action.CREATE, {"x": 1})) for _ in range(120)]
    assert [len(c) for c in _chunks(small, 50)] == [50, 50, 20]
    big = [Work(raw={}, decision=Decision(Action.CREATE, {"x": "y" * 1_500_000}))
           for _ in range(3)]
    assert [len(c) for c in _chunks(big, 50)] == [2, 1]


class _NoCalls:
    def get_json(self, *a, **kw):  # pragma: no cover - a call here is the failure
        raise AssertionError("no lookup expected")


def test_foreign_references_fall_back_to_natural_keys() -> None:
    refs = References(_NoCalls(), "t")  # type: ignore[arg-type]
    refs.index("contacts").add({"ContactID": "11111111-1111-1111-1111-111111111111",
                                "Name": "Known Ltd"})
    refs.index("accounts").complete = True
    refs.index("accounts").add({"AccountID": "22222222-2222-2222-2222-222222222222",
                                "Code": "200"})
    rec: dict[str, Any] = {
        "Contact": {"ContactID": "99999999-9999-9999-9999-999999999999", "Name": "Known Ltd",
                    "EmailAddress": "x@example.com"},
        "LineItems": [
            {"AccountID": "88888888-8888-8888-8888-888888888888", "AccountCode": "200",
             "Item": {"ItemID": "i", "Code": "W1"},
             "Tracking": [{"TrackingCategoryID": "tc", "Name": "Region", "Option": "North"}]},
        ],
    }
    assert resolve_refs(refs, "invoices", rec) == []
    assert rec["Contact"] == {"ContactID": "11111111-1111-1111-1111-111111111111"}
    line = rec["LineItems"][0]
    assert "AccountID" not in line and line["AccountCode"] == "200"
    assert line["ItemCode"] == "W1" and "Item" not in line
    assert line["Tracking"] == [{"Name": "Region", "Option": "North"}]
    unknown = {"Contact": {"ContactID": "99999999-9999-9999-9999-999999999999",
                           "Name": "New Co"}}
    refs.index("contacts").missing_ids.add("99999999-9999-9999-9999-999999999999")
    assert resolve_refs(refs, "invoices", unknown) == []
    assert unknown["Contact"] == {"Name": "New Co"}
    payment = {"Invoice": {"InvoiceNumber": "NOPE"}, "Account": {"Code": "200"}}
    problems = resolve_refs(refs, "payments", payment)
    assert problems == ["Invoice: no invoices with InvoiceNumber NOPE in this organisation"]


@pytest.mark.parametrize(("sent", "held_", "same"), [
    ("12.34", 12.34, True), ("12.340", Decimal("12.34"), True), (12.34, "12.34", True),
    ("12.35", 12.34, False), ("abc", 1, False), (True, 1, False),
    ({"Lines": [{"UnitAmount": "10.50"}]}, {"Lines": [{"UnitAmount": 10.5, "LineID": "x"}]},
     True),
    ({"Date": "2026-02-01"}, {"Date": "/Date(1769904000000+0000)/"}, True),
    ({"Date": "2026-02-02"}, {"Date": "/Date(1769904000000+0000)/"}, False),
    ([{"A": 1}], [{"A": 1}, {"A": 2}], False),
])
def test_covers_compares_as_xero_answers(sent, held_, same) -> None:
    from target_xero.actions import covers

    assert covers(held_, sent) is same


@pytest.mark.parametrize(("path", "ok"), [
    ("/api.xro/2.0/Invoices", True),
    ("/api.xro/2.0/Invoices/7f3c1c43-28a4-4b1c-9b0c-3f2d6b0c1a11/Email", True),
    ("/api.xro/2.0/Invoices/../Organisation", False),
    ("/api.xro/2.0/Invoices/INV-0001", False),
    ("/api.xro/2.0/Invoices/%2e%2e/History", False),
    ("/api.xro/2.0/Invoices/", False),
])
def test_ids_in_write_urls_must_be_guids(path, ok) -> None:
    from target_xero.write_checks import check_path_id as _check_path_id
    from xero_core.errors import XeroHTTPError

    if ok:
        _check_path_id(INV, path)
    else:
        with pytest.raises(XeroHTTPError, match="not a GUID"):
            _check_path_id(INV, path)
