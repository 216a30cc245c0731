"""What the seed's payroll regions share: employees-to-be, pay periods, dates and money.

An AU organisation gets Payroll AU (v1, PascalCase, `/Date()/` dates: seed_payroll_au), an NZ
or UK organisation Payroll NZ / UK (v2, camelCase, ISO dates: seed_payroll_v2); others (US)
have no payroll. Everything is drawn from the organisation's rng *after* every other record,
so adding payroll changed none of the existing data. Scale: about `size // 10` employees
(4 to 60) and one fortnightly pay run per 8 of `size` (3 to 26).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from xero_core.endpoints_apis import REGION_OF_COUNTRY
from xero_sandbox.backend.seed_context import SeedContext

FIRST_NAMES = ("Olivia", "Jack", "Charlotte", "Noah", "Amelia", "Oliver", "Isla", "Leo",
               "Mia", "William", "Ava", "Henry", "Grace", "Lucas", "Ruby", "Thomas", "Zoe",
               "James", "Ella", "Arlo", "Sophie", "Hugo", "Harper", "Max")
LAST_NAMES = ("Smith", "Williams", "Brown", "Wilson", "Taylor", "Johnson", "White", "Martin",
              "Anderson", "Thompson", "Nguyen", "Walker", "Harris", "Lee", "Ryan", "Robinson",
              "Kelly", "King", "Campbell", "Clarke")
JOB_TITLES = ("Barista", "Store Manager", "Sales Assistant", "Bookkeeper", "Warehouse Hand",
              "Delivery Driver", "Office Administrator", "Technician")
STREETS = ("Queen Street", "High Street", "George Street", "Victoria Road", "Church Lane",
           "Station Road", "Beach Road", "Park Avenue")
CITIES = {"AU": (("Sydney", "NSW", "2000"), ("Melbourne", "VIC", "3000"),
                 ("Brisbane", "QLD", "4000")),
          "NZ": (("Auckland", "", "1010"), ("Wellington", "", "6011"),
                 ("Christchurch", "", "8011")),
          "UK": (("London", "", "SW1A 1AA"), ("Manchester", "", "M1 1AE"),
                 ("Leeds", "", "LS1 1UR"))}
PERIOD_DAYS = 14  # fortnightly pay calendars


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    birth_day: int  # days since the epoch
    start_day: int
    end_day: int | None  # terminated on this day
    hourly: bool  # paid from timesheets (else salaried)
    rate: float  # per hour
    job: str
    street: str
    city: tuple[str, str, str]
    female: bool


def region_of(ctx: SeedContext) -> str | None:
    return REGION_OF_COUNTRY.get(ctx.org.country)


def employee_count(size: int) -> int:
    return max(4, min(60, size // 10))


def pay_run_count(size: int) -> int:
    return max(3, min(26, size // 8))


def people(ctx: SeedContext, region: str) -> list[Person]:
    r = ctx.rng.random
    out = []
    for i in range(employee_count(ctx.size)):
        start = ctx.first_day - 200 + int(r() * 500)
        ended = i % 7 == 6
        out.append(Person(
            first=FIRST_NAMES[(i * 5 + int(r() * 3)) % len(FIRST_NAMES)],
            last=LAST_NAMES[(i * 3 + int(r() * 7)) % len(LAST_NAMES)],
            birth_day=ctx.today - 365 * (20 + int(r() * 40)) - int(r() * 365),
            start_day=start,
            end_day=min(ctx.today - 30, start + 120 + int(r() * 200)) if ended else None,
            hourly=i % 3 != 0, rate=round(24 + r() * 30, 2), job=ctx.pick(JOB_TITLES),
            street=f"{1 + int(r() * 200)} {ctx.pick(STREETS)}",
            city=ctx.pick(CITIES[region]), female=r() < 0.5))
    return out


def calendar_start(ctx: SeedContext) -> int:
    """The first day of the pay calendar's first period (a Monday, before any pay run)."""
    runs = pay_run_count(ctx.size)
    last_end = ctx.today - 1 - ((ctx.today - 1 - 3) % 7)  # the last Sunday before today
    first = last_end - runs * PERIOD_DAYS + 1
    return first - PERIOD_DAYS * 26 * 2  # two years of periods before the first run


def periods(ctx: SeedContext) -> Iterator[tuple[int, int, int]]:
    """(index, first day, last day) of each pay run's period, oldest first; the newest ends
    before today."""
    runs = pay_run_count(ctx.size)
    last_end = ctx.today - 1 - ((ctx.today - 1 - 3) % 7)
    for k in range(runs):
        end = last_end - (runs - 1 - k) * PERIOD_DAYS
        yield k, end - PERIOD_DAYS + 1, end


def employed(p: Person, first: int, last: int) -> bool:
    return p.start_day <= last and (p.end_day is None or p.end_day >= first)


def iso_time(ms: int) -> str:
    """A v2 timestamp as Xero writes them: `2026-01-31T04:05:06` (UTC, no offset)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000))


def money(v: float) -> float:
    return round(v + 1e-9, 2)
