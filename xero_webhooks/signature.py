"""Xero's webhook signature: base64 of HMAC-SHA256 of the raw request body with the key."""

from __future__ import annotations

import base64
import hashlib
import hmac

HEADER = "x-xero-signature"


def sign(body: bytes, key: str) -> str:
    """The `x-xero-signature` value Xero sends with `body`."""
    digest = hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(body: bytes, signature: str | None, key: str) -> bool:
    """Whether `signature` is the one `key` gives `body` (constant-time comparison)."""
    if not signature:
        return False
    return hmac.compare_digest(sign(body, key).encode("ascii"),
                               signature.strip().encode("ascii", "replace"))
