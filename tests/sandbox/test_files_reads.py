"""The sandbox's Files API reads (/files.xro/1.0): the seeded folders, files and associations,
paging and sorting, bytes, and every answer checked against xero_files.yaml."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.spec_responses import check_response
from xero_sandbox.backend import seed, seed_files
from xero_sandbox.backend.files import OBJECT_STREAMS, FilesBox, box

FILES = "/files.xro/1.0"
SPEC = "xero_files.yaml"


def _box(sandbox: Any, tenant_id: str) -> FilesBox:
    org = sandbox.sandbox.org(tenant_id)
    assert org is not None
    return box(org)


def test_seed_has_inbox_folders_files_and_associations_with_real_documents() -> None:
    orgs = seed.generate(seed=7, size=60, orgs=3, now_ms=1_790_000_000_000)
    for org in orgs:
        files = box(org)
        names = sorted(f["Name"] for f in files.folders.values())
        assert names == ["Contracts", "Inbox", "Receipts", "Statements"]
        assert files.folders[files.inbox_id]["IsInbox"] is True
        assert len(files.files) >= 8
        for rec in files.files.values():
            assert rec["Size"] == len(files.content[rec["Id"]]) > 0
            assert rec["FolderId"] in files.folders
        links = [a for links in files.associations.values() for a in links]
        assert {a["ObjectGroup"] for a in links} >= {"Invoice", "Contact", "BankTransaction"}
        for link in links:  # each names a document this organisation holds
            stream = next(s for s, (group, _) in OBJECT_STREAMS.items()
                          if group == link["ObjectGroup"])
            assert org.coll(stream).get(link["ObjectId"]) is not None
        bills = [a for a in links if a["ObjectType"] == "Accpay"]
        assert bills and all(org.coll("invoices").get(a["ObjectId"])["Type"] == "ACCPAY"
                             for a in bills)


def test_seed_is_deterministic_and_leaves_every_other_record_as_it_was(monkeypatch) -> None:
    args = {"seed": 3, "size": 40, "orgs": 2, "now_ms": 1_790_000_000_000}
    first, again = seed.generate(**args), seed.generate(**args)
    assert [box(o).files for o in first] == [box(o).files for o in again]
    assert [box(o).content for o in first] == [box(o).content for o in again]
    monkeypatch.setattr(seed_files, "build", lambda *a, **k: None)
    without = seed.generate(**args)
    for with_files, bare in zip(first, without, strict=True):
        assert with_files.tenant_id == bare.tenant_id
        for stream, coll in bare.collections.items():
            if stream not in ("files", "folders", "file_associations"):
                assert with_files.coll(stream).records == coll.records, stream
        assert not bare.apis.get("files") and not bare.coll("files").records


def test_files_are_paged_with_pagesize_and_page(clean_sandbox, api) -> None:
    held = _box(clean_sandbox, api.tenant_id)
    seen = []
    for page in (1, 2, 3, 4):
        resp = api.get(f"{FILES}/Files", params={"pagesize": 3, "page": page})
        assert resp.status_code == 200, resp.text
        body = check_response(SPEC, "/Files", resp)
        assert (body["TotalCount"], body["Page"], body["PerPage"]) == (len(held.files), page, 3)
        seen += [f["Id"] for f in body["Items"]]
    assert sorted(seen) == sorted(held.files)  # every file once
    created = [held.files[i]["CreatedDateUtc"] for i in seen]
    assert created == sorted(created)  # CreatedDateUtc ascending unless asked otherwise


def test_pagesize_is_at_most_100_and_bad_paging_is_refused(api) -> None:
    body = api.get(f"{FILES}/Files", params={"pagesize": 1000}).json()
    assert body["PerPage"] == 100
    for params in ({"page": 0}, {"pagesize": "ten"}, {"sort": "Colour"},
                   {"direction": "UP"}):
        resp = api.get(f"{FILES}/Files", params=params)
        assert resp.status_code == 400, params
        assert resp.json()["Type"] == "ValidationException"


def test_files_sort_by_name_and_size_both_ways(api) -> None:
    by_name = api.get(f"{FILES}/Files", params={"sort": "Name", "direction": "DESC"}).json()
    names = [f["Name"].lower() for f in by_name["Items"]]
    assert names == sorted(names, reverse=True)
    by_size = api.get(f"{FILES}/Files", params={"sort": "size"}).json()
    sizes = [f["Size"] for f in by_size["Items"]]
    assert sizes == sorted(sizes)


def test_one_file_and_its_bytes(clean_sandbox, api) -> None:
    held = _box(clean_sandbox, api.tenant_id)
    rec = sorted(held.files.values(), key=lambda f: f["Name"])[0]
    for spelling in (rec["Id"], rec["Id"].upper()):
        resp = api.get(f"{FILES}/Files/{spelling}")
        assert resp.status_code == 200
        assert check_response(SPEC, "/Files/{FileId}", resp) == rec
    content = api.get(f"{FILES}/Files/{rec['Id']}/Content")
    assert content.status_code == 200
    assert content.content == held.content[rec["Id"]]
    assert content.headers["Content-Type"].startswith(rec["MimeType"])
    missing = api.get(f"{FILES}/Files/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404


def test_folders_inbox_and_a_folders_files(clean_sandbox, api) -> None:
    held = _box(clean_sandbox, api.tenant_id)
    resp = api.get(f"{FILES}/Folders")
    folders = check_response(SPEC, "/Folders", resp)
    assert {f["Id"] for f in folders} == set(held.folders)
    assert sum(f["FileCount"] for f in folders) == len(held.files)
    inbox = check_response(SPEC, "/Inbox", api.get(f"{FILES}/Inbox"))
    assert inbox["Id"] == held.inbox_id and inbox["IsInbox"] and inbox["Email"]
    one = next(f for f in folders if f["Name"] == "Receipts")
    got = check_response(SPEC, "/Folders/{FolderId}", api.get(f"{FILES}/Folders/{one['Id']}"))
    assert got == one
    named = sorted(f["Name"] for f in api.get(f"{FILES}/Folders",
                                              params={"sort": "Name"}).json())
    assert named == sorted(named, key=str.lower)
    # Xero's documented GET /Folders/{FolderId}/Files (pyxero get_files, XeroPHP Folder.Files)
    listed = api.get(f"{FILES}/Folders/{one['Id']}/Files").json()
    assert {f["Id"] for f in listed["Files"]} == {
        f["Id"] for f in held.files.values() if f["FolderId"] == one["Id"]}


def test_associations_of_a_file_and_of_a_document(clean_sandbox, api) -> None:
    held = _box(clean_sandbox, api.tenant_id)
    file_id, links = next((k, v) for k, v in sorted(held.associations.items()) if v)
    resp = api.get(f"{FILES}/Files/{file_id}/Associations")
    body = check_response(SPEC, "/Files/{FileId}/Associations", resp)
    assert [(a["FileId"], a["ObjectId"]) for a in body] == [
        (a["FileId"], a["ObjectId"]) for a in links]
    assert "Name" not in body[0]  # file details only on /Associations/{ObjectId}
    object_id = links[0]["ObjectId"]
    resp = api.get(f"{FILES}/Associations/{object_id}")
    by_object = check_response(SPEC, "/Associations/{ObjectId}", resp)
    assert file_id in {a["FileId"] for a in by_object}
    assert all(a["Name"] and a["Size"] > 0 for a in by_object)
    counts = api.get(f"{FILES}/Associations/Count",
                     params={"ObjectIds": f"{object_id},{file_id}"}).json()
    assert counts == {object_id: len(by_object), file_id: 0}
    assert api.get(f"{FILES}/Associations/Count").status_code == 400


@pytest.mark.parametrize("path", ["/Files", "/Folders", "/Inbox"])
def test_reads_need_the_files_scope_or_its_read_variant(clean_sandbox, make_api, path) -> None:
    api = make_api(0)
    client = api.settings["client_id"]
    try:
        clean_sandbox.set_scopes(client, ["files.read"])
        api.token = api.new_token()
        assert api.get(FILES + path).status_code == 200
        clean_sandbox.set_scopes(client, ["accounting.transactions"])
        api.token = api.new_token()
        assert api.get(FILES + path).status_code == 403
    finally:
        clean_sandbox.set_scopes(client, None)
