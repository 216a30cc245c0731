"""The endpoint table's rows for the Payroll (AU, NZ, UK), Files and Finance APIs.

Same Endpoint rows as xero_core/endpoints.py, which appends these to ENDPOINTS (import them
from there). Each row follows its vendored spec in xero_core/openapi/:

- Payroll AU v1 (`/payroll.xro/1.0`, xero-payroll-au.yaml): `page=N`, 100 a page, no page size;
  lists take If-Modified-Since, `where` and `order`; PascalCase envelopes and /Date()/ dates.
- Payroll AU v2 timesheets, NZ and UK (`/payroll.xro/2.0`): `page=N` (the specs take no page
  size; Xero pages by 100) and a `pagination` object; camelCase envelopes, ISO dates, no
  If-Modified-Since: read in full. One base for three APIs: the organisation's region
  (`region`) decides which one answers, and the tap reads a tenant's payroll streams only for
  its region.
- Files (`/files.xro/1.0`): `page` and lower-case `pagesize` (1..100), `Items` envelope.
- Finance (`/finance.xro/1.0`): single answers with read-only scopes. The financial statements
  are flattened into one stream (`finance_statement_rows`, like `report_rows`): FINANCE_STATEMENTS.
"""

from __future__ import annotations

from typing import Any

from xero_core import endpoint_writes as wr
from xero_core.endpoint_types import Endpoint, Paging, Write

_CU = frozenset({Write.CREATE, Write.UPDATE})
_CUD = frozenset({Write.CREATE, Write.UPDATE, Write.DELETE_HTTP})

PAYROLL_REGIONS = ("AU", "NZ", "UK")
# Organisation.CountryCode -> the payroll region whose API answers for it (UK is GB there).
REGION_OF_COUNTRY = {"AU": "AU", "NZ": "NZ", "GB": "UK"}

EMPLOYEES = "payroll.employees"
TIMESHEETS = "payroll.timesheets"
PAYRUNS = "payroll.payruns"
PAYSLIP = "payroll.payslip"
SETTINGS = "payroll.settings"
FILES = "files"
STATEMENTS = "finance.statements.read"
CASH_VALIDATION = "finance.cashvalidation.read"
BANK_STATEMENTS = "finance.bankstatementsplus.read"
ACCOUNTING_ACTIVITY = "finance.accountingactivity.read"  # no path of it in xero-finance.yaml

UPD_AU = "UpdatedDateUTC"


def _au(stream: str, path: str, key: str, pk: str | tuple[str, ...], schema: str, scope: str,
        **kw: Any) -> Endpoint:
    """A Payroll AU v1 row: paged lists take If-Modified-Since, `where` and `order`."""
    pk_t = (pk,) if isinstance(pk, str) else pk
    if kw.get("paging", Paging.PAGE) is Paging.PAGE and not kw.get("parent"):
        kw.setdefault("paging", Paging.PAGE)
        kw.setdefault("modified_since", True)
        kw.setdefault("replication_key", UPD_AU)
        kw.setdefault("where", True)
        kw.setdefault("order", True)
    return Endpoint(stream, path, key, pk_t, schema, scope, api="payroll_au",
                    region="AU", **kw)


def _v2(region: str, stream: str, path: str, key: str, pk: str | tuple[str, ...], schema: str,
        scope: str, **kw: Any) -> Endpoint:
    """A Payroll v2 row (NZ, UK, or AU's v2 timesheets): page=N, read in full."""
    pk_t = (pk,) if isinstance(pk, str) else pk
    api = kw.pop("api", f"payroll_{region.lower()}")
    return Endpoint(f"payroll_{region.lower()}_{stream}", path, key, pk_t, schema, scope,
                    api=api, region=region, **kw)


