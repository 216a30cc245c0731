"""`xero-webhooks serve`: Xero's webhook endpoint that runs a sync command per changed tenant.

    xero-webhooks serve --port 8080 --key "$XERO_WEBHOOK_KEY" \
        --command 'meltano run --state-id-suffix "$XERO_TENANT_ID" tap-xero target-jsonl'

Prints one JSON line on stdout ({"url": ...}) once it listens, then serves until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from werkzeug.serving import WSGIRequestHandler, make_server

from xero_webhooks.command import CommandRunner
from xero_webhooks.debounce import Debouncer
from xero_webhooks.receiver import create_app

KEY_ENV = "XERO_WEBHOOK_KEY"


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xero-webhooks", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the webhook endpoint")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    serve.add_argument("--path", default="/", help="URL path Xero posts to (default /)")
    serve.add_argument("--key", default=os.environ.get(KEY_ENV),
                       help=f"the webhook signing key (default: ${KEY_ENV})")
    serve.add_argument("--command", dest="sync_command", required=True,
                       help="shell command to run per tenant; gets XERO_TENANT_ID and "
                            "XERO_STREAMS (comma-separated)")
    serve.add_argument("--debounce", type=float, default=30.0,
                       help="seconds of quiet after a tenant's last event before its run")
    serve.add_argument("--max-wait", type=float, default=None,
                       help="run at most this many seconds after a burst's first event "
                            "(default 4 x debounce)")
    serve.add_argument("--retry-delay", type=float, default=60.0,
                       help="seconds before a failed sync runs again (doubling per failure in "
                            "a row, at most --retry-max)")
    serve.add_argument("--retry-max", type=float, default=1800.0)
    serve.add_argument("--cwd", default=None, help="directory the command runs in")
    serve.add_argument("--command-timeout", type=float, default=None)
    return parser


def serve(args: argparse.Namespace) -> int:
    if not args.key:
        print(f"xero-webhooks: give --key or set {KEY_ENV}", file=sys.stderr)
        return 2
    runner = CommandRunner(args.sync_command, cwd=args.cwd, timeout=args.command_timeout)
    debouncer = Debouncer(runner, delay=args.debounce, max_wait=args.max_wait,
                          retry_delay=args.retry_delay, retry_max=args.retry_max)
    app = create_app(args.key, debouncer.add, args.path, debouncer.status)
    server = make_server(args.host, args.port, app, threaded=True, request_handler=QuietHandler)

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host = args.host if ":" not in args.host else f"[{args.host}]"
    url = f"http://{host}:{server.server_port}{args.path}"
    print(json.dumps({"url": url, "debounce": args.debounce}), flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
        debouncer.close(timeout=args.command_timeout)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
