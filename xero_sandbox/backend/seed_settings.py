"""The seed's settings-like records: the organisation, its chart of accounts, tax rates,
currencies, tracking categories, branding themes, users, contact groups, contacts, items,
budgets and the few one-record settings.
"""

from __future__ import annotations

import calendar
import random
import time
from decimal import Decimal
from typing import Any

from xero_sandbox.backend.chart import CLASS_OF_TYPE, REPORTING_NAMES, chart_rows
from xero_sandbox.backend.seed_context import DAY_MS, IdSource, Record, SeedContext
from xero_sandbox.backend.store import ms_date

_FIRST = ("Ridgeway", "Bayside", "Marine", "Boom", "City", "Coco", "Hamilton", "Petrie",
          "Basket", "Central", "Gable", "Harbour", "Kiwi", "Lakeside", "Moana", "Northern",
          "Orchard", "Pinnacle", "Quarry", "Rata", "Summit", "Totara", "Urban", "Vista",
          "Westfield", "Yellowstone", "Zenith", "Alpine", "Beacon", "Cascade")
SECOND_WORDS = ("Plumbing", "Cafe", "Systems", "FM", "Agency", "Builders", "Chess Club",
                "Consulting", "Design", "Electrical", "Fitness", "Gardens", "Hardware", "Imports",
                "Joinery", "Kitchens", "Logistics", "Media", "Nursery", "Office Supplies",
                "Printing", "Roofing", "Security", "Traders", "Upholstery", "Ventures", "Wholesale",
                "Motors", "Bakery", "Studio")
_SUFFIX = ("Ltd", "Limited", "& Co", "Group", "Partners", "Services")
_PEOPLE = (("Sam", "Adams"), ("Alex", "Brown"), ("Jordan", "Clark"), ("Casey", "Davis"),
           ("Riley", "Evans"), ("Morgan", "Ford"), ("Taylor", "Green"), ("Jamie", "Hall"),
           ("Drew", "Irwin"), ("Robin", "Jones"), ("Avery", "King"), ("Quinn", "Lewis"))
PRODUCTS = ("Golf balls - white single", "Golf balls - white dozen", "Wine glasses",
            "Coffee beans 1kg", "Desk lamp", "Office chair", "Notebook A4", "Printer paper",
            "Consulting hour", "Installation service", "Travel mug", "T-shirt", "Backpack",
            "USB-C cable", "Monitor 27in", "Keyboard", "Whiteboard", "Garden hose", "Toolkit",
            "Cleaning kit")
_ROLES = ("STANDARD", "FINANCIALADVISER", "READONLY", "INVOICEONLY", "MANAGEDCLIENT",
          "CASHBOOKCLIENT")


# --- settings ----------------------------------------------------------------------------------

def organisation(ctx: SeedContext) -> None:
    org, p = ctx.org, ctx.profile
    version = "UK" if p.country == "GB" else p.country
    rec = {
        "OrganisationID": org.tenant_id, "APIKey": org.short_code[1:].upper() * 6,
        "Name": org.name, "LegalName": org.name + " Limited", "PaysTax": True,
        "Version": version, "OrganisationType": "COMPANY", "BaseCurrency": p.currency,
        "CountryCode": p.country, "IsDemoCompany": True, "OrganisationStatus": "ACTIVE",
        "RegistrationNumber": f"{int(ctx.rng.random() * 9e6) + 1000000}",
        "TaxNumber": f"{int(ctx.rng.random() * 899) + 100}-{int(ctx.rng.random() * 899) + 100}"
                     f"-{int(ctx.rng.random() * 899) + 100}",
        "FinancialYearEndDay": p.fy_end_day, "FinancialYearEndMonth": p.fy_end_month,
        "SalesTaxBasis": "ACCRUALS", "SalesTaxPeriod": "TWOMONTHS",
        "DefaultSalesTax": "Tax Exclusive", "DefaultPurchasesTax": "Tax Inclusive",
        "CreatedDateUTC": ms_date(org.created_ms), "Timezone": p.timezone,
        "OrganisationEntityType": "COMPANY", "ShortCode": org.short_code, "Class": "PREMIUM",
        "Edition": "BUSINESS", "LineOfBusiness": "Professional services",
        "Addresses": [{"AddressType": "STREET", "AddressLine1": "23 Main Street",
                       "City": "Central City", "PostalCode": "12345", "Country": p.country}],
        "Phones": [{"PhoneType": "OFFICE", "PhoneNumber": "555-1234"}],
        "ExternalLinks": [],
        "PaymentTerms": {"Bills": {"Day": 20, "Type": "OFFOLLOWINGMONTH"},
                         "Sales": {"Day": 14, "Type": "DAYSAFTERBILLDATE"}},
    }
    ctx.stage("organisation", rec, org.created_ms)


