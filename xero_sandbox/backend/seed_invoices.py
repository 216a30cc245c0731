"""The seed's invoices and what hangs off them: payments, batch payments, credit notes and
their allocations, over- and prepayments, each changing AmountPaid / AmountDue / Status
exactly as Xero would.
"""

from __future__ import annotations

from decimal import Decimal

from xero_sandbox.backend import ledger
from xero_sandbox.backend.amounts import line_tax, money, totals
from xero_sandbox.backend.seed_context import DAY_MS, HOUR_MS, Record, SeedContext
from xero_sandbox.backend.seed_lines import EMPTY, LineMaker

_TERMS = (7, 14, 20, 30)
_EVERY_STATUS = ("PAID", "VOIDED", "DELETED", "SUBMITTED", "DRAFT", "AUTHORISED")


# --- invoices, payments, batch payments ---------------------------------------------------------

class _Batches:
    """Groups some supplier payments into batch payments on one date and bank account."""

    def __init__(self, ctx: SeedContext) -> None:
        self.ctx = ctx
        self.open: Record | None = None
        self.count = 0

    def join(self, day: int, payment: Record, invoice_ref: Record) -> int:
        """Put a payment in the open batch if its date suits, else open a new one: its day."""
        b = self.open
        if b is None or b["_day"] < day or len(b["Payments"]) >= 5:
            self.close()
            self.count += 1
            b = self.open = {
                "Account": {"AccountID": payment["Account"]["AccountID"]},
                "Reference": f"Batch {self.count}", "Particulars": "", "Code": "",
                "Details": "Supplier run", "Narrative": "", "BatchPaymentID": self.ctx.ids(),
                "DateString": self.ctx.date_string(day), "Date": self.ctx.date(day),
                "Payments": [], "Type": "PAYBATCH", "Status": "AUTHORISED", "TotalAmount": 0.0,
                "IsReconciled": False, "_day": day,
            }
        b["Payments"].append({"PaymentID": payment["PaymentID"], "Invoice": invoice_ref,
                              "Amount": payment["Amount"], "Reference": ""})
        payment["BatchPaymentID"] = b["BatchPaymentID"]
        return int(b["_day"])

    def close(self) -> None:
        b = self.open
        if b is None:
            return
        total = sum((Decimal(str(p["Amount"])) for p in b["Payments"]), Decimal(0))
        b["TotalAmount"] = money(total)
        ms = self.ctx.at(b.pop("_day"))
        self.ctx.stage("batch_payments", b, ms)
        self.open = None


def _status(r: float, age_days: int) -> str:
    if r < 0.06:
        return "DRAFT"
    if r < 0.09:
        return "SUBMITTED"
    if r < 0.12:
        return "DELETED"
    if r < 0.15:
        return "VOIDED"
    return "PAID" if r < (0.85 if age_days > 45 else 0.4) else "AUTHORISED"


