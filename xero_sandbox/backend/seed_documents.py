"""The seed's documents: `build` makes them all in order (invoices and what hangs off them are
in seed_invoices), here bank activity, manual journals, the documents that do not post
(purchase orders, quotes, repeating invoices, linked transactions), and then the contacts and
the journals.

Every posted document is handed to the ledger, which writes the journals (numbered in creation
order) once everything is generated. Hot loops use plain dicts and shared immutable sub-objects
(contact summaries, tracking lists).
"""

from __future__ import annotations

from xero_sandbox.backend import ledger
from xero_sandbox.backend.seed_context import DAY_MS, HOUR_MS, Record, SeedContext
from xero_sandbox.backend.seed_invoices import credit_notes, invoices, over_and_prepayments
from xero_sandbox.backend.seed_lines import EMPTY, LineMaker


def build(ctx: SeedContext) -> None:
    lines = LineMaker(ctx)
    repeating_invoices(ctx, lines)
    invoices(ctx, lines)
    credit_notes(ctx, lines)
    over_and_prepayments(ctx)
    bank_transactions(ctx, lines)
    bank_transfers(ctx)
    manual_journals(ctx)
    purchase_orders(ctx, lines)
    quotes(ctx, lines)
    linked_transactions(ctx)
    stage_contacts(ctx)
    journals(ctx)


# --- bank --------------------------------------------------------------------------------------

