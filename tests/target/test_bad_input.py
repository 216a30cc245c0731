"""Malformed input never ends in a traceback: each bad line or record is a reject with a reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.target.conftest import (
    by,
    held,
    record_msg,
    run_target,
    schema_msg,
    singer_lines,
    state_msg,
    target_config,
)

STRICT = {"type": "object", "additionalProperties": True, "properties": {
    "Name": {"type": "string"}, "EmailAddress": {"type": ["string", "null"]},
    "IsSupplier": {"type": ["boolean", "null"]}}}


def _bad_input() -> list:
    return [
        schema_msg("contacts", STRICT),
        record_msg("contacts", {"Name": "Good Input Ltd"}),
        '{"type": "RECORD", "stream": "contacts", "record": {"Name": "broken"',  # bad JSON
        record_msg("widgets", {"Name": "x"}),  # no SCHEMA, unknown stream
        record_msg("contacts", {"Name": 42}),  # breaks the schema
        '{"type": "RECORD", "record": {}}',  # no stream
        '{"type": "NONSENSE"}',
        record_msg("contacts", {"Name": "x" * 300, "EmailAddress": "not-an-email"}),
        state_msg({"done": True}),
    ]


def test_bad_lines_and_records_go_to_rejects(clean_sandbox, tmp_path) -> None:
    res = run_target(target_config(clean_sandbox, tmp_path), _bad_input())
    assert "Good Input Ltd" in by(held(clean_sandbox, 0, "contacts"), "Name")
    reasons = {r["line"]: (r["stream"], " ".join(r["reasons"])) for r in res.rejects}
    assert "not valid JSON" in reasons[3][1]
    assert reasons[4][0] == "widgets" and "unknown stream 'widgets'" in reasons[4][1]
    assert reasons[5][0] == "contacts" and "Name: 42 is not of type 'string'" in reasons[5][1]
    assert "stream" in reasons[6][1]
    assert "NONSENSE" in reasons[7][1]
    assert 8 in reasons  # Xero's own validation of the over-long name
    assert res.states == [{"done": True}]


def _cli(config: dict, text: str, tmp_path: Path) -> subprocess.CompletedProcess:
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(config))
    return subprocess.run([sys.executable, "-m", "target_xero.target", "--config", str(cfg)],
                          input=text, capture_output=True, text=True, timeout=120)


def test_cli_exit_code_follows_fail_on_reject(clean_sandbox, tmp_path) -> None:
    text = singer_lines(_bad_input())
    ok = _cli(target_config(clean_sandbox, tmp_path), text, tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "Traceback" not in ok.stderr
    assert "target-xero summary" in ok.stderr and "rejected" in ok.stderr
    assert json.loads(ok.stdout.strip().splitlines()[-1]) == {"done": True}
    failing = _cli(target_config(clean_sandbox, tmp_path, fail_on_reject=True), text, tmp_path)
    assert failing.returncode != 0
    assert "Traceback" not in failing.stderr
    assert "rejected (fail_on_reject)" in failing.stderr


def test_fatal_config_error_is_one_clear_line(sandbox, tmp_path) -> None:
    cfg = target_config(sandbox, tmp_path, tenant_id="00000000-0000-0000-0000-000000000000")
    text = singer_lines([schema_msg("contacts", STRICT), record_msg("contacts", {"Name": "A"})])
    proc = _cli(cfg, text, tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "not among this token's connections" in proc.stderr
    assert sandbox.orgs[0]["settings"]["client_secret"] not in proc.stderr
