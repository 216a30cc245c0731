"""URL rules from the endpoint table: which row, ids and sub-resource a path under an API base
names, which scopes a call needs, and which methods a resource takes.

The Flask app (xero_sandbox/app.py) mounts one catch-all rule per API base; `resolve` does the
rest, so a new row of xero_core/endpoints.py is served without a new route.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xero_core.endpoints import API_BASES, ENDPOINTS, Endpoint, Write, report_scopes
from xero_sandbox.backend.auth import ATTACHMENTS_SCOPE

API_METHODS = ["GET", "PUT", "POST", "DELETE", "PATCH"]  # PATCH: the Projects API only


@dataclass
class Route:
    endpoint: Endpoint | None  # None for reports
    parent_id: str | None = None
    record_id: str | None = None
    sub: str | None = None  # history, attachments, email, onlineinvoice (lower case)
    file_name: str | None = None
    report: str | None = None


def _route_regex(ep: Endpoint) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", ep.path)
    head = "(?P<parent>[^/]+)".join(re.escape(p) for p in parts)
    tail = r"(?:/(?P<rid>[^/]+)(?:/(?P<sub>[^/]+)(?:/(?P<file>.+))?)?)?/?$"
    return re.compile("^" + head + tail, re.IGNORECASE)


ROUTES: dict[str, list[tuple[re.Pattern[str], Endpoint]]] = {api: [] for api in API_BASES}
for _ep in sorted(ENDPOINTS, key=lambda e: -e.path.count("/")):
    ROUTES[_ep.api].append((_route_regex(_ep), _ep))
_REPORT = re.compile(r"^/Reports/(?P<name>[^/]+)/?$", re.IGNORECASE)


def resolve(api: str, rest: str) -> Route | None:
    """The endpoint row and ids a path under an API base names, or None."""
    path = "/" + rest
    if api == "accounting" and (m := _REPORT.match(path)):
        return Route(None, report=m.group("name"))
    for regex, ep in ROUTES[api]:
        m = regex.match(path)
        if m:
            sub = m.group("sub")
            return Route(ep, m.groupdict().get("parent"), m.group("rid"),
                         sub.lower() if sub else None, m.group("file"))
    return None


def needed_scopes(route: Route, method: str) -> tuple[str, ...]:
    if route.report is not None:
        return report_scopes(route.report)
    ep = route.endpoint
    assert ep is not None
    if route.sub == "attachments":
        return ((ATTACHMENTS_SCOPE, ATTACHMENTS_SCOPE + ".read") if method == "GET"
                else (ATTACHMENTS_SCOPE,))
    if method == "GET":
        return ep.read_scopes
    return ep.write_scopes


def allowed(ep: Endpoint, route: Route, method: str) -> bool:
    """Does the resource take this write method on this (sub-)path?"""
    sub = route.sub
    if method == "DELETE":
        return route.record_id is not None and sub is None and Write.DELETE_HTTP in ep.writes
    if sub is None:
        return bool(ep.writes) and (route.record_id is None or method == "POST")
    if sub == "history":
        return Write.HISTORY in ep.writes and route.file_name is None
    if sub == "attachments":
        return Write.ATTACHMENTS in ep.writes and route.file_name is not None
    if sub == "email":
        return Write.EMAIL in ep.writes and method == "POST"
    return False
