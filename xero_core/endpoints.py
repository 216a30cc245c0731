"""The table of Xero endpoints: the one place that says how each resource is read and written.

The tap builds its streams from it, the target picks its write rules from it, and the sandbox
generates its routes from it. One frozen row per resource.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Paging(str, enum.Enum):
    """How a list endpoint pages."""

    NONE = "none"  # one call answers everything
    PAGE = "page"  # page=N, 100 a page, no pageSize
    PAGE_SIZE = "page_size"  # page=N&pageSize=1..1000, answers a `pagination` object
    OFFSET = "offset"  # offset=<last number>, 100 a call (Journals)


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
}

MAX_PAGE_SIZE = 1000
PROJECTS_MAX_PAGE_SIZE = 500  # the Projects API takes pageSize 1..500
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
        """Any one of these lets a client read: each write scope or its `.read` variant."""
        return tuple(x for s in self.write_scopes for x in (s, s + ".read"))

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
        return DEFAULT_PAGE_SIZE


W = Write

# Granular scopes (apps created from 2 March 2026 get these instead of accounting.transactions);
# items are readable with accounting.settings too.
GRANULAR_SCOPES: dict[str, str] = {
    **dict.fromkeys(("credit_notes", "invoices", "linked_transactions", "purchase_orders",
                     "quotes", "repeating_invoices", "items"), "accounting.invoices"),
    **dict.fromkeys(("batch_payments", "overpayments", "payments", "prepayments"),
                    "accounting.payments"),
    **dict.fromkeys(("bank_transactions", "bank_transfers"), "accounting.banktransactions"),
    "manual_journals": "accounting.manualjournals",
}
_DOC = frozenset({W.CREATE, W.UPDATE, W.HISTORY, W.ATTACHMENTS})
_TX = "accounting.transactions"
_SET = "accounting.settings"
_CONTACT = RefField("Contact", "contacts", "ContactID", "Name")


def _acc(
    stream: str,
    path: str,
    key: str,
    pk: str | tuple[str, ...],
    schema: str,
    scope: str,
    **kw: object,
) -> Endpoint:
    pk_t = (pk,) if isinstance(pk, str) else pk
    kw.setdefault("where", kw.get("modified_since", False))
    kw.setdefault("order", kw.get("modified_since", False))
    kw.setdefault("granular_scope", GRANULAR_SCOPES.get(stream, ""))
    return Endpoint(stream, path, key, pk_t, schema, scope, **kw)  # type: ignore[arg-type]


UPD = "UpdatedDateUTC"

ENDPOINTS: tuple[Endpoint, ...] = (
    _acc("accounts", "/Accounts", "Accounts", "AccountID", "Account", _SET,
         modified_since=True, replication_key=UPD, natural_keys=("Code",), status_field="Status",
         writes=frozenset({W.CREATE, W.UPDATE, W.ARCHIVE, W.DELETE_HTTP, W.ATTACHMENTS}),
         batch_max=1,
         write_rank=0),
    _acc("bank_transactions", "/BankTransactions", "BankTransactions", "BankTransactionID",
         "BankTransaction", _TX, paging=Paging.PAGE_SIZE, modified_since=True,
         replication_key=UPD, status_field="Status", writes=_DOC | {W.DELETE_STATUS},
         identity_field="Reference",
         status_before_delete="AUTHORISED",
         ref_fields=(_CONTACT, RefField("BankAccount", "accounts", "AccountID", "Code",
                                        must_exist=True))),
    _acc("bank_transfers", "/BankTransfers", "BankTransfers", "BankTransferID", "BankTransfer",
         _TX, modified_since=True, replication_key="CreatedDateUTC", status_field="Status",
         writes=frozenset({W.CREATE, W.HISTORY, W.ATTACHMENTS}),
         list_params=(("includeDeleted", "true"),),  # else Xero hides deleted transfers
         identity_field="Reference",
         write_rank=3,
         ref_fields=(RefField("FromBankAccount", "accounts", "AccountID", "Code", True),
                     RefField("ToBankAccount", "accounts", "AccountID", "Code", True))),
    _acc("batch_payments", "/BatchPayments", "BatchPayments", "BatchPaymentID", "BatchPayment",
         _TX, modified_since=True, replication_key=UPD, status_field="Status",
         writes=frozenset({W.CREATE, W.HISTORY, W.DELETE_STATUS}),
         identity_field="Reference",
         write_rank=3, status_before_delete="AUTHORISED",
         keep_fields=frozenset({"Payments"})),
    _acc("branding_themes", "/BrandingThemes", "BrandingThemes", "BrandingThemeID",
         "BrandingTheme", _SET,
         write_rank=0, optional_ref_id="BrandingThemeID"),
    _acc("budgets", "/Budgets", "Budgets", "BudgetID", "Budget", "accounting.budgets",
         lookup_param="IDs"),
    _acc("contact_groups", "/ContactGroups", "ContactGroups", "ContactGroupID", "ContactGroup",
         "accounting.contacts", natural_keys=("Name",), status_field="Status", where=True,
         order=True, writes=frozenset({W.CREATE, W.UPDATE, W.DELETE_STATUS}),
         write_rank=1, status_before_delete="ACTIVE"),
    _acc("contacts", "/Contacts", "Contacts", "ContactID", "Contact", "accounting.contacts",
         paging=Paging.PAGE_SIZE, modified_since=True, replication_key=UPD,
         natural_keys=("Name",), status_field="ContactStatus",
         writes=_DOC | {W.ARCHIVE}, list_params=(("includeArchived", "true"),),
         lookup_param="IDs", number_field="ContactNumber",
         identity_field="ContactNumber", identity_max=50,
         write_rank=1),
    _acc("credit_notes", "/CreditNotes", "CreditNotes", "CreditNoteID", "CreditNote", _TX,
         paging=Paging.PAGE_SIZE, modified_since=True, replication_key=UPD,
         natural_keys=("CreditNoteNumber",), status_field="Status",
         writes=_DOC | {W.VOID, W.DELETE_STATUS}, number_field="CreditNoteNumber",
         identity_field="Reference",
         identity_by_type=(("ACCPAYCREDIT", "CreditNoteNumber"),),
         ref_fields=(_CONTACT,), typed_numbers=True),
    _acc("currencies", "/Currencies", "Currencies", "Code", "Currency", _SET,
         where=True, order=True, writes=frozenset({W.CREATE}),
         write_rank=0),
    _acc("invoices", "/Invoices", "Invoices", "InvoiceID", "Invoice", _TX,
         paging=Paging.PAGE_SIZE, modified_since=True, replication_key=UPD,
         natural_keys=("InvoiceNumber",), status_field="Status",
         writes=_DOC | {W.VOID, W.DELETE_STATUS, W.EMAIL}, lookup_param="IDs",
         natural_lookup_param="InvoiceNumbers", status_param="Statuses",
         number_field="InvoiceNumber",
         identity_field="Reference",
         identity_by_type=(("ACCPAY", "InvoiceNumber"),),
         ref_fields=(_CONTACT,), typed_numbers=True),
    _acc("invoice_reminders", "/InvoiceReminders/Settings", "InvoiceReminders", (),
         "InvoiceReminder", _SET),
    _acc("items", "/Items", "Items", "ItemID", "Item", _SET, modified_since=True,
         replication_key=UPD, natural_keys=("Code",), number_field="Code",
         writes=frozenset({W.CREATE, W.UPDATE, W.DELETE_HTTP, W.HISTORY}), hard_deletes=True,
         write_rank=1),
    _acc("journals", "/Journals", "Journals", "JournalID", "Journal", "accounting.journals",
         paging=Paging.OFFSET, modified_since=True, replication_key="JournalNumber",
         where=False, order=False, number_field="JournalNumber"),
    _acc("linked_transactions", "/LinkedTransactions", "LinkedTransactions",
         "LinkedTransactionID", "LinkedTransaction", _TX, paging=Paging.PAGE,
         replication_key=UPD, status_field="Status", hard_deletes=True,
         writes=frozenset({W.CREATE, W.UPDATE, W.DELETE_HTTP}), status_param="Status",
         natural_keys=("SourceLineItemID",),
         write_rank=3),
    _acc("manual_journals", "/ManualJournals", "ManualJournals", "ManualJournalID",
         "ManualJournal", _TX, paging=Paging.PAGE_SIZE, modified_since=True,
         replication_key=UPD, status_field="Status", writes=_DOC | {W.VOID, W.DELETE_STATUS},
         identity_field="Narration", identity_max=4000,
         void_from_status="POSTED"),
    _acc("organisation", "/Organisation", "Organisations", "OrganisationID", "Organisation",
         _SET),
    _acc("overpayments", "/Overpayments", "Overpayments", "OverpaymentID", "Overpayment", _TX,
         paging=Paging.PAGE_SIZE, modified_since=True, replication_key=UPD,
         status_field="Status", writes=frozenset({W.HISTORY}),
         write_rank=3),
    _acc("payments", "/Payments", "Payments", "PaymentID", "Payment", _TX,
         paging=Paging.PAGE_SIZE, modified_since=True, replication_key=UPD,
         status_field="Status", writes=frozenset({W.CREATE, W.REVERSE, W.HISTORY}),
         identity_field="Reference",
         write_rank=3,
         ref_fields=(RefField("Invoice", "invoices", "InvoiceID", "InvoiceNumber", True),
                     RefField("CreditNote", "credit_notes", "CreditNoteID",
                              "CreditNoteNumber", True),
                     RefField("Account", "accounts", "AccountID", "Code", must_exist=True))),
    _acc("payment_services", "/PaymentServices", "PaymentServices", "PaymentServiceID",
         "PaymentService", "paymentservices"),
    _acc("prepayments", "/Prepayments", "Prepayments", "PrepaymentID", "Prepayment", _TX,
         paging=Paging.PAGE_SIZE, modified_since=True, replication_key=UPD,
         status_field="Status", writes=frozenset({W.HISTORY}),
         write_rank=3),
    _acc("purchase_orders", "/PurchaseOrders", "PurchaseOrders", "PurchaseOrderID",
         "PurchaseOrder", _TX, paging=Paging.PAGE_SIZE, modified_since=True,
         replication_key=UPD, natural_keys=("PurchaseOrderNumber",), status_field="Status",
         writes=_DOC | {W.DELETE_STATUS}, where=False, status_param="Status",
         identity_field="Reference", number_field="PurchaseOrderNumber",
         ref_fields=(_CONTACT,)),
    _acc("quotes", "/Quotes", "Quotes", "QuoteID", "Quote", _TX, paging=Paging.PAGE,
         modified_since=True, replication_key=UPD, natural_keys=("QuoteNumber",),
         status_field="Status", writes=_DOC | {W.DELETE_STATUS}, where=False,
         status_param="Status",
         identity_field="Reference",
         ref_fields=(_CONTACT,)),
    _acc("repeating_invoices", "/RepeatingInvoices", "RepeatingInvoices", "RepeatingInvoiceID",
         "RepeatingInvoice", _TX, status_field="Status", where=True, order=True,
         writes=frozenset({W.CREATE, W.UPDATE, W.DELETE_STATUS, W.HISTORY, W.ATTACHMENTS}),
         identity_field="Reference",
         identity_by_type=(("ACCPAY", ""),),
         ref_fields=(_CONTACT,), optional_ref_id="RepeatingInvoiceID",
         status_before_delete="AUTHORISED"),
    _acc("tax_rates", "/TaxRates", "TaxRates", "TaxType", "TaxRate", _SET,
         natural_keys=("Name",), status_field="Status", where=True, order=True,
         writes=frozenset({W.CREATE, W.UPDATE, W.DELETE_STATUS}),
         write_rank=0, status_before_delete="ACTIVE"),
    _acc("tracking_categories", "/TrackingCategories", "TrackingCategories",
         "TrackingCategoryID", "TrackingCategory", _SET, natural_keys=("Name",),
         status_field="Status", where=True, order=True, hard_deletes=True,
         nested_status="Options", list_params=(("includeArchived", "true"),),
         writes=frozenset({W.CREATE, W.UPDATE, W.ARCHIVE, W.DELETE_HTTP}),
         write_rank=0, single_object_body=True),
    _acc("users", "/Users", "Users", "UserID", "User", _SET, modified_since=True,
         replication_key=UPD),
    # Assets API: answers {"pagination": {...}, "items": [...]} for assets.
    Endpoint("assets", "/Assets", "items", ("assetId",), "Asset", "assets", api="assets",
             paging=Paging.PAGE_SIZE, list_params=(("status", "REGISTERED"),)),
    Endpoint("asset_types", "/AssetTypes", "", ("assetTypeId",), "AssetType", "assets",
             api="assets"),
    Endpoint("asset_settings", "/Settings", "", (), "Setting", "assets", api="assets",
             singleton=True),
    # Projects API.
    Endpoint("projects", "/Projects", "items", ("projectId",), "Project", "projects",
             api="projects", paging=Paging.PAGE_SIZE),
    Endpoint("project_tasks", "/Projects/{projectId}/Tasks", "items", ("taskId",), "Task",
             "projects", api="projects", paging=Paging.PAGE_SIZE, parent="projects",
             parent_field="projectId"),
    Endpoint("project_time_entries", "/Projects/{projectId}/Time", "items", ("timeEntryId",),
             "TimeEntry", "projects", api="projects", paging=Paging.PAGE_SIZE,
             parent="projects", parent_field="projectId"),
)

BY_STREAM: dict[str, Endpoint] = {e.stream: e for e in ENDPOINTS}
BY_PATH: dict[str, Endpoint] = {e.path.lower(): e for e in ENDPOINTS if e.api == "accounting"}

# Reports: name -> the query parameters the tap sends (the tap fills in dates).
REPORTS: tuple[str, ...] = (
    "BalanceSheet",
    "ProfitAndLoss",
    "TrialBalance",
    "BankSummary",
    "BudgetSummary",
    "ExecutiveSummary",
    "AgedPayablesByContact",
    "AgedReceivablesByContact",
)
REPORT_SCOPE = "accounting.reports.read"  # the broad scope, deprecated for new apps
REPORT_GRANULAR_SCOPES: dict[str, str] = {
    "BalanceSheet": "accounting.reports.balancesheet.read",
    "ProfitAndLoss": "accounting.reports.profitandloss.read",
    "TrialBalance": "accounting.reports.trialbalance.read",
    "BankSummary": "accounting.reports.banksummary.read",
    "BudgetSummary": "accounting.reports.budgetsummary.read",
    "ExecutiveSummary": "accounting.reports.executivesummary.read",
    "AgedPayablesByContact": "accounting.reports.aged.read",
    "AgedReceivablesByContact": "accounting.reports.aged.read",
}


def report_scopes(report: str) -> tuple[str, ...]:
    """Any one of these lets a client read the report."""
    granular = REPORT_GRANULAR_SCOPES.get(report)
    return (REPORT_SCOPE, granular) if granular else (REPORT_SCOPE,)

# Webhook-style event categories, for the record types Xero sends events for.
EVENT_CATEGORIES = {"invoices": "INVOICE", "contacts": "CONTACT"}


def endpoint(stream: str) -> Endpoint:
    """The row for a stream name, or KeyError naming the known streams."""
    try:
        return BY_STREAM[stream]
    except KeyError:
        raise KeyError(f"unknown Xero stream {stream!r}; known: {', '.join(BY_STREAM)}") from None
