"""Custom streams: any Xero list endpoint, read by configuration (`custom_streams`), no code.

Each entry becomes an Endpoint row (`CustomEndpoint`, whose path is from the host, e.g.
/payroll.xro/1.0/Employees) and a XeroStream subclass, so it gets the built-in streams' auth,
tenants, limits, retries and paging. Its schema is the entry's `schema`, else the input
catalog's, else one inferred from the first page of the first tenant (one extra call).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import requests
from singer_sdk import Tap

from tap_xero.client import XeroStream
from tap_xero.pages import UPDATED, parse_page
from tap_xero.run import TENANT_KEY, XeroRun
from tap_xero.streams import make_endpoint_stream
from xero_core.endpoints import Endpoint, Paging
from xero_core.errors import ConfigError, XeroError
from xero_core.protocol import page_params

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
PAGINGS = [p.value for p in Paging]


@dataclass(frozen=True)
class CustomEndpoint(Endpoint):
    """An Endpoint row built from configuration; `full_path` is the path from the host."""

    full_path: str = ""

    @property
    def base(self) -> str:
        return ""

    @property
    def url_path(self) -> str:
        return self.full_path


class CustomStream(XeroStream):
    """A configured stream: INCREMENTAL on whatever replication key the entry names."""

    @staticmethod
    def _replication_key_for(ep: Endpoint) -> str | None:
        return ep.replication_key


def endpoint_from_config(entry: Mapping[str, Any], taken: Iterable[str]) -> CustomEndpoint:
    """One `custom_streams` entry -> its row; ConfigError naming the stream if it is wrong."""
    name = str(entry.get("name") or "")

    def bad(why: str) -> ConfigError:
        return ConfigError(f"custom stream {name or '(no name)'!r}: {why}")

    if not NAME.match(name):
        raise bad("`name` must be lower_snake_case")
    if name in set(taken):
        raise bad("`name` is already a stream of the tap")
    path = str(entry.get("path") or "")
    if not path.startswith("/") or "?" in path:
        raise bad("`path` must be the API path from the host, e.g. /api.xro/2.0/ContactGroups")
    paging = str(entry.get("paging") or "none")
    if paging not in PAGINGS:
        raise bad(f"`paging` must be one of {', '.join(PAGINGS)}")
    keys = entry.get("primary_keys") or []
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise bad("`primary_keys` must be a list of field names")
    modified_since = bool(entry.get("modified_since"))
    replication_key = entry.get("replication_key") or (UPDATED if modified_since else None)
    if paging == Paging.OFFSET.value and not replication_key:
        raise bad("offset paging needs `replication_key` (the number the offset follows)")
    params = entry.get("params") or {}
    if not isinstance(params, dict):
        raise bad("`params` must be an object")
    return CustomEndpoint(
        stream=name, path=path, records_key=str(entry.get("records_key") or ""),
        primary_key=tuple(keys), schema="", scope="", api="custom", paging=Paging(paging),
        modified_since=modified_since, replication_key=replication_key,
        list_params=tuple((str(k), _param(v)) for k, v in params.items()), full_path=path,
    )


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def custom_stream_class(ep: CustomEndpoint) -> type[XeroStream]:
    attrs = {"name": ep.stream, "endpoint": ep, "__module__": __name__}
    camel = "".join(part.title() for part in ep.stream.split("_"))
    return type(f"Custom{camel}Stream", (CustomStream,), attrs)


# --- schemas -------------------------------------------------------------------------------


def infer_schema(records: Iterable[Mapping[str, Any]], ep: Endpoint) -> dict[str, Any]:
    """A JSON schema that admits the records: every field nullable, objects left open."""
    schema: dict[str, Any] = {"type": ["object", "null"], "properties": {},
                              "additionalProperties": True}
    for record in records:
        schema = _merge(schema, _schema_of(record))
    schema["type"] = "object"
    props = schema["properties"]
    for key in ep.primary_key:
        props.setdefault(key, {"type": ["string", "null"]})
    if ep.replication_key:
        props.setdefault(ep.replication_key, {"type": ["string", "null"], "format": "date-time"})
    props[TENANT_KEY] = {"type": ["string", "null"]}
    return schema


def fallback_schema(ep: Endpoint) -> dict[str, Any]:
    return infer_schema([], ep)


def _schema_of(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"type": ["boolean", "null"]}
    if isinstance(value, int):
        return {"type": ["integer", "null"]}
    if isinstance(value, (float, Decimal)):
        return {"type": ["number", "null"]}
    if isinstance(value, str):
        if DATE_TIME.match(value):
            return {"type": ["string", "null"], "format": "date-time"}
        return {"type": ["string", "null"]}
    if isinstance(value, Mapping):
        return {"type": ["object", "null"], "additionalProperties": True,
                "properties": {str(k): _schema_of(v) for k, v in value.items()}}
    if isinstance(value, list):
        items: dict[str, Any] = {}
        for item in value:
            items = _merge(items, _schema_of(item)) if items else _schema_of(item)
        return {"type": ["array", "null"], "items": items}
    return {}  # null: says nothing about the type


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The least schema admitting what either admits."""
    if not a or not b:
        return a or b
    types = set(a.get("type") or []) | set(b.get("type") or [])
    if {"integer", "number"} <= types:
        types.discard("integer")
    if len(types - {"null"}) > 1:
        return {}  # mixed kinds: anything goes
    out: dict[str, Any] = {"type": sorted(types, key=lambda t: (t == "null", t))}
    if a.get("format") == b.get("format") and a.get("format"):
        out["format"] = a["format"]
    if "object" in types:
        props = dict(a.get("properties") or {})
        for key, sub in (b.get("properties") or {}).items():
            props[key] = _merge(props[key], sub) if key in props else sub
        out.update(properties=props, additionalProperties=True)
    if "array" in types:
        out["items"] = _merge(a.get("items") or {}, b.get("items") or {})
    return out


