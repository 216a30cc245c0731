"""An attachment record -> the bytes, file name and content type to upload, all checked.

Records are untrusted (warehouse rows anyone upstream can write), so:
- `Content` (base64) is the normal way; `FilePath` reads a local file only when the operator
  names a folder (`attachments_dir`): the path, resolved with its links, must be a regular file
  inside that folder, and at most Xero's limit plus one byte is read. A refusal never says
  whether a path outside the folder exists.
- `FileName` goes into the URL: no `.`/`..`, no path separators, no control characters, valid
  Unicode, at most 255 characters. `MimeType` / `ContentType` goes into a header: a plain
  `type/subtype` token.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import os
import re
import stat
from dataclasses import dataclass
from typing import Any

from xero_core.endpoints import MAX_ATTACHMENT_BYTES

MAX_FILE_NAME = 255
_B64_JUNK = re.compile(r"\s+")
_MIME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,63}$")
_TOO_BIG = f"Xero takes attachments of at most {MAX_ATTACHMENT_BYTES} bytes"


@dataclass(frozen=True)
class Upload:
    """What goes to `PUT .../Attachments/{name}`."""

    name: str
    mime: str
    content: bytes


def attachment_upload(raw: dict[str, Any], attachments_dir: str | None) -> Upload | str:
    """The checked upload for one attachment record, or why there is none."""
    name = raw.get("FileName")
    problem = file_name_problem(name)
    if problem:
        return problem
    assert isinstance(name, str)
    mime = raw.get("MimeType") or raw.get("ContentType")
    if mime is None:
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if not isinstance(mime, str) or not _MIME.match(mime):
        return "MimeType: must be a plain content type such as application/pdf"
    content, problem = _content(raw, attachments_dir)
    if problem:
        return problem
    assert content is not None
    return Upload(name.strip(), mime, content)


def file_name_problem(name: Any) -> str | None:
    """Why a FileName cannot be used in Xero's URL (None when it can)."""
    if not isinstance(name, str) or not name.strip():
        return "FileName: an attachment needs a FileName"
    text = name.strip()
    if text in (".", ".."):
        return "FileName: may not be '.' or '..'"
    if len(text) > MAX_FILE_NAME:
        return f"FileName: {len(text)} characters; at most {MAX_FILE_NAME}"
    if any(c in "/\\" or ord(c) < 32 or ord(c) == 127 for c in text):
        return "FileName: may not contain '/', '\\' or control characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "FileName: not valid Unicode"
    return None


def _content(raw: dict[str, Any], attachments_dir: str | None) -> tuple[bytes | None, str | None]:
    if raw.get("Content"):
        text = raw["Content"]
        if not isinstance(text, str):
            return None, "Content: must be a base64 string"
        if len(text) * 3 // 4 > MAX_ATTACHMENT_BYTES + 3:
            return None, f"Content: about {len(text) * 3 // 4} bytes; {_TOO_BIG}"
        try:
            content = base64.b64decode(_B64_JUNK.sub("", text), validate=True)
        except (binascii.Error, ValueError):
            return None, "Content: not valid base64"
    elif raw.get("FilePath"):
        content_or_problem = read_allowed_file(raw["FilePath"], attachments_dir)
        if isinstance(content_or_problem, str):
            return None, content_or_problem
        content = content_or_problem
    else:
        return None, "Content / FilePath: an attachment needs its Content (base64) or FilePath"
    if len(content) > MAX_ATTACHMENT_BYTES:
        return None, f"Content: {len(content)} bytes; {_TOO_BIG}"
    if not content:
        return None, "Content: the file is empty"
    return content, None


def read_allowed_file(path: Any, attachments_dir: str | None) -> bytes | str:
    """The file's bytes when it is a regular file inside `attachments_dir`; else why not."""
    if not attachments_dir:
        return ("FilePath: reading local files is off (the operator can allow one folder with "
                "the attachments_dir setting); send the file as Content (base64)")
    if not isinstance(path, str) or "\x00" in path:
        return "FilePath: must be a path inside attachments_dir"
    base = os.path.realpath(attachments_dir)
    target = os.path.realpath(os.path.join(base, path))
    if os.path.commonpath([base, target]) != base or target == base:
        return "FilePath: must be a path inside attachments_dir"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        return f"FilePath: cannot open {path!r} in attachments_dir: {exc.strerror or 'error'}"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return "FilePath: not a regular file"
        chunks: list[bytes] = []
        left = MAX_ATTACHMENT_BYTES + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    content = b"".join(chunks)
    if len(content) > MAX_ATTACHMENT_BYTES:
        return f"FilePath: larger than {MAX_ATTACHMENT_BYTES} bytes; {_TOO_BIG}"
    return content