def _v2_family(region: str) -> tuple[Endpoint, ...]:
    """The rows NZ and UK share (same paths, envelopes and components in both specs)."""
    r = region
    pre = f"payroll_{r.lower()}"
    payslips = "/PaySlips" if r == "NZ" else "/Payslips"
    payslip_schema = "PaySlip" if r == "NZ" else "Payslip"
    return (
        _v2(r, "employees", "/Employees", "employees", "employeeID", "Employee", EMPLOYEES,
            paging=Paging.PAGE, writes=_CU, write_spec=wr.V2_EMPLOYEES, write_rank=1),
        # Children of an employee: one call per employee the parent stream emits.
        _v2(r, "employee_leave", "/Employees/{employeeID}/Leave", "leave", "leaveID",
            "EmployeeLeave", EMPLOYEES, parent=f"{pre}_employees", parent_field="employeeID",
            writes=_CUD, write_spec=wr.V2_EMPLOYEE_LEAVE, write_rank=3),
        _v2(r, "employee_leave_balances", "/Employees/{employeeID}/LeaveBalances",
            "leaveBalances", ("employeeID", "leaveTypeID"), "EmployeeLeaveBalance", EMPLOYEES,
            parent=f"{pre}_employees", parent_field="employeeID"),
        _v2(r, "employee_pay_templates", "/Employees/{employeeID}/PayTemplates", "payTemplate",
            "employeeID", "EmployeePayTemplate", EMPLOYEES, parent=f"{pre}_employees",
            parent_field="employeeID"),
        _v2(r, "pay_runs", "/PayRuns", "payRuns", "payRunID", "PayRun", PAYRUNS,
            paging=Paging.PAGE),
        # GET /PaySlips?PayRunID= (required): one listing per pay run the parent emits.
        _v2(r, "payslips", payslips, "paySlips", "paySlipID", payslip_schema, PAYSLIP,
            paging=Paging.PAGE, parent=f"{pre}_pay_runs", parent_field="payRunID",
            parent_param="PayRunID"),
        _v2(r, "timesheets", "/Timesheets", "timesheets", "timesheetID", "Timesheet",
            TIMESHEETS, paging=Paging.PAGE, writes=_CU, write_spec=wr.V2_TIMESHEETS,
            write_rank=3),
        # The listing leaves a timesheet's lines out; GET /Timesheets/{id} carries them.
        _v2(r, "timesheet_lines", "/Timesheets/{timesheetID}", "timesheet", "timesheetLineID",
            "TimesheetLine", TIMESHEETS, parent=f"{pre}_timesheets", parent_field="timesheetID",
            nested_key="timesheetLines"),
        _v2(r, "leave_types", "/LeaveTypes", "leaveTypes", "leaveTypeID", "LeaveType",
            SETTINGS, paging=Paging.PAGE),
        _v2(r, "earnings_rates", "/EarningsRates", "earningsRates", "earningsRateID",
            "EarningsRate", SETTINGS, paging=Paging.PAGE),
        _v2(r, "deductions", "/Deductions", "deductions", "deductionId", "Deduction", SETTINGS,
            paging=Paging.PAGE),
        _v2(r, "reimbursements", "/Reimbursements", "reimbursements", "reimbursementID",
            "Reimbursement", SETTINGS, paging=Paging.PAGE),
        _v2(r, "pay_run_calendars", "/PayRunCalendars", "payRunCalendars", "payrollCalendarID",
            "PayRunCalendar", SETTINGS, paging=Paging.PAGE),
        _v2(r, "settings", "/Settings", "settings", (), "Accounts", SETTINGS, singleton=True),
    )


PAYROLL_AU: tuple[Endpoint, ...] = (
    _au("payroll_au_employees", "/Employees", "Employees", "EmployeeID", "Employee",
        EMPLOYEES, writes=_CU, write_spec=wr.AU_EMPLOYEES, write_rank=1),
    _au("payroll_au_leave_applications", "/LeaveApplications", "LeaveApplications",
        "LeaveApplicationID", "LeaveApplication", EMPLOYEES, writes=_CU,
        write_spec=wr.AU_LEAVE_APPLICATIONS, write_rank=3),
    # One object holding four lists (EarningsRates, DeductionTypes, LeaveTypes,
    # ReimbursementTypes): one record per organisation.
    _au("payroll_au_pay_items", "/PayItems", "PayItems", (), "PayItem", SETTINGS,
        paging=Paging.NONE, singleton=True),
    _au("payroll_au_payroll_calendars", "/PayrollCalendars", "PayrollCalendars",
        "PayrollCalendarID", "PayrollCalendar", SETTINGS),
    _au("payroll_au_pay_runs", "/PayRuns", "PayRuns", "PayRunID", "PayRun", PAYRUNS),
    # The listing leaves payslips out; GET /PayRuns/{id} carries their summaries (a payslip's
    # lines are only at GET /Payslip/{id}, one call per payslip: not read).
    _au("payroll_au_payslips", "/PayRuns/{PayRunID}", "PayRuns", "PayslipID",
        "PayslipSummary", PAYRUNS, paging=Paging.NONE, parent="payroll_au_pay_runs",
        parent_field="PayRunID", nested_key="Payslips"),
    _au("payroll_au_super_funds", "/Superfunds", "SuperFunds", "SuperFundID", "SuperFund",
        SETTINGS),
    _au("payroll_au_timesheets", "/Timesheets", "Timesheets", "TimesheetID", "Timesheet",
        TIMESHEETS, writes=_CU, write_spec=wr.AU_TIMESHEETS, write_rank=3),
    _au("payroll_au_settings", "/Settings", "Settings", (), "Settings", SETTINGS,
        paging=Paging.NONE, singleton=True),
    # AU's v2 timesheets (/payroll.xro/2.0, xero-payroll-au-v2.yaml).
    _v2("AU", "v2_timesheets", "/Timesheets", "timesheets", "timesheetID", "Timesheet",
        TIMESHEETS, api="payroll_au_v2", paging=Paging.PAGE, writes=_CU,
        write_spec=wr.V2_TIMESHEETS, write_rank=3),
    # As NZ/UK: the listing leaves the lines out, GET /Timesheets/{id} carries them.
    _v2("AU", "v2_timesheet_lines", "/Timesheets/{timesheetID}", "timesheet", "timesheetLineID",
        "TimesheetLine", TIMESHEETS, api="payroll_au_v2", parent="payroll_au_v2_timesheets",
        parent_field="timesheetID", nested_key="timesheetLines"),
)

