"""Reads as Xero answers them: envelope, paging, filters, order, single records, sub-resources."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import pytest

from xero_core.dates import parse_ms_date, to_http_date
from xero_core.endpoints import ENDPOINTS, Endpoint, Paging

# The Finance API's answers are computed per call (and bank statements need an account and
# dates): tests/sandbox/test_finance_api.py reads each of them.
# Payroll rows answer only the organisations of their region (and their own envelopes):
# tests/sandbox/test_payroll_reads.py reads every one of them with the right organisation.
LISTS = [e for e in ENDPOINTS if not e.parent and e.api != "finance" and not e.region]


def _all_invoices(api) -> list[dict]:
    return api.sandbox.records(api.tenant_id, "invoices")


def _ms(value: str) -> int:
    d = parse_ms_date(value)
    assert d is not None, value
    return int(d.timestamp() * 1000)


@pytest.mark.parametrize("ep", LISTS, ids=[e.stream for e in LISTS])
def test_every_list_endpoint_answers_its_shape(api, ep: Endpoint) -> None:
    params = dict(ep.list_params)
    if ep.paging is not Paging.NONE and ep.paging is not Paging.OFFSET:
        params["page"] = "1"
    resp = api.get(ep.url_path, params=params)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    stored = api.sandbox.records(api.tenant_id, ep.stream)
    if ep.singleton:
        assert isinstance(body, dict) and body == (stored[0] if stored else {})
    elif ep.api == "files" and ep.records_key:  # {"TotalCount", "Page", "PerPage", "Items"}
        assert body["TotalCount"] == len(stored) and len(body["Items"]) == min(len(stored), 100)
        assert stored, f"the seed left {ep.stream} empty"
    elif ep.api != "accounting" and not ep.records_key:
        assert isinstance(body, list) and len(body) == len(stored)
    elif ep.api != "accounting":
        assert set(body) == {"pagination", "items"}
        assert body["pagination"]["itemCount"] == len([
            r for r in stored if ep.stream != "assets"
            or str(r.get("assetStatus")).upper() == "REGISTERED"])
    else:
        assert body["Status"] == "OK" and body["ProviderName"]
        assert body["DateTimeUTC"].startswith("/Date(")
        assert isinstance(body[ep.records_key], list)
        assert ("pagination" in body) is (ep.paging is Paging.PAGE_SIZE)
        if ep.paging is Paging.NONE:
            assert len(body[ep.records_key]) == len(stored)
        assert stored, f"the seed left {ep.stream} empty"


def test_project_children_are_read_per_project(api) -> None:
    projects = api.records("/projects.xro/2.0/Projects", "items", pageSize=500)
    assert projects
    tasks = api.sandbox.records(api.tenant_id, "project_tasks")
    pid = projects[0]["projectId"]
    body = api.get(f"/projects.xro/2.0/Projects/{pid}/Tasks").json()
    assert sorted(t["taskId"] for t in body["items"]) == sorted(
        t["taskId"] for t in tasks if t["projectId"] == pid)
    assert api.get(f"/projects.xro/2.0/Projects/{pid}").json()["projectId"] == pid
    times = api.get(f"/projects.xro/2.0/Projects/{pid}/Time").json()
    assert all(t["projectId"] == pid for t in times["items"])


def test_page_size_paging_with_pagination_object(api) -> None:
    everything = _all_invoices(api)
    size = 7
    seen: list[str] = []
    page = 1
    while True:
        body = api.get("Invoices", params={"page": page, "pageSize": size}).json()
        assert body["pagination"] == {"page": page, "pageSize": size,
                                      "pageCount": math.ceil(len(everything) / size),
                                      "itemCount": len(everything)}
        seen += [i["InvoiceID"] for i in body["Invoices"]]
        if len(body["Invoices"]) < size:
            break
        page += 1
    assert 0 < len(body["Invoices"]) < size or len(everything) % size == 0  # a short last page
    assert sorted(seen) == sorted(i["InvoiceID"] for i in everything)
    assert len(seen) == len(set(seen))
    past = api.get("Invoices", params={"page": page + 1, "pageSize": size}).json()
    assert past["Invoices"] == []


def test_page_size_is_capped_at_1000_and_defaults_to_100(api) -> None:
    body = api.get("Invoices", params={"page": 1, "pageSize": 5000}).json()
    assert body["pagination"]["pageSize"] == 1000
    body = api.get("Invoices", params={"page": 1}).json()
    assert body["pagination"]["pageSize"] == 100


def test_page_only_endpoints_answer_100_a_page_without_pagination(api) -> None:
    quotes = api.sandbox.records(api.tenant_id, "quotes")
    body = api.get("Quotes", params={"page": 1, "pageSize": 2}).json()
    assert "pagination" not in body
    assert len(body["Quotes"]) == min(100, len(quotes))


def test_default_order_is_updated_then_id_and_order_param_sorts(api) -> None:
    body = api.get("Invoices", params={"page": 1, "pageSize": 1000}).json()["Invoices"]
    keys = [(_ms(i["UpdatedDateUTC"]), i["InvoiceID"]) for i in body]
    assert keys == sorted(keys)
    desc = api.records("Invoices", "Invoices", page=1, pageSize=1000, order="Total DESC")
    totals = [i["Total"] for i in desc]
    assert totals == sorted(totals, reverse=True) and len(set(totals)) > 1
    asc = api.records("Contacts", "Contacts", page=1, pageSize=1000, order="Name ASC")
    names = [c["Name"].lower() for c in asc]
    assert names == sorted(names)


def test_if_modified_since_returns_records_updated_strictly_after(api) -> None:
    everything = sorted(_all_invoices(api), key=lambda i: _ms(i["UpdatedDateUTC"]))
    pivot = everything[len(everything) // 2]["UpdatedDateUTC"]
    pivot_dt = datetime.fromtimestamp(_ms(pivot) // 1000, tz=timezone.utc)
    expected = {i["InvoiceID"] for i in everything
                if _ms(i["UpdatedDateUTC"]) > int(pivot_dt.timestamp()) * 1000}
    assert 0 < len(expected) < len(everything)
    for header in (to_http_date(pivot_dt), pivot_dt.isoformat()):
        got = [i["InvoiceID"] for i in api.get(
            "Invoices", params={"page": 1, "pageSize": 1000},
            headers={"If-Modified-Since": header}).json()["Invoices"]]
        assert set(got) == expected, header
    bad = api.get("Invoices", headers={"If-Modified-Since": "yesterday-ish"})
    assert bad.status_code == 400


@pytest.mark.parametrize("where, check", [
    ('Status=="AUTHORISED"', lambda i: i["Status"] == "AUTHORISED"),
    ('Status!="AUTHORISED" AND Type=="ACCREC"',
     lambda i: i["Status"] != "AUTHORISED" and i["Type"] == "ACCREC"),
    ('(Status=="PAID" OR Status=="VOIDED") AND Total>=50',
     lambda i: i["Status"] in ("PAID", "VOIDED") and i["Total"] >= 50),
    ("Total<100", lambda i: i["Total"] < 100),
    ('Contact.Name.StartsWith("A")', lambda i: i["Contact"]["Name"].startswith("A")),
    ('Contact.Name.Contains("e")', lambda i: "e" in i["Contact"]["Name"]),
    ("Date>=DateTime(2026,01,01)",
     lambda i: _ms(i["Date"]) >= datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp() * 1000),
])
def test_where_filters_like_xero(api, where: str, check) -> None:
    everything = _all_invoices(api)
    expected = sorted(i["InvoiceID"] for i in everything if check(i))
    got = api.records("Invoices", "Invoices", where=where, page=1, pageSize=1000)
    assert sorted(i["InvoiceID"] for i in got) == expected
    assert all(check(i) for i in got)


def test_where_by_guid_and_nested_field(api) -> None:
    everything = _all_invoices(api)
    contact_id = everything[0]["Contact"]["ContactID"]
    got = api.records("Invoices", "Invoices", page=1,
                      where=f'Contact.ContactID==Guid("{contact_id.upper()}")')
    assert sorted(i["InvoiceID"] for i in got) == sorted(
        i["InvoiceID"] for i in everything if i["Contact"]["ContactID"] == contact_id)


def test_where_parse_error_is_a_400(api) -> None:
    resp = api.get("Invoices", params={"where": 'Status=="AUTHORISED" AND'})
    assert resp.status_code == 400
    assert resp.json()["Type"] == "QueryParseException"


def test_ids_numbers_statuses_and_contact_ids(api) -> None:
    everything = _all_invoices(api)
    picked = everything[:3]
    got = api.records("Invoices", "Invoices",
                      IDs=",".join(i["InvoiceID"] for i in picked))
    assert sorted(i["InvoiceID"] for i in got) == sorted(i["InvoiceID"] for i in picked)
    numbered = [i for i in everything if i.get("InvoiceNumber")][:2]
    got = api.records("Invoices", "Invoices",
                      InvoiceNumbers=",".join(i["InvoiceNumber"] for i in numbered))
    assert sorted(i["InvoiceNumber"] for i in got) == sorted(
        i["InvoiceNumber"] for i in numbered)
    got = api.records("Invoices", "Invoices", Statuses="PAID,VOIDED", page=1, pageSize=1000)
    assert got and {i["Status"] for i in got} <= {"PAID", "VOIDED"}
    assert len(got) == sum(i["Status"] in ("PAID", "VOIDED") for i in everything)
    contact_id = everything[0]["Contact"]["ContactID"]
    got = api.records("Invoices", "Invoices", ContactIDs=contact_id, page=1, pageSize=1000)
    assert got and all(i["Contact"]["ContactID"] == contact_id for i in got)


def test_status_filters_only_where_xero_has_them(api) -> None:
    """Statuses= filters Invoices, Status= Quotes; elsewhere Xero ignores them."""
    quotes = api.records("Quotes", "Quotes", page=1)
    status = quotes[0]["Status"]
    got = api.records("Quotes", "Quotes", Status=status, page=1)
    assert got and {q["Status"] for q in got} == {status}
    notes = api.records("CreditNotes", "CreditNotes", page=1, pageSize=1000)
    assert len({c["Status"] for c in notes}) > 1
    assert api.records("CreditNotes", "CreditNotes", page=1, pageSize=1000,
                       Statuses=notes[0]["Status"]) == notes


def test_contacts_hide_archived_unless_asked(api) -> None:
    stored = api.sandbox.records(api.tenant_id, "contacts")
    archived = {c["ContactID"] for c in stored if c.get("ContactStatus") == "ARCHIVED"}
    assert archived, "the seed should archive some contacts"
    default = {c["ContactID"] for c in api.records("Contacts", "Contacts", page=1,
                                                    pageSize=1000)}
    assert not default & archived
    everything = {c["ContactID"] for c in api.records("Contacts", "Contacts", page=1,
                                                       pageSize=1000, includeArchived="true")}
    assert everything == {c["ContactID"] for c in stored}


def test_summary_only_drops_line_items(api) -> None:
    full = api.records("Invoices", "Invoices", page=1, pageSize=5)
    assert all("LineItems" in i for i in full)
    summary = api.records("Invoices", "Invoices", page=1, pageSize=5, summaryOnly="true")
    assert [i["InvoiceID"] for i in summary] == [i["InvoiceID"] for i in full]
    assert not any("LineItems" in i for i in summary)
    assert all(s["Total"] == f["Total"] for s, f in zip(summary, full, strict=True))


def test_journals_page_by_offset(api) -> None:
    stored = sorted(api.sandbox.records(api.tenant_id, "journals"),
                    key=lambda j: j["JournalNumber"])
    assert len(stored) > 100, "need more than one call's worth of journals"
    first = api.records("Journals", "Journals")
    assert [j["JournalNumber"] for j in first] == [j["JournalNumber"] for j in stored[:100]]
    offset = first[-1]["JournalNumber"]
    second = api.records("Journals", "Journals", offset=offset)
    assert second[0]["JournalNumber"] > offset
    assert [j["JournalNumber"] for j in second] == [
        j["JournalNumber"] for j in stored if j["JournalNumber"] > offset][:100]
    assert api.records("Journals", "Journals", offset=stored[-1]["JournalNumber"]) == []


def test_single_record_by_id_and_number_and_404(api) -> None:
    inv = _all_invoices(api)[0]
    body = api.get(f"Invoices/{inv['InvoiceID']}").json()
    assert body["Invoices"] == [inv]
    assert api.get(f"Invoices/{inv['InvoiceID'].upper()}").json()["Invoices"] == [inv]
    assert api.get(f"Invoices/{inv['InvoiceNumber']}").json()["Invoices"][0]["InvoiceID"] == (
        inv["InvoiceID"])
    assert api.get("Invoices/00000000-0000-0000-0000-000000000000").status_code == 404
    assert api.get("NoSuchThing").status_code == 404


def test_every_404_is_xeros_plain_sentence(api) -> None:
    """Xero answers an unknown id, path or report with this sentence, not JSON (as reads, writes
    and reports do alike here)."""
    missing = "00000000-0000-0000-0000-000000000000"
    for resp in (api.get(f"Invoices/{missing}"), api.get("NoSuchThing"),
                 api.get("Reports/NoSuchReport"), api.get(f"Invoices/{missing}/History"),
                 api.request("POST", f"Invoices/{missing}", json={"Invoices": [{}]})):
        assert resp.status_code == 404
        assert resp.text == "The resource you're looking for cannot be found"
        assert resp.headers["Content-Type"].startswith("text/plain")


def test_history_and_attachments(api) -> None:
    state = api.sandbox.state()["organisations"][0]
    assert state["history"] and state["attachments"]
    for inv in _all_invoices(api):
        notes = api.get(f"Invoices/{inv['InvoiceID']}/History").json()["HistoryRecords"]
        atts = api.get(f"Invoices/{inv['InvoiceID']}/Attachments").json()["Attachments"]
        if notes and atts:
            break
    else:
        pytest.fail("no invoice with both history and attachments in the seed")
    assert {"Changes", "DateUTC", "User", "Details"} <= set(notes[0])
    att = atts[0]
    content = api.get(f"Invoices/{inv['InvoiceID']}/Attachments/{att['FileName']}")
    assert content.status_code == 200
    assert len(content.content) == att["ContentLength"]
    assert content.headers["Content-Type"].startswith(att["MimeType"])
    by_url = api.sandbox.http.get(att["Url"], headers={"Authorization": f"Bearer {api.token}",
                                                       "Xero-Tenant-Id": api.tenant_id},
                                  timeout=10)
    assert by_url.content == content.content
    assert api.get(f"Invoices/{inv['InvoiceID']}/Attachments/nope.pdf").status_code == 404


def test_report_is_served(api) -> None:
    resp = api.get("Reports/BalanceSheet", params={"date": "2026-01-31"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["Reports"]
