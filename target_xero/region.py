"""The organisation's payroll region, found once per run: a payroll record of another region is
rejected with the reason instead of being sent to an API that would not answer for it.

Xero's Payroll APIs are per country: Payroll AU (v1, and v2 timesheets) for Australian
organisations, Payroll NZ and Payroll UK (both at /payroll.xro/2.0) for New Zealand and the
United Kingdom. The organisation's CountryCode (GET /Organisation) says which one it has.
"""

from __future__ import annotations

import threading
from typing import Any

from xero_core.payroll_region import organisation_country, payroll_region

REGION_NAMES = {"AU": "Payroll AU", "NZ": "Payroll NZ", "UK": "Payroll UK"}
_UNKNOWN = object()


class RegionOf:
    """The tenant's payroll region (None: no Xero payroll, e.g. a US organisation), asked once."""

    def __init__(self) -> None:
        self._region: Any = _UNKNOWN
        self.country = ""
        self._lock = threading.Lock()

    def get(self, client: Any, tenant_id: str) -> str | None:
        with self._lock:
            if self._region is _UNKNOWN:
                self.country = organisation_country(client, tenant_id)
                self._region = payroll_region(self.country)
            return self._region if isinstance(self._region, str) else None


def wrong_region(stream: str, wanted: str, have: str | None, country: str,
                 tenant_name: str) -> str:
    """Why a record of `wanted`'s payroll is not written to this organisation."""
    has = (f"runs {REGION_NAMES.get(have, have)}" if have
           else "has no Xero payroll API (Payroll is AU, NZ and UK only)")
    return (f"{stream} is {REGION_NAMES.get(wanted, wanted)}, and this organisation "
            f"({tenant_name or 'the target'}, CountryCode {country or '?'}) {has}: not written")
