"""Finance API financial statements (xero-finance.yaml, /FinancialStatements/...): Balance
Sheet, Profit and Loss, Trial Balance and Cashflow, from the same ledger balances as the
Accounting API's reports (backend/report_books.py), in the Finance API's camelCase shapes.

Parameters are `yyyy-MM-dd` dates with the spec's defaults (today; twelve months before the
end date); a date that is not one, or a start after its end, is the API's 400 Problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from xero_sandbox.backend.answers import Answer
from xero_sandbox.backend.ledger import account_class, parse_ms
from xero_sandbox.backend.report_books import NO_ACCOUNT, Books, day_ms, shift_months
from xero_sandbox.backend.store import Organisation

Record = dict[str, Any]
_BS_GROUPS = {"ASSET": "asset", "LIABILITY": "liability", "EQUITY": "equity"}
_PNL_TITLES = (("Trading Income", ("REVENUE", "SALES")), ("Other Income", ("OTHERINCOME",)),
               ("Direct Cost", ("DIRECTCOSTS",)),
               ("Operating Expenses", ("EXPENSE", "OVERHEADS", "DEPRECIATN")))
_CASHFLOW = (("Operating Activities", "Receipts from customers",
              "Payments to suppliers and employees", ("REVENUE", "EXPENSE")),
             ("Investing Activities", "Proceeds from sale of property, plant and equipment",
              "Payment for property, plant and equipment", ()),
             ("Financing Activities", "Proceeds from borrowings", "Repayment of borrowings", ()))


class BadRequest(ValueError):
    """A parameter the Finance API refuses (400 Problem, invalid-request)."""


def problem(status: int, detail: str) -> Answer:
    """The Finance API's error body (its `Problem` component)."""
    kind, title = {400: ("invalid-request", "InvalidRequest"),
                   404: ("bank-account-not-found", "NotFound")}.get(
        status, ("internal-error", "InternalError"))
    return Answer(status, {"type": kind, "title": title, "status": status, "detail": detail})


def param(params: Mapping[str, str], name: str) -> str | None:
    low = name.lower()
    return next((v.strip() for k, v in params.items() if k.lower() == low and v.strip()), None)


def date_param(params: Mapping[str, str], name: str, default: date) -> date:
    raw = param(params, name)
    if raw is None:
        return default
    try:
        return datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        raise BadRequest(f"Invalid {name[:1].upper() + name[1:]}: '{raw}'") from None


def period(params: Mapping[str, str], today: date) -> tuple[date, date]:
    """startDate / endDate: end defaults to today, start to twelve months before the end."""
    end = date_param(params, "endDate", today)
    start = date_param(params, "startDate", shift_months(end, -12) + timedelta(days=1))
    if start > end:
        raise BadRequest(f"The startDate {start} is after the endDate {end}")
    return start, end


def amount(cents: int) -> float:
    return round(cents / 100, 2)


def _account(a: Record, total: int) -> Record:
    return {"code": a.get("Code", ""), "accountID": a["AccountID"], "name": a["Name"],
            "reportingCode": a.get("ReportingCode", ""), "total": amount(total)}


def balance_sheet(books: Books, params: Mapping[str, str]) -> Record:
    at = date_param(params, "balanceDate", books.today)
    groups: dict[str, dict[str, list[Record]]] = {g: {} for g in _BS_GROUPS.values()}
    totals = {g: 0 for g in _BS_GROUPS.values()}
    retained = books.retained_earnings
    for a in books.accounts:
        group = _BS_GROUPS.get(account_class(a))
        if group is None:
            continue
        value = books.to(a, at) * (1 if group == "asset" else -1)
        if retained is not None and a["AccountID"] == retained["AccountID"]:
            value += books.profit(None, books.fy_start(at) - timedelta(days=1))
        if not value:
            continue
        groups[group].setdefault(a["Type"], []).append(_account(a, value))
        totals[group] += value
    earnings = books.profit(books.fy_start(at), at)
    if earnings:
        groups["equity"].setdefault("EQUITY", []).append(
            {"accountID": NO_ACCOUNT, "name": "Current Year Earnings", "total": amount(earnings)})
        totals["equity"] += earnings
    body: Record = {"balanceDate": at.isoformat()}
    for group, types in groups.items():
        body[group] = {"accountTypes": [
            {"accountType": t, "accounts": accts,
             "total": round(sum(x["total"] for x in accts), 2)} for t, accts in types.items()],
            "total": amount(totals[group])}
    return body


