"""The HTTP client both connectors use: tenants, limiter, timeouts, retries and Xero's errors.

Policy, per call:
- the tenant's limiter holds one of 5 concurrent slots and one of 60 calls a rolling minute
  (`max_calls_per_minute`);
- once Xero's `X-DayLimit-Remaining` says 0, the next call is not sent: `DayLimitError` stops the
  tenant cleanly (unless `wait_on_day_limit`, which sends it and waits out the 429's
  `Retry-After`);
- 429 waits exactly `Retry-After`; a day-limit 429 stops with `DayLimitError` unless
  `wait_on_day_limit` is set;
- 5xx, connection errors and read timeouts back off exponentially with full jitter
  (python-backoff, the one singer-sdk brings) up to `max_retries`;
- 401 refreshes the token once and retries;
- other statuses raise the typed errors of `xero_core.errors`; a redirect (3xx but 304) is
  never followed (`RedirectError`, not retried);
- hosts must be https (plain http only for loopback), answers are streamed with a byte cap
  and an overall deadline per call, and JSON nesting is bounded: see `xero_core.transport`
  and `xero_core.jsonutil`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import requests

from xero_core import jsonutil
from xero_core.auth import XeroAuth
from xero_core.dates import to_http_date
from xero_core.errors import (
    ConfigError,
    DayLimitError,
    ForbiddenError,
    NotFoundError,
    RateLimitError,
    RedirectError,
    ServerError,
    ValidationError,
    XeroHTTPError,
    validation_messages,
)
from xero_core.limits import (
    APP_MINUTE_LIMIT,
    DAY_LIMIT,
    H_PROBLEM,
    MINUTE_LIMIT,
    PROBLEM_DAY,
    LimiterRegistry,
    Limiters,
)
from xero_core.retry import (
    MAX_DAY_RETRY_AFTER,
    MAX_RETRY_AFTER,
    TRANSIENT_STATUSES,
    jittered_delays,
    retry_after,
)
from xero_core.transport import (
    DEFAULT_API_URL,
    DEFAULT_IDENTITY_URL,
    check_url,
    deadline_for,
    host_of,
    read_body,
)

log = logging.getLogger(__name__)

__all__ = ["DEFAULT_API_URL", "DEFAULT_IDENTITY_URL", "XeroClient"]
MAX_RATE_LIMIT_WAITS = 50  # a run that sees more 429s than this in one call is stuck: stop


class XeroClient:
    """One per process: shared by every stream or sink, thread-safe."""

    def __init__(
        self,
        auth: XeroAuth,
        *,
        api_url: str = DEFAULT_API_URL,
        timeout: float = 60,
        max_retries: int = 5,
        wait_on_day_limit: bool = False,
        backoff_factor: float = 1.0,
        backoff_max: float = 60.0,
        user_agent: str = "xero-singer",
        session: requests.Session | None = None,
        limiters: Limiters | None = None,
        max_calls_per_minute: int = MINUTE_LIMIT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        check_url("api_url", api_url)
        self.auth = auth
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout
        self.deadline = deadline_for(timeout)  # a whole call, body included
        self.max_retries = max_retries
        self.wait_on_day_limit = wait_on_day_limit
        self.backoff_factor = backoff_factor
        self.backoff_max = backoff_max
        self.user_agent = user_agent
        self.session = session or requests.Session()
        self.limiters: Limiters = limiters or LimiterRegistry(sleep=sleep,
                                                              per_minute=max_calls_per_minute)
        self.sleep = sleep
        self._connections: list[dict[str, Any]] | None = None
        self.calls = 0
        self.retries = 0

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **kw: Any) -> XeroClient:
        """Build from the settings both connectors share (names are the public interface)."""
        for setting, default in (("api_url", DEFAULT_API_URL),
                                 ("identity_url", DEFAULT_IDENTITY_URL)):
            check_url(setting, str(config.get(setting) or default))
        timeout = float(config.get("request_timeout") or 60)  # 0 or null: the default
        retries = int(_setting(config, "max_retries", 5))
        factor = float(_setting(config, "backoff_factor", 1.0))
        auth = XeroAuth(
            client_id=str(config.get("client_id") or ""),
            client_secret=str(config.get("client_secret") or ""),
            identity_url=str(config.get("identity_url") or DEFAULT_IDENTITY_URL),
            api_url=str(config.get("api_url") or DEFAULT_API_URL),
            refresh_token=config.get("refresh_token") or None,
            token_store_path=config.get("token_store_path") or None,
            scopes=config.get("scopes") or None,
            timeout=timeout,
            max_retries=retries,
            backoff_factor=factor,
            sleep=kw.get("sleep", time.sleep),
        )
        per_minute = int(_setting(config, "max_calls_per_minute", MINUTE_LIMIT))
        if config.get("limiter_url") and "limiters" not in kw:
            from xero_core.shared_limits import SharedLimiterRegistry  # needs redis

            kw["limiters"] = SharedLimiterRegistry(
                str(config["limiter_url"]), app_id=str(config.get("client_id") or ""),
                fallback=str(config.get("limiter_fallback") or "local"),
                per_minute=per_minute, lease=deadline_for(timeout) + 10,
                app_per_minute=int(_setting(config, "max_app_calls_per_minute",
                                            APP_MINUTE_LIMIT)),
                sleep=kw.get("sleep", time.sleep))
        return cls(
            auth,
            api_url=str(config.get("api_url") or DEFAULT_API_URL),
            timeout=timeout,
            max_retries=retries,
            wait_on_day_limit=bool(config.get("wait_on_day_limit", False)),
            backoff_factor=factor,
            max_calls_per_minute=per_minute,
            user_agent=str(config.get("user_agent") or "xero-singer"),
            **kw,
        )

    # -- tenants --------------------------------------------------------------------------

    def connections(self) -> list[dict[str, Any]]:
        """GET /connections once per client; the tenants this token reaches."""
        if self._connections is None:
            resp = self.request("GET", "/connections", tenant_id=None)
            body = jsonutil.loads(resp.content)
            self._connections = [c for c in body if isinstance(c, dict)]
        return self._connections

    def resolve_tenants(
        self, tenant_id: str | None = None, tenant_name: str | None = None
    ) -> list[dict[str, Any]]:
        """The connections to work on: by id (comma-separated), by name, or all of them."""
        conns = self.connections()
        if tenant_id:
            wanted = [t.strip() for t in str(tenant_id).split(",") if t.strip()]
            by_id = {c.get("tenantId"): c for c in conns}
            missing = [t for t in wanted if t not in by_id]
            if missing:
                raise ConfigError(
                    f"tenant_id {', '.join(missing)} is not among this token's connections "
                    f"({', '.join(str(c.get('tenantName')) for c in conns) or 'none'})"
                )
            return [by_id[t] for t in wanted]
        if tenant_name:
            name = tenant_name.lower()
            found = [c for c in conns if str(c.get("tenantName", "")).lower() == name]
            if not found:
                raise ConfigError(
                    f"no connection named {tenant_name!r}; this token reaches: "
                    f"{', '.join(str(c.get('tenantName')) for c in conns) or 'none'}"
                )
            return found
        if not conns:
            raise ConfigError("this token reaches no Xero organisation (/connections is empty)")
        return conns

    # -- requests -------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        tenant_id: str | None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        if_modified_since: str | datetime | None = None,
        idempotency_key: str | None = None,
    ) -> requests.Response:
        hdrs = {"Accept": "application/json", "User-Agent": self.user_agent}
        if json is not None:
            hdrs["Content-Type"] = "application/json"
            data = jsonutil.dumps_bytes(json)
        if if_modified_since:
            hdrs["If-Modified-Since"] = to_http_date(if_modified_since)
        if idempotency_key:
            hdrs["Idempotency-Key"] = idempotency_key
        hdrs.update(headers or {})
        url = path if path.startswith("http") else self.api_url + path
        prepared = requests.Request(method, url, params=params, data=data, headers=hdrs).prepare()
        return self.send(prepared, tenant_id=tenant_id)

    def get_json(self, path: str, *, tenant_id: str | None, **kw: Any) -> Any:
        return jsonutil.loads(self.request("GET", path, tenant_id=tenant_id, **kw).content)

    def send(
        self, prepared: requests.PreparedRequest, *, tenant_id: str | None
    ) -> requests.Response:
        """Send with the full policy; the request is re-authorised on every attempt."""
        if tenant_id:
            prepared.headers["Xero-Tenant-Id"] = tenant_id
        limiter = self.limiters.get(tenant_id) if tenant_id else None
        delays = jittered_delays(self.backoff_factor, self.backoff_max)
        failures = 0
        refreshed = False
        rate_waits = 0
        while True:
            if limiter is not None and limiter.day_remaining == 0 and not self.wait_on_day_limit:
                raise DayLimitError(
                    0,
                    f"the day limit of {DAY_LIMIT:,} calls for this organisation is spent "
                    f"(X-DayLimit-Remaining: 0); not sending. Stopping cleanly: re-run later "
                    f"(state is kept), or set wait_on_day_limit to wait it out",
                    url=_where(prepared), tenant_id=tenant_id, problem=PROBLEM_DAY)
            token = self.auth.access_token()
            prepared.headers["Authorization"] = f"Bearer {token}"
            error: str
            try:
                if limiter is not None:
                    with limiter.slot():
                        resp = self._send_once(prepared)
                    limiter.observe(resp.headers)
                else:
                    resp = self._send_once(prepared)
                self.calls += 1
            except (requests.ConnectionError, requests.Timeout) as exc:
                self.calls += 1
                error = f"{type(exc).__name__} (timeout {self.timeout:g}s)"
                resp = None
            if resp is not None:
                status = resp.status_code
                if status < 300 or status == 304:
                    return resp
                if status < 400:
                    raise self._redirect(resp, prepared, tenant_id)
                if status == 401 and not refreshed:
                    refreshed = True
                    log.info("Xero answered 401 for %s; refreshing the token once",
                             _where(prepared))
                    self.auth.invalidate(token)
                    continue
                if status == 429:
                    rate_waits += 1
                    self._wait_rate_limit(resp, prepared, tenant_id, rate_waits)
                    continue
                if status not in TRANSIENT_STATUSES:
                    raise self._error(resp, prepared, tenant_id)
                error = f"HTTP {status} {_short_text(resp)}"
            failures += 1
            if failures > self.max_retries:
                if resp is not None:
                    raise self._error(resp, prepared, tenant_id)
                raise ServerError(0, f"{error} after {self.max_retries} retries",
                                  url=_where(prepared), tenant_id=tenant_id)
            delay = next(delays)
            self.retries += 1
            log.warning("%s on %s; retry %d/%d in %.1fs", error, _where(prepared), failures,
                        self.max_retries, delay)
            self.sleep(delay)

    def _send_once(self, prepared: requests.PreparedRequest) -> requests.Response:
        """One attempt: never follows a redirect; the body is read within cap and deadline."""
        started = time.monotonic()
        resp = self.session.send(prepared, timeout=self.timeout, stream=True,
                                 allow_redirects=False)
        read_body(resp, started=started, deadline=self.deadline)
        return resp

    def _redirect(
        self, resp: requests.Response, prepared: requests.PreparedRequest, tenant_id: str | None
    ) -> RedirectError:
        target = resp.headers.get("Location", "")
        to = f" to {host_of(target)}" if "//" in target else ""
        return RedirectError(
            resp.status_code,
            f"{host_of(prepared.url)} answered a redirect{to}; redirects are not followed "
            f"(no token is sent to another host): check api_url",
            url=_where(prepared), tenant_id=tenant_id)

    def _wait_rate_limit(
        self, resp: requests.Response, prepared: requests.PreparedRequest,
        tenant_id: str | None, waits: int,
    ) -> None:
        problem = resp.headers.get(H_PROBLEM, "")
        day = problem.lower() == PROBLEM_DAY
        # Clamped (see xero_core.retry): at most 1 h, or 24 h for a day-limit 429.
        wait = retry_after(resp, maximum=MAX_DAY_RETRY_AFTER if day else MAX_RETRY_AFTER)
        wait = wait or 0.0  # never None: the default is 60 s
        if day and not self.wait_on_day_limit:
            raise DayLimitError(
                429,
                f"the day limit of {DAY_LIMIT:,} calls for this organisation is spent; Xero "
                f"asks to wait {wait:.0f}s. Stopping cleanly: re-run later (state is "
                f"kept), or set wait_on_day_limit to wait it out",
                url=_where(prepared), tenant_id=tenant_id, problem=problem,
                retry_after=wait,
            )
        if waits > MAX_RATE_LIMIT_WAITS:
            raise RateLimitError(429, f"still rate limited ({problem}) after {waits} waits",
                                 url=_where(prepared), tenant_id=tenant_id, problem=problem,
                                 retry_after=wait)
        log.warning("Xero rate limit (%s) on %s; waiting Retry-After %.0fs", problem or "unknown",
                    _where(prepared), wait)
        self.sleep(wait)

    def _error(
        self, resp: requests.Response, prepared: requests.PreparedRequest, tenant_id: str | None
    ) -> XeroHTTPError:
        status = resp.status_code
        try:
            body: Any = jsonutil.loads(resp.content) if resp.content else None
        except ValueError:
            body = resp.text
        message = _message(body) or _short_text(resp) or resp.reason or ""
        cls: type[XeroHTTPError] = {
            400: ValidationError, 403: ForbiddenError, 404: NotFoundError,
        }.get(status, ServerError if status >= 500 else XeroHTTPError)
        return cls(status, message, url=_where(prepared), body=body, tenant_id=tenant_id)


def _setting(config: Mapping[str, Any], name: str, default: float) -> Any:
    """A numeric setting; absent or null means its default (0 stays 0)."""
    value = config.get(name)
    return default if value is None or value == "" else value


def _where(prepared: requests.PreparedRequest) -> str:
    """Method and path, without the query string (it may hold ids, never secrets)."""
    url = prepared.url or ""
    return f"{prepared.method} {url.split('?', 1)[0]}"


def _short_text(resp: requests.Response) -> str:
    return " ".join((resp.text or "").split())[:200]


def _message(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("Message", "Detail", "Title", "error"):
            if body.get(key):
                msg = str(body[key])
                details = [m for m in validation_messages(body) if m != msg]
                return msg + (": " + "; ".join(details) if details else "")
    if isinstance(body, str):
        return body.strip()[:200]
    return ""
