"""Path forms Xero accepts beyond its specs' spelling, as clients in the wild call them.

Xero matches paths without regard to case, the API base included (`/API.XRO/2.0/invoices`
reaches the Invoices), and takes a trailing slash. The table's routes already match resources
and sub-resources in any case (xero_sandbox/routes.py); here:

- `base_of`: the API base of a path in any case, for the paths no exact-case rule matched;
- `canonical`: the spec's spelling of a path's aliases before the table's routes see it:
  `/Organisations` for `/Organisation` (singer-io/tap-xero reads `Organisations`; Xero-Net
  calls `organisations/{id}/cissettings`), a report's own name in any case
  (`/Reports/profitandloss`), so its granular scope is the one asked for, and a GUID written
  without hyphens (32 hex digits, as .NET's Guid "N" format and pyxero's UUID.hex write it);
- `canonical_params`: query parameter names in the spec's spelling whatever their case
  (XeroAPI/Xero-Net sends `ids`, `invoicenumbers`, `statuses`, `contactids`), GUID lists
  with hyphens (pyxero joins `UUID(x).hex` into `IDs` and `ContactIDs`).

Which forms, and the client each was found in, are listed in tests/sandbox/test_routing_forms.py.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from xero_core.endpoints import API_BASES, REPORTS
from xero_core.openapi_schemas import iter_operations, load_spec, resolve_pointer

# Lower-case base -> the first API key registered for it (the one Flask's exact rule serves).
_BASES: dict[str, str] = {}
for _api, _base in API_BASES.items():
    _BASES.setdefault(_base.lower(), _api)
_REPORT_NAMES = {name.lower(): name for name in REPORTS}
_ALIASES = {"accounting": ((re.compile(r"^organisations(?=/|$)", re.IGNORECASE),
                            "Organisation"),)}
_REPORT = re.compile(r"^(reports/)([^/]+)(/?)$", re.IGNORECASE)
_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
# Parameters the sandbox reads that the accounting spec declares through shared components.
_EXTRA_PARAMS = {"accounting": ("pageSize", "summaryOnly", "summarizeErrors", "unitdp",
                                "IDs", "InvoiceNumbers", "ContactIDs", "Statuses")}
SPEC_PARAM_APIS = ("accounting", "assets", "projects")  # Files, Finance: read in any case


def dashed(value: str) -> str:
    """A GUID of 32 hex digits with its hyphens; anything else as it is."""
    v = value.strip()
    if not _HEX32.match(v):
        return value
    v = v.lower()
    return f"{v[:8]}-{v[8:12]}-{v[12:16]}-{v[16:20]}-{v[20:]}"


@functools.cache
def param_names(api: str) -> dict[str, str]:
    """Lower-case name -> the spec's spelling of every query parameter of an API."""
    names: dict[str, str] = {}
    spec = load_spec(api)
    for name in _EXTRA_PARAMS.get(api, ()):
        names.setdefault(name.lower(), name)
    for _path, _method, op in iter_operations(api):
        for p in op.get("parameters", []):
            while isinstance(p, dict) and isinstance(p.get("$ref"), str):
                p = resolve_pointer(spec, p["$ref"])
            if isinstance(p, dict) and p.get("in") == "query" and isinstance(p.get("name"), str):
                names.setdefault(p["name"].lower(), p["name"])
    return names


def canonical_params(api: str, params: Mapping[str, str]) -> dict[str, str]:
    """Query parameters under the spec's names (any case taken), GUID lists hyphenated."""
    if api not in SPEC_PARAM_APIS:
        return dict(params)
    names = param_names(api)
    spelled = set(names.values())
    out: dict[str, str] = {}
    for key, value in params.items():
        name = key if key in spelled else names.get(key.lower(), key)
        if name.lower().endswith("ids") or name.lower().endswith("id"):
            value = ",".join(dashed(v) for v in value.split(","))
        if key == name or name not in out:
            out[name] = value
    return out


def base_of(path: str) -> tuple[str, str] | None:
    """(api, rest) for a path under an API base spelled in any case, or None."""
    low = path.lower()
    for base, api in _BASES.items():
        if low.startswith(base + "/") and len(path) > len(base) + 1:
            return api, path[len(base) + 1:]
    return None


def canonical(api: str, rest: str) -> str:
    """The spec's spelling of `rest` (the path under the base) where Xero takes another."""
    if any(_HEX32.match(part) for part in rest.split("/")):
        rest = "/".join(dashed(part) for part in rest.split("/"))
    for pattern, spelling in _ALIASES.get(api, ()):
        rest = pattern.sub(spelling, rest, count=1)
    if api == "accounting":
        m = _REPORT.match(rest)
        if m and m.group(2).lower() in _REPORT_NAMES:
            rest = f"Reports/{_REPORT_NAMES[m.group(2).lower()]}{m.group(3)}"
    return rest


__all__ = ["base_of", "canonical", "canonical_params", "dashed", "param_names"]
