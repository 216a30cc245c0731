"""Actions on demand through the target: raw requests and invoice emails."""

from __future__ import annotations

import json
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


def _raw(sandbox: Any, tmp: Path, records: list[dict[str, Any]], **config: Any) -> Any:
    cfg = target_config(sandbox, tmp, results_path=str(tmp / "results.jsonl"), **config)
    return run_target(cfg, [schema_msg("raw_requests", OPEN_SCHEMA),
                            *(record_msg("raw_requests", r) for r in records)])


def _results(tmp: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (tmp / "results.jsonl").read_text().splitlines()]


def _names(sandbox: Any, prefix: str) -> list[str]:
    return sorted(c["Name"] for c in held(sandbox, 0, "contacts") if c["Name"].startswith(prefix))


def test_raw_requests_are_off_unless_the_operator_enables_them(clean_sandbox, tmp_path) -> None:
    res = _raw(clean_sandbox, tmp_path, [{"method": "GET", "path": "/api.xro/2.0/Organisation"}])
    assert len(res.rejects) == 1 and "enable_raw_requests" in res.rejects[0]["reasons"][0]
    assert api_calls(clean_sandbox) == []


def test_raw_get_put_and_post_each_land_once_across_a_rerun(clean_sandbox, tmp_path) -> None:
    records = [
        {"method": "GET", "path": "/api.xro/2.0/Organisation"},
        {"method": "PUT", "path": "/api.xro/2.0/Contacts", "source_key": "raw-1",
         "body": {"Contacts": [{"Name": "Raw PUT contact"}]}},
        {"method": "POST", "path": "/api.xro/2.0/Contacts", "query": {"summarizeErrors": "false"},
         "body": {"Contacts": [{"Name": "Raw POST contact"}]}},
    ]
    for run in range(2):
        res = _raw(clean_sandbox, tmp_path, records, enable_raw_requests=True)
        assert res.rejects == [] and res.count("raw_requests", "called") == 3, run
    assert _names(clean_sandbox, "Raw ") == ["Raw POST contact", "Raw PUT contact"]
    results = _results(tmp_path)
    assert [r["status"] for r in results] == [200, 200, 200] * 2
    organisation = json.loads(results[0]["answer"])
    assert organisation["Organisations"][0]["OrganisationID"]
    assert results[1]["source_key"] == "raw-1" and "Raw PUT contact" in results[1]["answer"]
    writes = [c for c in api_calls(clean_sandbox) if c["method"] in ("PUT", "POST")]
    assert len(writes) == 4 and [c["replayed"] for c in writes] == [False, False, True, True]


def test_raw_put_with_an_xml_body_lands_once(clean_sandbox, tmp_path) -> None:
    xml = "<Contacts><Contact><Name>Raw XML contact</Name></Contact></Contacts>"
    record = {"method": "PUT", "path": "/api.xro/2.0/Contacts", "body": xml,
              "source_key": "xml-1"}
    for _ in range(2):
        res = _raw(clean_sandbox, tmp_path, [record], enable_raw_requests=True)
        assert res.rejects == [], res.rejects
    assert _names(clean_sandbox, "Raw XML") == ["Raw XML contact"]
    puts = api_calls(clean_sandbox, method="PUT")
    assert [c["headers"].get("Content-Type") for c in puts] == ["application/xml"] * 2


@pytest.mark.parametrize(("record", "why"), [
    ({"method": "GET", "path": "https://evil.test/api.xro/2.0/Invoices"}, "path:"),
    ({"method": "GET", "path": "/api.xro/2.0/../../connect/token"}, "'..'"),
    ({"method": "GET", "path": "/api.xro/2.0/%2e%2e/connect/token"}, "'..'"),
    ({"method": "GET", "path": "/connect/token"}, "API bases"),
    ({"method": "GET", "path": "/api.xro/2.0//Invoices"}, "'//'"),
    ({"method": "GET", "path": "/api.xro/2.0/Invoices?where=x"}, "path:"),
    ({"method": "TRACE", "path": "/api.xro/2.0/Invoices"}, "method:"),
    ({"method": "PUT", "path": "/api.xro/2.0/Contacts", "body": "Name=x"}, "XML"),
])
def test_raw_requests_outside_xeros_api_are_refused(clean_sandbox, tmp_path, record,
                                                     why) -> None:
    res = _raw(clean_sandbox, tmp_path, [record], enable_raw_requests=True)
    assert len(res.rejects) == 1 and why in res.rejects[0]["reasons"][0]
    assert api_calls(clean_sandbox) == []


