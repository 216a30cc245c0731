"""XeroClient and XeroAuth against hostile or wrong servers (a local http.server plays them).

Each finding has a test that fails without its fix: clamped Retry-After, capped and deadlined
bodies, bounded JSON depth, no redirects, https-only (but loopback), and a token store keyed by
hosts as well as client id.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from xero_core import jsonutil, transport
from xero_core.auth import XeroAuth
from xero_core.errors import (
    AuthError,
    ConfigError,
    DayLimitError,
    JSONTooDeepError,
    RedirectError,
    ResponseTooLargeError,
    ServerError,
    ValidationError,
    XeroError,
)
from xero_core.http import XeroClient
from xero_core.retry import MAX_DAY_RETRY_AFTER, MAX_RETRY_AFTER

TENANT = "11111111-2222-3333-4444-555555555555"
DEEP = b"[" * 100_000 + b"]" * 100_000
Handler = Callable[[BaseHTTPRequestHandler], None]


def reply(status: int = 200, body: bytes | str | Any = b"",
          headers: dict[str, str] | None = None) -> Handler:
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    raw = body.encode() if isinstance(body, str) else body

    def send(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        hdrs = {"Content-Type": "application/json", "Content-Length": str(len(raw)),
                **(headers or {})}
        for k, v in hdrs.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(raw)
    return send


TOKEN = reply(200, {"access_token": "api-token", "expires_in": 1800, "token_type": "Bearer"})
CONNECTIONS = reply(200, [{"tenantId": TENANT, "tenantName": "Org"}])


class HostileServer:
    """Answers scripted replies per (method, path) in order; the last one repeats."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Handler]] = {}
        self.seen: list[dict[str, Any]] = []
        server = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                server.seen.append({"method": self.command, "path": path,
                                    "headers": dict(self.headers), "body": body.decode()})
                script = server.routes.get((self.command, path)) or [reply(404, {"x": 1})]
                handler = script.pop(0) if len(script) > 1 else script[0]
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    handler(self)

            do_GET = do_POST = do_PUT = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def route(self, method: str, path: str, *handlers: Handler) -> None:
        self.routes[(method, path)] = list(handlers)

    def count(self, path: str) -> int:
        return sum(1 for r in self.seen if r["path"] == path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[HostileServer]:
    srv = HostileServer()
    srv.route("POST", "/connect/token", TOKEN)
    yield srv
    srv.close()


@pytest.fixture
def other() -> Iterator[HostileServer]:
    """Where a hostile redirect points: it must never be reached."""
    srv = HostileServer()
    srv.route("POST", "/connect/token", TOKEN)
    srv.route("GET", "/connections", CONNECTIONS)
    yield srv
    srv.close()


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(srv: HostileServer, **settings: Any) -> tuple[XeroClient, Sleeps]:
    sleeps = Sleeps()
    config = {"client_id": "cid", "client_secret": "secret", "api_url": srv.url,
              "identity_url": srv.url, "max_retries": 2, **settings}
    return XeroClient.from_config(config, sleep=sleeps), sleeps


# -- 1. Retry-After is clamped ------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("1e9", MAX_RETRY_AFTER), ("inf", MAX_RETRY_AFTER), ("1e999", MAX_RETRY_AFTER),
    ("nan", 60.0), ("-5", 0.0), ("soon", 60.0), ("7", 7.0),
])
def test_retry_after_is_clamped_for_minute_limits(server, value: str, expected: float) -> None:
    server.route("GET", "/connections",
                 reply(429, {}, {"Retry-After": value, "X-Rate-Limit-Problem": "minute"}),
                 CONNECTIONS)
    client, sleeps = client_for(server)
    assert client.connections()[0]["tenantId"] == TENANT
    assert sleeps == [expected]


def test_day_limit_retry_after_is_clamped_to_a_day(server) -> None:
    day = {"Retry-After": "1e9", "X-Rate-Limit-Problem": "day"}
    server.route("GET", "/connections", reply(429, {}, day), CONNECTIONS)
    client, sleeps = client_for(server, wait_on_day_limit=True)
    assert client.connections()
    assert sleeps == [MAX_DAY_RETRY_AFTER]
    server.route("GET", "/connections", reply(429, {}, {**day, "Retry-After": "inf"}))
    stopping, sleeps = client_for(server)
    with pytest.raises(DayLimitError) as info:
        stopping.connections()
    assert info.value.retry_after == MAX_DAY_RETRY_AFTER and sleeps == []


def test_token_endpoint_retry_after_is_clamped(server) -> None:
    server.route("POST", "/connect/token", reply(429, {}, {"Retry-After": "1e9"}), TOKEN)
    server.route("GET", "/connections", CONNECTIONS)
    client, sleeps = client_for(server)
    assert client.connections()
    assert sleeps == [MAX_RETRY_AFTER]


# -- 2. bodies: capped, deadlined, still correct -------------------------------------------------

