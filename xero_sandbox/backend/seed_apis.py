"""The seed's Assets and Projects API records (camelCase fields, ISO dates): fixed assets and
their types and settings, projects with tasks and time entries.
"""

from __future__ import annotations

import time
from typing import Any

from xero_sandbox.backend.seed_context import DAY_MS, SeedContext
from xero_sandbox.backend.seed_settings import PRODUCTS, SECOND_WORDS

# --- Assets and Projects APIs (camelCase, ISO dates) -------------------------------------------

def assets(ctx: SeedContext) -> None:
    acc = ctx.refs["accounts"]
    types = []
    for name, asset_acc, dep_acc, rate in (("Computer Equipment", "720", "721", 40.0),
                                           ("Office Equipment", "710", "711", 20.0),
                                           ("Motor Vehicles", "710", "711", 30.0)):
        tid = ctx.ids()
        setting = {"depreciationMethod": "DiminishingValue100", "averagingMethod": "ActualDays",
                   "depreciationRate": rate, "depreciationCalculationMethod": "Rate"}
        types.append((tid, setting))
        ctx.stage("asset_types", {
            "assetTypeId": tid, "assetTypeName": name,
            "fixedAssetAccountId": acc[asset_acc]["AccountID"],
            "depreciationExpenseAccountId": acc["416"]["AccountID"],
            "accumulatedDepreciationAccountId": acc[dep_acc]["AccountID"],
            "bookDepreciationSetting": setting, "locks": 0}, ctx.settings_time())
    r = ctx.rng.random
    n = max(3, ctx.size // 20)
    for i in range(n):
        tid, setting = types[i % len(types)]
        day = ctx.first_day + int(r() * 700)
        price = 500 + int(r() * 5000)
        s = r()
        status = "Draft" if s < 0.2 else ("Disposed" if s < 0.3 else "Registered")
        if i < 3:
            status = ("Draft", "Registered", "Disposed")[i]
        rec = {
            "assetId": ctx.ids(), "assetName": f"{PRODUCTS[i % len(PRODUCTS)]} asset {i + 1}",
            "assetTypeId": tid, "assetNumber": f"FA-{i + 1:04d}",
            "purchaseDate": ctx.date_string(day), "purchasePrice": float(price),
            "disposalPrice": float(price // 3) if status == "Disposed" else 0.0,
            "assetStatus": status, "warrantyExpiryDate": "",
            "serialNumber": f"SN{int(r() * 1e8):08d}", "bookDepreciationSetting": setting,
            "bookDepreciationDetail": {"currentCapitalGain": 0.0, "currentGainLoss": 0.0,
                                       "depreciationStartDate": ctx.date_string(day),
                                       "costLimit": 0.0, "residualValue": 0.0,
                                       "priorAccumDepreciationAmount": 0.0,
                                       "currentAccumDepreciationAmount": 0.0},
            "canRollback": True, "accountingBookValue": float(price),
            "isDeleteEnabledForDate": False,
        }
        if status == "Disposed":
            rec["disposalDate"] = ctx.date_string(min(day + 200, ctx.today - 1))
        ctx.stage("assets", rec, ctx.at(day))
    ctx.stage("asset_settings", {
        "assetNumberPrefix": "FA-", "assetNumberSequence": f"{n + 1:04d}",
        "assetStartDate": ctx.date_string(ctx.first_day),
        "lastDepreciationDate": ctx.date_string(ctx.today - ctx.today % 30),
        "defaultGainOnDisposalAccountId": acc["260"]["AccountID"],
        "defaultLossOnDisposalAccountId": acc["429"]["AccountID"],
        "defaultCapitalGainOnDisposalAccountId": acc["260"]["AccountID"],
        "optInForTax": False}, ctx.org.created_ms)


def _iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms // 1000))


def projects(ctx: SeedContext) -> None:
    r = ctx.rng.random
    cur = ctx.profile.currency
    customers = ctx.refs["customers"]
    user_ids = ctx.refs["user_ids"]

    def amount(v: float) -> dict[str, Any]:
        return {"currency": cur, "value": round(v, 2)}

    for i in range(max(2, ctx.size // 50)):
        pid = ctx.ids()
        start = ctx.first_day + int(r() * 680)
        entries_total = 0
        task_total = 0.0
        for k, (tname, charge) in enumerate((("Design", "TIME"), ("Build", "TIME"),
                                             ("Call-out fee", "FIXED"),
                                             ("Admin", "NON_CHARGEABLE"))[:2 + i % 3]):
            tid = ctx.ids()
            rate = 0.0 if charge == "NON_CHARGEABLE" else float(60 + int(r() * 90))
            minutes = 0
            for e in range(1 + int(r() * 3)):
                duration = 15 * (1 + int(r() * 16))
                minutes += duration
                when = ctx.at(min(start + 3 * k + e, ctx.today - 1))
                ctx.stage("project_time_entries", {
                    "timeEntryId": ctx.ids(), "userId": ctx.pick(user_ids), "projectId": pid,
                    "taskId": tid, "dateUtc": _iso(when), "dateEnteredUtc": _iso(when),
                    "duration": duration, "description": f"{tname} work", "status": "ACTIVE",
                }, when)
            total = rate if charge == "FIXED" else round(rate * minutes / 60, 2)
            entries_total += minutes
            task_total += total
            ctx.stage("project_tasks", {
                "taskId": tid, "name": tname, "rate": amount(rate), "chargeType": charge,
                "estimateMinutes": 600, "projectId": pid, "totalMinutes": minutes,
                "totalAmount": amount(total), "minutesInvoiced": 0,
                "minutesToBeInvoiced": minutes if charge == "TIME" else 0, "fixedMinutes": 0,
                "nonChargeableMinutes": minutes if charge == "NON_CHARGEABLE" else 0,
                "amountToBeInvoiced": amount(total), "amountInvoiced": amount(0),
                "status": "ACTIVE"}, ctx.at(start))
        estimate = float(1000 + int(r() * 20_000))
        ctx.stage("projects", {
            "projectId": pid, "contactId": ctx.pick(customers)["ContactID"],
            "name": f"Project {i + 1}: {SECOND_WORDS[i % len(SECOND_WORDS)]} fit-out",
            "currencyCode": cur,
            "minutesLogged": entries_total, "totalTaskAmount": amount(task_total),
            "totalExpenseAmount": amount(0), "estimateAmount": amount(estimate),
            "minutesToBeInvoiced": entries_total, "taskAmountToBeInvoiced": amount(task_total),
            "taskAmountInvoiced": amount(0), "expenseAmountToBeInvoiced": amount(0),
            "expenseAmountInvoiced": amount(0), "projectAmountInvoiced": amount(0),
            "deposit": amount(0), "depositApplied": amount(0), "creditNoteAmount": amount(0),
            "deadlineUtc": _iso((start + 90) * DAY_MS), "totalInvoiced": amount(0),
            "totalToBeInvoiced": amount(task_total), "estimate": amount(estimate),
            "status": "CLOSED" if i % 4 == 3 else "INPROGRESS"}, ctx.at(start))
