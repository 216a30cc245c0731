"""The seed's Payroll AU records (v1: PascalCase fields, `/Date(ms+0000)/` dates): settings, pay
items, a fortnightly payroll calendar, super funds, employees, timesheets, pay runs with their
payslips, leave applications; and the same timesheets as Payroll AU v2 answers them.
"""

from __future__ import annotations

from typing import Any

from xero_sandbox.backend.seed_context import SeedContext
from xero_sandbox.backend.seed_payroll_people import (
    PERIOD_DAYS,
    Person,
    calendar_start,
    employed,
    iso_time,
    money,
    people,
    periods,
)

Record = dict[str, Any]
HOURS_A_DAY = 7.6  # an AU full-time day (38-hour week)
SUPER_RATE = 0.12
TAX_RATE = 0.22


def build(ctx: SeedContext) -> None:
    accounts = ctx.refs["accounts"]
    settings_ms = ctx.settings_time()
    _settings(ctx, accounts, settings_ms)
    items = _pay_items(ctx, settings_ms)
    calendar = _calendar(ctx)
    funds = _super_funds(ctx)
    staff = people(ctx, "AU")
    emp_ids = [_employee(ctx, p, i, items, calendar, funds) for i, p in enumerate(staff)]
    _timesheets_and_pay_runs(ctx, staff, emp_ids, items, calendar)
    _leave_applications(ctx, staff, emp_ids, items)


def _ref(ctx: SeedContext, day: int) -> str:
    return ctx.date(day)


def _settings(ctx: SeedContext, accounts: dict[str, Record], at_ms: int) -> None:
    rows = []
    for code, kind in (("090", "BANK"), ("477", "WAGESEXPENSE"), ("804", "WAGESPAYABLELIABILITY"),
                       ("800", "PAYGLIABILITY"), ("485", "SUPERANNUATIONEXPENSE"),
                       ("801", "SUPERANNUATIONLIABILITY")):
        acc = accounts[code]
        rows.append({"AccountID": acc["AccountID"], "Type": kind, "Code": code,
                     "Name": acc["Name"]})
    tracking = ctx.refs.get("tracking") or []
    categories: Record = {}
    if tracking and tracking[0]:
        first = tracking[0][0]
        cat = {"TrackingCategoryID": first.get("TrackingCategoryID", ""),
               "TrackingCategoryName": first.get("Name", "")}
        categories = {"EmployeeGroups": cat, "TimesheetCategories": cat}
    ctx.stage("payroll_au_settings", {"Accounts": rows, "TrackingCategories": categories,
                                      "DaysInPayrollYear": 364, "EmployeesAreSTP2": True}, at_ms)


