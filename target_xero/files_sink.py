"""The Files API sinks: files uploaded into a folder (multipart POST /Files/{FolderId}) and a
file associated with an invoice, bill, contact or other document (POST
/Files/{FileId}/Associations).

An upload record: `Name` (or `FileName`), the file as `Content` (base64) or `FilePath` inside
`attachments_dir` (the attachments' rules, `attachment_files.py`: records never choose local
files outside that folder), optional `MimeType`, and the folder by `FolderId` or `FolderName`
(else the Inbox). A file of that name already in that folder is the file (a re-run uploads
nothing); one of another size is rejected, not uploaded beside it.

An association record: the file by `FileId`, by `FileName` (one file of that name), or by
`_parent_source_key` (a file uploaded in this run); the object by `ObjectId` or by
`ObjectReference` (an invoice's number, a contact's name, an account's code: per
`ObjectGroup`), with `ObjectGroup` and `ObjectType` as Xero names them. An association the
file already has is not sent again.
"""

from __future__ import annotations

import hashlib
from typing import Any

from target_xero.actions import Action, Decision
from target_xero.api_records import api_messages, list_records
from target_xero.attachment_files import Upload, attachment_upload
from target_xero.references import is_guid, like_of
from target_xero.sink_base import XeroSink
from target_xero.work import Work
from target_xero.write_checks import is_fatal, one_line
from xero_core.endpoint_writes import OBJECT_GROUPS
from xero_core.endpoints import BY_STREAM
from xero_core.errors import XeroHTTPError
from xero_core.protocol import records_in

PARENT_SOURCE_KEY = "_parent_source_key"


def multipart(upload: Upload) -> tuple[bytes, str]:
    """The multipart/form-data body of an upload and its Content-Type (the boundary made
    from the content, so a retried call is byte-for-byte the same request)."""
    boundary = "xero-" + hashlib.sha256(upload.content).hexdigest()[:32]
    name = upload.name.replace('"', "'")
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"\r\n\r\n{value}\r\n'
        for field, value in (("name", name), ("filename", name), ("mimeType", upload.mime)))
    part = (f'--{boundary}\r\nContent-Disposition: form-data; name="body"; '
            f'filename="{name}"\r\nContent-Type: {upload.mime}\r\n\r\n')
    body = (head + part).encode("utf-8") + upload.content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class FilesMixin(XeroSink):
    """What both Files sinks read: the organisation's folders and files, listed once."""

    _folders: list[dict[str, Any]] | None = None
    _files: list[dict[str, Any]] | None = None

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        x = self.context.xero
        return x.client.get_json(path, tenant_id=x.tenant_id, params=params)

    def folders(self) -> list[dict[str, Any]]:
        if self._folders is None:
            ep = BY_STREAM["folders"]
            self._folders = records_in(self._get(ep.url_path), ep.records_key, one_object=False)
        return self._folders

    def files(self) -> list[dict[str, Any]]:
        if self._files is None:
            ep = BY_STREAM["files"]
            self._files = list_records(self._get, ep, ep.url_path, ep.page_size_max)
        return self._files


class FilesSink(FilesMixin):
    """Uploads a `files` stream's records into their folders."""

    def write(self, works: list[Work]) -> None:
        folder_dir = self.context.config.get("attachments_dir")
        for w in works:
            w.decision = Decision(Action.CREATE)
            raw = dict(w.raw)
            raw.setdefault("FileName", raw.get("Name"))
            try:
                upload = attachment_upload(raw, folder_dir)
                folder, problem = self._folder(w.raw)
            except XeroHTTPError:
                raise
            except Exception as exc:  # one record's bad value never stops the run
                upload, folder, problem = f"could not prepare the file: {one_line(exc)}", "", None
            if isinstance(upload, str) or problem:
                self.reject(w, [problem or str(upload)])
                continue
            try:
                self._upload(w, upload, folder)
            except XeroHTTPError as exc:
                if is_fatal(exc):
                    raise
                self.reject(w, api_messages(exc.body) or [exc.message or str(exc)])

    def _folder(self, raw: dict[str, Any]) -> tuple[str, str | None]:
        """The folder's id here ("" for the Inbox), or why the record's folder is unknown."""
        fid, name = raw.get("FolderId"), raw.get("FolderName")
        for f in self.folders():
            if fid and str(f.get("Id", "")).casefold() == str(fid).casefold():
                return str(f["Id"]), None
        for f in self.folders():
            if name and str(f.get("Name", "")).strip().casefold() == str(name).strip().casefold():
                return str(f["Id"]), None
        if name or (fid and not raw.get("_inbox_fallback")):
            what = f"FolderName {name!s}" if name else f"FolderId {fid!s}"
            return "", f"{what}: no such folder in this organisation"
        return "", None

    def _upload(self, w: Work, upload: Upload, folder: str) -> None:
        inbox = next((str(f.get("Id")) for f in self.folders() if f.get("IsInbox")), "")
        where = folder or inbox
        for f in self.files():
            same_place = not where or str(f.get("FolderId", "")).casefold() == where.casefold()
            if same_place and str(f.get("Name", "")).casefold() == upload.name.casefold():
                w.existing = f
                if f.get("Size") not in (None, len(upload.content)):
                    self.reject(w, [f"Name: a file named {upload.name!r} is already in this "
                                    f"folder ({f.get('Size')} bytes, this one "
                                    f"{len(upload.content)}): not uploaded beside it"])
                    return
                self._done(w, f, Action.SKIP)
                return
        if folder and not is_guid(folder):
            self.reject(w, [f"FolderId {folder[:40]!r} is not a GUID"])
            return
        data, content_type = multipart(upload)
        path = self.ep.url_path + (f"/{folder}" if folder else "")
        answer = self.call("POST", path, "upload", [w], data=data,
                           headers={"Content-Type": content_type})
        got = records_in(answer, "", one_object=True)
        if not got or not is_guid(str(got[0].get("Id") or "")):
            self.reject(w, ["Xero's answer carries no file Id: the upload is not confirmed"])
            return
        self.files().append(got[0])
        self._done(w, got[0], Action.CREATE)

    def _done(self, w: Work, f: dict[str, Any], action: Action) -> None:
        w.xero_id = str(f.get("Id"))
        if w.key is not None:
            self.context.written[("files", w.key.value)] = w.xero_id
        self.confirm(w, action)


