"""What the backend answers: one `Answer` type for reads, writes, reports and the identity
server (its refusals, and its token answers: auth.TokenAnswer adds who asked), and the bodies
Xero answers with (its envelope, its 404, its 400 ValidationException).

An answer is data, not HTTP: `xero_sandbox.responses` turns it into the Flask response (JSON
bytes, or XML when the client asks for it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from xero_core.errors import validation_exception

JSON = "application/json; charset=utf-8"
PROVIDER = "Xero Sandbox"  # the ProviderName of write answers
# What Xero answers to an id, path or report it does not know: a 404 whose body is this plain
# sentence, not JSON (XeroAPI/Xero-OpenAPI#163, Xero-NetStandard#490; ../shared/XERO.md).
NOT_FOUND_TEXT = "The resource you're looking for cannot be found"
TEXT = "text/plain; charset=utf-8"


@dataclass
class Answer:
    """Status, body and content type of one answer.

    `body` is JSON-able (rendered as JSON, or XML when asked), `bytes` or `str` (sent as they
    are, with `content_type`), or None (no body: 204).
    """

    status: int
    body: Any = None
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


def envelope(key: str, items: list[Any], now_ms: int, provider: str = PROVIDER,
             pagination: dict[str, int] | None = None) -> dict[str, Any]:
    """Xero's accounting envelope: Id, Status, ProviderName, DateTimeUTC, pagination?, records."""
    body: dict[str, Any] = {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": provider,
                            "DateTimeUTC": f"/Date({now_ms})/"}
    if pagination is not None:
        body["pagination"] = pagination
    body[key] = items
    return body


def ok(body: Any) -> Answer:
    return Answer(200, body)


def not_found() -> Answer:
    """Xero's 404: the plain sentence, whatever was not found."""
    return Answer(404, NOT_FOUND_TEXT, TEXT)


def bad_request(message: str) -> Answer:
    """A 400 ValidationException with one message and no elements (a bad parameter)."""
    return Answer(400, {"ErrorNumber": 10, "Type": "ValidationException", "Message": message,
                        "Elements": []})


def invalid(*messages: str, elements: list[dict[str, Any]] | None = None) -> Answer:
    """A 400 ValidationException: the messages on one element, or the elements given."""
    if elements is None:
        elements = [{"ValidationErrors": [{"Message": m} for m in messages]}]
    return Answer(400, validation_exception(elements=elements))


__all__ = ["JSON", "NOT_FOUND_TEXT", "PROVIDER", "Answer", "bad_request", "envelope", "invalid",
           "not_found", "ok"]