def _pay_items(ctx: SeedContext, at_ms: int) -> dict[str, str]:
    ids: dict[str, str] = {}
    upd = ctx.date(ctx.day_of(at_ms))

    def rid(name: str) -> str:
        ids[name] = ctx.ids()
        return ids[name]

    common = {"IsExemptFromTax": False, "IsExemptFromSuper": False, "IsReportableAsW1": True,
              "AccrueLeave": False, "UpdatedDateUTC": upd, "CurrentRecord": True,
              "AccountCode": "477", "IsQualifyingEarnings": True}
    earnings = [
        {**common, "EarningsRateID": rid("ordinary"), "Name": "Ordinary Hours",
         "EarningsType": "ORDINARYTIMEEARNINGS", "RateType": "RATEPERUNIT",
         "TypeOfUnits": "Hours", "AccrueLeave": True},
        {**common, "EarningsRateID": rid("overtime"), "Name": "Overtime Hours (exempt from super)",
         "EarningsType": "OVERTIMEEARNINGS", "RateType": "MULTIPLE", "TypeOfUnits": "Hours",
         "Multiplier": 1.5, "IsExemptFromSuper": True, "IsQualifyingEarnings": False},
        {**common, "EarningsRateID": rid("allowance"), "Name": "Travel Allowance",
         "EarningsType": "ALLOWANCE", "RateType": "FIXEDAMOUNT", "TypeOfUnits": "Fixed",
         "Amount": 50.0, "AllowanceType": "TRAVEL", "IsQualifyingEarnings": False},
    ]
    deductions = [
        {"DeductionTypeID": rid("union"), "Name": "Union Fees", "AccountCode": "800",
         "ReducesTax": False, "ReducesSuper": False, "IsExemptFromW1": False,
         "DeductionCategory": "UNIONFEES", "UpdatedDateUTC": upd, "CurrentRecord": True},
        {"DeductionTypeID": rid("giving"), "Name": "Workplace Giving", "AccountCode": "800",
         "ReducesTax": True, "ReducesSuper": False, "IsExemptFromW1": False,
         "DeductionCategory": "WORKPLACEGIVING", "UpdatedDateUTC": upd, "CurrentRecord": True},
    ]
    leave = [
        {"LeaveTypeID": rid("annual"), "Name": "Annual Leave", "TypeOfUnits": "Hours",
         "NormalEntitlement": 152.0, "LeaveLoadingRate": 0.175, "IsPaidLeave": True,
         "ShowOnPayslip": True, "CurrentRecord": True, "LeaveCategoryCode": "ANNUALLEAVE",
         "SGCExempt": False, "IsQualifyingEarnings": True, "UpdatedDateUTC": upd},
        {"LeaveTypeID": rid("personal"), "Name": "Personal/Carer's Leave", "TypeOfUnits": "Hours",
         "NormalEntitlement": 76.0, "LeaveLoadingRate": 0.0, "IsPaidLeave": True,
         "ShowOnPayslip": True, "CurrentRecord": True,
         "LeaveCategoryCode": "PERSONALSICKCARERSLEAVE", "SGCExempt": False,
         "IsQualifyingEarnings": True, "UpdatedDateUTC": upd},
        {"LeaveTypeID": rid("long_service"), "Name": "Long Service Leave", "TypeOfUnits": "Hours",
         "NormalEntitlement": 0.0, "LeaveLoadingRate": 0.0, "IsPaidLeave": True,
         "ShowOnPayslip": False, "CurrentRecord": True, "LeaveCategoryCode": "LONGSERVICELEAVE",
         "SGCExempt": False, "IsQualifyingEarnings": True, "UpdatedDateUTC": upd},
    ]
    reimbursements = [
        {"ReimbursementTypeID": rid("travel"), "Name": "Travel Costs", "AccountCode": "493",
         "UpdatedDateUTC": upd, "CurrentRecord": True},
        {"ReimbursementTypeID": rid("tools"), "Name": "Tools and Equipment", "AccountCode": "429",
         "UpdatedDateUTC": upd, "CurrentRecord": True},
    ]
    ctx.stage("payroll_au_pay_items", {"EarningsRates": earnings, "DeductionTypes": deductions,
                                       "LeaveTypes": leave,
                                       "ReimbursementTypes": reimbursements}, at_ms)
    return ids


def _calendar(ctx: SeedContext) -> str:
    cid = ctx.ids()
    start = calendar_start(ctx)
    ctx.stage("payroll_au_payroll_calendars", {
        "PayrollCalendarID": cid, "Name": "Fortnightly Calendar", "CalendarType": "FORTNIGHTLY",
        "StartDate": ctx.date(start), "PaymentDate": ctx.date(start + PERIOD_DAYS + 2),
        "ReferenceDate": ctx.date(start)}, ctx.at(start))
    start_m = start - start % 30
    ctx.stage("payroll_au_payroll_calendars", {
        "PayrollCalendarID": ctx.ids(), "Name": "Monthly Calendar", "CalendarType": "MONTHLY",
        "StartDate": ctx.date(start_m), "PaymentDate": ctx.date(start_m + 30),
        "ReferenceDate": ctx.date(start_m)}, ctx.at(start))
    return cid


