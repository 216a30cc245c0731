"""The path forms Xero accepts and clients in the wild call, served as Xero serves them: each
test names the client (and where in its source) the form was found in."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

FILES = "/files.xro/1.0"


def _same_records(api: Any, canonical: str, other: str, key: str) -> list[dict[str, Any]]:
    first, second = api.get(canonical), api.get(other)
    assert first.status_code == second.status_code == 200, (other, second.text[:200])
    assert second.json()[key] == first.json()[key], other
    return list(first.json()[key])


def test_lowercase_resource_names(api) -> None:
    # XeroAPI/Xero-Net (the Xero.Api.SDK), Core/Endpoints/TrackingCategoriesEndpoint.cs calls
    # "/api.xro/2.0/trackingcategories/{0}/options"; its OrganisationEndpoint calls
    # "/api.xro/2.0/organisations/{0}/cissettings" and ContactsEndpoint "contacts/{0}/...".
    cats = _same_records(api, "/api.xro/2.0/TrackingCategories",
                         "/api.xro/2.0/trackingcategories", "TrackingCategories")
    one = cats[0]["TrackingCategoryID"]
    _same_records(api, f"/api.xro/2.0/TrackingCategories/{one}",
                  f"/api.xro/2.0/trackingcategories/{one}", "TrackingCategories")
    _same_records(api, "/api.xro/2.0/Contacts?page=1", "/api.xro/2.0/contacts?page=1",
                  "Contacts")


def test_organisations_plural(api) -> None:
    # singer-io/tap-xero, tap_xero/client.py: filter() calls
    # join(BASE_URL, tap_stream_id.title().replace("_", "")), i.e. /api.xro/2.0/Organisations
    # for its `organisations` stream, and reads the "Organisations" key; Xero-Net's
    # OrganisationEndpoint calls "/api.xro/2.0/organisations/{0}/cissettings".
    orgs = _same_records(api, "/api.xro/2.0/Organisation", "/api.xro/2.0/Organisations",
                         "Organisations")
    assert orgs[0]["Name"]
    _same_records(api, "/api.xro/2.0/Organisation", "/api.xro/2.0/organisations/",
                  "Organisations")


def test_history_and_attachments_lower_case_with_a_trailing_slash(clean_sandbox, api) -> None:
    # freakboy3742/pyxero, src/xero/basemanager.py: _get_history joins
    # [base_url, name, id, "history"] + "/", _get_attachments [..., id, "Attachments"] + "/".
    invoice = next(i for i in clean_sandbox.records(api.tenant_id, "invoices")
                   if i.get("HasAttachments"))
    base = f"/api.xro/2.0/Invoices/{invoice['InvoiceID']}"
    _same_records(api, f"{base}/History", f"{base}/history/", "HistoryRecords")
    files = _same_records(api, f"{base}/Attachments", f"{base}/Attachments/", "Attachments")
    assert files


def test_ids_in_upper_case(clean_sandbox, api) -> None:
    # Xero's ids are GUIDs matched without regard to case; .NET clients (XeroAPI/Xero-Net,
    # Xero-NetStandard) format a Guid themselves, and upper-case GUIDs reach Xero from them.
    txn = clean_sandbox.records(api.tenant_id, "bank_transactions")[0]["BankTransactionID"]
    _same_records(api, f"/api.xro/2.0/BankTransactions/{txn}",
                  f"/api.xro/2.0/banktransactions/{txn.upper()}", "BankTransactions")
    project = clean_sandbox.records(api.tenant_id, "projects")[0]["projectId"]
    assert api.get(f"/projects.xro/2.0/projects/{project.upper()}").json()["projectId"] == \
        project


def test_the_api_base_in_any_case(api) -> None:
    # Xero matches paths without regard to case (issue 14), the base included; XeroPHP,
    # src/XeroPHP/Remote/URL.php, takes the API out of a full URL with a case-insensitive
    # pattern (@^http(s)?://[^/]+/(?<api>[^/]+)/...$@i), so a base in another case goes out.
    _same_records(api, "/api.xro/2.0/Currencies", "/API.XRO/2.0/Currencies", "Currencies")
    assert api.get(f"{FILES.upper()}/Inbox").json()["IsInbox"] is True
    logged = api.sandbox.requests()[-1]
    assert (logged["path"], logged["status"]) == (f"{FILES.upper()}/Inbox", 200)
    assert api.get("/API.XRO/2.0").status_code == 404
    assert api.get("/nothing.xro/2.0/Invoices").status_code == 404


def test_report_names_in_any_case_keep_their_granular_scope(clean_sandbox, make_api) -> None:
    # XeroPHP (src/XeroPHP/Models/Accounting/Report/ProfitLoss.php) and the official SDKs call
    # "Reports/ProfitAndLoss"; Xero takes the name in any case, and the granular scope of
    # that report still lets the client read it.
    api = make_api(0)
    client = api.settings["client_id"]
    try:
        clean_sandbox.set_scopes(client, ["accounting.reports.profitandloss.read"])
        api.token = api.new_token()
        for name in ("ProfitAndLoss", "profitandloss", "PROFITANDLOSS"):
            resp = api.get(f"/api.xro/2.0/Reports/{name}")
            assert resp.status_code == 200, name
            assert resp.json()["Reports"][0]["ReportID"] == "ProfitAndLoss"
        assert api.get("/api.xro/2.0/Reports/balancesheet").status_code == 403
    finally:
        clean_sandbox.set_scopes(client, None)


def test_files_api_forms(clean_sandbox, api) -> None:
    # freakboy3742/pyxero, src/xero/filesmanager.py: _get_associations joins
    # [base_url, "Files", id, "Associations"] + "/", _get_files [..., "Folders", folderId,
    # "Files"] (Xero's documented GET /Folders/{FolderId}/Files, also in XeroPHP's
    # Models/Files/Folder.php), _get_association [..., "Files", fileId, "Associations",
    # objectId]; lower-case resource names are served as Xero serves them.
    org = clean_sandbox.sandbox.org(api.tenant_id)
    from xero_sandbox.backend.files import box
    held = box(org)
    file_id, links = next((k, v) for k, v in sorted(held.associations.items()) if v)
    with_slash = api.get(f"{FILES}/Files/{file_id}/Associations/")
    assert with_slash.json() == api.get(f"{FILES}/Files/{file_id}/Associations").json()
    one = api.get(f"{FILES}/Files/{file_id}/Associations/{links[0]['ObjectId']}")
    assert one.json()["ObjectId"] == links[0]["ObjectId"]
    folder = held.files[file_id]["FolderId"]
    listed = api.get(f"{FILES}/Folders/{folder}/Files").json()
    assert file_id in {f["Id"] for f in listed["Files"]}
    assert api.get(f"{FILES}/files?pagesize=2").json()["PerPage"] == 2
    assert api.get(f"{FILES}/inbox").json()["Id"] == held.inbox_id


def test_finance_paths_in_any_case(api) -> None:
    # xero-finance.yaml spells /FinancialStatements/contacts/revenue with a lower-case
    # segment (XeroAPI/xero-python and xero-node call it so) beside /FinancialStatements/...;
    # Xero matches either in any case.
    for path in ("/FinancialStatements/contacts/revenue", "/financialstatements/Contacts/Revenue",
                 "/FinancialStatements/BalanceSheet/", "/financialstatements/balancesheet"):
        assert api.get(f"/finance.xro/1.0{path}").status_code == 200, path


def test_projects_forms(clean_sandbox, api) -> None:
    # freakboy3742/pyxero, src/xero/projectmanager.py: _set_status PATCHes
    # [base_url, "Projects", projectId]; _get_tasks and _get_time read
    # [..., projectId, "Tasks"] and [..., projectId, "Time"].
    project = clean_sandbox.records(api.tenant_id, "projects")[0]["projectId"]
    base = f"/projects.xro/2.0/Projects/{project}"
    assert api.request("PATCH", base, json={"status": "CLOSED"}).status_code == 204
    assert api.get(base).json()["status"] == "CLOSED"
    tasks = api.get(f"{base}/Tasks").json()["items"]
    assert tasks and api.get(f"/projects.xro/2.0/projects/{project}/tasks/").json()[
        "items"] == tasks
    assert api.get(f"{base}/Time").json()["items"]


@pytest.mark.parametrize("path", ["/api.xro/2.0/Invoices", "/assets.xro/1.0/Assets",
                                  f"{FILES}/Files"])
def test_patch_is_for_the_projects_api_only(api, path) -> None:
    # PATCH is routed for the Projects API (xero-projects.yaml PATCH /Projects/{projectId});
    # elsewhere Xero refuses the method.
    assert api.request("PATCH", f"{path}/{uuid.uuid4()}", json={}).status_code == 405


def test_query_parameter_names_in_any_case(clean_sandbox, api) -> None:
    # XeroAPI/Xero-Net (Xero.Api.SDK) sends its filters lower case: Core/Endpoints/
    # InvoicesEndpoint.cs AddParameter("ids" ...), ("invoicenumbers" ...), ("statuses" ...),
    # ("contactids" ...); the spec spells them IDs, InvoiceNumbers, Statuses, ContactIDs.
    invoices = clean_sandbox.records(api.tenant_id, "invoices")
    two = invoices[:2]
    ids = ",".join(i["InvoiceID"] for i in two)
    for name in ("IDs", "ids"):
        got = api.records("Invoices", "Invoices", **{name: ids})
        assert sorted(i["InvoiceID"] for i in got) == sorted(i["InvoiceID"] for i in two)
    numbers = api.records("Invoices", "Invoices", invoicenumbers=two[0]["InvoiceNumber"])
    assert [i["InvoiceID"] for i in numbers] == [two[0]["InvoiceID"]]
    paid = api.records("Invoices", "Invoices", statuses="PAID", page=1)
    assert paid and {i["Status"] for i in paid} == {"PAID"}
    contact = two[0]["Contact"]["ContactID"]
    theirs = api.records("Invoices", "Invoices", contactids=contact, page=1)
    assert theirs and {i["Contact"]["ContactID"] for i in theirs} == {contact}
    sized = api.get("Invoices", params={"page": 1, "pagesize": 5}).json()
    assert len(sized["Invoices"]) == 5 and sized["pagination"]["pageSize"] == 5


def test_guids_without_hyphens(clean_sandbox, api) -> None:
    # freakboy3742/pyxero, src/xero/basemanager.py: _filter joins
    # ",".join(UUID(x).hex for x in kwargs.pop(param)) for the *IDs parameters, i.e. GUIDs as
    # 32 hex digits without hyphens (.NET's Guid "N" format, which Xero parses as any GUID).
    two = clean_sandbox.records(api.tenant_id, "invoices")[:2]
    got = api.records("Invoices", "Invoices",
                      IDs=",".join(uuid.UUID(i["InvoiceID"]).hex for i in two))
    assert sorted(i["InvoiceID"] for i in got) == sorted(i["InvoiceID"] for i in two)
    one = uuid.UUID(two[0]["InvoiceID"]).hex
    assert api.get(f"Invoices/{one}").json()["Invoices"][0]["InvoiceID"] == two[0]["InvoiceID"]


@pytest.mark.parametrize("resource", ["employees", "payRuns", "timesheets", "earningsRates",
                                      "payRunCalendars"])
def test_payroll_uk_resources_in_camel_case(make_api, resource) -> None:
    # calcinai/xero-php, src/XeroPHP/Models/PayrollUK/*.php: getResourceURI() returns
    # 'employees', 'payRuns', 'timesheets', 'earningsRates', 'payRunCalendars' (the spec
    # spells /Employees, /PayRuns, /Timesheets, /EarningsRates, /PayRunCalendars).
    uk = make_api(1)
    assert uk.org["tenant_name"] == "Demo Company (UK)"
    spec_spelling = resource[0].upper() + resource[1:]
    first = uk.get(f"/payroll.xro/2.0/{spec_spelling}", params={"page": 1})
    second = uk.get(f"/payroll.xro/2.0/{resource}", params={"page": 1})
    assert first.status_code == second.status_code == 200, second.text[:200]
    key = next(k for k, v in first.json().items() if isinstance(v, list))
    assert second.json()[key] == first.json()[key]


def test_payroll_au_payslip_singular_and_the_base_in_any_case() -> None:
    # freakboy3742/pyxero, src/xero/api.py: PayrollAPI's managers include "Payslip", read as
    # /payroll.xro/1.0/Payslip/{id} (so does XeroPHP's PayrollAU/Payslip.php 'Payslip').
    from tests.sandbox.conftest import InProcessAPI
    from xero_sandbox.inprocess import SandboxInProcess
    with SandboxInProcess(size=40, orgs=3, limits=False) as sandbox:
        au = InProcessAPI(sandbox, 2)  # type: ignore[arg-type]
        assert au.org["tenant_name"] == "Demo Company (AU)"
        runs = au.get("/payroll.xro/1.0/PayRuns").json()["PayRuns"]
        run = au.get(f"/payroll.xro/1.0/PayRuns/{runs[0]['PayRunID']}").json()["PayRuns"][0]
        slip = run["Payslips"][0]["PayslipID"]
        for path in (f"/payroll.xro/1.0/Payslip/{slip}", f"/payroll.xro/1.0/payslip/{slip}/",
                     f"/PAYROLL.XRO/1.0/Payslip/{slip}"):
            resp = au.get(path)
            assert resp.status_code == 200, path
            assert resp.json()["Payslip"]["PayslipID"] == slip


def test_projects_users_as_pyxero_spells_it(clean_sandbox, api) -> None:
    # freakboy3742/pyxero, src/xero/api.py: ProjectsAPI's managers include "Projectsusers",
    # read as /projects.xro/2.0/Projectsusers (the spec's GET /ProjectsUsers).
    users = clean_sandbox.records(api.tenant_id, "users")
    spec = api.get("/projects.xro/2.0/ProjectsUsers").json()
    assert api.get("/projects.xro/2.0/Projectsusers").json() == spec
    assert spec["pagination"]["itemCount"] == len(users)
    assert {u["userId"] for u in spec["items"]} == {u["UserID"] for u in users}
    paged = api.get("/projects.xro/2.0/ProjectsUsers", params={"pageSize": 1, "page": 2}).json()
    assert (paged["pagination"]["pageSize"], paged["items"]) == (1, spec["items"][1:2])
    assert api.get("/projects.xro/2.0/ProjectsUsers", params={"page": 0}).status_code == 400
