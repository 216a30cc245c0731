"""Each tenant's payroll region, found once per run.

Xero serves three payroll APIs (AU at /payroll.xro/1.0, NZ and UK both at /payroll.xro/2.0)
and which one answers depends on the organisation's country. The tap reads the organisation's
CountryCode (GET /api.xro/2.0/Organisation) the first time a payroll stream asks, and reads a
tenant's payroll streams only where their region matches: no call, error or warning for the
other regions. The log says once per tenant which region it used, or that it has none.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from xero_core.errors import AuthError, ConfigError, ForbiddenError, XeroError
from xero_core.http import XeroClient
from xero_core.payroll_region import organisation_country, payroll_region

ORGANISATION_SCOPE = "accounting.settings.read"
UNKNOWN = ""  # looked up, no payroll region


class PayrollRegions:
    """tenant id -> "AU" / "NZ" / "UK" or "" (none), one Organisation call per tenant."""

    def __init__(self, client: Callable[[], XeroClient], logger: logging.Logger,
                 label: Callable[[str], str]) -> None:
        self._client = client
        self.log = logger
        self._label = label
        self._regions: dict[str, str] = {}
        self._lock = threading.Lock()

    def region(self, tenant_id: str) -> str:
        with self._lock:
            found = self._regions.get(tenant_id)
            if found is None:
                found = self._regions[tenant_id] = self._look_up(tenant_id)
            return found

    def known(self) -> dict[str, str]:
        """What this run found so far."""
        with self._lock:
            return dict(self._regions)

    def _look_up(self, tenant_id: str) -> str:
        label = self._label(tenant_id)
        try:
            country = organisation_country(self._client(), tenant_id)
        except ForbiddenError:
            self.log.warning(
                "Tenant %s: its payroll region is unknown (GET /Organisation answered 403: the "
                "connection lacks %s); its payroll streams are skipped", label,
                ORGANISATION_SCOPE)
            return UNKNOWN
        except (AuthError, ConfigError):
            raise
        except XeroError as exc:
            self.log.warning("Tenant %s: its payroll region is unknown (%s); its payroll "
                                 "streams are skipped", label, exc)
            return UNKNOWN
        region = payroll_region(country) or UNKNOWN
        if region:
            self.log.info("Tenant %s: payroll region %s (CountryCode %s): reading the %s "
                              "payroll streams only", label, region, country, region)
        else:
            self.log.info("Tenant %s: no Xero payroll API for its country (CountryCode "
                              "%s): payroll streams skipped", label, country or "?")
        return region
