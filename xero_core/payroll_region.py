"""Which of Xero's payroll APIs answers for an organisation: its CountryCode, from
GET /api.xro/2.0/Organisation, mapped to "AU", "NZ" or "UK" (None: no Xero payroll, e.g. US).
The tap (which payroll streams to read) and the target (which payroll records to refuse) both
ask here.
"""

from __future__ import annotations

from typing import Any

from xero_core.endpoints import API_BASES
from xero_core.endpoints_apis import REGION_OF_COUNTRY
from xero_core.protocol import records_in

ORGANISATION_PATH = API_BASES["accounting"] + "/Organisation"


def organisation_country(client: Any, tenant_id: str) -> str:
    """The organisation's CountryCode ("" when the answer names none); one call."""
    orgs = records_in(client.get_json(ORGANISATION_PATH, tenant_id=tenant_id), "Organisations")
    return str((orgs[0] if orgs else {}).get("CountryCode") or "")


def payroll_region(country: str) -> str | None:
    """The payroll region of a CountryCode (UK's is GB), or None."""
    return REGION_OF_COUNTRY.get(country.upper())
