"""Small pieces the Files, Finance and Assets/Projects-write routes share: what runs a call,
picking the run for a method (405 otherwise), and reading a JSON body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request

from xero_core import jsonutil
from xero_sandbox.backend.answers import Answer, bad_request
from xero_sandbox.backend.store import Organisation

# What one call does, given the organisation, the path's segments and the time (ms).
Run = Callable[[Organisation, list[str], int], Answer]
Found = tuple[tuple[str, ...], Run]


def not_allowed(org: Organisation, parts: list[str], now_ms: int) -> Answer:
    return Answer(405, {"Type": "ValidationException", "ErrorNumber": 10,
                        "Message": "The method is not allowed for this resource",
                        "Elements": []})


def pick(method: str, runs: dict[str, Run], read_scopes: tuple[str, ...],
         write_scopes: tuple[str, ...]) -> Found:
    """The scopes and run for this method; a method the path does not take answers 405."""
    run = runs.get(method)
    if run is None:
        return (), not_allowed
    return (read_scopes if method == "GET" else write_scopes), run


def query() -> dict[str, str]:
    """The query parameters; a repeated one (an array sent exploded, `contactIds=a&contactIds=b`,
    as OpenAPI's default form style does) joined with commas, as a csv array is sent."""
    return {k: ",".join(request.args.getlist(k)) for k in request.args}


def json_body(refuse: Callable[[str], Answer] = bad_request) -> dict[str, Any] | Answer:
    """The request's JSON object, or the API's 400 saying why not."""
    data = request.get_data()
    try:
        body = jsonutil.loads(data) if data.strip() else {}
    except ValueError:
        return refuse("The request body is not JSON")
    if not isinstance(body, dict):
        return refuse("The request body must be a JSON object")
    return body


def with_body(fn: Callable[[dict[str, Any]], Answer],
              refuse: Callable[[str], Answer] = bad_request) -> Answer:
    body = json_body(refuse)
    return body if isinstance(body, Answer) else fn(body)


__all__ = ["Found", "Run", "json_body", "not_allowed", "pick", "query", "with_body"]
