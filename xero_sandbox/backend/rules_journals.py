"""Write rules for manual journals: balanced lines on accounts, DRAFT -> POSTED -> VOIDED (or
DELETED from DRAFT), and the ledger postings a posted journal makes.
"""

from __future__ import annotations

from decimal import Decimal

from xero_sandbox.backend.amounts import (
    money,
    round_money,
)
from xero_sandbox.backend.doc_kinds import moves
from xero_sandbox.backend.rules_common import (
    DAY_MS,
    Invalid,
    Op,
    Record,
    Staging,
    day_ms,
    existing,
    find_account,
    ms_date,
    number,
    tracking,
)
from xero_sandbox.backend.staging import new_id

# --- manual journals ------------------------------------------------------------------------------

_MJ_MOVES = moves(DRAFT="DRAFT POSTED DELETED", POSTED="POSTED VOIDED", VOIDED="", DELETED="")


def manual_journals(stg: Staging, el: Record, op: Op) -> Record:
    if op.method == "PUT":
        if el.get("ManualJournalID") and stg.get("manual_journals", str(el["ManualJournalID"])):
            raise Invalid("A manual journal with this ManualJournalID already exists; use POST "
                          "to update it.")
        old = None
    else:
        old = existing(stg, op, el)
    was = old["Status"] if old else None
    status = str(el.get("Status") or was or "DRAFT").upper()
    if old is None and status not in ("DRAFT", "POSTED"):
        raise Invalid("Manual Journal not of valid status for creation")
    if old is not None and status not in _MJ_MOVES.get(str(was), frozenset()):
        raise Invalid("Manual Journal not of valid status for modification")
    rec: Record = dict(old) if old else {"ManualJournalID": new_id(), "LineAmountTypes": "NoTax",
                                 "ShowOnCashBasisReports": True, "HasAttachments": False}
    rid = rec["ManualJournalID"]
    if old is not None and status in ("VOIDED", "DELETED"):
        rec["Status"] = status
        stg.put("manual_journals", rec)
        if was == "POSTED":
            stg.unpost("manual_journals", rec)
        stg.note("manual_journals", rid, "Voided" if status == "VOIDED" else "Deleted",
                 rec.get("Narration", ""))
        return rec
    errors = []
    narration = el.get("Narration", rec.get("Narration"))
    if not narration:
        errors.append("Narration is required")
    if el.get("Date") or old is None:
        try:
            d = day_ms(el["Date"]) if el.get("Date") else stg.now_ms - stg.now_ms % DAY_MS
            rec["Date"] = ms_date(d)
        except Invalid as e:
            errors.extend(e.messages)
    raw = el.get("JournalLines")
    if not raw:
        raw = rec.get("JournalLines") or []
    lines, debit, credit = [], Decimal(0), Decimal(0)
    for jl in raw if isinstance(raw, list) else ():
        try:
            amount = number(jl, "LineAmount")
            if amount is None:
                raise Invalid("LineAmount must be specified for each journal line")
            ref = {"AccountID": jl["AccountID"]} if jl.get("AccountID") and \
                not jl.get("AccountCode") else {"Code": jl.get("AccountCode")}
            acct = find_account(stg, ref, "AccountCode")
            tax_type = str(jl.get("TaxType") or "NONE")
            if tax_type not in stg.chart.tax_name:
                raise Invalid(f"The TaxType code '{tax_type}' does not exist or cannot be used "
                              "for this type of transaction.")
            lines.append({"LineAmount": money(amount), "AccountCode": acct.get("Code", ""),
                          "AccountID": acct["AccountID"],
                          "Description": str(jl.get("Description") or ""),
                          "TaxType": tax_type, "TaxAmount": 0.0,
                          "Tracking": tracking(stg, jl.get("Tracking")), "IsBlank": False})
        except Invalid as e:
            errors.extend(m for m in e.messages if m not in errors)
            continue
        if amount > 0:
            debit += round_money(amount)
        else:
            credit -= round_money(amount)
    if not isinstance(raw, list) or (status == "POSTED" and len(raw) < 2):
        errors.append("A posted manual journal must have at least two journal lines")
    if debit != credit:
        errors.append(f"The total debits ({debit:.2f}) must equal total credits ({credit:.2f})")
    if errors:
        raise Invalid(*errors)
    rec.update({"Narration": str(narration), "JournalLines": lines, "Status": status})
    for key in ("Url", "ShowOnCashBasisReports"):
        if key in el:
            rec[key] = el[key]
    stg.put("manual_journals", rec)
    if was == "POSTED":
        stg.unpost("manual_journals", rec)
    if status == "POSTED":
        stg.post("manual_journals", rec)
    stg.note("manual_journals", rid, "Created" if old is None else
             ("Posted" if status == "POSTED" and was != "POSTED" else "Edited"), str(narration))
    return rec
