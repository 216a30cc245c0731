"""An optional local cache of what the target wrote, by source key (`identity_cache_path`).

Xero is the record of what was written (see `identity.py`); this SQLite file only saves calls.
For each (tenant, stream, source token) it keeps the Xero id and the fingerprint of the record
content last confirmed by Xero. A record whose content has that fingerprint is skipped as
unchanged without any call; anything else (new, changed, or no cache at all) goes through the
lookup in Xero. A lost or deleted cache costs calls, never a duplicate: a crash between
Xero's answer and the cache's commit leaves the row out, and the next run asks Xero.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence

_SCHEMA = """
create table if not exists written (
    tenant_id text not null,
    stream text not null,
    token text not null,
    xero_id text not null,
    fingerprint text not null,
    primary key (tenant_id, stream, token)
)
"""
_CHUNK = 500  # tokens per query (SQLite's host parameter limit is far above)


class IdentityCache:
    """Source token -> (Xero id, content fingerprint) for one tenant."""

    def __init__(self, path: str, tenant_id: str) -> None:
        parent = os.path.dirname(os.path.abspath(path))
        os.makedirs(parent, exist_ok=True)
        self.tenant_id = tenant_id
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("pragma journal_mode=wal")
        self._db.execute(_SCHEMA)
        self._db.commit()

    def get(self, stream: str, tokens: Sequence[str]) -> dict[str, tuple[str, str]]:
        """token -> (xero_id, fingerprint) for the tokens the cache holds."""
        out: dict[str, tuple[str, str]] = {}
        with self._lock:
            for start in range(0, len(tokens), _CHUNK):
                chunk = list(tokens[start:start + _CHUNK])
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"select token, xero_id, fingerprint from written where tenant_id = ? "
                    f"and stream = ? and token in ({marks})",
                    [self.tenant_id, stream, *chunk])
                out.update({t: (x, f) for t, x, f in rows})
        return out

    def put(self, stream: str, rows: Iterable[tuple[str, str, str]]) -> None:
        """Remember (token, xero_id, fingerprint) rows Xero confirmed; committed at once."""
        with self._lock:
            self._db.executemany(
                "insert or replace into written values (?, ?, ?, ?, ?)",
                [(self.tenant_id, stream, t, x, f) for t, x, f in rows])
            self._db.commit()

    def forget(self, stream: str, tokens: Iterable[str]) -> None:
        """Drop rows whose Xero record was removed (or could not be confirmed)."""
        with self._lock:
            self._db.executemany(
                "delete from written where tenant_id = ? and stream = ? and token = ?",
                [(self.tenant_id, stream, t) for t in tokens])
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()
