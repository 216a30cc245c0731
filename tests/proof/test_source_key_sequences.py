"""Source keys over sequences of runs: one Xero record per source key, holding the last content.

Each example is 2-5 target runs over a pool of six source records (order ids o0..o5) of a
fresh stream mapped to bank transactions, keyed by `order_id` (the SCHEMA's key_properties).
Runs repeat an id (two contents of one key in one run), reorder, split keys across runs, change
the amount or description (drawn from a few values, so two ids often share identical content)
and some are killed after their k-th write call was answered by Xero: Xero has committed that
call, the target dies with it and sends nothing more (XeroClient.send raises a BaseException,
as a kill would end the process).

After every run the sandbox holds at most one bank transaction per source key, with content the
runs so far allow (exactly the run's last content of each key after a run that finished; any
content sent so far, or nothing, after a killed one). A final clean run re-sends the last
content of every key; then every key has exactly one bank transaction holding that content,
and two keys with identical content are two bank transactions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.target.conftest import held, record_msg, run_target, schema_msg, target_config
from xero_core.http import XeroClient

POOL = [f"o{i}" for i in range(6)]
AMOUNTS = ["10.50", "20.00", "99.99"]
DESCRIPTIONS = ["alpha", "beta"]
EXAMPLES = 60
RESOURCE = "bank_transactions"
OPEN_SCHEMA: dict[str, Any] = {"type": "object", "properties": {},
                               "additionalProperties": True}

Content = tuple[str, str]  # (UnitAmount, Description)
Sent = tuple[str, Content]  # (order_id, content)


class Killed(BaseException):
    """The target process died (kill -9): nothing after this point runs or is sent."""


@dataclass(frozen=True)
class Run:
    records: tuple[Sent, ...]
    kill_after: int | None  # die once this many write calls were answered (None: run to end)


@dataclass(frozen=True)
class RunSequence:
    runs: tuple[Run, ...]
    batch_size: int
    final_order: tuple[str, ...]  # the keys, in the order the final clean run sends them

    def last_content(self) -> dict[str, Content]:
        last: dict[str, Content] = {}
        for run in self.runs:
            for oid, content in run.records:
                last[oid] = content
        return last


# The same input twice: each run sends o0 as A then as B (Xero must end holding B).
SAME_INPUT_TWICE = RunSequence(
    runs=(Run((("o0", ("10.50", "alpha")), ("o0", ("10.50", "beta"))), None),) * 2,
    batch_size=1, final_order=("o0",))
# A killed run between two clean ones; o1 and o2 carry identical content.
KILLED_BETWEEN = RunSequence(
    runs=(Run((("o1", ("20.00", "alpha")), ("o2", ("20.00", "alpha"))), None),
          Run((("o2", ("99.99", "beta")), ("o3", ("20.00", "alpha")), ("o1", ("10.50", "beta"))),
              1),
          Run((("o3", ("20.00", "alpha")), ("o1", ("20.00", "alpha"))), None)),
    batch_size=1, final_order=("o3", "o1", "o2"))

SENT = st.tuples(st.sampled_from(POOL), st.tuples(st.sampled_from(AMOUNTS),
                                                  st.sampled_from(DESCRIPTIONS)))


@st.composite
def sequences(draw: Any) -> RunSequence:
    runs = tuple(
        Run(tuple(draw(st.lists(SENT, min_size=1, max_size=8))),
            draw(st.one_of(st.none(), st.integers(min_value=1, max_value=4))))
        for _ in range(draw(st.integers(min_value=2, max_value=5))))
    keys = sorted({oid for run in runs for oid, _ in run.records})
    return RunSequence(runs, draw(st.sampled_from([1, 2, 3, 50])),
                       tuple(draw(st.permutations(keys))))


def _record(oid: str, content: Content, bank_code: str) -> dict[str, Any]:
    amount, description = content
    return {"order_id": oid, "Type": "RECEIVE", "Contact": {"Name": "Buyer"},
            "BankAccount": {"Code": bank_code}, "Date": "2026-02-01",
            "LineItems": [{"Description": description, "Quantity": 1,
                           "UnitAmount": float(amount), "AccountCode": "200"}]}


@contextmanager
def _killed_after(writes: int | None) -> Iterator[dict[str, int]]:
    """Patch XeroClient.send: once `writes` PUT/POST calls were answered, die (and stay dead)."""
    seen = {"writes": 0, "killed": 0}
    if writes is None:
        yield seen
        return
    real_send: Callable[..., requests.Response] = XeroClient.send

    def send(client: XeroClient, prepared: requests.PreparedRequest, *,
             tenant_id: str | None) -> requests.Response:
        if seen["killed"]:
            raise Killed("the target is dead: nothing more is sent")
        resp = real_send(client, prepared, tenant_id=tenant_id)
        if prepared.method in ("PUT", "POST") and "/api.xro/" in (prepared.url or ""):
            seen["writes"] += 1
            if seen["writes"] >= writes:
                seen["killed"] = 1
                raise Killed(f"killed after write call {seen['writes']} was answered")
        return resp

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(XeroClient, "send", send)
        yield seen


def _content_of(record: dict[str, Any]) -> Content | str:
    """(amount, description) of a bank transaction, or a description of why it has neither."""
    lines = record.get("LineItems") or []
    if len(lines) != 1:
        return f"{len(lines)} line items"
    line = lines[0]
    return (f"{Decimal(str(line.get('UnitAmount'))):.2f}", str(line.get("Description")))


def _holding(sandbox: Any, stream: str) -> dict[str, list[dict[str, Any]]]:
    """The bank transactions carrying each source key's token (any token of this stream)."""
    out: dict[str, list[dict[str, Any]]] = {}
    prefix = f"[{stream}:"
    for rec in held(sandbox, 0, RESOURCE):
        ref = str(rec.get("Reference") or "")
        if ref.startswith(prefix) and "]" in ref:
            out.setdefault(ref[len(prefix):ref.index("]")], []).append(rec)
    return out


