"""The webhook endpoint: verify `x-xero-signature`, acknowledge at once, hand events on.

Xero's "intent to receive" check posts payloads with good and bad signatures and wants 200 and
401 within 5 seconds; real deliveries get the same treatment. Nothing slow happens in the
request: events go to the debouncer, which runs the sync later on its own thread.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from flask import Flask, Response, request

from xero_webhooks.events import streams_by_tenant
from xero_webhooks.signature import HEADER, verify

log = logging.getLogger(__name__)

OnEvents = Callable[[str, set[str]], None]


def create_app(key: str, on_events: OnEvents, path: str = "/",
               status: Callable[[], dict[str, object]] | None = None) -> Flask:
    """A Flask app answering Xero's webhook POSTs on `path`; GET /healthz shows counters."""
    if not key:
        raise ValueError("a webhook key is required")
    app = Flask("xero_webhooks")
    stats = {"accepted": 0, "rejected": 0, "events": 0}
    app.extensions["xero_webhooks"] = stats

    def receive() -> Response:
        body = request.get_data(cache=False)
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
            stats["events"] += 1
            on_events(tenant_id, streams)
        return Response(b"", 200)

    app.add_url_rule(path, "receive", receive, methods=["POST"])

    @app.get("/healthz")
    def healthz() -> Response:
        body = {**stats, **(status() if status is not None else {})}
        return Response(json.dumps(body), 200, content_type="application/json")

    return app
