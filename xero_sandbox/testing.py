"""Python API for tests: run the sandbox as a subprocess and drive its admin endpoints.

    with SandboxProcess(size=60) as sandbox:
        settings = sandbox.orgs[0]["settings"]     # ready for tap-xero / target-xero
        sandbox.fault("503-offline", path="/Invoices", count=2)

`SandboxAdmin` holds the admin helpers; `xero_sandbox.inprocess.SandboxInProcess` offers the
same helpers over Flask's test client, without a server (for tests that need no socket).
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from typing import Any

import requests


class SandboxError(RuntimeError):
    """The sandbox did not start, or an admin call failed."""


class SandboxAdmin:
    """What a sandbox printed at start, and helpers over its /__admin/ endpoints.

    Subclasses set `info` (the start line) and `_http` (the session that reaches the sandbox).
    """

    info: dict[str, Any]
    _http: requests.Session

    @property
    def http(self) -> requests.Session:
        """A requests session that reaches this sandbox (its API, identity and admin URLs)."""
        return self._http

    # -- what the server printed -----------------------------------------------------------------
    @property
    def url(self) -> str:
        return str(self.info["url"])

    @property
    def admin_url(self) -> str:
        return str(self.info["admin_url"])

    @property
    def orgs(self) -> list[dict[str, Any]]:
        return list(self.info["organisations"])

    @property
    def app(self) -> dict[str, str]:
        return dict(self.info["standard_app"])

    @property
    def refresh_token(self) -> str:
        return str(self.info["refresh_token"])

    # -- admin helpers -----------------------------------------------------------------------------
    def _admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        resp = self._http.request(method, f"{self.admin_url}/{path}",
                                  json=body if body is not None else {}, timeout=30)
        if resp.status_code >= 400:
            raise SandboxError(f"admin {method} {path}: HTTP {resp.status_code} {resp.text}")
        return resp.json()

    def requests(self) -> list[dict[str, Any]]:
        """The request log: method, path, query, tenant_id, status, time, headers, fault."""
        return list(self._admin("GET", "requests"))

    def clear_requests(self) -> None:
        self._admin("DELETE", "requests")

    def fault(self, kind: str, path: str | None = None, nth: int | None = None,
              count: int | None = 1, tenant_id: str | None = None, **extra: Any
              ) -> dict[str, Any]:
        """Inject a fault (extra: retry_after, seconds, method); count=None fires forever."""
        body = {"kind": kind, "path": path, "nth": nth, "count": count, "tenant_id": tenant_id,
                **extra}
        return dict(self._admin("POST", "faults", body))

    def clear_faults(self) -> None:
        self._admin("DELETE", "faults")

    def advance_clock(self, seconds: float) -> None:
        self._admin("POST", "clock", {"advance": seconds})

    def set_limits(self, enabled: bool) -> None:
        self._admin("POST", "limits", {"enabled": enabled})

    def use_limits(self, tenant_id: str, *, day: int | None = None,
                   minute: int | None = None) -> dict[str, Any]:
        """Mark calls of a tenant's day / minute budget as used (to reach a limit quickly)."""
        body: dict[str, Any] = {"tenant_id": tenant_id}
        if day is not None:
            body["day_used"] = day
        if minute is not None:
            body["minute_used"] = minute
        return dict(self._admin("POST", "limits", body))

    def use_app_limit(self, client_id: str, minute: int) -> dict[str, Any]:
        """Mark calls of an app's per-minute budget (10,000 across tenants) as used."""
        return dict(self._admin("POST", "limits", {"client_id": client_id,
                                                   "app_minute_used": minute}))

    def set_app_minute_limit(self, limit: int | None) -> int:
        """Lower every app's calls a rolling minute (Xero's 10,000; None restores it; a reset
        restores it too), so a test can reach the app-wide limit."""
        return int(self._admin("POST", "limits", {"app_minute_limit": limit})[
            "app_minute_limit"])

    def set_token_lifetime(self, seconds: int) -> None:
        self._admin("POST", "token-lifetime", {"seconds": seconds})

    def set_scopes(self, client_id: str, scopes: list[str] | None) -> None:
        """Restrict a client's scopes (None grants every scope again)."""
        self._admin("POST", "scopes", {"client_id": client_id, "scopes": scopes})

    def set_consent(self, *, deny: bool = False, tenant_ids: list[str] | None = None) -> None:
        """How the consent page answers: deny (access_denied), or which tenants it gives."""
        self._admin("POST", "consent", {"deny": deny, "tenant_ids": tenant_ids})

    def reset(self) -> None:
        """Re-seed the data; restore tokens, scopes, token lifetime and limit counters."""
        self._admin("POST", "reset")

    def state(self) -> dict[str, Any]:
        return dict(self._admin("GET", "state"))

    def records(self, tenant_id: str, stream: str) -> list[dict[str, Any]]:
        """Every stored record of a stream, without spending rate limit or logging a call."""
        return list(self._admin("GET", f"records/{tenant_id}/{stream}"))

    def clean(self) -> None:
        """Fresh data, empty log, no faults, limits on."""
        self.reset()
        self.clear_requests()
        self.clear_faults()
        self.set_limits(True)


class SandboxProcess(SandboxAdmin):
    """A running `xero-sandbox serve` and helpers over its /__admin/ endpoints."""

    def __init__(self, *, seed: int = 42, size: int = 60, orgs: int = 3, limits: bool = True,
                 token_lifetime: int | None = None, host: str = "127.0.0.1",
                 startup_timeout: float = 60.0, command: list[str] | None = None) -> None:
        prefix = command or [sys.executable, "-m", "xero_sandbox.cli"]
        self.args = [*prefix, "serve", "--host", host,
                     "--port", "0", "--seed", str(seed), "--size", str(size),
                     "--orgs", str(orgs)]
        if not limits:
            self.args.append("--no-limits")
        if token_lifetime is not None:
            self.args += ["--token-lifetime", str(token_lifetime)]
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen[bytes] | None = None
        self.info: dict[str, Any] = {}
        self.start_seconds = 0.0
        self._http = requests.Session()

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> SandboxProcess:
        began = time.perf_counter()
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, env=env)
        assert self.proc.stdout is not None
        line = b""
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + self.startup_timeout
            while not line.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(timeout=left):
                    self.stop()
                    raise SandboxError(f"the sandbox did not start within {self.startup_timeout}s")
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    code = self.proc.wait()
                    raise SandboxError(f"the sandbox exited with code {code} before it started")
                line += chunk
        self.info = json.loads(line.decode())
        self.start_seconds = time.perf_counter() - began
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None
        self._http.close()

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
