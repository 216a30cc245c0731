"""The table of Xero endpoints: the one place that says how each resource is read and written.

The tap builds its streams from it, the target picks its write rules from it, and the sandbox
generates its routes from it. One frozen row per resource.
"""

from __future__ import annotations

from xero_core import endpoint_writes as wr
from xero_core.endpoint_types import (
    API_BASES,
    DEFAULT_PAGE_SIZE,
    FILES_MAX_PAGE_SIZE,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS_PER_RECORD,
    MAX_BATCH,
    MAX_BODY_BYTES,
    MAX_HISTORY_DETAILS,
    MAX_IDEMPOTENCY_KEY,
    MAX_PAGE_SIZE,
    OFFSET_PAGE_SIZE,
    PROJECTS_MAX_PAGE_SIZE,
    Endpoint,
    Paging,
    RefField,
    Write,
)
from xero_core.endpoints_apis import API_ENDPOINTS

__all__ = [
    "API_BASES", "BY_PATH", "BY_STREAM", "DEFAULT_PAGE_SIZE", "ENDPOINTS", "EVENT_CATEGORIES",
    "FILES_MAX_PAGE_SIZE", "MAX_ATTACHMENTS_PER_RECORD", "MAX_ATTACHMENT_BYTES", "MAX_BATCH",
    "MAX_BODY_BYTES", "MAX_HISTORY_DETAILS", "MAX_IDEMPOTENCY_KEY", "MAX_PAGE_SIZE",
    "OFFSET_PAGE_SIZE", "PROJECTS_MAX_PAGE_SIZE", "REPORTS", "Endpoint", "Paging", "RefField",
    "Write", "endpoint",
]

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
             paging=Paging.PAGE_SIZE, list_params=(("status", "REGISTERED"),),
             writes=frozenset({W.CREATE, W.UPDATE}), write_spec=wr.ASSETS),
    Endpoint("asset_types", "/AssetTypes", "", ("assetTypeId",), "AssetType", "assets",
             api="assets", writes=frozenset({W.CREATE}), write_spec=wr.ASSET_TYPES,
             write_rank=1),
    Endpoint("asset_settings", "/Settings", "", (), "Setting", "assets", api="assets",
             singleton=True),
    # Projects API.
    Endpoint("projects", "/Projects", "items", ("projectId",), "Project", "projects",
             api="projects", paging=Paging.PAGE_SIZE, writes=frozenset({W.CREATE, W.UPDATE}),
             write_spec=wr.PROJECTS),
    Endpoint("project_tasks", "/Projects/{projectId}/Tasks", "items", ("taskId",), "Task",
             "projects", api="projects", paging=Paging.PAGE_SIZE, parent="projects",
             parent_field="projectId", write_spec=wr.PROJECT_TASKS, write_rank=3,
             writes=frozenset({W.CREATE, W.UPDATE, W.DELETE_HTTP})),
    Endpoint("project_time_entries", "/Projects/{projectId}/Time", "items", ("timeEntryId",),
             "TimeEntry", "projects", api="projects", paging=Paging.PAGE_SIZE,
             parent="projects", parent_field="projectId", write_spec=wr.PROJECT_TIME,
             write_rank=4, writes=frozenset({W.CREATE, W.UPDATE, W.DELETE_HTTP})),
    # Payroll (AU, NZ, UK), Files and Finance: xero_core/endpoints_apis.py.
    *API_ENDPOINTS,
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
