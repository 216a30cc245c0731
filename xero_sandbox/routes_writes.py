"""The Assets and Projects APIs' write routes: which rule of backend/rules_assets.py or
backend/rules_projects.py a path and method name, with the scopes from the endpoint table;
and GET /ProjectsUsers, the one Projects read outside the table (rules_projects_users.py).
Paths match without regard to case or a trailing slash (xero_sandbox/routes_apis.py splits).
"""

from __future__ import annotations

from flask import request

from xero_core.endpoints import endpoint
from xero_sandbox.backend import rules_assets, rules_projects
from xero_sandbox.backend.answers import Answer
from xero_sandbox.backend.rules_projects_users import project_users as users_page
from xero_sandbox.route_tools import Found, Run, pick, with_body


def _assets_refused(message: str) -> Answer:
    return rules_assets.validation_error([("body", "", message)])


def _projects_refused(message: str) -> Answer:
    return rules_projects.refused({"body": [message]})


def _assets(method: str, p: list[str]) -> Found | None:
    scopes = endpoint("assets").write_scopes
    runs: dict[str, Run]
    if p == ["assets"]:
        runs = {"POST": lambda org, parts, now: with_body(
            lambda b: rules_assets.save_asset(org, b, now), _assets_refused)}
    elif p == ["assettypes"]:
        runs = {"POST": lambda org, parts, now: with_body(
            lambda b: rules_assets.add_asset_type(org, b, now), _assets_refused)}
    elif (len(p) == 2 and p[0] == "assets") or p == ["settings"]:
        runs = {}  # read-only: 405
    else:
        return None
    return pick(method, runs, scopes, scopes)


def _projects(method: str, parts: list[str]) -> Found | None:
    p = [s.lower() for s in parts]
    scopes = endpoint("projects").write_scopes
    n = len(p)
    if not p or p[0] != "projects" or n > 4:
        return None

    runs: dict[str, Run] = {}
    if n == 1:
        runs = {"POST": lambda org, ps, now: with_body(
            lambda b: rules_projects.create_project(org, b, now), _projects_refused)}
    elif n == 2:
        pid = parts[1]
        runs = {"PUT": lambda org, ps, now: with_body(
                    lambda b: rules_projects.update_project(org, pid, b, now),
                    _projects_refused),
                "PATCH": lambda org, ps, now: with_body(
                    lambda b: rules_projects.patch_project(org, pid, b, now),
                    _projects_refused)}
    elif p[2] == "tasks":
        pid = parts[1]
        if n == 3:
            runs = {"POST": lambda org, ps, now: with_body(
                lambda b: rules_projects.create_task(org, pid, b, now), _projects_refused)}
        else:
            tid = parts[3]
            runs = {"PUT": lambda org, ps, now: with_body(
                        lambda b: rules_projects.update_task(org, pid, tid, b, now),
                        _projects_refused),
                    "DELETE": lambda org, ps, now: rules_projects.delete_task(org, pid, tid,
                                                                              now)}
    elif p[2] == "time":
        pid = parts[1]
        if n == 3:
            runs = {"POST": lambda org, ps, now: with_body(
                lambda b: rules_projects.create_time(org, pid, b, now), _projects_refused)}
        else:
            eid = parts[3]
            runs = {"PUT": lambda org, ps, now: with_body(
                        lambda b: rules_projects.update_time(org, pid, eid, b, now),
                        _projects_refused),
                    "DELETE": lambda org, ps, now: rules_projects.delete_time(org, pid, eid,
                                                                              now)}
    else:
        return None
    return pick(method, runs, scopes, scopes)


def project_users() -> Found:
    """GET /ProjectsUsers, read with the projects scope or its read-only variant."""
    params = request.args.to_dict()
    scopes = endpoint("projects").read_scopes
    return scopes, lambda org, parts, now: users_page(org, params)


def resolve(api: str, method: str, parts: list[str]) -> Found | None:
    """(scopes, run) for an Assets or Projects write, or None (not a path of the API)."""
    if api == "assets":
        return _assets(method, [s.lower() for s in parts])
    return _projects(method, parts)


__all__ = ["project_users", "resolve"]
