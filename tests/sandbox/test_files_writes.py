"""The sandbox's Files API writes: multipart uploads into the Inbox or a folder, renames and
moves, deletes, associations with the organisation's documents, folder writes; each refusal,
the `files` scope, Idempotency-Key replays, and what the sandbox holds afterwards."""

from __future__ import annotations

import uuid
from typing import Any

from tests.sandbox.spec_responses import check_response
from xero_core.endpoints import MAX_BODY_BYTES
from xero_sandbox.backend.files import FilesBox, box
from xero_sandbox.backend.files_writes import MAX_FILE_BYTES
from xero_sandbox.routes_apis import UPLOAD_BODY_BYTES

FILES = "/files.xro/1.0"
SPEC = "xero_files.yaml"


def _box(sandbox: Any, tenant_id: str) -> FilesBox:
    org = sandbox.sandbox.org(tenant_id)
    assert org is not None
    return box(org)


def _upload(api: Any, path: str = "/Files", content: bytes = b"%PDF-1.4 hello\n",
            name: str = "hello.pdf", **kw: Any) -> Any:
    # xero-python's upload_file sends the bytes as the `body` part with name, filename and
    # mimeType form fields.
    fields = kw.pop("data", {"name": name, "filename": name, "mimeType": "application/pdf"})
    return api.request("POST", FILES + path, files={"body": (name, content, "application/pdf")},
                       data=fields, **kw)


def _document(clean_sandbox: Any, api: Any, stream: str, **match: str) -> dict[str, Any]:
    rows = clean_sandbox.records(api.tenant_id, stream)
    return next(r for r in rows if all(r.get(k) == v for k, v in match.items()))


def test_upload_into_the_inbox_and_read_it_back(clean_sandbox, api) -> None:
    resp = _upload(api)
    assert resp.status_code == 201, resp.text
    made = check_response(SPEC, "/Files", resp)
    held = _box(clean_sandbox, api.tenant_id)
    assert made["FolderId"] == held.inbox_id
    assert (made["Name"], made["MimeType"], made["Size"]) == ("hello.pdf", "application/pdf", 15)
    assert held.content[made["Id"]] == b"%PDF-1.4 hello\n"
    assert made in clean_sandbox.records(api.tenant_id, "files")  # what the admin API shows
    assert api.get(f"{FILES}/Files/{made['Id']}/Content").content == b"%PDF-1.4 hello\n"
    listed = api.get(f"{FILES}/Files", params={"sort": "CreatedDateUTC", "direction": "DESC"})
    assert listed.json()["Items"][0]["Id"] == made["Id"]


def test_upload_into_a_folder_any_part_name_and_type_from_the_name(clean_sandbox, api) -> None:
    held = _box(clean_sandbox, api.tenant_id)
    folder = next(f for f in held.folders.values() if f["Name"] == "Receipts")
    # pyxero's upload_file names the part after the file and sends no form fields.
    resp = api.request("POST", f"{FILES}/Files/{folder['Id']}",
                       files={"till-slip.png": ("till-slip.png", b"\x89PNG\r\n")})
    assert resp.status_code == 201, resp.text
    made = check_response(SPEC, "/Files/{FolderId}", resp)
    assert (made["FolderId"], made["Name"], made["MimeType"]) == (
        folder["Id"], "till-slip.png", "image/png")
    count = api.get(f"{FILES}/Folders/{folder['Id']}").json()["FileCount"]
    assert count == held.file_count(folder["Id"])


def test_uploads_xero_would_refuse(clean_sandbox, api) -> None:
    before = len(_box(clean_sandbox, api.tenant_id).files)
    empty = _upload(api, content=b"")
    too_big = _upload(api, content=b"x" * (MAX_FILE_BYTES + 1))
    no_name = _upload(api, data={"name": ""}, name="")
    not_multipart = api.request("POST", f"{FILES}/Files", data=b"raw bytes",
                                headers={"Content-Type": "application/pdf"})
    for resp, words in ((empty, "empty"), (too_big, "10 MB"), (no_name, "name"),
                        (not_multipart, "multipart")):
        assert resp.status_code == 400, resp.text
        assert words in resp.json()["Message"]
    gone = _upload(api, path=f"/Files/{uuid.uuid4()}")
    assert gone.status_code == 404
    assert len(_box(clean_sandbox, api.tenant_id).files) == before