def profit_and_loss(books: Books, params: Mapping[str, str]) -> Record:
    start, end = period(params, books.today)
    classes: dict[str, Record] = {}
    net = 0
    for cls, sign in (("revenue", -1), ("expense", 1)):
        types, total = [], 0
        for title, kinds in _PNL_TITLES:
            accts, sub = [], 0
            for a in books.of_types(*kinds):
                if account_class(a).lower() != cls:
                    continue
                value = sign * books.between(a, start, end)
                if value:
                    accts.append({**_account(a, value), "accountType": a["Type"]})
                    sub += value
            if accts:
                types.append({"total": amount(sub), "title": title, "accounts": accts})
                total += sub
        classes[cls] = {"total": amount(total), "accountTypes": types}
        net += total if cls == "revenue" else -total
    return {"startDate": start.isoformat(), "endDate": end.isoformat(),
            "netProfitLoss": amount(net), **classes}


def trial_balance(books: Books, params: Mapping[str, str]) -> Record:
    end = date_param(params, "endDate", books.today)
    start = books.fy_start(end)
    accounts = []
    for a in books.accounts:
        balance = books.to(a, end)
        debits, credits = books.balances.debits_credits(a["AccountID"], day_ms(start),
                                                        day_ms(end))
        if not balance and not debits and not credits:
            continue
        movement = debits - credits
        accounts.append({
            "accountId": a["AccountID"], "accountType": a["Type"],
            "accountCode": a.get("Code", ""), "accountClass": account_class(a),
            "status": a.get("Status", "ACTIVE"), "reportingCode": a.get("ReportingCode", ""),
            "accountName": a["Name"],
            "balance": {"value": amount(abs(balance)),
                        "entryType": "DEBIT" if balance >= 0 else "CREDIT"},
            "signedBalance": amount(balance),
            "accountMovement": {"debits": amount(debits), "credits": amount(credits),
                                "movement": {"value": amount(abs(movement)),
                                             "entryType": "DEBIT" if movement >= 0
                                             else "CREDIT"},
                                "signedMovement": amount(movement)}})
    return {"startDate": start.isoformat(), "endDate": end.isoformat(), "accounts": accounts}


def _activity_of(a: Record) -> int:
    """0 operating, 1 investing, 2 financing: where cash moved against this account counts."""
    kind, cls = a.get("Type", ""), account_class(a)
    if kind in ("FIXED", "NONCURRENT"):
        return 1
    if kind == "TERMLIAB" or cls == "EQUITY":
        return 2
    return 0


def cashflow(books: Books, params: Mapping[str, str]) -> Record:
    """Cash moved in bank accounts, split by the accounts on the other side of each journal."""
    start, end = period(params, books.today)
    banks = {a["AccountID"] for a in books.of_types("BANK")}
    by_id = {a["AccountID"]: a for a in books.accounts}
    from_ms, to_ms = day_ms(start), day_ms(end)
    moved: dict[str, int] = {}
    for j in books.org.coll("journals").records.values():
        lines = j["JournalLines"]
        if not any(x["AccountID"] in banks for x in lines):
            continue
        if not from_ms <= parse_ms(j["JournalDate"]) <= to_ms:
            continue
        for x in lines:
            if x["AccountID"] not in banks:
                moved[x["AccountID"]] = moved.get(x["AccountID"], 0) - round(
                    x["NetAmount"] * 100)
    activities = []
    for index, (name, inflow, outflow, _) in enumerate(_CASHFLOW):
        kinds: list[Record] = []
        for label, positive in ((inflow, True), (outflow, False)):
            accts = []
            for aid, cents in sorted(moved.items()):
                a = by_id.get(aid)
                if a is None or _activity_of(a) != index or (cents > 0) != positive or not cents:
                    continue
                accts.append({"accountId": aid, "accountType": a["Type"],
                              "accountClass": account_class(a), "code": a.get("Code", ""),
                              "name": a["Name"], "reportingCode": a.get("ReportingCode", ""),
                              "total": amount(cents)})
            if accts:
                kinds.append({"name": label, "total": round(sum(x["total"] for x in accts), 2),
                              "accounts": accts})
        activities.append({"name": name, "total": round(sum(k["total"] for k in kinds), 2),
                           "cashflowTypes": kinds})
    opening = sum(books.balances.to(b, from_ms - 1) for b in banks)
    closing = sum(books.balances.to(b, to_ms) for b in banks)
    return {"startDate": start.isoformat(), "endDate": end.isoformat(),
            "cashBalance": {"openingCashBalance": amount(opening),
                            "closingCashBalance": amount(closing),
                            "netCashMovement": amount(closing - opening)},
            "cashflowActivities": activities}


STATEMENTS = {"balancesheet": balance_sheet, "profitandloss": profit_and_loss,
              "trialbalance": trial_balance, "cashflow": cashflow}


def statement(org: Organisation, name: str, params: Mapping[str, str], now_ms: int) -> Answer:
    """GET /FinancialStatements/{name} (any case of the name)."""
    build = STATEMENTS[name.lower()]
    try:
        return Answer(200, build(Books.of(org, now_ms), params))
    except BadRequest as exc:
        return problem(400, str(exc))


__all__ = ["STATEMENTS", "BadRequest", "amount", "date_param", "param", "period", "problem",
           "statement"]
