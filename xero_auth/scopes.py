"""The scopes a login asks for, from the endpoint table: read scopes of the streams a tap
selects, write scopes of those a target writes, always `offline_access openid profile email`.

Granular scopes (apps created from 2 March 2026 must use them) are chosen where the endpoint
table has one; `broad=True` asks for the older broad scopes (accounting.transactions, ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xero_core.endpoints import (
    BY_STREAM,
    ENDPOINTS,
    REPORT_GRANULAR_SCOPES,
    REPORT_SCOPE,
    Endpoint,
)
from xero_core.endpoints_apis import FINANCE_STATEMENT_ROWS, STATEMENTS

BASE_SCOPES = ("offline_access", "openid", "profile", "email")
ATTACHMENTS = "accounting.attachments"
REPORTS_STREAM = "report_rows"
HISTORY, ATTACH = "_history", "_attachments"
ORGANISATION_READ = "accounting.settings.read"


def _scope(ep: Endpoint, broad: bool) -> str:
    return ep.scope if broad or not ep.granular_scope else ep.granular_scope


def _read(scope: str) -> str:
    """The read-only variant of a scope (a read-only scope, finance.*.read, is its own)."""
    return scope if scope.endswith(".read") else scope + ".read"


def read_scopes(streams: Iterable[str] | None, *, broad: bool = False,
                attachments: bool = False) -> list[str]:
    """Scopes to read `streams` (None: every stream the tap has)."""
    names = list(streams) if streams is not None else [
        *(e.stream for e in ENDPOINTS), REPORTS_STREAM, FINANCE_STATEMENT_ROWS]
    out: set[str] = set()
    for name in names:
        if name.endswith(ATTACH) and name[: -len(ATTACH)] in BY_STREAM:
            out.add(ATTACHMENTS + ".read")
            name = name[: -len(ATTACH)]
        elif name.endswith(HISTORY) and name[: -len(HISTORY)] in BY_STREAM:
            name = name[: -len(HISTORY)]
        if name == REPORTS_STREAM:
            out.update([REPORT_SCOPE] if broad else REPORT_GRANULAR_SCOPES.values())
        elif name == FINANCE_STATEMENT_ROWS:
            out.add(STATEMENTS)
        elif name in BY_STREAM:
            ep = BY_STREAM[name]
            out.add(_read(_scope(ep, broad)))
            if ep.region or name == "finance_bank_statements":
                # The organisation's country (its payroll region) / its bank accounts.
                out.add(ORGANISATION_READ)
    if attachments:
        out.add(ATTACHMENTS + ".read")
    return [*BASE_SCOPES, *sorted(out)]


def write_scopes(streams: Iterable[str] | None, *, broad: bool = False) -> list[str]:
    """Scopes to write `streams` (None: every resource the target writes)."""
    names = list(streams) if streams is not None else [e.stream for e in ENDPOINTS if e.writes]
    out: set[str] = set()
    for name in names:
        if name.endswith(ATTACH) and name[: -len(ATTACH)] in BY_STREAM:
            out.add(ATTACHMENTS)
            name = name[: -len(ATTACH)]
        elif name.endswith(HISTORY):
            name = name[: -len(HISTORY)]
        ep = BY_STREAM.get(name)
        if ep is not None and ep.writes:
            out.add(_scope(ep, broad))
            if ep.has_attachments and streams is None:
                out.add(ATTACHMENTS)
    return [*BASE_SCOPES, *sorted(out)]


def selected_streams(catalog: dict[str, Any]) -> list[str]:
    """The streams a Singer catalog selects (top-level `selected` metadata)."""
    out = []
    for entry in catalog.get("streams", []):
        for meta in entry.get("metadata", []):
            if meta.get("breadcrumb") == [] and meta.get("metadata", {}).get("selected"):
                out.append(str(entry.get("tap_stream_id") or entry.get("stream")))
    return out