def first_page(run: XeroRun, ep: CustomEndpoint) -> list[dict[str, Any]]:
    """The first page of the first tenant: what the schema is inferred from."""
    params: dict[str, Any] = dict(ep.list_params)
    params.update(page_params(ep.paging, None, ep.page_size_max))
    resp = run.xero_client.request("GET", ep.url_path, tenant_id=run.tenant_ids[0],
                                   params=params, headers={"Accept": "application/json"})
    return parse_page(resp, ep.records_key).records


def custom_streams(tap: Tap, run: XeroRun, taken: Iterable[str]) -> list[XeroStream]:
    """The configured streams; a schema that cannot be inferred is logged, not fatal."""
    streams: list[XeroStream] = []
    names = set(taken)
    catalog = tap.input_catalog
    for entry in tap.config.get("custom_streams") or []:
        ep = endpoint_from_config(entry, names)
        names.add(ep.stream)
        schema = entry.get("schema")
        if not schema and catalog is not None and catalog.get_stream(ep.stream) is not None:
            schema = catalog[ep.stream].schema.to_dict()
        if not schema:
            schema = _inferred(run, ep)
        schema.setdefault("properties", {})[TENANT_KEY] = {"type": ["string", "null"]}
        streams.append(make_endpoint_stream(tap, run, ep, schema, custom_stream_class(ep)))
    return streams


def _inferred(run: XeroRun, ep: CustomEndpoint) -> dict[str, Any]:
    try:
        return infer_schema(first_page(run, ep), ep)
    except (XeroError, requests.RequestException) as exc:
        if isinstance(exc, ConfigError):
            raise
        run.logger.error("Custom stream %s: GET %s failed (%s); its schema could not be "
                         "inferred, so only its keys are declared", ep.stream, ep.url_path,
                         getattr(exc, "message", None) or exc)
        return fallback_schema(ep)
