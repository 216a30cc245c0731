"""The seed's Payroll NZ and UK records (v2: camelCase fields, ISO dates): settings, earnings
rates, deductions, reimbursements, benefits (UK) or superannuation (NZ), leave types,
statutory deductions (NZ) or earnings orders (UK), a fortnightly pay run calendar, employees
with their pay template, leave balances and leave, timesheets with their lines, pay runs and
payslips.

Records of an employee's sub-resources carry `employeeID` (their parent), as the tap's child
records do.
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
HOURS_A_DAY = {"NZ": 8.0, "UK": 7.5}
TAX_RATE = {"NZ": 0.21, "UK": 0.2}
BENEFIT_RATE = {"NZ": 0.03, "UK": 0.05}  # KiwiSaver employer 3%, workplace pension 5%


class _Seed:
    def __init__(self, ctx: SeedContext, region: str) -> None:
        self.ctx = ctx
        self.region = region
        self.p = f"payroll_{region.lower()}_"
        self.acc = ctx.refs["accounts"]
        self.ids: dict[str, str] = {}

    def stage(self, name: str, rec: Record, ms: int) -> None:
        self.ctx.stage(self.p + name, rec, ms)

    def rid(self, name: str) -> str:
        self.ids[name] = self.ctx.ids()
        return self.ids[name]

    def day(self, day: int) -> str:
        return self.ctx.date_string(day)


def build(ctx: SeedContext, region: str) -> None:
    s = _Seed(ctx, region)
    settings_ms = ctx.settings_time()
    _settings(s, settings_ms)
    _pay_items(s, settings_ms)
    calendar = _calendar(s)
    staff = people(ctx, region)
    emp_ids = [_employee(s, p, i, calendar) for i, p in enumerate(staff)]
    _timesheets_and_pay_runs(s, staff, emp_ids, calendar)
    _leave(s, staff, emp_ids)


def _settings(s: _Seed, at_ms: int) -> None:
    kinds: tuple[tuple[str, str], ...] = (
        ("090", "BANK"), ("477", "WAGESEXPENSE"), ("804", "WAGESPAYABLE"),
        ("800", "PAYELIABILITY"))
    if s.region == "UK":
        kinds += (("801", "NICLIABILITY"), ("485", "EMPLOYERSNIC"))
    s.stage("settings", {"accounts": [
        {"accountID": s.acc[code]["AccountID"], "type": kind, "code": code,
         "name": s.acc[code]["Name"]} for code, kind in kinds]}, at_ms)


def _pay_items(s: _Seed, at_ms: int) -> None:
    uk = s.region == "UK"
    wages, payable = s.acc["477"]["AccountID"], s.acc["804"]["AccountID"]
    for key, name, kind, rate_type, extra in (
            ("ordinary", "Ordinary Hours" if uk else "Ordinary Time", "RegularEarnings",
             "RatePerUnit", {}),
            ("overtime", "Overtime Hours", "OvertimeEarnings", "MultipleOfOrdinaryEarningsRate",
             {"multipleOfOrdinaryEarningsRate": 1.5}),
            ("bonus", "Bonus", "Bonus", "FixedAmount", {"fixedAmount": 0.0})):
        s.stage("earnings_rates", {"earningsRateID": s.rid(key), "name": name,
                                   "earningsType": kind, "rateType": rate_type,
                                   "typeOfUnits": "Hours" if rate_type != "FixedAmount"
                                   else "Fixed", "currentRecord": True,
                                   "expenseAccountID": wages, **extra}, at_ms)
    if uk:
        deductions = [("Salary Sacrifice", "SalarySacrifice"),
                      ("Student Loan", "StudentLoanDeductions")]
    else:
        deductions = [("Payroll Giving", "PayrollGiving"),
                      ("KiwiSaver Voluntary", "KiwiSaverVoluntaryContributions")]
    for name, cat in deductions:
        rec: Record = {"deductionId": s.rid(cat), "deductionName": name,
                       "deductionCategory": cat, "liabilityAccountId": payable,
                       "currentRecord": True, "standardAmount": 0.0}
        if uk:
            rec.update(calculationType="FixedAmount", subjectToNIC=False, subjectToTax=False,
                       reducesTaxLiability=False, reducesSuperLiability=False)
        s.stage("deductions", rec, at_ms)
    for name in ("Travel Costs", "Mileage"):
        rec = {"reimbursementID": s.rid(name), "name": name,
               "accountID": s.acc["493"]["AccountID"], "currentRecord": True}
        if not uk:
            rec.update(reimbursementCategory="GST", calculationType="FixedAmount",
                       standardAmount="0")
        s.stage("reimbursements", rec, at_ms)
    benefit: Record = {"id": s.rid("benefit"), "liabilityAccountId": payable,
                       "expenseAccountId": wages, "currentRecord": True,
                       "percentage": BENEFIT_RATE[s.region] * 100}
    if uk:
        benefit.update(name="Workplace Pension", category="StakeholderPension",
                       calculationType="PercentageOfGross", standardAmount=0.0,
                       subjectToNIC=False, subjectToPension=False, subjectToTax=False,
                       isCalculatingOnQualifyingEarnings=True, showBalanceToEmployee=False)
        s.stage("benefits", benefit, at_ms)
    else:
        benefit.update(name="KiwiSaver Employer Contributions", category="KiwiSaver",
                       calculationTypeNZ="PercentageOfTaxableEarnings")
        s.stage("superannuations", benefit, at_ms)
    # NZ: GET /StatutoryDeductions; UK: GET /EarningsOrders (court orders), the same shape.
    for name, cat in ((("Child Support", "ChildSupport"), ("Student Loan", "StudentLoan"))
                      if not uk else (("Court Order", "PriorityOrder"),
                                      ("Council Tax", "NonPriorityOrder"))):
        s.stage("earnings_orders" if uk else "statutory_deductions", {
            "id": s.rid(cat), "name": name, "statutoryDeductionCategory": cat,
            "liabilityAccountId": payable, "currentRecord": True}, at_ms)
    upd = iso_time(at_ms)
    for key, name, paid in (("annual", "Annual Leave" if not uk else "Holiday", True),
                            ("sick", "Sick Leave", True), ("unpaid", "Unpaid Leave", False)):
        rec = {"leaveTypeID": s.rid(key), "name": name, "isPaidLeave": paid,
               "showOnPayslip": paid, "updatedDateUTC": upd, "isActive": True}
        rec.update({"isStatutoryLeave": False} if uk else
                   {"typeOfUnits": "Hours", "typeOfUnitsToAccrue": "Hours"})
        s.stage("leave_types", rec, at_ms)


def _calendar(s: _Seed) -> str:
    start = calendar_start(s.ctx)
    cid = s.ctx.ids()
    ms = s.ctx.at(start)
    s.stage("pay_run_calendars", {
        "payrollCalendarID": cid, "name": "Fortnightly", "calendarType": "Fortnightly",
        "periodStartDate": s.day(start), "periodEndDate": s.day(start + PERIOD_DAYS - 1),
        "paymentDate": s.day(start + PERIOD_DAYS + 2), "updatedDateUTC": iso_time(ms)}, ms)
    return cid


def _employee(s: _Seed, p: Person, i: int, calendar: str) -> str:
    ctx, uk = s.ctx, s.region == "UK"
    r = ctx.rng.random
    eid = ctx.ids()
    city, _, post = p.city
    created = ctx.at(p.start_day - 7)
    updated = ctx.at(p.end_day) if p.end_day is not None else ctx.at(
        max(p.start_day, ctx.first_day + int(r() * 700)))
    rec: Record = {
        "employeeID": eid, "title": "Ms" if p.female else "Mr", "firstName": p.first,
        "lastName": p.last, "dateOfBirth": s.day(p.birth_day),
        "address": {"addressLine1": p.street, "city": city, "postCode": post,
                    "countryName": "United Kingdom" if uk else "New Zealand"},
        "email": f"{p.first.lower()}.{p.last.lower()}@example.{'co.uk' if uk else 'co.nz'}",
        "gender": "F" if p.female else "M",
        "phoneNumber": f"0{int(r() * 1e9):09d}", "startDate": s.day(p.start_day),
        "payrollCalendarID": calendar, "updatedDateUTC": iso_time(updated),
        "createdDateUTC": iso_time(created)}
    if p.end_day is not None:
        rec["endDate"] = s.day(p.end_day)
    if uk:
        rec.update(niCategory="A", nationalInsuranceNumber=f"QQ{int(r() * 1e6):06d}C",
                   isOffPayrollWorker=False)
    else:
        rec.update(jobTitle=p.job, engagementType="Permanent")
    s.stage("employees", rec, updated)
    hours = HOURS_A_DAY[s.region] * 5
    s.stage("employee_pay_templates", {"employeeID": eid, "earningTemplates": [
        {"payTemplateEarningID": ctx.ids(), "ratePerUnit": p.rate,
         "numberOfUnits": hours * 2 if p.hourly else 0.0,
         "fixedAmount": 0.0 if p.hourly else money(p.rate * hours * 2),
         "earningsRateID": s.ids["ordinary"],
         "name": "Ordinary Hours" if uk else "Ordinary Time"}]}, updated)
    for key, name, annual in (("annual", "Annual Leave" if not uk else "Holiday", 160.0),
                              ("sick", "Sick Leave", 80.0)):
        s.stage("employee_leave_balances", {
            "employeeID": eid, "name": name, "leaveTypeID": s.ids[key],
            "balance": round(r() * annual, 4), "typeOfUnits": "Hours"}, updated)
    return eid


def _timesheets_and_pay_runs(s: _Seed, staff: list[Person], emp_ids: list[str],
                             calendar: str) -> None:
    ctx, uk = s.ctx, s.region == "UK"
    r = ctx.rng.random
    runs = list(periods(ctx))
    day_hours = HOURS_A_DAY[s.region]
    for k, first, last in runs:
        newest = k == len(runs) - 1
        run_id = ctx.ids()
        pay_day = last + 3
        run_ms = ctx.at(min(pay_day, ctx.today - 1))
        total_pay = total_cost = 0.0
        for p, eid in zip(staff, emp_ids, strict=True):
            if not employed(p, first, last):
                continue
            hours = day_hours * 10
            if p.hourly:
                lines: list[Record] = []
                for d in range(PERIOD_DAYS):
                    if (first + d - 4) % 7 in (5, 6):
                        continue
                    units = day_hours - (2.0 if r() < 0.2 else 0.0)
                    lines.append({"timesheetLineID": ctx.ids(), "date": s.day(first + d),
                                  "earningsRateID": s.ids["ordinary"], "numberOfUnits": units})
                hours = sum(float(line["numberOfUnits"]) for line in lines)
                ts_ms = ctx.at(last)
                s.stage("timesheets", {
                    "timesheetID": ctx.ids(), "payrollCalendarID": calendar, "employeeID": eid,
                    "startDate": s.day(first), "endDate": s.day(last),
                    "status": "Approved" if newest else "Completed", "totalHours": hours,
                    "updatedDateUTC": iso_time(ts_ms), "timesheetLines": lines}, ts_ms)
            gross = money(hours * p.rate)
            tax = money(gross * TAX_RATE[s.region])
            employer = money(gross * BENEFIT_RATE[s.region])
            net = money(gross - tax)
            total_pay, total_cost = money(total_pay + net), money(total_cost + gross + employer)
            earnings = {"earningsLineID": ctx.ids(), "earningsRateID": s.ids["ordinary"],
                        "displayName": "Ordinary Hours" if uk else "Ordinary Time",
                        "ratePerUnit": p.rate, "numberOfUnits": hours, "amount": gross,
                        "isLinkedToTimesheet": p.hourly, "isSystemGenerated": False}
            slip: Record = {
                "paySlipID": ctx.ids(), "employeeID": eid, "payRunID": run_id,
                "lastEdited": iso_time(run_ms), "firstName": p.first, "lastName": p.last,
                "totalEarnings": gross, "grossEarnings": gross, "totalPay": net,
                "totalEmployerTaxes": 0.0, "totalEmployeeTaxes": tax, "totalDeductions": 0.0,
                "totalReimbursements": 0.0, "paymentMethod": "Electronically",
                "earningsLines": [] if p.hourly else [earnings],
                "timesheetEarningsLines": [earnings] if p.hourly else [],
                "leaveEarningsLines": [], "deductionLines": [], "reimbursementLines": [],
                "leaveAccrualLines": [{"leaveTypeID": s.ids["annual"],
                                       "numberOfUnits": round(hours * 0.08, 4)}],
                "paymentLines": [{"paymentLineID": ctx.ids(), "amount": net,
                                  "accountNumber": f"{int(r() * 1e8):08d}",
                                  "sortCode": f"{int(r() * 1e6):06d}",
                                  "accountName": f"{p.first} {p.last}"}],
                "employeeTaxLines": [{"taxLineID": ctx.ids(), "description": "PAYE",
                                      "amount": tax, "manualAdjustment": False}],
                "employerTaxLines": []}
            if uk:
                slip.update(totalCourtOrders=0.0, totalBenefits=employer, courtOrderLines=[],
                            benefitLines=[{"benefitTypeID": s.ids["benefit"],
                                           "displayName": "Workplace Pension",
                                           "amount": employer, "percentage": 5.0}])
            else:
                slip.update(totalStatutoryDeductions=0.0, totalSuperannuation=employer,
                            statutoryDeductionLines=[],
                            superannuationLines=[{"superannuationTypeID": s.ids["benefit"],
                                                  "displayName": "KiwiSaver",
                                                  "amount": employer, "percentage": 3.0,
                                                  "manualAdjustment": False}])
            s.stage("payslips", slip, run_ms)
        run: Record = {
            "payRunID": run_id, "payrollCalendarID": calendar,
            "periodStartDate": s.day(first), "periodEndDate": s.day(last),
            "paymentDate": s.day(pay_day), "totalCost": total_cost, "totalPay": total_pay,
            "payRunStatus": "Draft" if newest else "Posted", "payRunType": "Scheduled",
            "calendarType": "Fortnightly"}
        if not newest:
            run["postedDateTime"] = iso_time(run_ms)
        s.stage("pay_runs", run, run_ms)


def _leave(s: _Seed, staff: list[Person], emp_ids: list[str]) -> None:
    ctx = s.ctx
    r = ctx.rng.random
    for n in range(len(staff) * 3 // 2):
        i = (n * 7) % len(staff)
        p, eid = staff[i], emp_ids[i]
        latest = p.end_day if p.end_day is not None else ctx.today + 60
        start = max(p.start_day + 30, latest - 30 - int(r() * 400))
        days = 1 + int(r() * 5)
        kind = "annual" if n % 3 else "sick"
        ms = ctx.at(min(start - 7, ctx.today - 1))
        period_start = start - (start - calendar_start(ctx)) % PERIOD_DAYS
        status = "Approved" if start > ctx.today else "Completed"
        s.stage("employee_leave", {
            "leaveID": ctx.ids(), "employeeID": eid, "leaveTypeID": s.ids[kind],
            "description": "Holiday" if kind == "annual" else "Sick leave",
            "startDate": s.day(start), "endDate": s.day(start + days - 1),
            "periods": [{"periodStartDate": s.day(period_start),
                         "periodEndDate": s.day(period_start + PERIOD_DAYS - 1),
                         "numberOfUnits": days * HOURS_A_DAY[s.region],
                         "periodStatus": status}],
            "updatedDateUTC": iso_time(ms)}, ms)
