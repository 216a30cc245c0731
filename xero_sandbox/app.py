"""The sandbox's Flask app: the identity routes, one rule per API base (xero_sandbox/routes.py
resolves the rest from the endpoint table), the admin routes, and the request log.

`/identity/connect/authorize` is Xero's consent page (on login.xero.com there: the `login_url`
setting), `/connect/revocation` ends a grant (backend/consent.py, backend/auth.py).
`/connect/token` and `/connections` skip the per-tenant limits; `/__admin/` skips limits and
the log. API calls go through `handlers.handle`.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, g, redirect, request

from xero_core.endpoints import API_BASES
from xero_sandbox.admin import admin_blueprint, admin_guard, webhooks_blueprint
from xero_sandbox.backend.answers import Answer
from xero_sandbox.backend.consent import error_page
from xero_sandbox.backend.sandbox import Sandbox, SandboxConfig
from xero_sandbox.handlers import forced, handle
from xero_sandbox.responses import answer_response, json_response
from xero_sandbox.route_forms import base_of
from xero_sandbox.routes import API_METHODS

LOGGED_HEADERS = ("If-Modified-Since", "Idempotency-Key", "Content-Type", "User-Agent",
                  "Xero-Tenant-Id")


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
        if request.url_rule is None:  # an API base in another case: Xero ignores case
            found = base_of(request.path)
            if found is not None and request.method in API_METHODS:
                return handle(sandbox, *found)
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
        refused = forced(sandbox.faults.pick("POST", request.path, None))
        if refused is not None:
            return refused
        authorization = request.headers.get("Authorization")
        if request.form.get("grant_type") == "authorization_code":
            answer = sandbox.consent.exchange(request.form, authorization)
        else:
            answer = sandbox.identity.token(request.form, authorization)
        g.client_id, g.grant_type = answer.client_id, answer.grant_type
        return answer_response(answer)

    @app.get("/identity/connect/authorize")
    def authorize() -> Response:
        answer = sandbox.consent.authorize(request.args)
        if answer.location:
            return redirect(answer.location, 302)  # type: ignore[return-value]
        return answer_response(error_page(answer))

    @app.post("/connect/revocation")
    def revocation() -> Response:
        client = sandbox.identity.authenticate(request.form, request.headers.get("Authorization"))
        if client is None:
            return json_response(400, {"error": "invalid_client"})
        g.client_id = client.client_id
        sandbox.identity.revoke(client, request.form.get("token", ""))
        return Response(b"", 200)

    @app.get("/connections")
    def connections() -> Response:
        token = sandbox.identity.bearer(request.headers.get("Authorization"))
        if isinstance(token, Answer):
            return answer_response(token)
        g.client_id = token.client.client_id
        refused = forced(sandbox.faults.pick("GET", request.path, None))
        if refused is not None:
            return refused
        return json_response(200, sandbox.identity.connections(token))

    for api, base in API_BASES.items():
        app.add_url_rule(f"{base}/<path:rest>", f"api_{api}", _api_view(sandbox, api),
                         methods=API_METHODS)
    return app


def _api_view(sandbox: Sandbox, api: str) -> Any:
    def view(rest: str) -> Response:
        return handle(sandbox, api, rest)

    view.__name__ = f"api_{api}"
    return view


__all__ = ["LOGGED_HEADERS", "Sandbox", "SandboxConfig", "create_app"]
