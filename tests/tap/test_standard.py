"""The singer-sdk's standard tap tests, run against the sandbox's first organisation."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from singer_sdk.testing import SuiteConfig, TapTestRunner, get_tap_test_class

from tap_xero.tap import TapXero
from tests.tap.conftest import SandboxTime, org_config
from xero_core.endpoints import ENDPOINTS

# The first organisation is the NZ one: the AU and UK payroll streams have no records there, as
# each tenant is read only for its own payroll region (tests/tap/test_payroll_streams.py).
OTHER_REGIONS = [ep.stream for ep in ENDPOINTS if ep.region not in (None, "NZ")]
# No other stream may come back empty: the seed gives every parent type with a History or
# Attachments endpoint some notes and files (xero_sandbox/backend/seed_history.py), so no
# test skips, except the allocations of pre/overpayments, which the sandbox never makes
# (tests/tap/test_line_streams.py gives its answers some and checks those rows).
SUITE = SuiteConfig(max_records_limit=None, ignore_no_records_for_streams=[
    "overpayment_allocations", "prepayment_allocations", *OTHER_REGIONS])
# The class is built at import, before the sandbox runs, so it only discovers streams with
# this placeholder; the `runner` fixture below syncs with the sandbox's real settings.
PLACEHOLDER = {"client_id": "x", "client_secret": "x", "include_history": True,
               "include_attachments": True}

_Standard = get_tap_test_class(TapXero, config=PLACEHOLDER, suite_config=SUITE,
                               parse_env_config=False)


@contextlib.contextmanager
def synced_runner(sandbox: Any) -> Iterator[TapTestRunner]:
    """The SDK's runner after a full sync of the re-seeded sandbox's first organisation."""
    sandbox.clean()
    # The SDK's runner builds its own taps: give them the sandbox clock at class level.
    TapXero.client_options = SandboxTime(sandbox).client_options()
    try:
        config = org_config(sandbox, 0, include_history=True, include_attachments=True)
        runner = TapTestRunner(TapXero, config=config, suite_config=SUITE,
                               parse_env_config=False)
        runner.sync_all()
        yield runner
    finally:
        TapXero.client_options = {}


class TestTapXeroStandard(_Standard):  # type: ignore[misc,valid-type]
    @pytest.fixture(scope="class")
    def runner(self, sandbox: Any) -> Iterator[TapTestRunner]:
        with synced_runner(sandbox) as runner:
            yield runner


UNSEEN = Path(__file__).with_name("unseen_fields.json")


def unseen_fields(runner: TapTestRunner) -> dict[str, list[str]]:
    """Per stream, the schema's fields no record of the sandbox's full sync carries."""
    out: dict[str, list[str]] = {}
    for message in runner.schema_messages:
        stream = message["stream"]
        seen = set().union(*(r.keys() for r in runner.records.get(stream, [])))
        missing = sorted(set(message["schema"].get("properties", {})) - seen)
        if missing:
            out[stream] = missing
    return dict(sorted(out.items()))


def test_catalog_fields_missing_from_records_are_exactly_the_known_ones(
        sandbox: Any) -> None:
    """The SDK's `transformed_catalog_schema_matches_record` only warns: here the fields the
    sandbox never sends are a checked-in list, so a field that stops reaching the records (a
    tap or sandbox change) fails, and one that starts arriving must be taken off the list.
    Regenerate with XERO_UPDATE_UNSEEN=1."""
    with synced_runner(sandbox) as runner:
        found = unseen_fields(runner)
    if os.environ.get("XERO_UPDATE_UNSEEN"):
        UNSEEN.write_text(json.dumps(found, indent=1) + "\n")
    assert found == json.loads(UNSEEN.read_text())
