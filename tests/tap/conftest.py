"""Helpers for the tap's tests: configs for the sandbox, in-process runs, admin reads."""

from __future__ import annotations

import contextlib
import io
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tap_xero.tap import TapXero
from tests.conftest import SandboxAPI
from xero_core.http import XeroClient
from xero_core.limits import LimiterRegistry

# Retries and waits fast enough for tests: the sandbox's faults say Retry-After 1 at most.
FAST = {"backoff_factor": 0.01, "max_retries": 3, "request_timeout": 5}


@dataclass
class Run:
    """What one in-process run printed, parsed."""

    messages: list[dict[str, Any]]
    error: BaseException | None = None
    waits: list[float] = field(default_factory=list)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for msg in self.messages:
            if msg["type"] == "RECORD":
                self.records[msg["stream"]].append(msg["record"])

    @property
    def state(self) -> dict[str, Any]:
        states = [m["value"] for m in self.messages if m["type"] == "STATE"]
        return states[-1] if states else {}

    def schemas(self) -> dict[str, dict[str, Any]]:
        return {m["stream"]: m["schema"] for m in self.messages if m["type"] == "SCHEMA"}

    def ids(self, stream: str, key: str) -> list[Any]:
        return [r[key] for r in self.records.get(stream, [])]


def org_config(sandbox: Any, index: int = 0, **overrides: Any) -> dict[str, Any]:
    """Client credentials (Custom Connection) of one organisation."""
    return {**sandbox.orgs[index]["settings"], **FAST, **overrides}


def app_config(sandbox: Any, **overrides: Any) -> dict[str, Any]:
    """The standard app (refresh token) connected to every organisation."""
    base = sandbox.orgs[0]["settings"]
    return {"api_url": base["api_url"], "identity_url": base["identity_url"],
            **sandbox.app, "refresh_token": sandbox.refresh_token, **FAST, **overrides}


def catalog_for(config: dict[str, Any], streams: list[str]) -> dict[str, Any]:
    """The discovered catalog with only `streams` selected (their fields all selected)."""
    catalog = TapXero(config=config, parse_env_config=False).catalog_dict
    for entry in catalog["streams"]:
        chosen = entry["tap_stream_id"] in streams
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = chosen
    return catalog


class SandboxTime:
    """Waits that move the sandbox's clock instead of sleeping.

    The client's limiter and Retry-After waits call `sleep`; the sandbox's rate limits and
    token expiry follow its own clock, so advancing it keeps both sides consistent while the
    test takes no wall time. `waits` records every wait asked for.
    """

    def __init__(self, sandbox: Any) -> None:
        self.sandbox = sandbox
        self.offset = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        if seconds > 0:
            self.offset += seconds
            self.sandbox.advance_clock(seconds)

    def client_options(self) -> dict[str, Any]:
        return {"sleep": self.sleep,
                "limiters": LimiterRegistry(clock=self.clock, sleep=self.sleep)}


def run_tap(sandbox: Any, config: dict[str, Any], streams: list[str] | None = None,
            state: dict[str, Any] | None = None, *, expect_error: bool = False) -> Run:
    """Run the tap in-process, capturing its Singer output (waits on the sandbox's clock)."""
    catalog = catalog_for(config, streams) if streams is not None else None
    out = io.StringIO()
    error: BaseException | None = None
    tap = TapXero(config=config, catalog=catalog, state=state, parse_env_config=False)
    timer = SandboxTime(sandbox) if sandbox is not None else None
    if timer is not None:
        tap.client_options = timer.client_options()
    with contextlib.redirect_stdout(out):
        try:
            tap.sync_all()
        except Exception as exc:
            if not expect_error:
                raise
            error = exc
    if expect_error:
        assert error is not None, "the run was expected to fail"
    run = Run([json.loads(line, parse_float=Decimal)
               for line in out.getvalue().splitlines() if line.strip()], error)
    run.waits = timer.waits if timer is not None else []
    return run


def admin_records(sandbox: Any, tenant_id: str, stream: str) -> list[dict[str, Any]]:
    """What the sandbox holds (its admin state, not an API answer)."""
    resp = requests.get(f"{sandbox.url}/__admin/records/{tenant_id}/{stream}", timeout=10)
    resp.raise_for_status()
    records: list[dict[str, Any]] = json.loads(resp.content, parse_float=Decimal)
    return records


def editable_invoices(sandbox: Any, index: int = 0, kind: str | None = None
                      ) -> list[dict[str, Any]]:
    """Invoices the sandbox lets us edit: draft/submitted, or authorised with nothing applied."""
    tenant = sandbox.orgs[index]["tenant_id"]
    out = []
    for inv in admin_records(sandbox, tenant, "invoices"):
        if kind and inv.get("Type") != kind:
            continue
        applied = (inv.get("AmountPaid") or 0) or (inv.get("AmountCredited") or 0)
        if inv.get("Status") in ("DRAFT", "SUBMITTED") or (
                inv.get("Status") == "AUTHORISED" and not applied):
            out.append(inv)
    return out


def admin_post(sandbox: Any, what: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = requests.post(f"{sandbox.url}/__admin/{what}", json=body, timeout=10)
    resp.raise_for_status()
    answer: dict[str, Any] = resp.json()
    return answer


def api_calls(sandbox: Any, path_part: str = "") -> list[dict[str, Any]]:
    """Logged API calls (not identity, not admin) whose path contains `path_part`."""
    return [r for r in sandbox.requests()
            if r["path"].startswith(("/api.xro", "/assets.xro", "/projects.xro", "/connections"))
            and path_part in r["path"]]


def change_after_page(monkeypatch: pytest.MonkeyPatch, sandbox: Any, page: int,
                       invoice_id: str, change: dict[str, Any], clock_step: float = 0
                       ) -> list[bool]:
    """Patch XeroClient.send so that, once the invoice listing's `page` is served, `change`
    is POSTed to one invoice (plain requests, not the patched send). Each listing call moves
    the sandbox clock `clock_step` seconds, the change half-way. The list says it happened."""
    editor = SandboxAPI(sandbox)
    real_send = XeroClient.send
    done: list[bool] = []

    def send(client: XeroClient, prepared: requests.PreparedRequest, *,
             tenant_id: str | None) -> requests.Response:
        resp = real_send(client, prepared, tenant_id=tenant_id)
        url = urlsplit(prepared.url or "")
        if url.path == "/api.xro/2.0/Invoices":
            if clock_step:
                sandbox.advance_clock(clock_step / 2)
            if parse_qs(url.query).get("page") == [str(page)] and not done:
                done.append(True)
                answer = editor.request("POST", f"Invoices/{invoice_id}", json={
                    "Invoices": [{"InvoiceID": invoice_id, **change}]})
                assert answer.status_code == 200, answer.text
            if clock_step:
                sandbox.advance_clock(clock_step / 2)
        return resp

    monkeypatch.setattr(XeroClient, "send", send)
    return done
