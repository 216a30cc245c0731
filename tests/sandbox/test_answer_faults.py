"""Answer faults: the write is done, only the answer comes back spoiled (reversed, or without
ids); reads are spoiled the same way, and the rule fires only as often as asked."""

from __future__ import annotations

import uuid

import pytest

from xero_sandbox.backend.faults import FaultBook


def _names(n: int) -> list[str]:
    tag = uuid.uuid4().hex[:8]
    return [f"Answer Fault {tag} {i}" for i in range(n)]


def _held(sandbox, tenant_id: str, names: list[str]) -> dict[str, dict]:
    return {c["Name"]: c for c in sandbox.records(tenant_id, "contacts") if c["Name"] in names}


def test_reorder_reverses_the_elements_but_writes_every_record(clean_sandbox, make_api) -> None:
    api = make_api()
    names = _names(3)
    clean_sandbox.fault("reorder", path="/Contacts$", method="PUT")
    resp = api.request("PUT", "Contacts", json={"Contacts": [{"Name": n} for n in names]})
    assert resp.status_code == 200, resp.text
    answered = resp.json()["Contacts"]
    assert [c["Name"] for c in answered] == names[::-1]
    held = _held(clean_sandbox, api.tenant_id, names)
    assert sorted(held) == sorted(names)  # written once each, in the order sent
    assert {c["ContactID"] for c in answered} == {c["ContactID"] for c in held.values()}
    assert clean_sandbox.requests()[-1]["fault"] == "reorder"
    again = api.request("PUT", "Contacts", json={"Contacts": [{"Name": n + " b"} for n in names]})
    assert [c["Name"] for c in again.json()["Contacts"]] == [n + " b" for n in names]  # count=1


def test_no_ids_drops_the_primary_key_of_each_element(clean_sandbox, make_api) -> None:
    api = make_api()
    names = _names(2)
    clean_sandbox.fault("no_ids", path="/Contacts$", method="PUT")
    resp = api.request("PUT", "Contacts", json={"Contacts": [{"Name": n} for n in names]})
    assert resp.status_code == 200, resp.text
    answered = resp.json()["Contacts"]
    assert [c["Name"] for c in answered] == names
    assert all("ContactID" not in c for c in answered)
    assert sorted(_held(clean_sandbox, api.tenant_id, names)) == sorted(names)


def test_answer_faults_spoil_reads_too(clean_sandbox, make_api) -> None:
    api = make_api()
    plain = api.get("Currencies").json()["Currencies"]
    assert len(plain) > 1
    clean_sandbox.fault("reorder", path="/Currencies$")
    assert api.get("Currencies").json()["Currencies"] == plain[::-1]
    clean_sandbox.fault("no_ids", path="/Contacts$")
    contacts = api.get("Contacts").json()["Contacts"]
    assert contacts and all("ContactID" not in c for c in contacts)
    assert all("ContactID" in c for c in api.get("Contacts").json()["Contacts"])


def test_an_error_answer_is_left_as_it_is(clean_sandbox, make_api) -> None:
    api = make_api()
    clean_sandbox.fault("no_ids", path="/Contacts$", method="PUT")
    resp = api.request("PUT", "Contacts", json={"Contacts": [{"Name": ""}]})
    assert resp.status_code == 400
    assert resp.json()["Type"] == "ValidationException"


@pytest.mark.parametrize("kind", ["reorder", "no_ids"])
def test_answer_kinds_are_known(kind: str) -> None:
    assert FaultBook().add({"kind": kind, "path": "/Invoices$"}).kind == kind
