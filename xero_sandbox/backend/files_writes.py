"""Files API writes (xero_files.yaml): upload into the Inbox or a folder, rename or move a file,
delete it, associate it with a document of the organisation (or undo that), and create,
rename and delete folders. Every refusal is a 400 saying why (404 for an unknown id).
"""

from __future__ import annotations

import uuid
from typing import Any

from xero_core.endpoints import MAX_ATTACHMENT_BYTES
from xero_sandbox.backend.answers import Answer, bad_request, not_found
from xero_sandbox.backend.files import (
    OBJECT_STREAMS,
    FilesBox,
    Record,
    find_object,
    object_type,
    user_of,
    utc,
)
from xero_sandbox.backend.files_reads import LINK_FIELDS
from xero_sandbox.backend.store import Organisation

MAX_FILE_BYTES = MAX_ATTACHMENT_BYTES  # Xero's limit for one file: 10 MB
MAX_NAME = 255
GROUPS = {group.lower(): group for group, _ in OBJECT_STREAMS.values()}


def _name_problem(name: str, what: str) -> str | None:
    if not name.strip():
        return f"A {what} name is required"
    if len(name) > MAX_NAME:
        return f"A {what} name must not be longer than {MAX_NAME} characters"
    if any(c in name for c in "/\\") or any(ord(c) < 32 for c in name):
        return f"A {what} name must not contain slashes or control characters"
    return None


def upload(org: Organisation, files: FilesBox, folder_id: str | None, name: str,
           mime_type: str, content: bytes, now_ms: int) -> Answer:
    """POST /Files (the Inbox) or POST /Files/{FolderId}: 201 with the new file."""
    folder = files.folder_of(folder_id) if folder_id is not None else \
        files.folder_of(files.inbox_id)
    if folder is None:
        return not_found()
    problem = _name_problem(name, "file")
    if problem:
        return bad_request(problem)
    if not content:
        return bad_request("The file is empty")
    if len(content) > MAX_FILE_BYTES:
        return bad_request(f"The file is larger than the {MAX_FILE_BYTES} bytes (10 MB) a "
                           "file may have")
    stamp = utc(now_ms)
    rec = {"Name": name, "MimeType": mime_type or "application/octet-stream",
           "Size": len(content), "CreatedDateUtc": stamp, "UpdatedDateUtc": stamp,
           "User": user_of(org), "Id": str(uuid.uuid4()), "FolderId": folder["Id"]}
    files.put_file(rec, now_ms, bytes(content))
    return Answer(201, rec)


def update_file(files: FilesBox, file_id: str, body: dict[str, Any], now_ms: int) -> Answer:
    """PUT /Files/{FileId} {"Name": ..., "FolderId": ...}: rename and/or move."""
    rec = files.file_of(file_id)
    if rec is None:
        return not_found()
    changed = dict(rec)
    if "Name" in body:
        name = body["Name"] if isinstance(body["Name"], str) else ""
        problem = _name_problem(name, "file")
        if problem:
            return bad_request(problem)
        changed["Name"] = name
    if body.get("FolderId") is not None:
        folder = files.folder_of(str(body["FolderId"]))
        if folder is None:
            return bad_request(f"The folder {body['FolderId']} does not exist")
        changed["FolderId"] = folder["Id"]
    if "Name" not in body and body.get("FolderId") is None:
        return bad_request("Give the file a Name or a FolderId to move it to")
    changed["UpdatedDateUtc"] = utc(now_ms)
    files.put_file(changed, now_ms)
    return Answer(200, changed)


def delete_file(files: FilesBox, file_id: str) -> Answer:
    rec = files.file_of(file_id)
    if rec is None:
        return not_found()
    files.remove_file(rec["Id"])
    return Answer(204, None)