def _super_funds(ctx: SeedContext) -> list[str]:
    ids = [ctx.ids() for _ in range(3)]
    when = ctx.settings_time()
    ctx.stage("payroll_au_super_funds", {
        "SuperFundID": ids[0], "Type": "REGULATED", "Name": "AustralianSuper",
        "ABN": "65714394898", "USI": "STA0100AU"}, when)
    ctx.stage("payroll_au_super_funds", {
        "SuperFundID": ids[1], "Type": "REGULATED", "Name": "Hostplus",
        "ABN": "68657495890", "USI": "HOS0001AU"}, when)
    ctx.stage("payroll_au_super_funds", {
        "SuperFundID": ids[2], "Type": "SMSF", "Name": "Demo Family Super Fund",
        "ABN": "40022701955", "BSB": "062000", "AccountNumber": "12345678",
        "AccountName": "Demo Family Super Fund", "ElectronicServiceAddress": "SMSFDataFlow",
        "EmployerNumber": ""}, when)
    return ids


def _employee(ctx: SeedContext, p: Person, i: int, items: dict[str, str], calendar: str,
              funds: list[str]) -> str:
    eid = ctx.ids()
    r = ctx.rng.random
    city, state, post = p.city
    membership = ctx.ids()
    basis = "CASUAL" if p.hourly and i % 2 else ("PARTTIME" if p.hourly else "FULLTIME")
    updated = ctx.at(max(p.start_day, ctx.first_day + int(r() * 700)))
    earnings_line: Record = {"EarningsRateID": items["ordinary"],
                             "CalculationType": "USEEARNINGSRATE",
                             "NormalNumberOfUnits": 76.0}
    if not p.hourly:
        earnings_line = {"EarningsRateID": items["ordinary"], "CalculationType": "ANNUALSALARY",
                         "AnnualSalary": money(p.rate * 38 * 52), "NumberOfUnitsPerWeek": 38.0}
    rec: Record = {
        "EmployeeID": eid, "Title": "Ms" if p.female else "Mr", "FirstName": p.first,
        "LastName": p.last, "Status": "TERMINATED" if p.end_day else "ACTIVE",
        "Email": f"{p.first.lower()}.{p.last.lower()}@example.com.au",
        "DateOfBirth": ctx.date(p.birth_day), "Gender": "F" if p.female else "M",
        "Phone": f"02 9{int(r() * 1e7):07d}", "Mobile": f"04{int(r() * 1e8):08d}",
        "HomeAddress": {"AddressLine1": p.street, "City": city, "Region": state,
                        "PostalCode": post, "Country": "AUSTRALIA"},
        "StartDate": ctx.date(p.start_day), "JobTitle": p.job,
        "OrdinaryEarningsRateID": items["ordinary"], "PayrollCalendarID": calendar,
        "IsAuthorisedToApproveLeave": i == 0, "IsAuthorisedToApproveTimesheets": i == 0,
        "IsSTP2Qualified": True, "IncomeType": "SALARYANDWAGES", "EmploymentType": "EMPLOYEE",
        "CountryOfResidence": "AU",
        "BankAccounts": [{"StatementText": "Salary", "AccountName": f"{p.first} {p.last}",
                          "BSB": f"{int(r() * 1e6):06d}",
                          "AccountNumber": f"{int(r() * 1e8):08d}", "Remainder": True}],
        "TaxDeclaration": {"EmployeeID": eid, "EmploymentBasis": basis,
                           "TaxFileNumber": "123456782",
                           "AustralianResidentForTaxPurposes": True,
                           "ResidencyStatus": "AUSTRALIANRESIDENT",
                           "TaxFreeThresholdClaimed": i % 4 != 3, "HasHELPDebt": i % 5 == 1,
                           "HasSFSSDebt": False, "HasTradeSupportLoanDebt": False,
                           "EligibleToReceiveLeaveLoading": True,
                           "HasStudentStartupLoan": False, "HasLoanOrStudentDebt": i % 5 == 1,
                           "UpdatedDateUTC": ctx.date(p.start_day)},
        "LeaveBalances": [{"LeaveName": "Annual Leave", "LeaveTypeID": items["annual"],
                           "NumberOfUnits": round(r() * 150, 4), "TypeOfUnits": "Hours"},
                          {"LeaveName": "Personal/Carer's Leave",
                           "LeaveTypeID": items["personal"],
                           "NumberOfUnits": round(r() * 76, 4), "TypeOfUnits": "Hours"}],
        "SuperMemberships": [{"SuperMembershipID": membership, "SuperFundID": funds[i % 3],
                              "EmployeeNumber": f"{100000 + i}"}],
        "PayTemplate": {
            "EarningsLines": [earnings_line],
            "DeductionLines": ([{"DeductionTypeID": items["union"],
                                 "CalculationType": "FIXEDAMOUNT", "Amount": 20.0}]
                               if i % 4 == 1 else []),
            "SuperLines": [{"SuperMembershipID": membership, "ContributionType": "SGC",
                            "CalculationType": "STATUTORY", "MinimumMonthlyEarnings": 450.0,
                            "ExpenseAccountCode": "485", "LiabilityAccountCode": "801"}],
            "ReimbursementLines": [], "LeaveLines": []},
    }
    if p.end_day is not None:
        rec["TerminationDate"] = ctx.date(p.end_day)
        rec["TerminationReason"] = "V"
        updated = ctx.at(p.end_day)
    ctx.stage("payroll_au_employees", rec, updated)
    return eid