def _emails(sandbox: Any, tmp: Path, records: list[dict[str, Any]], **config: Any) -> Any:
    cfg = target_config(sandbox, tmp, results_path=str(tmp / "results.jsonl"), **config)
    return run_target(cfg, [schema_msg("invoice_emails", OPEN_SCHEMA),
                            *(record_msg("invoice_emails", r) for r in records)])


def test_an_invoice_is_emailed_once_across_runs_and_again_with_resend(
        clean_sandbox, tmp_path) -> None:
    contact = next(c for c in held(clean_sandbox, 0, "contacts") if c.get("EmailAddress"))
    written = run_target(target_config(clean_sandbox, tmp_path), [
        schema_msg("invoices"), record_msg("invoices", {
            "Type": "ACCREC", "InvoiceNumber": "TT-SEND-1", "Contact": {"Name": contact["Name"]},
            "Date": "2026-02-01", "DueDate": "2026-03-01", "Status": "AUTHORISED",
            "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": 10,
                           "AccountCode": "200"}]})])
    assert written.count("invoices", "created") == 1
    invoice = next(i for i in held(clean_sandbox, 0, "invoices")
                   if i["InvoiceNumber"] == "TT-SEND-1")
    assert not invoice.get("SentToContact")
    off = _emails(clean_sandbox, tmp_path, [{"InvoiceNumber": invoice["InvoiceNumber"]}])
    assert "enable_invoice_emails" in off.rejects[0]["reasons"][0]
    counts = []
    for record in ({"InvoiceNumber": invoice["InvoiceNumber"]},
                   {"InvoiceID": invoice["InvoiceID"]},
                   {"InvoiceNumber": invoice["InvoiceNumber"]},
                   {"InvoiceNumber": invoice["InvoiceNumber"], "resend": True}):
        clean_sandbox.advance_clock(60)
        res = _emails(clean_sandbox, tmp_path, [record], enable_invoice_emails=True)
        assert len(res.rejects) == 1  # only the first run's refusal (the file is shared)
        counts.append((res.count("invoice_emails", "emailed"),
                       res.count("invoice_emails", "skipped")))
    assert counts == [(1, 0), (0, 1), (0, 1), (1, 0)]
    sent = [c for c in api_calls(clean_sandbox, method="POST") if c["path"].endswith("/Email")]
    assert len(sent) == 2
    actions = [r["action"] for r in _results(tmp_path) if r["stream"] == "invoice_emails"]
    assert actions == ["rejected", "emailed", "unchanged", "unchanged", "emailed"]


def test_invoices_that_cannot_be_emailed_are_rejected_with_the_reason(
        clean_sandbox, tmp_path) -> None:
    invoices = held(clean_sandbox, 0, "invoices")
    draft = next(i for i in invoices if i["Type"] == "ACCREC" and i["Status"] == "DRAFT")
    bill = next(i for i in invoices if i["Type"] == "ACCPAY" and i["Status"] == "AUTHORISED")
    res = _emails(clean_sandbox, tmp_path, [
        {"InvoiceID": draft["InvoiceID"]}, {"InvoiceID": bill["InvoiceID"]},
        {"InvoiceNumber": "NO-SUCH-INVOICE"}], enable_invoice_emails=True)
    reasons = [r["reasons"][0] for r in res.rejects]
    assert "DRAFT" in reasons[0] and "ACCPAY" in reasons[1] and "no invoice" in reasons[2]
    assert [c for c in api_calls(clean_sandbox) if c["path"].endswith("/Email")] == []
