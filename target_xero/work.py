"""One record on its way to Xero (`Work`), and the fingerprint of a record's content."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from target_xero.actions import SDC_DELETED_AT, Action, Decision
from target_xero.identity import SourceKey
from xero_core import jsonutil


@dataclass
class Work:
    """One record on its way to Xero."""

    raw: dict[str, Any]
    line: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    removal: str | None = None
    existing: dict[str, Any] | None = None
    decision: Decision | None = None
    fingerprint: str = ""
    done: bool = False
    key: SourceKey | None = None  # the source key, when the stream has one
    key_problem: str | None = None  # why a keyed stream's record has no key
    xero_id: str | None = None  # the Xero record it became
    identity: str | None = None  # the field its source token is written into
    outcome: Action | None = None  # what Xero confirmed (None: rejected or not yet settled)

    @property
    def source_key(self) -> str | None:
        return self.key.value if self.key else None

    @property
    def action(self) -> Action:
        return self.decision.action if self.decision else Action.CREATE


def fingerprint(record: Mapping[str, Any]) -> str:
    """A hash of the record's content (volatile `_sdc_` metadata aside)."""
    stable = {k: v for k, v in record.items()
              if not k.startswith("_sdc_") or k == SDC_DELETED_AT}
    return hashlib.sha256(jsonutil.dumps_bytes(stable, sort_keys=True, default=str)).hexdigest()
