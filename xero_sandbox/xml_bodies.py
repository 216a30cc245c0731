"""Xero's XML, both ways: request bodies parsed into the dict the JSON body would give, and
answers rendered as the XML Xero sends a client that did not ask for JSON.

Pure functions; the only table read is the vendored Accounting spec (which fields are numbers,
booleans or lists), loaded once.

Parsing: `<Invoices><Invoice>...</Invoice></Invoices>` -> {"Invoices": [{...}]}. An element
whose children all share one tag becomes a list when it is a list field of the spec or its
children are its singular (LineItems/LineItem, Tracking/TrackingCategory, ...); a lone record
root (`<Invoice>`) is a one-element list of the resource. Text stays a string except for the
spec's number fields (int, or Decimal as the JSON parser gives) and boolean fields
(`true`/`false`); `xsi:nil="true"` is null. A body declaring a DTD or an entity is refused:
no entity is ever expanded.

Rendering: dicts become elements, lists repeated singular elements inside their plural,
`/Date(ms)/` ISO `2026-01-31T00:00:00`, booleans `true`/`false`, nulls are left out. An
answer is `<Response>` with the envelope; a Xero error (`ErrorNumber`) is `<ApiException>`.
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
XML_TYPES = ("application/xml", "text/xml")
XML_CONTENT_TYPE = "text/xml; charset=utf-8"
MAX_DEPTH = 64

# Plural element -> the element Xero repeats inside it, where the English rule below is wrong.
SINGULAR: dict[str, str] = {
    "Tracking": "TrackingCategory",
    "FromTracking": "TrackingCategory",
    "ToTracking": "TrackingCategory",
    "Elements": "DataContractBase",
    "Warnings": "Warning",
    "ReportTitles": "ReportTitle",
    "TaxBreakdown": "TaxBreakdownComponent",
    "BalanceDetails": "BalanceDetail",
}
_NOT_PLURAL = {"Status", "Details", "Address", "Bills", "Sales", "Terms", "Class"}


class XMLBodyError(ValueError):
    """A request body that is not acceptable XML; the message is what the client is told."""


def singular(plural: str) -> str | None:
    """The element repeated inside `plural` (Invoices -> Invoice), None if it is no plural."""
    if plural in SINGULAR:
        return SINGULAR[plural]
    if plural in _NOT_PLURAL or plural.endswith(("ss", "us")) or not plural.endswith("s"):
        return None
    if plural.endswith("ies"):
        return plural[:-3] + "y"
    if plural.endswith(("sses", "xes", "ches", "shes")):
        return plural[:-2]
    return plural[:-1]


@functools.cache
def _spec_fields() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """(integer fields, number fields, boolean fields, list fields) of the Accounting spec;
    a name typed differently in different components is left out of the scalar sets."""
    from xero_core.openapi_schemas import load_spec

    types: dict[str, set[str]] = {}
    for component in load_spec("accounting").get("components", {}).get("schemas", {}).values():
        for name, prop in (component.get("properties") or {}).items():
            types.setdefault(name, set()).add(str(prop.get("type") or "ref"))
    ints = frozenset(n for n, t in types.items() if t == {"integer"})
    numbers = frozenset(n for n, t in types.items() if t <= {"number", "integer"})
    bools = frozenset(n for n, t in types.items() if t == {"boolean"})
    lists = frozenset(n for n, t in types.items() if "array" in t)
    return ints, numbers, bools, lists


# --- parsing -----------------------------------------------------------------------------------

_FORBIDDEN = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def is_xml(content_type: str | None) -> bool:
    """Whether a request's Content-Type says its body is XML."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    return mime in XML_TYPES or mime.endswith("+xml")


def _decode(data: bytes) -> str:
    codec = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        raise XMLBodyError("The request body is not valid XML: it is not UTF-8") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _leaf(tag: str, text: str) -> Any:
    ints, numbers, bools, _ = _spec_fields()
    stripped = text.strip()
    if tag in bools and stripped.lower() in ("true", "false"):
        return stripped.lower() == "true"
    if tag in numbers and stripped:
        if re.fullmatch(r"-?\d+", stripped) and (tag in ints or len(stripped) < 16):
            return int(stripped)
        try:
            d = Decimal(stripped)
        except InvalidOperation:
            return text  # the rules answer "must be a number"
        return d if d.is_finite() else text
    return text


def _is_nil(el: ET.Element) -> bool:
    return el.get(f"{{{XSI}}}nil", "").strip().lower() == "true"


