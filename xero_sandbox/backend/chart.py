"""Country profiles of the demo organisations: chart of accounts, tax rates, currencies.

Plain data tables, shaped like Xero's demo companies (NZ, UK, AU, US). The seed turns them
into records; the ledger and the reports group accounts by the `Type` and `Class` set here.
"""

from __future__ import annotations

from dataclasses import dataclass

# Account Type -> Class, as Xero assigns it.
CLASS_OF_TYPE: dict[str, str] = {
    "BANK": "ASSET", "CURRENT": "ASSET", "FIXED": "ASSET", "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET", "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY", "LIABILITY": "LIABILITY", "TERMLIAB": "LIABILITY",
    "EQUITY": "EQUITY",
    "REVENUE": "REVENUE", "SALES": "REVENUE", "OTHERINCOME": "REVENUE",
    "EXPENSE": "EXPENSE", "DIRECTCOSTS": "EXPENSE", "OVERHEADS": "EXPENSE",
    "DEPRECIATN": "EXPENSE",
}
ACCOUNT_TYPES = frozenset(CLASS_OF_TYPE)
PROFIT_AND_LOSS_CLASSES = frozenset({"REVENUE", "EXPENSE"})

# (Code, Name, Type, tax kind: "sales"/"purchases"/"none", SystemAccount or "", ReportingCode)
_CHART: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("090", "Business Bank Account", "BANK", "none", "", "ASS.CUR.CAS.BAN"),
    ("091", "Business Savings Account", "BANK", "none", "", "ASS.CUR.CAS.BAN"),
    ("200", "Sales", "REVENUE", "sales", "", "REV.TRA.GOO"),
    ("260", "Other Revenue", "REVENUE", "sales", "", "REV.OTH"),
    ("270", "Interest Income", "OTHERINCOME", "none", "", "REV.INV.INT"),
    ("300", "Purchases", "DIRECTCOSTS", "purchases", "", "EXP.COS.PUR"),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "purchases", "", "EXP.COS"),
    ("400", "Advertising", "EXPENSE", "purchases", "", "EXP.ADV"),
    ("404", "Bank Fees", "EXPENSE", "none", "", "EXP.BAN"),
    ("408", "Cleaning", "EXPENSE", "purchases", "", "EXP.CLE"),
    ("412", "Consulting & Accounting", "EXPENSE", "purchases", "", "EXP.PRO.ACC"),
    ("416", "Depreciation", "DEPRECIATN", "none", "", "EXP.DEP"),
    ("420", "Entertainment", "EXPENSE", "purchases", "", "EXP.ENT"),
    ("429", "General Expenses", "EXPENSE", "purchases", "", "EXP"),
    ("433", "Insurance", "EXPENSE", "purchases", "", "EXP.INS"),
    ("445", "Light, Power, Heating", "EXPENSE", "purchases", "", "EXP.UTI"),
    ("449", "Motor Vehicle Expenses", "EXPENSE", "purchases", "", "EXP.VEH"),
    ("461", "Printing & Stationery", "EXPENSE", "purchases", "", "EXP.PRI"),
    ("469", "Rent", "EXPENSE", "purchases", "", "EXP.REN"),
    ("473", "Repairs and Maintenance", "EXPENSE", "purchases", "", "EXP.REP"),
    ("477", "Wages and Salaries", "EXPENSE", "none", "", "EXP.EMP.WAG"),
    ("485", "Subscriptions", "EXPENSE", "purchases", "", "EXP.SUB"),
    ("489", "Telephone & Internet", "EXPENSE", "purchases", "", "EXP.COM"),
    ("493", "Travel - National", "EXPENSE", "purchases", "", "EXP.TRA.NAT"),
    ("494", "Travel - International", "EXPENSE", "none", "", "EXP.TRA.INT"),
    ("499", "Legacy Expenses", "EXPENSE", "purchases", "", "EXP"),  # archived in the seed
    ("610", "Accounts Receivable", "CURRENT", "none", "DEBTORS", "ASS.CUR.REC.TRA"),
    ("620", "Prepayments", "CURRENT", "none", "", "ASS.CUR.REC.PRE"),
    ("630", "Inventory", "INVENTORY", "none", "", "ASS.CUR.INY"),
    ("710", "Office Equipment", "FIXED", "purchases", "", "ASS.NCA.FIX.OWN"),
    ("711", "Less Accumulated Depreciation on Office Equipment", "FIXED", "none", "",
     "ASS.NCA.FIX.OWN.DEP"),
    ("720", "Computer Equipment", "FIXED", "purchases", "", "ASS.NCA.FIX.OWN"),
    ("721", "Less Accumulated Depreciation on Computer Equipment", "FIXED", "none", "",
     "ASS.NCA.FIX.OWN.DEP"),
    ("800", "Accounts Payable", "CURRLIAB", "none", "CREDITORS", "LIA.CUR.PAY.TRA"),
    ("801", "Unpaid Expense Claims", "CURRLIAB", "none", "UNPAIDEXPCLM", "LIA.CUR.PAY.EMP"),
    ("804", "Wages Payable", "CURRLIAB", "none", "", "LIA.CUR.PAY.EMP"),
    ("820", "{tax}", "CURRLIAB", "none", "GST", "LIA.CUR.TAX.GST"),
    ("840", "Historical Adjustment", "CURRLIAB", "none", "HISTORICAL", "LIA.CUR"),
    ("860", "Rounding", "CURRLIAB", "none", "ROUNDING", "LIA.CUR"),
    ("877", "Tracking Transfers", "CURRLIAB", "none", "", "LIA.CUR"),
    ("900", "Loan", "TERMLIAB", "none", "", "LIA.NCL.LOA"),
    ("960", "Retained Earnings", "EQUITY", "none", "RETAINEDEARNINGS", "EQU.RET"),
    ("970", "Owner A Funds Introduced", "EQUITY", "none", "", "EQU.ADJ.OWN"),
    ("980", "Owner A Drawings", "EQUITY", "none", "", "EQU.ADJ.OWN"),
)