PAYROLL_NZ: tuple[Endpoint, ...] = (
    *_v2_family("NZ"),
    _v2("NZ", "statutory_deductions", "/StatutoryDeductions", "statutoryDeductions", "id",
        "StatutoryDeduction", SETTINGS, paging=Paging.PAGE),
    _v2("NZ", "superannuations", "/Superannuations", "benefits", "id", "Benefit", SETTINGS,
        paging=Paging.PAGE),
)

PAYROLL_UK: tuple[Endpoint, ...] = (
    *_v2_family("UK"),
    _v2("UK", "benefits", "/Benefits", "benefits", "id", "Benefit", SETTINGS,
        paging=Paging.PAGE),
    _v2("UK", "earnings_orders", "/EarningsOrders", "statutoryDeductions", "id",
        "EarningsOrder", SETTINGS, paging=Paging.PAGE),
)

FILES_API: tuple[Endpoint, ...] = (
    Endpoint("files", "/Files", "Items", ("Id",), "FileObject", FILES, api="files",
             paging=Paging.PAGE_LOWER, writes=frozenset({Write.CREATE}),
             write_spec=wr.FILES_UPLOAD),
    Endpoint("folders", "/Folders", "", ("Id",), "Folder", FILES, api="files"),
    # A file's associations (which invoice, contact ... it is attached to): a bare list.
    Endpoint("file_associations", "/Files/{Id}/Associations", "", ("FileId", "ObjectId"),
             "Association", FILES, api="files", parent="files", parent_field="FileId",
             writes=frozenset({Write.CREATE}), write_spec=wr.FILES_ASSOCIATE, write_rank=4),
)

FINANCE_API: tuple[Endpoint, ...] = (
    # A bare list, one entry per bank account; balanceDate / asAtSystemDate / beginDate come
    # from the settings finance_balance_date, finance_as_at_system_date, finance_begin_date.
    Endpoint("finance_cash_validation", "/CashValidation", "", ("accountId",),
             "CashValidationResponse", CASH_VALIDATION, api="finance"),
    # Per bank account (BankAccountID, FromDate, ToDate required): the tap lists the
    # organisation's BANK accounts (Accounting API) and asks for each; one record per
    # statement, its lines nested.
    Endpoint("finance_bank_statements", "/BankStatementsPlus/statements", "statements",
             ("statementId",), "StatementResponse", BANK_STATEMENTS, api="finance",
             parent_param="BankAccountID"),
)

# Financial statements flattened into `finance_statement_rows`: name -> (path, the query
# parameters it takes, the response component).
FINANCE_STATEMENTS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "BalanceSheet": ("/FinancialStatements/BalanceSheet", ("balanceDate",),
                     "BalanceSheetResponse"),
    "ProfitAndLoss": ("/FinancialStatements/ProfitAndLoss", ("startDate", "endDate"),
                      "ProfitAndLossResponse"),
    "TrialBalance": ("/FinancialStatements/TrialBalance", ("endDate",), "TrialBalanceResponse"),
    "Cashflow": ("/FinancialStatements/Cashflow", ("startDate", "endDate"), "CashflowResponse"),
    "IncomeByContact": ("/FinancialStatements/contacts/revenue",
                        ("startDate", "endDate", "includeManualJournals"),
                        "IncomeByContactResponse"),
    "ExpensesByContact": ("/FinancialStatements/contacts/expense",
                          ("startDate", "endDate", "includeManualJournals"),
                          "IncomeByContactResponse"),
}
FINANCE_STATEMENT_ROWS = "finance_statement_rows"

API_ENDPOINTS: tuple[Endpoint, ...] = (
    *PAYROLL_AU, *PAYROLL_NZ, *PAYROLL_UK, *FILES_API, *FINANCE_API)
