"""The sandbox in this process, for tests that need no real server: Flask's test client behind a
`requests` session, so a test calls it exactly as it would call `xero-sandbox serve`.

    with SandboxInProcess(size=60) as sandbox:
        sandbox.http.get(sandbox.url + "/connections", headers=...)   # a requests.Response
        sandbox.fault("503-offline", path="/Invoices")                # the same admin helpers

Nothing here opens a socket: what needs one (a dropped connection, a client timeout, calls in
flight together on a threaded server, the `serve` start line) needs `SandboxProcess`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from xero_sandbox.app import create_app
from xero_sandbox.backend.sandbox import Sandbox, SandboxConfig
from xero_sandbox.testing import SandboxAdmin

URL = "http://localhost"  # a loopback name: /__admin answers it


class FlaskAdapter(BaseAdapter):
    """A requests transport that hands each request to a Flask app's test client."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> requests.Response:
        url = urlsplit(request.url or "")
        body = request.body
        data = body.encode("utf-8") if isinstance(body, str) else (body or b"")
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("content-length", "host")}
        # A client per call: the test client keeps per-call context state, and calls may
        # come from several threads.
        client = self.app.test_client(use_cookies=False)
        answer = client.open(url.path, base_url=f"{url.scheme}://{url.netloc}",
                             query_string=url.query, method=request.method or "GET",
                             headers=headers, data=data)
        resp = requests.Response()
        resp.status_code = answer.status_code
        resp.reason = answer.status.partition(" ")[2]
        resp.headers = CaseInsensitiveDict(answer.headers.items())
        resp._content = answer.get_data()
        resp.encoding = get_encoding_from_headers(resp.headers)
        resp.url = request.url or ""
        resp.request = request
        answer.close()
        return resp

    def close(self) -> None:
        pass


class SandboxInProcess(SandboxAdmin):
    """A sandbox served in this process through Flask's test client (no socket, no thread)."""

    def __init__(self, *, seed: int = 42, size: int = 60, orgs: int = 3, limits: bool = True,
                 token_lifetime: int | None = None) -> None:
        self.config = SandboxConfig(seed=seed, size=size, orgs=orgs, limits=limits)
        if token_lifetime is not None:
            self.config.token_lifetime = token_lifetime
        self.sandbox: Sandbox | None = None
        self.info: dict[str, Any] = {}
        self._http = requests.Session()

    def start(self) -> SandboxInProcess:
        self.sandbox = Sandbox(self.config)
        self._http.mount(URL, FlaskAdapter(create_app(self.sandbox)))
        self.info = self.sandbox.startup_info(URL)
        return self

    def stop(self) -> None:
        self._http.close()
        self.sandbox = None

    def __enter__(self) -> SandboxInProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["FlaskAdapter", "SandboxInProcess"]
