"""Xero's vendored OpenAPI specs: load each once, and inline their `$ref`s into plain JSON Schema.

Used by `scripts/generate_schemas.py` (the tap's stream schemas) and by the sandbox fidelity
tests (what Xero answers, per its spec). Reads only `xero_core/openapi/`, which ships with the
package.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

OPENAPI_DIR = Path(__file__).with_name("openapi")

SPEC_FILES: dict[str, str] = {
    "accounting": "xero_accounting.yaml",
    "assets": "xero_assets.yaml",
    "projects": "xero-projects.yaml",
    "identity": "xero-identity.yaml",
    "payroll_au": "xero-payroll-au.yaml",
    "payroll_au_v2": "xero-payroll-au-v2.yaml",
    "payroll_nz": "xero-payroll-nz.yaml",
    "payroll_uk": "xero-payroll-uk.yaml",
    "files": "xero_files.yaml",
    "finance": "xero-finance.yaml",
}

DEFAULT_MAX_DEPTH = 4
COMPONENT_KEY = "x-component"  # marks an inlined object with the component it came from
HTTP_METHODS = ("get", "put", "post", "patch", "delete")


# libyaml's parser where installed: 1.3 s instead of 8 s of CPU for the accounting spec.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SpecLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """A safe YAML loader that keeps timestamps as the strings the spec wrote.

    The specs' examples hold values such as `2020-01-01T00:00:00`; plain `safe_load` would turn
    them into `datetime` objects, which JSON (and Xero) never carries.
    """


_SpecLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _SafeLoader.yaml_implicit_resolvers.items()
}


@functools.cache
def load_spec(api: str) -> dict[str, Any]:
    """The parsed spec of one API (a key of SPEC_FILES: `accounting`, `payroll_uk` ...), read
    once.

    Callers must not mutate the answer: it is shared.
    """
    try:
        filename = SPEC_FILES[api]
    except KeyError:
        raise KeyError(f"unknown Xero API {api!r}; known: {', '.join(SPEC_FILES)}") from None
    with (OPENAPI_DIR / filename).open(encoding="utf-8") as f:
        spec = yaml.load(f, Loader=_SpecLoader)  # a SafeLoader subclass
    if not isinstance(spec, dict):
        raise ValueError(f"{filename} is not an OpenAPI document")
    return spec


@functools.cache
def component_properties(schema: str, api: str = "accounting") -> dict[str, Any]:
    """The `properties` of one component of a vendored spec ({} when unknown or unreadable:
    callers use it to trim what they send, never as a reason to fail)."""
    try:
        props = load_spec(api)["components"]["schemas"][schema].get("properties", {})
    except Exception:
        return {}
    return props if isinstance(props, dict) else {}


def resolve_pointer(spec: dict[str, Any], ref: str) -> Any:
    """The node a local `$ref` (`#/components/schemas/Invoice`) points to."""
    if not ref.startswith("#/"):
        raise ValueError(f"only local $refs are supported, not {ref!r}")
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _is_object_schema(node: Any) -> bool:
    return isinstance(node, dict) and (
        node.get("type") in ("object", "array") or "properties" in node or "items" in node
    )


def inline_refs(
    spec: dict[str, Any],
    node: Any,
    *,
    max_depth: int | None = DEFAULT_MAX_DEPTH,
    _stack: tuple[str, ...] = (),
) -> Any:
    """A deep copy of `node` with every `$ref` replaced by its (inlined) target.

    An inlined object carries `x-component: <name>` (validators ignore `x-` keys). A `$ref` to
    an object that recurses, or that lies deeper than `max_depth` object references, becomes an
    open object (`{"type": "object"}`) so the result is finite; `$ref`s to scalars (enums) are
    always inlined.
    """
    if isinstance(node, list):
        return [inline_refs(spec, v, max_depth=max_depth, _stack=_stack) for v in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return {
            k: inline_refs(spec, v, max_depth=max_depth, _stack=_stack) for k, v in node.items()
        }
    # OpenAPI 3.0 ignores keywords next to a $ref (the specs write `{$ref: Amount, type: number}`
    # where Amount is an object); only a description is kept, as an annotation.
    note = {"description": node["description"]} if "description" in node else {}
    name = ref.rsplit("/", 1)[-1]
    raw = resolve_pointer(spec, ref)
    if not _is_object_schema(raw):
        # Scalars and enums (CurrencyCode, LineAmountTypes, ...) cannot recurse: always inline.
        return {**inline_refs(spec, raw, max_depth=max_depth, _stack=_stack), **note}
    if ref in _stack or (max_depth is not None and len(_stack) >= max_depth):
        return {"type": "object", COMPONENT_KEY: name, "x-cut": True, **note}
    target = inline_refs(spec, raw, max_depth=max_depth, _stack=(*_stack, ref))
    if not isinstance(target, dict):
        return target
    return {**target, COMPONENT_KEY: name, **note}


def component_schema(
    api: str, name: str, *, max_depth: int | None = DEFAULT_MAX_DEPTH
) -> dict[str, Any]:
    """`components/schemas/<name>` of an API's spec with its `$ref`s inlined."""
    spec = load_spec(api)
    try:
        raw = spec["components"]["schemas"][name]
    except KeyError:
        raise KeyError(f"{SPEC_FILES[api]} has no components/schemas/{name}") from None
    schema = inline_refs(spec, raw, max_depth=max_depth, _stack=(f"#/components/schemas/{name}",))
    schema[COMPONENT_KEY] = name
    return schema


def operation(api: str, path: str, method: str) -> dict[str, Any] | None:
    """The operation object of `method` on `path` (as the spec spells the path), or None."""
    return load_spec(api).get("paths", {}).get(path, {}).get(method.lower())


def _deref(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        node = resolve_pointer(spec, node["$ref"])
    return node


def response_schema_node(
    api: str, path: str, method: str = "get", status: str = "200"
) -> dict[str, Any] | None:
    """The raw (refs kept) JSON schema of a response, or None when the spec gives none."""
    op = operation(api, path, method)
    if op is None:
        return None
    spec = load_spec(api)
    response = _deref(spec, op.get("responses", {}).get(status))
    if not isinstance(response, dict):
        return None
    content = response.get("content", {})
    media = content.get("application/json") or next(iter(content.values()), None)
    if not isinstance(media, dict) or "schema" not in media:
        return None
    schema: dict[str, Any] = media["schema"]
    return schema


def request_example(api: str, path: str, method: str) -> Any | None:
    """The JSON request-body example of an operation (inline or via requestBodies), or None."""
    op = operation(api, path, method)
    if op is None or "requestBody" not in op:
        return None
    spec = load_spec(api)
    body = _deref(spec, op["requestBody"])
    media = body.get("content", {}).get("application/json")
    if not isinstance(media, dict):
        return None
    if "example" in media:
        return _deref(spec, media["example"])
    examples = media.get("examples")
    if isinstance(examples, dict) and examples:
        first = _deref(spec, next(iter(examples.values())))
        return first.get("value") if isinstance(first, dict) else None
    return None


def iter_operations(api: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every (path, method, operation) of an API's spec, in spec order."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    for path, item in load_spec(api).get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                out.append((path, method, item[method]))
    return out