def accounts(ctx: SeedContext) -> None:
    p = ctx.profile
    by_code: dict[str, Record] = {}
    for code, name, typ, tax_kind, system, reporting in chart_rows(p):
        tax = {"sales": p.sales_tax, "purchases": p.purchases_tax}.get(tax_kind, "NONE")
        rec: Record = {
            "AccountID": ctx.ids(), "Code": code, "Name": name, "Status": "ACTIVE",
            "Type": typ, "TaxType": tax, "Description": "",
            "Class": CLASS_OF_TYPE[typ], "EnablePaymentsToAccount": False,
            "ShowInExpenseClaims": typ in ("EXPENSE", "OVERHEADS"),
            "BankAccountType": "", "ReportingCode": reporting,
            "ReportingCodeName": REPORTING_NAMES[reporting[:3]], "HasAttachments": False,
            "AddToWatchlist": False,
        }
        if system:
            rec["SystemAccount"] = system
        if typ == "BANK":
            rec["BankAccountNumber"] = f"0{int(ctx.rng.random() * 9e9):010d}"
            rec["BankAccountType"] = "BANK"
            rec["CurrencyCode"] = p.currency
        if code == "970":
            rec["EnablePaymentsToAccount"] = True  # Xero's example pays into it
        if code == "499":
            rec["Status"] = "ARCHIVED"
        by_code[code] = rec
        ctx.stage("accounts", rec, ctx.settings_time())
    ctx.refs["accounts"] = by_code
    ctx.refs["account_ref"] = {c: {"AccountID": a["AccountID"], "Code": c, "Name": a["Name"]}
                               for c, a in by_code.items()}


def tax_rates(ctx: SeedContext) -> None:
    rates: dict[str, Decimal] = {}
    for spec in ctx.profile.tax_rates:
        rate = Decimal(spec.rate)
        rec = {
            "Name": spec.name, "TaxType": spec.tax_type,
            "TaxComponents": [{"Name": spec.name.split(" on ")[0], "Rate": float(rate),
                               "IsCompound": False, "IsNonRecoverable": False}],
            "Status": "ACTIVE", "ReportTaxType": spec.report_tax_type,
            "CanApplyToAssets": "ASSET" in spec.applies,
            "CanApplyToEquity": "EQUITY" in spec.applies,
            "CanApplyToExpenses": "EXPENSE" in spec.applies,
            "CanApplyToLiabilities": "LIABILITY" in spec.applies,
            "CanApplyToRevenue": "REVENUE" in spec.applies,
            "DisplayTaxRate": float(rate), "EffectiveRate": float(rate),
        }
        rates[spec.tax_type] = rate
        ctx.stage("tax_rates", rec, ctx.settings_time())
    ctx.refs["tax_rate"] = rates


def currencies(ctx: SeedContext) -> None:
    p = ctx.profile
    names = {"NZD": "New Zealand Dollar", "GBP": "British Pound", "AUD": "Australian Dollar",
             "USD": "United States Dollar"}
    ctx.stage("currencies", {"Code": p.currency, "Description": names[p.currency]},
              ctx.org.created_ms)
    for code, desc, _ in p.foreign:
        ctx.stage("currencies", {"Code": code, "Description": desc}, ctx.settings_time())
    ctx.refs["fx"] = [(code, float(rate)) for code, _, rate in p.foreign]


def tracking_categories(ctx: SeedContext) -> None:
    # (name, status, options, options deleted: still listed inside the category, with
    # Status DELETED, and never on a line)
    spec = (("Region", "ACTIVE", ("North", "South", "East", "West", "Central"), ()),
            ("Division", "ACTIVE", ("Retail", "Wholesale", "Online"), ("Mail order",)),
            ("Old Projects", "ARCHIVED", ("Alpha", "Beta"), ()))
    choices: list[list[Record]] = [[], [], []]
    active: list[list[Record]] = []
    for name, status, options, deleted in spec:
        cid = ctx.ids()
        opts = []
        tags = []
        for opt in options:
            oid = ctx.ids()
            opts.append({"TrackingOptionID": oid, "Name": opt, "Status": "ACTIVE",
                         "TrackingCategoryID": cid})
            tags.append({"Name": name, "Option": opt, "TrackingCategoryID": cid,
                         "TrackingOptionID": oid})
        for opt in deleted:  # ids from their own rng: every other seeded value stays the same
            opts.append({"TrackingOptionID": IdSource(random.Random(f"{cid}/{opt}"))(),
                         "Name": opt, "Status": "DELETED", "TrackingCategoryID": cid})
        if status == "ACTIVE":
            active.append(tags)
        ctx.stage("tracking_categories", {"TrackingCategoryID": cid, "Name": name,
                                          "Status": status, "Options": opts},
                  ctx.settings_time())
    # Shared tracking lists for line items: none (most), one category, both.
    region, division = active
    choices += [[t] for t in region]
    choices += [[r, d] for r in region[:2] for d in division]
    ctx.refs["tracking"] = choices


