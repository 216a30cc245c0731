"""Scopes a login asks for, from the endpoint table."""

from __future__ import annotations

from xero_auth.scopes import BASE_SCOPES, read_scopes, selected_streams, write_scopes


def test_read_scopes_of_streams() -> None:
    got = read_scopes(["invoices", "contacts_history", "report_rows", "accounts_attachments",
                       "connections"])
    assert got[:4] == list(BASE_SCOPES)
    assert {"accounting.invoices.read", "accounting.contacts.read",
            "accounting.reports.balancesheet.read", "accounting.attachments.read",
            "accounting.settings.read"} <= set(got)
    assert "accounting.transactions.read" not in got
    broad = read_scopes(["invoices", "report_rows"], broad=True)
    assert {"accounting.transactions.read", "accounting.reports.read"} <= set(broad)


def test_every_stream_when_none_is_selected() -> None:
    got = set(read_scopes(None))
    assert {"accounting.journals.read", "assets.read", "projects.read",
            "accounting.payments.read"} <= got
    assert not any(s.endswith(".read") is False and s.startswith("accounting") for s in got)


def test_write_scopes() -> None:
    got = write_scopes(["invoices", "contacts"])
    assert {"accounting.invoices", "accounting.contacts", "offline_access"} <= set(got)
    assert not any(s.endswith(".read") for s in got)
    assert "accounting.attachments" in write_scopes(None)


def test_selected_streams_of_a_catalog() -> None:
    catalog = {"streams": [
        {"tap_stream_id": "invoices", "metadata": [{"breadcrumb": [],
                                                    "metadata": {"selected": True}}]},
        {"tap_stream_id": "contacts", "metadata": [{"breadcrumb": [],
                                                    "metadata": {"selected": False}}]}]}
    assert selected_streams(catalog) == ["invoices"]
