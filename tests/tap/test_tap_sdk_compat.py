"""What the tap section of xero_core/sdk_compat.py relies on in singer-sdk's private surface.

Each test fails with "singer-sdk changed X: update xero_core/sdk_compat.py" when an SDK
release changes what the shim uses, instead of a sync going subtly wrong.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest
from singer_sdk import Stream

from xero_core.sdk_compat import BookmarkGate

UPDATE = "update xero_core/sdk_compat.py"


def _params(func: Any) -> list[tuple[str, Any]]:
    return [(p.name, p.kind) for p in inspect.signature(func).parameters.values()]


def test_the_sdk_still_advances_bookmarks_through_increment_stream_state() -> None:
    method = getattr(Stream, "_increment_stream_state", None)
    assert callable(method), (
        f"singer-sdk changed Stream._increment_stream_state (gone): {UPDATE} (BookmarkGate)")
    kinds = inspect.Parameter
    assert _params(method) == [("self", kinds.POSITIONAL_OR_KEYWORD),
                               ("latest_record", kinds.POSITIONAL_OR_KEYWORD),
                               ("context", kinds.KEYWORD_ONLY)], (
        f"singer-sdk changed the signature of Stream._increment_stream_state to "
        f"{inspect.signature(method)}: {UPDATE} (BookmarkGate)")
    source = inspect.getsource(Stream._sync_records)
    assert "self._increment_stream_state(record" in source, (
        f"singer-sdk changed Stream._sync_records: it no longer moves the bookmark through "
        f"_increment_stream_state, so BookmarkGate.moves_bookmark is ignored: {UPDATE}")


def test_bookmark_gate_overrides_the_sdk_method() -> None:
    assert BookmarkGate._increment_stream_state is not Stream._increment_stream_state
    assert _params(BookmarkGate._increment_stream_state) == _params(
        Stream._increment_stream_state), (
        f"singer-sdk changed the signature of Stream._increment_stream_state: {UPDATE}")


def test_bookmark_gate_passes_only_the_records_that_move_the_bookmark(
        monkeypatch: pytest.MonkeyPatch) -> None:
    class Gate(BookmarkGate):
        def moves_bookmark(self, record: dict) -> bool:
            return bool(record.get("moves"))

        def get_records(self, context: Any) -> Any:
            return []

    calls: list[dict] = []
    monkeypatch.setattr(Stream, "_increment_stream_state",
                        lambda self, latest_record, *, context=None: calls.append(latest_record))
    gate = Gate.__new__(Gate)  # no tap needed: only the gate's own method runs
    gate._increment_stream_state({"moves": True}, context=None)
    gate._increment_stream_state({"moves": False}, context=None)
    assert calls == [{"moves": True}]


def test_the_sdk_still_has_get_selected_schema() -> None:
    try:
        module = importlib.import_module("singer_sdk.helpers._catalog")
    except ImportError:
        raise AssertionError(
            f"singer-sdk changed singer_sdk.helpers._catalog (gone): {UPDATE} "
            f"(register_raw_schemas)") from None
    func = getattr(module, "get_selected_schema", None)
    assert callable(func), (
        f"singer-sdk changed singer_sdk.helpers._catalog.get_selected_schema (gone): {UPDATE} "
        f"(register_raw_schemas)")
    assert [name for name, _ in _params(func)] == ["stream_name", "schema", "mask"], (
        f"singer-sdk changed get_selected_schema's signature to {inspect.signature(func)}: "
        f"{UPDATE} (register_raw_schemas)")


def test_get_selected_schema_still_masks_deselected_fields() -> None:
    from singer_sdk.helpers._catalog import get_selected_schema

    schema = {"type": "object", "properties": {"a": {"type": "string"},
                                               "b": {"type": "string"}}}
    mask = {(): True, ("properties", "a"): True, ("properties", "b"): False}
    got = get_selected_schema("s", schema, mask)  # type: ignore[arg-type]
    assert set(got["properties"]) == {"a"}, (
        f"singer-sdk changed what get_selected_schema returns ({got}): {UPDATE}")
