"""The sandbox's Flask app: state, routes generated from the endpoint table, and the call pipeline.

Every API call goes: token and tenant (401/403) -> injected fault -> route -> scope (403) ->
rate limits (429) -> read or write -> limit headers -> request log. Identity calls
(/connect/token, /connections) skip the per-tenant limits; /__admin/ skips limits and the log.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, g, request

from xero_core import jsonutil
from xero_core.endpoints import (
    API_BASES,
    ENDPOINTS,
    MAX_BODY_BYTES,
    MAX_IDEMPOTENCY_KEY,
    Endpoint,
    Write,
    report_scopes,
)
from xero_core.errors import forbidden, unauthorized, validation_exception
from xero_sandbox import reads, reports, rules, seed, xml_bodies
from xero_sandbox.admin import LOGGED_HEADERS, RequestLog, admin_blueprint, admin_guard
from xero_sandbox.auth import (
    ATTACHMENTS_SCOPE,
    AuthFailure,
    CallIdentity,
    Identity,
    Tenant,
    expired_detail,
    has_scope,
)
from xero_sandbox.faults import ANSWER_KINDS, RATE_LIMIT_KINDS, FaultBook, FaultRule
from xero_sandbox.limits import ServerLimits, rate_limit_headers
from xero_sandbox.store import Organisation, Store
from xero_sandbox.webhooks import Webhooks, webhooks_blueprint

JSON = "application/json; charset=utf-8"
API_METHODS = ["GET", "PUT", "POST", "DELETE"]


@dataclass
class SandboxConfig:
    seed: int = 42
    size: int = 200
    orgs: int = 2
    limits: bool = True
    token_lifetime: int = 1800


class Sandbox:
    """Everything one running sandbox holds: organisations, identity, limits, faults, log."""

    def __init__(self, config: SandboxConfig, now_ms: int | None = None):
        self.config = config
        self.store = Store()
        self.base_now_ms = now_ms if now_ms is not None else self.store.now_ms()
        self._by_lower: dict[str, Organisation] = {}
        self._seed()
        self.identity = Identity(config.seed, self.tenants(), self.store.clock.now,
                                 default_lifetime=config.token_lifetime)
        self.limits = ServerLimits(self.store.clock.monotonic, enabled=config.limits)
        self.faults = FaultBook()
        self.log = RequestLog()
        self.idempotency: dict[tuple[str, str, str, str], tuple[int, bytes, str]] = {}
        self._idem_lock = threading.Lock()
        self.webhooks = Webhooks()  # signed events after writes (xero_sandbox/webhooks.py)

    def _seed(self) -> None:
        orgs = seed.generate(seed=self.config.seed, size=self.config.size,
                             orgs=self.config.orgs, now_ms=self.base_now_ms)
        self.store.orgs = {o.tenant_id: o for o in orgs}
        self._by_lower = {o.tenant_id.lower(): o for o in orgs}

    def tenants(self) -> list[Tenant]:
        return [Tenant(o.tenant_id, o.name, o.created_ms) for o in self.store.orgs.values()]

    def org(self, tenant_id: str) -> Organisation | None:
        return self._by_lower.get(tenant_id.lower())

    def reset(self) -> None:
        """Re-seed the data and restore auth and limit counters; faults and the log stay."""
        self._seed()
        self.identity.reset(self.tenants())
        self.limits.reset()
        with self._idem_lock:
            self.idempotency.clear()

    def state(self) -> dict[str, Any]:
        orgs = []
        for org in self.store.orgs.values():
            with org.lock:
                orgs.append({
                    "tenant_id": org.tenant_id, "name": org.name,
                    "counts": {s: len(c) for s, c in org.collections.items()},
                    "history": sum(len(v) for v in org.history.values()),
                    "attachments": sum(len(v) for v in org.attachments.values()),
                })
        return {"organisations": orgs, "limits_enabled": self.limits.enabled,
                "limits": self.limits.snapshot(), "faults": self.faults.rules(),
                "clock": {"now": self.store.clock.now(), "offset": self.store.clock.offset},
                "token_lifetime": self.identity.token_lifetime}

    def startup_info(self, url: str) -> dict[str, Any]:
        """What `serve` prints: URLs, organisations with ready-to-use settings, the app."""
        app = self.identity.app
        assert app is not None
        orgs = []
        for client, tenant in zip(self.identity.custom_clients, self.tenants(), strict=True):
            orgs.append({"tenant_name": tenant.name, "tenant_id": tenant.tenant_id,
                         "settings": {"api_url": url, "identity_url": url,
                                      "client_id": client.client_id,
                                      "client_secret": client.client_secret,
                                      "tenant_id": tenant.tenant_id}})
        return {"url": url, "admin_url": url + "/__admin", "organisations": orgs,
                "standard_app": {"client_id": app.client_id, "client_secret": app.client_secret},
                "refresh_token": self.identity.initial_refresh_token}


# --- routing from the table --------------------------------------------------------------------

@dataclass
class Route:
    endpoint: Endpoint | None  # None for reports
    parent_id: str | None = None
    record_id: str | None = None
    sub: str | None = None  # history, attachments, email, onlineinvoice (lower case)
    file_name: str | None = None
    report: str | None = None


def _route_regex(ep: Endpoint) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", ep.path)
    head = "(?P<parent>[^/]+)".join(re.escape(p) for p in parts)
    tail = r"(?:/(?P<rid>[^/]+)(?:/(?P<sub>[^/]+)(?:/(?P<file>.+))?)?)?/?$"
    return re.compile("^" + head + tail, re.IGNORECASE)


ROUTES: dict[str, list[tuple[re.Pattern[str], Endpoint]]] = {api: [] for api in API_BASES}
for _ep in sorted(ENDPOINTS, key=lambda e: -e.path.count("/")):
    ROUTES[_ep.api].append((_route_regex(_ep), _ep))
_REPORT = re.compile(r"^/Reports/(?P<name>[^/]+)/?$", re.IGNORECASE)


def resolve(api: str, rest: str) -> Route | None:
    """The endpoint row and ids a path under an API base names, or None."""
    path = "/" + rest
    if api == "accounting" and (m := _REPORT.match(path)):
        return Route(None, report=m.group("name"))
    for regex, ep in ROUTES[api]:
        m = regex.match(path)
        if m:
            sub = m.group("sub")
            return Route(ep, m.groupdict().get("parent"), m.group("rid"),
                         sub.lower() if sub else None, m.group("file"))
    return None


def needed_scopes(route: Route, method: str) -> tuple[str, ...]:
    if route.report is not None:
        return report_scopes(route.report)
    ep = route.endpoint
    assert ep is not None
    if route.sub == "attachments":
        return ((ATTACHMENTS_SCOPE, ATTACHMENTS_SCOPE + ".read") if method == "GET"
                else (ATTACHMENTS_SCOPE,))
    if method == "GET":
        return ep.read_scopes
    return ep.write_scopes


# --- responses ---------------------------------------------------------------------------------

def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    resp = Response(reads.encode(body) if status != 204 else b"", status,
                    content_type=JSON)
    if headers:
        resp.headers.update(headers)
    return resp


def _fault_response(rule: FaultRule) -> Response | None:
    """The answer a fault rule forces; None for `slow` (sleep, then answer normally) and the
    answer kinds (answer, then spoil it)."""
    kind = rule.kind
    if kind in RATE_LIMIT_KINDS:
        return json_response(429, {"Title": "Too Many Requests", "Status": 429,
                                   "Detail": f"Rate limit exceeded: {RATE_LIMIT_KINDS[kind]}"},
                             rate_limit_headers(RATE_LIMIT_KINDS[kind], rule.retry_after))
    if kind == "500":
        return json_response(500, {"Title": "An error occurred", "Status": 500,
                                   "Detail": "An error occurred in Xero. Check the API Status "
                                             "page http://status.developer.xero.com for current "
                                             "service status."})
    if kind == "502":
        return Response("<html><body><h1>502 Bad Gateway</h1></body></html>", 502,
                        content_type="text/html")
    if kind == "503-offline":
        return Response("Organisation is offline", 503, content_type="text/plain")
    if kind == "504":
        return Response("<html><body><h1>504 Gateway Time-out</h1></body></html>", 504,
                        content_type="text/html")
    if kind == "401-expired":
        return json_response(401, unauthorized(expired_detail(time.time())))
    if kind == "403-scope":
        return json_response(403, forbidden("AuthorizationUnsuccessful"))
    if kind == "reset":
        sock = request.environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return Response(b"", 500)
    return None  # slow: the caller sleeps where the call would be slow; answer kinds: _spoiled


def _spoiled(resp: Response, ep: Endpoint | None, kind: str) -> Response:
    """An API answer as an answer fault spoils it: elements reversed, or without their ids."""
    if ep is None or not ep.records_key or not resp.is_json:
        return resp
    try:
        body = jsonutil.loads(resp.get_data())
    except ValueError:
        return resp
    elements = body.get(ep.records_key) if isinstance(body, dict) else None
    if not isinstance(elements, list):
        return resp
    if kind == "reorder":
        elements.reverse()
    else:
        for el in elements:
            if isinstance(el, dict):
                el.pop(ep.primary_key[0], None)
    resp.set_data(reads.encode(body))
    return resp


def _as_xml(resp: Response, ep: Endpoint | None) -> Response:
    """The answer as XML unless the client asked for JSON (as Xero; problem details stay JSON)."""
    if not resp.is_json or resp.status_code == 204 \
            or not xml_bodies.wants_xml(request.headers.get("Accept")):
        return resp
    try:
        body = jsonutil.loads(resp.get_data())
    except ValueError:
        return resp
    if xml_bodies.renders(body):
        resp.set_data(xml_bodies.render(body, ep.schema if ep is not None else None))
        resp.content_type = xml_bodies.XML_CONTENT_TYPE
    return resp


def _payload(data: bytes, ep: Endpoint) -> Any:
    """A write's body (JSON, or XML by its Content-Type) -> dict; a Response when refused."""
    if xml_bodies.is_xml(request.content_type):
        try:
            return xml_bodies.parse(data, ep.records_key or None) if data.strip() else {}
        except xml_bodies.XMLBodyError as exc:
            return json_response(400, validation_exception(str(exc)))
    try:
        return jsonutil.loads(data) if data.strip() else {}
    except ValueError:
        return json_response(400, validation_exception("The request body is not JSON"))