def test_rename_move_and_delete_a_file(clean_sandbox, api) -> None:
    made = _upload(api).json()
    held = _box(clean_sandbox, api.tenant_id)
    target = next(f for f in held.folders.values() if f["Name"] == "Contracts")
    resp = api.request("PUT", f"{FILES}/Files/{made['Id']}",
                       json={"Name": "renamed.pdf", "FolderId": target["Id"]})
    assert resp.status_code == 200, resp.text
    moved = check_response(SPEC, "/Files/{FileId}", resp)
    assert (moved["Name"], moved["FolderId"]) == ("renamed.pdf", target["Id"])
    assert held.files[made["Id"]]["Name"] == "renamed.pdf"
    assert moved["UpdatedDateUtc"] >= made["UpdatedDateUtc"]
    bad = api.request("PUT", f"{FILES}/Files/{made['Id']}", json={"FolderId": str(uuid.uuid4())})
    assert bad.status_code == 400
    assert api.request("PUT", f"{FILES}/Files/{made['Id']}", json={}).status_code == 400
    assert api.request("DELETE", f"{FILES}/Files/{made['Id']}").status_code == 204
    assert made["Id"] not in held.files and made["Id"] not in held.content
    assert api.get(f"{FILES}/Files/{made['Id']}").status_code == 404
    assert api.request("DELETE", f"{FILES}/Files/{made['Id']}").status_code == 404


def test_associate_with_invoices_bills_contacts_and_bank_transactions(clean_sandbox,
                                                                        api) -> None:
    made = _upload(api).json()
    docs = [
        (_document(clean_sandbox, api, "invoices", Type="ACCREC"), "InvoiceID", "Invoice",
         "AccRec"),
        (_document(clean_sandbox, api, "invoices", Type="ACCPAY"), "InvoiceID", "Invoice",
         "Accpay"),
        (_document(clean_sandbox, api, "contacts"), "ContactID", "Contact", "Contact"),
        (_document(clean_sandbox, api, "bank_transactions", Type="SPEND"), "BankTransactionID",
         "BankTransaction", "CashPaid"),
        (_document(clean_sandbox, api, "credit_notes"), "CreditNoteID", "CreditNote", None),
    ]
    for doc, pk, group, kind in docs:
        resp = api.request("POST", f"{FILES}/Files/{made['Id']}/Associations",
                           json={"ObjectId": doc[pk], "ObjectGroup": group})
        assert resp.status_code == 201, resp.text
        link = check_response(SPEC, "/Files/{FileId}/Associations", resp)
        assert (link["ObjectId"], link["ObjectGroup"]) == (doc[pk], group)
        assert kind is None or link["ObjectType"] == kind
        by_object = api.get(f"{FILES}/Associations/{doc[pk]}").json()
        assert made["Id"] in {a["FileId"] for a in by_object}
    held = _box(clean_sandbox, api.tenant_id)
    assert [a["ObjectId"] for a in held.associations[made["Id"]]] == [d[p] for d, p, *_ in docs]
    stored = clean_sandbox.records(api.tenant_id, "file_associations")
    assert {a["ObjectId"] for a in stored if a["FileId"] == made["Id"]} == {
        d[p] for d, p, *_ in docs}


def test_associations_xero_would_refuse(clean_sandbox, api) -> None:
    made = _upload(api).json()
    contact = _document(clean_sandbox, api, "contacts")
    other_org = clean_sandbox.records(clean_sandbox.orgs[1]["tenant_id"], "invoices")[0]
    url = f"{FILES}/Files/{made['Id']}/Associations"
    for body in ({"ObjectId": str(uuid.uuid4()), "ObjectGroup": "Invoice"},
                 {"ObjectId": other_org["InvoiceID"], "ObjectGroup": "Invoice"},
                 {"ObjectId": contact["ContactID"], "ObjectGroup": "Invoice"},
                 {"ObjectId": contact["ContactID"]},
                 {"ObjectGroup": "Contact"}):
        resp = api.request("POST", url, json=body)
        assert resp.status_code == 400, body
    # xero-python's create_file_association sends PUT as well as POST to this path.
    ok = api.request("PUT", url, json={"ObjectId": contact["ContactID"], "ObjectGroup": "Contact"})
    assert ok.status_code == 201
    twice = api.request("POST", url, json={"ObjectId": contact["ContactID"],
                                           "ObjectGroup": "contact"})
    assert twice.status_code == 400 and "already" in twice.json()["Message"]
    assert api.request("POST", f"{FILES}/Files/{uuid.uuid4()}/Associations",
                       json={"ObjectId": contact["ContactID"]}).status_code == 404


