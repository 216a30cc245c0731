"""Line items for the seed's documents: `LineMaker` picks items, accounts, tax rates and
tracking that exist, with Xero's line amounts, from the sales and purchase texts here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xero_sandbox.backend.amounts import line_tax, totals
from xero_sandbox.backend.seed_context import Record, SeedContext

_SALES_TEXT = ("Consulting services", "Monthly support retainer", "Installation", "Design work",
               "Training session", "Project management", "Site visit", "Software licence")
_BUY_TEXT = ("Office supplies", "Stationery", "Courier", "Software subscription", "Fuel",
             "Cleaning contract", "Power bill", "Phone & internet", "Advertising campaign")
_SALES_ACCOUNTS = ("200", "200", "200", "260")
_BUY_ACCOUNTS = ("300", "300", "400", "408", "412", "420", "429", "433", "445", "449", "461",
                 "469", "473", "485", "489", "493")
EMPTY: list[Any] = []


class LineMaker:
    """Line items for sales or purchase documents, with Xero's per-line tax."""

    def __init__(self, ctx: SeedContext) -> None:
        self.ctx = ctx
        self.r = ctx.rng.random
        self.acc = ctx.refs["accounts"]
        self.rates: dict[str, Decimal] = ctx.refs["tax_rate"]
        self.items = ctx.refs["items"]
        self.tracking = ctx.refs["tracking"]
        self.ids = ctx.ids

    def make(self, sales: bool, lat: str, count: int, accounts: tuple[str, ...] | None = None,
             with_items: bool = True) -> tuple[list[Record], Decimal, Decimal, Decimal]:
        r, acc = self.r, self.acc
        if accounts is None:
            accounts = _SALES_ACCOUNTS if sales else _BUY_ACCOUNTS
        texts = _SALES_TEXT if sales else _BUY_TEXT
        lines = []
        pairs = []
        for _ in range(count):
            item = self.items[int(r() * len(self.items))] if with_items and r() < 0.45 else None
            if item is not None:
                _code, _iid, name, sale_c, buy_c, _ref = item
                unit_c = sale_c if sales else buy_c
                account = "200" if sales else "300"
                desc = name
            else:
                account = accounts[int(r() * len(accounts))]
                desc = texts[int(r() * len(texts))]
                unit_c = 1000 + int(r() * 150_000)
            qty = 1 + int(r() * 8)
            a = acc[account]
            tax_type = "NONE" if lat == "NoTax" else a["TaxType"]
            amount = Decimal(qty * unit_c) / 100
            tax = line_tax(amount, self.rates[tax_type], lat)
            line = {"LineItemID": self.ids(), "Description": desc, "Quantity": float(qty),
                    "UnitAmount": unit_c / 100, "AccountCode": account,
                    "AccountID": a["AccountID"], "TaxType": tax_type, "TaxAmount": float(tax),
                    "LineAmount": float(amount),
                    "Tracking": self.tracking[int(r() * len(self.tracking))]}
            if item is not None:
                line["ItemCode"] = item[0]
                line["Item"] = item[5]
            lines.append(line)
            pairs.append((amount, tax))
        sub, tax_total, total = totals(pairs, lat)
        return lines, sub, tax_total, total

    def lat(self) -> str:
        x = self.r()
        return "Exclusive" if x < 0.8 else ("Inclusive" if x < 0.95 else "NoTax")
