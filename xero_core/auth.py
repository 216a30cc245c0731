"""Xero auth: client credentials (Custom Connections) and refresh tokens with rotation.

Xero rotates refresh tokens: every refresh answers a new one and the old one dies ~30 minutes
later. The newest refresh token and the current access token are kept in a token store file
(`token_store_path`), written atomically with mode 0600, so the next run (or Meltano's
regenerated config, which still holds the first token) keeps working.

The store's record is keyed by client id, identity URL and API URL: a token got from one host
is never sent to another (a store written against the sandbox is not used against Xero, nor
the reverse). A record from before the hosts were recorded (client id only) is used only when
both hosts are Xero's defaults (it then gains the hosts at the next save): that keeps a
production run's rotated refresh token across the upgrade, and at worst sends some token to
Xero itself, never a Xero token elsewhere. Otherwise an old record is simply not used.

Token calls follow no redirect (a 3xx is a ConfigError naming the host: the refresh token is
never re-posted elsewhere) and read their answer like API calls: streamed, capped, with a
deadline, depth-bounded JSON (`xero_core.transport`, `xero_core.jsonutil`).

Without a `refresh_token` setting, a stored refresh token of this client id and these hosts
(written by `xero-auth login`) selects the refresh-token grant; else client credentials.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

from xero_core import jsonutil
from xero_core.errors import AuthError, ConfigError, IdentityUnavailableError
from xero_core.retry import TRANSIENT_STATUSES, jittered_delays, retry_after
from xero_core.transport import (
    DEFAULT_API_URL,
    DEFAULT_IDENTITY_URL,
    check_url,
    deadline_for,
    host_of,
    read_body,
)

log = logging.getLogger(__name__)

TOKEN_PATH = "/connect/token"
EXPIRY_MARGIN = 60.0  # refresh this many seconds before the access token expires
RETRIED_STATUSES = TRANSIENT_STATUSES | {429}  # a 429 here waits its Retry-After, then retries


class TokenStore:
    """A JSON file with the newest tokens; `None` path keeps them in memory only."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = Path(path).expanduser() if path else None
        self._memory: dict[str, Any] = {}

    def load(self) -> dict[str, Any]:
        if self.path is None:
            return dict(self._memory)
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning(
                "token store %s is unreadable (%s); ignoring it", self.path, type(exc).__name__
            )
            return {}
        return data if isinstance(data, dict) else {}

    def save(self, data: dict[str, Any]) -> None:
        """Replace the file atomically: write a 0600 temp file beside it, fsync, rename."""
        if self.path is None:
            self._memory = dict(data)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tokens-", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w") as fh:
                json.dump(data, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def load_for(self, client_id: str, hosts: dict[str, str]) -> dict[str, Any]:
        """The stored record if it belongs to this client id and these two hosts, else {}.

        `hosts` is {"identity_url", "api_url"}. A record written before hosts were kept is
        trusted only against Xero's own hosts.
        """
        stored = self.load()
        if stored.get("client_id") != client_id:
            return {}
        if "hosts" in stored:
            same = stored["hosts"] == hosts
        else:
            same = hosts == {"identity_url": DEFAULT_IDENTITY_URL, "api_url": DEFAULT_API_URL}
        return stored if same else {}

    def clear(self) -> None:
        """Forget the stored tokens (the file is removed)."""
        self._memory = {}
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()


class XeroAuth:
    """Hands out a valid access token; thread-safe. Never logs or raises a secret."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        identity_url: str = DEFAULT_IDENTITY_URL,
        api_url: str = DEFAULT_API_URL,
        refresh_token: str | None = None,
        token_store_path: str | None = None,
        scopes: str | list[str] | None = None,
        session: requests.Session | None = None,
        timeout: float = 60,
        max_retries: int = 5,
        backoff_factor: float = 1.0,
        sleep: Any = time.sleep,
    ) -> None:
        if not client_id or not client_secret:
            raise ConfigError("client_id and client_secret are required")
        check_url("identity_url", identity_url)
        check_url("api_url", api_url)
        self.client_id = client_id
        self._secret = client_secret
        self.identity_url = identity_url.rstrip("/")
        self.api_url = api_url.rstrip("/")
        self.token_url = self.identity_url + TOKEN_PATH
        self._config_refresh_token = refresh_token or None
        self.store = TokenStore(token_store_path)
        self.scopes = " ".join(scopes) if isinstance(scopes, list) else (scopes or None)
        self.session = session or requests.Session()
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_factor = backoff_factor
        self._sleep = sleep
        self._lock = threading.Lock()
        self._access_token: str | None = None
        self._expires_at = 0.0
        self.refreshes = 0
        self._load_stored_access_token()

    @property
    def uses_refresh_token(self) -> bool:
        return self._config_refresh_token is not None or bool(
            self._stored().get("refresh_token"))

    def secrets(self) -> list[str]:
        """Every secret this object knows, for scrubbing text."""
        out = [self._secret]
        if self._config_refresh_token:
            out.append(self._config_refresh_token)
        stored = self.store.load()
        out.extend(str(stored[k]) for k in ("refresh_token", "access_token") if stored.get(k))
        if self._access_token:
            out.append(self._access_token)
        return out

    def _hosts(self) -> dict[str, str]:
        """The record's key besides client_id (an object: only tokens are top-level strings)."""
        return {"identity_url": self.identity_url, "api_url": self.api_url}

    def _stored(self) -> dict[str, Any]:
        """The store's record if it belongs to this client id and these two hosts, else {}."""
        return self.store.load_for(self.client_id, self._hosts())

    def _load_stored_access_token(self) -> None:
        stored = self._stored()
        if not stored:
            return
        token, expires = stored.get("access_token"), float(stored.get("expires_at") or 0)
        if token and expires - EXPIRY_MARGIN > time.time():
            self._access_token, self._expires_at = str(token), expires

    def access_token(self) -> str:
        with self._lock:
            if self._access_token and self._expires_at - EXPIRY_MARGIN > time.time():
                return self._access_token
            self._fetch()
            assert self._access_token is not None
            return self._access_token

    def invalidate(self, token: str) -> None:
        """The API said 401 to `token`: forget it, unless another thread already replaced it."""
        with self._lock:
            if self._access_token == token:
                self._access_token = None
                self._expires_at = 0.0

    # -- token endpoint -------------------------------------------------------------------

    def _fetch(self) -> None:
        stored = self._stored()
        if self._config_refresh_token is None and not stored.get("refresh_token"):
            data = {"grant_type": "client_credentials"}
            if self.scopes:
                data["scope"] = self.scopes
            self._accept(self._post(data), refresh_token=None)
            return
        candidates = []
        if stored.get("refresh_token"):
            candidates.append(str(stored["refresh_token"]))
        if self._config_refresh_token and self._config_refresh_token not in candidates:
            candidates.append(self._config_refresh_token)
        last: AuthError | None = None
        for token in candidates:
            try:
                body = self._post({"grant_type": "refresh_token", "refresh_token": token})
            except IdentityUnavailableError:
                raise  # the server is down, the token may be fine: do not burn the next one
            except AuthError as exc:  # a stale stored token: try the configured one next
                last = exc
                continue
            self._accept(body, refresh_token=token)
            return
        assert last is not None
        raise last

    def _post(self, data: dict[str, str]) -> dict[str, Any]:
        """POST to the token endpoint; 5xx, 429 and network errors back off like API calls.

        The same python-backoff full-jitter schedule as XeroClient; a 429 waits Retry-After.
        """
        delays = jittered_delays(self.backoff_factor, 60.0)
        for attempt in range(self.max_retries + 1):
            wait: float | None = None
            try:
                started = time.monotonic()
                resp = self.session.post(
                    self.token_url, data=data, auth=(self.client_id, self._secret),
                    headers={"Accept": "application/json"}, timeout=self.timeout,
                    stream=True, allow_redirects=False,
                )
                read_body(resp, started=started, deadline=deadline_for(self.timeout))
                if 300 <= resp.status_code < 400:
                    target = resp.headers.get("Location", "")
                    to = f" to {host_of(target)}" if "//" in target else ""
                    raise ConfigError(
                        f"the token endpoint {host_of(self.token_url)} answered a redirect "
                        f"(HTTP {resp.status_code}{to}); redirects are not followed (no "
                        f"credential is sent to another host): check identity_url")
                problem = f"HTTP {resp.status_code}"
                if resp.status_code == 429:
                    wait = retry_after(resp, default=None)
            except requests.RequestException as exc:
                resp, problem = None, type(exc).__name__
            if resp is not None and resp.status_code not in RETRIED_STATUSES:
                return self._token_body(resp, data)
            if attempt == self.max_retries:
                break
            delay = wait if wait is not None else next(delays)
            log.warning("token request to %s failed (%s); retry %d/%d in %.1fs",
                        self.token_url, problem, attempt + 1, self.max_retries, delay)
            self._sleep(delay)
        raise IdentityUnavailableError(
            f"token request to {self.token_url} failed ({problem}) after "
            f"{self.max_retries} retries")

    def _token_body(self, resp: requests.Response, data: dict[str, str]) -> dict[str, Any]:
        try:
            body = jsonutil.loads(resp.content)
        except ValueError:  # includes JSONTooDeepError
            body = {}
        if resp.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            code = body.get("error", "") if isinstance(body, dict) else ""
            hint = {
                "invalid_client": "check client_id and client_secret",
                "invalid_grant": "the refresh token is expired or was already rotated; "
                "re-authorise the app (xero-auth login) or set a new refresh_token",
                "unauthorized_client": "this app may not use this grant type",
            }.get(code, "")
            raise AuthError(
                f"Xero identity server refused the {data['grant_type']} request "
                f"(HTTP {resp.status_code} {code or 'no error code'}){': ' + hint if hint else ''}"
            )
        return body

    def _accept(self, body: dict[str, Any], refresh_token: str | None) -> None:
        self._access_token = str(body["access_token"])
        self.refreshes += 1
        previous = self._stored()
        record = token_record(self.client_id, self._hosts(), body, refresh_token)
        for kept in ("scope", "connected_at", "tenants"):  # what a login recorded stays
            if kept not in record and previous.get(kept):
                record[kept] = previous[kept]
        self._expires_at = float(record["expires_at"])
        self.store.save(record)


def token_record(client_id: str, hosts: dict[str, str], body: dict[str, Any],
                 refresh_token: str | None = None) -> dict[str, Any]:
    """The store's record for a token endpoint answer (keyed by client id and hosts)."""
    now = time.time()
    record: dict[str, Any] = {
        "client_id": client_id,
        "hosts": dict(hosts),
        "access_token": str(body["access_token"]),
        "expires_at": now + float(body.get("expires_in") or 1800),
        "updated_at": now,
    }
    new_refresh = body.get("refresh_token") or refresh_token
    if new_refresh:
        record["refresh_token"] = str(new_refresh)
    if body.get("scope"):
        record["scope"] = str(body["scope"])
    return record
