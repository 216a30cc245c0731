"""The sandbox's admin routes (under /__admin/): request log, faults, clock, limits, token
lifetime, scopes, consent (deny / tenants), reset, state, stored records, and webhook
receivers.

Admin calls are neither rate-limited nor logged, and only answer loopback hosts (`admin_guard`).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from xero_sandbox.backend.faults import FaultError
from xero_sandbox.backend.sandbox import Sandbox
from xero_sandbox.backend.webhooks import Receiver, Webhooks
from xero_sandbox.responses import encode

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def admin_guard(extra_hosts: Any = ()) -> Response | None:
    """Refuse what a web page could send to /__admin from a browser on this machine.

    A cross-origin page can POST a form or text/plain without asking first, and a rebound DNS
    name can reach 127.0.0.1: so a write must say `Content-Type: application/json` (which a
    browser sends cross-origin only after a CORS preflight this server never grants), and the
    Host must be a loopback name or the host the sandbox was started on.
    """
    host = (request.host or "").rsplit(":", 1)[0] if not (request.host or "").startswith(
        "[") else (request.host or "").split("]")[0] + "]"
    if host not in LOOPBACK_HOSTS and host not in set(extra_hosts or ()):
        return _json({"Title": "Forbidden", "Detail": f"Host {host!r} is not this sandbox"},
                     403)
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype != (
            "application/json"):
        return _json({"Title": "Unsupported Media Type",
                      "Detail": "admin writes need Content-Type: application/json"}, 415)
    return None


def _json(body: Any, status: int = 200) -> Response:
    return Response(encode(body), status, content_type="application/json; charset=utf-8")


def _payload() -> dict[str, Any]:
    data = request.get_json(silent=True, force=True)
    return data if isinstance(data, dict) else {}


def admin_blueprint(sandbox: Sandbox) -> Blueprint:
    """The /__admin/ routes bound to one sandbox."""
    bp = Blueprint("admin", __name__, url_prefix="/__admin")

    @bp.get("/requests")
    def get_requests() -> Response:
        return _json(sandbox.log.entries())

    @bp.delete("/requests")
    def clear_requests() -> Response:
        sandbox.log.clear()
        return _json({"cleared": True})

    @bp.get("/faults")
    def get_faults() -> Response:
        return _json(sandbox.faults.rules())

    @bp.post("/faults")
    def add_fault() -> Response:
        try:
            rule = sandbox.faults.add(_payload())
        except FaultError as exc:
            return _json({"error": str(exc)}, 400)
        return _json(rule.as_dict(), 201)

    @bp.delete("/faults")
    def clear_faults() -> Response:
        sandbox.faults.clear()
        return _json({"cleared": True})

    @bp.post("/clock")
    def clock() -> Response:
        seconds = float(_payload().get("advance", 0))
        if seconds < 0:
            return _json({"error": "the clock only moves forward"}, 400)
        sandbox.store.clock.advance(seconds)
        return _json({"now": sandbox.store.clock.now(), "offset": sandbox.store.clock.offset})

    @bp.post("/limits")
    def limits() -> Response:
        body = _payload()
        if "enabled" in body:
            sandbox.limits.enabled = bool(body["enabled"])
        tenant = body.get("tenant_id")
        if tenant and ("day_used" in body or "minute_used" in body):
            sandbox.limits.use(tenant, day=body.get("day_used"), minute=body.get("minute_used"))
        if "app_minute_limit" in body:
            sandbox.limits.set_app_minute_limit(body["app_minute_limit"])
        if body.get("client_id") and "app_minute_used" in body:
            sandbox.limits.use_app(body["client_id"], int(body["app_minute_used"]))
        return _json({"enabled": sandbox.limits.enabled, "tenants": sandbox.limits.snapshot(),
                      "app_minute_limit": sandbox.limits.app_minute_limit})

    @bp.post("/token-lifetime")
    def token_lifetime() -> Response:
        seconds = int(_payload().get("seconds", 0))
        if seconds < 1:
            return _json({"error": "seconds must be 1 or more"}, 400)
        sandbox.identity.set_token_lifetime(seconds)
        return _json({"seconds": seconds})

    @bp.post("/scopes")
    def scopes() -> Response:
        body = _payload()
        try:
            granted = sandbox.identity.set_scopes(str(body.get("client_id", "")),
                                                  body.get("scopes"))
        except KeyError:
            return _json({"error": "unknown client_id"}, 404)
        return _json({"client_id": body["client_id"], "scopes": sorted(granted)})

    @bp.post("/consent")
    def consent() -> Response:
        body = _payload()
        tenants = body.get("tenant_ids")
        sandbox.consent.configure(bool(body.get("deny", False)),
                                  [str(t) for t in tenants] if tenants is not None else None)
        return _json({"deny": sandbox.consent.deny, "tenant_ids": tenants})

    @bp.post("/reset")
    def reset() -> Response:
        sandbox.reset()
        return _json(sandbox.state())

    @bp.get("/state")
    def state() -> Response:
        return _json(sandbox.state())

    @bp.get("/records/<tenant_id>/<stream>")
    def records(tenant_id: str, stream: str) -> Response:
        org = sandbox.org(tenant_id)
        if org is None or stream not in org.collections:
            return _json({"error": "unknown tenant or stream"}, 404)
        with org.lock:
            body = encode(list(org.coll(stream).records.values()))
        return Response(body, 200, content_type="application/json; charset=utf-8")

    return bp


def webhooks_blueprint(hooks: Webhooks) -> Blueprint:
    """The /__admin/webhooks routes."""
    bp = Blueprint("webhooks", __name__, url_prefix="/__admin/webhooks")

    def _json(body: Any, status: int = 200) -> Response:
        return Response(json.dumps(body), status, content_type="application/json")

    def _receiver() -> Receiver | None:
        body = request.get_json(silent=True, force=True) or {}
        url, key = body.get("url"), body.get("key")
        return Receiver(str(url), str(key)) if url and key else None

    @bp.post("")
    def register() -> Response:
        receiver = _receiver()
        if receiver is None:
            return _json({"error": "url and key are required"}, 400)
        hooks.add_receiver(receiver)
        return _json({"url": receiver.url}, 201)

    @bp.get("")
    def listing() -> Response:
        return _json(hooks.snapshot())

    @bp.delete("")
    def clear() -> Response:
        hooks.clear()
        return _json({"cleared": True})

    @bp.post("/intent")
    def intent() -> Response:
        receiver = _receiver()
        if receiver is None:
            return _json({"error": "url and key are required"}, 400)
        return _json(hooks.intent_to_receive(receiver))

    return bp
