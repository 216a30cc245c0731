"""Helpers for target-xero's tests: configs for the sandbox, Singer input, in-process runs."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from target_xero.target import TargetXero
from xero_sandbox.testing import SandboxProcess

SCHEMAS = Path(__file__).resolve().parents[2] / "tap_xero" / "schemas"
# Retries fast enough for tests: the sandbox's faults ask for Retry-After 1 at most.
FAST = {"backoff_factor": 0.01, "max_retries": 3, "request_timeout": 5}
OPEN_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": True}


def target_config(sandbox: Any, tmp_path: Path, index: int = 0, **overrides: Any
                  ) -> dict[str, Any]:
    """Client credentials of one organisation, rejects into tmp_path."""
    return {**sandbox.orgs[index]["settings"], **FAST,
            "rejects_path": str(tmp_path / "rejects.jsonl"), **overrides}


def schema_for(stream: str) -> dict[str, Any]:
    """The tap's schema for a stream (what `tap-xero | target-xero` sends)."""
    path = SCHEMAS / f"{stream}.json"
    if path.exists():
        return json.loads(path.read_text())
    return OPEN_SCHEMA


def schema_msg(stream: str, schema: dict[str, Any] | None = None,
               key_properties: list[str] | None = None) -> dict[str, Any]:
    return {"type": "SCHEMA", "stream": stream, "schema": schema or schema_for(stream),
            "key_properties": key_properties or []}


def record_msg(stream: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"type": "RECORD", "stream": stream, "record": record}


def state_msg(value: dict[str, Any]) -> dict[str, Any]:
    return {"type": "STATE", "value": value}


def singer_lines(messages: Iterable[dict[str, Any] | str]) -> str:
    def line(m: dict[str, Any] | str) -> str:
        return m if isinstance(m, str) else json.dumps(m, default=_default)
    return "".join(line(m) + "\n" for m in messages)


def stream_input(stream: str, records: Iterable[dict[str, Any]],
                 schema: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [schema_msg(stream, schema), *(record_msg(stream, r) for r in records)]


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(type(value))


@dataclass
class Result:
    """What one in-process target run did."""

    stdout: list[str]
    rejects: list[dict[str, Any]]
    summary: dict[str, dict[str, int]]
    error: BaseException | None = None
    target: TargetXero | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    @property
    def states(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout if line.strip()]

    def count(self, stream: str, action: str) -> int:
        return self.summary.get(stream, {}).get(action, 0)


def run_target(config: dict[str, Any], messages: Iterable[dict[str, Any] | str], *,
               expect_exit: bool = False) -> Result:
    """Run the target in-process on the given messages; parse stdout and the rejects file."""
    text = singer_lines(messages)
    out = io.StringIO()
    target = TargetXero(config=config, parse_env_config=False)
    error: BaseException | None = None
    with contextlib.redirect_stdout(out):
        try:
            target.listen(file_input=io.StringIO(text))
        except SystemExit as exc:
            if not expect_exit:
                raise
            error = exc
    rejects_path = Path(config["rejects_path"])
    rejects = [json.loads(line) for line in rejects_path.read_text().splitlines()
               ] if rejects_path.exists() else []
    return Result(out.getvalue().splitlines(), rejects, target.tally.as_dict(), error, target)


def held(sandbox: Any, index: int, stream: str) -> list[dict[str, Any]]:
    """What an organisation holds now (admin read: no rate limit spent, not logged)."""
    return sandbox.records(sandbox.orgs[index]["tenant_id"], stream)


def by(records: Iterable[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {str(r.get(key)): r for r in records if r.get(key) is not None}


def api_calls(sandbox: Any, *, method: str | None = None, contains: str = ""
              ) -> list[dict[str, Any]]:
    """Logged API calls (not token / admin), optionally filtered."""
    out = []
    for r in sandbox.requests():
        path = r.get("path", "")
        if "/api.xro/" not in path:
            continue
        if method and r.get("method") != method:
            continue
        if contains and contains not in path:
            continue
        out.append(r)
    return out


@pytest.fixture(scope="session")
def payroll_sandbox() -> Iterator[SandboxProcess]:
    """A sandbox with the three demo organisations (NZ, UK, AU: one per payroll region)."""
    with SandboxProcess(size=20, orgs=3) as running:
        yield running


@pytest.fixture
def clean_payroll(payroll_sandbox: SandboxProcess) -> SandboxProcess:
    """The three-organisation sandbox re-seeded, with an empty log and no faults."""
    payroll_sandbox.clean()
    return payroll_sandbox
