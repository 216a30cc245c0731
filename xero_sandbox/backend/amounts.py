"""Money arithmetic as Xero does it: line amounts, tax per line, document totals.

Everything is computed with Decimal (half-up to cents, unit amounts to 4 places) and stored
as floats rounded to those places, so the stdlib JSON encoder dumps records fast and exactly.
The seed and the write rules share these functions, so generated and written documents add
up the same way.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

CENT = Decimal("0.01")
UNIT = Decimal("0.0001")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")


class BadNumber(ValueError):
    """A value that is not a number where Xero expects one."""


def dec(value: Any) -> Decimal:
    """JSON number (int, float, Decimal) or numeric string -> Decimal, without float noise."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise BadNumber(str(value))
    if isinstance(value, (int, float, str)):
        try:
            d = Decimal(str(value).strip())
        except InvalidOperation:
            raise BadNumber(str(value)) from None
        if not d.is_finite():
            raise BadNumber(str(value))
        return d
    raise BadNumber(repr(value))


def round_money(d: Decimal) -> Decimal:
    return d.quantize(CENT, ROUND_HALF_UP)


def money(d: Decimal) -> float:
    """Decimal -> float rounded to cents (what the records hold)."""
    return float(d.quantize(CENT, ROUND_HALF_UP))


def unit(d: Decimal) -> float:
    """Decimal -> float rounded to 4 places (unit amounts, quantities)."""
    return float(d.quantize(UNIT, ROUND_HALF_UP))


def cents(value: Any) -> int:
    """A stored amount (float with 2 places) -> integer cents."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return round(value * 100)  # stored floats are within 1e-9 of a whole cent
    return int((dec(value) * 100).quantize(Decimal(1), ROUND_HALF_UP))


def fmt(d: Decimal | int | float) -> str:
    """Xero's report number: "1234.50"."""
    return f"{round_money(dec(d)):.2f}"


def line_tax(line_amount: Decimal, rate: Decimal, line_amount_types: str) -> Decimal:
    """Tax of one line: on top of the amount (Exclusive) or inside it (Inclusive)."""
    if line_amount_types == "NoTax" or not rate:
        return ZERO
    if line_amount_types == "Inclusive":
        return round_money(line_amount * rate / (HUNDRED + rate))
    return round_money(line_amount * rate / HUNDRED)


def line_amount(quantity: Decimal, unit_amount: Decimal, discount_rate: Decimal = ZERO) -> Decimal:
    amount = quantity * unit_amount
    if discount_rate:
        amount = amount * (HUNDRED - discount_rate) / HUNDRED
    return round_money(amount)


def totals(lines: list[tuple[Decimal, Decimal]], line_amount_types: str,
           ) -> tuple[Decimal, Decimal, Decimal]:
    """(LineAmount, TaxAmount) per line -> (SubTotal, TotalTax, Total)."""
    amount = sum((a for a, _ in lines), ZERO)
    tax = sum((t for _, t in lines), ZERO)
    if line_amount_types == "Inclusive":
        return amount - tax, tax, amount
    return amount, tax, amount + tax
