"""The `where` parser on its own: Xero's operators, literals and errors."""

from __future__ import annotations

import pytest

from xero_sandbox.backend.where import WhereError, compile_where

RECORD = {
    "Status": "AUTHORISED", "Type": "ACCREC", "Total": 150.5, "AmountDue": 0,
    "Contact": {"ContactID": "8f1e4c1a-0b9d-4f3e-9d4b-2f1c0e5a7b6d", "Name": "Acme Ltd"},
    "Date": "/Date(1769817600000+0000)/",  # 2026-01-31T00:00:00Z
    "DueDateString": "2026-02-28T00:00:00", "IsDiscounted": False, "Reference": None,
}


@pytest.mark.parametrize("expr, expected", [
    ('Status=="AUTHORISED"', True),
    ('Status = "AUTHORISED"', True),
    ('Status!="AUTHORISED"', False),
    ('Status<>"DRAFT"', True),
    ('Status=="AUTHORISED" AND Type=="ACCPAY"', False),
    ('Status=="DRAFT" OR Type=="ACCREC"', True),
    ('Status=="DRAFT" || (Type=="ACCREC" && Total>100)', True),
    ("NOT (Total > 100)", False),
    ("Total>150.5", False), ("Total>=150.5", True), ("Total<151", True), ("Total<=150", False),
    ("AmountDue==0", True),
    ('Contact.ContactID==Guid("8F1E4C1A-0B9D-4F3E-9D4B-2F1C0E5A7B6D")', True),
    ('Contact.Name.Contains("cme")', True), ('Contact.Name.StartsWith("Acme")', True),
    ('Contact.Name.EndsWith("Inc")', False), ('Contact.Name.ToLower()=="acme ltd"', True),
    ("Date==DateTime(2026,01,31)", True), ("Date>DateTime(2026, 1, 31, 0, 0, 1)", False),
    ("DueDateString<DateTime(2026,03,01)", True),
    ("Reference==null", True), ("Reference!=null", False), ("Missing.Deep==null", True),
    ("IsDiscounted==false", True), ("IsDiscounted", False), ("!IsDiscounted", True),
    ('Contact.Name=="Acme \\"Ltd\\""', False),
])
def test_expression(expr: str, expected: bool) -> None:
    assert compile_where(expr)(RECORD) is expected


@pytest.mark.parametrize("expr", [
    'Status==', 'Status=="open', '(Status=="A"', 'Status=="A")', "DateTime(2026)==Date",
    "Date==DateTime(2026,13,1)", 'Name.Explode("x")', "Status ~ 1", "AND",
])
def test_parse_errors(expr: str) -> None:
    with pytest.raises(WhereError):
        compile_where(expr)


def test_empty_where_matches_everything() -> None:
    assert compile_where("")(RECORD) and compile_where("   ")({})