# Xero's reporting code names for the codes used above (ReportingCodeName).
REPORTING_NAMES = {
    "ASS": "Assets", "LIA": "Liabilities", "EQU": "Equity", "REV": "Revenue", "EXP": "Expense",
}


@dataclass(frozen=True)
class TaxRateSpec:
    tax_type: str
    name: str
    rate: str  # percent, as a decimal string
    report_tax_type: str
    applies: frozenset[str]  # Class values it may be used on


_ALL = frozenset({"ASSET", "LIABILITY", "EQUITY", "REVENUE", "EXPENSE"})
_IN = frozenset({"REVENUE", "ASSET", "LIABILITY", "EQUITY"})
_OUT = frozenset({"EXPENSE", "ASSET", "LIABILITY", "EQUITY"})


@dataclass(frozen=True)
class CountryProfile:
    country: str
    currency: str
    tax_label: str  # GST / VAT / Sales Tax
    sales_tax: str  # default TaxType on revenue lines
    purchases_tax: str  # default TaxType on expense lines
    tax_rates: tuple[TaxRateSpec, ...]
    foreign: tuple[tuple[str, str, str], ...]  # (Code, Description, rate per base unit)
    timezone: str
    fy_end_month: int
    fy_end_day: int


def _rates(label: str, main: str, sales: str, purch: str, extra: tuple[TaxRateSpec, ...] = (),
           ) -> tuple[TaxRateSpec, ...]:
    return (
        TaxRateSpec(sales, f"{main}% {label} on Income", main, "OUTPUT", _IN),
        TaxRateSpec(purch, f"{main}% {label} on Expenses", main, "INPUT", _OUT),
        TaxRateSpec("NONE", f"No {label}", "0", "NONE", _ALL),
        TaxRateSpec("ZERORATED", "Zero Rated", "0", "ZERORATEDOUTPUT", _ALL),
        TaxRateSpec("EXEMPTOUTPUT", "Exempt Income", "0", "EXEMPTOUTPUT", _IN),
        TaxRateSpec("EXEMPTEXPENSES", "Exempt Expenses", "0", "EXEMPTINPUT", _OUT),
        *extra,
    )


PROFILES: dict[str, CountryProfile] = {
    "NZ": CountryProfile(
        "NZ", "NZD", "GST", "OUTPUT2", "INPUT2", _rates("GST", "15", "OUTPUT2", "INPUT2"),
        (("USD", "United States Dollar", "0.6012"), ("AUD", "Australian Dollar", "0.9175"),
         ("GBP", "British Pound", "0.4713")),
        "NEWZEALANDSTANDARDTIME", 3, 31),
    "UK": CountryProfile(
        "GB", "GBP", "VAT", "OUTPUT2", "INPUT2",
        _rates("VAT", "20", "OUTPUT2", "INPUT2", (
            TaxRateSpec("RROUTPUT", "5% (VAT on Income)", "5", "OUTPUT", _IN),
            TaxRateSpec("RRINPUT", "5% (VAT on Expenses)", "5", "INPUT", _OUT))),
        (("EUR", "Euro", "1.1652"), ("USD", "United States Dollar", "1.2718"),
         ("NZD", "New Zealand Dollar", "2.1215")),
        "GMTSTANDARDTIME", 12, 31),
    "AU": CountryProfile(
        "AU", "AUD", "GST", "OUTPUT", "INPUT", _rates("GST", "10", "OUTPUT", "INPUT"),
        (("USD", "United States Dollar", "0.6553"), ("NZD", "New Zealand Dollar", "1.0899")),
        "AUSEASTERNSTANDARDTIME", 6, 30),
    "US": CountryProfile(
        "US", "USD", "Sales Tax", "TAX001", "INPUT", _rates("Sales Tax", "8.875", "TAX001",
                                                            "INPUT"),
        (("CAD", "Canadian Dollar", "1.3671"), ("EUR", "Euro", "0.9162")),
        "EASTERNSTANDARDTIME", 12, 31),
}
PROFILE_ORDER = ("NZ", "UK", "AU", "US")


def chart_rows(profile: CountryProfile) -> list[tuple[str, str, str, str, str, str]]:
    """The chart for one country: the tax liability account is named after its tax."""
    return [(c, n.format(tax=profile.tax_label), t, k, s, r) for c, n, t, k, s, r in _CHART]
