"""How the resources of Xero's other APIs (Payroll, Files, Assets, Projects) are written: the
write-side half of their endpoint rows (`Endpoint.write_spec`).

The Accounting API writes every resource one way (envelopes of up to 50, PUT creates, POST
updates, Status for removals: the Endpoint's own fields say the rest). The other APIs differ per
resource: Payroll AU v1 takes a bare JSON array, Payroll NZ/UK, Assets and Projects one object a
call, approval is a call of its own (POST /Timesheets/{id}/Approve) or a PATCH, a v2
timesheet's lines are a sub-resource, and Files takes multipart uploads. One `WriteSpec` per row
says which; the target reads it (target_xero/api_sink.py, files_sink.py), never its own copy.
"""

from __future__ import annotations

from dataclasses import dataclass

# Sinks (the target's write modes) a WriteSpec can ask for.
API_SINK = "api"  # JSON records: create, update, status calls, sub-resource lines
UPLOAD_SINK = "upload"  # Files: multipart upload into a folder
ASSOCIATE_SINK = "associate"  # Files: a file attached to an invoice, contact ...

# Files API ObjectGroup -> (the Accounting stream of the object, its business key field or ""):
# an association names its object by ObjectId or by e.g. an invoice's number.
OBJECT_GROUPS: dict[str, tuple[str, str]] = {
    "Invoice": ("invoices", "InvoiceNumber"),
    "CreditNote": ("credit_notes", "CreditNoteNumber"),
    "Contact": ("contacts", "Name"),
    "Account": ("accounts", "Code"),
    "Quote": ("quotes", "QuoteNumber"),
    "PurchaseOrder": ("purchase_orders", "PurchaseOrderNumber"),
    "BankTransaction": ("bank_transactions", ""),
    "ManualJournal": ("manual_journals", ""),
    "Overpayment": ("overpayments", ""),
    "Prepayment": ("prepayments", ""),
    "Payment": ("payments", ""),
    "Receipt": ("", ""),
}


@dataclass(frozen=True)
class StatusCall:
    """How a resource moves to a status: POST {path}/{id}/{sub} (sub set, no body) or
    {method} {path}/{id} with {status_field: status} (sub empty)."""

    status: str
    method: str = "POST"
    sub: str = ""


@dataclass(frozen=True)
class LinesSpec:
    """Lines written as a sub-resource: POST {path}/{id}/{path_part} adds one, PUT
    {path}/{id}/{path_part}/{lineId} changes one, DELETE removes one (v2 timesheet lines)."""

    field: str  # the record's list of lines, e.g. "timesheetLines"
    path_part: str  # e.g. "Lines"
    id_field: str  # e.g. "timesheetLineID"
    keys: tuple[str, ...]  # what makes two lines the same line, e.g. date + earnings rate
    answer_key: str = ""  # where a line write's answer holds the line ("timesheetLine")
    editable_status: str = ""  # lines change only in this status ("Draft"): revert first


@dataclass(frozen=True)
class WriteSpec:
    """The write rules of a resource outside the Accounting API."""

    sink: str = API_SINK
    body: str = "object"  # "list": a bare JSON array of records (Payroll AU v1)
    body_schema: str = ""  # the component a create / update body follows ("": the row's)
    update_method: str = ""  # on {path}/{id}: "POST" (AU v1), "PUT" (v2, Projects); "" none
    update_by_body: bool = False  # the update goes to {path} itself, its id in the body (Assets)
    match_keys: tuple[str, ...] = ()  # fields that find the record Xero already holds
    answer_key: str = ""  # where a write's answer holds the record ("timesheet" in v2)
    status_field: str = ""
    status_calls: tuple[StatusCall, ...] = ()  # statuses set by a call of their own
    # Statuses only Xero sets (a processed timesheet) -> the status a copy is created in; a
    # record Xero holds keeps its own status when the record carries one of these.
    xero_statuses: tuple[tuple[str, str], ...] = ()
    lines: LinesSpec | None = None
    # Fields naming another resource of the same API by id, e.g. (("taskId", "project_tasks"),)
    # are kept as they are; a child's parent is the row's `parent` / `parent_field`.
    id_refs: tuple[tuple[str, str], ...] = ()
    # Listings that together hold every record (Assets lists one status a call); () the row's.
    lookups: tuple[tuple[tuple[str, str], ...], ...] = ()

    def status_call(self, status: str) -> StatusCall | None:
        for call in self.status_calls:
            if call.status.casefold() == status.casefold():
                return call
        return None