def test_delete_an_association(clean_sandbox, api) -> None:
    made = _upload(api).json()
    contact = _document(clean_sandbox, api, "contacts")
    api.request("POST", f"{FILES}/Files/{made['Id']}/Associations",
                json={"ObjectId": contact["ContactID"], "ObjectGroup": "Contact"})
    url = f"{FILES}/Files/{made['Id']}/Associations/{contact['ContactID']}"
    assert api.get(url).json()["ObjectId"] == contact["ContactID"]  # pyxero get_association
    assert api.request("DELETE", url).status_code == 204
    assert api.get(f"{FILES}/Files/{made['Id']}/Associations").json() == []
    assert api.request("DELETE", url).status_code == 404


def test_folder_create_rename_delete_and_the_inbox_stays(clean_sandbox, api) -> None:
    resp = api.request("POST", f"{FILES}/Folders", json={"Name": "Tax 2026"})
    assert resp.status_code == 200, resp.text
    folder = check_response(SPEC, "/Folders", resp)
    assert (folder["Name"], folder["FileCount"], folder["IsInbox"]) == ("Tax 2026", 0, False)
    assert api.request("POST", f"{FILES}/Folders", json={"Name": "tax 2026"}).status_code == 400
    assert api.request("POST", f"{FILES}/Folders", json={"Name": " "}).status_code == 400
    resp = api.request("PUT", f"{FILES}/Folders/{folder['Id']}", json={"Name": "Tax"})
    assert check_response(SPEC, "/Folders/{FolderId}", resp)["Name"] == "Tax"
    inbox = _box(clean_sandbox, api.tenant_id).inbox_id
    assert api.request("PUT", f"{FILES}/Folders/{inbox}", json={"Name": "X"}).status_code == 400
    assert api.request("DELETE", f"{FILES}/Folders/{inbox}").status_code == 400
    _upload(api, path=f"/Files/{folder['Id']}")
    assert api.request("DELETE", f"{FILES}/Folders/{folder['Id']}").status_code == 400
    file_id = next(f["Id"] for f in _box(clean_sandbox, api.tenant_id).files.values()
                   if f["FolderId"] == folder["Id"])
    api.request("DELETE", f"{FILES}/Files/{file_id}")
    assert api.request("DELETE", f"{FILES}/Folders/{folder['Id']}").status_code == 204
    assert folder["Id"] not in _box(clean_sandbox, api.tenant_id).folders


def test_an_idempotency_key_uploads_once(clean_sandbox, api) -> None:
    key = uuid.uuid4().hex
    before = len(_box(clean_sandbox, api.tenant_id).files)
    first = _upload(api, headers={"Idempotency-Key": key})
    again = _upload(api, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.content == again.content
    assert len(_box(clean_sandbox, api.tenant_id).files) == before + 1
    assert [r["replayed"] for r in clean_sandbox.requests()
            if r["path"].startswith(FILES)] == [False, True]


def test_writes_need_the_files_scope_not_its_read_variant(clean_sandbox, make_api) -> None:
    api = make_api(0)
    client = api.settings["client_id"]
    try:
        clean_sandbox.set_scopes(client, ["files.read"])
        api.token = api.new_token()
        assert _upload(api).status_code == 403
        assert api.request("POST", f"{FILES}/Folders", json={"Name": "N"}).status_code == 403
        clean_sandbox.set_scopes(client, ["files"])
        api.token = api.new_token()
        assert _upload(api).status_code == 201
    finally:
        clean_sandbox.set_scopes(client, None)


def test_methods_the_files_api_does_not_take(api) -> None:
    assert api.request("DELETE", f"{FILES}/Folders").status_code == 405
    assert api.request("PATCH", f"{FILES}/Files").status_code == 405
    assert api.request("POST", f"{FILES}/Inbox").status_code == 405
    assert api.get(f"{FILES}/Nothing").status_code == 404


def test_bodies_past_the_limits_are_refused_unread(clean_sandbox, api) -> None:
    huge = _upload(api, content=b"x" * UPLOAD_BODY_BYTES)
    assert huge.status_code == 413 and str(UPLOAD_BODY_BYTES) in huge.json()["Detail"]
    made = _upload(api).json()
    long = api.request("PUT", f"{FILES}/Files/{made['Id']}",
                       data=b'{"Name": "' + b"x" * MAX_BODY_BYTES + b'"}',
                       headers={"Content-Type": "application/json"})
    assert long.status_code == 413
    assert _box(clean_sandbox, api.tenant_id).files[made["Id"]]["Name"] == "hello.pdf"


def test_another_organisations_files_are_not_found(clean_sandbox, make_api) -> None:
    mine, theirs = make_api(0), make_api(1)
    made = _upload(mine).json()
    assert theirs.get(f"{FILES}/Files/{made['Id']}").status_code == 404
    assert theirs.request("DELETE", f"{FILES}/Files/{made['Id']}").status_code == 404
    assert mine.get(f"{FILES}/Files/{made['Id']}").status_code == 200
