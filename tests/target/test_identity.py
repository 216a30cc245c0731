"""Source identity, pure: which fields make a key, the token's form, stamping a payload."""

from __future__ import annotations

import pytest

from target_xero.identity import (
    SourceKey,
    identity_field,
    source_fields,
    source_key,
    stamp,
    strip_unknown,
    token_of,
    where_terms,
)
from xero_core.endpoints import BY_STREAM

BT = BY_STREAM["bank_transactions"]


@pytest.mark.parametrize(("keys", "setting", "expected"), [
    (["order_id"], None, ("order_id",)),
    (["BankTransactionID"], None, ()),  # a tap-xero stream: Xero ids are not source keys
    (["_tenant_id", "BankTransactionID"], None, ()),
    (["_tenant_id"], None, ()),
    ([], None, ()),
    (["BankTransactionID"], {"payouts": ["payout_id", "line"]}, ("payout_id", "line")),
    ([], {"payouts": "payout_id"}, ("payout_id",)),
])
def test_source_fields(keys, setting, expected) -> None:
    assert source_fields(BT, "payouts", keys, setting) == expected
    assert source_fields(None, "payouts", keys, setting) == ()  # notes / attachments


def test_token_form_escapes_what_would_break_a_match() -> None:
    key = source_key("payouts", ["id", "line"], {"id": "po 1]x", "line": 2})
    assert isinstance(key, SourceKey)
    assert key.value == "po 1]x/2"
    assert key.token == "[payouts:po%201%5Dx/2]"
    assert token_of(key.token + " own text") == key.token
    a = source_key("a:b", ["id"], {"id": "c"})
    b = source_key("a", ["id"], {"id": "b:c"})
    assert isinstance(a, SourceKey) and isinstance(b, SourceKey) and a.token != b.token
    # "[s:po_1]" is never a prefix of "[s:po_10]": the closing bracket ends every token.
    assert not "[s:po_10]".startswith(source_key("s", ["id"], {"id": "po_1"}).token)  # type: ignore[union-attr]


def test_long_keys_become_a_hash_that_fits_the_field() -> None:
    a = source_key("contacts_from_crm", ["id"], {"id": "x" * 80}, max_len=50)
    b = source_key("contacts_from_crm", ["id"], {"id": "x" * 79 + "y"}, max_len=50)
    assert isinstance(a, SourceKey) and isinstance(b, SourceKey)
    assert len(a.token) <= 50 and a.token != b.token and "#" in a.token


@pytest.mark.parametrize("record", [{}, {"id": None}, {"id": "  "}, {"id": {"a": 1}}])
def test_a_missing_key_is_named(record) -> None:
    problem = source_key("payouts", ["id"], record)
    assert isinstance(problem, str) and problem.startswith("id:")


def test_stamp_puts_the_token_first_and_keeps_the_records_own_text() -> None:
    key = source_key("payouts", ["id"], {"id": "po_1"})
    assert isinstance(key, SourceKey)
    payload = {"Reference": "Stripe payout"}
    stamp("Reference", 255, payload, key)
    assert payload["Reference"] == "[payouts:po_1] Stripe payout"
    stamp("Reference", 255, payload, key)  # a record read back from Xero is not stamped twice
    assert payload["Reference"] == "[payouts:po_1] Stripe payout"
    bare: dict[str, str] = {}
    stamp("Reference", 255, bare, key)
    assert bare == {"Reference": "[payouts:po_1]"}
    long = {"Reference": "y" * 400}
    stamp("Reference", 255, long, key)
    assert len(long["Reference"]) == 255


def test_unknown_key_fields_are_not_sent_and_known_ones_are() -> None:
    payload = {"order_id": 1, "Reference": "r", "Type": "RECEIVE"}
    strip_unknown(BT, payload, ["order_id", "Reference"])
    assert payload == {"Reference": "r", "Type": "RECEIVE"}


def test_identity_field_by_type_and_setting() -> None:
    inv = BY_STREAM["invoices"]
    assert identity_field(inv, {"Type": "ACCREC"}, "s", None) == "Reference"
    assert identity_field(inv, {"Type": "accpay"}, "s", None) == "InvoiceNumber"
    assert identity_field(BY_STREAM["credit_notes"], {"Type": "ACCPAYCREDIT"}, "s",
                          {}) == "CreditNoteNumber"
    assert identity_field(BY_STREAM["repeating_invoices"], {"Type": "ACCPAY"}, "s", {}) is None
    assert identity_field(inv, {"Type": "ACCREC"}, "s", {"s": "Url"}) == "Url"
    assert identity_field(inv, {"Type": "ACCREC"}, "s", {"s": None}) is None
    assert identity_field(BY_STREAM["items"], {}, "s", None) is None


def test_where_terms_quote_the_token() -> None:
    assert where_terms("Reference", ['[s:a"b]']) == ['Reference.StartsWith("[s:a\\"b]")']
    assert token_of("no token") is None and token_of("[a b] c") is None