def endless(h: BaseHTTPRequestHandler) -> None:
    """2 MiB without Content-Length (ends at close): over a 1 MiB cap."""
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.end_headers()
    for _ in range(32):
        h.wfile.write(b" " * 65536)


def test_body_over_the_cap_is_a_clear_error(server, monkeypatch) -> None:
    monkeypatch.setattr(transport, "MAX_BODY_BYTES", 1024 * 1024)
    server.route("GET", "/connections", endless)
    client, sleeps = client_for(server)
    with pytest.raises(ResponseTooLargeError, match=r"127\.0\.0\.1.*1,048,576-byte limit"):
        client.connections()
    assert server.count("/connections") == 1 and sleeps == []  # not retried
    declared = reply(200, b" " * (1024 * 1024 + 1))  # said up front by Content-Length
    server.route("GET", "/connections", declared)
    with pytest.raises(ResponseTooLargeError, match="limit"):
        client.connections()
    server.route("POST", "/connect/token", endless)  # the token client reads the same way
    auth = XeroAuth(client_id="cid", client_secret="s", identity_url=server.url,
                    api_url=server.url, max_retries=0)
    with pytest.raises(ResponseTooLargeError, match="limit"):
        auth.access_token()


def test_xero_auth_reads_bodies_within_the_same_cap(server, monkeypatch, tmp_path) -> None:
    """`xero-auth` calls the identity and API hosts too: an endless answer is refused, not
    buffered, and said as the host that did not answer properly."""
    from xero_auth.flow import App, LoginError, connections, exchange

    monkeypatch.setattr(transport, "MAX_BODY_BYTES", 1024 * 1024)
    server.route("GET", "/connections", endless)
    server.route("POST", "/connect/token", endless)
    app = App("cid", "s", login_url=server.url, identity_url=server.url, api_url=server.url,
              token_store=str(tmp_path / "tokens.json"))
    with pytest.raises(LoginError, match=r"127\.0\.0\.1:\d+ did not answer \(ResponseTooLarge"):
        connections(app, "token")
    with pytest.raises(LoginError, match="ResponseTooLargeError"):
        exchange(app, "code", "http://127.0.0.1:1/callback", "verifier")
    assert not (tmp_path / "tokens.json").exists()


def drip(h: BaseHTTPRequestHandler) -> None:
    """A byte every 50 ms: each read is well inside the timeout, the whole never ends."""
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", "400")
    h.end_headers()
    for _ in range(400):
        h.wfile.write(b" ")
        h.wfile.flush()
        time.sleep(0.05)


def test_drip_fed_body_hits_the_call_deadline_and_is_retried(server) -> None:
    server.route("GET", "/connections", drip)
    client, sleeps = client_for(server, request_timeout=1, max_retries=1)
    client.deadline = 0.5
    started = time.monotonic()
    with pytest.raises(ServerError, match="Timeout"):
        client.connections()
    assert time.monotonic() - started < 5  # without the deadline: 2 x 20 s
    assert server.count("/connections") == 2 and len(sleeps) == 1  # the normal retry path


def test_default_deadline_is_a_multiple_of_the_timeout(server) -> None:
    client, _ = client_for(server, request_timeout=30)
    assert client.deadline == 30 * transport.DEADLINE_FACTOR


def test_binary_and_gzip_answers_are_read_whole(server) -> None:
    """Attachment downloads (`resp.content`) and compressed pages still work when streamed."""
    blob = bytes(range(256)) * 8192  # 2 MiB of binary
    server.route("GET", "/api.xro/2.0/Invoices/x/Attachments/a.pdf",
                 reply(200, blob, {"Content-Type": "application/pdf"}))
    page = {"Invoices": [{"InvoiceID": str(i), "Total": "1.10"} for i in range(5000)]}
    server.route("GET", "/api.xro/2.0/Invoices",
                 reply(200, gzip.compress(json.dumps(page).encode()),
                       {"Content-Encoding": "gzip"}))
    client, _ = client_for(server)
    resp = client.request("GET", "/api.xro/2.0/Invoices/x/Attachments/a.pdf", tenant_id=TENANT,
                          headers={"Accept": "application/pdf"})
    assert resp.content == blob
    assert client.get_json("/api.xro/2.0/Invoices", tenant_id=TENANT) == json.loads(
        json.dumps(page))


# -- 3. JSON depth is bounded ---------------------------------------------------------------------

