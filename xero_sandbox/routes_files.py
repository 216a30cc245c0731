"""The Files API's routes (/files.xro/1.0, xero_files.yaml): which call a path and method name,
and reading its request (multipart uploads, JSON bodies) for backend/files_writes.py.

Paths match without regard to case and with or without a trailing slash, as Xero matches
them; besides the spec's paths, `GET /Folders/{FolderId}/Files` (Xero's documentation; called
by pyxero and XeroPHP) and `GET /Files/{FileId}/Associations/{ObjectId}` (pyxero) are served.
"""

from __future__ import annotations

import mimetypes

from flask import request

from xero_sandbox.backend import files_reads as reads
from xero_sandbox.backend import files_writes as writes
from xero_sandbox.backend.answers import Answer, bad_request
from xero_sandbox.backend.files import box
from xero_sandbox.backend.store import Organisation
from xero_sandbox.route_tools import Found, Run, pick, query, with_body

READ_SCOPES = ("files", "files.read")
WRITE_SCOPES = ("files",)


def _upload(org: Organisation, folder_id: str | None, now_ms: int) -> Answer:
    """A multipart/form-data upload: the file part (`body` in Xero's SDKs, any name in
    others), its name from `name` / `filename` or the part, its type from `mimeType`."""
    if not (request.mimetype or "").startswith("multipart/form-data"):
        return bad_request("A file is uploaded as multipart/form-data")
    part = request.files.get("body") or next(iter(request.files.values()), None)
    if part is None:
        return bad_request("The upload has no file part")
    form = request.form
    name = (form.get("name") or form.get("filename") or part.filename or "").strip()
    mime = form.get("mimeType") or (part.mimetype if part.mimetype not in
                                    ("", "application/octet-stream") else None)
    mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
    content = part.read(writes.MAX_FILE_BYTES + 1)
    return writes.upload(org, box(org), folder_id, name, mime, content, now_ms)


def resolve(method: str, parts: list[str]) -> Found | None:
    """(scopes, run) for a Files API call, or None when no such route exists."""
    p = [s.lower() for s in parts]
    n = len(p)
    params = query()
    if p[:1] == ["files"]:
        if n == 1:
            return _pick(method, {
                "GET": lambda org, ids, now: reads.list_files(box(org), params),
                "POST": lambda org, ids, now: _upload(org, None, now)})
        fid = parts[1]
        if n == 2:
            return _pick(method, {
                "GET": lambda org, ids, now: reads.get_file(box(org), fid),
                "PUT": lambda org, ids, now: with_body(
                    lambda b: writes.update_file(box(org), fid, b, now)),
                "DELETE": lambda org, ids, now: writes.delete_file(box(org), fid),
                "POST": lambda org, ids, now: _upload(org, fid, now)})
        if n == 3 and p[2] == "content":
            return _pick(method, {"GET": lambda org, ids, now: reads.file_content(box(org),
                                                                                  fid)})
        if n == 3 and p[2] == "associations":
            def link(org: Organisation, ids: list[str], now: int) -> Answer:
                return with_body(lambda b: writes.associate(org, box(org), fid, b, now))
            return _pick(method, {
                "GET": lambda org, ids, now: reads.file_associations(box(org), fid),
                "POST": link, "PUT": link})
        if n == 4 and p[2] == "associations":
            oid = parts[3]
            return _pick(method, {
                "GET": lambda org, ids, now: reads.file_association(box(org), fid, oid),
                "DELETE": lambda org, ids, now: writes.delete_association(box(org), fid, oid)})
        return None
    if p[:1] == ["associations"] and n == 2:
        if p[1] == "count":
            return _pick(method, {"GET": lambda org, ids, now: reads.association_counts(
                box(org), params)})
        oid = parts[1]
        return _pick(method, {"GET": lambda org, ids, now: reads.object_associations(
            box(org), oid, params)})
    if p[:1] == ["folders"]:
        if n == 1:
            return _pick(method, {
                "GET": lambda org, ids, now: reads.list_folders(box(org), params),
                "POST": lambda org, ids, now: with_body(
                    lambda b: writes.create_folder(box(org), b, now))})
        fid = parts[1]
        if n == 2:
            return _pick(method, {
                "GET": lambda org, ids, now: reads.get_folder(box(org), fid),
                "PUT": lambda org, ids, now: with_body(
                    lambda b: writes.update_folder(box(org), fid, b, now)),
                "DELETE": lambda org, ids, now: writes.delete_folder(box(org), fid)})
        if n == 3 and p[2] == "files":
            return _pick(method, {"GET": lambda org, ids, now: reads.folder_files(
                box(org), fid, params)})
        return None
    if p == ["inbox"]:
        return _pick(method, {"GET": lambda org, ids, now: reads.inbox(box(org))})
    return None


def _pick(method: str, runs: dict[str, Run]) -> Found:
    return pick(method, runs, READ_SCOPES, WRITE_SCOPES)


__all__ = ["READ_SCOPES", "WRITE_SCOPES", "resolve"]
