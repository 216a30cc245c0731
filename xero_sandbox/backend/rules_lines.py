"""The parts of a document write that are not its status: its lines (items, accounts, tax types,
tracking, amounts), its next number, its currency and rate, its branding theme.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xero_sandbox.backend import ledger
from xero_sandbox.backend.amounts import (
    ZERO,
    line_amount,
    line_tax,
    money,
    round_money,
    totals,
    unit,
)
from xero_sandbox.backend.chart import PROFILES
from xero_sandbox.backend.doc_kinds import DocKind
from xero_sandbox.backend.rules_common import (
    Invalid,
    Record,
    Staging,
    find_account,
    number,
    tracking,
)
from xero_sandbox.backend.staging import new_id

# --- lines ------------------------------------------------------------------------------------

def doc_lines(stg: Staging, kind: DocKind, doc_type: str, lat: str, raw: Any, status: str,
           ) -> tuple[list[Record], Decimal, Decimal, Decimal]:
    if not isinstance(raw, list):
        raise Invalid("LineItems must be a list")
    sales = doc_type in kind.sales_types
    chart = stg.chart
    out: list[Record] = []
    pairs: list[tuple[Decimal, Decimal]] = []
    errors: list[str] = []
    for li in raw:
        if not isinstance(li, dict):
            raise Invalid("Each line item must be an object")
        try:
            line, amount, tax = _line(stg, kind, doc_type, sales, lat, li, status, chart)
        except Invalid as e:
            errors.extend(m for m in e.messages if m not in errors)
            continue
        out.append(line)
        pairs.append((amount, tax))
    if errors:
        raise Invalid(*errors)
    sub, tax_total, total = totals(pairs, lat)
    return out, sub, tax_total, total


def _line(stg: Staging, kind: DocKind, doc_type: str, sales: bool, lat: str, li: Record,
          status: str, chart: ledger.Chart) -> tuple[Record, Decimal, Decimal]:
    item = None
    if li.get("ItemCode"):
        item = stg.find("items", "Code", li["ItemCode"])
        if item is None:
            raise Invalid(f"Item code '{li['ItemCode']}' is not valid.")
    details = (item or {}).get("SalesDetails" if sales else "PurchaseDetails") or {}
    desc = li.get("Description")
    if desc is None and item is not None:
        desc = item.get("Description" if sales else "PurchaseDescription") or \
            item.get("Description") or item.get("Name")
    if not desc:
        raise Invalid("The description field is mandatory for each line item.")
    if len(str(desc)) > 4000:
        raise Invalid("The description of a line item must not be longer than 4000 characters.")
    qty_given = number(li, "Quantity")
    qty = qty_given if qty_given is not None else Decimal(1)
    unit_amount = number(li, "UnitAmount")
    given = number(li, "LineAmount")
    discount = number(li, "DiscountRate", ZERO) or ZERO
    if discount and doc_type in ("ACCPAY", "ACCPAYCREDIT", "SPEND"):
        raise Invalid(f"Discounts may not be applied to {doc_type} invoices.")
    if unit_amount is None:
        if given is not None:
            unit_amount = given / qty if qty else given
        elif details.get("UnitPrice") is not None:
            unit_amount = Decimal(str(details["UnitPrice"]))
        else:
            unit_amount = ZERO
    expected = line_amount(qty, unit_amount, discount)
    if given is not None and li.get("UnitAmount") is not None and round_money(given) != expected:
        raise Invalid(f"The line total {round_money(given)} does not match the expected line "
                      f"total {expected}")
    if given is not None and li.get("UnitAmount") is None:
        expected = round_money(given)
    line: Record = {"LineItemID": str(li.get("LineItemID") or new_id()), "Description": desc,
                    "Quantity": unit(qty), "UnitAmount": unit(unit_amount)}
    code = li.get("AccountCode") or (None if li.get("AccountID") else details.get("AccountCode"))
    acct = None
    if code or li.get("AccountID"):
        acct = find_account(stg, {"Code": code} if code else {"AccountID": li["AccountID"]})
        if acct["Type"] == "BANK" or acct.get("SystemAccount") in ("DEBTORS", "CREDITORS"):
            raise Invalid(f"Account code '{acct.get('Code')}' is not a valid code for this "
                          "document.")
        line["AccountCode"], line["AccountID"] = acct.get("Code", ""), acct["AccountID"]
    elif status in kind.needs_account_when:
        raise Invalid("Each line item must have an account code when the document is approved.")
    tax_type = "NONE" if lat == "NoTax" else str(
        li.get("TaxType") or details.get("TaxType") or (acct or {}).get("TaxType") or "NONE")
    if tax_type not in chart.tax_name or chart.tax_status.get(tax_type) != "ACTIVE":
        raise Invalid(f"The TaxType code '{tax_type}' does not exist or cannot be used for this "
                      "type of transaction.")
    tax = line_tax(expected, chart.tax_rate.get(tax_type, ZERO), lat)
    line.update({"TaxType": tax_type, "TaxAmount": money(tax), "LineAmount": money(expected),
                 "Tracking": tracking(stg, li.get("Tracking"))})
    if discount:
        line["DiscountRate"] = float(discount)
    if item is not None:
        line["ItemCode"] = item["Code"]
        line["Item"] = {"ItemID": item["ItemID"], "Name": item.get("Name", ""),
                        "Code": item["Code"]}
    return line, expected, tax


# --- numbers, currency, misc ---------------------------------------------------------------------

def next_number(stg: Staging, kind: DocKind, prefix: str) -> str:
    key = ("next", kind.stream, prefix)
    n = stg.memo.get(key)
    if n is None:
        n = 0
        assert kind.number_field is not None
        for rec in stg.scan(kind.stream):
            num = str(rec.get(kind.number_field) or "")
            if num.startswith(prefix) and num[len(prefix):].isdigit():
                n = max(n, int(num[len(prefix):]))
    n += 1
    stg.memo[key] = n
    return f"{prefix}{n:05d}" if kind.stream == "invoices" else f"{prefix}{n:04d}"


def set_currency(stg: Staging, el: Record, rec: Record) -> None:
    base = stg.org.base_currency
    code = str(el.get("CurrencyCode") or rec.get("CurrencyCode") or base).upper()
    if stg.get("currencies", code) is None:
        raise Invalid(f"The currency code {code} is not set up for this organisation.")
    rate = number(el, "CurrencyRate")
    if code == base:
        rate = Decimal(1)
    elif rate is None:
        rate = Decimal(str(rec["CurrencyRate"])) if rec.get("CurrencyCode") == code and \
            rec.get("CurrencyRate") else _default_rate(stg, code)
    if rate <= 0:
        raise Invalid("CurrencyRate must be greater than zero.")
    rec["CurrencyCode"], rec["CurrencyRate"] = code, float(round(rate, 10))


def _default_rate(stg: Staging, code: str) -> Decimal:
    for profile in PROFILES.values():
        if profile.currency == stg.org.base_currency:
            for fx_code, _, rate in profile.foreign:
                if fx_code == code:
                    return Decimal(rate)
    return Decimal(1)


def check_theme(stg: Staging, theme_id: Any) -> None:
    if theme_id and stg.get("branding_themes", str(theme_id)) is None:
        raise Invalid(f"Branding theme '{theme_id}' does not exist.")
