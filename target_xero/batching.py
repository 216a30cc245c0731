"""How a batch of records becomes write calls: rounds in which no record's id or natural key
appears twice, chunks of at most 50 records under Xero's body limit, and the Idempotency-Key
of a call. Pure functions of the records; no I/O."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

from target_xero.work import Work
from xero_core import jsonutil
from xero_core.endpoints import MAX_BATCH, MAX_BODY_BYTES, MAX_IDEMPOTENCY_KEY, Endpoint

ENVELOPE_OVERHEAD = 200  # bytes of {"Invoices": [...]} around the records of a call
# A sink drains this many write batches at once: their keys are looked up in one call, then
# written `batch_size` records a call.
LOOKAHEAD_BATCHES = 20


def payload_of(w: Work) -> dict[str, Any]:
    """The body element a decided record sends."""
    assert w.decision is not None and w.decision.payload is not None
    return w.decision.payload


def chunks(works: list[Work], size: int) -> Iterator[list[Work]]:
    """Up to `size` records a call, and under Xero's 3.5 MB body limit."""
    chunk: list[Work] = []
    total = ENVELOPE_OVERHEAD
    limit = max(1, min(size, MAX_BATCH))
    for w in works:
        n = len(jsonutil.dumps_bytes(payload_of(w))) + 1
        if chunk and (len(chunk) >= limit or total + n > MAX_BODY_BYTES):
            yield chunk
            chunk, total = [], ENVELOPE_OVERHEAD
        chunk.append(w)
        total += n
    if chunk:
        yield chunk


def rounds(ep: Endpoint, works: list[Work]) -> Iterator[list[Work]]:
    """Split a batch so no id or natural key appears twice in one round (order kept)."""
    pk = ep.primary_key[0] if ep.primary_key else ""
    nat = ep.natural_keys[0] if ep.natural_keys else None
    pending = list(works)
    while pending:
        seen: set[str] = set()
        this: list[Work] = []
        rest: list[Work] = []
        for w in pending:
            keys = keys_of(w, pk, nat)
            if w.key is not None:
                keys.add(f"src:{w.key.token}")
            (rest if keys & seen else this).append(w)
            seen |= keys
        yield this
        pending = rest


def keys_of(w: Work, pk: str, nat: str | None) -> set[str]:
    """The record's id and natural key, as they collide in one round."""
    keys = {f"id:{str(w.raw.get(pk)).casefold()}"} if pk and w.raw.get(pk) else set()
    if nat and w.raw.get(nat):
        keys.add(f"nat:{str(w.raw[nat]).strip().casefold()}")
    return keys


def idempotency_key(tenant_id: str, stream: str, what: str, parts: Sequence[str]) -> str:
    """Idempotency-Key from tenant, stream, the call and its records' content (<= 128 chars)."""
    digest = hashlib.sha256("\n".join([tenant_id, stream, what, *parts])
                            .encode("utf-8", "backslashreplace")).hexdigest()
    return f"target-xero-{digest}"[:MAX_IDEMPOTENCY_KEY]
