"""The tap's Singer writer: singer-sdk's msgspec writer, with the SDK's own as the fallback.

msgspec serialises a RECORD several times faster than simplejson (Decimals digit for digit,
as numbers). A message msgspec cannot write (a lone surrogate from a broken `\\u` escape in an
answer is not UTF-8) is written by the SDK's simplejson writer instead, which escapes it.
Where stdout is a text stream without a byte buffer (tests capture it in a StringIO), the
line is written as text.
"""

from __future__ import annotations

import sys

from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.singerlib.encoding.simple import Message, SimpleSingerWriter

_FALLBACK = SimpleSingerWriter()


class XeroWriter(MsgSpecWriter):
    """MsgSpecWriter that never fails on a message the SDK's default writer can write."""

    def serialize_message(self, message: Message) -> bytearray:
        try:
            return super().serialize_message(message)
        except (UnicodeEncodeError, TypeError, OverflowError):
            line = _FALLBACK.serialize_message(message) + "\n"
            return bytearray(line.encode("utf-8", "backslashreplace"))

    def write_message(self, message: Message) -> None:
        line = self.format_message(message)
        out = sys.stdout
        buffer = getattr(out, "buffer", None)
        if buffer is None:
            out.write(line.decode("utf-8"))
        else:
            buffer.write(line)
        out.flush()
