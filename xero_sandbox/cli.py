"""`xero-sandbox serve`: run the Xero emulator on a local port.

Prints one JSON line on stdout (URLs, organisations with ready-to-use tap/target settings, the
standard app and its refresh token), then one human line on stderr, and serves until SIGTERM or
SIGINT.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Sequence
from types import FrameType

from werkzeug.serving import WSGIRequestHandler, make_server

from xero_sandbox.app import Sandbox, SandboxConfig, create_app


class QuietHandler(WSGIRequestHandler):
    """No access log lines: the sandbox keeps its own request log."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xero-sandbox", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the emulator")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--seed", type=int, default=42)
    serve.add_argument("--size", type=int, default=200, help="about this many invoices per org")
    serve.add_argument("--orgs", type=int, default=3,
                       help="demo organisations: NZ, UK, AU, US, then numbered repeats")
    serve.add_argument("--no-limits", action="store_true", help="do not enforce rate limits")
    serve.add_argument("--token-lifetime", type=int, default=1800, help="access token seconds")
    return parser


def serve(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    config = SandboxConfig(seed=args.seed, size=args.size, orgs=args.orgs,
                           limits=not args.no_limits, token_lifetime=args.token_lifetime)
    sandbox = Sandbox(config)
    app = create_app(sandbox)
    app.config["SANDBOX_HOSTS"] = (args.host,)  # besides loopback names, for /__admin
    server = make_server(args.host, args.port, app, threaded=True, request_handler=QuietHandler)

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host = args.host if ":" not in args.host else f"[{args.host}]"
    url = f"http://{host}:{server.server_port}"
    print(json.dumps(sandbox.startup_info(url)), flush=True)
    records = sum(o.record_count() for o in sandbox.store.orgs.values())
    print(f"xero-sandbox: {len(sandbox.store.orgs)} organisations, {records} records, "
          f"serving {url} (ready in {time.perf_counter() - started:.2f}s; admin at "
          f"{url}/__admin)", file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
