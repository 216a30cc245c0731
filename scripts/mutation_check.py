"""Break listed lines of the core modules one at a time and check that a test notices.

    python scripts/mutation_check.py            # every mutation (several minutes)
    python scripts/mutation_check.py --list     # what would be broken
    python scripts/mutation_check.py --only 3,7

Each mutation replaces one exact snippet of a source file, runs the tests named for it
(`pytest -x -q`), and restores the file (also on Ctrl-C). A mutation is *killed* when the
tests fail, *survived* when they pass; the score is killed / all. Not run by CI: it is slow,
and it rewrites files of this checkout while it runs (run it on a clean tree).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutation:
    what: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]


def _m(what: str, path: str, old: str, new: str, *tests: str) -> Mutation:
    return Mutation(what, path, old, new, tests)


SK = "tests/target/test_source_keys.py"
ID = "tests/target/test_identity.py"
RULES = "tests/target/test_action_rules.py"
UNTRUSTED = "tests/proof/test_untrusted_records.py"
SEQ = "tests/proof/test_source_key_sequences.py"

MUTATIONS: tuple[Mutation, ...] = (
    _m("source tokens: no lookup by token", "target_xero/references.py",
       "                    self._lookup(idx, [], [], where_terms(name, chunk))\n",
       "                    pass\n", SK),
    _m("source tokens: a found token is ignored", "target_xero/keyed.py",
       "            if mine:\n                return mine[0], None",
       "            if False:\n                return mine[0], None", SK),
    _m("never merge: another key's token is not checked", "target_xero/keyed.py",
       "            if other and other != w.key.token:", "            if False:", SK),
    _m("identity cache: content not compared", "target_xero/keyed.py",
       "hit[1] == w.fingerprint", "True", SK),
    _m("unchanged keyed records are written anyway", "target_xero/record_sink.py",
       "and w.decision.action is Action.UPDATE and covers(w.existing, w.payload)):",
       "and w.decision.action is Action.UPDATE and False):", SK),
    _m("covers: decimal strings differ from numbers", "target_xero/actions.py",
       "isinstance(new, str) and isinstance(old, numbers)):", "False):", RULES),
    _m("idempotency key: no starting state", "target_xero/sink_base.py",
       '+ (f":{fingerprint(w.existing)}" if w.existing else "")', '+ ""', SEQ),
    _m("token escaping: ':' kept in stream names", "target_xero/identity.py",
       '_SAFE_STREAM = _SAFE.replace(":", "")', "_SAFE_STREAM = _SAFE", ID),
    _m("untrusted: FilePath without attachments_dir", "target_xero/attachment_files.py",
       "    if not attachments_dir:\n        return (",
       "    if not attachments_dir:\n        attachments_dir = '/'\n"
       "    if False:\n        return (",
       UNTRUSTED),
    _m("untrusted: path outside the folder", "target_xero/attachment_files.py",
       "    if os.path.commonpath([base, target]) != base or target == base:",
       "    if False:", UNTRUSTED),
    _m("untrusted: a record's _email counts", "target_xero/record_calls.py",
       'bool(config.get("allow_record_email")) and w.raw.get("_email") is True)',
       'w.raw.get("_email") is True)', UNTRUSTED),
    _m("untrusted: MimeType not checked", "target_xero/attachment_files.py",
       "if not isinstance(mime, str) or not _MIME.match(mime):",
       "if not isinstance(mime, str):", UNTRUSTED),
    _m("URL ids not checked", "target_xero/write_checks.py",
       "    if rest and not is_guid(segment):", "    if False:", RULES),
    _m("answers checked against records (_mismatch)", "target_xero/write_checks.py",
       '    """Why Xero\'s element is not the answer for this record (None when it is)."""\n',
       '    """Why Xero\'s element is not the answer for this record (None when it is)."""\n'
       "    return None\n", "tests/target"),
    _m("Idempotency-Key not sent", "target_xero/sink_base.py",
       "params=params, headers=headers, idempotency_key=key)",
       "params=params, headers=headers, idempotency_key=None)",
       "tests/target/test_each_mechanism_alone.py"),
    _m("core: Retry-After not clamped", "xero_core/retry.py",
       "MAX_RETRY_AFTER = 3600.0", "MAX_RETRY_AFTER = 1e12", "tests/core"),
    _m("core: redirects followed by API calls", "xero_core/http.py",
       "allow_redirects=False)", "allow_redirects=True)", "tests/core"),
    _m("core: JSON depth not checked", "xero_core/jsonutil.py",
       "def check_depth(text: str | bytes) -> None:\n",
       "def check_depth(text: str | bytes) -> None:\n    return\n", "tests/core"),
    _m("protocol: pageCount ignored", "xero_core/protocol.py",
       "    if isinstance(page_count, int) and not isinstance(page_count, bool):",
       "    if False:", "tests/tap"),
    _m("tap: client-side bookmark floor off", "tap_xero/client.py",
       "    def _client_floor(self) -> datetime | None:\n",
       "    def _client_floor(self) -> datetime | None:\n        return None\n", "tests/tap"),
    _m("tap: bookmark kept before a stop is a no-op", "tap_xero/tenant.py",
       '        """The partition stops at `record`: its bookmark must not pass it."""\n',
       '        """The partition stops at `record`: its bookmark must not pass it."""\n'
       "        return\n", "tests/tap"),
)


def run(m: Mutation, timeout: float) -> tuple[bool, float]:
    """Apply `m`, run its tests, restore. True when a test failed (killed)."""
    path = REPO / m.path
    original = path.read_text()
    if original.count(m.old) != 1:
        raise SystemExit(f"{m.what}: the snippet is not found exactly once in {m.path}")
    began = time.perf_counter()
    try:
        path.write_text(original.replace(m.old, m.new))
        done = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p",
                               "no:cacheprovider", "-n", "2", *m.tests], cwd=REPO,
                              capture_output=True, text=True, timeout=timeout, check=False)
        killed = done.returncode != 0
    except subprocess.TimeoutExpired:
        killed = True  # a hang is noticed too
    finally:
        path.write_text(original)
    return killed, time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--only", help="comma-separated numbers (1-based)")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    chosen = list(enumerate(MUTATIONS, start=1))
    if args.only:
        wanted = {int(x) for x in args.only.split(",")}
        chosen = [(i, m) for i, m in chosen if i in wanted]
    if args.list:
        for i, m in chosen:
            print(f"{i:2d}. {m.what} ({m.path}; tests: {' '.join(m.tests)})")
        return 0
    killed = 0
    for i, m in chosen:
        ok, seconds = run(m, args.timeout)
        killed += ok
        print(f"{i:2d}. {'killed  ' if ok else 'SURVIVED'} {m.what} ({seconds:.0f} s)", flush=True)
    print(f"score: {killed}/{len(chosen)} killed")
    return 0 if killed == len(chosen) else 1


if __name__ == "__main__":
    sys.exit(main())