# -- the write rules of each resource (the rows in endpoints.py / endpoints_apis.py name them) --

# Payroll AU v1: POST a bare array (a batch), POST {path}/{id} [record] updates; status inline
# (a timesheet POSTed with Status APPROVED is approved).
AU_TIMESHEETS = WriteSpec(body="list", update_method="POST", status_field="Status",
                          match_keys=("EmployeeID", "StartDate"),
                          xero_statuses=(("PROCESSED", "APPROVED"),))
AU_EMPLOYEES = WriteSpec(body="list", update_method="POST",
                         match_keys=("FirstName", "LastName", "DateOfBirth"))
AU_LEAVE_APPLICATIONS = WriteSpec(body="list", update_method="POST",
                                  match_keys=("EmployeeID", "LeaveTypeID", "StartDate",
                                              "EndDate"))
# Payroll v2 (NZ, UK, AU v2 timesheets): one object a call, answered {"timesheet": {...}};
# lines are a sub-resource, changed only in Draft; Approve / RevertToDraft are calls.
V2_TIMESHEETS = WriteSpec(
    answer_key="timesheet", status_field="status", match_keys=("employeeID", "startDate"),
    xero_statuses=(("Completed", "Approved"),),
    status_calls=(StatusCall("Approved", "POST", "Approve"),
                  StatusCall("Draft", "POST", "RevertToDraft")),
    lines=LinesSpec("timesheetLines", "Lines", "timesheetLineID",
                    ("date", "earningsRateID", "trackingItemID"), answer_key="timesheetLine",
                    editable_status="Draft"))
V2_EMPLOYEES = WriteSpec(answer_key="employee", update_method="PUT",
                         match_keys=("firstName", "lastName", "dateOfBirth"))
V2_EMPLOYEE_LEAVE = WriteSpec(answer_key="leave", update_method="PUT",
                              match_keys=("leaveTypeID", "startDate", "endDate"))
# Files: multipart uploads, and associations of a file with a document.
FILES_UPLOAD = WriteSpec(sink=UPLOAD_SINK)
FILES_ASSOCIATE = WriteSpec(sink=ASSOCIATE_SINK)
# Assets: POST /Assets creates a draft or registered asset (assetStatus in the body), and with
# its assetId changes a draft; the asset number finds it again. Xero lists one status a call.
ASSETS = WriteSpec(match_keys=("assetNumber",), update_method="POST", update_by_body=True,
                   lookups=((("status", "DRAFT"),), (("status", "REGISTERED"),),
                            (("status", "DISPOSED"),)))
ASSET_TYPES = WriteSpec(match_keys=("assetTypeName",))
# Projects: POST creates, PUT {id} updates, PATCH {id} {"status": ...} closes or reopens.
PROJECTS = WriteSpec(body_schema="ProjectCreateOrUpdate", update_method="PUT",
                     match_keys=("name",), status_field="status",
                     status_calls=(StatusCall("CLOSED", "PATCH"),
                                   StatusCall("INPROGRESS", "PATCH")))
PROJECT_TASKS = WriteSpec(body_schema="TaskCreateOrUpdate", update_method="PUT",
                          match_keys=("name",))
PROJECT_TIME = WriteSpec(body_schema="TimeEntryCreateOrUpdate", update_method="PUT",
                         match_keys=("taskId", "userId", "dateUtc", "description"))