def _forced(rule: FaultRule | None, *, sleep: bool = True) -> Response | None:
    """Record a fired rule and answer it; `slow` sleeps here unless the caller sleeps later."""
    if rule is None:
        return None
    g.fault = rule.kind
    forced = _fault_response(rule)
    if forced is None and sleep and rule.kind == "slow":
        time.sleep(rule.seconds)
    return forced


# --- the app -----------------------------------------------------------------------------------

def create_app(sandbox: Sandbox) -> Flask:
    """The Flask app serving one sandbox."""
    app = Flask("xero_sandbox")
    app.extensions["xero_sandbox"] = sandbox
    app.register_blueprint(admin_blueprint(sandbox))
    app.register_blueprint(webhooks_blueprint(sandbox.webhooks))

    @app.before_request
    def _start() -> Response | None:
        g.t0 = time.perf_counter()
        if request.path.startswith("/__admin"):
            return admin_guard(app.config.get("SANDBOX_HOSTS", ()))
        return None

    @app.after_request
    def _log(resp: Response) -> Response:
        if request.path.startswith("/__admin"):
            return resp
        headers = {h: request.headers[h] for h in LOGGED_HEADERS if h in request.headers}
        fault = g.get("fault")
        sandbox.log.add({
            "method": request.method, "path": request.path,
            "query": request.args.to_dict(), "tenant_id": g.get("tenant_id"),
            "client_id": g.get("client_id"), "grant_type": g.get("grant_type"),
            "status": None if fault == "reset" else resp.status_code,
            "time": sandbox.store.clock.now(),
            "duration_ms": round((time.perf_counter() - g.get("t0", time.perf_counter())) * 1000,
                                 3),
            "headers": headers, "fault": fault, "replayed": g.get("replayed", False),
        })
        return resp

    @app.post("/connect/token")
    def token() -> Response:
        forced = _forced(sandbox.faults.pick("POST", request.path, None))
        if forced is not None:
            return forced
        answer = sandbox.identity.token(request.form, request.headers.get("Authorization"))
        g.client_id, g.grant_type = answer.client_id, answer.grant_type
        return json_response(answer.status, answer.body, {"Cache-Control": "no-store"})

    @app.get("/connections")
    def connections() -> Response:
        token = sandbox.identity.bearer(request.headers.get("Authorization"))
        if isinstance(token, AuthFailure):
            return json_response(token.status, token.body)
        g.client_id = token.client.client_id
        forced = _forced(sandbox.faults.pick("GET", request.path, None))
        if forced is not None:
            return forced
        return json_response(200, sandbox.identity.connections(token))

    for api, base in API_BASES.items():
        app.add_url_rule(f"{base}/<path:rest>", f"api_{api}", _api_view(sandbox, api),
                         methods=API_METHODS)
    return app


