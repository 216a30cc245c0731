"""The attachments sink: files onto their parent records (PUT
/{resource}/{id}/Attachments/{FileName}), from `Content` (base64) or a `FilePath` inside
`attachments_dir` (see `attachment_files.py`)."""

from __future__ import annotations

from urllib.parse import quote

from target_xero.actions import Action, Decision
from target_xero.attachment_files import Upload, attachment_upload
from target_xero.sink_base import XeroSink
from target_xero.work import Work
from target_xero.write_checks import is_fatal, one_line
from xero_core.errors import XeroHTTPError


class AttachmentsSink(XeroSink):
    """Writes a `<stream>_attachments` stream's files."""

    def write(self, works: list[Work]) -> None:
        loaded: list[tuple[Work, Upload]] = []
        folder = self.context.config.get("attachments_dir")
        for w in works:
            try:
                upload = attachment_upload(w.raw, folder)
            except Exception as exc:  # one record's bad value never stops the run
                upload = f"could not prepare the attachment: {one_line(exc)}"
            if isinstance(upload, str):
                self.reject(w, [upload], Action.ATTACH)
                continue
            loaded.append((w, upload))
        uploads = {id(w): u for w, u in loaded}
        for w, rid in self.parents([w for w, _ in loaded]):
            w.decision = Decision(Action.ATTACH)
            upload = uploads[id(w)]
            name, mime = upload.name, upload.mime
            params = {"IncludeOnline": "true"} if w.raw.get("IncludeOnline") else None
            path = f"{self.ep.url_path}/{rid}/Attachments/{quote(name, safe='')}"
            try:
                self.call("PUT", path, "attachment", [w], data=upload.content, params=params,
                           headers={"Content-Type": mime})
            except XeroHTTPError as exc:
                if is_fatal(exc):
                    raise
                self.reject_error(w, exc)
                continue
            self.confirm(w, Action.ATTACH)
