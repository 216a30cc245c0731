"""Path forms Xero accepts beyond its specs' spelling, as clients in the wild call them.

Xero matches paths without regard to case, the API base included (`/API.XRO/2.0/invoices`
reaches the Invoices), and takes a trailing slash. The table's routes already match resources
and sub-resources in any case (xero_sandbox/routes.py); here:

- `base_of`: the API base of a path in any case, for the paths no exact-case rule matched;
- `canonical`: the spec's spelling of a path's aliases before the table's routes see it:
  `/Organisations` for `/Organisation` (singer-io/tap-xero reads `Organisations`; Xero-Net
  calls `organisations/{id}/cissettings`), and a report's own name in any case
  (`/Reports/profitandloss`), so its granular scope is the one asked for.

Which forms, and the client each was found in, are listed in tests/sandbox/test_routing_forms.py.
"""

from __future__ import annotations

import re

from xero_core.endpoints import API_BASES, REPORTS

# Lower-case base -> the first API key registered for it (the one Flask's exact rule serves).
_BASES: dict[str, str] = {}
for _api, _base in API_BASES.items():
    _BASES.setdefault(_base.lower(), _api)
_REPORT_NAMES = {name.lower(): name for name in REPORTS}
_ALIASES = {"accounting": ((re.compile(r"^organisations(?=/|$)", re.IGNORECASE),
                            "Organisation"),)}
_REPORT = re.compile(r"^(reports/)([^/]+)(/?)$", re.IGNORECASE)


def base_of(path: str) -> tuple[str, str] | None:
    """(api, rest) for a path under an API base spelled in any case, or None."""
    low = path.lower()
    for base, api in _BASES.items():
        if low.startswith(base + "/") and len(path) > len(base) + 1:
            return api, path[len(base) + 1:]
    return None


def canonical(api: str, rest: str) -> str:
    """The spec's spelling of `rest` (the path under the base) where Xero takes another."""
    for pattern, spelling in _ALIASES.get(api, ()):
        rest = pattern.sub(spelling, rest, count=1)
    if api == "accounting":
        m = _REPORT.match(rest)
        if m and m.group(2).lower() in _REPORT_NAMES:
            rest = f"Reports/{_REPORT_NAMES[m.group(2).lower()]}{m.group(3)}"
    return rest


__all__ = ["base_of", "canonical"]