def branding_themes(ctx: SeedContext) -> None:
    ids = []
    for i, name in enumerate(("Standard", "Special Projects", "Very orange invoice!")):
        tid = ctx.ids()
        ids.append(tid)
        created = ctx.org.created_ms + i * DAY_MS
        ctx.stage("branding_themes", {"BrandingThemeID": tid, "Name": name, "LogoUrl": "",
                                      "Type": "INVOICE", "SortOrder": i,
                                      "CreatedDateUTC": ms_date(created)}, created)
    ctx.refs["themes"] = ids


def users(ctx: SeedContext) -> None:
    names = []
    for i in range(4 + ctx.size // 20_000):
        first, last = _PEOPLE[i % len(_PEOPLE)]
        rec = {"UserID": ctx.ids(), "EmailAddress": f"{first}.{last}{i}@example.com".lower(),
               "FirstName": first, "LastName": last, "IsSubscriber": i == 0,
               "OrganisationRole": _ROLES[i % len(_ROLES)]}
        names.append(f"{first} {last}")
        ctx.stage("users", rec, ctx.settings_time())
        ctx.refs.setdefault("user_ids", []).append(rec["UserID"])
    ctx.refs["user_names"] = names


def contact_groups(ctx: SeedContext) -> None:
    groups = []
    for name, status in (("VIP Customers", "ACTIVE"), ("Preferred Suppliers", "ACTIVE"),
                         ("Wholesale", "ACTIVE"), ("Old Mailing List", "DELETED")):
        gid = ctx.ids()
        ctx.stage("contact_groups", {"Name": name, "Status": status, "ContactGroupID": gid,
                                     "Contacts": []}, ctx.settings_time())
        if status == "ACTIVE":
            groups.append([{"ContactGroupID": gid, "Name": name, "Status": status,
                            "Contacts": []}])
    ctx.refs["groups"] = groups


def contact_name(i: int) -> str:
    """Unique, readable contact names for any i."""
    a, b, c = len(_FIRST), len(SECOND_WORDS), len(_SUFFIX)
    name = f"{_FIRST[i % a]} {SECOND_WORDS[(i // a) % b]} {_SUFFIX[(i // (a * b)) % c]}"
    return name if i < a * b * c else f"{name} {i // (a * b * c) + 1}"


def contacts(ctx: SeedContext) -> None:
    n = max(12, ctx.size // 8)
    r = ctx.rng.random
    groups = ctx.refs["groups"]
    empty: list[Any] = []
    summaries = []
    customers: list[Record] = []
    suppliers: list[Record] = []
    p = ctx.profile
    for i in range(n):
        cid = ctx.ids()
        name = contact_name(i)
        first, last = _PEOPLE[i % len(_PEOPLE)]
        archived = r() < 0.05
        email = f"{first}.{last}@{name.split()[0].lower()}{i}.example.com".lower() \
            if r() < 0.85 else ""
        rec = {
            "ContactID": cid, "AccountNumber": f"AC{i + 1:05d}",
            "ContactStatus": "ARCHIVED" if archived else "ACTIVE", "Name": name,
            "FirstName": first, "LastName": last, "EmailAddress": email,
            "BankAccountDetails": "", "TaxNumber": "",
            "Addresses": [{"AddressType": "POBOX", "AddressLine1": f"PO Box {i + 100}",
                           "City": "Central City", "PostalCode": f"{1000 + i % 9000}",
                           "Country": p.country},
                          {"AddressType": "STREET", "City": "", "Region": "",
                           "PostalCode": "", "Country": ""}],
            "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": f"{5550000 + i % 10000}",
                        "PhoneAreaCode": "09", "PhoneCountryCode": ""}],
            "UpdatedDateUTC": "", "ContactGroups": groups[i % len(groups)] if r() < 0.2 else empty,
            "IsSupplier": False, "IsCustomer": False, "DefaultCurrency": p.currency,
            "ContactPersons": empty, "HasAttachments": False, "HasValidationErrors": False,
        }
        if r() < 0.1:
            rec["ContactPersons"] = [{"FirstName": "Pat", "LastName": last,
                                      "EmailAddress": f"pat{i}@example.com",
                                      "IncludeInEmails": True}]
        summary = {"ContactID": cid, "Name": name, "Addresses": empty, "Phones": empty,
                   "ContactGroups": empty, "ContactPersons": empty, "HasValidationErrors": False}
        summaries.append((rec, summary))
        (customers if i % 5 < 3 else suppliers).append(summary)
        if i % 7 == 0:
            suppliers.append(summary)
        # staged by seed_documents, once the documents say who buys and who sells
    ctx.refs["contacts"] = summaries
    ctx.refs["customers"] = customers
    ctx.refs["suppliers"] = suppliers
    ctx.refs["contact_by_id"] = {s["ContactID"]: rec for rec, s in summaries}


