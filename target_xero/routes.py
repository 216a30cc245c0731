"""Where a stream's records go: its endpoint row and write mode (records, history notes,
attachments, actions on demand; for the Payroll, Assets and Projects APIs the row's
`write_spec` mode: records, file uploads, file associations), and the drain order between
streams."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xero_core.endpoint_writes import API_SINK, ASSOCIATE_SINK, UPLOAD_SINK
from xero_core.endpoints import BY_STREAM, Endpoint, Write

HISTORY, ATTACHMENTS, RECORDS = "history", "attachments", "records"
RAW, EMAILS = "raw_requests", "invoice_emails"
API, UPLOAD, ASSOCIATE = API_SINK, UPLOAD_SINK, ASSOCIATE_SINK
# Streams of actions on demand (target_xero/on_demand.py): name -> (resource, mode).
ON_DEMAND = {RAW: (None, RAW), EMAILS: ("invoices", EMAILS)}
UNROUTED_RANK = 99  # a stream no endpoint takes drains last (its records are all rejected)
CHILD_RANK_OFFSET = 10  # notes and attachments drain after every record stream


@dataclass(frozen=True)
class Route:
    """Where a stream's records go."""

    stream: str
    endpoint: Endpoint | None
    mode: str = RECORDS
    error: str | None = None

    @property
    def rank(self) -> int:
        """Drain order: lower first (the endpoint table's `write_rank`)."""
        if self.endpoint is None:
            return UNROUTED_RANK
        base = self.endpoint.write_rank
        return CHILD_RANK_OFFSET + base if self.mode in (HISTORY, ATTACHMENTS) else base


def route_for(stream: str, stream_endpoints: Mapping[str, str] | None = None) -> Route:
    """Map a stream name to its endpoint row and mode (records, history, attachments)."""
    name = (stream_endpoints or {}).get(stream, stream)
    if name in ON_DEMAND:
        resource, mode = ON_DEMAND[name]
        return Route(stream, BY_STREAM[resource] if resource else None, mode)
    candidates = [(name, RECORDS)]
    for suffix, mode in (("_history", HISTORY), ("_attachments", ATTACHMENTS)):
        if name.endswith(suffix):
            candidates.append((name[: -len(suffix)], mode))
    by_key = {e.records_key.lower(): e for e in BY_STREAM.values()
              if e.records_key and e.api == "accounting"}
    for base, mode in candidates:
        ep = BY_STREAM.get(base) or BY_STREAM.get(base.lower()) or by_key.get(base.lower())
        if ep is None:
            continue
        needs = {RECORDS: None, HISTORY: Write.HISTORY, ATTACHMENTS: Write.ATTACHMENTS}[mode]
        if mode == RECORDS and not ep.writes:
            return Route(stream, ep, mode, f"Xero does not accept writes to {ep.stream}")
        if mode == RECORDS and ep.write_spec is not None:
            return Route(stream, ep, ep.write_spec.sink)
        if needs is not None and needs not in ep.writes:
            return Route(stream, ep, mode, f"Xero keeps no {mode} for {ep.stream}")
        return Route(stream, ep, mode)
    return Route(stream, None, RECORDS, (
        f"unknown stream {stream!r}: name it after a Xero stream (invoices, contacts, ...), "
        f"'<stream>_history', '<stream>_attachments', or map it in the stream_endpoints "
        f"setting"))
