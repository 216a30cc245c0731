"""The authorization-code flow with PKCE (S256), and the token calls around it.

`login` opens (or prints) Xero's consent URL, waits for the one redirect on a loopback server
(`RedirectServer`: 127.0.0.1, only the expected path, `state` checked), exchanges the code at
the token endpoint, lists the tenants from `/connections` and writes the tokens to the token
store tap-xero and target-xero read (`xero_core.auth.TokenStore`, keyed by client id and
hosts). `revoke` asks Xero to end the grant (`/connect/revocation`), then forgets the tokens.

No secret (client secret, code, verifier, tokens) is logged, printed or put in an error.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from xero_core import jsonutil
from xero_core.auth import TOKEN_PATH, TokenStore, token_record
from xero_core.errors import ConfigError, ResponseTooLargeError
from xero_core.transport import check_url, deadline_for, host_of, is_loopback, read_body

AUTHORIZE_PATH = "/identity/connect/authorize"
REVOKE_PATH = "/connect/revocation"
CALLBACK_PATH = "/callback"


class LoginError(Exception):
    """A login, status or revoke step failed; the message holds no secret."""


@dataclass
class App:
    """The Xero app and hosts a login is for, and where its tokens are kept."""

    client_id: str
    client_secret: str | None
    login_url: str
    identity_url: str
    api_url: str
    token_store: str
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if not self.client_id:
            raise LoginError("client_id is required (--client-id or the config's client_id)")
        if not self.token_store:
            raise LoginError("a token store is required (--token-store or the config's "
                             "token_store_path): tap-xero and target-xero read tokens there")
        for setting in ("login_url", "identity_url", "api_url"):
            value = getattr(self, setting).rstrip("/")
            try:
                check_url(setting, value)
            except ConfigError as exc:
                raise LoginError(str(exc)) from None
            setattr(self, setting, value)

    @property
    def hosts(self) -> dict[str, str]:
        """The token store's key besides client_id (as xero_core.auth.XeroAuth writes it)."""
        return {"identity_url": self.identity_url, "api_url": self.api_url}

    @property
    def store(self) -> TokenStore:
        return TokenStore(self.token_store)

    def stored(self) -> dict[str, Any]:
        """The stored record if it is this client's on these hosts, else {}."""
        return self.store.load_for(self.client_id, self.hosts)

    def post(self, path: str, form: dict[str, str]) -> requests.Response:
        """POST a form to the identity host: client auth by Basic (or client_id for PKCE)."""
        auth = None
        if self.client_secret:
            auth = (self.client_id, self.client_secret)
        else:
            form = {**form, "client_id": self.client_id}
        return call(self, "POST", self.identity_url + path, data=form, auth=auth)


def call(app: App, method: str, url: str, **kw: Any) -> requests.Response:
    """One call to a Xero host, its body read within the client's cap and deadline (as every
    call of tap and target is: xero_core.transport.read_body); no redirect followed."""
    started = time.monotonic()
    headers = {"Accept": "application/json", **kw.pop("headers", {})}
    try:
        resp = requests.request(method, url, headers=headers, timeout=app.timeout,
                                allow_redirects=False, stream=True, **kw)
        read_body(resp, started=started, deadline=deadline_for(app.timeout))
    except (requests.RequestException, ResponseTooLargeError) as exc:
        raise LoginError(f"{host_of(url)} did not answer ({type(exc).__name__})") from None
    return resp


