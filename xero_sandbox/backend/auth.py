"""The sandbox's identity server and the token, tenant and scope checks of every API call.

Clients: one Custom Connection per organisation (client_credentials, bound to that org), a PKCE
app (no secret: authorization code with PKCE, then its refresh tokens) and one
standard app connected to every org (refresh_token grant; refresh tokens rotate, the old one
stays valid for a 30-minute grace). Credentials derive from the seed; tokens are opaque.
A grant (`grant`: an authorization-code consent, backend/consent.py) carries its own scopes
and tenants through every rotation, and `revoke` ends it.
"""

from __future__ import annotations

import base64
import binascii
import random
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xero_core.endpoints import ENDPOINTS, REPORT_GRANULAR_SCOPES, REPORT_SCOPE
from xero_core.endpoints_apis import ACCOUNTING_ACTIVITY, STATEMENTS
from xero_core.errors import forbidden, unauthorized
from xero_sandbox.backend.answers import Answer

REFRESH_GRACE = 1800.0  # seconds an already-used refresh token keeps working
DEFAULT_TOKEN_LIFETIME = 1800
APP_NAME = "Xero Sandbox App"
ATTACHMENTS_SCOPE = "accounting.attachments"

def _all_scopes() -> frozenset[str]:
    scopes: set[str] = {"openid", "profile", "email", "offline_access", REPORT_SCOPE,
                        ATTACHMENTS_SCOPE, ATTACHMENTS_SCOPE + ".read"}
    for ep in ENDPOINTS:
        scopes.update(ep.read_scopes)  # broad and granular scopes, with their .read variants
    scopes.update(REPORT_GRANULAR_SCOPES.values())
    scopes.update((STATEMENTS, ACCOUNTING_ACTIVITY))  # Finance scopes no table row carries
    return frozenset(scopes)


ALL_SCOPES = _all_scopes()


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str
    name: str
    tenant_ids: tuple[str, ...]
    custom: bool  # a Custom Connection (client_credentials, one org)
    public: bool = False  # a PKCE app: no secret, authorization code with PKCE only

    @property
    def auth_event_id(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "xero-sandbox/auth-event/" + self.client_id))


@dataclass
class AccessToken:
    client: Client
    scopes: frozenset[str]
    expires_at: float  # sandbox clock, epoch seconds
    grant: str | None = None  # the consent it comes from (None: the seeded connection)
    tenant_ids: tuple[str, ...] | None = None  # the tenants that consent gave (None: all)

    @property
    def tenants(self) -> tuple[str, ...]:
        return self.client.tenant_ids if self.tenant_ids is None else self.tenant_ids


@dataclass
class _Refresh:
    client_id: str
    used_at: float | None = None
    grant: str | None = None
    tenant_ids: tuple[str, ...] | None = None
    scopes: frozenset[str] | None = None


@dataclass
class Tenant:
    tenant_id: str
    name: str
    created_ms: int


@dataclass
class CallIdentity:
    """Who makes an API call: the token's client and the tenant the call is for."""

    client: Client
    tenant_id: str
    scopes: frozenset[str]


@dataclass
class TokenAnswer(Answer):
    """The token endpoint's answer, and who asked for what (for the request log)."""

    headers: dict[str, str] = field(default_factory=lambda: {"Cache-Control": "no-store"})
    client_id: str | None = None
    grant_type: str | None = None


def _token_answer(status: int, body: dict[str, Any], client_id: str | None,
                  grant_type: str | None) -> TokenAnswer:
    return TokenAnswer(status, body, client_id=client_id, grant_type=grant_type)


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789ABCDEF") for _ in range(n))


def _secret(rng: random.Random, n: int = 48) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
    return "".join(rng.choice(alphabet) for _ in range(n))


def _iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms / 1000)) + ".0000000"