def test_deep_json_is_a_xero_error_never_a_recursion_error(server) -> None:
    assert jsonutil.loads("[" * 200 + "]" * 200)
    with pytest.raises(JSONTooDeepError, match="200"):
        jsonutil.loads("[" * 201 + "]" * 201)
    with pytest.raises(JSONTooDeepError):
        jsonutil.loads(b'{"a":' * 100_000)  # unterminated: still refused, not recursed into
    assert jsonutil.loads('{"a": "[[[[[[[[' + "[" * 500 + '"}') == {"a": "[" * 508}
    server.route("GET", "/connections", reply(200, DEEP))
    client, _ = client_for(server)
    with pytest.raises(XeroError, match="nested deeper"):
        client.connections()
    server.route("PUT", "/api.xro/2.0/Invoices", reply(400, DEEP))
    with pytest.raises(ValidationError):  # an error body too deep is kept as text
        client.request("PUT", "/api.xro/2.0/Invoices", tenant_id=TENANT, json={})


def test_deep_json_from_the_token_endpoint_is_an_auth_error(server) -> None:
    server.route("POST", "/connect/token", reply(200, DEEP))
    client, _ = client_for(server)
    with pytest.raises(AuthError):
        client.auth.access_token()


# -- 4. no redirects ------------------------------------------------------------------------------

def test_api_redirect_is_an_error_naming_the_host_and_not_followed(server, other) -> None:
    server.route("GET", "/connections",
                 reply(307, b"", {"Location": other.url + "/connections"}))
    client, sleeps = client_for(server)
    host = server.url.split("//")[1]
    with pytest.raises(RedirectError, match=host) as info:
        client.connections()
    assert info.value.status == 307 and other.url.split("//")[1] in str(info.value)
    assert other.seen == [] and server.count("/connections") == 1 and sleeps == []


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_token_redirect_never_reposts_the_refresh_token(server, other, status: int) -> None:
    server.route("POST", "/connect/token",
                 reply(status, b"", {"Location": other.url + "/connect/token"}))
    client, sleeps = client_for(server, refresh_token="the-refresh-token")
    with pytest.raises(ConfigError, match=r"redirect.*identity_url"):
        client.auth.access_token()
    assert other.seen == [] and sleeps == []
    assert server.count("/connect/token") == 1  # not retried, no other candidate tried


# -- 5. https, except loopback ------------------------------------------------------------

@pytest.mark.parametrize("setting", ["api_url", "identity_url"])
@pytest.mark.parametrize("url", ["http://api.example.com", "http://10.0.0.1:8080",
                                 "http://127.0.0.1.example.com", "ftp://127.0.0.1"])
def test_plain_http_to_a_remote_host_is_a_config_error(setting: str, url: str) -> None:
    config = {"client_id": "cid", "client_secret": "s", setting: url}
    with pytest.raises(ConfigError, match=setting):
        XeroClient.from_config(config)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9", "http://127.8.9.10", "http://localhost:9",
                                 "http://[::1]:9", "https://api.example.com"])
def test_loopback_http_and_any_https_are_allowed(url: str) -> None:
    client = XeroClient.from_config({"client_id": "cid", "client_secret": "s",
                                     "api_url": url, "identity_url": url})
    assert client.api_url == url
    with pytest.raises(ConfigError, match="identity_url"):
        XeroAuth(client_id="c", client_secret="s", identity_url="http://example.com")


# -- 6. token store keyed by hosts ------------------------------------------------------------

def test_stored_tokens_never_go_to_another_host(server, other, tmp_path) -> None:
    server.route("POST", "/connect/token",
                 reply(200, {"access_token": "token-of-host-1", "expires_in": 1800,
                             "refresh_token": "rotated-by-host-1"}))
    store = str(tmp_path / "tokens.json")
    first, _ = client_for(server, refresh_token="configured", token_store_path=store)
    assert first.auth.access_token() == "token-of-host-1"
    saved = json.loads((tmp_path / "tokens.json").read_text())
    assert saved["hosts"] == {"identity_url": server.url, "api_url": server.url}
    second, _ = client_for(other, refresh_token="configured", token_store_path=store)
    assert second.connections()
    sent = json.dumps(other.seen)
    assert "token-of-host-1" not in sent and "rotated-by-host-1" not in sent
    assert "refresh_token=configured" in next(r["body"] for r in other.seen if r["body"])
    # Back on host 1 with the store other wrote: again not used there.
    third, _ = client_for(server, refresh_token="configured", token_store_path=store)
    server.seen.clear()
    third.auth.access_token()
    assert "api-token" not in json.dumps(server.seen)


def test_old_store_records_are_used_only_against_xeros_own_hosts(server, tmp_path) -> None:
    store = tmp_path / "tokens.json"
    old = {"client_id": "cid", "access_token": "old-access", "refresh_token": "old-refresh",
           "expires_at": time.time() + 3600}
    store.write_text(json.dumps(old))
    local, _ = client_for(server, refresh_token="configured", token_store_path=str(store))
    assert local.auth.access_token() == "api-token"
    assert "old-refresh" not in json.dumps(server.seen)
    store.write_text(json.dumps(old))
    xero = XeroAuth(client_id="cid", client_secret="s", refresh_token="configured",
                    token_store_path=str(store))  # the default hosts: migrated
    assert xero.access_token() == "old-access"
