"""How the sandbox's answers go on the wire: JSON bytes, XML when the client asks for it,
the gateway's own answers (rate limits, faults, 405, 413), and answer faults that spoil a body.

The backend answers with `backend.answers.Answer`; `answer_response` renders one.
"""

from __future__ import annotations

import json
import socket
import struct
import time
from collections.abc import Mapping
from typing import Any

from flask import Response, request

from xero_core import jsonutil
from xero_core.endpoints import MAX_BODY_BYTES, Endpoint
from xero_core.errors import forbidden, unauthorized, validation_exception
from xero_sandbox import xml_bodies
from xero_sandbox.backend.answers import JSON, Answer
from xero_sandbox.backend.auth import expired_detail
from xero_sandbox.backend.faults import RATE_LIMIT_KINDS, FaultRule
from xero_sandbox.backend.limits import rate_limit_headers


def encode(body: Any) -> bytes:
    """JSON bytes with the stdlib C encoder; Decimals (rare in stored records) via simplejson.

    A lone surrogate a client sent (as a JSON escape) is answered as that escape again.
    """
    try:
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    except TypeError:
        return jsonutil.dumps_bytes(body)
    return text.encode("utf-8", "backslashreplace")


def rendered(answer: Answer) -> tuple[bytes, str]:
    """An answer's body bytes and content type (JSON unless it carries bytes or text)."""
    body = answer.body
    if body is None or answer.status == 204:
        return b"", answer.content_type
    if isinstance(body, bytes):
        return body, answer.content_type
    if isinstance(body, str):
        return body.encode("utf-8"), answer.content_type
    return encode(body), answer.content_type


def answer_response(answer: Answer) -> Response:
    data, content_type = rendered(answer)
    resp = Response(data, answer.status, content_type=content_type)
    if answer.headers:
        resp.headers.update(answer.headers)
    return resp


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    resp = Response(encode(body) if status != 204 else b"", status, content_type=JSON)
    if headers:
        resp.headers.update(headers)
    return resp


def rate_limited(problem: str | None, headers: Mapping[str, str]) -> Response:
    return json_response(429, {"Title": "Too Many Requests", "Status": 429,
                               "Detail": f"Rate limit exceeded: {problem}"}, headers)


def method_not_allowed() -> Response:
    return json_response(405, validation_exception("The method is not allowed for this resource"))


def too_large() -> Response:
    return json_response(413, {"Title": "Request Entity Too Large", "Status": 413,
                               "Detail": f"The request body is larger than "
                                         f"{MAX_BODY_BYTES} bytes"})


def scope_refused() -> Response:
    return json_response(403, forbidden("AuthorizationUnsuccessful"))


def fault_response(rule: FaultRule) -> Response | None:
    """The answer a fault rule forces; None for `slow` (sleep, then answer normally) and the
    answer kinds (answer, then spoil it)."""
    kind = rule.kind
    if kind in RATE_LIMIT_KINDS:
        return rate_limited(RATE_LIMIT_KINDS[kind],
                            rate_limit_headers(RATE_LIMIT_KINDS[kind], rule.retry_after))
    if kind == "500":
        return json_response(500, {"Title": "An error occurred", "Status": 500,
                                   "Detail": "An error occurred in Xero. Check the API Status "
                                             "page http://status.developer.xero.com for current "
                                             "service status."})
    if kind == "502":
        return Response("<html><body><h1>502 Bad Gateway</h1></body></html>", 502,
                        content_type="text/html")
    if kind == "503-offline":
        return Response("Organisation is offline", 503, content_type="text/plain")
    if kind == "504":
        return Response("<html><body><h1>504 Gateway Time-out</h1></body></html>", 504,
                        content_type="text/html")
    if kind == "401-expired":
        return json_response(401, unauthorized(expired_detail(time.time())))
    if kind == "403-scope":
        return scope_refused()
    if kind == "reset":
        sock = request.environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return Response(b"", 500)
    return None  # slow: the caller sleeps where the call would be slow; answer kinds: spoiled


def spoiled(resp: Response, ep: Endpoint | None, kind: str) -> Response:
    """An API answer as an answer fault spoils it: elements reversed, or without their ids."""
    if ep is None or not ep.records_key or not resp.is_json:
        return resp
    try:
        body = jsonutil.loads(resp.get_data())
    except ValueError:
        return resp
    elements = body.get(ep.records_key) if isinstance(body, dict) else None
    if not isinstance(elements, list):
        return resp
    if kind == "reorder":
        elements.reverse()
    else:
        for el in elements:
            if isinstance(el, dict):
                el.pop(ep.primary_key[0], None)
    resp.set_data(encode(body))
    return resp


def as_xml(resp: Response, ep: Endpoint | None) -> Response:
    """The answer as XML unless the client asked for JSON (as Xero; problem details stay JSON)."""
    if not resp.is_json or resp.status_code == 204 \
            or not xml_bodies.wants_xml(request.headers.get("Accept")):
        return resp
    try:
        body = jsonutil.loads(resp.get_data())
    except ValueError:
        return resp
    if xml_bodies.renders(body):
        resp.set_data(xml_bodies.render(body, ep.schema if ep is not None else None))
        resp.content_type = xml_bodies.XML_CONTENT_TYPE
    return resp


def payload(data: bytes, ep: Endpoint) -> Any:
    """A write's body (JSON, or XML by its Content-Type) -> dict; a Response when refused."""
    if xml_bodies.is_xml(request.content_type):
        try:
            return xml_bodies.parse(data, ep.records_key or None) if data.strip() else {}
        except xml_bodies.XMLBodyError as exc:
            return json_response(400, validation_exception(str(exc)))
    try:
        return jsonutil.loads(data) if data.strip() else {}
    except ValueError:
        return json_response(400, validation_exception("The request body is not JSON"))
