"""Webhooks of the sandbox: signed event deliveries when contacts, invoices or credit notes change.

Driven by the admin routes (xero_sandbox/admin.py): register a receiver with
`POST /__admin/webhooks {"url": ..., "key": ...}`; after each successful write of a subscribed
resource the sandbox POSTs Xero's payload (events, firstEventSequence, lastEventSequence,
entropy) with `x-xero-signature` = base64(HMAC-SHA256(body, key)), from a background thread so
the write answers as fast as before. `GET /__admin/webhooks` lists the receivers and the
deliveries (status of each); `DELETE` removes them all. `POST /__admin/webhooks/intent` sends
Xero's intent-to-receive pair (an empty payload signed well and one signed badly) and answers
the two statuses the receiver gave.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import queue
import secrets
import string
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import requests

from xero_core.endpoints import Endpoint

#: Xero's webhook event categories and the streams they follow.
CATEGORIES = {"contacts": "CONTACT", "invoices": "INVOICE", "credit_notes": "CREDITNOTE"}
SIGNATURE_HEADER = "x-xero-signature"
DELIVERY_TIMEOUT = 5.0


def signature(body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Receiver:
    url: str
    key: str


class Webhooks:
    """Receivers, the event sequence, a delivery queue and the delivery log."""

    def __init__(self) -> None:
        self.receivers: list[Receiver] = []
        self.deliveries: list[dict[str, Any]] = []
        self._sequence = 0
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[Receiver, bytes, int]] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._http = requests.Session()

    # -- events from writes ------------------------------------------------------------------

    def notify(self, tenant_id: str, ep: Endpoint, method: str, status: int, body: Any,
               api_url: str) -> None:
        """After a write: one payload per receiver with an event per changed record."""
        category = CATEGORIES.get(ep.stream)
        if not self.receivers or category is None or status != 200 or not isinstance(body, dict):
            return
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        events = []
        for record in body.get(ep.records_key) or []:
            rid = record.get(ep.primary_key[0]) if isinstance(record, dict) else None
            if not rid or record.get("HasErrors") or record.get("ValidationErrors"):
                continue
            events.append({
                "resourceUrl": f"{api_url}{ep.url_path}/{rid}", "resourceId": rid,
                "tenantId": tenant_id, "tenantType": "ORGANISATION",
                "eventCategory": category,
                "eventType": "CREATE" if method == "PUT" else "UPDATE",
                "eventDateUtc": now,
            })
        if events:
            self._send(events)

    def _send(self, events: list[dict[str, Any]]) -> None:
        with self._lock:
            first = self._sequence + 1
            self._sequence += len(events)
            receivers = list(self.receivers)
        payload = {"events": events, "firstEventSequence": first,
                   "lastEventSequence": first + len(events) - 1,
                   "entropy": "".join(secrets.choice(string.ascii_uppercase) for _ in range(20))}
        data = json.dumps(payload, separators=(",", ":")).encode()
        for receiver in receivers:
            self._queue.put((receiver, data, len(events)))
        self._start_worker()

    def _start_worker(self) -> None:
        with self._lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._deliver_loop, daemon=True,
                                                name="webhook-deliveries")
                self._worker.start()

    def _deliver_loop(self) -> None:
        while True:
            receiver, data, count = self._queue.get()
            status = self.post(receiver, data)
            with self._lock:
                self.deliveries.append({"url": receiver.url, "events": count, "status": status})
            self._queue.task_done()

    def post(self, receiver: Receiver, data: bytes, key: str | None = None) -> int | None:
        """POST a payload signed with `key` (default: the receiver's); None if unreachable."""
        headers = {"Content-Type": "application/json",
                   SIGNATURE_HEADER: signature(data, key if key is not None else receiver.key)}
        try:
            resp = self._http.post(receiver.url, data=data, headers=headers,
                                   timeout=DELIVERY_TIMEOUT)
        except requests.RequestException:
            return None
        return resp.status_code

    def intent_to_receive(self, receiver: Receiver) -> dict[str, int | None]:
        """Xero's check: a well signed empty payload (wants 200), a badly signed one (401)."""
        data = json.dumps({"events": [], "firstEventSequence": 0, "lastEventSequence": 0,
                           "entropy": "INTENTTORECEIVE"}).encode()
        return {"good": self.post(receiver, data),
                "bad": self.post(receiver, data, key=receiver.key + "-wrong")}

    def add_receiver(self, receiver: Receiver) -> None:
        with self._lock:
            self.receivers.append(receiver)

    def clear(self) -> None:
        """Forget the receivers and the delivery log."""
        with self._lock:
            self.receivers.clear()
            self.deliveries.clear()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"receivers": [{"url": r.url} for r in self.receivers],
                    "deliveries": list(self.deliveries), "sequence": self._sequence}
