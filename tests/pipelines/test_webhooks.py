"""Webhooks end to end: sandbox write -> signed event -> xero-webhooks -> one run per burst."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.pipelines.conftest import bin_of, wait_for
from xero_webhooks.command import CommandRunner, SyncFailed
from xero_webhooks.debounce import Debouncer
from xero_webhooks.events import streams_by_tenant
from xero_webhooks.signature import sign, verify

KEY = "test-webhook-key-0123456789"
DEBOUNCE = 1.5


class Receiver:
    def __init__(self, proc: subprocess.Popen[str], url: str, log: Path) -> None:
        self.proc, self.url, self.log = proc, url, log

    def health(self) -> dict[str, Any]:
        base = self.url.removesuffix("/xero/webhooks")
        return dict(requests.get(base + "/healthz", timeout=5).json())

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[Receiver]:
    log = tmp_path / "runs.log"
    command = f'echo "$XERO_TENANT_ID $XERO_STREAMS" >> {log}'
    proc = subprocess.Popen([bin_of("xero-webhooks"), "serve", "--port", "0", "--path",
                             "/xero/webhooks", "--debounce", str(DEBOUNCE), "--command",
                             command], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, XERO_WEBHOOK_KEY=KEY))
    assert proc.stdout is not None
    url = json.loads(proc.stdout.readline())["url"]
    yield Receiver(proc, url, log)
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def hooked_sandbox(sandbox: Any, receiver: Receiver) -> Iterator[Any]:
    sandbox.clean()
    sandbox.set_limits(False)
    resp = requests.post(f"{sandbox.admin_url}/webhooks", json={"url": receiver.url, "key": KEY},
                         timeout=5)
    assert resp.status_code == 201
    yield sandbox
    requests.delete(f"{sandbox.admin_url}/webhooks", timeout=5)


def api(sandbox: Any, method: str, path: str, body: dict[str, Any]) -> requests.Response:
    settings = sandbox.orgs[0]["settings"]
    token = requests.post(f"{sandbox.url}/connect/token",
                          data={"grant_type": "client_credentials"},
                          auth=(settings["client_id"], settings["client_secret"]), timeout=10)
    headers = {"Authorization": f"Bearer {token.json()['access_token']}",
               "Xero-Tenant-Id": settings["tenant_id"], "Accept": "application/json"}
    return requests.request(method, f"{sandbox.url}/api.xro/2.0/{path}", json=body,
                            headers=headers, timeout=10)


def test_signature_is_base64_hmac_sha256() -> None:
    # Reference value: python -c "import hmac,hashlib,base64; ..." over b'{"events":[]}' with "k".
    assert sign(b'{"events":[]}', "k") == "+zqdEowiPE3jghOe4Z3uFEzIV2RyA7lAsr86Glqwz/w="
    assert verify(b'{"events":[]}', sign(b'{"events":[]}', "k"), "k")
    assert not verify(b'{"events":[]}', sign(b'{"events":[]}', "k"), "other")
    assert not verify(b"{}", None, "k")


def test_event_categories_map_to_streams() -> None:
    payload = {"events": [
        {"tenantId": "t1", "tenantType": "ORGANISATION", "eventCategory": "INVOICE"},
        {"tenantId": "t1", "tenantType": "ORGANISATION", "eventCategory": "CREDITNOTE"},
        {"tenantId": "t2", "tenantType": "ORGANISATION", "eventCategory": "CONTACT"},
        {"tenantId": "app", "tenantType": "APPLICATION", "eventCategory": "SUBSCRIPTION"}]}
    assert streams_by_tenant(payload) == {"t1": {"invoices", "credit_notes"},
                                          "t2": {"contacts"}}


def test_debouncer_runs_once_per_burst_per_tenant() -> None:
    calls: list[tuple[str, frozenset[str]]] = []
    done = threading.Event()

    def action(tenant: str, streams: frozenset[str]) -> None:
        calls.append((tenant, streams))
        if len(calls) == 2:
            done.set()

    debouncer = Debouncer(action, delay=0.2)
    for stream in ("invoices", "contacts", "invoices"):
        debouncer.add("a", {stream})
    debouncer.add("b", {"credit_notes"})
    assert done.wait(10)
    wait_for(debouncer.idle)
    debouncer.close()
    assert sorted(calls) == [("a", frozenset({"contacts", "invoices"})),
                             ("b", frozenset({"credit_notes"}))]


def test_bad_signature_is_401_and_intent_to_receive(receiver: Receiver, sandbox: Any) -> None:
    body = b'{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"X"}'
    bad = requests.post(receiver.url, data=body, headers={"x-xero-signature": sign(body, "no")},
                        timeout=5)
    missing = requests.post(receiver.url, data=body, timeout=5)
    good = requests.post(receiver.url, data=body, headers={"x-xero-signature": sign(body, KEY)},
                         timeout=5)
    assert (bad.status_code, missing.status_code, good.status_code) == (401, 401, 200)
    assert bad.content == b""
    intent = requests.post(f"{sandbox.admin_url}/webhooks/intent",
                           json={"url": receiver.url, "key": KEY}, timeout=15).json()
    assert intent == {"good": 200, "bad": 401}
    assert receiver.health()["runs"] == 0  # an empty payload starts no sync


def test_sandbox_writes_trigger_one_run_per_burst(hooked_sandbox: Any,
                                                  receiver: Receiver) -> None:
    sandbox = hooked_sandbox
    tenant = sandbox.orgs[0]["tenant_id"]
    contact = sandbox.records(tenant, "contacts")[0]
    # A burst: three writes in quick succession (contacts twice, an invoice once).
    assert api(sandbox, "PUT", "Contacts", {"Contacts": [{"Name": "Webhook Test Ltd"}]}
               ).status_code == 200
    assert api(sandbox, "POST", "Contacts", {"Contacts": [
        {"ContactID": contact["ContactID"], "Website": "https://hook.test"}]}).status_code == 200
    assert api(sandbox, "PUT", "Invoices", {"Invoices": [{
        "Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]},
        "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10,
                       "AccountCode": "200"}]}]}).status_code == 200
    lines = wait_for(receiver.lines)
    wait_for(lambda: not receiver.health()["pending"] and not receiver.health()["running"])
    assert receiver.lines() == [f"{tenant} contacts,invoices"] == lines
    deliveries = requests.get(f"{sandbox.admin_url}/webhooks", timeout=5).json()["deliveries"]
    assert [d["status"] for d in deliveries] == [200, 200, 200]
    # A later burst runs the command again, once.
    assert api(sandbox, "PUT", "Contacts", {"Contacts": [{"Name": "Second Burst Ltd"}]}
               ).status_code == 200
    wait_for(lambda: len(receiver.lines()) == 2)
    wait_for(lambda: not receiver.health()["pending"] and not receiver.health()["running"])
    assert receiver.lines()[1] == f"{tenant} contacts"
    assert receiver.health()["runs"] == 2


def test_a_failed_sync_is_retried_with_its_streams_until_it_succeeds() -> None:
    """Xero sends an event once: a sync that fails must run again, not drop the event."""
    calls: list[tuple[str, frozenset[str], float]] = []
    done = threading.Event()

    def action(tenant: str, streams: frozenset[str]) -> None:
        calls.append((tenant, streams, time.monotonic()))
        if len(calls) < 3:
            raise SyncFailed("exit 1")
        done.set()

    debouncer = Debouncer(action, delay=0.05, retry_delay=0.2, retry_max=0.3)
    debouncer.add("a", {"invoices"})
    wait_for(lambda: len(calls) == 1)
    debouncer.add("a", {"contacts"})  # arrives while the failing run goes: merged
    assert done.wait(10)
    wait_for(debouncer.idle)
    assert debouncer.status()["failing"] == {}
    debouncer.close()
    assert [c[1] for c in calls] == [frozenset({"invoices"}),
                                     frozenset({"invoices", "contacts"}),
                                     frozenset({"invoices", "contacts"})]
    gaps = [later[2] - earlier[2] for earlier, later in itertools.pairwise(calls)]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.3  # back-off doubled, capped at retry_max


def test_command_runner_raises_on_a_failing_command(tmp_path: Path) -> None:
    runner = CommandRunner("exit 3", cwd=str(tmp_path))
    with pytest.raises(SyncFailed, match="code 3"):
        runner("t1", frozenset({"invoices"}))
    CommandRunner("true")("t1", frozenset())  # success raises nothing
