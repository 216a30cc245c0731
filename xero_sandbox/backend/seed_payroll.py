"""The seed's Payroll API records: which payroll an organisation has.

An AU organisation gets Payroll AU (v1, PascalCase, `/Date()/` dates, and the v2 timesheets:
seed_payroll_au), an NZ or UK organisation Payroll NZ / UK (v2, camelCase, ISO dates:
seed_payroll_v2); others (US) have no payroll. Everything is drawn from the organisation's rng
*after* every other record, so adding payroll changed none of the existing data.
"""

from __future__ import annotations

from xero_sandbox.backend import seed_payroll_au, seed_payroll_v2
from xero_sandbox.backend.seed_context import SeedContext
from xero_sandbox.backend.seed_payroll_people import region_of


def build(ctx: SeedContext) -> None:
    """Stage the payroll records of this organisation's region (none for other countries)."""
    region = region_of(ctx)
    if region == "AU":
        seed_payroll_au.build(ctx)
    elif region in ("NZ", "UK"):
        seed_payroll_v2.build(ctx, region)
