"""Write rules for contacts and contact groups, and the contact a document names (found by
ContactID, ContactNumber or Name, or created from the name as Xero does).
"""

from __future__ import annotations

from typing import Any

from xero_sandbox.backend.rules_common import Invalid, Op, Record, Staging, existing
from xero_sandbox.backend.staging import new_id

_CONTACT_FIELDS = ("Name", "FirstName", "LastName", "EmailAddress", "ContactNumber",
                   "AccountNumber", "CompanyNumber", "BankAccountDetails", "TaxNumber",
                   "TaxNumberType", "AccountsReceivableTaxType", "AccountsPayableTaxType",
                   "Addresses", "Phones", "ContactPersons", "IsSupplier", "IsCustomer",
                   "DefaultCurrency", "SalesDefaultAccountCode", "PurchasesDefaultAccountCode",
                   "SalesDefaultLineAmountType", "PurchasesDefaultLineAmountType",
                   "PaymentTerms", "XeroNetworkKey", "SalesTrackingCategories",
                   "PurchasesTrackingCategories", "Website")


def _active(contact: Record) -> bool:
    return contact.get("ContactStatus", "ACTIVE") == "ACTIVE"


def _check_contact(stg: Staging, rec: Record) -> None:
    name = str(rec.get("Name") or "").strip()
    if not name:
        raise Invalid("The contact name must be specified.")
    if len(name) > 255:
        raise Invalid("The contact name must not be longer than 255 characters.")
    rec["Name"] = name
    mine = rec["ContactID"]
    if rec.get("ContactStatus", "ACTIVE") == "ACTIVE":
        dup = stg.find("contacts", "Name", name, _active)
        if dup is not None and dup["ContactID"] != mine:
            raise Invalid(f"The contact name {name} is already assigned to another contact. "
                          "The contact name must be unique across all active contacts.")
    if rec.get("AccountNumber"):
        dup = stg.find("contacts", "AccountNumber", rec["AccountNumber"])
        if dup is not None and dup["ContactID"] != mine:
            raise Invalid("The Account Number already exists. Please enter a different "
                          "Account Number.")
    email = rec.get("EmailAddress")
    if email and ("@" not in str(email) or " " in str(email).strip()):
        raise Invalid("Email address must be valid.")
    for key in ("Addresses", "Phones", "ContactPersons"):
        if not isinstance(rec.get(key, []), list):
            raise Invalid(f"{key} must be a list")


def new_contact(stg: Staging, el: Record) -> Record:
    rec: Record = {"ContactID": new_id(), "ContactStatus": "ACTIVE", "Name": "",
                   "EmailAddress": "", "BankAccountDetails": "", "Addresses": [], "Phones": [],
                   "ContactGroups": [], "IsSupplier": False, "IsCustomer": False,
                   "ContactPersons": [], "HasAttachments": False, "HasValidationErrors": False}
    for key in _CONTACT_FIELDS:
        if key in el:
            rec[key] = el[key]
    status = str(el.get("ContactStatus") or "ACTIVE").upper()
    if status not in ("ACTIVE", "ARCHIVED"):
        raise Invalid(f"ContactStatus '{status}' is not valid.")
    rec["ContactStatus"] = status
    _check_contact(stg, rec)
    stg.put("contacts", rec)
    stg.note("contacts", rec["ContactID"], "Created", f"Contact {rec['Name']} created.")
    return rec


def contacts(stg: Staging, el: Record, op: Op) -> Record:
    if op.method == "PUT":
        if el.get("ContactID") and stg.get("contacts", str(el["ContactID"])):
            raise Invalid("A contact with this ContactID already exists; use POST to update it.")
        return new_contact(stg, el)
    old = existing(stg, op, el, ("Name",), _active) if not el.get("ContactID") else \
        existing(stg, op, el)
    if old is None:
        return new_contact(stg, el)
    rec = dict(old)
    for key in _CONTACT_FIELDS:
        if key in el:
            rec[key] = el[key]
    status = str(el.get("ContactStatus") or rec.get("ContactStatus") or "ACTIVE").upper()
    if status not in ("ACTIVE", "ARCHIVED"):
        raise Invalid(f"ContactStatus '{status}' is not valid.")
    changes = "Edited"
    if status != old.get("ContactStatus"):
        changes = "Archived" if status == "ARCHIVED" else "Restored"
    rec["ContactStatus"] = status
    _check_contact(stg, rec)
    stg.put("contacts", rec)
    stg.note("contacts", rec["ContactID"], changes, f"Contact {rec['Name']} {changes.lower()}.")
    return rec


def contact_groups(stg: Staging, el: Record, op: Op) -> Record:
    def active(g: Record) -> bool:
        return g.get("Status") == "ACTIVE"

    old = existing(stg, op, el, ("Name",), active) if op.method == "POST" or \
        el.get("ContactGroupID") else None
    if op.method == "PUT" and old is not None:
        raise Invalid("A contact group with this ContactGroupID already exists.")
    rec: Record = dict(old) if old else {"ContactGroupID": new_id(), "Status": "ACTIVE",
                                         "Contacts": []}
    if "Name" in el:
        rec["Name"] = el["Name"]
    name = str(rec.get("Name") or "").strip()
    if not name:
        raise Invalid("Contact group name must be specified.")
    status = str(el.get("Status") or rec["Status"]).upper()
    if status not in ("ACTIVE", "DELETED"):
        raise Invalid(f"Contact group Status '{status}' is not valid.")
    if status == "ACTIVE":
        dup = stg.find("contact_groups", "Name", name, active)
        if dup is not None and dup["ContactGroupID"] != rec["ContactGroupID"]:
            raise Invalid("Contact Group Name must be unique.")
    rec["Name"], rec["Status"] = name, status
    stg.put("contact_groups", rec)
    return rec


def contact_summary(contact: Record) -> Record:
    return {"ContactID": contact["ContactID"], "Name": contact.get("Name", ""),
            "Addresses": [], "Phones": [], "ContactGroups": [], "ContactPersons": [],
            "HasValidationErrors": False}


def resolve_contact(stg: Staging, ref: Any, create: bool = True) -> Record:
    """The contact a document names: by ContactID (must exist), ContactNumber or Name.

    An unknown name creates the contact, as Xero does.
    """
    if not isinstance(ref, dict) or not any(ref.get(k) for k in ("ContactID", "Name",
                                                                 "ContactNumber")):
        raise Invalid("A Contact must be specified for this type of transaction")
    if ref.get("ContactID"):
        found = stg.get("contacts", str(ref["ContactID"]))
        if found is None:
            raise Invalid(f"The contact with ContactID '{ref['ContactID']}' does not exist")
        return contact_summary(found)
    if ref.get("ContactNumber"):
        found = stg.find("contacts", "ContactNumber", ref["ContactNumber"])
        if found is not None:
            return contact_summary(found)
        if not ref.get("Name"):
            raise Invalid(f"The contact with ContactNumber '{ref['ContactNumber']}' "
                          "does not exist")
    found = stg.find("contacts", "Name", ref["Name"],
                     lambda c: c.get("ContactStatus") != "ARCHIVED")
    if found is None:
        found = stg.find("contacts", "Name", ref["Name"])
    if found is not None:
        return contact_summary(found)
    if not create:
        raise Invalid(f"The contact '{ref['Name']}' does not exist")
    created = new_contact(stg, ref)
    return contact_summary(created)
