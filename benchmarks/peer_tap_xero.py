"""Run singer-io's tap-xero (the peer) against the local sandbox instead of Xero.

    benchmarks/peers/singer-io-tap-xero/bin/python benchmarks/peer_tap_xero.py \\
        --sandbox-url http://127.0.0.1:PORT --config peer.json --catalog catalog.json

The peer hard-codes https://api.xero.com and https://identity.xero.com. This wrapper runs its
`main()` in this process after rewriting those hosts to the sandbox on every request
(`requests.Session.send`, which `Session.post`/`request` and the peer's `session.send` all go
through) and refuses any request that would still leave 127.0.0.1 / localhost. The peer only
does the refresh-token flow: give it the sandbox's standard app and refresh token (it writes the
rotated token back into its config file, as it does with Xero).

Runs under the peer's own virtualenv; imports nothing from this project.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlsplit

PEER_VERSION = "2.6.0"
XERO_HOSTS = ("https://api.xero.com", "https://identity.xero.com")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def route_to_sandbox(sandbox_url: str) -> None:
    """Patch requests (and the peer's BASE_URL) so every call goes to `sandbox_url`."""
    import requests

    base = sandbox_url.rstrip("/")
    if urlsplit(base).hostname not in LOCAL_HOSTS:
        raise SystemExit(f"refusing a sandbox URL that is not local: {base}")
    original_send = requests.Session.send

    def send(self: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        url = request.url or ""
        for host in XERO_HOSTS:
            if url.startswith(host):
                request.url = base + url[len(host):]
                break
        if urlsplit(request.url or "").hostname not in LOCAL_HOSTS:
            raise RuntimeError(f"peer_tap_xero: blocked a request off this machine: {url}")
        return original_send(self, request, **kwargs)

    requests.Session.send = send  # type: ignore[method-assign]

    peer_client: Any = importlib.import_module("tap_xero.client")
    peer_client.BASE_URL = base + "/api.xro/2.0"


def check_peer() -> None:
    """Stop unless this interpreter's `tap_xero` is singer-io's tap-xero 2.6.0."""
    try:
        found = version("tap-xero")
    except PackageNotFoundError:
        found = None
    if found != PEER_VERSION:
        raise SystemExit(f"peer_tap_xero: run me with the peer's virtualenv (tap-xero "
                         f"{PEER_VERSION}); this interpreter has tap-xero {found}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], add_help=False)
    parser.add_argument("--sandbox-url", required=True)
    known, rest = parser.parse_known_args(argv)
    check_peer()
    route_to_sandbox(known.sandbox_url)
    peer: Any = importlib.import_module("tap_xero")
    sys.argv = [sys.argv[0], *rest]
    peer.main()


if __name__ == "__main__":
    main()
