"""The target's part of xero_core/sdk_compat.py relies on private singer-sdk members: these
tests fail, naming what changed, when an SDK upgrade moves one of them."""

from __future__ import annotations

import inspect
import io
import json

from singer_sdk import Target
from singer_sdk.sinks import Sink

from xero_core import sdk_compat

UPDATE = "update xero_core/sdk_compat.py"


def _params(func: object) -> list[str]:
    return list(inspect.signature(func).parameters)  # type: ignore[arg-type]


def test_sink_fills_record_metadata_with_record_message_context() -> None:
    method = getattr(Sink, "_add_sdc_metadata_to_record", None)
    assert callable(method), (
        f"singer-sdk changed Sink._add_sdc_metadata_to_record (gone): {UPDATE} "
        "(add_sdc_metadata)")
    assert _params(method) == ["self", "record", "message", "context"], (
        f"singer-sdk changed Sink._add_sdc_metadata_to_record{inspect.signature(method)}: "
        f"{UPDATE} (add_sdc_metadata)")


def test_target_reads_state_through_the_private_handler() -> None:
    for name, params in (("_process_state_message", ["self", "message_dict"]),
                         ("_write_state_message", ["self", "state"])):
        method = getattr(Target, name, None)
        assert callable(method), f"singer-sdk changed Target.{name} (gone): {UPDATE} " \
                                 "(TargetStateHooks)"
        assert _params(method) == params, (
            f"singer-sdk changed Target.{name}{inspect.signature(method)}: {UPDATE} "
            "(TargetStateHooks)")
    callbacks = inspect.getsource(Target.process_lines)
    assert "self._process_state_message" in callbacks, (
        f"singer-sdk changed how STATE messages reach Target._process_state_message: {UPDATE} "
        "(TargetStateHooks)")


def test_drain_all_writes_the_kept_state() -> None:
    init, drain_all = inspect.getsource(Target.__init__), inspect.getsource(Target.drain_all)
    assert "self._latest_state" in init, (
        f"singer-sdk changed Target._latest_state (not set in __init__): {UPDATE} "
        "(TargetStateHooks)")
    assert "self._write_state_message(" in drain_all and "self._latest_state" in drain_all, (
        f"singer-sdk changed Target.drain_all (no longer writes _latest_state through "
        f"_write_state_message): {UPDATE} (TargetStateHooks)")


def test_the_record_metric_is_counted_once() -> None:
    on_write = "record_counter_metric" in inspect.getsource(Sink.tally_record_written)
    on_read = "record_counter_metric.increment()" in inspect.getsource(
        Target._process_record_message)
    assert on_write != on_read, (
        f"singer-sdk changed where record_counter_metric counts a record (on read: {on_read}, "
        f"on write: {on_write}): {UPDATE} (count_record_read)")


class _Hooked(sdk_compat.TargetStateHooks):
    name = "hooked"
    config_jsonschema = {"type": "object", "properties": {}}

    def __init__(self) -> None:
        super().__init__(config={}, parse_env_config=False)
        self.heard: list[dict] = []
        self.written: list[dict] = []

    def state_received(self, state: dict) -> None:
        self.heard.append(state)

    def write_state(self, state: dict) -> None:
        self.written.append(state)


def test_state_hooks_hear_each_state_and_write_the_last_at_the_end() -> None:
    target = _Hooked()
    lines = "".join(json.dumps({"type": "STATE", "value": {"n": n}}) + "\n" for n in (1, 2))
    target.listen(file_input=io.StringIO(lines))
    assert target.heard == [{"n": 1}, {"n": 2}], (
        f"singer-sdk no longer hands STATE messages to Target._process_state_message: {UPDATE}")
    assert target.written == [{"n": 2}], (
        f"singer-sdk's drain_all no longer writes the last STATE through "
        f"Target._write_state_message: {UPDATE}")
