"""Xero's error shapes and the exceptions the client raises for them.

The sandbox writes these bodies; the tap and target read them back into exceptions.
"""

from __future__ import annotations

from typing import Any


class XeroError(Exception):
    """Base of every error this project raises about Xero."""


class ConfigError(XeroError):
    """Settings that cannot work (missing credentials, unknown tenant ...)."""


class AuthError(XeroError):
    """The identity server refused the credentials (invalid_client, invalid_grant)."""


class IdentityUnavailableError(AuthError):
    """The identity server kept failing (5xx, 429, network) after every retry."""


class XeroHTTPError(XeroError):
    """An HTTP answer that is not a success, with what Xero said about it."""

    def __init__(
        self, status: int, message: str, *, url: str = "", body: Any = None,
        tenant_id: str | None = None,
    ) -> None:
        where = f" at {url}" if url else ""
        # status 0: Xero never answered (network error) or the call was not sent at all.
        head = f"HTTP {status} from Xero{where}" if status else f"Xero{where}"
        super().__init__(f"{head}: {message}")
        self.status = status
        self.message = message
        self.url = url
        self.body = body
        self.tenant_id = tenant_id


class ForbiddenError(XeroHTTPError):
    """403: the connection lacks the scope, or the plan lacks the feature (Journals)."""


class NotFoundError(XeroHTTPError):
    """404."""


class ValidationError(XeroHTTPError):
    """400 ValidationException: the messages Xero gave, per element when it says so."""

    @property
    def messages(self) -> list[str]:
        return validation_messages(self.body)


class RateLimitError(XeroHTTPError):
    """429 that the client will not (or may not) wait out."""

    def __init__(self, *args: Any, problem: str = "", retry_after: float = 0, **kw: Any):
        super().__init__(*args, **kw)
        self.problem = problem
        self.retry_after = retry_after


class DayLimitError(RateLimitError):
    """The day budget (5,000 calls per tenant) is spent; waiting means hours."""


class RedirectError(XeroHTTPError):
    """A 3xx (other than 304): never followed, so no credential is re-sent elsewhere."""


class ResponseTooLargeError(XeroHTTPError):
    """The answer is larger than the client's byte cap (xero_core.transport.MAX_BODY_BYTES)."""


class JSONTooDeepError(XeroError, ValueError):
    """An answer nested deeper than xero_core.jsonutil.MAX_DEPTH: refused, not parsed."""


class ServerError(XeroHTTPError):
    """5xx still failing after every retry (includes 503 Organisation is offline)."""


# --- Xero's error bodies (the sandbox writes them, the client reads them) --------------------

def validation_exception(
    message: str = "A validation exception occurred",
    elements: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The 400 body Xero answers for a write it refuses."""
    return {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": message,
        "Elements": elements or [],
    }


def unauthorized(detail: str = "AuthenticationUnsuccessful") -> dict[str, Any]:
    return {"Type": None, "Title": "Unauthorized", "Status": 401, "Detail": detail,
            "Instance": None, "Extensions": {}}


def forbidden(detail: str = "AuthorizationUnsuccessful") -> dict[str, Any]:
    return {"Type": None, "Title": "Forbidden", "Status": 403, "Detail": detail,
            "Instance": None, "Extensions": {}}


def validation_messages(body: Any) -> list[str]:
    """Every ValidationErrors message in a Xero error body or per-element result."""
    out: list[str] = []
    if not isinstance(body, dict):
        return [str(body)] if body else []
    for err in body.get("ValidationErrors") or []:
        if isinstance(err, dict) and err.get("Message"):
            out.append(str(err["Message"]))
    for el in body.get("Elements") or []:
        out.extend(validation_messages(el))
    if not out and body.get("Message"):
        out.append(str(body["Message"]))
    if not out and body.get("Detail"):
        out.append(str(body["Detail"]))
    return out
