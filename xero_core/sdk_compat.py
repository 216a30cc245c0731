"""The one place that touches singer-sdk beyond its public surface.

Each use below is there because the SDK has no public extension point for it yet; each names
the upstream issue and is pinned by a test (tests/*/test_sdk_compat.py) that fails with a
clear message when the SDK changes it. tests/test_sdk_surface.py fails on any private SDK
member used anywhere else.
"""

from __future__ import annotations

# --- tap --------------------------------------------------------------------------------------
import typing as _t

from singer_sdk import Stream as _Stream

if _t.TYPE_CHECKING:
    from singer_sdk import Tap as _Tap


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
