"""The Finance API's routes (/finance.xro/1.0, xero-finance.yaml): every path the spec defines,
each with its read-only scope; any case, with or without a trailing slash. The API only reads:
any other method is a 405.
"""

from __future__ import annotations

from xero_sandbox.backend import finance, finance_cash
from xero_sandbox.route_tools import Found, Run, pick, query

STATEMENTS_SCOPE = "finance.statements.read"
CASH_VALIDATION_SCOPE = "finance.cashvalidation.read"
BANK_STATEMENTS_SCOPE = "finance.bankstatementsplus.read"


def resolve(method: str, parts: list[str]) -> Found | None:
    """(scopes, run) for a Finance API call, or None when the spec has no such path."""
    p = [s.lower() for s in parts]
    params = query()
    run: Run
    if p == ["cashvalidation"]:
        scope = CASH_VALIDATION_SCOPE
        run = lambda org, ps, now: finance_cash.cash_validation(org, params, now)  # noqa: E731
    elif p == ["bankstatementsplus", "statements"]:
        scope = BANK_STATEMENTS_SCOPE
        run = lambda org, ps, now: finance_cash.bank_statements(org, params, now)  # noqa: E731
    elif len(p) == 2 and p[0] == "financialstatements" and p[1] in finance.STATEMENTS:
        scope, name = STATEMENTS_SCOPE, p[1]
        run = lambda org, ps, now: finance.statement(org, name, params, now)  # noqa: E731
    elif len(p) == 3 and p[:2] == ["financialstatements", "contacts"] and \
            p[2] in ("revenue", "expense"):
        scope, kind = STATEMENTS_SCOPE, "ACCREC" if p[2] == "revenue" else "ACCPAY"
        run = lambda org, ps, now: finance_cash.contacts_totals(  # noqa: E731
            org, kind, params, now)
    else:
        return None
    return pick(method, {"GET": run}, (scope,), (scope,))


__all__ = ["BANK_STATEMENTS_SCOPE", "CASH_VALIDATION_SCOPE", "STATEMENTS_SCOPE", "resolve"]
