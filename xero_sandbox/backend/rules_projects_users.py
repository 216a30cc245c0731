"""Projects API GET /ProjectsUsers (xero-projects.yaml): the organisation's users who can be
assigned time, paged as the Projects API pages (page from 1, pageSize 1..500, default 50).
Called by pyxero's `Projectsusers` manager (any case, as Xero matches paths).
"""

from __future__ import annotations

from collections.abc import Mapping

from xero_core.endpoints import PROJECTS_MAX_PAGE_SIZE
from xero_core.protocol import page_slice, pagination_of
from xero_sandbox.backend.answers import Answer
from xero_sandbox.backend.rules_projects import refused
from xero_sandbox.backend.store import Organisation

DEFAULT_PAGE_SIZE = 50


def _number(params: Mapping[str, str], name: str, default: int) -> int | str:
    raw = next((v for k, v in params.items() if k.lower() == name.lower() and v.strip()), None)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        return f"{name} must be a whole number."
    return value if value >= 1 else f"{name} must be 1 or more."


def project_users(org: Organisation, params: Mapping[str, str]) -> Answer:
    """{"pagination": {...}, "items": [{"userId", "name", "email"}]}, by name."""
    page, size = _number(params, "page", 1), _number(params, "pageSize", DEFAULT_PAGE_SIZE)
    problems = {n: [v] for n, v in (("page", page), ("pageSize", size)) if isinstance(v, str)}
    if problems:
        return refused(problems)
    assert isinstance(page, int) and isinstance(size, int)
    size = min(size, PROJECTS_MAX_PAGE_SIZE)
    users = sorted(org.coll("users").records.values(),
                   key=lambda u: (f"{u.get('FirstName', '')} {u.get('LastName', '')}".lower(),
                                  str(u["UserID"])))
    items = [{"userId": u["UserID"],
              "name": f"{u.get('FirstName', '')} {u.get('LastName', '')}".strip(),
              "email": u.get("EmailAddress", "")} for u in users]
    return Answer(200, {"pagination": pagination_of(page, size, len(items)),
                        "items": page_slice(items, page, size)})


__all__ = ["project_users"]
