"""Does a sandbox answer follow its OpenAPI file? The response schema of a spec path, method and
status, with every `$ref` inlined, checked with jsonschema (formats are not checked).

Two known defects of Xero's files are corrected, not copied: a `required` entry that names no
property of its schema is dropped (xero_files.yaml's FileObject requires `id`, `name`,
`manufacturer`, `releaseDate`, which it does not have; Folder requires `name` beside `Name`),
and OpenAPI 3.0's `nullable: true` becomes a JSON Schema "null" type.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SPECS = Path(__file__).resolve().parents[2] / "xero_core" / "openapi"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "xero-openapi"


@functools.cache
def spec(name: str) -> dict[str, Any]:
    path = SPECS / name if (SPECS / name).exists() else SHARED / name
    with path.open(encoding="utf-8") as f:
        loaded: dict[str, Any] = yaml.safe_load(f)
    return loaded


def _inline(node: Any, root: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    if isinstance(node, list):
        return [_inline(x, root, seen) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            return {}  # a recursive schema: stop here
        target: Any = root
        for part in ref.lstrip("#/").split("/"):
            target = target[part]
        return _inline(target, root, (*seen, ref))
    out = {k: _inline(v, root, seen) for k, v in node.items()
           if k not in ("example", "x-example", "externalDocs")}
    props = out.get("properties")
    if isinstance(out.get("required"), list) and isinstance(props, dict):
        out["required"] = [r for r in out["required"] if r in props]
        if not out["required"]:
            del out["required"]
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def response_schema(spec_name: str, path: str, method: str, status: int) -> dict[str, Any]:
    """The JSON schema of the answer to `method path` with `status`, refs inlined."""
    root = spec(spec_name)
    operation = root["paths"][path][method.lower()]
    answer = operation["responses"][str(status)]
    answer = _inline(answer, root)
    content = answer["content"]
    media = content.get("application/json") or next(iter(content.values()))
    schema: dict[str, Any] = media["schema"]
    return schema


def check(spec_name: str, path: str, method: str, status: int, body: Any) -> None:
    """Raise jsonschema.ValidationError when `body` does not follow the spec's answer."""
    schema = response_schema(spec_name, path, method, status)
    assert schema, f"{spec_name} {method} {path} {status}: no schema"
    jsonschema.Draft7Validator(schema).validate(body)


def check_response(spec_name: str, path: str, resp: Any) -> Any:
    """Check a requests.Response against the spec's answer for its method and status."""
    body = resp.json()
    check(spec_name, path, resp.request.method, resp.status_code, body)
    return body


__all__ = ["check", "check_response", "response_schema", "spec"]
