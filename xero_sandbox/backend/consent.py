"""The sandbox's authorization-code flow: Xero's consent page and the code exchange (PKCE).

`authorize` answers `GET /identity/connect/authorize` as Xero's login host does once the user
clicks Allow: a redirect to `redirect_uri` with `code` and `state` (or `error=access_denied`
when the admin switch says the user denies). Codes are single-use, live 5 minutes (sandbox
clock) and are bound to the client, the redirect URI and the PKCE challenge (S256); `exchange`
answers the `authorization_code` grant of `/connect/token` and opens a grant in `Identity`
(its scopes and tenants follow every refresh; `/connections` lists those tenants).

Redirect URIs must be loopback http(s) URLs (the sandbox's stand-in for the app's registered
URIs); anything else gets an error page, never a redirect.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from xero_core.transport import is_loopback
from xero_sandbox.backend.answers import Answer
from xero_sandbox.backend.auth import ALL_SCOPES, Identity, TokenAnswer

CODE_LIFETIME = 300.0  # seconds, as Xero's authorization codes
GRANT = "authorization_code"


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scopes: frozenset[str]
    tenant_ids: tuple[str, ...]
    expires_at: float


@dataclass
class ConsentAnswer:
    """A redirect (`location`) or an error page (`status`, `message`)."""

    status: int
    location: str = ""
    message: str = ""


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Consent:
    """Pending codes and the admin switches of the consent page; thread-safe."""

    def __init__(self, identity: Identity) -> None:
        self.identity = identity
        self._lock = threading.Lock()
        self._codes: dict[str, _Code] = {}
        self.deny = False
        self.tenant_ids: tuple[str, ...] | None = None  # what the user ticks (None: all)

    def reset(self) -> None:
        with self._lock:
            self._codes.clear()
        self.deny, self.tenant_ids = False, None

    def configure(self, deny: bool, tenant_ids: list[str] | None) -> None:
        self.deny = bool(deny)
        self.tenant_ids = tuple(tenant_ids) if tenant_ids is not None else None

    def authorize(self, args: Mapping[str, str]) -> ConsentAnswer:
        client = self.identity.clients.get(args.get("client_id", ""))
        if client is None or client.custom:
            return ConsentAnswer(400, message="unauthorized_client: unknown client_id")
        redirect = args.get("redirect_uri", "")
        parts = urlsplit(redirect)
        if parts.scheme not in ("http", "https") or not is_loopback(parts.hostname):
            return ConsentAnswer(400, message="invalid_request: redirect_uri is not registered")
        state = args.get("state")

        def back(**params: str) -> ConsentAnswer:
            if state is not None:
                params["state"] = state
            sep = "&" if parts.query else "?"
            return ConsentAnswer(302, location=redirect + sep + urlencode(params))

        if args.get("response_type") != "code":
            return back(error="unsupported_response_type")
        scopes = frozenset(args.get("scope", "").split())
        if not scopes or not scopes <= ALL_SCOPES:
            return back(error="invalid_scope")
        challenge = args.get("code_challenge", "")
        if client.public and not challenge:
            return back(error="invalid_request",
                        error_description="a PKCE app must send a code_challenge")
        if challenge and args.get("code_challenge_method", "plain") != "S256":
            return back(error="invalid_request",
                        error_description="code_challenge_method must be S256")
        if self.deny:
            return back(error="access_denied")
        wanted = self.tenant_ids if self.tenant_ids is not None else client.tenant_ids
        tenants = tuple(t for t in client.tenant_ids if t in wanted)
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = _Code(client.client_id, redirect, challenge, scopes, tenants,
                                      self.identity.clock() + CODE_LIFETIME)
        return back(code=code)

    def exchange(self, form: Mapping[str, str], authorization: str | None) -> TokenAnswer:
        client = self.identity.authenticate(form, authorization)
        if client is None:
            return TokenAnswer(400, {"error": "invalid_client"}, grant_type=GRANT)
        with self._lock:
            code = self._codes.pop(form.get("code", ""), None)  # single use, even when refused

        def refused(detail: str) -> TokenAnswer:
            return TokenAnswer(400, {"error": "invalid_grant", "error_description": detail},
                               client_id=client.client_id, grant_type=GRANT)

        if code is None or code.client_id != client.client_id:
            return refused("the code is unknown, used or of another client")
        if self.identity.clock() > code.expires_at:
            return refused("the code expired")
        if form.get("redirect_uri", "") != code.redirect_uri:
            return refused("redirect_uri does not match the authorize request")
        verifier = form.get("code_verifier", "")
        if code.challenge and not secrets.compare_digest(s256(verifier), code.challenge):
            return refused("code_verifier does not match the code_challenge")
        body = self.identity.open_grant(client, code.scopes, code.tenant_ids)
        return TokenAnswer(200, body, client_id=client.client_id, grant_type=GRANT)


def error_page(answer: ConsentAnswer) -> Answer:
    return Answer(answer.status, {"error": answer.message})