def _value(el: ET.Element, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise XMLBodyError("The request body is nested too deeply")
    tag = _local(el.tag)
    if _is_nil(el):
        return None
    children = list(el)
    lists = _spec_fields()[3]
    if not children:
        if (el.text or "").strip() == "" and (tag in lists or tag in SINGULAR):
            return []
        return _leaf(tag, el.text or "")
    tags = {_local(c.tag) for c in children}
    if len(tags) == 1 and (tag in lists or next(iter(tags)) == singular(tag)):
        return [_value(c, depth + 1) for c in children]
    out: dict[str, Any] = {}
    for child in children:
        key, value = _local(child.tag), _value(child, depth + 1)
        if key in out:  # a repeated element outside a plural: keep every one
            prior = out[key]
            out[key] = [*prior, value] if isinstance(prior, list) else [prior, value]
        else:
            out[key] = value
    return out


def parse(data: bytes | str, records_key: str | None = None) -> dict[str, Any]:
    """An XML request body -> the dict its JSON twin would parse to.

    `records_key` is the resource's plural (`Invoices`): a lone `<Invoice>` root is then
    `{"Invoices": [{...}]}`. Raises XMLBodyError for a DTD or entity, malformed XML, or
    nesting beyond MAX_DEPTH.
    """
    text = data if isinstance(data, str) else _decode(data)
    if _FORBIDDEN.search(text):
        raise XMLBodyError("The request body must not declare a DTD or entities")
    try:
        root = ET.fromstring(text.lstrip("\ufeff"))
    except ET.ParseError as exc:
        raise XMLBodyError(f"The request body is not valid XML: {exc}") from None
    tag = _local(root.tag)
    value = _value(root)
    if records_key and tag == singular(records_key) and not isinstance(value, list):
        return {records_key: [value if value != "" else {}]}
    if isinstance(value, list) or tag == records_key:
        return {tag: value if isinstance(value, list) else [value] if value else []}
    if isinstance(value, dict) and records_key is None:
        return value
    return {tag: value}


# --- rendering ---------------------------------------------------------------------------------

_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")
_BAD_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NAME = re.compile(r"^[A-Za-z_][\w.\-]*$")


def iso_date(value: str) -> str:
    """`/Date(1769817600000+0000)/` -> `2026-01-31T00:00:00` (milliseconds kept when any);
    any other string unchanged."""
    m = _MS_DATE.match(value)
    if m is None:
        return value
    ms = int(m.group(1))
    try:
        moment = datetime.fromtimestamp(ms / 1000, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return value
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return text + f".{ms % 1000:03d}" if ms % 1000 else text


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value)) if abs(value) < 1e16 else repr(value)
    if isinstance(value, str):
        return _BAD_CHARS.sub("\ufffd", iso_date(value))
    return str(value)


def _name(key: str) -> str:
    return key if _NAME.match(key) else re.sub(r"[^\w.\-]", "_", "_" + key)


def _fill(parent: ET.Element, key: str, value: Any, depth: int = 0) -> None:
    if value is None or depth > MAX_DEPTH * 2:
        return
    el = ET.SubElement(parent, _name(key))
    if isinstance(value, dict):
        for k, v in value.items():
            _fill(el, str(k), v, depth + 1)
    elif isinstance(value, list):
        item = singular(key) or key
        for v in value:
            _fill(el, item, v, depth + 1)
    else:
        el.text = _text(value)


def _root(tag: str) -> ET.Element:
    root = ET.Element(tag)
    root.set("xmlns:xsi", XSI)
    root.set("xmlns:xsd", XSD)
    return root


def _serialise(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="unicode").encode("utf-8")


def render(body: dict[str, Any], record_type: str | None = None) -> bytes:
    """A JSON answer body as Xero's XML: `<Response>` for records, `<ApiException>` for an
    error body; `record_type` (`Invoice`) types an error's Elements (`xsi:type`)."""
    if "ErrorNumber" in body:
        root = _root("ApiException")
        for key, value in body.items():
            if key != "Elements":
                _fill(root, key, value)
        elements = body.get("Elements") or []
        if elements:
            holder = ET.SubElement(root, "Elements")
            for element in elements:
                el = ET.SubElement(holder, "DataContractBase")
                if record_type:
                    el.set("xsi:type", record_type)
                if isinstance(element, dict):
                    for key, value in element.items():
                        _fill(el, str(key), value)
        return _serialise(root)
    root = _root("Response")
    for key, value in body.items():
        _fill(root, str(key), value)
    return _serialise(root)


def renders(body: Any) -> bool:
    """Whether an answer body is one Xero sends as XML: records or an ApiException, not the
    gateway's problem details (401/403/404/429 `Title`/`Detail`) nor anything not an object."""
    return isinstance(body, dict) and not ("Title" in body and "Detail" in body)


def wants_xml(accept: str | None) -> bool:
    """Xero answers JSON only when `Accept` names application/json; otherwise (even absent) XML."""
    return "application/json" not in (accept or "").lower()