def _describe(records: list[dict[str, Any]]) -> list[Any]:
    return [(r.get("BankTransactionID"), r.get("Reference"), r.get("Status"), _content_of(r))
            for r in records]


def test_source_keys_over_runs_with_repeats_changes_and_kills(
        clean_sandbox: Any, tmp_path: Path) -> None:
    sandbox = clean_sandbox
    sandbox.set_limits(False)
    bank_code = next(str(a["Code"]) for a in held(sandbox, 0, "accounts")
                     if a.get("Type") == "BANK" and a.get("Status") == "ACTIVE" and a.get("Code"))
    seen = {"examples": 0, "runs": 0, "killed": 0, "twins": 0, "repeats": 0}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(sequences())
    @example(KILLED_BETWEEN)
    @example(SAME_INPUT_TWICE)
    def check(seq: RunSequence) -> None:
        n = seen["examples"]
        seen["examples"] += 1
        stream = f"payouts_{n}"
        # What Xero may hold for each key: None (nothing) or a content.
        possible: dict[str, set[Content | None]] = {oid: {None} for oid in POOL}

        def run(i: int, records: tuple[Sent, ...], kill_after: int | None) -> bool:
            config = target_config(sandbox, tmp_path, rejects_path=str(tmp_path / f"r{n}-{i}"),
                                   stream_endpoints={stream: RESOURCE},
                                   batch_size=seq.batch_size)
            messages = [schema_msg(stream, OPEN_SCHEMA, ["order_id"]),
                        *(record_msg(stream, _record(oid, c, bank_code)) for oid, c in records)]
            with _killed_after(kill_after) as hits:
                try:
                    res = run_target(config, messages)
                except Killed:
                    res = None
            seen["runs"] += 1
            if res is not None:
                assert res.rejects == [], (i, res.rejects)
            return bool(hits["killed"])

        def check_holding(after: str) -> dict[str, list[dict[str, Any]]]:
            holding = _holding(sandbox, stream)
            assert set(holding) <= set(POOL), (after, sorted(holding))
            for oid, recs in holding.items():
                assert len(recs) == 1, (after, oid, _describe(recs))
                assert recs[0].get("Reference") == f"[{stream}:{oid}]", (after, _describe(recs))
            for oid in POOL:
                got = _content_of(holding[oid][0]) if oid in holding else None
                assert got in possible[oid], (after, oid, got, possible[oid])
            return holding

        for i, r in enumerate(seq.runs):
            killed = run(i, r.records, r.kill_after)
            oids = [oid for oid, _ in r.records]
            seen["repeats"] += len(oids) != len(set(oids))
            if killed:
                seen["killed"] += 1
                for oid, content in r.records:  # any of them may or may not have reached Xero
                    possible[oid].add(content)
            else:
                last = dict(r.records)
                for oid, content in last.items():
                    possible[oid] = {content}
            check_holding(f"after run {i}{' (killed)' if killed else ''}")

        last = seq.last_content()
        final = tuple((oid, last[oid]) for oid in seq.final_order)
        assert not run(len(seq.runs), final, None)
        for oid, content in final:
            possible[oid] = {content}
        holding = check_holding("after the final clean run")
        assert set(holding) == set(last), (sorted(holding), sorted(last))
        ids = {oid: holding[oid][0]["BankTransactionID"] for oid in last}
        assert len(set(ids.values())) == len(ids), ids
        for a in last:
            for b in last:
                if a < b and last[a] == last[b]:
                    seen["twins"] += 1  # identical content, two source keys: two records
                    assert ids[a] != ids[b], (a, b, ids)

    try:
        check()
    finally:
        sandbox.set_limits(True)
    assert seen["examples"] >= EXAMPLES, seen
    assert seen["killed"] >= 5 and seen["twins"] >= 5 and seen["repeats"] >= 5, seen
