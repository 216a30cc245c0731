"""Write routes reach the rules, and the sandbox's own write guards: idempotency, body size."""

from __future__ import annotations

import uuid

import pytest


def _contacts(sandbox, tenant_id: str) -> dict[str, dict]:
    return {c["ContactID"]: c for c in sandbox.records(tenant_id, "contacts")}


def test_put_creates_and_the_record_is_stored(clean_sandbox, make_api) -> None:
    api = make_api()
    before = _contacts(clean_sandbox, api.tenant_id)
    name = f"Sandbox Writer {uuid.uuid4().hex[:8]}"
    resp = api.request("PUT", "Contacts", json={"Contacts": [{"Name": name}]})
    assert resp.status_code == 200, resp.text
    created = resp.json()["Contacts"][0]
    after = _contacts(clean_sandbox, api.tenant_id)
    assert set(after) - set(before) == {created["ContactID"]}
    assert after[created["ContactID"]]["Name"] == name
    # It is listed as a change after the last bookmark.
    assert api.get(f"Contacts/{created['ContactID']}").json()["Contacts"][0]["Name"] == name


def test_idempotency_key_replays_the_first_answer(clean_sandbox, make_api) -> None:
    api, other = make_api(0), make_api(1)
    key = uuid.uuid4().hex
    body = {"Contacts": [{"Name": f"Once Only {key[:8]}"}]}
    before = len(_contacts(clean_sandbox, api.tenant_id))
    first = api.request("PUT", "Contacts", json=body, headers={"Idempotency-Key": key})
    again = api.request("PUT", "Contacts", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert len(_contacts(clean_sandbox, api.tenant_id)) == before + 1
    log = [r for r in clean_sandbox.requests() if r["method"] == "PUT"]
    assert [r["replayed"] for r in log] == [False, True]
    assert all(r["headers"]["Idempotency-Key"] == key for r in log)
    # The same key for another tenant is another write.
    before_other = len(_contacts(clean_sandbox, other.tenant_id))
    assert other.request("PUT", "Contacts", json=body,
                         headers={"Idempotency-Key": key}).status_code == 200
    assert len(_contacts(clean_sandbox, other.tenant_id)) == before_other + 1


def test_idempotency_key_longer_than_128_is_refused(clean_sandbox, make_api) -> None:
    api = make_api()
    before = len(_contacts(clean_sandbox, api.tenant_id))
    resp = api.request("PUT", "Contacts", json={"Contacts": [{"Name": "Too Long Key"}]},
                       headers={"Idempotency-Key": "k" * 129})
    assert resp.status_code == 400
    assert len(_contacts(clean_sandbox, api.tenant_id)) == before


def test_body_over_3_5_mb_is_413(clean_sandbox, make_api) -> None:
    api = make_api()
    big = {"Contacts": [{"Name": "x" * 3_600_000}]}
    resp = api.request("PUT", "Contacts", json=big)
    assert resp.status_code == 413


def test_methods_a_resource_does_not_take_are_refused(clean_sandbox, make_api) -> None:
    api = make_api()
    inv = clean_sandbox.records(api.tenant_id, "invoices")[0]
    assert api.request("DELETE", f"Invoices/{inv['InvoiceID']}").status_code == 405
    assert api.request("PUT", "Journals", json={"Journals": []}).status_code == 405
    assert inv["InvoiceID"] in {i["InvoiceID"]
                                for i in clean_sandbox.records(api.tenant_id, "invoices")}


def test_delete_removes_an_item(clean_sandbox, make_api) -> None:
    api = make_api()
    item = clean_sandbox.records(api.tenant_id, "items")[0]
    resp = api.request("DELETE", f"Items/{item['ItemID']}")
    assert resp.status_code in (200, 204), resp.text
    assert item["ItemID"] not in {i["ItemID"] for i in clean_sandbox.records(api.tenant_id,
                                                                             "items")}
    assert api.get(f"Items/{item['ItemID']}").status_code == 404


def test_history_note_and_attachment_round_trip(clean_sandbox, make_api) -> None:
    api = make_api()
    inv = clean_sandbox.records(api.tenant_id, "invoices")[0]
    base = f"Invoices/{inv['InvoiceID']}"
    note = f"checked by the sandbox test {uuid.uuid4().hex[:6]}"
    resp = api.request("PUT", f"{base}/History", json={"HistoryRecords": [{"Details": note}]})
    assert resp.status_code == 200, resp.text
    details = [h["Details"] for h in api.get(f"{base}/History").json()["HistoryRecords"]]
    assert note in details
    content = b"%PDF-1.4 sandbox test\n" + bytes(range(256))
    resp = api.request("PUT", f"{base}/Attachments/proof of delivery.pdf", data=content,
                       headers={"Content-Type": "application/pdf"})
    assert resp.status_code == 200, resp.text
    listed = api.get(f"{base}/Attachments").json()["Attachments"]
    assert "proof of delivery.pdf" in [a["FileName"] for a in listed]
    got = api.get(f"{base}/Attachments/proof of delivery.pdf")
    assert got.content == content
    assert got.headers["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("summarize", [None, "false"])
def test_summarize_errors_reaches_the_rules(clean_sandbox, make_api, summarize) -> None:
    api = make_api()
    params = {"summarizeErrors": summarize} if summarize else {}
    resp = api.request("PUT", "Invoices", params=params,
                       json={"Invoices": [{"Type": "NOPE"}]})
    if summarize is None:
        assert resp.status_code == 400
        assert resp.json()["Type"] == "ValidationException"
    else:
        assert resp.status_code == 200
        assert resp.json()["Invoices"][0]["StatusAttributeString"] == "ERROR"


def test_email_route_answers_204_for_an_approved_sales_invoice(clean_sandbox, make_api) -> None:
    api = make_api()
    emails = {c["ContactID"]: c.get("EmailAddress")
              for c in clean_sandbox.records(api.tenant_id, "contacts")}
    invoices = clean_sandbox.records(api.tenant_id, "invoices")
    sendable = next(i for i in invoices if i["Type"] == "ACCREC" and i["Status"] == "AUTHORISED"
                    and emails.get(i["Contact"]["ContactID"]))
    resp = api.request("POST", f"Invoices/{sendable['InvoiceID']}/Email")
    assert resp.status_code == 204 and resp.content == b""
    stored = {i["InvoiceID"]: i for i in clean_sandbox.records(api.tenant_id, "invoices")}
    assert stored[sendable["InvoiceID"]]["SentToContact"] is True
    draft = next(i for i in invoices if i["Status"] == "DRAFT")
    assert api.request("POST", f"Invoices/{draft['InvoiceID']}/Email").status_code == 400
    assert api.request("PUT", f"Invoices/{draft['InvoiceID']}/Email").status_code == 405


def test_lone_surrogate_escape_is_stored_and_answered(api) -> None:
    """A broken UTF-16 escape in a write is kept and answered as the same JSON escape."""
    contact = api.records("Contacts", "Contacts")[0]
    body = ('{"Invoices":[{"Type":"ACCREC","Contact":{"ContactID":"' + contact["ContactID"]
            + '"},"Reference":"x\\udcf9","LineItems":[{"Description":"Work","Quantity":1,'
            '"UnitAmount":10,"AccountCode":"200"}]}]}')
    resp = api.request("PUT", "Invoices", data=body.encode(),
                       headers={"Content-Type": "application/json"})
    assert resp.status_code == 200, resp.text
    assert b'"Reference":"x\\udcf9"' in resp.content
