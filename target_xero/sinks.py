"""Which sink class writes a stream: one per write mode (records, history notes, attachments,
actions on demand, other APIs' records, file uploads, file associations), picked from the
stream's route by `TargetXero.get_sink_class`."""

from __future__ import annotations

from target_xero.api_sink import ApiRecordsSink
from target_xero.attachments_sink import AttachmentsSink
from target_xero.files_sink import FileAssociationsSink, FilesSink
from target_xero.history_sink import HistorySink
from target_xero.on_demand import InvoiceEmailsSink, RawRequestsSink
from target_xero.record_sink import RecordsSink
from target_xero.routes import (
    API,
    ASSOCIATE,
    ATTACHMENTS,
    EMAILS,
    HISTORY,
    RAW,
    RECORDS,
    UPLOAD,
    Route,
)
from target_xero.sink_base import XeroSink

SINK_CLASSES: dict[str, type[XeroSink]] = {
    RECORDS: RecordsSink,
    HISTORY: HistorySink,
    ATTACHMENTS: AttachmentsSink,
    RAW: RawRequestsSink,
    EMAILS: InvoiceEmailsSink,
    API: ApiRecordsSink,
    UPLOAD: FilesSink,
    ASSOCIATE: FileAssociationsSink,
}


def sink_class(route: Route) -> type[XeroSink]:
    """The sink class for a route (a route Xero cannot take still gets one: its records are
    rejected with the route's reason)."""
    return SINK_CLASSES[route.mode]


__all__ = ["ApiRecordsSink", "AttachmentsSink", "FileAssociationsSink", "FilesSink",
           "HistorySink", "InvoiceEmailsSink", "RawRequestsSink",
           "RecordsSink", "XeroSink", "sink_class"]
