"""Natural keys -> Xero ids in the target organisation, looked up in batches and cached.

`References` keeps, per resource, an index of the records the target organisation is known to
hold (by id and by natural key: contacts by Name, accounts / items by Code, invoices by
InvoiceNumber, ...). `ensure` makes at most one call per resource and batch: `IDs=` or
`InvoiceNumbers=` when only one kind of key is asked, one `where` with OR otherwise; small
unpaged resources (accounts, items, tracking categories, tax rates, ...) and those Xero gives no
batched filter for (purchase orders, quotes) are listed once per run instead. Write results
are added to the index, so a record written early in a run is found without another call.

The references inside a record (a contact, an account ...) are rewritten for the target
organisation in `record_refs.py`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from target_xero.identity import token_of, where_terms
from xero_core.endpoints import BY_STREAM, Endpoint, Paging
from xero_core.errors import XeroHTTPError
from xero_core.http import XeroClient
from xero_core.protocol import iter_pages

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# One lookup call per up to 1,000 ids or numbers through `IDs=` / `InvoiceNumbers=` (one page
# of pageSize 1000 answers them all); a URL Xero finds too long (414) is split in two and retried.
MAX_LIST_TERMS = 1000
MAX_WHERE_TERMS = 100  # `where` with OR is evaluated term by term: keep those short


def is_guid(value: Any) -> bool:
    return isinstance(value, str) and bool(GUID.match(value))


def _norm(value: Any) -> str:
    return str(value).strip().casefold()


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lists_all(ep: Endpoint) -> bool:
    """True when the resource is looked up by listing it whole, once per run."""
    if ep.paging is Paging.NONE:
        return True
    return not ep.where and not ep.lookup_param and not ep.natural_lookup_param


# Document types whose numbers Xero does not keep unique: a bill (or supplier credit note)
# carries the supplier's own number, so two suppliers' bills can both be "1001". A match by
# number on these must also agree on the contact.
PER_CONTACT_TYPES = frozenset({"ACCPAY", "ACCPAYCREDIT"})


def typed_numbers(stream: str) -> bool:
    """Its natural key is a document number shared across types (ACCREC / ACCPAY ...)."""
    ep = BY_STREAM.get(stream)
    return ep is not None and ep.typed_numbers


@dataclass(frozen=True)
class Like:
    """What a record says about the document it means, beyond its number."""

    type: str = ""
    contact_ids: frozenset[str] = frozenset()
    contact_names: frozenset[str] = frozenset()

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_ids or self.contact_names)

    def describe(self) -> str:
        parts = [f"Type {self.type}"] if self.type else []
        if self.contact_names:
            parts.append(f"Contact {sorted(self.contact_names)[0]!r}")
        elif self.contact_ids:
            parts.append(f"ContactID {sorted(self.contact_ids)[0]}")
        return ", ".join(parts)


def like_of(obj: Any, extra_contact_ids: Iterable[Any] = ()) -> Like:
    """The Type and contact (id / name) a record or a nested document reference gives."""
    if not isinstance(obj, dict):
        return Like()
    contact = obj.get("Contact")
    ids = {_norm(i) for i in extra_contact_ids if i}
    names: set[str] = set()
    if isinstance(contact, dict):
        if contact.get("ContactID"):
            ids.add(_norm(contact["ContactID"]))
        if contact.get("Name"):
            names.add(_norm(contact["Name"]))
    kind = obj.get("Type")
    return Like(str(kind).strip().upper() if isinstance(kind, str) else "",
                frozenset(ids), frozenset(names))


def agrees(like: Like, candidate: dict[str, Any]) -> bool:
    """Can `candidate` (a document the organisation holds) be the one `like` describes?

    The Type must agree when both give it; for bills and supplier credit notes the contact
    must too (by ContactID or Name). What one side does not say cannot disagree: several
    candidates left that way make the match ambiguous, never a guess.
    """
    ctype = str(candidate.get("Type") or "").strip().upper()
    if like.type and ctype and like.type != ctype:
        return False
    if (like.type or ctype) not in PER_CONTACT_TYPES or not like.has_contact:
        return True
    contact = candidate.get("Contact")
    if not isinstance(contact, dict) or not (contact.get("ContactID") or contact.get("Name")):
        return True
    if contact.get("ContactID") and _norm(contact["ContactID"]) in like.contact_ids:
        return True
    return bool(contact.get("Name")) and _norm(contact["Name"]) in like.contact_names


@dataclass
class Match:
    """The record a key finds: one, none, or several (ambiguous)."""

    found: dict[str, Any] | None = None
    candidates: tuple[dict[str, Any], ...] = ()

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1

    def problem(self, ep: Endpoint, field_name: str, value: Any, like: Like | None = None
                ) -> str:
        """Why an ambiguous match is refused (names the field, the value and the candidates)."""
        pk = ep.primary_key[0]
        ids = ", ".join(str(c.get(pk)) for c in self.candidates[:5])
        more = f" and {len(self.candidates) - 5} more" if len(self.candidates) > 5 else ""
        said = f" and {like.describe()}" if like is not None and like.describe() else ""
        return (f"{field_name}: {value!s}{said} matches {len(self.candidates)} {ep.stream} in "
                f"this organisation ({pk} {ids}{more}): ambiguous, not guessed; give the "
                f"{pk}" + (" or the Type and Contact" if ep.typed_numbers else ""))


class Index:
    """The records of one resource known in the target organisation.

    A natural key can name several records (bills of two suppliers numbered "1001", a bill and
    a sales invoice): `by_natural` keeps every one. `looked` holds the natural keys asked of
    Xero in this run, so the index knows all records carrying them (plus what the run wrote).
    """

    def __init__(self, ep: Endpoint) -> None:
        self.ep = ep
        self.by_id: dict[str, dict[str, Any]] = {}
        self.by_natural: dict[str, dict[str, dict[str, Any]]] = {}
        self.missing_ids: set[str] = set()
        self.looked: set[str] = set()
        self.by_token: dict[str, dict[str, dict[str, Any]]] = {}  # source token -> records
        self.looked_tokens: set[tuple[str, str]] = set()  # (field, token) asked of Xero
        self.claims: dict[str, str] = {}  # Xero id -> the source token that wrote it this run
        self.identity_fields: tuple[str, ...] = ep.identity_fields  # + `identity_fields` ones
        self.complete = False  # the whole resource was listed

    @property
    def pk(self) -> str:
        return self.ep.primary_key[0]

    @property
    def natural(self) -> str | None:
        return self.ep.natural_keys[0] if self.ep.natural_keys else None

    def add(self, rec: dict[str, Any]) -> None:
        rid = rec.get(self.pk)
        nat = self.natural
        if rid:
            old = self.by_id.get(_norm(rid))
            if old is not None and nat and old.get(nat) and (
                    not rec.get(nat) or _norm(old[nat]) != _norm(rec[nat])):
                self._drop_natural(old)  # renumbered: no longer found by its old number
            old_token = self.token(old) if old else None
            if old_token and old_token != self.token(rec):
                self.by_token.get(old_token, {}).pop(_norm(rid), None)
            self.by_id[_norm(rid)] = rec
            self.missing_ids.discard(_norm(rid))
        token = self.token(rec)
        if token:
            self.by_token.setdefault(token, {})[_norm(rid) if rid else f"#{id(rec)}"] = rec
        if nat and rec.get(nat):
            bucket = self.by_natural.setdefault(_norm(rec[nat]), {})
            bucket[_norm(rid) if rid else f"#{id(rec)}"] = rec

    def _drop_natural(self, rec: dict[str, Any]) -> None:
        nat = self.natural
        if not nat or not rec.get(nat):
            return
        bucket = self.by_natural.get(_norm(rec[nat]))
        if bucket is None:
            return
        rid = rec.get(self.pk)
        bucket.pop(_norm(rid) if rid else f"#{id(rec)}", None)
        if not bucket:
            self.by_natural.pop(_norm(rec[nat]), None)

    def token(self, rec: dict[str, Any]) -> str | None:
        """The source token the record's identity field starts with (None when none)."""
        for name in self.identity_fields:
            token = token_of(rec.get(name))
            if token:
                return token
        return None

    def by_source(self, token: str) -> list[dict[str, Any]]:
        """Every known record carrying this source token (exact, case-sensitive)."""
        return list(self.by_token.get(token, {}).values())

    def remove(self, rid: str) -> None:
        rec = self.by_id.pop(_norm(rid), None)
        if rec is not None:
            self._drop_natural(rec)
            token = self.token(rec)
            if token:
                self.by_token.get(token, {}).pop(_norm(rid), None)
        self.missing_ids.add(_norm(rid))

    def get_id(self, rid: Any) -> dict[str, Any] | None:
        return self.by_id.get(_norm(rid)) if rid else None

    def candidates(self, value: Any) -> list[dict[str, Any]]:
        """Every known record whose natural key is `value`."""
        if value in (None, ""):
            return []
        return list(self.by_natural.get(_norm(value), {}).values())

    def get_natural(self, value: Any) -> dict[str, Any] | None:
        """The one record with this natural key (None when none or several)."""
        found = self.candidates(value)
        return found[0] if len(found) == 1 else None

    def natural_known(self, value: Any) -> bool:
        """True when every record with this natural key is known (asked, or all listed)."""
        return self.complete or _norm(value) in self.looked

    def known(self, rid: Any) -> bool | None:
        """True / False when known, None when it has to be looked up."""
        if not rid:
            return False
        key = _norm(rid)
        if key in self.by_id:
            return True
        if key in self.missing_ids or self.complete or not is_guid(rid):
            return False
        return None