def invoices(ctx: SeedContext, maker: LineMaker) -> None:
    r, ids, org = ctx.rng.random, ctx.ids, ctx.org
    customers, suppliers = ctx.refs["customers"], ctx.refs["suppliers"]
    bank = ctx.refs["account_ref"]["090"]
    fx = ctx.refs["fx"]
    base = ctx.profile.currency
    themes = ctx.refs["themes"]
    repeating = ctx.refs.get("repeating", [])
    users = ctx.refs["user_names"]
    batches = _Batches(ctx)
    first, span, today = ctx.first_day, ctx.today - 1 - ctx.first_day, ctx.today
    days = sorted(first + int(r() * span) for _ in range(ctx.size))
    n_rec = n_pay = 0
    open_invoices: list[Record] = []
    updated: dict[str, int] = {}
    ctx.refs["invoice_updated"] = updated
    ctx.refs["open_invoices"] = open_invoices
    acc_pay_posted: list[Record] = []
    ctx.refs["bills"] = acc_pay_posted
    for index, day in enumerate(days):
        acc_rec = r() < 0.65
        contact = customers[int(r() * len(customers))] if acc_rec else \
            suppliers[int(r() * len(suppliers))]
        status = _status(r(), today - day)
        if index < len(_EVERY_STATUS):  # even the smallest seed shows every status
            status = _EVERY_STATUS[index]
        lat = maker.lat()
        rate = 1.0
        currency = base
        if r() < 0.07:
            currency, rate = fx[int(r() * len(fx))]
        lines, sub, tax, total = maker.make(acc_rec, lat, 1 + int(r() * 3))
        if acc_rec:
            n_rec += 1
            number = f"INV-{n_rec:05d}"
        else:
            n_pay += 1
            number = f"BILL-{n_pay:05d}"
        iid = ids()
        due_day = day + _TERMS[int(r() * 4)]
        created = ctx.at(day)
        last = created
        inv_ref = f"Ref {number[-4:]}" if r() < 0.6 else ""  # drawn for bills too (same data)
        inv: Record = {
            "Type": "ACCREC" if acc_rec else "ACCPAY", "InvoiceID": iid, "InvoiceNumber": number,
            "Reference": inv_ref if acc_rec else "", "Payments": EMPTY,
            "CreditNotes": EMPTY, "Prepayments": EMPTY, "Overpayments": EMPTY,
            "AmountDue": 0.0, "AmountPaid": 0.0, "AmountCredited": 0.0,
            "SentToContact": acc_rec and status in ("AUTHORISED", "PAID") and r() < 0.7,
            "CurrencyRate": rate, "IsDiscounted": False, "HasAttachments": False,
            "HasErrors": False, "Contact": contact, "DateString": ctx.date_string(day),
            "Date": ctx.date(day), "DueDateString": ctx.date_string(due_day),
            "DueDate": ctx.date(due_day), "BrandingThemeID": themes[0], "Status": status,
            "LineAmountTypes": lat, "LineItems": lines, "SubTotal": float(sub),
            "TotalTax": float(tax), "Total": float(total), "UpdatedDateUTC": "",
            "CurrencyCode": currency,
        }
        if repeating and acc_rec and r() < 0.03:
            inv["RepeatingInvoiceID"] = repeating[int(r() * len(repeating))]
        total_c = int(total * 100)
        if status in ("AUTHORISED", "PAID", "VOIDED"):
            ref = {"InvoiceID": iid, "InvoiceNumber": number, "Type": inv["Type"],
                   "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
                   "CurrencyCode": currency}
            paid_c = 0
            pays: list[Record] = []
            if status == "PAID":
                parts = [total_c] if r() < 0.8 or total_c < 2 else \
                    [total_c * (3 + int(r() * 5)) // 10]
                if parts[0] != total_c:
                    parts.append(total_c - parts[0])
            elif status == "AUTHORISED" and r() < 0.25 and total_c >= 2:
                parts = [total_c * (2 + int(r() * 6)) // 10]
            else:
                parts = []
            pay_day = day
            for k, part in enumerate(parts):
                pay_day = min(pay_day + 1 + int(r() * 30), today - 1)
                payment = _payment(ctx, part, rate, pay_day, bank, ref, acc_rec)
                if not acc_rec and len(parts) == 1 and (r() < 0.15 or not batches.count):
                    pay_day = batches.join(pay_day, payment, ref)
                    payment["Date"] = ctx.date(pay_day)
                pay_ms = max(ctx.at(pay_day), created + k + 1)
                last = max(last, pay_ms)
                ctx.stage("payments", payment, pay_ms)
                ctx.post(pay_ms, "payments", payment)
                pays.append({"PaymentID": payment["PaymentID"], "Date": payment["Date"],
                             "Amount": payment["Amount"], "Reference": "",
                             "CurrencyRate": rate, "HasAccount": False,
                             "HasValidationErrors": False})
                paid_c += part
            if status == "AUTHORISED" and r() < 0.03 and total_c - paid_c >= 2:
                # a payment that was entered and then removed (reversed in the ledger)
                gone_day = min(day + 1 + int(r() * 20), today - 1)
                gone = _payment(ctx, (total_c - paid_c) // 2, rate, gone_day, bank, ref, acc_rec)
                gone["Status"] = "DELETED"
                gone_ms = max(ctx.at(gone_day), created + 10)
                removed_ms = min(gone_ms + 2 * HOUR_MS, ctx.now_ms - 1)
                last = max(last, removed_ms)
                ctx.stage("payments", gone, removed_ms)
                ctx.post(gone_ms, "payments", gone, removed_ms)
            if pays:
                inv["Payments"] = pays
            inv["AmountPaid"] = paid_c / 100
            inv["AmountDue"] = (total_c - paid_c) / 100 if status != "VOIDED" else 0.0
            if status == "PAID":
                inv["FullyPaidOnDate"] = ctx.date(pay_day)
            voided_ms = None
            if status == "VOIDED":
                voided_ms = min(created + int(r() * 20 * DAY_MS) + HOUR_MS, ctx.now_ms - 1)
                last = max(last, voided_ms)
            ctx.post(created, "invoices", inv, voided_ms)
            if status == "AUTHORISED" and currency == base and total_c - paid_c > 0:
                open_invoices.append(inv)
            if not acc_rec and status != "VOIDED":
                acc_pay_posted.append(inv)
        elif status in ("DRAFT", "SUBMITTED"):
            inv["AmountDue"] = total_c / 100
        if status == "DELETED":
            last = min(created + HOUR_MS, ctx.now_ms - 1)
        updated[iid] = last
        ctx.stage("invoices", inv, last)
        if r() < 0.08:
            who = users[int(r() * len(users))]
            text = f"{number} to {contact['Name']} for {total:.2f}."
            org.add_history("invoices", iid, text, "Created", who, created)
            if status in ("AUTHORISED", "PAID"):
                org.add_history("invoices", iid, text, "Approved", who, created + 1000)
    batches.close()


def _payment(ctx: SeedContext, amount_c: int, rate: float, day: int, bank: Record,
             invoice_ref: Record, acc_rec: bool) -> Record:
    amount = amount_c / 100
    return {
        "PaymentID": ctx.ids(), "Date": ctx.date(day),
        "BankAmount": amount if rate == 1 else round(amount / rate, 2), "Amount": amount,
        "Reference": "", "CurrencyRate": rate,
        "PaymentType": "ACCRECPAYMENT" if acc_rec else "ACCPAYPAYMENT", "Status": "AUTHORISED",
        "UpdatedDateUTC": "", "HasAccount": True, "IsReconciled": ctx.rng.random() < 0.6,
        "Account": bank, "Invoice": invoice_ref, "HasValidationErrors": False,
    }


# --- credit notes, over- and prepayments ---------------------------------------------------------

def credit_notes(ctx: SeedContext, maker: LineMaker) -> None:
    r, ids = ctx.rng.random, ctx.ids
    open_invoices: list[Record] = ctx.refs["open_invoices"]
    updated: dict[str, int] = ctx.refs["invoice_updated"]
    rates: dict[str, Decimal] = ctx.refs["tax_rate"]
    acc = ctx.refs["accounts"]
    n = max(2, ctx.size // 10)
    counters = {"ACCRECCREDIT": 0, "ACCPAYCREDIT": 0}
    for i in range(n):
        target = open_invoices[int(r() * len(open_invoices))] if open_invoices and r() < 0.6 \
            else None
        if target is not None:
            acc_rec = target["Type"] == "ACCREC"
            contact = target["Contact"]
            day = min(int(ledger.parse_ms(target["Date"]) // DAY_MS) + 1 + int(r() * 20),
                      ctx.today - 1)
        else:
            acc_rec = r() < 0.7
            contact = ctx.pick(ctx.refs["customers"] if acc_rec else ctx.refs["suppliers"])
            day = ctx.first_day + int(r() * (ctx.today - 1 - ctx.first_day))
        ctype = "ACCRECCREDIT" if acc_rec else "ACCPAYCREDIT"
        counters[ctype] += 1
        number = f"CN-{counters[ctype]:04d}" if acc_rec else f"SCN-{counters[ctype]:04d}"
        s = r()
        status = "DRAFT" if s < 0.1 else "DELETED" if s < 0.14 else "VOIDED" if s < 0.18 \
            else "AUTHORISED"
        if i < 2:
            status = ("DRAFT", "VOIDED")[i]  # even the smallest seed shows these
        if target is not None and status == "AUTHORISED":
            # One inclusive line no larger than what the invoice still owes.
            due_c = round(target["AmountDue"] * 100)
            gross_c = max(1, due_c * (3 + int(r() * 8)) // 10)
            account = "200" if acc_rec else "429"
            tax_type = acc[account]["TaxType"]
            amount = Decimal(gross_c) / 100
            tax = line_tax(amount, rates[tax_type], "Inclusive")
            text = f"Credit against {target['InvoiceNumber']}"
            lines = [{"LineItemID": ids(), "Description": text,
                      "Quantity": 1.0, "UnitAmount": float(amount), "AccountCode": account,
                      "AccountID": acc[account]["AccountID"], "TaxType": tax_type,
                      "TaxAmount": float(tax), "LineAmount": float(amount), "Tracking": EMPTY}]
            lat = "Inclusive"
            sub, tax_total, total = totals([(amount, tax)], lat)
        else:
            lat = maker.lat()
            lines, sub, tax_total, total = maker.make(acc_rec, lat, 1, with_items=False)
        cid = ids()
        created = ctx.at(day)
        last = created
        cn: Record = {
            "Type": ctype, "Contact": contact, "Date": ctx.date(day),
            "DateString": ctx.date_string(day), "Status": status, "LineAmountTypes": lat,
            "LineItems": lines, "SubTotal": float(sub), "TotalTax": float(tax_total),
            "Total": float(total), "UpdatedDateUTC": "", "CurrencyCode": ctx.profile.currency,
            "CreditNoteID": cid, "CreditNoteNumber": number, "Reference": "",
            "SentToContact": False, "CurrencyRate": 1.0, "RemainingCredit": float(total),
            "Allocations": EMPTY, "Payments": EMPTY, "AppliedAmount": 0.0,
            "BrandingThemeID": ctx.refs["themes"][0], "HasAttachments": False, "HasErrors": False,
        }
        if status in ("AUTHORISED", "VOIDED"):
            voided = min(created + HOUR_MS * 5, ctx.now_ms - 1) if status == "VOIDED" else None
            ctx.post(created, "credit_notes", cn, voided)
            last = voided or last
        if status == "DRAFT":
            cn["RemainingCredit"] = 0.0
        if target is not None and status == "AUTHORISED":
            total_c = round(float(total) * 100)
            alloc_ms = min(created + 1000, ctx.now_ms - 1)
            cn["Allocations"] = [{"AllocationID": ids(), "Amount": float(total),
                                  "Date": ctx.date(day), "IsDeleted": False,
                                  "Invoice": {"InvoiceID": target["InvoiceID"],
                                              "InvoiceNumber": target["InvoiceNumber"]}}]
            cn["RemainingCredit"] = 0.0
            cn["AppliedAmount"] = float(total)
            cn["Status"] = "PAID"
            cn["FullyPaidOnDate"] = ctx.date(day)
            due_c = round(target["AmountDue"] * 100) - total_c
            target["AmountDue"] = due_c / 100
            target["AmountCredited"] = round(target["AmountCredited"] + float(total), 2)
            target["CreditNotes"] = [*target["CreditNotes"], {
                "CreditNoteID": cid, "CreditNoteNumber": number, "AppliedAmount": float(total),
                "Date": ctx.date(day), "Total": float(total)}]
            if due_c == 0:
                target["Status"] = "PAID"
                target["FullyPaidOnDate"] = ctx.date(day)
                open_invoices.remove(target)
            updated[target["InvoiceID"]] = max(updated[target["InvoiceID"]], alloc_ms)
            last = alloc_ms
        ctx.stage("credit_notes", cn, last)
    # the invoices staged earlier carry their first updated time: refresh those changed since
    rows = ctx.staged["invoices"]
    for k, (rec, ms) in enumerate(rows):
        new = updated[rec["InvoiceID"]]
        if new != ms:
            rows[k] = (rec, new)


def over_and_prepayments(ctx: SeedContext) -> None:
    r, ids = ctx.rng.random, ctx.ids
    bank = ctx.refs["account_ref"]["090"]
    acc = ctx.refs["accounts"]
    n = max(2, ctx.size // 50)
    for stream, kinds in (("overpayments", ("RECEIVE-OVERPAYMENT", "SPEND-OVERPAYMENT")),
                          ("prepayments", ("RECEIVE-PREPAYMENT", "SPEND-PREPAYMENT"))):
        pk = "OverpaymentID" if stream == "overpayments" else "PrepaymentID"
        for i in range(n):
            kind = kinds[0] if i % 3 else kinds[1]
            receive = kind.startswith("RECEIVE")
            contact = ctx.pick(ctx.refs["customers"] if receive else ctx.refs["suppliers"])
            day = ctx.first_day + int(r() * (ctx.today - 1 - ctx.first_day))
            amount = (5000 + int(r() * 100_000)) / 100
            rid, btid = ids(), ids()
            control = acc["610" if receive else "800"]
            line = {"LineItemID": ids(), "Description": kind.split("-")[1].title(),
                    "Quantity": 1.0, "UnitAmount": amount, "AccountCode": control["Code"],
                    "AccountID": control["AccountID"], "TaxType": "NONE", "TaxAmount": 0.0,
                    "LineAmount": amount, "Tracking": EMPTY}
            created = ctx.at(day)
            rec = {
                "Type": kind, "Contact": contact, "Date": ctx.date(day),
                "DateString": ctx.date_string(day), "Status": "AUTHORISED",
                "LineAmountTypes": "NoTax", "LineItems": [line], "SubTotal": amount,
                "TotalTax": 0.0, "Total": amount, "UpdatedDateUTC": "",
                "CurrencyCode": ctx.profile.currency, pk: rid, "CurrencyRate": 1.0,
                "RemainingCredit": amount, "Allocations": EMPTY, "Payments": EMPTY,
                "AppliedAmount": 0.0, "HasAttachments": False,
            }
            ctx.stage(stream, rec, created)
            ctx.post(created, stream, rec)
            ctx.stage("bank_transactions", {
                "BankTransactionID": btid, "Type": kind, "Contact": contact,
                "LineItems": [line], "BankAccount": bank, "IsReconciled": r() < 0.5,
                "Date": ctx.date(day), "DateString": ctx.date_string(day), "Reference": "",
                "CurrencyCode": ctx.profile.currency, "CurrencyRate": 1.0,
                "Status": rec["Status"], "LineAmountTypes": "NoTax", "SubTotal": amount,
                "TotalTax": 0.0, "Total": amount, pk: rid, "UpdatedDateUTC": "",
                "HasAttachments": False}, created)