def bank_transactions(ctx: SeedContext, maker: LineMaker) -> None:
    r, ids = ctx.rng.random, ctx.ids
    refs = ctx.refs["account_ref"]
    for _ in range(max(4, ctx.size // 2)):
        receive = r() < 0.4
        contact = ctx.pick(ctx.refs["customers"] if receive else ctx.refs["suppliers"])
        day = ctx.first_day + int(r() * (ctx.today - 1 - ctx.first_day))
        lat = maker.lat()
        lines, sub, tax, total = maker.make(
            receive, lat, 1 + int(r() * 2),
            accounts=("260", "270", "200") if receive else ("404", "420", "429", "449", "489"),
            with_items=False)
        status = "DELETED" if r() < 0.05 else "AUTHORISED"
        created = ctx.at(day)
        deleted = min(created + 3 * HOUR_MS, ctx.now_ms - 1) if status == "DELETED" else None
        rec = {
            "BankTransactionID": ids(), "Type": "RECEIVE" if receive else "SPEND",
            "Contact": contact, "LineItems": lines,
            "BankAccount": refs["090"] if r() < 0.9 else refs["091"],
            "IsReconciled": r() < 0.7, "Date": ctx.date(day),
            "DateString": ctx.date_string(day),
            "Reference": f"Txn {int(r() * 1e6):06d}" if r() < 0.5 else "",
            "CurrencyCode": ctx.profile.currency, "CurrencyRate": 1.0, "Status": status,
            "LineAmountTypes": lat, "SubTotal": float(sub), "TotalTax": float(tax),
            "Total": float(total), "UpdatedDateUTC": "", "HasAttachments": False,
        }
        ctx.stage("bank_transactions", rec, deleted or created)
        ctx.post(created, "bank_transactions", rec, deleted)


def bank_transfers(ctx: SeedContext) -> None:
    r, ids = ctx.rng.random, ctx.ids
    refs = ctx.refs["account_ref"]
    for i in range(max(2, ctx.size // 20)):
        src, dst = (refs["090"], refs["091"]) if i % 3 else (refs["091"], refs["090"])
        day = ctx.first_day + int(r() * (ctx.today - 1 - ctx.first_day))
        amount = (10_000 + int(r() * 500_000)) / 100
        created = ctx.at(day)
        tid, from_id, to_id = ids(), ids(), ids()
        rec = {
            "BankTransferID": tid, "FromBankAccount": src, "ToBankAccount": dst,
            "Amount": amount, "Date": ctx.date(day), "DateString": ctx.date_string(day),
            "CurrencyRate": 1.0, "FromBankTransactionID": from_id,
            "ToBankTransactionID": to_id, "FromIsReconciled": False, "ToIsReconciled": False,
            "Reference": f"Transfer {i + 1}", "HasAttachments": False,
            # One in ten was deleted (its two bank transactions with it); Xero lists those
            # only with includeDeleted=true.
            "Status": "DELETED" if i % 10 == 2 else "AUTHORISED",
            "CreatedDateUTC": f"/Date({created}+0000)/",
        }
        deleted = (min(created + 3 * HOUR_MS, ctx.now_ms - 1)
                   if rec["Status"] == "DELETED" else None)
        ctx.stage("bank_transfers", rec, created)
        ctx.post(created, "bank_transfers", rec, deleted)
        for btid, kind, account in ((from_id, "SPEND-TRANSFER", src),
                                    (to_id, "RECEIVE-TRANSFER", dst)):
            ctx.stage("bank_transactions", {
                "BankTransactionID": btid, "Type": kind, "LineItems": EMPTY,
                "BankAccount": account, "IsReconciled": False, "Date": ctx.date(day),
                "DateString": ctx.date_string(day), "Reference": rec["Reference"],
                "CurrencyCode": ctx.profile.currency, "CurrencyRate": 1.0,
                "Status": rec["Status"], "LineAmountTypes": "NoTax", "SubTotal": amount,
                "TotalTax": 0.0, "Total": amount, "UpdatedDateUTC": "", "HasAttachments": False,
            }, deleted or created)


_MJ_KINDS = (("Depreciation", "416", "711"), ("Wages accrual", "477", "804"),
             ("Loan drawdown", "090", "900"), ("Owner drawings", "980", "090"),
             ("Prepaid insurance", "620", "433"))


def manual_journals(ctx: SeedContext) -> None:
    r, ids = ctx.rng.random, ctx.ids
    acc = ctx.refs["accounts"]
    n = max(3, ctx.size // 20)
    for i in range(n):
        if i == 0:
            narration, debit, credit = "Opening capital", "090", "970"
            day, amount = ctx.first_day, float(50_000 + ctx.size * 200)
        else:
            narration, debit, credit = _MJ_KINDS[int(r() * len(_MJ_KINDS))]
            day = ctx.first_day + int(r() * (ctx.today - 1 - ctx.first_day))
            amount = (5_000 + int(r() * 300_000)) / 100
        s = r()
        status = "POSTED" if i == 0 or s < 0.85 else ("DRAFT" if s < 0.95 else "VOIDED")
        if i in (1, 2):
            status = ("DRAFT", "VOIDED")[i - 1]  # even the smallest seed shows these
        jl = [{"LineAmount": amount, "AccountCode": debit, "AccountID": acc[debit]["AccountID"],
               "Description": narration, "TaxType": "NONE", "TaxAmount": 0.0,
               "Tracking": EMPTY, "IsBlank": False},
              {"LineAmount": -amount, "AccountCode": credit,
               "AccountID": acc[credit]["AccountID"], "Description": narration,
               "TaxType": "NONE", "TaxAmount": 0.0, "Tracking": EMPTY, "IsBlank": False}]
        created = ctx.at(day)
        voided = min(created + DAY_MS, ctx.now_ms - 1) if status == "VOIDED" else None
        rec = {"ManualJournalID": ids(), "Narration": narration, "JournalLines": jl,
               "Date": ctx.date(day), "LineAmountTypes": "NoTax", "Status": status,
               "ShowOnCashBasisReports": True, "HasAttachments": False, "UpdatedDateUTC": ""}
        ctx.stage("manual_journals", rec, voided or created)
        if status != "DRAFT":
            ctx.post(created, "manual_journals", rec, voided)


# --- documents that do not post -----------------------------------------------------------------

def purchase_orders(ctx: SeedContext, maker: LineMaker) -> None:
    r = ctx.rng.random
    statuses = ("DRAFT", "SUBMITTED", "AUTHORISED", "AUTHORISED", "BILLED", "BILLED", "DELETED")
    for i in range(max(2, ctx.size // 10)):
        day = ctx.first_day + int(r() * (ctx.today - 1 - ctx.first_day))
        lat = maker.lat()
        lines, sub, tax, total = maker.make(False, lat, 1 + int(r() * 3))
        rec = {
            "PurchaseOrderID": ctx.ids(), "PurchaseOrderNumber": f"PO-{i + 1:04d}",
            "Contact": ctx.pick(ctx.refs["suppliers"]), "Date": ctx.date(day),
            "DateString": ctx.date_string(day), "DeliveryDate": ctx.date(day + 14),
            "DeliveryDateString": ctx.date_string(day + 14), "LineAmountTypes": lat,
            "LineItems": lines, "Reference": "", "BrandingThemeID": ctx.refs["themes"][0],
            "CurrencyCode": ctx.profile.currency, "CurrencyRate": 1.0,
            "Status": ctx.pick(statuses) if i >= 3 else ("DRAFT", "AUTHORISED", "BILLED")[i],
            "SentToContact": r() < 0.5,
            "DeliveryAddress": "23 Main Street, Central City", "AttentionTo": "Receiving",
            "Telephone": "555-1234", "DeliveryInstructions": "Leave at reception",
            "ExpectedArrivalDate": ctx.date(day + 10), "SubTotal": float(sub),
            "TotalTax": float(tax), "Total": float(total), "TotalDiscount": 0.0,
            "HasAttachments": False, "UpdatedDateUTC": "",
        }
        ctx.stage("purchase_orders", rec, ctx.at(day))


def quotes(ctx: SeedContext, maker: LineMaker) -> None:
    r = ctx.rng.random
    statuses = ("DRAFT", "SENT", "SENT", "ACCEPTED", "DECLINED", "INVOICED", "DELETED")
    for i in range(max(2, ctx.size // 10)):
        day = ctx.first_day + int(r() * (ctx.today - 1 - ctx.first_day))
        lat = maker.lat()
        lines, sub, tax, total = maker.make(True, lat, 1 + int(r() * 3))
        rec = {
            "QuoteID": ctx.ids(), "QuoteNumber": f"QU-{i + 1:04d}", "Reference": "",
            "Terms": "Valid for 30 days", "Contact": ctx.pick(ctx.refs["customers"]),
            "LineItems": lines, "Date": ctx.date(day), "DateString": ctx.date_string(day),
            "ExpiryDate": ctx.date(day + 30), "ExpiryDateString": ctx.date_string(day + 30),
            "Status": ctx.pick(statuses) if i >= 3 else ("DRAFT", "SENT", "ACCEPTED")[i],
            "CurrencyCode": ctx.profile.currency,
            "CurrencyRate": 1.0, "SubTotal": float(sub), "TotalTax": float(tax),
            "Total": float(total), "TotalDiscount": 0.0, "Title": "Quote",
            "Summary": f"Quote {i + 1}", "BrandingThemeID": ctx.refs["themes"][0],
            "UpdatedDateUTC": "", "LineAmountTypes": lat.upper(),  # Quotes spell it EXCLUSIVE
        }
        ctx.stage("quotes", rec, ctx.at(day))


def repeating_invoices(ctx: SeedContext, maker: LineMaker) -> None:
    r = ctx.rng.random
    ids_out = []
    for i in range(max(3, ctx.size // 50)):
        acc_rec = i % 3 != 2
        day = ctx.first_day + int(r() * 200)
        lat = maker.lat()
        lines, sub, tax, total = maker.make(acc_rec, lat, 1 + int(r() * 2))
        rid = ctx.ids()
        status = ("AUTHORISED", "DRAFT", "AUTHORISED", "DELETED")[i % 4]
        rec = {
            "RepeatingInvoiceID": rid, "ID": rid, "Type": "ACCREC" if acc_rec else "ACCPAY",
            "Contact": ctx.pick(ctx.refs["customers" if acc_rec else "suppliers"]),
            "Schedule": {"Period": 1, "Unit": "MONTHLY", "DueDate": 20,
                         "DueDateType": "OFFOLLOWINGMONTH", "StartDate": ctx.date(day),
                         "NextScheduledDate": ctx.date(ctx.today + 30 - ctx.today % 30),
                         "NextScheduledDateString": ctx.date_string(ctx.today + 30
                                                                    - ctx.today % 30)},
            "LineItems": lines, "LineAmountTypes": lat, "Reference": "[Month] services",
            "BrandingThemeID": ctx.refs["themes"][0], "CurrencyCode": ctx.profile.currency,
            "Status": status, "SubTotal": float(sub), "TotalTax": float(tax),
            "Total": float(total), "HasAttachments": False, "ApprovedForSending": False,
            "SendCopy": False, "MarkAsSent": False, "IncludePDF": False,
        }
        if status == "AUTHORISED" and acc_rec:
            ids_out.append(rid)
        ctx.stage("repeating_invoices", rec, ctx.at(day))
    ctx.refs["repeating"] = ids_out


def linked_transactions(ctx: SeedContext) -> None:
    r = ctx.rng.random
    bills: list[Record] = ctx.refs["bills"]
    targets = [i for i in ctx.refs["open_invoices"] if i["Type"] == "ACCREC"]
    for k in range(min(len(bills), max(2, ctx.size // 50))):
        bill = bills[(k * 7919) % len(bills)]
        billed = bool(targets) and r() < 0.5 and k > 0  # the first stays open for billing
        rec = {"LinkedTransactionID": ctx.ids(), "SourceTransactionID": bill["InvoiceID"],
               "SourceLineItemID": bill["LineItems"][0]["LineItemID"],
               "Status": "BILLED" if billed else "APPROVED", "Type": "BILLABLEEXPENSE",
               "SourceTransactionTypeCode": "ACCPAY", "UpdatedDateUTC": ""}
        if billed:
            target = targets[int(r() * len(targets))]
            rec["ContactID"] = target["Contact"]["ContactID"]
            rec["TargetTransactionID"] = target["InvoiceID"]
            rec["TargetLineItemID"] = target["LineItems"][0]["LineItemID"]
        else:
            rec["ContactID"] = ctx.pick(ctx.refs["customers"])["ContactID"]
        day = ledger.parse_ms(bill["Date"]) // DAY_MS
        ctx.stage("linked_transactions", rec, ctx.at(min(day + 2, ctx.today - 1)))


# --- contacts (after the documents) and the journals --------------------------------------------

def stage_contacts(ctx: SeedContext) -> None:
    """Contacts know from the documents whether they buy, sell or both."""
    buyers: set[str] = set()
    sellers: set[str] = set()
    for rec, _ in ctx.staged.get("invoices", ()):
        (buyers if rec["Type"] == "ACCREC" else sellers).add(rec["Contact"]["ContactID"])
    r = ctx.rng.random
    span = ctx.today - 1 - ctx.first_day
    for rec, summary in ctx.refs["contacts"]:
        cid = summary["ContactID"]
        rec["IsCustomer"] = cid in buyers
        rec["IsSupplier"] = cid in sellers
        ctx.stage("contacts", rec, ctx.at(ctx.first_day + int(r() * span)))


def journals(ctx: SeedContext) -> None:
    """Every posting (and reversal) becomes a journal, numbered in creation order."""
    chart = ledger.Chart([rec for rec, _ in ctx.staged["accounts"]],
                         [rec for rec, _ in ctx.staged["tax_rates"]])
    ids = ctx.ids
    events = []
    for created, stream, rec, reversed_ms in ctx.postings:
        result = ledger.postings(stream, rec, chart, ids)
        if result is None:
            continue
        source_id, source_type, lines = result
        date = ledger.document_date(stream, rec)
        ref = ledger.reference_of(rec)
        events.append((created, source_id, source_type, date, ref, lines))
        if reversed_ms is not None:
            events.append((reversed_ms, source_id, source_type, date, ref,
                           ledger.reversal(lines, ids)))
    events.sort(key=lambda e: e[0])
    for number, (created, source_id, source_type, date, ref, lines) in enumerate(events, 1):
        ctx.stage("journals", ledger.journal(ids, number, date, created, source_id,
                                             source_type, ref, lines), created)