def _timesheets_and_pay_runs(ctx: SeedContext, staff: list[Person], emp_ids: list[str],
                             items: dict[str, str], calendar: str) -> None:
    r = ctx.rng.random
    runs = list(periods(ctx))
    for k, first, last in runs:
        newest = k == len(runs) - 1
        run_id = ctx.ids()
        pay_day = last + 3
        run_ms = ctx.at(min(pay_day, ctx.today - 1))
        summaries: list[Record] = []
        totals = dict.fromkeys(("Wages", "Deductions", "Tax", "Super", "Reimbursement",
                                "NetPay"), 0.0)
        for p, eid in zip(staff, emp_ids, strict=True):
            if not employed(p, first, last):
                continue
            hours = 76.0
            ts_lines: list[Record] = []
            if p.hourly:
                units = [0.0 if (first + d - 4) % 7 in (5, 6) else
                         round(HOURS_A_DAY - (1.6 if r() < 0.2 else 0.0), 2)
                         for d in range(PERIOD_DAYS)]
                hours = round(sum(units), 2)
                ts_lines = [{"EarningsRateID": items["ordinary"], "NumberOfUnits": units,
                             "UpdatedDateUTC": ctx.date(last)}]
                ts_status = "APPROVED" if newest else "PROCESSED"
                ts_ms = ctx.at(last)
                tid = ctx.ids()
                ctx.stage("payroll_au_timesheets", {
                    "TimesheetID": tid, "EmployeeID": eid, "StartDate": ctx.date(first),
                    "EndDate": ctx.date(last), "Status": ts_status, "Hours": hours,
                    "TimesheetLines": ts_lines}, ts_ms)
                ctx.stage("payroll_au_v2_timesheets", {
                    "timesheetID": tid, "payrollCalendarID": calendar, "employeeID": eid,
                    "startDate": ctx.date_string(first), "endDate": ctx.date_string(last),
                    "status": "Approved" if newest else "Completed", "totalHours": hours,
                    "updatedDateUTC": iso_time(ts_ms),
                    "timesheetLines": [{"timesheetLineID": ctx.ids(),
                                        "date": ctx.date_string(first + d),
                                        "earningsRateID": items["ordinary"],
                                        "numberOfUnits": u}
                                       for d, u in enumerate(ts_lines[0]["NumberOfUnits"]) if u]},
                    ts_ms)
            wages = money(hours * p.rate)
            deduction = 20.0 if p.hourly and len(summaries) % 4 == 1 else 0.0
            tax = money(wages * TAX_RATE)
            sup = money(wages * SUPER_RATE)
            net = money(wages - tax - deduction)
            slip_id = ctx.ids()
            upd = ctx.date(ctx.day_of(run_ms))
            summaries.append({"EmployeeID": eid, "PayslipID": slip_id, "FirstName": p.first,
                              "LastName": p.last, "Wages": wages, "Deductions": deduction,
                              "Tax": tax, "Super": sup, "Reimbursements": 0.0, "NetPay": net,
                              "UpdatedDateUTC": upd})
            for key, v in (("Wages", wages), ("Deductions", deduction), ("Tax", tax),
                           ("Super", sup), ("NetPay", net)):
                totals[key] = money(totals[key] + v)
            earnings = {"EarningsRateID": items["ordinary"], "RatePerUnit": p.rate,
                        "NumberOfUnits": hours}
            ctx.stage("payroll_au_payslips", {
                "EmployeeID": eid, "PayslipID": slip_id, "FirstName": p.first,
                "LastName": p.last, "Wages": wages, "Deductions": deduction, "Tax": tax,
                "Super": sup, "Reimbursements": 0.0, "NetPay": net,
                "EarningsLines": [] if p.hourly else [earnings],
                "TimesheetEarningsLines": [earnings] if p.hourly else [],
                "LeaveEarningsLines": [],
                "DeductionLines": ([{"DeductionTypeID": items["union"],
                                     "CalculationType": "FIXEDAMOUNT", "Amount": deduction}]
                                   if deduction else []),
                "LeaveAccrualLines": [{"LeaveTypeID": items["annual"],
                                       "NumberOfUnits": round(hours * 0.0769, 4),
                                       "AutoCalculate": True}],
                "ReimbursementLines": [],
                "SuperannuationLines": [{"ContributionType": "SGC",
                                         "CalculationType": "STATUTORY",
                                         "MinimumMonthlyEarnings": 450.0,
                                         "ExpenseAccountCode": "485",
                                         "LiabilityAccountCode": "801",
                                         "PaymentDateForThisPeriod": ctx.date(pay_day),
                                         "Percentage": SUPER_RATE * 100, "Amount": sup}],
                "TaxLines": [{"PayslipTaxLineID": ctx.ids(), "Amount": tax,
                              "TaxTypeName": "PAYG Tax", "Description": "PAYG Tax",
                              "LiabilityAccount": "800"}],
            }, run_ms)
        ctx.stage("payroll_au_pay_runs", {
            "PayrollCalendarID": calendar, "PayRunID": run_id,
            "PayRunPeriodStartDate": ctx.date(first), "PayRunPeriodEndDate": ctx.date(last),
            "PayRunStatus": "DRAFT" if newest else "POSTED", "PaymentDate": ctx.date(pay_day),
            **totals, "Payslips": summaries}, run_ms)


