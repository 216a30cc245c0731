"""What the API client and the token client do to survive a hostile or wrong server.

- Hosts: https only, except for loopback (127.0.0.0/8, ::1, localhost), where the local sandbox
  runs on plain http.
- Redirects are never followed (`allow_redirects=False`): a 3xx is an error naming the host, so
  a bearer token or a refresh token is never re-sent to wherever a server points.
- Bodies are streamed and read with a byte cap (`MAX_BODY_BYTES`, counted after
  decompression) and an overall deadline per call (`DEADLINE_FACTOR` x the request timeout),
  on top of requests' per-read timeout, so neither a huge answer nor a server that drips one
  byte at a time can exhaust memory or hang a run. Past the deadline, reading raises
  `requests.Timeout`, which the callers retry like any other timeout. The deadline is checked
  between socket reads, each bounded by the per-read timeout, so a call ends at most one
  per-read timeout after its deadline.
"""

from __future__ import annotations

import ipaddress
import time
from urllib.parse import urlsplit

import requests
import urllib3.exceptions

from xero_core.errors import ConfigError, ResponseTooLargeError

DEFAULT_API_URL = "https://api.xero.com"
DEFAULT_IDENTITY_URL = "https://identity.xero.com"
DEFAULT_LOGIN_URL = "https://login.xero.com"  # serves the consent page (xero-auth login)
MAX_BODY_BYTES = 64 * 1024 * 1024  # 64 MiB: far above any Xero page or attachment (25 MB)
DEADLINE_FACTOR = 5.0  # a whole call (answer and body) gets 5x request_timeout
READ_CHUNK = 64 * 1024


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(setting: str, url: str) -> None:
    """A URL the connectors may send credentials to; else a ConfigError naming the setting."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or not parts.hostname:
        raise ConfigError(f"{setting} must be an http(s) URL with a host, not {url!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"{setting} must use https (plain http is allowed only for a loopback host such as "
            f"127.0.0.1 or localhost), not {url!r}")


def host_of(url: str | None) -> str:
    parts = urlsplit(url or "")
    return parts.netloc or "?"


def deadline_for(timeout: float) -> float:
    """Seconds a whole call may take, from sending to its last body byte."""
    return max(1.0, timeout) * DEADLINE_FACTOR


def read_body(
    resp: requests.Response, *, started: float, deadline: float, max_bytes: int | None = None,
) -> None:
    """Read a streamed answer's body into `resp` (so `.content` works), within cap and deadline.

    `started` is the `time.monotonic()` the call began. Over the cap: ResponseTooLargeError
    (not retried). Past the deadline: requests.Timeout. A broken read: requests.ConnectionError.
    """
    max_bytes = MAX_BODY_BYTES if max_bytes is None else max_bytes
    host = host_of(resp.url)
    declared = resp.headers.get("Content-Length", "")
    if declared.strip().isdigit() and int(declared) > max_bytes:
        resp.close()
        raise _too_large(resp, host, max_bytes)
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            if time.monotonic() - started > deadline:
                raise requests.Timeout(
                    f"{host} did not finish its answer within the {deadline:g}s deadline")
            chunk = resp.raw.read1(READ_CHUNK, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(resp, host, max_bytes)
            chunks.append(chunk)
    except (ResponseTooLargeError, requests.RequestException):
        resp.close()
        raise
    except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
        resp.close()
        raise requests.Timeout(f"reading the answer of {host}: {type(exc).__name__}") from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        resp.close()
        raise requests.ConnectionError(
            f"reading the answer of {host}: {type(exc).__name__}") from exc
    resp._content = b"".join(chunks)
    resp._content_consumed = True  # type: ignore[attr-defined]
    resp.raw.release_conn()


def _too_large(resp: requests.Response, host: str, max_bytes: int) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        resp.status_code,
        f"the answer from {host} is larger than the {max_bytes:,}-byte limit; not reading it",
        url=(resp.url or "").split("?", 1)[0],
    )