def _api_view(sandbox: Sandbox, api: str) -> Any:
    def view(rest: str) -> Response:
        return _handle(sandbox, api, rest)

    view.__name__ = f"api_{api}"
    return view


def _handle(sandbox: Sandbox, api: str, rest: str) -> Response:
    ident = sandbox.identity.identify(request.headers.get("Authorization"),
                                      request.headers.get("Xero-Tenant-Id"))
    if isinstance(ident, AuthFailure):
        return json_response(ident.status, ident.body)
    g.tenant_id, g.client_id = ident.tenant_id, ident.client.client_id
    fault = sandbox.faults.pick(request.method, request.path, ident.tenant_id)
    forced = _forced(fault, sleep=False)
    if forced is not None:
        return forced
    route = resolve(api, rest)
    org = sandbox.org(ident.tenant_id)
    if route is None or org is None:
        return json_response(404, reads.not_found().body)
    if not has_scope(ident.scopes, needed_scopes(route, request.method)):
        return json_response(403, forbidden("AuthorizationUnsuccessful"))
    admission = sandbox.limits.admit(ident.tenant_id, ident.client.client_id)
    if not admission.admitted:
        return json_response(429, {"Title": "Too Many Requests", "Status": 429,
                                   "Detail": f"Rate limit exceeded: {admission.problem}"},
                             sandbox.limits.refused_headers(admission))
    try:
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.seconds)  # a slow call holds its concurrency slot
        resp = _dispatch(sandbox, org, ident, route)
        if fault is not None and fault.kind in ANSWER_KINDS:
            resp = _spoiled(resp, route.endpoint, fault.kind)
        if api == "accounting":
            resp = _as_xml(resp, route.endpoint)
    finally:
        if admission.headers:  # counted in flight
            sandbox.limits.release(ident.tenant_id)
    resp.headers.update(admission.headers)
    return resp


