"""What a webhook payload asks for: per tenant, the streams whose records changed.

Event categories map to tap-xero streams through the endpoint table (INVOICE -> invoices,
CONTACT -> contacts, CREDITNOTE -> credit_notes); SUBSCRIPTION events concern the app, not an
organisation, and are ignored.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from xero_core.endpoints import ENDPOINTS


def _category(stream: str) -> str:
    """INVOICE for invoices, CREDITNOTE for credit_notes: Xero's singular, upper-case name."""
    return stream.replace("_", "").upper().removesuffix("S")


#: The organisation event categories Xero's webhooks send (see xero-webhooks.yaml).
CATEGORIES = ("CONTACT", "INVOICE", "CREDITNOTE")

CATEGORY_STREAMS: dict[str, str] = {
    _category(ep.stream): ep.stream for ep in ENDPOINTS
    if ep.parent is None and _category(ep.stream) in CATEGORIES
}


_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_tenant_id(value: object) -> bool:
    """Whether `value` is a GUID (8-4-4-4-12 hex digits), the only form of Xero's tenantId."""
    return isinstance(value, str) and _GUID.fullmatch(value) is not None


def streams_by_tenant(payload: Any) -> dict[str, set[str]]:
    """{tenantId: {stream, ...}} for the organisation events of a webhook payload."""
    out: dict[str, set[str]] = defaultdict(set)
    events = payload.get("events") if isinstance(payload, dict) else None
    for event in events or []:
        if not isinstance(event, dict) or event.get("tenantType", "ORGANISATION") != "ORGANISATION":
            continue
        tenant = event.get("tenantId")
        stream = CATEGORY_STREAMS.get(str(event.get("eventCategory", "")).upper())
        if tenant and stream:
            out[str(tenant)].add(stream)
    return dict(out)
