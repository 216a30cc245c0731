"""The API call pipeline (as moto's responses.py handlers): read the request, ask the backend,
render its answer.

Every API call goes: token and tenant (401/403) -> injected fault -> route -> scope (403) ->
rate limits (429) -> read or write -> limit headers. The Flask app (xero_sandbox/app.py) calls
`handle` for every path under an API base.
"""

from __future__ import annotations

import time

from flask import Response, g, request

from xero_core.endpoints import MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY, Endpoint
from xero_core.errors import validation_exception
from xero_sandbox import responses, routes_apis
from xero_sandbox.backend import reads, reports, rules
from xero_sandbox.backend.answers import Answer, not_found
from xero_sandbox.backend.auth import CallIdentity, has_scope
from xero_sandbox.backend.faults import ANSWER_KINDS, FaultRule
from xero_sandbox.backend.sandbox import Sandbox
from xero_sandbox.backend.store import Organisation
from xero_sandbox.responses import answer_response, json_response
from xero_sandbox.route_forms import canonical, canonical_params
from xero_sandbox.routes import Route, allowed, needed_scopes, resolve


def forced(rule: FaultRule | None, *, sleep: bool = True) -> Response | None:
    """Record a fired rule and answer it; `slow` sleeps here unless the caller sleeps later."""
    if rule is None:
        return None
    g.fault = rule.kind
    answer = responses.fault_response(rule)
    if answer is None and sleep and rule.kind == "slow":
        time.sleep(rule.seconds)
    return answer


def handle(sandbox: Sandbox, api: str, rest: str) -> Response:
    ident = sandbox.identity.identify(request.headers.get("Authorization"),
                                      request.headers.get("Xero-Tenant-Id"))
    if isinstance(ident, Answer):
        return answer_response(ident)
    g.tenant_id, g.client_id = ident.tenant_id, ident.client.client_id
    fault = sandbox.faults.pick(request.method, request.path, ident.tenant_id)
    refused = forced(fault, sleep=False)
    if refused is not None:
        return refused
    rest = canonical(api, rest)  # the spec's spelling of the forms Xero also takes
    own = routes_apis.claim(api, rest, request.method)  # Files, Finance, Assets/Projects writes
    route = resolve(api, rest) if own is None else None
    org = sandbox.org(ident.tenant_id)
    if (own is None and route is None) or org is None:
        return answer_response(not_found())
    if own is not None:
        scopes = own.scopes
    else:
        assert route is not None
        scopes = needed_scopes(route, request.method)
    if not has_scope(ident.scopes, scopes):
        return responses.scope_refused()
    admission = sandbox.limits.admit(ident.tenant_id, ident.client.client_id)
    if not admission.admitted:
        return responses.rate_limited(admission.problem, sandbox.limits.refused_headers(admission))
    try:
        if fault is not None and fault.kind == "slow":
            sandbox.faults.wait_slow(fault)  # a slow call holds its concurrency slot
        if own is not None:
            resp = own.answer(sandbox, org, ident)
        else:
            assert route is not None
            resp = _dispatch(sandbox, org, ident, route)
        endpoint = route.endpoint if route is not None else None
        if fault is not None and fault.kind in ANSWER_KINDS:
            resp = responses.spoiled(resp, endpoint, fault.kind)
        if api == "accounting":
            resp = responses.as_xml(resp, endpoint)
    finally:
        if admission.headers:  # counted in flight
            sandbox.limits.release(ident.tenant_id)
    resp.headers.update(admission.headers)
    return resp


def _dispatch(sandbox: Sandbox, org: Organisation, ident: CallIdentity, route: Route) -> Response:
    now_ms = sandbox.store.now_ms()
    provider = ident.client.name
    params = canonical_params(route.endpoint.api if route.endpoint else "accounting",
                              request.args.to_dict())
    if route.report is not None:
        if request.method != "GET":
            return responses.method_not_allowed()
        with org.lock:
            answer = reports.report(org, route.report, params, now_ms)
        return answer_response(answer)
    ep = route.endpoint
    assert ep is not None
    if request.method == "GET":
        return _read(org, ep, route, params, provider, now_ms)
    return _write(sandbox, org, ident, ep, route, params, now_ms)


def _base_url() -> str:
    return request.host_url.rstrip("/")


def _read(org: Organisation, ep: Endpoint, route: Route, params: dict[str, str], provider: str,
          now_ms: int) -> Response:
    rid, sub = route.record_id, route.sub
    answer: Answer
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
            answer = not_found()
        data, content_type = responses.rendered(answer)  # under the lock: records are live
    return Response(data, answer.status, content_type=content_type)


def _write(sandbox: Sandbox, org: Organisation, ident: CallIdentity, ep: Endpoint, route: Route,
           params: dict[str, str], now_ms: int) -> Response:
    method = request.method
    if not allowed(ep, route, method):
        return responses.method_not_allowed()
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        return responses.too_large()
    data = request.get_data()
    if len(data) > MAX_BODY_BYTES:
        return responses.too_large()
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
            cached = sandbox.replay(cache_key)
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
            body = responses.payload(data, ep)
            if isinstance(body, Response):
                return body
            if not isinstance(body, dict):
                return json_response(400, validation_exception("The request body must be a "
                                                               "JSON object"))
            if route.sub == "history":
                outcome = rules.put_history(org, ep, rid or "", body, now_ms)
            else:
                outcome = rules.write(
                    org, ep, method, body, record_id=rid,
                    summarize_errors=params.get("summarizeErrors", "true").lower() != "false",
                    now_ms=now_ms, params=params)
        if route.sub is None and method != "DELETE":
            sandbox.webhooks.notify(ident.tenant_id, ep, method, outcome.status, outcome.body,
                                    _base_url())
        answer, content_type = responses.rendered(outcome)
        if key and method in ("POST", "PUT"):
            sandbox.remember(cache_key, (outcome.status, answer, content_type))
    return Response(answer, outcome.status, content_type=content_type)
