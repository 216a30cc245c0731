"""Hostile input, generated: Singer lines to the target and settings to both connectors.

Target: each example is one in-process run (against the sandbox) over a dozen generated lines
(malformed JSON, wrong types, huge strings, unknown streams, missing keys, broken Singer
messages, unicode edge cases, amounts with many decimals) between good ones. Every line that
carries a record ends written (in the sandbox exactly once) or in the rejects file with its
line number and a reason; nothing reaches stderr as a traceback.
Settings: the SDK's config validation rejects every malformed config with a message naming
the setting; a handful run through the CLI, which exits non-zero without a traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import simplejson
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from singer_sdk.exceptions import ConfigValidationError

from tap_xero.tap import TapXero
from target_xero.target import TargetXero
from tests.proof.conftest import TAP_CLI, target_cli
from tests.tap.conftest import catalog_for
from tests.target.conftest import held, schema_msg, target_config
from xero_core.errors import ConfigError
from xero_core.http import XeroClient

EDGE_TEXT = st.sampled_from([
    "", " ", "\u0000", "\u200b\u200d", "\u202eevil", "\ud83d\ude00 emoji \U0001f9fe", "e\u0301",
    "\ufeffbom", "\u2028line\u2029sep", "'; DROP TABLE invoices; --", "<script>x</script>",
    "\\", '"', "\t", "\u03a9\u2248\u00e7", "\u65e5\u672c\u8a9e", "\U0001d518\U0001d52b\U0001d526",
])
TEXT = st.one_of(EDGE_TEXT, st.text(st.characters(blacklist_characters="\n\r"), max_size=40))
AMOUNT = st.one_of(
    st.decimals(min_value=Decimal("-10000"), max_value=Decimal("1000000"), places=2,
                allow_nan=False, allow_infinity=False),
    st.decimals(min_value=Decimal("-10"), max_value=Decimal("100000"), places=9,
                allow_nan=False, allow_infinity=False),
)
WRONG = st.one_of(st.integers(), st.booleans(), st.none(), st.lists(st.integers(), max_size=2),
                  st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), TEXT,
                  st.floats(allow_nan=True, allow_infinity=True))
HOSTILE_EXAMPLES = 50
INVOICE_FIELDS = ["Type", "Contact", "Date", "DueDate", "Status", "LineItems", "Reference",
                  "CurrencyCode", "LineAmountTypes", "Total"]


def _dump(value: Any) -> str:
    """JSON with Decimals written exactly (NaN / Infinity floats too: they are hostile)."""
    return str(simplejson.dumps(value, use_decimal=True, allow_nan=True))


@st.composite
def invoice(draw: Any, number: str, contacts: list[str]) -> dict[str, Any]:
    lines = draw(st.lists(st.fixed_dictionaries({
        "Description": TEXT.filter(bool) | st.just("Work"), "Quantity": AMOUNT,
        "UnitAmount": AMOUNT, "AccountCode": st.sampled_from(["200", "400", "999"])}),
        min_size=1, max_size=3))
    return {"Type": draw(st.sampled_from(["ACCREC", "ACCPAY"])), "InvoiceNumber": number,
            "Contact": {"Name": draw(st.sampled_from(contacts))}, "Date": "2026-02-01",
            "DueDate": "2026-03-01", "Status": draw(st.sampled_from(["DRAFT", "AUTHORISED"])),
            "Reference": draw(TEXT), "LineItems": lines}


@st.composite
def hostile_line(draw: Any, number: str, contacts: list[str]) -> tuple[str, str | None, bool]:
    """(line text, InvoiceNumber it carries, whether it carries a record to account for)."""
    kind = draw(st.sampled_from(["good", "good", "wrong_type", "huge", "unknown_stream",
                                 "missing_key", "broken_singer", "malformed", "truncated",
                                 "state", "bad_schema"]))
    record = draw(invoice(number, contacts))
    if kind == "good":
        return _dump({"type": "RECORD", "stream": "invoices", "record": record}), number, True
    if kind == "wrong_type":
        record[draw(st.sampled_from(INVOICE_FIELDS))] = draw(WRONG)
        items = record["LineItems"]
        if draw(st.booleans()) and isinstance(items, list) and items \
                and isinstance(items[0], dict):
            items[0][draw(st.sampled_from(["Quantity", "UnitAmount", "Description"]))] = \
                draw(WRONG)
        return _dump({"type": "RECORD", "stream": "invoices", "record": record}), number, True
    if kind == "huge":
        field = draw(st.sampled_from(["Reference", "Description"]))
        blob = draw(st.sampled_from(["x", "\U0001f9fe", "é"])) * draw(
            st.sampled_from([5000, 100_000, 1_000_000]))
        if field == "Reference":
            record["Reference"] = blob
        else:
            record["LineItems"][0]["Description"] = blob
        return _dump({"type": "RECORD", "stream": "invoices", "record": record}), number, True
    if kind == "unknown_stream":
        stream = "zz_" + draw(TEXT)
        return _dump({"type": "RECORD", "stream": stream, "record": record}), None, True
    if kind == "missing_key":
        msg = draw(st.sampled_from([
            {"type": "RECORD", "stream": "invoices"}, {"type": "RECORD", "record": record},
            {"stream": "invoices", "record": record}, {}]))
        return _dump(msg), None, True
    if kind == "broken_singer":
        msg = draw(st.sampled_from([
            {"type": 5}, {"type": "NOPE", "stream": "invoices"}, {"type": None},
            {"type": "RECORD", "stream": "invoices", "record": [1, 2]},
            {"type": "RECORD", "stream": "invoices", "record": "a string"},
            {"type": "RECORD", "stream": 7, "record": record},
            {"type": "RECORD", "stream": ["invoices"], "record": record},
            {"type": "record", "stream": "invoices", "record": record}, [1, 2], None, 42,
            "RECORD"]))
        return _dump(msg), None, True
    if kind == "malformed":
        text = draw(TEXT.filter(lambda t: bool(t.strip()) and not _is_message(t)))
        return text, None, True
    if kind == "truncated":
        full = _dump({"type": "RECORD", "stream": "invoices", "record": record})
        cut = draw(st.integers(min_value=1, max_value=len(full) - 1))
        return full[:cut], None, True
    if kind == "state":
        return _dump({"type": "STATE", "value": {"n": draw(st.integers())}}), None, False
    bad_schema = draw(st.sampled_from([
        {"type": "SCHEMA", "stream": "zz_other"},
        {"type": "SCHEMA", "stream": "zz_other", "schema": "not a schema",
         "key_properties": []},
        {"type": "SCHEMA", "stream": "zz_other", "schema": {"type": "object"},
         "key_properties": "Id"}]))
    return _dump(bad_schema), None, False


def _is_message(text: str) -> bool:
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, dict) and value.get("type") in ("SCHEMA", "STATE", "RECORD")


@dataclass
class TargetRun:
    target: TargetXero
    rejects: list[dict[str, Any]]


def _run_target(config: dict[str, Any], text: str) -> TargetRun:
    """In-process run; the rejects file is JSONL split on "\\n" only (a reason may quote a
    U+2028 that str.splitlines would split on)."""
    target = TargetXero(config=config, parse_env_config=False)
    with contextlib.redirect_stdout(io.StringIO()):
        target.listen(file_input=io.StringIO(text))
    path = Path(config["rejects_path"])
    lines = path.read_text(encoding="utf-8").split("\n") if path.exists() else []
    return TargetRun(target, [json.loads(line) for line in lines if line])


def test_target_accounts_for_every_hostile_line(
        sandbox: Any, tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    sandbox.clean()
    sandbox.set_limits(False)
    contacts = [c["Name"] for c in held(sandbox, 0, "contacts")[:4]]
    seen = {"examples": 0, "lines": 0, "written": 0, "rejected": 0}

    @settings(max_examples=HOSTILE_EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data: Any) -> None:
        n = seen["examples"]
        seen["examples"] += 1
        size = data.draw(st.integers(min_value=24, max_value=30))
        lines = [data.draw(hostile_line(f"HX{n}-{i}", contacts)) for i in range(size)]
        rejects_path = tmp_path / f"rejects-{n}.jsonl"
        config = target_config(sandbox, tmp_path, rejects_path=str(rejects_path))
        head = json.dumps(schema_msg("invoices"))
        res = _run_target(config, "\n".join([head, *(text for text, _, _ in lines)]) + "\n")
        err = capfd.readouterr().err
        assert "Traceback" not in err, err[-3000:]
        rejected_lines = {r.get("line") for r in res.rejects}
        assert all(r["reasons"] and all(r["reasons"]) for r in res.rejects)
        assert len(res.rejects) == res.target.tally.rejected
        held_numbers = Counter(str(i.get("InvoiceNumber")) for i in held(sandbox, 0, "invoices")
                               if str(i.get("InvoiceNumber", "")).startswith(f"HX{n}-"))
        assert all(c == 1 for c in held_numbers.values()), held_numbers  # nothing twice
        for index, (text, number, accountable) in enumerate(lines, start=2):
            if not accountable:
                continue
            seen["lines"] += 1
            written = number is not None and held_numbers.get(number) == 1
            assert written or index in rejected_lines, (index, text[:300], res.rejects[-3:])
            seen["written" if written else "rejected"] += 1
        created = sum(v.get("created", 0) for v in res.target.tally.as_dict().values())
        assert created == sum(held_numbers.values())

    try:
        check()
    finally:
        sandbox.set_limits(True)
    assert seen["lines"] >= 1000, seen
    assert seen["written"] > 50 and seen["rejected"] > 500, seen


# --- settings --------------------------------------------------------------------------------

SETTING_VALUES = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**6,
                           max_value=10**6), st.floats(allow_nan=False), TEXT,
                           st.lists(TEXT, max_size=2), st.dictionaries(TEXT, TEXT, max_size=2))
URLS = st.sampled_from(["not a url", "ftp://x", "http://", "", "http://127.0.0.1:1",
                        "https://api.xero.com", "javascript:alert(1)"])
PLUGINS = {"tap": TapXero, "target": TargetXero}


@st.composite
def hostile_config(draw: Any, names: list[str]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if draw(st.booleans()):
        config["client_id"] = draw(st.one_of(TEXT, SETTING_VALUES))
    if draw(st.booleans()):
        config["client_secret"] = draw(st.one_of(TEXT, SETTING_VALUES))
    for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
        config[name] = draw(URLS if name.endswith("_url") else SETTING_VALUES)
    return config


@pytest.mark.parametrize("plugin", ["tap", "target"])
def test_config_validation_names_the_bad_setting(plugin: str) -> None:
    cls = PLUGINS[plugin]
    instance = cls(config={"client_id": "a", "client_secret": "b"}, parse_env_config=False)
    properties = cls.config_jsonschema["properties"]
    names = sorted(properties)
    counts = Counter[str]()

    @settings(max_examples=1000, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(hostile_config(names))
    def check(config: dict[str, Any]) -> None:
        instance._config = dict(config)
        try:
            instance._validate_config(raise_errors=True)
        except ConfigValidationError as exc:
            counts["rejected"] += 1
            assert exc.errors
            for key in ("client_id", "client_secret"):
                if not isinstance(config.get(key), str):
                    assert any(key in e for e in exc.errors), (key, exc.errors)
            for error in exc.errors:
                assert any(n in error for n in properties), error
                assert "in config[" in error or "is a required property" in error, error
            return
        counts["valid"] += 1
        assert isinstance(config["client_id"], str) and isinstance(config["client_secret"], str)
        try:  # what the connectors build first from the settings
            XeroClient.from_config(config)
        except ConfigError:
            counts["config-error"] += 1

    check()
    assert sum(counts.values()) - counts["config-error"] >= 600
    assert counts["rejected"] > 300 and counts["valid"] > 20, counts


CLI_CASES = [
    pytest.param({"client_id": "x"}, "client_secret", id="missing-secret"),
    pytest.param({"client_id": 5, "client_secret": "s"}, "client_id", id="id-not-a-string"),
    pytest.param({"client_id": "x", "client_secret": "s", "page_size": "big"}, "page_size",
                 id="page-size-text"),
    pytest.param({"client_id": "x", "client_secret": "s", "page_size": 5000}, "page_size",
                 id="page-size-too-large"),
    pytest.param({"client_id": "x", "client_secret": "s", "report_timeframe": "DAY"},
                 "report_timeframe", id="timeframe-not-allowed"),
]


@pytest.mark.parametrize(("config", "named"), CLI_CASES)
def test_cli_rejects_bad_config_without_traceback(
        tmp_path: Path, config: dict[str, Any], named: str) -> None:
    """`--discover` skips config validation (the SDK lets catalogs be made without
    credentials), so the CLI is checked on a sync: it must stop before any call."""
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    catalog = catalog_for({"client_id": "x", "client_secret": "s"}, ["currencies"])
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    out = subprocess.run([*TAP_CLI, "--config", str(path), "--catalog",
                          str(tmp_path / "catalog.json")], capture_output=True, text=True,
                         timeout=60, check=False)
    assert out.returncode != 0
    assert "Config validation failed" in out.stderr and named in out.stderr
    assert "Traceback" not in out.stderr
    assert out.stdout == ""


def test_tap_bad_api_url_is_a_clear_error(tmp_path: Path) -> None:
    config = {"client_id": "x", "client_secret": "s", "api_url": "not a url",
              "identity_url": "not a url", "max_retries": 0}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog_for(config, ["currencies"])))
    out = subprocess.run([*TAP_CLI, "--config", str(path), "--catalog",
                          str(tmp_path / "catalog.json")], capture_output=True, text=True,
                         timeout=60, check=False)
    assert out.returncode != 0 and "not a url" in out.stderr
    assert "Traceback" not in out.stderr


def test_target_bad_api_url_is_a_clear_error(sandbox: Any, tmp_path: Path) -> None:
    config = {"client_id": "x", "client_secret": "s", "api_url": "not a url",
              "identity_url": "not a url", "max_retries": 0,
              "rejects_path": str(tmp_path / "rejects.jsonl")}
    record = {"type": "RECORD", "stream": "contacts", "record": {"Name": "A"}}
    out = target_cli(tmp_path, config, "\n".join(
        [json.dumps(schema_msg("contacts")), json.dumps(record)]) + "\n")
    assert out.returncode != 0 and "not a url" in out.stderr
    assert "Traceback" not in out.stderr
