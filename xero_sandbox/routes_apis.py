"""Calls the endpoint table's generic rules do not answer: the Files and Finance APIs, and the
Assets and Projects writes. `claim` names the call (scopes and what runs it) or leaves the path
to xero_sandbox/routes.py; handlers.handle runs it after the same token, fault, scope and
limit steps as every call, and this module adds Idempotency-Key replays to its writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, g, request

from xero_core.endpoints import MAX_ATTACHMENT_BYTES, MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY
from xero_sandbox import responses, routes_files, routes_finance, routes_payroll, routes_writes
from xero_sandbox.backend.answers import Answer, bad_request, not_found
from xero_sandbox.backend.auth import CallIdentity
from xero_sandbox.backend.sandbox import Sandbox
from xero_sandbox.backend.store import Organisation
from xero_sandbox.route_tools import Found, Run, not_allowed

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# A Files upload: one file of up to 10 MB and its form fields (a larger file within this is
# refused by backend/files_writes.py with the API's 400 saying so).
UPLOAD_BODY_BYTES = MAX_ATTACHMENT_BYTES + 1024 * 1024


@dataclass
class Call:
    """One claimed call: the scopes it needs (any one of them) and what answers it."""

    scopes: tuple[str, ...]
    run: Run
    parts: list[str]

    def answer(self, sandbox: Sandbox, org: Organisation, ident: CallIdentity) -> Response:
        method = request.method
        key = request.headers.get("Idempotency-Key")
        if key is not None and (len(key) > MAX_IDEMPOTENCY_KEY or not key.strip()):
            return responses.answer_response(bad_request(
                f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters"))
        upload = (request.mimetype or "").startswith("multipart/")
        limit = UPLOAD_BODY_BYTES if upload else MAX_BODY_BYTES
        if (request.content_length or 0) > limit:  # refused before the body is read
            return responses.json_response(413, {
                "Title": "Request Entity Too Large", "Status": 413,
                "Detail": f"The request body is larger than {limit} bytes"})
        cache_key = (ident.tenant_id, method, request.path.lower(), key or "")
        with org.lock:
            if key and method in WRITE_METHODS:
                cached = sandbox.replay(cache_key)
                if cached is not None:
                    g.replayed = True
                    return Response(cached[1] if cached[0] != 204 else b"", cached[0],
                                    content_type=cached[2])
            answer = self.run(org, self.parts, sandbox.store.now_ms())
            data, content_type = responses.rendered(answer)  # under the lock: records live
            if key and method in WRITE_METHODS:
                sandbox.remember(cache_key, (answer.status, data, content_type))
        resp = Response(data, answer.status, content_type=content_type)
        if answer.headers:
            resp.headers.update(answer.headers)
        return resp


def split(rest: str) -> list[str]:
    """A path's segments, without empty ones (a trailing or doubled slash)."""
    return [s for s in rest.split("/") if s]


def claim(api: str, rest: str, method: str) -> Call | None:
    """The call this module answers for the path under an API base, or None."""
    parts = split(rest)
    found: Found | None = None
    if api == "files":
        found = routes_files.resolve(method, parts)
        if found is None:
            return Call((), _not_found, parts)
    elif api == "finance":
        found = routes_finance.resolve(method, parts)
        if found is None:
            return Call((), _not_found, parts)
    elif api.startswith("payroll"):
        found = routes_payroll.resolve(api, method, parts)
        if found is None:
            return Call((), _not_found, parts)
    elif api in ("assets", "projects") and method != "GET":
        found = routes_writes.resolve(api, method, parts)
    elif api == "projects" and [p.lower() for p in parts] == ["projectsusers"]:
        found = routes_writes.project_users()
    elif method == "PATCH":
        return Call((), not_allowed, parts)  # only the Projects API takes PATCH
    if found is None:
        return None
    return Call(found[0], found[1], parts)


def _not_found(org: Organisation, parts: list[str], now_ms: int) -> Answer:
    return not_found()


__all__ = ["Call", "claim", "split"]
