"""The one place that touches singer-sdk beyond its public surface.

Each use below is there because the SDK has no public extension point for it yet; each names
the upstream issue and is pinned by a test that fails with a clear message when the SDK
changes it (tests/tap/test_tap_sdk_compat.py, tests/target/test_target_sdk_compat.py).
tests/test_sdk_surface.py fails on any private SDK member used anywhere else.
"""

from __future__ import annotations

import functools as _functools
import importlib.metadata as _metadata
import inspect as _inspect
import typing as _t

from singer_sdk import Stream as _Stream
from singer_sdk import Target as _Target
from singer_sdk.sinks import Sink as _Sink

if _t.TYPE_CHECKING:
    from singer_sdk import Tap as _Tap

# --- tap --------------------------------------------------------------------------------------


class BookmarkGate(_Stream):
    """A stream that decides, record by record, whether a written record moves its bookmark.

    The SDK writes every record get_records yields and then advances the bookmark with it
    (`Stream._increment_stream_state`); there is no public hook to write a record without
    advancing the bookmark. The tap needs one for tombstones (no replication key value: the
    SDK would fail or start an unsorted stream's progress markers) and for the records of a
    re-read page boundary (older than the bookmark: a sorted stream would raise
    InvalidStreamSortException). Upstream: meltano/sdk#2753 asks for the stream to inform how
    records and bookmarks are compared; until such a hook exists, `moves_bookmark` is ours.
    """

    def moves_bookmark(self, record: dict) -> bool:
        """Whether `record`, just written, advances the bookmark (default: it does)."""
        return True

    def _increment_stream_state(self, latest_record: dict, *,
                                context: _t.Mapping[str, _t.Any] | None = None) -> None:
        if self.moves_bookmark(latest_record):
            super()._increment_stream_state(latest_record, context=context)


def register_raw_schemas(tap: _Tap) -> None:
    """Register every catalog stream with the tap's mapper, deselected ones with their full
    schema (what singer-sdk 0.55 does).

    singer-sdk 0.54 registers a deselected stream with its selection-masked (empty) schema,
    so a stream map naming any deselected stream fails on its key properties
    (meltano/sdk#1942, fixed upstream after 0.54). The selection mask is applied with the
    SDK's own private helper, `singer_sdk.helpers._catalog.get_selected_schema`, which has no
    public equivalent.
    """
    from singer_sdk.helpers._catalog import get_selected_schema

    for entry in tap.catalog.streams:
        name = entry.stream or entry.tap_stream_id
        schema = entry.schema.to_dict()
        mask = entry.metadata.resolve_selection()
        if mask.get((), True):
            schema = get_selected_schema(name, schema, mask)
        tap.mapper.register_raw_stream_schema(name, schema, entry.key_properties)


# --- target -----------------------------------------------------------------------------------


def add_sdc_metadata(sink: _Sink, record: dict, message: dict) -> None:
    """`add_record_metadata`: the SDK's `_sdc_*` columns on a record, as the SDK fills them.

    singer-sdk fills them only inside `Target._process_record_message`; there is no public
    method for a target that reads RECORD messages itself (target-xero rejects a bad record
    instead of raising). Upstream: meltano/sdk#156 ("Improve _sdc metadata handling") was
    closed without a public hook. The batch context is not kept (`_sdc_batched_at` is the
    time of the call, as the SDK does for a context without `batch_start_time`).
    """
    sink._add_sdc_metadata_to_record(record, message, {})


@_functools.cache
def _counted_on_write() -> bool:
    """singer-sdk 0.54 counts a record in `record_counter_metric` when it is read (in
    `Target._process_record_message`); 0.55 counts it when written (`Sink.tally_record_written`).
    Asked once, on the first record (not at import: it reads the SDK's source), and by version
    where the SDK was installed without its source."""
    try:
        return "record_counter_metric" in _inspect.getsource(_Sink.tally_record_written)
    except (OSError, TypeError):
        major, minor = (int(p) for p in _metadata.version("singer-sdk").split(".")[:2])
        return (major, minor) >= (0, 55)


def count_record_read(sink: _Sink) -> None:
    """Tally a record read as the SDK's own RECORD handler would (the metric once)."""
    sink.tally_record_read()
    if not _counted_on_write():
        sink.record_counter_metric.increment()


class TargetStateHooks(_Target):
    """A target that hears each STATE message and writes each STATE itself.

    singer-sdk keeps the latest STATE in `Target._latest_state` and writes it from
    `drain_all` (at the end, on SIGTERM, when records grow old) through
    `Target._write_state_message`; there is no public hook to hold a STATE back until the
    records before it are settled, or to act before one is written (target-xero syncs its
    rejects file first and drops a repeat). Upstream: meltano/sdk#3000 and meltano/sdk#3040
    (when a target writes STATE) changed this behaviour without adding a hook; the SDK's
    STATE writer for taps (meltano/sdk#3114) is not used by targets.
    """

    def _process_state_message(self, message_dict: dict) -> None:
        self.message_reader.assert_line_requires(message_dict, requires={"value"})
        self._latest_state = message_dict["value"]  # drain_all writes it
        self.state_received(message_dict["value"])

    def _write_state_message(self, state: dict) -> None:
        self.write_state(state)

    def state_received(self, state: dict) -> None:
        """A STATE message arrived (already kept for the next drain_all)."""

    def write_state(self, state: dict) -> None:
        """Write a STATE to stdout, as the SDK does."""
        super()._write_state_message(state)