def _dispatch(sandbox: Sandbox, org: Organisation, ident: CallIdentity, route: Route) -> Response:
    now_ms = sandbox.store.now_ms()
    provider = ident.client.name
    params = request.args.to_dict()
    if route.report is not None:
        if request.method != "GET":
            return _method_not_allowed()
        with org.lock:
            outcome = reports.report(org, route.report, params, now_ms)
        return json_response(outcome.status, outcome.body)
    ep = route.endpoint
    assert ep is not None
    if request.method == "GET":
        return _read(sandbox, org, ep, route, params, provider, now_ms)
    return _write(sandbox, org, ident, ep, route, params, now_ms)


def _base_url() -> str:
    return request.host_url.rstrip("/")


def _read(sandbox: Sandbox, org: Organisation, ep: Endpoint, route: Route,
          params: dict[str, str], provider: str, now_ms: int) -> Response:
    rid, sub = route.record_id, route.sub
    with org.lock:
        if rid is None:
            answer = reads.list_records(org, ep, params, request.headers.get("If-Modified-Since"),
                                        provider, now_ms, route.parent_id)
        elif sub is None:
            answer = reads.single(org, ep, rid, provider, now_ms, route.parent_id)
        elif sub == "history":
            answer = reads.history(org, ep, rid, provider, now_ms)
        elif sub == "attachments" and route.file_name is None:
            answer = reads.attachments(org, ep, rid, provider, now_ms, _base_url())
        elif sub == "attachments":
            answer = reads.attachment_content(org, ep, rid, route.file_name or "")
        elif sub == "onlineinvoice" and ep.stream == "invoices":
            answer = reads.online_invoice(org, ep, rid, provider, now_ms, _base_url())
        else:
            answer = reads.not_found()
        if isinstance(answer.body, bytes):
            return Response(answer.body, answer.status, content_type=answer.content_type)
        body = reads.encode(answer.body)
    return Response(body, answer.status, content_type=answer.content_type)


