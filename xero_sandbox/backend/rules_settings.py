"""Write rules for the settings-like resources: accounts, items, tax rates, tracking
categories, currencies and linked transactions (contacts: rules_contacts).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from xero_sandbox.backend import ledger
from xero_sandbox.backend.amounts import unit
from xero_sandbox.backend.chart import ACCOUNT_TYPES, CLASS_OF_TYPE
from xero_sandbox.backend.rules_common import (
    Invalid,
    Op,
    Record,
    Staging,
    existing,
    find_account,
    flag,
    number,
)
from xero_sandbox.backend.staging import new_id

_EDITABLE_ACCOUNT = ("Code", "Name", "Description", "TaxType", "EnablePaymentsToAccount",
                     "ShowInExpenseClaims", "BankAccountNumber", "BankAccountType",
                     "CurrencyCode", "ReportingCode", "AddToWatchlist")


def _check_tax_type(stg: Staging, tax_type: Any) -> str:
    tt = str(tax_type)
    if tt not in stg.chart.tax_name or stg.chart.tax_status.get(tt) != "ACTIVE":
        raise Invalid(f"The TaxType code '{tt}' does not exist or cannot be used for this type "
                      "of transaction.")
    return tt


# --- accounts -------------------------------------------------------------------------------

def accounts(stg: Staging, el: Record, op: Op) -> Record:
    old = existing(stg, op, el) if op.method == "POST" or el.get("AccountID") else None
    if op.method == "PUT":
        if old is not None:
            raise Invalid("Please enter a unique Code.")
        if el.get("Code") and stg.find("accounts", "Code", el["Code"]):
            raise Invalid("Please enter a unique Code.")
    rec: Record = dict(old) if old else {
        "AccountID": new_id(), "Status": "ACTIVE", "Description": "",
        "EnablePaymentsToAccount": False, "ShowInExpenseClaims": False, "BankAccountType": "",
        "ReportingCode": "", "HasAttachments": False, "AddToWatchlist": False}
    for key in _EDITABLE_ACCOUNT:
        if key in el:
            rec[key] = el[key]
    typ = str(el.get("Type") or rec.get("Type") or "").upper()
    if old is not None and el.get("Type") and typ != old["Type"] and old.get("SystemAccount"):
        raise Invalid("The Type of a system account cannot be changed.")
    if typ not in ACCOUNT_TYPES:
        raise Invalid("Please select an Account Type." if not typ
                      else f"Account Type '{typ}' is not valid.")
    rec["Type"], rec["Class"] = typ, CLASS_OF_TYPE[typ]
    name = str(rec.get("Name") or "").strip()
    if not name:
        raise Invalid("Please enter a Name.")
    if len(name) > 150:
        raise Invalid("Name must not be longer than 150 characters.")
    code = str(rec.get("Code") or "").strip()
    if typ != "BANK" and not code:
        raise Invalid("Please enter a Code.")
    if len(code) > 10:
        raise Invalid("Code must not be longer than 10 characters.")
    mine = rec["AccountID"]
    dup = stg.find("accounts", "Code", code) if code else None
    if dup is not None and dup["AccountID"] != mine:
        raise Invalid("Please enter a unique Code.")
    if (dup := stg.find("accounts", "Name", name)) is not None and dup["AccountID"] != mine:
        raise Invalid("Please enter a unique Name.")
    if typ == "BANK":
        if not rec.get("BankAccountNumber"):
            raise Invalid("Bank account number must be specified for a bank account.")
        rec["BankAccountType"] = rec.get("BankAccountType") or "BANK"
        rec["CurrencyCode"] = rec.get("CurrencyCode") or stg.org.base_currency
    rec["TaxType"] = _check_tax_type(stg, rec.get("TaxType") or "NONE")
    status = str(el.get("Status") or rec["Status"]).upper()
    if status not in ("ACTIVE", "ARCHIVED"):
        raise Invalid(f"Account Status '{status}' is not valid.")
    if status == "ARCHIVED" and rec.get("SystemAccount"):
        raise Invalid("System accounts cannot be archived.")
    rec["Status"] = status
    rec["Code"], rec["Name"] = code, name
    stg.put("accounts", rec)
    return rec


def account_in_use(stg: Staging, acct: Record) -> bool:
    """Does anything refer to this account (journals, documents, items, bank references)?"""
    if acct["AccountID"] in ledger.balances(stg.org).account_ids or acct.get("SystemAccount"):
        return True
    code, aid = acct.get("Code"), acct["AccountID"]
    for stream in ("invoices", "credit_notes", "bank_transactions", "purchase_orders", "quotes",
                   "repeating_invoices", "manual_journals"):
        for rec in stg.scan(stream):
            if (rec.get("BankAccount") or {}).get("AccountID") == aid:
                return True
            for line in rec.get("LineItems") or rec.get("JournalLines") or ():
                if line.get("AccountCode") == code or line.get("AccountID") == aid:
                    return True
    for item in stg.scan("items"):
        for side in ("SalesDetails", "PurchaseDetails"):
            if (item.get(side) or {}).get("AccountCode") == code:
                return True
    return False


# --- items ----------------------------------------------------------------------------------------

def _item_details(stg: Staging, details: Any) -> Record:
    if not isinstance(details, dict):
        raise Invalid("Item sales and purchase details must be objects")
    out = dict(details)
    if out.get("AccountCode"):
        find_account(stg, {"Code": out["AccountCode"]})
    if out.get("COGSAccountCode"):
        find_account(stg, {"Code": out["COGSAccountCode"]})
    if out.get("TaxType"):
        _check_tax_type(stg, out["TaxType"])
    price = number(out, "UnitPrice")
    if price is not None:
        out["UnitPrice"] = unit(price)
    return out


def items(stg: Staging, el: Record, op: Op) -> Record:
    old = existing(stg, op, el) if op.method == "POST" or el.get("ItemID") else None
    code = str(el.get("Code") or (old or {}).get("Code") or "").strip()
    if not code:
        raise Invalid("Item Code must be specified.")
    if len(code) > 30:
        raise Invalid("Item Code must not be longer than 30 characters.")
    dup = stg.find("items", "Code", code)
    if op.method == "PUT" and old is not None:
        raise Invalid(f"Item code '{code}' already exists.")
    if dup is not None and (old is None or dup["ItemID"] != old["ItemID"]):
        raise Invalid(f"Item code '{code}' already exists.")
    rec: Record = dict(old) if old else {"ItemID": new_id(), "Name": "", "Description": "",
                                 "PurchaseDescription": "", "IsTrackedAsInventory": False,
                                 "IsSold": True, "IsPurchased": True}
    for key in ("Name", "Description", "PurchaseDescription", "IsSold", "IsPurchased",
                "IsTrackedAsInventory", "InventoryAssetAccountCode"):
        if key in el:
            rec[key] = el[key]
    if len(str(rec.get("Name") or "")) > 50:
        raise Invalid("Item Name must not be longer than 50 characters.")
    if len(str(rec.get("Description") or "")) > 4000:
        raise Invalid("Item Description must not be longer than 4000 characters.")
    for side in ("SalesDetails", "PurchaseDetails"):
        if side in el:
            rec[side] = _item_details(stg, el[side])
    if flag(rec, "IsTrackedAsInventory"):
        if not rec.get("InventoryAssetAccountCode"):
            raise Invalid("An inventory asset account must be specified for a tracked item.")
        find_account(stg, {"Code": rec["InventoryAssetAccountCode"]})
        if not (rec.get("PurchaseDetails") or {}).get("COGSAccountCode"):
            raise Invalid("A cost of goods sold account must be specified for a tracked item.")
        rec.setdefault("QuantityOnHand", 0.0)
        rec.setdefault("TotalCostPool", 0.0)
    rec["Code"] = code
    stg.put("items", rec)
    stg.note("items", rec["ItemID"], "Created" if old is None else "Edited",
             f"Item {code} {'created' if old is None else 'edited'}.")
    return rec


# --- tax rates ----------------------------------------------------------------------------------

def tax_rates(stg: Staging, el: Record, op: Op) -> Record:
    old = stg.get("tax_rates", str(el["TaxType"])) if el.get("TaxType") else None
    if old is None and op.method == "POST" and el.get("Name"):
        old = stg.find("tax_rates", "Name", el["Name"])
    if op.method == "PUT" and old is not None:
        raise Invalid("Tax rate name must be unique.")
    rec: Record = dict(old) if old else {"Status": "ACTIVE", "ReportTaxType": "OUTPUT",
                                 "CanApplyToAssets": True, "CanApplyToEquity": True,
                                 "CanApplyToExpenses": True, "CanApplyToLiabilities": True,
                                 "CanApplyToRevenue": True}
    name = str(el.get("Name") or rec.get("Name") or "").strip()
    if not name:
        raise Invalid("Tax rate Name must be specified.")
    dup = stg.find("tax_rates", "Name", name)
    if dup is not None and (old is None or dup["TaxType"] != old["TaxType"]):
        raise Invalid("Tax rate name must be unique.")
    if "TaxComponents" in el or old is None:
        comps = el.get("TaxComponents")
        if not isinstance(comps, list) or not comps:
            raise Invalid("At least one tax component must be specified.")
        total = Decimal(0)
        out = []
        for comp in comps:
            rate = number(comp, "Rate") if isinstance(comp, dict) else None
            if rate is None or rate < 0 or not comp.get("Name"):
                raise Invalid("Each tax component needs a Name and a Rate of zero or more.")
            total += rate
            out.append({"Name": comp["Name"], "Rate": float(rate),
                        "IsCompound": flag(comp, "IsCompound"),
                        "IsNonRecoverable": flag(comp, "IsNonRecoverable")})
        rec["TaxComponents"] = out
        rec["DisplayTaxRate"] = rec["EffectiveRate"] = float(total)
    if old is None:
        n = sum(1 for t in stg.scan("tax_rates") if str(t["TaxType"]).startswith("TAX"))
        rec["TaxType"] = f"TAX{n + 1:03d}"
        while stg.get("tax_rates", rec["TaxType"]) is not None:
            n += 1
            rec["TaxType"] = f"TAX{n + 1:03d}"
    status = str(el.get("Status") or rec["Status"]).upper()
    if status not in ("ACTIVE", "DELETED", "ARCHIVED"):
        raise Invalid(f"Tax rate Status '{status}' is not valid.")
    if el.get("ReportTaxType"):
        rec["ReportTaxType"] = el["ReportTaxType"]
    rec["Name"], rec["Status"] = name, status
    stg.put("tax_rates", rec)
    return rec


# --- tracking categories -----------------------------------------------------------------------

def tracking_categories(stg: Staging, el: Record, op: Op) -> Record:
    old = existing(stg, op, el) if op.method == "POST" or el.get("TrackingCategoryID") else None
    if op.method == "PUT" and old is not None:
        raise Invalid("A tracking category with this TrackingCategoryID already exists.")
    rec: Record = dict(old) if old else {"TrackingCategoryID": new_id(), "Status": "ACTIVE",
                                 "Options": []}
    name = str(el.get("Name") or rec.get("Name") or "").strip()
    if not name:
        raise Invalid("Tracking category Name must be specified.")
    if len(name) > 100:
        raise Invalid("Tracking category Name must not be longer than 100 characters.")
    dup = stg.find("tracking_categories", "Name", name)
    if dup is not None and dup["TrackingCategoryID"] != rec["TrackingCategoryID"]:
        raise Invalid(f"The tracking category name {name} is already in use.")
    status = str(el.get("Status") or rec["Status"]).upper()
    if status not in ("ACTIVE", "ARCHIVED"):
        raise Invalid(f"Tracking category Status '{status}' is not valid.")
    if status == "ACTIVE" and (old is None or old["Status"] != "ACTIVE"):
        active = sum(1 for t in stg.scan("tracking_categories") if t["Status"] == "ACTIVE")
        if active >= 2:
            raise Invalid("You can only have 2 active tracking categories.")
    options = list(rec.get("Options") or [])
    for opt in el.get("Options") or ():
        oname = str((opt or {}).get("Name") or "").strip()
        if not oname:
            raise Invalid("Tracking option Name must be specified.")
        if any(o["Name"].casefold() == oname.casefold() for o in options):
            raise Invalid(f"For each specified tracking option the name must be unique. "
                          f"'{oname}' is already in use.")
        options.append({"TrackingOptionID": new_id(), "Name": oname, "Status": "ACTIVE",
                        "TrackingCategoryID": rec["TrackingCategoryID"]})
    rec["Name"], rec["Status"], rec["Options"] = name, status, options
    stg.put("tracking_categories", rec)
    return rec


# --- currencies -----------------------------------------------------------------------------------

def currencies(stg: Staging, el: Record, op: Op) -> Record:
    code = str(el.get("Code") or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise Invalid("Currency Code must be a three-letter ISO 4217 code.")
    old = stg.get("currencies", code)
    if old is not None:
        return old  # adding a currency the organisation has already is a no-op in Xero
    rec = {"Code": code, "Description": str(el.get("Description") or code)}
    stg.put("currencies", rec)
    return rec


# --- linked transactions --------------------------------------------------------------------------

def _source_line(stg: Staging, rid: Any, line_id: Any, what: str) -> Record:
    doc = stg.get("invoices", str(rid)) if rid else None
    if doc is None and rid:
        doc = stg.get("bank_transactions", str(rid))
    if doc is None:
        raise Invalid(f"{what}TransactionID '{rid}' does not refer to an invoice or bank "
                      "transaction")
    if line_id and not any(li.get("LineItemID") == str(line_id) for li in doc["LineItems"]):
        raise Invalid(f"{what}LineItemID '{line_id}' is not a line of that transaction")
    return doc


def linked_transactions(stg: Staging, el: Record, op: Op) -> Record:
    old = existing(stg, op, el) if op.method == "POST" or el.get("LinkedTransactionID") else None
    if op.method == "PUT" and old is not None:
        raise Invalid("A linked transaction with this LinkedTransactionID already exists.")
    rec: Record = dict(old) if old else {"LinkedTransactionID": new_id(), "Type": "BILLABLEEXPENSE"}
    for key in ("SourceTransactionID", "SourceLineItemID", "ContactID", "TargetTransactionID",
                "TargetLineItemID"):
        if el.get(key):
            rec[key] = str(el[key])
    if not rec.get("SourceTransactionID") or not rec.get("SourceLineItemID"):
        raise Invalid("SourceTransactionID and SourceLineItemID must be specified.")
    source = _source_line(stg, rec["SourceTransactionID"], rec["SourceLineItemID"], "Source")
    if source.get("Type") not in ("ACCPAY", "SPEND"):
        raise Invalid("The source transaction must be a bill (ACCPAY) or a spend money "
                      "transaction.")
    rec["SourceTransactionTypeCode"] = source["Type"]
    if rec.get("ContactID") and stg.get("contacts", rec["ContactID"]) is None:
        raise Invalid(f"The contact with ContactID '{rec['ContactID']}' does not exist")
    if rec.get("TargetTransactionID"):
        target = _source_line(stg, rec["TargetTransactionID"], rec.get("TargetLineItemID"),
                              "Target")
        if target.get("Type") != "ACCREC":
            raise Invalid("The target transaction must be a sales invoice (ACCREC).")
        rec["ContactID"] = target["Contact"]["ContactID"]
        rec["Status"] = "BILLED"
    else:
        rec["Status"] = "APPROVED" if rec.get("ContactID") else "DRAFT"
    stg.put("linked_transactions", rec)
    return rec
