"""report_rows, history and attachments: right rows, and only the calls they need."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from tap_xero.reports import flatten_report
from tests.tap.conftest import api_calls, editable_invoices, org_config, run_tap
from xero_core.dates import parse_datetime
from xero_core.http import XeroClient

REPORTS = "/api.xro/2.0/Reports/"


def test_report_rows_flatten_every_value_cell(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    org = sandbox.orgs[0]
    config = org_config(sandbox, 0, reports=["BalanceSheet", "ProfitAndLoss", "TrialBalance"],
                        report_date="2026-03-31", report_periods=2, report_timeframe="MONTH")
    run = run_tap(sandbox, config, ["report_rows"])
    rows = run.records["report_rows"]
    calls = api_calls(sandbox, REPORTS)
    assert sorted(c["path"].rsplit("/", 1)[1] for c in calls) == [
        "BalanceSheet", "ProfitAndLoss", "TrialBalance"]
    bs_call = next(c for c in calls if c["path"].endswith("BalanceSheet"))
    assert bs_call["query"] == {"date": "2026-03-31", "periods": "2", "timeframe": "MONTH"}

    answer = XeroClient.from_config(org["settings"]).get_json(
        REPORTS + "BalanceSheet", tenant_id=org["tenant_id"], params=bs_call["query"])
    cells = 0
    for report in answer["Reports"]:
        for section in report["Rows"]:
            for row in section.get("Rows") or []:
                cells += max(0, len(row.get("Cells") or []) - 1)
    balance = [r for r in rows if r["report_type"] == "BalanceSheet"]
    assert len(balance) == cells > 0
    assert len({r["row_key"] for r in rows}) == len(rows)
    assert all(r["parameters"]["date"] == "2026-03-31" for r in balance)
    numbers = [r for r in balance if r["value_number"] is not None]
    assert numbers and all(Decimal(str(r["value_number"])) == Decimal(r["value"].replace(",", ""))
                           for r in numbers)
    assert any(r["account_id"] for r in balance) and any(r["section"] for r in balance)


def test_flatten_names_sections_and_columns() -> None:
    report = {"ReportID": "BalanceSheet", "ReportType": "BalanceSheet", "Rows": [
        {"RowType": "Header", "Cells": [{"Value": ""}, {"Value": "31 Mar"}, {"Value": "28 Feb"}]},
        {"RowType": "Section", "Title": "Assets", "Rows": [
            {"RowType": "Section", "Title": "Bank", "Rows": [
                {"RowType": "Row", "Cells": [
                    {"Value": "Savings", "Attributes": [{"Id": "account", "Value": "A1"}]},
                    {"Value": "1,850.10"}, {"Value": "-3.5"}]}]}]},
        {"RowType": "Section", "Title": "", "Rows": [
            {"RowType": "SummaryRow", "Cells": [{"Value": "Total"}, {"Value": "x"}]}]}]}
    rows = list(flatten_report(report, tenant_id="t", report_type="BalanceSheet",
                               params={"date": "2026-03-31"}))
    assert [(r["section"], r["row_title"], r["column_title"], r["value_number"],
             r["account_id"]) for r in rows] == [
        ("Assets / Bank", "Savings", "31 Mar", Decimal("1850.10"), "A1"),
        ("Assets / Bank", "Savings", "28 Feb", Decimal("-3.5"), "A1"),
        ("", "Total", "31 Mar", None, None)]


def test_aged_reports_run_only_for_contacts_changed_in_this_run(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    config = org_config(sandbox, 0, reports=["AgedReceivablesByContact",
                                             "AgedPayablesByContact"])
    first = run_tap(sandbox, config, ["invoices"])
    sandbox.advance_clock(60)
    org = sandbox.orgs[0]
    client = XeroClient.from_config(org["settings"])
    target = editable_invoices(sandbox, kind="ACCREC")[0]
    client.request("POST", f"/api.xro/2.0/Invoices/{target['InvoiceID']}",
                   tenant_id=org["tenant_id"],
                   json={"Invoices": [{"InvoiceID": target["InvoiceID"], "Reference": "aged"}]})
    sandbox.clear_requests()
    run = run_tap(sandbox, config, ["invoices", "report_rows"], state=first.state)
    bookmark = parse_datetime(max(r["UpdatedDateUTC"] for r in first.records["invoices"]))
    # Records re-read only because If-Modified-Since has whole seconds do not count.
    touched = {(r["Type"], r["Contact"]["ContactID"]) for r in run.records["invoices"]
               if parse_datetime(r["UpdatedDateUTC"]) > bookmark}
    calls = api_calls(sandbox, REPORTS)
    expected = sorted(
        ("AgedReceivablesByContact" if kind == "ACCREC" else "AgedPayablesByContact", cid)
        for kind, cid in touched)
    assert sorted((c["path"].rsplit("/", 1)[1], c["query"]["contactId"]) for c in calls) == (
        expected)
    assert ("ACCREC", target["Contact"]["ContactID"]) in touched


def test_history_and_attachments_only_for_changed_parents(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    config = org_config(sandbox, 0, include_history=True, include_attachments=True,
                        download_attachment_content=True)
    streams = ["invoices", "invoices_history", "invoices_attachments"]
    first = run_tap(sandbox, config, streams)
    invoices = first.ids("invoices", "InvoiceID")
    history_calls = [c for c in api_calls(sandbox, "/History")]
    assert len(history_calls) == len(invoices)  # one per emitted parent
    with_files = first.records["invoices_attachments"]
    assert with_files, "the seed attaches files to some invoices"
    org = sandbox.orgs[0]
    client = XeroClient.from_config(org["settings"])
    att = with_files[0]
    raw = client.request("GET", f"/api.xro/2.0/Invoices/{att['InvoiceID']}/Attachments/"
                         f"{att['AttachmentID']}", tenant_id=org["tenant_id"]).content
    assert base64.b64decode(att["Content"]) == raw

    sandbox.advance_clock(60)
    changed = editable_invoices(sandbox)[0]["InvoiceID"]
    client.request("POST", f"/api.xro/2.0/Invoices/{changed}", tenant_id=org["tenant_id"],
                   json={"Invoices": [{"InvoiceID": changed, "Reference": "history test"}]})
    client.request("PUT", f"/api.xro/2.0/Invoices/{changed}/History",
                   tenant_id=org["tenant_id"],
                   json={"HistoryRecords": [{"Details": "tap test note"}]})
    sandbox.clear_requests()
    second = run_tap(sandbox, config, streams, state=first.state)
    emitted = set(second.ids("invoices", "InvoiceID"))
    assert changed in emitted and len(emitted) < len(invoices)
    parents = {c["path"].split("/")[4] for c in api_calls(sandbox, "/History")}
    assert parents == emitted
    assert any(h["Details"] == "tap test note" and h["InvoiceID"] == changed
               for h in second.records["invoices_history"])