class References:
    """The per-run, per-tenant cache of what the target organisation holds."""

    def __init__(self, client: XeroClient, tenant_id: str) -> None:
        self.client = client
        self.tenant_id = tenant_id
        self._indexes: dict[str, Index] = {}
        self._lock = threading.RLock()
        self.lookups = 0

    def index(self, stream: str) -> Index:
        with self._lock:
            idx = self._indexes.get(stream)
            if idx is None:
                idx = self._indexes[stream] = Index(BY_STREAM[stream])
            return idx

    # -- lookups ---------------------------------------------------------------------------

    def ensure(self, stream: str, ids: Iterable[Any] = (), naturals: Iterable[Any] = ()) -> None:
        """Make sure every id / natural key given is known (found or known missing)."""
        with self._lock:
            idx = self.index(stream)
            if idx.complete:
                return
            if lists_all(idx.ep):
                if any(True for _ in ids) or any(True for _ in naturals):
                    self._list_all(idx)
                return
            want_ids = sorted({str(i) for i in ids if idx.known(i) is None})
            want_nat = sorted({str(n) for n in naturals
                               if n not in (None, "") and not idx.natural_known(n)})
            if not idx.natural:
                want_nat = []
            if want_ids and idx.ep.lookup_param:
                for start in range(0, len(want_ids), MAX_LIST_TERMS):
                    self._lookup(idx, want_ids[start:start + MAX_LIST_TERMS], [])
                want_ids = []
            if want_nat and idx.ep.natural_lookup_param:
                for start in range(0, len(want_nat), MAX_LIST_TERMS):
                    self._lookup(idx, [], want_nat[start:start + MAX_LIST_TERMS])
                want_nat = []
            terms = [("id", i) for i in want_ids] + [("nat", n) for n in want_nat]
            for start in range(0, len(terms), MAX_WHERE_TERMS):
                chunk = terms[start:start + MAX_WHERE_TERMS]
                self._lookup(idx, [v for k, v in chunk if k == "id"],
                             [v for k, v in chunk if k == "nat"])

    def add_identity_field(self, stream: str, name: str) -> None:
        """Also read source tokens from this field (an `identity_fields` setting)."""
        with self._lock:
            idx = self.index(stream)
            if name not in idx.identity_fields:
                idx.identity_fields = (*idx.identity_fields, name)

    def ensure_tokens(self, stream: str, wanted: Mapping[str, Iterable[str]]) -> None:
        """Make sure every record carrying one of these source tokens is known.

        `wanted` is field -> tokens. One `where` call per field and up to MAX_WHERE_TERMS
        tokens (`Reference.StartsWith("[s:k]") OR ...`), or the resource's listing, once,
        when Xero gives it no `where`.
        """
        with self._lock:
            idx = self.index(stream)
            for name, tokens in sorted(wanted.items()):
                want = sorted({t for t in tokens if (name, t) not in idx.looked_tokens})
                if not want or idx.complete:
                    continue
                if lists_all(idx.ep) or not idx.ep.where:
                    self._list_all(idx)
                    return
                for start in range(0, len(want), MAX_WHERE_TERMS):
                    chunk = want[start:start + MAX_WHERE_TERMS]
                    self._lookup(idx, [], [], where_terms(name, chunk))
                    idx.looked_tokens.update((name, t) for t in chunk)

    def _lookup(self, idx: Index, ids: list[str], naturals: list[str],
                token_terms: list[str] | None = None) -> None:
        ep = idx.ep
        params: dict[str, Any] = dict(ep.list_params)
        if token_terms:
            params["where"] = " OR ".join(token_terms)
        elif ids and not naturals and ep.lookup_param:
            params[ep.lookup_param] = ",".join(ids)
        elif naturals and not ids and ep.natural_lookup_param:
            params[ep.natural_lookup_param] = ",".join(naturals)
        else:
            terms = [f'{idx.pk}==Guid("{i}")' for i in ids]
            terms += [f"{idx.natural}=={_quote(n)}" for n in naturals]
            params["where"] = " OR ".join(terms)
        # Numbers shared by several documents can answer more than a page: read on (only
        # then) so the index holds every candidate.
        pages = 0
        try:
            for recs in iter_pages(self._getter(ep), ep.paging, ep.records_key,
                                   MAX_LIST_TERMS, params):
                pages += 1
                self.lookups += 1
                for rec in recs:
                    idx.add(rec)
        except XeroHTTPError as exc:
            terms = token_terms or []
            if exc.status != 414 or len(ids) + len(naturals) + len(terms) < 2 or pages:
                raise
            half_ids, half_nat, half_t = len(ids) // 2, len(naturals) // 2, len(terms) // 2
            self._lookup(idx, ids[:half_ids], naturals[:half_nat], terms[:half_t])
            self._lookup(idx, ids[half_ids:], naturals[half_nat:], terms[half_t:])
            return
        for i in ids:
            if idx.get_id(i) is None:
                idx.missing_ids.add(_norm(i))
        idx.looked.update(_norm(n) for n in naturals)

    def _list_all(self, idx: Index) -> None:
        ep = idx.ep
        for recs in iter_pages(self._getter(ep), ep.paging, ep.records_key, ep.page_size_max,
                               dict(ep.list_params)):
            self.lookups += 1
            for rec in recs:
                idx.add(rec)
        idx.complete = True

    def _getter(self, ep: Endpoint) -> Callable[[dict[str, Any]], Any]:
        """One GET of `ep`'s listing for this tenant (what `iter_pages` calls per page)."""
        return lambda params: self.client.get_json(ep.url_path, tenant_id=self.tenant_id,
                                                   params=params)

    # -- resolution ------------------------------------------------------------------------

    def match(self, stream: str, rid: Any = None, natural: Any = None,
              like: Like | None = None) -> Match:
        """The target's record by id, else by natural key (call `ensure` first).

        A natural key that names several records is narrowed by `like` (Type, and the contact
        for bills); what is still several is ambiguous: `found` stays None.
        """
        idx = self.index(stream)
        found = idx.get_id(rid)
        if found is not None:
            return Match(found, (found,))
        cands = idx.candidates(natural)
        if like is not None:
            cands = [c for c in cands if agrees(like, c)]
        return Match(cands[0] if len(cands) == 1 else None, tuple(cands))

    def find(self, stream: str, rid: Any = None, natural: Any = None) -> dict[str, Any] | None:
        """The one record by id, else by natural key; None when none or several."""
        return self.match(stream, rid, natural).found
