"""The seed's Files API data: the Inbox and a few named folders, files with deterministic bytes
(PDF, PNG, CSV, text), and associations with the organisation's invoices, bills, contacts,
credit notes and bank transactions.

Generated after everything else from a random source of its own, seeded by the organisation's
id (itself drawn from the seed): it draws nothing from the organisation's generator, so no
existing record changes when the Files data is added or grows.
"""

from __future__ import annotations

import random
import zlib

from xero_sandbox.backend.files import (
    OBJECT_STREAMS,
    FilesBox,
    Record,
    box,
    object_type,
    user_of,
    utc,
)
from xero_sandbox.backend.seed_context import DAY_MS, HOUR_MS, IdSource
from xero_sandbox.backend.store import Organisation

FOLDER_NAMES = ("Receipts", "Contracts", "Statements")
# (extension, mime type) of the seeded files
KINDS = (("pdf", "application/pdf"), ("png", "image/png"), ("csv", "text/csv"),
         ("txt", "text/plain"))
STEMS = ("receipt", "contract", "statement", "scan", "quote", "delivery-note", "timesheet")
# What seeded files are associated with, in turn (stream, document type or None).
TARGETS = (("invoices", "ACCREC"), ("invoices", "ACCPAY"), ("contacts", None),
           ("bank_transactions", None), ("credit_notes", None))


def file_bytes(kind: str, label: str, rng: random.Random) -> bytes:
    """A small, valid-looking file of that kind whose bytes depend only on the arguments."""
    filler = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz ", k=40 + int(rng.random() * 400)))
    if kind == "pdf":
        return (b"%PDF-1.4\n% Demo Company\n1 0 obj << /Title (" + label.encode() + b") >>\n"
                b"endobj\n% " + filler.encode() + b"\n%%EOF\n")
    if kind == "png":
        raw = b"\x00" + bytes(int(rng.random() * 256) for _ in range(3 * 4))
        def chunk(tag: bytes, data: bytes) -> bytes:
            return (len(data).to_bytes(4, "big") + tag + data
                    + zlib.crc32(tag + data).to_bytes(4, "big"))
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", bytes([0, 0, 0, 4, 0, 0, 0, 1, 8, 2, 0,
                                                             0, 0]))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    if kind == "csv":
        rows = [f"{label},{k},{int(rng.random() * 10_000) / 100:.2f}" for k in range(1, 6)]
        return ("Reference,Line,Amount\n" + "\n".join(rows) + "\n").encode()
    return f"{label}\n{filler}\n".encode()


def _targets(org: Organisation) -> dict[tuple[str, str | None], list[Record]]:
    """The documents files may be associated with, in id order (stable whatever the dict)."""
    out: dict[tuple[str, str | None], list[Record]] = {}
    for stream, kind in TARGETS:
        pk = OBJECT_STREAMS[stream][1]
        rows = [r for r in org.coll(stream).records.values()
                if kind is None or r.get("Type") == kind]
        out[(stream, kind)] = sorted(rows, key=lambda r: str(r[pk]))
    return out


def build(org: Organisation, size: int, now_ms: int) -> FilesBox:
    """Fill the organisation's Files box: about size/10 files (at least 8) in four folders."""
    rng = random.Random(f"xero-sandbox-files:{org.tenant_id}")  # the id is the seed's
    ids = IdSource(rng)
    files = box(org)
    user = user_of(org)
    created = max(org.created_ms, now_ms - 400 * DAY_MS)
    inbox_id = ids()
    files.put_folder({
        "Name": "Inbox", "FileCount": 0,
        "Email": f"{org.short_code.strip('!').lower()}.{org.tenant_id[:8]}@xerofiles.com",
        "IsInbox": True, "Id": inbox_id}, created)
    folder_ids = [inbox_id]
    for name in FOLDER_NAMES:
        fid = ids()
        files.put_folder({"Name": name, "FileCount": 0, "IsInbox": False, "Id": fid}, created)
        folder_ids.append(fid)
    targets = _targets(org)
    span = max(1, (now_ms - created) // HOUR_MS - 1)
    for i in range(max(8, size // 10)):
        ext, mime = KINDS[i % len(KINDS)]
        name = f"{STEMS[i % len(STEMS)]}-{i + 1:04d}.{ext}"
        content = file_bytes(ext, name, rng)
        at = created + int(rng.random() * span) * HOUR_MS + int(rng.random() * HOUR_MS)
        updated = min(now_ms - 1, at + int(rng.random() * 30) * DAY_MS)
        fid = ids()
        files.put_file({"Name": name, "MimeType": mime, "Size": len(content),
                        "CreatedDateUtc": utc(at), "UpdatedDateUtc": utc(updated),
                        "User": dict(user), "Id": fid,
                        "FolderId": folder_ids[i % len(folder_ids)]}, updated, content)
        if i % 3 == 2:
            continue  # a third of the files stay unassociated
        stream, kind = TARGETS[i % len(TARGETS)]
        docs = targets[(stream, kind)]
        if not docs:
            continue
        doc = docs[int(rng.random() * len(docs))]
        files.put_association({
            "FileId": fid, "ObjectId": doc[OBJECT_STREAMS[stream][1]],
            "ObjectGroup": OBJECT_STREAMS[stream][0], "ObjectType": object_type(stream, doc),
            "SendWithObject": bool(i % 2), "AssociationDateUtc": utc(updated)}, updated)
    return files


__all__ = ["FOLDER_NAMES", "build", "file_bytes"]