class FileAssociationsSink(FilesMixin):
    """Associates files with documents (a `file_associations` stream)."""

    def write(self, works: list[Work]) -> None:
        for w in works:
            w.decision = Decision(Action.CREATE)
            try:
                self._associate(w)
            except XeroHTTPError as exc:
                if is_fatal(exc):
                    raise
                self.reject(w, api_messages(exc.body) or [exc.message or str(exc)])

    def _file_id(self, raw: dict[str, Any]) -> tuple[str, str | None]:
        fid = raw.get("FileId")
        for f in self.files():
            if fid and str(f.get("Id", "")).casefold() == str(fid).casefold():
                return str(f["Id"]), None
        source = raw.get(PARENT_SOURCE_KEY)
        if source not in (None, ""):
            found = self.context.written.get(("files", str(source)))
            return (found, None) if found else ("", (
                f"{PARENT_SOURCE_KEY}: no file with source key {source!s} was uploaded in "
                f"this run"))
        name = raw.get("FileName") or raw.get("Name")
        named = [f for f in self.files()
                 if name and str(f.get("Name", "")).casefold() == str(name).casefold()]
        if len(named) == 1:
            return str(named[0]["Id"]), None
        if len(named) > 1:
            return "", f"FileName: {len(named)} files are named {name!s}: give the FileId"
        what = f"FileId {fid!s}" if fid else f"FileName {name!s}" if name else "no FileId"
        return "", f"{what}: no such file in this organisation"

    def _object_id(self, raw: dict[str, Any]) -> tuple[str, str | None]:
        group = str(raw.get("ObjectGroup") or "")
        stream, natural = OBJECT_GROUPS.get(group, ("", ""))
        if not group:
            return "", "ObjectGroup: say what the file is attached to (Invoice, Contact, ...)"
        oid, ref = raw.get("ObjectId"), raw.get("ObjectReference")
        if not stream:
            if oid and is_guid(oid):
                return str(oid), None
            return "", f"ObjectId: a {group} is named by its ObjectId"
        ep = BY_STREAM[stream]
        pk = ep.primary_key[0]
        self.refs.ensure(stream, [oid] if oid else [], [ref] if ref and natural else [])
        like = like_of({"Type": raw.get("ObjectType")}) if ep.typed_numbers else None
        match = self.refs.match(stream, oid, ref if natural else None, like)
        if match.found is not None:
            return str(match.found[pk]), None
        if match.ambiguous and natural:
            return "", match.problem(ep, "ObjectReference", ref, like)
        what = (f"ObjectId {oid!s}" if oid else f"ObjectReference ({natural}) {ref!s}" if ref
                else "no ObjectId")
        return "", f"{what}: no {stream} with it in this organisation"

    def _associate(self, w: Work) -> None:
        raw = w.raw
        file_id, problem = self._file_id(raw)
        object_id, problem2 = ("", None) if problem else self._object_id(raw)
        if problem or problem2:
            self.reject(w, [problem or problem2 or ""])
            return
        if not (is_guid(file_id) and is_guid(object_id)):
            self.reject(w, ["FileId / ObjectId: not GUIDs"])
            return
        path = f"{BY_STREAM['files'].url_path}/{file_id}/Associations"
        have = records_in(self._get(path), "", one_object=False)
        w.xero_id = file_id
        if any(str(a.get("ObjectId", "")).casefold() == object_id.casefold() for a in have):
            w.existing = {"FileId": file_id, "ObjectId": object_id}
            w.decision = Decision(Action.SKIP, reasons=["the file is already associated"])
            self.confirm(w, Action.SKIP)
            return
        body = {"ObjectId": object_id, "ObjectGroup": raw.get("ObjectGroup")}
        if raw.get("ObjectType"):
            body["ObjectType"] = raw["ObjectType"]
        self.call("POST", path, "associate", [w], json=body)
        self.confirm(w, Action.CREATE)