def associate(org: Organisation, files: FilesBox, file_id: str, body: dict[str, Any],
              now_ms: int) -> Answer:
    """POST/PUT /Files/{FileId}/Associations {"ObjectId", "ObjectGroup"} (both required; the
    group in any case, and it must be the object's): 201."""
    rec = files.file_of(file_id)
    if rec is None:
        return not_found()
    object_id = body.get("ObjectId")
    if not isinstance(object_id, str) or not object_id.strip():
        return bad_request("ObjectId is required")
    found = find_object(org, object_id.strip())
    if found is None:
        return bad_request(f"The object {object_id} was not found in this organisation")
    stream, doc = found
    group = OBJECT_STREAMS[stream][0]
    asked = body.get("ObjectGroup")
    if asked in (None, ""):  # Xero's docs: ObjectId and ObjectGroup are both mandatory
        return bad_request("ObjectGroup is required")
    if GROUPS.get(str(asked).lower()) != group:
        return bad_request(f"The object {object_id} is a {group}, not a {asked}")
    links = files.associations.get(rec["Id"], [])
    oid = str(doc[OBJECT_STREAMS[stream][1]])
    if any(a["ObjectId"].lower() == oid.lower() for a in links):
        return bad_request(f"The file is already associated with the object {oid}")
    link = {"FileId": rec["Id"], "ObjectId": oid, "ObjectGroup": group,
            "ObjectType": object_type(stream, doc),
            "SendWithObject": bool(body.get("SendWithObject", False)),
            "AssociationDateUtc": utc(now_ms)}
    files.put_association(link, now_ms)
    return Answer(201, {k: link[k] for k in LINK_FIELDS})


def delete_association(files: FilesBox, file_id: str, object_id: str) -> Answer:
    rec = files.file_of(file_id)
    if rec is None:
        return not_found()
    for link in files.associations.get(rec["Id"], []):
        if link["ObjectId"].lower() == object_id.lower():
            files.remove_association(link)
            return Answer(204, None)
    return not_found()


def _folder_named(files: FilesBox, name: str, other_than: str | None = None) -> Record | None:
    return next((f for f in files.folders.values()
                 if f["Name"].lower() == name.strip().lower() and f["Id"] != other_than), None)


def create_folder(files: FilesBox, body: dict[str, Any], now_ms: int) -> Answer:
    """POST /Folders {"Name": ...}: 200 with the new folder (names are unique)."""
    name = body.get("Name") if isinstance(body.get("Name"), str) else ""
    problem = _name_problem(name or "", "folder")
    if problem:
        return bad_request(problem)
    assert isinstance(name, str)
    if _folder_named(files, name) is not None:
        return bad_request(f"A folder named {name.strip()!r} already exists")
    folder_id = str(uuid.uuid4())
    rec: Record = {"Name": name.strip(), "FileCount": 0, "IsInbox": False, "Id": folder_id}
    files.put_folder(rec, now_ms)
    return Answer(200, files.folder_view(rec))


def update_folder(files: FilesBox, folder_id: str, body: dict[str, Any], now_ms: int
                  ) -> Answer:
    rec = files.folder_of(folder_id)
    if rec is None:
        return not_found()
    if rec["IsInbox"]:
        return bad_request("The Inbox cannot be renamed")
    name = body.get("Name") if isinstance(body.get("Name"), str) else ""
    problem = _name_problem(name or "", "folder")
    if problem:
        return bad_request(problem)
    assert isinstance(name, str)
    if _folder_named(files, name, rec["Id"]) is not None:
        return bad_request(f"A folder named {name.strip()!r} already exists")
    changed = {**rec, "Name": name.strip()}
    files.put_folder(changed, now_ms)
    return Answer(200, files.folder_view(changed))


def delete_folder(files: FilesBox, folder_id: str) -> Answer:
    rec = files.folder_of(folder_id)
    if rec is None:
        return not_found()
    if rec["IsInbox"]:
        return bad_request("The Inbox cannot be deleted")
    if files.file_count(rec["Id"]):
        return bad_request("The folder is not empty: move or delete its files first")
    files.remove_folder(rec["Id"])
    return Answer(204, None)


__all__ = ["MAX_FILE_BYTES", "associate", "create_folder", "delete_association",
           "delete_file", "delete_folder", "update_file", "update_folder", "upload"]
