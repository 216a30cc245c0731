"""The webhook endpoint: verify `x-xero-signature`, acknowledge at once, hand events on.

Xero's "intent to receive" check posts payloads with good and bad signatures and wants 200 and
401 within 5 seconds; real deliveries get the same treatment. Nothing slow happens in the
request: events go to the debouncer, which runs the sync later on its own thread.

The endpoint faces the internet, so before anything is trusted: a body larger than `max_body`
is refused with 413 (by its Content-Length, unread; a body without one is read at most
`max_body` + 1 bytes), the signature decides 200 or 401, and of a signed payload only events
whose tenantId is a GUID go on. /healthz shows counts only, never tenant ids.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping

from flask import Flask, Response, request

from xero_webhooks.events import is_tenant_id, streams_by_tenant
from xero_webhooks.signature import HEADER, verify

log = logging.getLogger(__name__)

OnEvents = Callable[[str, set[str]], None]

#: The largest body read (Xero's payloads are a few KB): 1 MiB.
MAX_BODY = 1024 * 1024


def _read_limited(max_body: int) -> bytes | None:
    """The request body, or None when it is larger than `max_body` (reading at most one byte
    more than that)."""
    length = request.content_length
    if length is not None and length > max_body:
        return None  # refused unread
    stream = request.stream
    chunks: list[bytes] = []
    left = max_body + 1
    while left > 0:
        chunk = stream.read(min(left, 65536))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    body = b"".join(chunks)
    return None if len(body) > max_body else body


def _counts(status: Mapping[str, object]) -> dict[str, object]:
    """Only numbers and flags for /healthz: a collection (of tenant ids) becomes its size."""
    out: dict[str, object] = {}
    for name, value in status.items():
        if isinstance(value, bool | int | float):
            out[name] = value
        elif isinstance(value, list | tuple | set | frozenset | dict):
            out[name] = len(value)
    return out


def create_app(key: str, on_events: OnEvents, path: str = "/",
               status: Callable[[], Mapping[str, object]] | None = None,
               max_body: int = MAX_BODY) -> Flask:
    """A Flask app answering Xero's webhook POSTs on `path`; GET /healthz shows counters."""
    if not key:
        raise ValueError("a webhook key is required")
    app = Flask("xero_webhooks")
    stats = {"accepted": 0, "rejected": 0, "too_large": 0, "events": 0, "ignored": 0}
    app.extensions["xero_webhooks"] = stats

    def receive() -> Response:
        body = _read_limited(max_body)
        if body is None:
            stats["too_large"] += 1
            # The rest of the body is not read: close the connection rather than drain it.
            return Response(b"", 413, headers={"Connection": "close"})
        if not verify(body, request.headers.get(HEADER), key):
            stats["rejected"] += 1
            return Response(b"", 401)
        stats["accepted"] += 1
        try:
            payload = json.loads(body) if body.strip() else {}
        except ValueError:
            log.warning("a signed payload that is not JSON was ignored")
            return Response(b"", 200)
        for tenant_id, streams in streams_by_tenant(payload).items():
            if not is_tenant_id(tenant_id):
                stats["ignored"] += 1
                log.warning("ignored the events of a tenantId that is not a GUID: %.60r",
                            tenant_id)
                continue
            stats["events"] += 1
            on_events(tenant_id, streams)
        return Response(b"", 200)

    app.add_url_rule(path, "receive", receive, methods=["POST"])

    @app.get("/healthz")
    def healthz() -> Response:
        body = {"status": "ok", **stats, **(_counts(status()) if status is not None else {})}
        return Response(json.dumps(body), 200, content_type="application/json")

    return app
