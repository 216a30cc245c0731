"""The shape of a row of the endpoint table: paging kinds, write kinds, API bases, limits, and
the Endpoint dataclass. The rows themselves are in xero_core/endpoints.py (Accounting, Assets,
Projects) and xero_core/endpoints_apis.py (Payroll, Files, Finance); import both from
xero_core.endpoints.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from xero_core.endpoint_writes import WriteSpec


class Paging(str, enum.Enum):
    """How a list endpoint pages."""

    NONE = "none"  # one call answers everything
    PAGE = "page"  # page=N, 100 a page, no pageSize
    PAGE_SIZE = "page_size"  # page=N&pageSize=1..1000, answers a `pagination` object
    OFFSET = "offset"  # offset=<last number>, 100 a call (Journals)
    PAGE_LOWER = "page_lower"  # page=N&pagesize=1..100, lower-case `pagesize` (Files API)


class Write(str, enum.Enum):
    """What a resource lets a client do to it."""

    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"  # status -> ARCHIVED
    VOID = "void"  # status -> VOIDED
    DELETE_STATUS = "delete_status"  # status -> DELETED (still listed, with that status)
    DELETE_HTTP = "delete_http"  # HTTP DELETE: gone without a trace
    REVERSE = "reverse"  # payments: POST {Status: DELETED}
    HISTORY = "history"  # PUT /{path}/{id}/History
    ATTACHMENTS = "attachments"  # PUT /{path}/{id}/Attachments/{FileName}
    EMAIL = "email"  # POST /Invoices/{id}/Email


API_BASES = {
    "accounting": "/api.xro/2.0",
    "assets": "/assets.xro/1.0",
    "projects": "/projects.xro/2.0",
    # Payroll: AU's v1 API, AU's v2 timesheets, and NZ's and UK's v2 APIs. The last three share
    # one base: the organisation's region decides which API answers (Endpoint.region).
    "payroll_au": "/payroll.xro/1.0",
    "payroll_au_v2": "/payroll.xro/2.0",
    "payroll_nz": "/payroll.xro/2.0",
    "payroll_uk": "/payroll.xro/2.0",
    "files": "/files.xro/1.0",
    "finance": "/finance.xro/1.0",
}

MAX_PAGE_SIZE = 1000
PROJECTS_MAX_PAGE_SIZE = 500  # the Projects API takes pageSize 1..500
FILES_MAX_PAGE_SIZE = 100  # the Files API takes pagesize 1..100
DEFAULT_PAGE_SIZE = 100  # Xero's page length where pageSize is not accepted
OFFSET_PAGE_SIZE = 100
MAX_BATCH = 50
MAX_BODY_BYTES = 3_500_000
MAX_HISTORY_DETAILS = 250
MAX_ATTACHMENTS_PER_RECORD = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_IDEMPOTENCY_KEY = 128


@dataclass(frozen=True)
class RefField:
    """A nested object of a record that points at another resource: {id_field, natural_field}."""

    field: str  # e.g. "Contact"
    stream: str  # the resource it points at
    id_field: str
    natural_field: str | None
    must_exist: bool = False  # no create-by-name fallback (an account must exist)


@dataclass(frozen=True)
class Endpoint:
    """One Xero resource: how to read it, how to write it, what it needs."""

    stream: str  # Singer stream name, e.g. "invoices"
    path: str  # under the API base, e.g. "/Invoices"
    records_key: str  # envelope key of the list, e.g. "Invoices"
    primary_key: tuple[str, ...]  # e.g. ("InvoiceID",)
    schema: str  # OpenAPI component the records follow, e.g. "Invoice"
    scope: str  # read/write scope; the read-only variant is scope + ".read"
    api: str = "accounting"
    paging: Paging = Paging.NONE
    modified_since: bool = False  # takes If-Modified-Since
    replication_key: str | None = None  # the field the bookmark follows
    natural_keys: tuple[str, ...] = ()  # unique business keys the target matches on
    status_field: str | None = None  # where the record says DELETED / VOIDED / ARCHIVED
    nested_status: str | None = None  # a list of sub-records with their own Status (Options)
    writes: frozenset[Write] = field(default_factory=frozenset)
    batch_max: int = MAX_BATCH  # records per write call (Accounts: 1)
    list_params: tuple[tuple[str, str], ...] = ()  # fixed query parameters on list reads
    lookup_param: str | None = None  # batched id lookup, e.g. "IDs"
    natural_lookup_param: str | None = None  # batched natural-key lookup, e.g. "InvoiceNumbers"
    hard_deletes: bool = False  # Xero deletes it without a trace
    singleton: bool = False  # the answer is one object, not a list (Assets Settings)
    parent: str | None = None  # for child resources: the parent stream
    where: bool = False  # takes a `where` filter
    order: bool = False  # takes `order`
    granular_scope: str = ""  # the scope apps created from 2 March 2026 get instead of `scope`
    status_param: str | None = None  # the list filter by status: Statuses= or Status=
    # The free-text field the target writes a record's source key into (`[stream:key]` at its
    # start), found again with a batched `where` StartsWith (or a listing): see
    # target_xero/identity.py. None: the resource is identified by its natural key only.
    identity_field: str | None = None
    identity_max: int = 255  # the field's length limit in Xero
    # Document types whose identity lives elsewhere ("" = nowhere): Xero ignores Reference
    # on bills and supplier credit notes, whose number field is their reference.
    identity_by_type: tuple[tuple[str, str], ...] = ()
    # -- what the target needs to know to write it --
    write_rank: int = 2  # drain order: what other records refer to is written first (lower)
    single_object_body: bool = False  # PUT/POST take one object, no {records_key: [...]}
    ref_fields: tuple[RefField, ...] = ()  # nested objects that point at other resources
    typed_numbers: bool = False  # its number is shared across Types (ACCREC / ACCPAY ...)
    # The top-level id field other records name it by, with no natural key to fall back to
    # (BrandingThemeID): kept in a record only if the target organisation holds the id.
    optional_ref_id: str | None = None
    status_before_delete: str = "DRAFT"  # created in this status when it is to end DELETED
    void_from_status: str = "AUTHORISED"  # created in this status when it is to end VOIDED
    # Fields Xero computes elsewhere yet takes on a create here (a batch payment's Payments).
    keep_fields: frozenset[str] = frozenset()
    # The business number a single GET takes in place of the id (GET /Invoices/INV-0001).
    number_field: str | None = None
    # For child resources: the field of a child record that names its parent (projectId).
    parent_field: str | None = None
    # For child resources read with the parent's id as a query parameter instead of in the
    # path (GET /PaySlips?PayRunID=...): that parameter's name.
    parent_param: str | None = None
    # The records are a list inside each enveloped object: GET /PayRuns/{id} answers
    # {"PayRuns": [{..., "Payslips": [...]}]}; records_key "PayRuns", nested_key "Payslips".
    nested_key: str | None = None
    # Payroll: the organisations whose API this is ("AU", "NZ", "UK"; None: every region).
    region: str | None = None
    # Resources of the Payroll, Files, Assets and Projects APIs: how the target writes them
    # (body shape, update method, match keys, status calls, lines: xero_core/endpoint_writes.py).
    write_spec: WriteSpec | None = None

    @property
    def base(self) -> str:
        return API_BASES[self.api]

    @property
    def url_path(self) -> str:
        """Path from the host, e.g. /api.xro/2.0/Invoices."""
        return self.base + self.path

    @property
    def write_scopes(self) -> tuple[str, ...]:
        """Any one of these lets a client write (the broad scope or its granular successor)."""
        return tuple(s for s in (self.scope, self.granular_scope) if s)

    @property
    def read_scopes(self) -> tuple[str, ...]:
        """Any one of these lets a client read: each write scope or its `.read` variant (a
        read-only scope, e.g. finance.statements.read, is its own and only variant)."""
        return tuple(x for s in self.write_scopes
                     for x in ((s, s) if s.endswith(".read") else (s, s + ".read")))

    @property
    def scope_hint(self) -> str:
        """The read scopes a 403 most likely lacks, for messages."""
        return " or ".join(self.read_scopes[1::2]) or "?"

    def identity_for(self, doc_type: object = None) -> str | None:
        """The identity field of a record of this type (None: the resource keeps none)."""
        kind = doc_type.strip().upper() if isinstance(doc_type, str) else ""
        for type_, field_ in self.identity_by_type:
            if kind == type_:
                return field_ or None
        return self.identity_field

    @property
    def identity_fields(self) -> tuple[str, ...]:
        """Every field a record of this resource may keep its source token in."""
        fields = [self.identity_field, *(f for _, f in self.identity_by_type)]
        return tuple(dict.fromkeys(f for f in fields if f))

    @property
    def has_history(self) -> bool:
        return Write.HISTORY in self.writes

    @property
    def has_attachments(self) -> bool:
        return Write.ATTACHMENTS in self.writes

    @property
    def page_size_max(self) -> int:
        if self.paging is Paging.PAGE_SIZE:
            return PROJECTS_MAX_PAGE_SIZE if self.api == "projects" else MAX_PAGE_SIZE
        if self.paging is Paging.PAGE_LOWER:
            return FILES_MAX_PAGE_SIZE
        return DEFAULT_PAGE_SIZE
