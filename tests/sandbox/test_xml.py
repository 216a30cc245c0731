"""Xero's XML: write bodies in XML, and XML answers unless the client asks for JSON."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from xero_sandbox import xml_bodies

XML = {"Content-Type": "application/xml"}
XSI_TYPE = f"{{{xml_bodies.XSI}}}type"


# --- the pure functions ------------------------------------------------------------------------

def test_parse_gives_the_dict_the_json_body_would() -> None:
    body = (b"<Invoices><Invoice><Type>ACCREC</Type><Contact><Name>x</Name></Contact>"
            b"<Reference>0012</Reference><SentToContact>true</SentToContact>"
            b"<LineItems><LineItem><Description>a</Description><Quantity>2</Quantity>"
            b"<UnitAmount>10.50</UnitAmount><Tracking><TrackingCategory><Name>Region</Name>"
            b"<Option>North</Option></TrackingCategory></Tracking></LineItem></LineItems>"
            b"</Invoice></Invoices>")
    assert xml_bodies.parse(body, "Invoices") == {"Invoices": [{
        "Type": "ACCREC", "Contact": {"Name": "x"}, "Reference": "0012", "SentToContact": True,
        "LineItems": [{"Description": "a", "Quantity": 2, "UnitAmount": Decimal("10.50"),
                       "Tracking": [{"Name": "Region", "Option": "North"}]}]}]}


def test_parse_lists_singular_roots_and_empty_plurals() -> None:
    assert xml_bodies.parse(b"<Invoice><Type>ACCPAY</Type></Invoice>", "Invoices") == {
        "Invoices": [{"Type": "ACCPAY"}]}
    contact = (b"<Contacts><Contact><Name>n</Name><Phones><Phone><PhoneType>DEFAULT</PhoneType>"
               b"</Phone></Phones><Addresses/><ContactPersons><ContactPerson><FirstName>A"
               b"</FirstName></ContactPerson><ContactPerson><FirstName>B</FirstName>"
               b"</ContactPerson></ContactPersons><Website xmlns:xsi="
               b"\"http://www.w3.org/2001/XMLSchema-instance\" xsi:nil=\"true\"/>"
               b"</Contact></Contacts>")
    assert xml_bodies.parse(contact, "Contacts") == {"Contacts": [{
        "Name": "n", "Phones": [{"PhoneType": "DEFAULT"}], "Addresses": [],
        "ContactPersons": [{"FirstName": "A"}, {"FirstName": "B"}], "Website": None}]}
    journal = (b"<ManualJournals><ManualJournal><JournalLines><JournalLine><LineAmount>-5"
               b"</LineAmount></JournalLine></JournalLines></ManualJournal></ManualJournals>")
    assert xml_bodies.parse(journal, "ManualJournals") == {
        "ManualJournals": [{"JournalLines": [{"LineAmount": -5}]}]}
    assert xml_bodies.parse(b"<Invoices/>", "Invoices") == {"Invoices": []}
    # A number field that is no number stays text, for the rules to refuse.
    assert xml_bodies.parse(b"<Items><Item><Quantity>lots</Quantity></Item></Items>",
                            "Items") == {"Items": [{"Quantity": "lots"}]}


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><Invoices>&lol;</Invoices>',
    b'<!doctype Invoices SYSTEM "file:///etc/passwd"><Invoices/>',
    b"<Invoices><Invoice>",
    b"not xml at all",
    b"\xff\xfe\x00garbage",
])
def test_parse_refuses_dtds_entities_and_malformed_xml(body: bytes) -> None:
    with pytest.raises(xml_bodies.XMLBodyError):
        xml_bodies.parse(body, "Invoices")


def test_parse_refuses_deep_nesting() -> None:
    with pytest.raises(xml_bodies.XMLBodyError, match="deeply"):
        xml_bodies.parse(b"<a>" * 200 + b"</a>" * 200, "Invoices")


def test_render_answers_and_api_exceptions() -> None:
    root = ET.fromstring(xml_bodies.render({
        "Id": "i", "Status": "OK", "ProviderName": "p", "DateTimeUTC": "/Date(1769817600000)/",
        "Invoices": [{"IsDiscounted": False, "Total": Decimal("12.50"), "Reference": None,
                      "UpdatedDateUTC": "/Date(1769817600123+0000)/",
                      "LineItems": [{"Quantity": 1.0}, {"Quantity": 2.5}],
                      "Tracking": [{"Name": "Region"}], "Note": "a\x01b"}]}))
    assert root.tag == "Response" and root.findtext("Status") == "OK"
    assert root.findtext("DateTimeUTC") == "2026-01-31T00:00:00"
    inv = root.find("Invoices/Invoice")
    assert inv is not None and inv.find("Reference") is None
    assert inv.findtext("IsDiscounted") == "false" and inv.findtext("Total") == "12.50"
    assert inv.findtext("UpdatedDateUTC") == "2026-01-31T00:00:00.123"
    assert [q.text for q in inv.findall("LineItems/LineItem/Quantity")] == ["1", "2.5"]
    assert inv.findtext("Tracking/TrackingCategory/Name") == "Region"
    assert inv.findtext("Note") == "a\ufffdb"
    err = ET.fromstring(xml_bodies.render(
        {"ErrorNumber": 10, "Type": "ValidationException", "Message": "m",
         "Elements": [{"ValidationErrors": [{"Message": "bad"}]}]}, "Invoice"))
    assert err.tag == "ApiException" and err.findtext("ErrorNumber") == "10"
    element = err.find("Elements/DataContractBase")
    assert element is not None and element.get(XSI_TYPE) == "Invoice"
    assert element.findtext("ValidationErrors/ValidationError/Message") == "bad"


def test_wants_xml_unless_json_is_asked() -> None:
    assert xml_bodies.wants_xml(None) and xml_bodies.wants_xml("*/*")
    assert xml_bodies.wants_xml("application/xml")
    assert not xml_bodies.wants_xml("application/json")
    assert not xml_bodies.wants_xml("text/plain, Application/JSON;q=0.9")


# --- through the server ------------------------------------------------------------------------

def _invoice_xml(contact_id: str, reference: str, quantity: str = "2") -> str:
    return ("<Invoices><Invoice><Type>ACCREC</Type>"
            f"<Contact><ContactID>{contact_id}</ContactID></Contact>"
            "<Date>2026-01-15</Date><DueDate>2026-01-31</DueDate>"
            f"<Reference>{reference}</Reference><LineAmountTypes>Exclusive</LineAmountTypes>"
            "<LineItems><LineItem><Description>Widgets</Description>"
            f"<Quantity>{quantity}</Quantity><UnitAmount>10.50</UnitAmount>"
            "<AccountCode>200</AccountCode><TaxType>NONE</TaxType></LineItem></LineItems>"
            "</Invoice></Invoices>")


def _contact_id(api) -> str:
    return str(api.records("Contacts", "Contacts")[0]["ContactID"])


def test_put_xml_invoice_answer_json_and_read_back(clean_sandbox, make_api) -> None:
    api = make_api()
    reference = f"XML-{uuid.uuid4().hex[:8]}"
    resp = api.request("PUT", "Invoices", data=_invoice_xml(_contact_id(api), reference),
                       headers=XML)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    created = resp.json()["Invoices"][0]
    got = api.get(f"Invoices/{created['InvoiceID']}").json()["Invoices"][0]
    assert got["Type"] == "ACCREC" and got["Reference"] == reference
    assert got["LineItems"][0]["Quantity"] == 2 and got["LineItems"][0]["UnitAmount"] == 10.5
    assert got["SubTotal"] == 21 and got["Total"] == 21
    assert got["DueDateString"].startswith("2026-01-31")


def test_put_xml_invoice_answer_xml(clean_sandbox, make_api) -> None:
    api = make_api()
    reference = f"XML-{uuid.uuid4().hex[:8]}"
    resp = api.request("PUT", "Invoices", data=_invoice_xml(_contact_id(api), reference, "3"),
                       headers={"Content-Type": "text/xml", "Accept": "application/xml"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(resp.content)
    assert root.tag == "Response" and root.findtext("Status") == "OK"
    assert root.findtext("Id") and root.findtext("ProviderName")
    assert root.findtext("DateTimeUTC", "").startswith("20")
    inv = root.find("Invoices/Invoice")
    assert inv is not None
    assert inv.findtext("Reference") == reference and inv.findtext("Type") == "ACCREC"
    assert inv.findtext("DueDate") == "2026-01-31T00:00:00"
    assert Decimal(inv.findtext("Total", "")) == Decimal("31.5")
    assert Decimal(inv.findtext("LineItems/LineItem/Quantity", "")) == 3
    assert inv.findtext("Contact/ContactID") == _contact_id(api)
    stored = api.get(f"Invoices/{inv.findtext('InvoiceID')}").json()["Invoices"][0]
    assert stored["Reference"] == reference and stored["Total"] == 31.5


def test_a_lone_record_root_is_accepted(clean_sandbox, make_api) -> None:
    api = make_api()
    name = f"XML Contact {uuid.uuid4().hex[:8]}"
    resp = api.request("PUT", "Contacts", headers=XML,
                       data=f"<Contact><Name>{name}</Name><IsSupplier>true</IsSupplier>"
                            "<Phones><Phone><PhoneType>MOBILE</PhoneType><PhoneNumber>555"
                            "</PhoneNumber></Phone></Phones></Contact>")
    assert resp.status_code == 200, resp.text
    created = resp.json()["Contacts"][0]
    assert created["Name"] == name
    assert any(p.get("PhoneNumber") == "555" for p in created["Phones"])


def test_get_without_accept_answers_xml_and_with_json_answers_json(api) -> None:
    bare = api.get("Invoices", params={"page": 1}, headers={"Accept": None})
    assert bare.status_code == 200
    assert bare.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(bare.content)
    assert root.tag == "Response" and root.findtext("Status") == "OK"
    invoices = root.findall("Invoices/Invoice")
    as_json = api.get("Invoices", params={"page": 1})
    assert as_json.headers["Content-Type"].startswith("application/json")
    listed = as_json.json()["Invoices"]
    assert [i.findtext("InvoiceID") for i in invoices] == [i["InvoiceID"] for i in listed]
    assert all(i.findtext("Date", "").endswith("T00:00:00") for i in invoices)
    assert {i.findtext("HasAttachments") for i in invoices} <= {"true", "false"}
    # Problem details (a 404) stay as they are; a JSON-only API stays JSON.
    assert api.get("Invoices/nope", headers={"Accept": None}).status_code == 404
    projects = api.get("/projects.xro/2.0/Projects", headers={"Accept": None})
    assert projects.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("body", [
    '<?xml version="1.0"?><!DOCTYPE Invoices [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
    "<Invoices><Invoice><Reference>&b;</Reference></Invoice></Invoices>",
    '<!DOCTYPE Invoices [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    "<Invoices><Invoice><Reference>&x;</Reference></Invoice></Invoices>",
])
def test_dtd_and_entity_bodies_are_refused(api, body: str) -> None:
    resp = api.request("PUT", "Invoices", data=body, headers=XML)
    assert resp.status_code == 400
    err = resp.json()
    assert err["Type"] == "ValidationException" and err["ErrorNumber"] == 10
    assert "DTD" in err["Message"]


def test_malformed_xml_is_a_validation_exception(api) -> None:
    resp = api.request("PUT", "Invoices", data="<Invoices><Invoice><Type>ACCREC</Invoice>",
                       headers=XML)
    assert resp.status_code == 400
    err = resp.json()
    assert err["Type"] == "ValidationException" and err["ErrorNumber"] == 10
    assert "not valid XML" in err["Message"]
    bare = api.request("PUT", "Invoices", data="<Invoices", headers={**XML, "Accept": None})
    assert bare.status_code == 400
    root = ET.fromstring(bare.content)
    assert root.tag == "ApiException" and root.findtext("Type") == "ValidationException"


def test_validation_error_answers_an_xml_api_exception(clean_sandbox, make_api) -> None:
    api = make_api()
    body = _invoice_xml(_contact_id(api), "bad", "lots")
    resp = api.request("PUT", "Invoices", data=body, headers={**XML, "Accept": "text/xml"})
    assert resp.status_code == 400, resp.text
    assert resp.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(resp.content)
    assert root.tag == "ApiException"
    assert root.findtext("ErrorNumber") == "10" and root.findtext("Type") == "ValidationException"
    assert root.findtext("Message")
    element = root.find("Elements/DataContractBase")
    assert element is not None and element.get(XSI_TYPE) == "Invoice"
    messages = [m.text for m in element.findall("ValidationErrors/ValidationError/Message")]
    assert any("Quantity" in (m or "") for m in messages), messages
    # The same call asking for JSON gets the JSON error.
    as_json = api.request("PUT", "Invoices", data=body, headers=XML)
    assert as_json.status_code == 400
    assert as_json.json()["Elements"][0]["ValidationErrors"]