def _method_not_allowed() -> Response:
    return json_response(405, validation_exception("The method is not allowed for this resource"))


def _allowed(ep: Endpoint, route: Route, method: str) -> bool:
    sub = route.sub
    if method == "DELETE":
        return route.record_id is not None and sub is None and Write.DELETE_HTTP in ep.writes
    if sub is None:
        return bool(ep.writes) and (route.record_id is None or method == "POST")
    if sub == "history":
        return Write.HISTORY in ep.writes and route.file_name is None
    if sub == "attachments":
        return Write.ATTACHMENTS in ep.writes and route.file_name is not None
    if sub == "email":
        return Write.EMAIL in ep.writes and method == "POST"
    return False


def _write(sandbox: Sandbox, org: Organisation, ident: CallIdentity, ep: Endpoint, route: Route,
           params: dict[str, str], now_ms: int) -> Response:
    method = request.method
    if not _allowed(ep, route, method):
        return _method_not_allowed()
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        return json_response(413, {"Title": "Request Entity Too Large", "Status": 413,
                                   "Detail": f"The request body is larger than "
                                             f"{MAX_BODY_BYTES} bytes"})
    data = request.get_data()
    if len(data) > MAX_BODY_BYTES:
        return json_response(413, {"Title": "Request Entity Too Large", "Status": 413,
                                   "Detail": f"The request body is larger than "
                                             f"{MAX_BODY_BYTES} bytes"})
    key = request.headers.get("Idempotency-Key")
    if key is not None and (len(key) > MAX_IDEMPOTENCY_KEY or not key.strip()):
        return json_response(400, validation_exception(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters"))
    cache_key = (ident.tenant_id, method, request.path.lower(), key or "")
    rid = route.record_id
    if rid is not None:  # the stored id for any spelling of it (case, or a business number)
        found = reads.find(org, ep, rid)
        rid = found[0] if found is not None else rid
    with org.lock:
        if key and method in ("POST", "PUT"):
            with sandbox._idem_lock:
                cached = sandbox.idempotency.get(cache_key)
            if cached is not None:
                g.replayed = True
                return Response(cached[1] if cached[0] != 204 else b"", cached[0],
                                content_type=cached[2])
        if method == "DELETE":
            outcome = rules.delete(org, ep, rid or "", now_ms)
        elif route.sub == "attachments":
            outcome = rules.put_attachment(
                org, ep, rid or "", route.file_name or "", data,
                request.content_type or "application/octet-stream", now_ms, _base_url())
        elif route.sub == "email":
            outcome = rules.email_invoice(org, rid or "", now_ms)
        else:
            payload = _payload(data, ep)
            if isinstance(payload, Response):
                return payload
            if not isinstance(payload, dict):
                return json_response(400, validation_exception("The request body must be a "
                                                               "JSON object"))
            if route.sub == "history":
                outcome = rules.put_history(org, ep, rid or "", payload, now_ms)
            else:
                outcome = rules.write(
                    org, ep, method, payload, record_id=rid,
                    summarize_errors=params.get("summarizeErrors", "true").lower() != "false",
                    now_ms=now_ms, params=params)
        if route.sub is None and method != "DELETE":
            sandbox.webhooks.notify(ident.tenant_id, ep, method, outcome.status, outcome.body,
                                    _base_url())
        body = reads.encode(outcome.body) if outcome.status != 204 else b""
        if key and method in ("POST", "PUT"):
            with sandbox._idem_lock:
                sandbox.idempotency[cache_key] = (outcome.status, body, JSON)
    return Response(body, outcome.status, content_type=JSON)