@dataclass
class Identity:
    """Clients, tokens and scopes of one sandbox; thread-safe."""

    seed: int
    tenants: list[Tenant]
    clock: Callable[[], float]
    default_lifetime: int = DEFAULT_TOKEN_LIFETIME
    clients: dict[str, Client] = field(default_factory=dict)
    custom_clients: list[Client] = field(default_factory=list)
    app: Client | None = None
    pkce_app: Client | None = None
    initial_refresh_token: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, AccessToken] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._scopes: dict[str, frozenset[str]] = {}
        self.token_lifetime = self.default_lifetime
        for i, tenant in enumerate(self.tenants, start=1):
            rng = random.Random(f"xero-sandbox:{self.seed}:custom:{i}")
            client = Client(_hex(rng, 32), _secret(rng), f"Xero Sandbox Custom Connection {i}",
                            (tenant.tenant_id,), custom=True)
            self.custom_clients.append(client)
        rng = random.Random(f"xero-sandbox:{self.seed}:app")
        self.app = Client(_hex(rng, 32), _secret(rng), APP_NAME,
                          tuple(t.tenant_id for t in self.tenants), custom=False)
        self.initial_refresh_token = _hex(rng, 64).lower()
        rng = random.Random(f"xero-sandbox:{self.seed}:pkce")
        self.pkce_app = Client(_hex(rng, 32), "", "Xero Sandbox PKCE App",
                               self.app.tenant_ids, custom=False, public=True)
        for client in [*self.custom_clients, self.app, self.pkce_app]:
            self.clients[client.client_id] = client
        self.reset()

    # -- admin ---------------------------------------------------------------------------------
    def reset(self, tenants: Iterable[Tenant] | None = None) -> None:
        """Back to the state at start: the first refresh token valid, every scope granted."""
        with self._lock:
            if tenants is not None:
                self.tenants = list(tenants)
            self._refresh = {self.initial_refresh_token: _Refresh(self.app.client_id)}  # type: ignore[union-attr]
            self._scopes = {cid: ALL_SCOPES for cid in self.clients}
            self.token_lifetime = self.default_lifetime

    def set_scopes(self, client_id: str, scopes: Iterable[str] | None) -> frozenset[str]:
        if client_id not in self.clients:
            raise KeyError(client_id)
        granted = ALL_SCOPES if scopes is None else frozenset(scopes)
        with self._lock:
            self._scopes[client_id] = granted
        return granted

    def set_token_lifetime(self, seconds: int) -> None:
        self.token_lifetime = int(seconds)

    # -- the token endpoint ----------------------------------------------------------------------
    def authenticate(self, form: Mapping[str, str], authorization: str | None
                     ) -> Client | None:
        """The client of HTTP Basic (or form) credentials, if its secret matches."""
        client_id, client_secret = _basic(authorization)
        if client_id is None:
            client_id, client_secret = form.get("client_id"), form.get("client_secret")
        client = self.clients.get(client_id or "")
        if client is not None and client.public:
            return None if client_secret else client  # a PKCE app has no secret
        if client is None or not secrets.compare_digest(
                (client_secret or "").encode(), client.client_secret.encode()):
            return None
        return client

    def token(self, form: Mapping[str, str], authorization: str | None) -> TokenAnswer:
        """POST /connect/token with a form body; answers Xero's shapes and error codes."""
        grant = form.get("grant_type", "")
        client = self.authenticate(form, authorization)
        if client is None:
            return _token_answer(400, {"error": "invalid_client"}, None, grant)
        if grant == "client_credentials":
            if not client.custom:
                return _token_answer(400, {"error": "unauthorized_client"}, client.client_id, grant)
            return _token_answer(200, self._issue(client, form.get("scope")), client.client_id,
                                 grant)
        if grant == "refresh_token":
            if client.custom:
                return _token_answer(400, {"error": "unauthorized_client"}, client.client_id, grant)
            return self._refresh_grant(client, form.get("refresh_token", ""))
        return _token_answer(400, {"error": "unsupported_grant_type"}, client.client_id, grant)

    def _refresh_grant(self, client: Client, token: str) -> TokenAnswer:
        now = self.clock()
        with self._lock:
            entry = self._refresh.get(token)
            if entry is None or entry.client_id != client.client_id:
                return _token_answer(400, {"error": "invalid_grant"}, client.client_id,
                                     "refresh_token")
            if entry.used_at is not None and now > entry.used_at + REFRESH_GRACE:
                del self._refresh[token]
                return _token_answer(400, {"error": "invalid_grant"}, client.client_id,
                                     "refresh_token")
            if entry.used_at is None:
                entry.used_at = now
            new = secrets.token_hex(32)
            self._refresh[new] = _Refresh(client.client_id, None, entry.grant, entry.tenant_ids,
                                          entry.scopes)
        requested = " ".join(entry.scopes) if entry.scopes is not None else None
        body = self._issue(client, requested, entry.grant, entry.tenant_ids)
        body["refresh_token"] = new
        return _token_answer(200, body, client.client_id, "refresh_token")

    def open_grant(self, client: Client, scopes: frozenset[str],
                   tenant_ids: tuple[str, ...]) -> dict[str, Any]:
        """A consent's first tokens: access token, refresh token (with offline_access)."""
        grant = secrets.token_hex(16)
        body = self._issue(client, " ".join(sorted(scopes)), grant, tenant_ids)
        if "offline_access" in scopes:
            new = secrets.token_hex(32)
            with self._lock:
                self._refresh[new] = _Refresh(client.client_id, None, grant, tenant_ids, scopes)
            body["refresh_token"] = new
        return body

    def revoke(self, client: Client, token: str) -> None:
        """POST /connect/revocation: the refresh token's grant ends (every token of it)."""
        with self._lock:
            entry = self._refresh.get(token)
            if entry is None or entry.client_id != client.client_id:
                return  # RFC 7009: an unknown token is not an error
            if entry.grant is None:
                del self._refresh[token]
                return
            for key in [k for k, v in self._refresh.items() if v.grant == entry.grant]:
                del self._refresh[key]
            for key in [k for k, v in self._tokens.items() if v.grant == entry.grant]:
                del self._tokens[key]

    def _issue(self, client: Client, requested: str | None, grant: str | None = None,
               tenant_ids: tuple[str, ...] | None = None) -> dict[str, Any]:
        granted = self._scopes.get(client.client_id, ALL_SCOPES)
        scopes = granted if not requested else granted & frozenset(requested.split())
        token = "sbx." + secrets.token_urlsafe(32)
        lifetime = self.token_lifetime
        with self._lock:
            self._tokens[token] = AccessToken(client, scopes, self.clock() + lifetime, grant,
                                              tenant_ids)
        return {"access_token": token, "expires_in": lifetime, "token_type": "Bearer",
                "scope": " ".join(sorted(scopes))}

    # -- checks on API calls -----------------------------------------------------------------------
    def bearer(self, authorization: str | None) -> AccessToken | Answer:
        """The live access token of an `Authorization: Bearer` header, or the 401 to answer."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return Answer(401, unauthorized("AuthenticationUnsuccessful"))
        token = authorization[7:].strip()
        with self._lock:
            found = self._tokens.get(token)
        if found is None:
            return Answer(401, unauthorized("AuthenticationUnsuccessful"))
        if self.clock() >= found.expires_at:
            return Answer(401, unauthorized(expired_detail(found.expires_at)))
        return found

    def identify(self, authorization: str | None, tenant_header: str | None
                 ) -> CallIdentity | Answer:
        """Token, then tenant: 401 for a bad token, 403 for a tenant the token does not reach.

        A Custom Connection needs no Xero-Tenant-Id (its token reaches one org); a standard
        app's token without the header answers 403 AuthenticationUnsuccessful, as Xero does.
        """
        token = self.bearer(authorization)
        if isinstance(token, Answer):
            return token
        client = token.client
        wanted = (tenant_header or "").strip().lower()
        if not wanted:
            if client.custom:
                wanted = client.tenant_ids[0].lower()
            else:
                return Answer(403, forbidden("AuthenticationUnsuccessful"))
        for tid in token.tenants:
            if tid.lower() == wanted:
                scopes = token.scopes & self._scopes.get(client.client_id, frozenset())
                return CallIdentity(client, tid, scopes)
        return Answer(403, forbidden("AuthorizationUnsuccessful"))

    def connections(self, token: AccessToken) -> list[dict[str, Any]]:
        """GET /connections for a token: one entry per tenant it reaches."""
        by_id = {t.tenant_id: t for t in self.tenants}
        out = []
        for tid in token.tenants:
            tenant = by_id.get(tid)
            if tenant is None:
                continue
            out.append({
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL,
                                     f"xero-sandbox/connection/{token.client.client_id}/{tid}")),
                "authEventId": token.client.auth_event_id,
                "tenantId": tid,
                "tenantType": "ORGANISATION",
                "tenantName": tenant.name,
                "createdDateUtc": _iso(tenant.created_ms),
                "updatedDateUtc": _iso(tenant.created_ms),
            })
        return out


def expired_detail(expires_at: float) -> str:
    stamp = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(expires_at))
    return f"TokenExpired: token expired at {stamp}"


def has_scope(granted: frozenset[str], needed: Iterable[str]) -> bool:
    """True when any of `needed` is granted (the read-write scope or its .read variant)."""
    needed = tuple(needed)
    return not needed or any(s in granted for s in needed)


def _basic(header: str | None) -> tuple[str | None, str | None]:
    if not header or not header.lower().startswith("basic "):
        return None, None
    try:
        raw = base64.b64decode(header[6:].strip()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    user, _, password = raw.partition(":")
    return user, password
