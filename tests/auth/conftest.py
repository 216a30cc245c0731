"""Helpers for xero-auth's tests: run the console script against the session's sandbox and
play the browser's part with an HTTP client (GET the printed URL, follow its redirect to the
local redirect server)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import requests

XERO_AUTH = str(Path(sys.executable).parent / "xero-auth")


@dataclass
class Done:
    code: int
    url: str
    stdout: str
    stderr: str
    redirect: requests.Response | None


def app_args(sandbox: Any, store: Path, client_id: str | None = None) -> list[str]:
    """The standard app's flags (the secret goes by environment, not argv)."""
    return ["--client-id", client_id or sandbox.app["client_id"], "--login-url", sandbox.url,
            "--identity-url", sandbox.url, "--api-url", sandbox.url,
            "--token-store", str(store)]


def env_with_secret(sandbox: Any, secret: bool = True) -> dict[str, str]:
    env = dict(os.environ, XERO_CLIENT_SECRET=sandbox.app["client_secret"],
               PYTHONUNBUFFERED="1")
    if not secret:
        del env["XERO_CLIENT_SECRET"]
    return env


def xero_auth(sandbox: Any, *args: str, secret: bool = True
              ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([XERO_AUTH, *args], capture_output=True, text=True, timeout=60,
                          env=env_with_secret(sandbox, secret))


def with_state(url: str, state: str) -> str:
    """`url` with its `state` parameter replaced."""
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = state
    return urlunsplit(parts._replace(query=urlencode(query)))


def login(sandbox: Any, store: Path, *extra: str,
          tamper: Callable[[str], str] = lambda location: location,
          before: Callable[[str], None] | None = None, client_id: str | None = None
          ) -> Done:
    """`xero-auth login --no-browser`, the consent driven by requests; what it ended with."""
    proc = subprocess.Popen([XERO_AUTH, "login", "--no-browser", "--wait", "60",
                             *app_args(sandbox, store, client_id), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env_with_secret(sandbox, secret=client_id is None))
    assert proc.stdout is not None
    redirect = None
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith(sandbox.url + "/identity/connect/authorize?"), url
        consent = requests.get(url, allow_redirects=False, timeout=10)
        assert consent.status_code == 302, consent.text
        location = consent.headers["Location"]
        if before is not None:
            before(location)
        redirect = requests.get(tamper(location), timeout=10)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return Done(proc.returncode, url, url + "\n" + out, err, redirect)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
