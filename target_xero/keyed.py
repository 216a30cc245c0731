"""The sink's part that knows source keys: find a keyed record in Xero, never merge two, and
use the optional identity cache (see `identity.py` and `identity_cache.py`)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

from target_xero.actions import Action, Decision, removal_request
from target_xero.work import Work

if TYPE_CHECKING:
    from target_xero.context import WriteContext
    from target_xero.references import References
    from xero_core.endpoints import Endpoint


class _Sink(Protocol):
    """What these methods use of the sink they are mixed into."""

    _warned_no_identity: bool

    @property
    def ep(self) -> Endpoint: ...
    @property
    def refs(self) -> References: ...
    @property
    def context(self) -> WriteContext: ...
    @property
    def stream_name(self) -> str: ...
    @property
    def logger(self) -> logging.Logger: ...
    @property
    def _cache_stream(self) -> str: ...
    def confirm(self, w: Work, action: Action, detail: dict[str, Any] | None = None) -> None: ...
    def _xero_id(self, w: Work) -> str | None: ...


class KeyedRecords:
    """Mixed into the records sink: source-key matching and the identity cache."""

    def _find(self: _Sink, w: Work, like: Any) -> tuple[dict[str, Any] | None, str | None]:
        """The record Xero holds for this one: by source token, else id, else natural key.

        A natural-key match that another source record's token claims is refused: two source
        records are never merged into one Xero record.
        """
        ep = self.ep
        pk = ep.primary_key[0]
        nat = ep.natural_keys[0] if ep.natural_keys else None
        idx = self.refs.index(ep.stream)
        if w.key is not None and w.identity:
            mine = idx.by_source(w.key.token)
            if len(mine) > 1:
                ids = ", ".join(str(r.get(pk)) for r in mine[:5])
                return None, (f"{w.identity}: source key {w.key.value!r} is held by "
                              f"{len(mine)} {ep.stream} in this organisation ({pk} {ids}): "
                              f"ambiguous, not guessed; remove the token from all but one")
            if mine:
                return mine[0], None
        match = self.refs.match(ep.stream, w.payload.get(pk),
                                w.payload.get(nat) if nat else None, like)
        if match.ambiguous and match.found is None:
            assert nat is not None
            return None, match.problem(ep, nat, w.payload.get(nat), like)
        found = match.found
        if found is not None and w.key is not None:
            # Xero's token, or (resources without an identity field) the claim of a record
            # written earlier in this run.
            other = idx.token(found) if w.identity else None
            other = other or idx.claims.get(str(found.get(pk)))
            if other and other != w.key.token:
                field_ = nat if nat and not w.payload.get(pk) else pk
                return None, (f"{field_}: {w.payload.get(field_)!s} is already the {ep.stream} "
                              f"written for source record {other}, not for {w.key.token}: "
                              f"two source records are not merged")
            idx.claims[str(found.get(pk))] = w.key.token
        return found, None

    def _warn_no_identity(self: _Sink, w: Work) -> None:
        if not self._warned_no_identity:
            self._warned_no_identity = True
            self.logger.warning(
                "%s: %s of Type %s keep no source key in Xero (no identity field): a record "
                "sent again in a later run is created again", self.stream_name, self.ep.stream,
                w.payload.get("Type") or "-")

    def _skip_cached(self: _Sink, works: list[Work]) -> list[Work]:
        """Records the identity cache knows as written with this very content: skipped, no
        call. The rest go on to the lookup in Xero."""
        cache = self.context.xero.cache
        keyed = [w for w in works if w.key is not None]
        if cache is None or not keyed:
            return works
        known = cache.get(self._cache_stream, [w.key.token for w in keyed if w.key])
        rest: list[Work] = []
        for w in works:
            hit = known.get(w.key.token) if w.key is not None else None
            if hit is not None and hit[1] == w.fingerprint and not removal_request(self.ep,
                                                                                  w.raw):
                w.xero_id = hit[0]
                w.decision = Decision(Action.SKIP, reasons=[
                    "unchanged since it was last written (identity cache)"])
                self.confirm(w, Action.SKIP)
            else:
                rest.append(w)
        return rest

    def _remember(self: _Sink, works: list[Work]) -> None:
        """Tell the identity cache what Xero confirmed (kept) or removed (forgotten)."""
        cache = self.context.xero.cache
        if cache is None:
            return
        kept = [(w.key.token, w.xero_id or self._xero_id(w) or "", w.fingerprint)
                for w in works if w.key is not None and w.removal is None
                and w.outcome in (Action.CREATE, Action.UPDATE, Action.SKIP)]
        gone = [w.key.token for w in works if w.key is not None and w.removal is not None
                and w.outcome is not None]
        if kept := [row for row in kept if row[1]]:
            cache.put(self._cache_stream, kept)
        if gone:
            cache.forget(self._cache_stream, gone)

    @property
    def _cache_stream(self: _Sink) -> str:
        """The identity cache's name for this stream: the resource too, as mappings change."""
        return f"{self.stream_name}->{self.ep.stream}"

