"""`xero-webhooks serve`: Xero's webhook endpoint that runs a sync command per changed tenant.

    export XERO_WEBHOOK_KEY=...   # or --key-file /run/secrets/xero-webhook-key
    xero-webhooks serve --port 8080 \\
        --command 'meltano run --state-id-suffix "$XERO_TENANT_ID" tap-xero target-jsonl'

The signing key comes from $XERO_WEBHOOK_KEY or --key-file, never from the command line (where
`ps` shows it), and the sync command does not inherit it. Served by waitress (a production WSGI
server) with bodies of at most --max-body bytes and idle connections closed after --timeout.
Prints one JSON line on stdout ({"url": ...}) once it listens, then serves until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import NoReturn

from waitress.server import create_server

from xero_webhooks.command import CommandRunner
from xero_webhooks.debounce import Debouncer
from xero_webhooks.receiver import MAX_BODY, create_app

KEY_ENV = "XERO_WEBHOOK_KEY"
#: Seconds a connection may stay idle (a slow or silent client) before it is closed.
CHANNEL_TIMEOUT = 10.0

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xero-webhooks", description=__doc__.splitlines()[0],
                                     allow_abbrev=False)
    sub = parser.add_subparsers(dest="command", required=True)
    # allow_abbrev=False: `--key` must not be taken as an abbreviation of --key-file.
    serve = sub.add_parser("serve", help="serve the webhook endpoint", allow_abbrev=False)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    serve.add_argument("--path", default="/", help="URL path Xero posts to (default /)")
    serve.add_argument("--key-file", default=None,
                       help=f"file holding the webhook signing key (default: ${KEY_ENV})")
    # Refused with a message (a key on the command line shows in `ps`).
    serve.add_argument("--key", nargs="?", const="", default=None, help=argparse.SUPPRESS)
    serve.add_argument("--command", dest="sync_command", required=True,
                       help="shell command to run per tenant; gets XERO_TENANT_ID and "
                            "XERO_STREAMS (comma-separated) in its environment: quote them, "
                            "e.g. \"$XERO_TENANT_ID\"")
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
    serve.add_argument("--max-body", type=int, default=MAX_BODY,
                       help=f"largest request body in bytes, larger gets 413 (default {MAX_BODY})")
    serve.add_argument("--timeout", type=float, default=CHANNEL_TIMEOUT,
                       help="seconds a connection may stay idle before it is closed "
                            f"(default {CHANNEL_TIMEOUT:g})")
    serve.add_argument("--threads", type=int, default=4, help="request threads (default 4)")
    return parser


def read_key(args: argparse.Namespace) -> str | None:
    """The signing key: the --key-file's content (stripped), else $XERO_WEBHOOK_KEY."""
    if args.key_file:
        return Path(args.key_file).read_text(encoding="utf-8").strip() or None
    return os.environ.get(KEY_ENV) or None


def _stop(signum: int, frame: FrameType | None) -> NoReturn:
    raise SystemExit(0)  # waitress's loop ends on SystemExit and shuts its threads down


def serve(args: argparse.Namespace) -> int:
    if args.key is not None:
        print(f"xero-webhooks: --key is not accepted (a key on the command line shows in ps): "
              f"set {KEY_ENV} or give --key-file", file=sys.stderr)
        return 2
    try:
        key = read_key(args)
    except OSError as exc:
        print(f"xero-webhooks: cannot read --key-file: {exc.strerror}", file=sys.stderr)
        return 2
    if not key:
        print(f"xero-webhooks: set {KEY_ENV} or give --key-file", file=sys.stderr)
        return 2
    os.environ.pop(KEY_ENV, None)  # nothing started from here inherits it
    runner = CommandRunner(args.sync_command, cwd=args.cwd, timeout=args.command_timeout)
    debouncer = Debouncer(runner, delay=args.debounce, max_wait=args.max_wait,
                          retry_delay=args.retry_delay, retry_max=args.retry_max)
    app = create_app(key, debouncer.add, args.path, debouncer.status, max_body=args.max_body)
    server = create_server(
        app, host=args.host, port=args.port, threads=args.threads,
        channel_timeout=args.timeout, cleanup_interval=max(min(args.timeout / 2, 30.0), 0.1),
        # waitress refuses bodies of max_request_body_size bytes or more; the app checks too.
        max_request_body_size=args.max_body + 1, max_request_header_size=64 * 1024,
        connection_limit=100, ident="xero-webhooks", expose_tracebacks=False)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    port = getattr(server, "effective_port", args.port)
    host = args.host if ":" not in args.host else f"[{args.host}]"
    url = f"http://{host}:{port}{args.path}"
    print(json.dumps({"url": url, "debounce": args.debounce}), flush=True)
    try:
        server.run()
    finally:
        server.close()
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
