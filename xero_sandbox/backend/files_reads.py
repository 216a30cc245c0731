"""Files API reads (xero_files.yaml): files paged and sorted, one file and its bytes, folders,
the Inbox, a file's associations, a document's associations and their counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xero_sandbox.backend.answers import Answer, bad_request, not_found
from xero_sandbox.backend.files import FilesBox, Record

MAX_PAGE_SIZE = 100  # `pagesize` maximum (and default) of GET /Files
FILE_SORTS = {"name": "Name", "size": "Size", "createddateutc": "CreatedDateUtc"}
ASSOCIATION_SORTS = {**FILE_SORTS, "associationdateutc": "AssociationDateUtc"}
LINK_FIELDS = ("FileId", "ObjectId", "ObjectGroup", "ObjectType")


def _param(params: Mapping[str, str], name: str) -> str | None:
    """A query parameter by any spelling of its name (pagesize, pageSize, PageSize)."""
    low = name.lower()
    for key, value in params.items():
        if key.lower() == low and value.strip():
            return value.strip()
    return None


def _positive(params: Mapping[str, str], name: str, default: int) -> int:
    raw = _param(params, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"The {name} parameter must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"The {name} parameter must be 1 or more")
    return value


def _sorted(items: list[Record], params: Mapping[str, str], sorts: Mapping[str, str],
            default: str) -> list[Record]:
    raw = _param(params, "sort")
    field = sorts.get((raw or default).lower())
    if field is None:
        raise ValueError(f"The sort parameter must be one of {', '.join(sorts.values())}")
    direction = (_param(params, "direction") or "ASC").upper()
    if direction not in ("ASC", "DESC"):
        raise ValueError("The direction parameter must be ASC or DESC")

    def key(rec: Record) -> tuple[Any, str]:
        value = rec.get(field)
        return (value.lower() if isinstance(value, str) else value or 0), str(rec.get("Id")
                                                                              or rec["FileId"])
    return sorted(items, key=key, reverse=direction == "DESC")


def _page(items: list[Record], params: Mapping[str, str]) -> tuple[int, int, list[Record]]:
    size = min(_positive(params, "pagesize", MAX_PAGE_SIZE), MAX_PAGE_SIZE)
    page = _positive(params, "page", 1)
    return page, size, items[(page - 1) * size:page * size]


def list_files(files: FilesBox, params: Mapping[str, str], folder_id: str | None = None
               ) -> Answer:
    """GET /Files: {"TotalCount", "Page", "PerPage", "Items"}, CreatedDateUtc ascending."""
    items = [f for f in files.files.values() if folder_id is None or f["FolderId"] == folder_id]
    try:
        ordered = _sorted(items, params, FILE_SORTS, "CreatedDateUtc")
        page, size, chosen = _page(ordered, params)
    except ValueError as exc:
        return bad_request(str(exc))
    return Answer(200, {"TotalCount": len(items), "Page": page, "PerPage": size,
                        "Items": chosen})


def get_file(files: FilesBox, file_id: str) -> Answer:
    rec = files.file_of(file_id)
    return Answer(200, rec) if rec is not None else not_found()


def file_content(files: FilesBox, file_id: str) -> Answer:
    rec = files.file_of(file_id)
    if rec is None:
        return not_found()
    return Answer(200, files.content[rec["Id"]], content_type=rec["MimeType"])


def list_folders(files: FilesBox, params: Mapping[str, str]) -> Answer:
    """GET /Folders: every folder (the Inbox first unless sorted otherwise)."""
    folders = [files.folder_view(f) for f in files.folders.values()]
    raw = _param(params, "sort")
    if raw is not None:
        field = {"name": "Name", "size": "FileCount", "createddateutc": None}.get(raw.lower(), "")
        if field == "":
            return bad_request("The sort parameter must be one of Name, Size, CreatedDateUTC")
        if field:
            folders.sort(key=lambda f: (str(f[field]).lower() if field == "Name"
                                        else f[field]))
    return Answer(200, folders)


def get_folder(files: FilesBox, folder_id: str) -> Answer:
    rec = files.folder_of(folder_id)
    return Answer(200, files.folder_view(rec)) if rec is not None else not_found()


def folder_files(files: FilesBox, folder_id: str, params: Mapping[str, str]) -> Answer:
    """GET /Folders/{FolderId}/Files: the folder with its `Files` (as Xero's docs describe)."""
    rec = files.folder_of(folder_id)
    if rec is None:
        return not_found()
    listed = list_files(files, params, rec["Id"])
    if listed.status != 200:
        return listed
    return Answer(200, {**files.folder_view(rec), "Files": listed.body["Items"]})


def inbox(files: FilesBox) -> Answer:
    return get_folder(files, files.inbox_id)


def file_associations(files: FilesBox, file_id: str) -> Answer:
    """GET /Files/{FileId}/Associations: FileId, ObjectId, ObjectGroup, ObjectType of each."""
    rec = files.file_of(file_id)
    if rec is None:
        return not_found()
    links = files.associations.get(rec["Id"], [])
    return Answer(200, [{k: a[k] for k in LINK_FIELDS} for a in links])


def file_association(files: FilesBox, file_id: str, object_id: str) -> Answer:
    rec = files.file_of(file_id)
    if rec is None:
        return not_found()
    for link in files.associations.get(rec["Id"], []):
        if link["ObjectId"].lower() == object_id.lower():
            return Answer(200, {k: link[k] for k in LINK_FIELDS})
    return not_found()


def with_file(files: FilesBox, link: Record) -> Record:
    """An association as /Associations/{ObjectId} answers it: with the file's details."""
    rec = files.files[link["FileId"]]
    return {"SendWithObject": link["SendWithObject"], "Name": rec["Name"], "Size": rec["Size"],
            "CreatedDateUtc": rec["CreatedDateUtc"],
            "AssociationDateUtc": link["AssociationDateUtc"],
            **{k: link[k] for k in LINK_FIELDS}}


def object_associations(files: FilesBox, object_id: str, params: Mapping[str, str]) -> Answer:
    """GET /Associations/{ObjectId}: the document's files, sorted and paged."""
    links = [with_file(files, a) for a in files.associations_of_object(object_id)]
    try:
        ordered = _sorted(links, params, ASSOCIATION_SORTS, "CreatedDateUtc")
        _, _, chosen = _page(ordered, params)
    except ValueError as exc:
        return bad_request(str(exc))
    return Answer(200, chosen)


def association_counts(files: FilesBox, params: Mapping[str, str]) -> Answer:
    """GET /Associations/Count?ObjectIds=a,b: {"a": 2, "b": 0}."""
    raw = _param(params, "ObjectIds")
    if raw is None:
        return bad_request("The ObjectIds parameter is required")
    ids = [v.strip() for v in raw.split(",") if v.strip()]
    return Answer(200, {oid: len(files.associations_of_object(oid)) for oid in ids})


__all__ = ["MAX_PAGE_SIZE", "association_counts", "file_association", "file_associations",
           "file_content", "folder_files", "get_file", "get_folder", "inbox", "list_files",
           "list_folders", "object_associations", "with_file"]
