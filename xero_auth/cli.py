"""`xero-auth`: connect a Xero organisation (login), show the stored grant (status), end it
(revoke).

    xero-auth login --config tap-config.json [--catalog catalog.json] [--no-browser]
    xero-auth status --config tap-config.json
    xero-auth revoke --config tap-config.json

The app and hosts come from `--config` (a tap-xero or target-xero config: client_id,
client_secret, login_url, identity_url, api_url, token_store_path) or the flags, which win.
The client secret may also come from the environment (XERO_CLIENT_SECRET), to keep it out of
the process list. Scopes: `--scopes`, else derived from the catalog's selected streams (read
scopes), or every resource the target writes with `--target` (write scopes); offline_access
openid profile email always. Tokens go only to the token store; stdout gets the authorize URL
(`--no-browser`), tenants, ages and scopes, never a token.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import webbrowser
from pathlib import Path
from typing import Any

from xero_auth import flow, scopes
from xero_core.transport import DEFAULT_API_URL, DEFAULT_IDENTITY_URL, DEFAULT_LOGIN_URL

SECRET_ENV = "XERO_CLIENT_SECRET"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xero-auth", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("login", "authorize the app once and store its tokens"),
                       ("status", "show the stored grant: ages, scopes, tenants"),
                       ("revoke", "end the stored grant at Xero and remove its tokens")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--config", help="tap-xero or target-xero config file (JSON)")
        cmd.add_argument("--client-id")
        cmd.add_argument("--client-secret",
                         help=f"the app's secret (or ${SECRET_ENV}; none: PKCE only)")
        cmd.add_argument("--login-url", help=f"consent host (default {DEFAULT_LOGIN_URL})")
        cmd.add_argument("--identity-url", help=f"token host (default {DEFAULT_IDENTITY_URL})")
        cmd.add_argument("--api-url", help=f"API host (default {DEFAULT_API_URL})")
        cmd.add_argument("--token-store", help="token store file (the token_store_path setting)")
        cmd.add_argument("--timeout", type=float, default=30.0, help="seconds per HTTP call")
        if name == "login":
            cmd.add_argument("--scopes", help="space- or comma-separated scopes to ask for")
            cmd.add_argument("--catalog", help="tap catalog: read scopes of selected streams")
            cmd.add_argument("--streams", help="comma-separated streams (instead of a catalog)")
            cmd.add_argument("--target", action="store_true",
                             help="ask for write scopes (target-xero) instead of read scopes")
            cmd.add_argument("--broad-scopes", action="store_true",
                             help="the broad scopes of apps created before 2 March 2026")
            cmd.add_argument("--port", type=int, default=0,
                             help="redirect server port on 127.0.0.1 (default: a free one; "
                                  "must match a redirect URI registered for the app)")
            cmd.add_argument("--wait", type=float, default=300.0,
                             help="seconds to wait for the consent's redirect")
            cmd.add_argument("--no-browser", action="store_true",
                             help="print the authorize URL instead of opening a browser")
    return parser


def _config(path: str | None) -> dict[str, Any]:
    if not path:
        return {}
    try:
        data = json.loads(Path(path).expanduser().read_text())
    except (OSError, ValueError) as exc:
        raise flow.LoginError(f"cannot read the config {path} ({type(exc).__name__})"
                              ) from None
    if not isinstance(data, dict):
        raise flow.LoginError(f"the config {path} is not a JSON object")
    return data


def app_from(args: argparse.Namespace, config: dict[str, Any]) -> flow.App:
    def pick(flag: str | None, key: str, default: str = "") -> str:
        return str(flag or config.get(key) or default)

    secret = args.client_secret or os.environ.get(SECRET_ENV) or config.get("client_secret")
    return flow.App(
        client_id=pick(args.client_id, "client_id"),
        client_secret=str(secret) if secret else None,
        login_url=pick(args.login_url, "login_url", DEFAULT_LOGIN_URL),
        identity_url=pick(args.identity_url, "identity_url", DEFAULT_IDENTITY_URL),
        api_url=pick(args.api_url, "api_url", DEFAULT_API_URL),
        token_store=pick(args.token_store, "token_store_path"),
        timeout=args.timeout,
    )


def scopes_for(args: argparse.Namespace, config: dict[str, Any]) -> list[str]:
    """--scopes, else the streams' read (or, with --target, write) scopes; base scopes always."""
    if args.scopes:
        given = args.scopes.replace(",", " ").split()
        return [*scopes.BASE_SCOPES, *(s for s in given if s not in scopes.BASE_SCOPES)]
    streams: list[str] | None = None
    if args.streams:
        streams = [s.strip() for s in args.streams.split(",") if s.strip()]
    elif args.catalog:
        streams = scopes.selected_streams(_config(args.catalog))
    if args.target:
        return scopes.write_scopes(streams, broad=args.broad_scopes)
    return scopes.read_scopes(streams, broad=args.broad_scopes,
                              attachments=bool(config.get("include_attachments")))


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h {seconds % 3600 // 60}m"


def _print_tenants(tenants: list[dict[str, Any]]) -> None:
    print(f"tenants: {len(tenants)}")
    for t in tenants:
        print(f"  {t.get('tenantId')}  {t.get('tenantName')}")


def cmd_login(args: argparse.Namespace, config: dict[str, Any]) -> int:
    app = app_from(args, config)
    wanted = scopes_for(args, config)

    def announce(url: str) -> None:
        print("Open this URL in a browser and allow access:", file=sys.stderr)
        print(url, flush=True)

    opener = None if args.no_browser else webbrowser.open
    record = flow.login(app, wanted, announce=announce, port=args.port, timeout=args.wait,
                        open_browser=opener)
    print(f"connected: tokens stored in {app.token_store}")
    print(f"scopes: {record.get('scope', '')}")
    _print_tenants(record.get("tenants") or [])
    if not config.get("token_store_path") or config.get("refresh_token"):
        print(f"set token_store_path to {app.token_store} (and no refresh_token) in the "
              f"tap/target config to use this connection")
    return 0


def cmd_status(args: argparse.Namespace, config: dict[str, Any]) -> int:
    app = app_from(args, config)
    record = app.stored()
    if not record:
        print(f"no stored token for client {app.client_id} on {app.identity_url} in "
              f"{app.token_store}")
        return 1
    now = time.time()
    print(f"client: {app.client_id}")
    print(f"hosts: {app.identity_url} {app.api_url}")
    if record.get("connected_at"):
        print(f"connected: {_age(now - float(record['connected_at']))} ago")
    print(f"last refresh: {_age(now - float(record.get('updated_at') or now))} ago")
    left = float(record.get("expires_at") or 0) - now
    print(f"access token: {'expires in ' + _age(left) if left > 0 else 'expired'}")
    print(f"refresh token: {'stored' if record.get('refresh_token') else 'none'}")
    print(f"scopes: {record.get('scope') or '(not recorded)'}")
    _print_tenants(record.get("tenants") or [])
    return 0


def cmd_revoke(args: argparse.Namespace, config: dict[str, Any]) -> int:
    app = app_from(args, config)
    flow.revoke(app)
    print(f"revoked: the grant is ended at {app.identity_url} and {app.token_store} removed")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {"login": cmd_login, "status": cmd_status, "revoke": cmd_revoke}
    try:
        return commands[args.command](args, _config(args.config))
    except flow.LoginError as exc:
        print(f"xero-auth {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"xero-auth {args.command}: interrupted; nothing stored", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
