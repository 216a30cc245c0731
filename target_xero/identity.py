"""Source identity: which source record a Xero record came from, kept in Xero itself.

A stream has a source key when its SCHEMA's `key_properties` are not Xero ids (e.g.
`["order_id"]`) or when the `source_keys` setting names its fields. Each record's key becomes a
token, `[<stream>:<value>]` (values percent-encoded, so a token never holds a space, `/` or
`]`; composite keys joined by `/`; too long for the field -> `[<stream>#<sha256 prefix>]`).

The token is written at the start of the resource's identity field (the endpoint table's
`identity_field`: `Reference` for bank transactions, sales invoices, payments ..., `Narration`
for manual journals, `ContactNumber` for contacts, the number of bills and supplier credit
notes, on which Xero ignores `Reference`), followed by the record's own text for that
field, if any. The next run, on any machine, finds the record again with a batched `where`
`Field.StartsWith("[stream:key]")` (or the resource's listing) and updates it, or skips it when
Xero already holds every value sent. Nothing local is needed: Xero is the record of what was
written.

Source-key fields Xero does not know (`order_id`) are not sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from target_xero import spec_fields
from xero_core.endpoints import Endpoint

_SAFE = "-_.~:@!$'()*+,;="  # kept as is in a key; everything else is %-encoded
_SAFE_STREAM = _SAFE.replace(":", "")  # the stream's name ends at the first ":"
_HASH_CHARS = 24


def source_fields(ep: Endpoint | None, stream: str, key_properties: Sequence[str] | None,
                  setting: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The fields that make a record's source key (empty: the stream has none).

    The `source_keys` setting wins; else the SCHEMA's key properties, unless they name the
    resource's Xero id (a `tap-xero` stream copied between organisations).
    """
    if ep is None:  # history notes and attachments name their parent, not a source key
        return ()
    chosen = (setting or {}).get(stream)
    if isinstance(chosen, str):
        chosen = [chosen]
    if isinstance(chosen, (list, tuple)) and chosen:
        return tuple(str(f) for f in chosen)
    keys = tuple(str(k) for k in key_properties or ())
    if not keys:
        return ()
    if set(keys) & set(ep.primary_key) or all(k.startswith("_") for k in keys):
        return ()
    return keys


@dataclass(frozen=True)
class SourceKey:
    """One record's source key and the token Xero holds for it."""

    value: str  # the key as the results file shows it: fields joined by "/"
    token: str  # "[stream:value]" as written into the identity field


def source_key(stream: str, fields: Sequence[str], record: Mapping[str, Any],
               max_len: int = 255) -> SourceKey | str:
    """The record's SourceKey, or why it has none (a missing field, named)."""
    parts: list[str] = []
    for name in fields:
        value = record.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return f"{name}: the stream's source key field is missing or empty"
        if isinstance(value, (dict, list)):
            return f"{name}: a source key field must be a string or a number"
        parts.append(str(value))
    shown = "/".join(parts)
    encoded = "/".join(quote(p, safe=_SAFE) for p in parts)
    token = f"[{quote(stream, safe=_SAFE_STREAM)}:{encoded}]"
    if len(token) > max_len:
        digest = hashlib.sha256("\n".join([stream, *parts]).encode("utf-8", "backslashreplace"))
        name = quote(stream, safe=_SAFE_STREAM)[:max(1, max_len - _HASH_CHARS - 3)]
        token = f"[{name}#{digest.hexdigest()[:_HASH_CHARS]}]"
    return SourceKey(shown, token)


def token_of(value: Any) -> str | None:
    """The token at the start of an identity field's value, or None."""
    if not isinstance(value, str) or not value.startswith("["):
        return None
    end = value.find("]")
    if end < 2 or " " in value[:end]:
        return None
    return value[:end + 1]


def identity_field(ep: Endpoint, record: Mapping[str, Any], stream: str,
                   overrides: Mapping[str, Any] | None) -> str | None:
    """Where this record keeps its token: the `identity_fields` setting for its stream, else
    the endpoint table's field for its Type (None: nowhere)."""
    if overrides and stream in overrides:
        chosen = overrides[stream]
        return str(chosen) if chosen else None
    return ep.identity_for(record.get("Type"))


def stamp(name: str, max_len: int, payload: dict[str, Any], key: SourceKey) -> None:
    """Write the token into the payload's identity field, the record's own text after it."""
    own = payload.get(name)
    own_text = str(own).strip() if own not in (None, "") else ""
    if token_of(own_text) == key.token:
        own_text = own_text[len(key.token):].strip()
    room = max_len - len(key.token) - 1
    payload[name] = key.token + (" " + own_text[:room] if own_text and room > 0 else "")


def strip_unknown(ep: Endpoint, payload: dict[str, Any], fields: Sequence[str]) -> None:
    """Drop the source-key fields Xero's resource does not have (e.g. `order_id`)."""
    known = spec_fields.component_fields(ep.schema, ep.api)
    for name in fields:
        if name not in known:
            payload.pop(name, None)


def where_terms(name: str, tokens: Sequence[str]) -> list[str]:
    """`where` terms that find records by token (the answer is checked exactly afterwards)."""
    return [f"{name}.StartsWith({_literal(t)})" for t in tokens]


def _literal(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