def _leave_applications(ctx: SeedContext, staff: list[Person], emp_ids: list[str],
                        items: dict[str, str]) -> None:
    r = ctx.rng.random
    for n in range(len(staff) * 3 // 2):
        i = (n * 7) % len(staff)
        p, eid = staff[i], emp_ids[i]
        latest = p.end_day if p.end_day is not None else ctx.today + 60
        start = max(p.start_day + 30, latest - 30 - int(r() * 400))
        days = 1 + int(r() * 5)
        kind = "annual" if n % 3 else "personal"
        future = start > ctx.today
        ctx.stage("payroll_au_leave_applications", {
            "LeaveApplicationID": ctx.ids(), "EmployeeID": eid, "LeaveTypeID": items[kind],
            "Title": "Holiday" if kind == "annual" else "Sick leave",
            "StartDate": ctx.date(start), "EndDate": ctx.date(start + days - 1),
            "Description": "", "PayOutType": "DEFAULT",
            "LeavePeriods": [{"NumberOfUnits": round(days * HOURS_A_DAY, 4),
                              "PayPeriodStartDate": ctx.date(start - start % PERIOD_DAYS),
                              "PayPeriodEndDate": ctx.date(start - start % PERIOD_DAYS
                                                           + PERIOD_DAYS - 1),
                              "LeavePeriodStatus": "SCHEDULED" if future else "PROCESSED"}],
        }, ctx.at(min(start - 7, ctx.today - 1)))