def pkce_pair() -> tuple[str, str]:
    """A code_verifier (43+ unreserved characters) and its S256 code_challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(app: App, redirect_uri: str, scopes: list[str], state: str,
                  challenge: str) -> str:
    query = urlencode({"response_type": "code", "client_id": app.client_id,
                       "redirect_uri": redirect_uri, "scope": " ".join(scopes),
                       "state": state, "code_challenge": challenge,
                       "code_challenge_method": "S256"})
    return f"{app.login_url}{AUTHORIZE_PATH}?{query}"


class RedirectServer:
    """A one-shot HTTP server on 127.0.0.1 for the consent's redirect."""

    def __init__(self, port: int = 0, path: str = CALLBACK_PATH) -> None:
        self.path = path
        self.result: tuple[str, str] | None = None  # ("code", code) or ("error", reason)
        self.expected_state = ""
        self.server = HTTPServer(("127.0.0.1", port), self._handler())

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # the query holds the code
                return

            def _page(self, status: int, text: str) -> None:
                body = (f"<!doctype html><title>xero-auth</title><p>{html.escape(text)}</p>"
                        ).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if not is_loopback(self.client_address[0]) or url.path != owner.path:
                    self._page(404, "Not found.")
                    return
                owner.result = outcome = owner.judge(parse_qs(url.query))
                if outcome[0] == "code":
                    self._page(200, "Xero is connected. You can close this window.")
                else:
                    self._page(400, f"Not connected: {outcome[1]}. See the terminal.")

        return Handler

    def judge(self, query: dict[str, list[str]]) -> tuple[str, str]:
        """The redirect's outcome: a code with the right state, or why not."""
        state = (query.get("state") or [""])[0]
        if not secrets.compare_digest(state.encode(), self.expected_state.encode()):
            return ("error", "the redirect's state does not match this login (a forged or "
                             "stale redirect); nothing was stored")
        if query.get("error"):
            # untrusted text for a terminal: printable characters only
            reason = "".join(c for c in query["error"][0][:100] if c.isprintable())
            if reason == "access_denied":
                return ("error", "access_denied: the consent was denied in Xero")
            return ("error", f"Xero answered {reason}")
        code = (query.get("code") or [""])[0]
        return ("code", code) if code else ("error", "the redirect carries no code")

    def wait(self, state: str, timeout: float) -> str:
        """Serve until the expected path is called (or `timeout` seconds); the code."""
        self.expected_state = state
        deadline = time.monotonic() + timeout
        try:
            while self.result is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise LoginError(f"no redirect came back within {timeout:g}s")
                self.server.timeout = left
                # a connection that sends nothing must not outlast the wait either
                self.server.RequestHandlerClass.timeout = left  # type: ignore[attr-defined]
                self.server.handle_request()
        finally:
            self.server.server_close()
        kind, value = self.result
        if kind != "code":
            raise LoginError(value)
        return value


def _json(resp: requests.Response, what: str) -> Any:
    if 300 <= resp.status_code < 400:
        raise LoginError(f"{what}: {host_of(resp.url)} answered a redirect (HTTP "
                         f"{resp.status_code}), not followed")
    try:
        body = jsonutil.loads(resp.content)
    except ValueError:
        body = None
    if resp.status_code != 200:
        code = body.get("error", "") if isinstance(body, dict) else ""
        detail = body.get("error_description", "") if isinstance(body, dict) else ""
        raise LoginError(f"{what}: HTTP {resp.status_code} {code or 'no error code'}"
                         + (f" ({str(detail)[:200]})" if detail else ""))
    return body


def exchange(app: App, code: str, redirect_uri: str, verifier: str) -> dict[str, Any]:
    """The authorization_code grant: the token endpoint's answer."""
    resp = app.post(TOKEN_PATH, {"grant_type": "authorization_code", "code": code,
                                 "redirect_uri": redirect_uri, "code_verifier": verifier})
    body = _json(resp, "the token endpoint refused the code")
    if not isinstance(body, dict) or "access_token" not in body:
        raise LoginError("the token endpoint answered no access token")
    if not body.get("refresh_token"):
        raise LoginError("the token endpoint answered no refresh token (offline_access "
                         "not granted?)")
    return body


def connections(app: App, access_token: str) -> list[dict[str, Any]]:
    """GET /connections: the tenants the grant reaches."""
    resp = call(app, "GET", app.api_url + "/connections",
                headers={"Authorization": f"Bearer {access_token}"})
    body = _json(resp, "GET /connections failed")
    return [c for c in body if isinstance(c, dict)] if isinstance(body, list) else []


def login(app: App, scopes: list[str], *, announce: Callable[[str], None], port: int = 0,
          timeout: float = 300.0, open_browser: Callable[[str], Any] | None = None
          ) -> dict[str, Any]:
    """Consent, code exchange, tenants; the record written to the token store."""
    server = RedirectServer(port)
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(24)
    url = authorize_url(app, server.redirect_uri, scopes, state, challenge)
    if open_browser is None or not open_browser(url):
        announce(url)
    code = server.wait(state, timeout)
    body = exchange(app, code, server.redirect_uri, verifier)
    tenants = connections(app, str(body["access_token"]))
    record = token_record(app.client_id, app.hosts, body)
    record["scope"] = str(body.get("scope") or " ".join(scopes))
    record["connected_at"] = record["updated_at"]
    record["tenants"] = [{"tenantId": t.get("tenantId"), "tenantName": t.get("tenantName")}
                         for t in tenants]
    app.store.save(record)
    return record


def revoke(app: App) -> None:
    """End the stored grant at Xero, then remove the stored tokens."""
    record = app.stored()
    if not record.get("refresh_token"):
        raise LoginError("no stored refresh token for this client id and these hosts")
    resp = app.post(REVOKE_PATH, {"token": str(record["refresh_token"]),
                                  "token_type_hint": "refresh_token"})
    if resp.status_code != 200:
        _json(resp, "the revocation endpoint refused")
        raise LoginError(f"the revocation endpoint answered HTTP {resp.status_code}")
    app.store.clear()
