"""One running sandbox: its organisations, identity server, rate limits, fault rules, request
log, idempotency cache and webhooks; what `xero-sandbox serve` builds before it listens.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from xero_sandbox.backend import seed
from xero_sandbox.backend.auth import Identity, Tenant
from xero_sandbox.backend.consent import Consent
from xero_sandbox.backend.faults import FaultBook
from xero_sandbox.backend.limits import ServerLimits
from xero_sandbox.backend.requestlog import RequestLog
from xero_sandbox.backend.store import Organisation, Store
from xero_sandbox.backend.webhooks import Webhooks

# A write's cache key: tenant, method, lower-case path, Idempotency-Key.
IdempotencyKey = tuple[str, str, str, str]
# What a repeat gets: status, body bytes, content type of the first answer.
Replay = tuple[int, bytes, str]


@dataclass
class SandboxConfig:
    seed: int = 42
    size: int = 200
    orgs: int = 3  # Demo Company (NZ), (UK) and (AU)
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
        self.consent = Consent(self.identity)  # the authorization-code flow
        self.limits = ServerLimits(self.store.clock.monotonic, enabled=config.limits)
        self.faults = FaultBook()
        self.log = RequestLog()
        self.idempotency: dict[IdempotencyKey, Replay] = {}
        self._idem_lock = threading.Lock()
        self.webhooks = Webhooks()  # signed events after writes (backend/webhooks.py)

    def _seed(self) -> None:
        orgs = seed.generate(seed=self.config.seed, size=self.config.size,
                             orgs=self.config.orgs, now_ms=self.base_now_ms)
        self.store.orgs = {o.tenant_id: o for o in orgs}
        self._by_lower = {o.tenant_id.lower(): o for o in orgs}

    def tenants(self) -> list[Tenant]:
        return [Tenant(o.tenant_id, o.name, o.created_ms) for o in self.store.orgs.values()]

    def org(self, tenant_id: str) -> Organisation | None:
        return self._by_lower.get(tenant_id.lower())

    def replay(self, key: IdempotencyKey) -> Replay | None:
        """The first answer to a write with this Idempotency-Key, if there was one."""
        with self._idem_lock:
            return self.idempotency.get(key)

    def remember(self, key: IdempotencyKey, answer: Replay) -> None:
        with self._idem_lock:
            self.idempotency[key] = answer

    def reset(self) -> None:
        """Re-seed the data and restore auth and limit counters; faults and the log stay."""
        self._seed()
        self.identity.reset(self.tenants())
        self.consent.reset()
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
                "pkce_app": {"client_id": self.identity.pkce_app.client_id},  # type: ignore[union-attr]
                "refresh_token": self.identity.initial_refresh_token}


__all__ = ["Sandbox", "SandboxConfig"]