def items(ctx: SeedContext) -> None:
    n = max(8, min(ctx.size // 25, 1000))
    p = ctx.profile
    out = []
    for i in range(n):
        iid = ctx.ids()
        name = PRODUCTS[i % len(PRODUCTS)] + (f" #{i // len(PRODUCTS) + 1}"
                                                if i >= len(PRODUCTS) else "")
        sale_c = 500 + int(ctx.rng.random() * 50_000)
        buy_c = sale_c * 6 // 10
        code = f"{''.join(w[0] for w in name.split()[:2]).upper()}-{i + 1:04d}"
        rec = {
            "ItemID": iid, "Code": code, "Name": name, "Description": f"{name} (sales)",
            "PurchaseDescription": f"{name} (purchase)",
            "PurchaseDetails": {"UnitPrice": buy_c / 100, "AccountCode": "300",
                                "TaxType": p.purchases_tax},
            "SalesDetails": {"UnitPrice": sale_c / 100, "AccountCode": "200",
                             "TaxType": p.sales_tax},
            "IsTrackedAsInventory": False, "IsSold": True, "IsPurchased": True,
        }
        out.append((code, iid, name, sale_c, buy_c,
                    {"ItemID": iid, "Name": name, "Code": code}))
        ctx.stage("items", rec, ctx.settings_time())
    ctx.refs["items"] = out


def budgets(ctx: SeedContext) -> None:
    acc = ctx.refs["accounts"]
    start = ctx.today - 365
    months = []
    for k in range(12):
        y, m = time.gmtime(start * 86_400).tm_year, time.gmtime(start * 86_400).tm_mon
        m += k
        y += (m - 1) // 12
        m = (m - 1) % 12 + 1
        months.append(ms_date(calendar.timegm((y, m, 1, 0, 0, 0, 0, 0, 0)) * 1000))
    for btype, desc, codes in (("OVERALL", "Overall Budget", ("200", "260", "400", "469", "477")),
                               ("TRACKING", "Regional budget", ("200", "400"))):
        lines = []
        for code in codes:
            base = 2000 + int(ctx.rng.random() * 20_000)
            lines.append({"AccountID": acc[code]["AccountID"], "AccountCode": code,
                          "BudgetBalances": [{"Period": mo, "Amount": float(base + 100 * k),
                                              "Notes": ""} for k, mo in enumerate(months)]})
        tracking = []
        if btype == "TRACKING":
            tag = ctx.refs["tracking"][3][0]
            tracking = [{"TrackingCategoryID": tag["TrackingCategoryID"], "Name": tag["Name"],
                         "Option": tag["Option"], "TrackingOptionID": tag["TrackingOptionID"]}]
        ctx.stage("budgets", {"BudgetID": ctx.ids(), "Status": "APPROVED", "Type": btype,
                              "Description": desc, "BudgetLines": lines, "Tracking": tracking},
                  ctx.at(start))


def misc_settings(ctx: SeedContext) -> None:
    ctx.stage("invoice_reminders", {"Enabled": True}, ctx.org.created_ms)
    for name, url in (("PayUpNow", "https://www.payupnow.com/"),
                      ("Card Payments", "https://pay.example.com/?invoiceNo=[INVOICENUMBER]")):
        ctx.stage("payment_services", {
            "PaymentServiceID": ctx.ids(), "PaymentServiceName": name,
            "PaymentServiceUrl": url, "PayNowText": "Pay Now",
            "PaymentServiceType": "Custom"}, ctx.settings_time())
