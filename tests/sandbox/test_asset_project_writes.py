"""The sandbox's Assets and Projects writes: draft and registered assets, asset types, projects
(create, update, close), tasks and time entries; their validation and error shapes, totals,
Idempotency-Key replays, scopes, updated order moving, and answers against the OpenAPI files."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.sandbox.spec_responses import check_response
from xero_core.openapi_schemas import iter_operations, operation, request_example

ASSETS = "/assets.xro/1.0"
PROJECTS = "/projects.xro/2.0"


def _org(sandbox: Any, tenant_id: str) -> Any:
    org = sandbox.sandbox.org(tenant_id)
    assert org is not None
    return org


def _asset_type(clean_sandbox: Any, api: Any) -> dict[str, Any]:
    return clean_sandbox.records(api.tenant_id, "asset_types")[0]


def test_a_draft_asset_gets_the_next_number(clean_sandbox, api) -> None:
    resp = api.request("POST", f"{ASSETS}/Assets", json={"assetName": "Standing desk"})
    assert resp.status_code == 200, resp.text
    asset = check_response("xero_assets.yaml", "/Assets", resp)
    assert asset["assetStatus"] == "Draft" and asset["assetNumber"].startswith("FA-")
    held = _org(clean_sandbox, api.tenant_id).coll("assets").get(asset["assetId"])
    assert held == asset
    listed = api.get(f"{ASSETS}/Assets", params={"status": "DRAFT", "pageSize": 200}).json()
    assert asset["assetId"] in {a["assetId"] for a in listed["items"]}
    again = api.request("POST", f"{ASSETS}/Assets", json={"assetName": "Chair"}).json()
    assert again["assetNumber"] != asset["assetNumber"]


def test_register_an_asset_and_change_a_draft(clean_sandbox, api) -> None:
    kind = _asset_type(clean_sandbox, api)
    body = {"assetName": "Delivery van", "assetNumber": f"VAN-{uuid.uuid4().hex[:6]}",
            "assetStatus": "Registered", "assetTypeId": kind["assetTypeId"],
            "purchaseDate": "2026-02-01", "purchasePrice": 30000}
    resp = api.request("POST", f"{ASSETS}/Assets", json=body)
    assert resp.status_code == 200, resp.text
    asset = check_response("xero_assets.yaml", "/Assets", resp)
    assert (asset["assetStatus"], asset["purchasePrice"]) == ("Registered", 30000.0)
    assert asset["bookDepreciationSetting"]["depreciationMethod"] == \
        kind["bookDepreciationSetting"]["depreciationMethod"]
    # A registered asset is not changed by POST with its id; a draft is.
    assert api.request("POST", f"{ASSETS}/Assets", json={**body, "assetId": asset["assetId"]}
                       ).status_code == 400
    draft = api.request("POST", f"{ASSETS}/Assets", json={"assetName": "Old name"}).json()
    changed = api.request("POST", f"{ASSETS}/Assets",
                          json={"assetId": draft["assetId"], "assetName": "New name"}).json()
    assert (changed["assetId"], changed["assetName"]) == (draft["assetId"], "New name")


@pytest.mark.parametrize(("body", "field"), [
    ({}, "assetName"),
    ({"assetName": "X", "assetStatus": "Disposed"}, "assetStatus"),
    ({"assetName": "X", "assetStatus": "Registered"}, "assetTypeId"),
    ({"assetName": "X", "assetTypeId": str(uuid.uuid4())}, "assetTypeId"),
    ({"assetName": "X", "purchaseDate": "01/02/2026"}, "purchaseDate"),
    ({"assetName": "X", "purchasePrice": "lots"}, "purchasePrice"),
    ({"assetName": "X", "bookDepreciationSetting": {"depreciationRate": 0.2,
                                                    "effectiveLifeYears": 5}},
     "BookDepreciationSetting.DepreciationRate"),
    ({"assetName": "X", "bookDepreciationSetting": {"depreciationMethod": "Fast"}},
     "BookDepreciationSetting.depreciationMethod"),
])
def test_assets_xero_refuses_name_the_field(clean_sandbox, api, body, field) -> None:
    before = len(clean_sandbox.records(api.tenant_id, "assets"))
    resp = api.request("POST", f"{ASSETS}/Assets", json=body)
    assert resp.status_code == 400, resp.text
    error = resp.json()
    assert error["title"] == "The resource update failed validation."
    assert field in [e["fieldName"] for e in error["fieldValidationErrors"]]
    assert len(clean_sandbox.records(api.tenant_id, "assets")) == before


def test_asset_types_are_added_once_with_real_accounts(clean_sandbox, api) -> None:
    accounts = {a["Code"]: a["AccountID"] for a in clean_sandbox.records(api.tenant_id,
                                                                         "accounts")
                if a.get("Code")}
    body = {"assetTypeName": "Machinery", "fixedAssetAccountId": accounts["710"],
            "depreciationExpenseAccountId": accounts["416"],
            "accumulatedDepreciationAccountId": accounts["711"],
            "bookDepreciationSetting": {"depreciationMethod": "StraightLine",
                                        "averagingMethod": "ActualDays",
                                        "depreciationRate": 0.1,
                                        "depreciationCalculationMethod": "None"}}
    resp = api.request("POST", f"{ASSETS}/AssetTypes", json=body)
    assert resp.status_code == 200, resp.text
    made = check_response("xero_assets.yaml", "/AssetTypes", resp)
    assert made["assetTypeId"] in {t["assetTypeId"] for t in api.get(f"{ASSETS}/AssetTypes")
                                   .json()}
    assert api.request("POST", f"{ASSETS}/AssetTypes", json=body).status_code == 409
    bad = api.request("POST", f"{ASSETS}/AssetTypes",
                      json={**body, "assetTypeName": "Other",
                            "depreciationExpenseAccountId": str(uuid.uuid4())})
    assert bad.status_code == 400
    assert bad.json()["fieldValidationErrors"][0]["detail"] == \
        "Depreciation Expense Account Id is invalid"


def _project(api: Any, clean_sandbox: Any, **extra: Any) -> dict[str, Any]:
    contact = clean_sandbox.records(api.tenant_id, "contacts")[0]
    resp = api.request("POST", f"{PROJECTS}/Projects",
                       json={"name": "Kitchen fit-out", "contactId": contact["ContactID"],
                             "estimateAmount": 2500, "deadlineUtc": "2027-01-31T00:00:00Z",
                             **extra})
    assert resp.status_code == 201, resp.text
    return check_response("xero-projects.yaml", "/Projects", resp)


def test_project_create_update_and_close(clean_sandbox, api) -> None:
    made = _project(api, clean_sandbox)
    assert (made["status"], made["estimateAmount"]["value"]) == ("INPROGRESS", 2500.0)
    url = f"{PROJECTS}/Projects/{made['projectId']}"
    resp = api.request("PUT", url, json={"name": "Kitchen and bathroom"})
    assert resp.status_code == 204
    assert api.get(url).json()["name"] == "Kitchen and bathroom"
    assert api.request("PATCH", url, json={"status": "CLOSED"}).status_code == 204
    assert api.get(url).json()["status"] == "CLOSED"
    refused = api.request("PATCH", url, json={"status": "DONE"})
    assert refused.status_code == 400 and "status" in refused.json()["modelState"]
    missing = api.request("POST", f"{PROJECTS}/Projects", json={"contactId": str(uuid.uuid4())})
    assert missing.status_code == 400
    error = check_response("xero-projects.yaml", "/Projects", missing)  # its Error component
    assert set(error["modelState"]) == {"name", "contactId"}
    assert api.request("PUT", f"{PROJECTS}/Projects/{uuid.uuid4()}",
                       json={"name": "x"}).status_code == 404


def test_tasks_and_time_entries_move_the_totals(clean_sandbox, api) -> None:
    project = _project(api, clean_sandbox)
    base = f"{PROJECTS}/Projects/{project['projectId']}"
    resp = api.request("POST", f"{base}/Tasks", json={
        "name": "Design", "rate": {"currency": project["currencyCode"], "value": 90},
        "chargeType": "TIME", "estimateMinutes": 120})
    assert resp.status_code == 201, resp.text
    task = check_response("xero-projects.yaml", "/Projects/{projectId}/Tasks", resp)
    user = clean_sandbox.records(api.tenant_id, "users")[0]["UserID"]
    entry_body = {"userId": user, "taskId": task["taskId"], "dateUtc": "2026-11-02T09:00:00Z",
                  "duration": 90, "description": "Drawings"}
    resp = api.request("POST", f"{base}/Time", json=entry_body)
    assert resp.status_code == 200, resp.text
    entry = check_response("xero-projects.yaml", "/Projects/{projectId}/Time", resp)
    got = api.get(f"{base}/Tasks/{task['taskId']}").json()
    assert (got["totalMinutes"], got["totalAmount"]["value"]) == (90, 135.0)
    assert api.get(base).json()["minutesLogged"] == 90
    assert api.request("PUT", f"{base}/Time/{entry['timeEntryId']}",
                       json={**entry_body, "duration": 60}).status_code == 204
    assert api.get(base).json()["minutesLogged"] == 60
    assert api.request("DELETE", f"{base}/Tasks/{task['taskId']}").status_code == 400
    assert api.request("DELETE", f"{base}/Time/{entry['timeEntryId']}").status_code == 204
    assert api.get(base).json()["minutesLogged"] == 0
    assert api.request("PUT", f"{base}/Tasks/{task['taskId']}", json={
        "name": "Design work", "rate": {"currency": project["currencyCode"], "value": 100.5},
        "chargeType": "TIME"}).status_code == 204
    assert api.get(f"{base}/Tasks/{task['taskId']}").json()["name"] == "Design work"
    assert api.request("DELETE", f"{base}/Tasks/{task['taskId']}").status_code == 204
    assert api.get(f"{base}/Tasks/{task['taskId']}").status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"userId": "nobody", "duration": 30}, "userId"),
    ({"duration": 0}, "duration"),
    ({"duration": 60_000}, "duration"),
    ({"duration": 30, "dateUtc": "yesterday"}, "dateUtc"),
    ({"duration": 30, "taskId": str(uuid.uuid4())}, "taskId"),
])
def test_time_entries_xero_refuses(clean_sandbox, api, body, field) -> None:
    project = _project(api, clean_sandbox)
    base = f"{PROJECTS}/Projects/{project['projectId']}"
    task = api.request("POST", f"{base}/Tasks", json={
        "name": "Build", "rate": {"currency": project["currencyCode"], "value": 50},
        "chargeType": "TIME"}).json()
    user = clean_sandbox.records(api.tenant_id, "users")[0]["UserID"]
    full = {"userId": user, "taskId": task["taskId"], "dateUtc": "2026-11-02T09:00:00Z",
            **body}
    resp = api.request("POST", f"{base}/Time", json=full)
    assert resp.status_code == 400, resp.text
    assert field in resp.json()["modelState"]


def test_tasks_xero_refuses_and_closed_projects_take_no_time(clean_sandbox, api) -> None:
    project = _project(api, clean_sandbox)
    base = f"{PROJECTS}/Projects/{project['projectId']}"
    for body, field in (({"name": "x" * 101, "rate": {"value": 1}, "chargeType": "TIME"}, "name"),
                        ({"name": "A", "rate": {"value": 1}, "chargeType": "HOURLY"},
                         "chargeType"),
                        ({"name": "A", "rate": {"currency": "XXX", "value": 1},
                          "chargeType": "TIME"}, "rate.currency")):
        resp = api.request("POST", f"{base}/Tasks", json=body)
        assert resp.status_code == 400 and field in resp.json()["modelState"], body
    task = api.request("POST", f"{base}/Tasks", json={
        "name": "Fixed", "rate": {"value": 500}, "chargeType": "FIXED"}).json()
    api.request("PATCH", base, json={"status": "CLOSED"})
    user = clean_sandbox.records(api.tenant_id, "users")[0]["UserID"]
    resp = api.request("POST", f"{base}/Time", json={
        "userId": user, "taskId": task["taskId"], "dateUtc": "2026-11-02T09:00:00Z",
        "duration": 30})
    assert resp.status_code == 400


def test_writes_replay_on_the_same_idempotency_key(clean_sandbox, api) -> None:
    key = uuid.uuid4().hex
    body = {"assetName": f"Printer {key[:6]}"}
    first = api.request("POST", f"{ASSETS}/Assets", json=body, headers={"Idempotency-Key": key})
    again = api.request("POST", f"{ASSETS}/Assets", json=body, headers={"Idempotency-Key": key})
    assert first.content == again.content
    names = [a["assetName"] for a in clean_sandbox.records(api.tenant_id, "assets")]
    assert names.count(body["assetName"]) == 1


def test_a_write_moves_the_record_to_the_end_of_the_updated_order(clean_sandbox, api) -> None:
    coll = _org(clean_sandbox, api.tenant_id).coll("projects")
    first = next(iter(coll.view()))
    api.request("PUT", f"{PROJECTS}/Projects/{first['projectId']}", json={"name": "Renamed"})
    assert list(coll.view())[-1]["projectId"] == first["projectId"]
    assert coll.updated_ms[first["projectId"]] == max(coll.updated_ms.values())


def test_writes_need_the_write_scope(clean_sandbox, make_api) -> None:
    api = make_api(0)
    client = api.settings["client_id"]
    try:
        clean_sandbox.set_scopes(client, ["assets.read", "projects.read"])
        api.token = api.new_token()
        assert api.request("POST", f"{ASSETS}/Assets", json={"assetName": "X"}
                           ).status_code == 403
        assert api.request("POST", f"{PROJECTS}/Projects", json={"name": "X"}
                           ).status_code == 403
        assert api.get(f"{PROJECTS}/Projects").status_code == 200
    finally:
        clean_sandbox.set_scopes(client, None)


def test_methods_these_apis_do_not_take(api) -> None:
    assert api.request("PUT", f"{ASSETS}/Assets", json={}).status_code == 405
    assert api.request("DELETE", f"{ASSETS}/Settings").status_code == 405
    assert api.request("DELETE", f"{PROJECTS}/Projects/{uuid.uuid4()}").status_code == 405
    assert api.request("PATCH", "Invoices", json={}).status_code == 405


SPEC_WRITES = [(api, path, method, op["operationId"])
               for api in ("assets", "projects") for path, method, op in iter_operations(api)
               if method in ("post", "put", "patch")]


@pytest.mark.parametrize(("spec_api", "path", "method", "operation_id"), SPEC_WRITES,
                         ids=[w[3] for w in SPEC_WRITES])
def test_every_spec_write_is_answered_in_the_apis_own_shape(clean_sandbox, api, spec_api,
                                                           path, method, operation_id) -> None:
    """Each write of xero_assets.yaml / xero-projects.yaml, sent with the spec's own example
    (ids made this organisation's), gets the spec's success status or the API's 400."""
    project = clean_sandbox.records(api.tenant_id, "projects")[0]
    task = next(t for t in clean_sandbox.records(api.tenant_id, "project_tasks")
                if t["projectId"] == project["projectId"])
    entry = next(e for e in clean_sandbox.records(api.tenant_id, "project_time_entries")
                 if e["projectId"] == project["projectId"])
    ids = {"projectId": project["projectId"], "taskId": task["taskId"],
           "timeEntryId": entry["timeEntryId"]}
    url = re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], path)
    example = request_example(spec_api, path, method)
    body = example if isinstance(example, dict) else {}
    if "contactId" in body:
        body["contactId"] = project["contactId"]
    base = ASSETS if spec_api == "assets" else PROJECTS
    resp = api.request(method.upper(), base + url, json=body)
    op = operation(spec_api, path, method) or {}
    success = {int(s) for s in op.get("responses", {}) if s.startswith("2")}
    if resp.status_code == 400:
        error = resp.json()
        assert ("fieldValidationErrors" in error) if spec_api == "assets" else (
            "modelState" in error), resp.text
    else:
        assert resp.status_code in success, (operation_id, resp.status_code, resp.text[:300])
