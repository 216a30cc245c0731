"""The README's sensitive-fields recipe: the commented stream_maps block of meltano.yml, run
as is, leaves no raw tax number, bank detail, email or phone in the output."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import SandboxAPI
from tests.tap.conftest import admin_records, org_config, run_tap

MELTANO_YML = Path(__file__).resolve().parents[2] / "meltano.yml"
BLOCK = re.compile(r"# --- stream_maps example ---\n(.*?)\n\s*# --- end of stream_maps example",
                   re.S)


def documented_stream_maps() -> dict[str, Any]:
    """The commented example in meltano.yml, uncommented and parsed."""
    block = BLOCK.search(MELTANO_YML.read_text(encoding="utf-8"))
    assert block, "meltano.yml lost its stream_maps example"
    text = "\n".join(re.sub(r"^\s*# ?", "", line) for line in block.group(1).splitlines())
    maps: dict[str, Any] = json.loads(json.dumps(yaml.safe_load(text)["stream_maps"]))
    return maps


def _md5(value: str) -> str:
    return hashlib.md5(value.encode("utf-8")).hexdigest()


def _raw_values(records: list[dict[str, Any]], *fields: str) -> set[str]:
    """Every non-empty string under `fields` (nested lists and objects included)."""
    out: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str) and len(value) >= 5:
            out.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for record in records:
        for field in fields:
            walk(record.get(field))
    return out


def test_documented_stream_maps_hash_or_drop_sensitive_fields(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    tenant = sandbox.orgs[0]["tenant_id"]
    # The seed leaves tax numbers and bank details empty on contacts: give one contact both.
    contact = admin_records(sandbox, tenant, "contacts")[0]
    resp = SandboxAPI(sandbox, 0).request("POST", f"Contacts/{contact['ContactID']}", json={
        "Contacts": [{"ContactID": contact["ContactID"], "TaxNumber": "TX-99-123456",
                      "BankAccountDetails": "12-3456-7890123-00"}]})
    assert resp.status_code == 200, resp.text

    maps = documented_stream_maps()
    run = run_tap(sandbox, org_config(sandbox, 0, stream_maps=maps),
                  ["contacts", "accounts", "organisation"])
    held = {s: admin_records(sandbox, tenant, s) for s in ("contacts", "accounts", "organisation")}
    assert {c["ContactID"] for c in run.records["contacts"]} == {
        c["ContactID"] for c in held["contacts"]}

    persons = [p for c in held["contacts"] for p in c.get("ContactPersons") or []]
    secrets = (_raw_values(held["contacts"], "TaxNumber", "BankAccountDetails", "EmailAddress",
                           "Phones")
               | _raw_values(persons, "EmailAddress")  # (their names are not secrets here)
               | _raw_values(held["accounts"], "BankAccountNumber")
               | _raw_values(held["organisation"], "TaxNumber", "RegistrationNumber", "Phones"))
    assert {"TX-99-123456", "12-3456-7890123-00"} <= secrets and len(secrets) > 10
    output = "\n".join(json.dumps(m, default=str) for m in run.messages
                       if m["type"] == "RECORD")
    assert [s for s in secrets if s in output] == []

    # Hashed fields are md5 of the raw value (so they still join); dropped ones are gone.
    for stream, hashed, dropped in (
            ("contacts", ["TaxNumber", "EmailAddress"],
             ["BankAccountDetails", "Phones", "ContactPersons"]),
            ("accounts", ["BankAccountNumber"], []),
            ("organisation", ["TaxNumber", "RegistrationNumber"], ["Phones"])):
        key = {"contacts": "ContactID", "accounts": "AccountID",
               "organisation": "OrganisationID"}[stream]
        raw = {r[key]: r for r in held[stream]}
        schema = run.schemas()[stream]["properties"]
        assert not set(dropped) & set(schema)
        for record in run.records[stream]:
            assert not set(dropped) & set(record)
            for field in hashed:
                value = raw[record[key]].get(field)
                assert record[field] == (_md5(value) if value else None), (stream, field)
    hashed_emails = [r["EmailAddress"] for r in run.records["contacts"] if r["EmailAddress"]]
    assert hashed_emails and all(re.fullmatch(r"[0-9a-f]{32}", e) for e in hashed_emails)


def test_documented_stream_maps_strip_embedded_contacts_and_user_emails(
        clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    tenant = sandbox.orgs[0]["tenant_id"]
    streams = ["users", "invoices", "credit_notes", "bank_transactions", "quotes",
               "purchase_orders"]
    run = run_tap(sandbox, org_config(sandbox, 0, stream_maps=documented_stream_maps()),
                  streams)
    held = {s: admin_records(sandbox, tenant, s) for s in streams}
    embedded = [r["Contact"] for s in streams[1:] for r in held[s] if r.get("Contact")]
    persons = [p for c in embedded for p in c.get("ContactPersons") or []]
    secrets = (_raw_values(embedded, "Phones", "EmailAddress")
               | _raw_values(persons, "EmailAddress")
               | _raw_values(held["users"], "EmailAddress"))
    assert len(secrets) >= len(held["users"]) > 0
    output = "\n".join(json.dumps(m, default=str) for m in run.messages
                       if m["type"] == "RECORD")
    assert [s for s in secrets if s in output] == []
    for stream in streams[1:]:
        assert run.records[stream], stream
        assert any(len(r.get("Contact") or {}) > 2 for r in held[stream]), stream
        for record in run.records[stream]:
            assert set(record.get("Contact") or {}) <= {"ContactID", "Name"}, stream
    users = {u["UserID"]: u for u in held["users"]}
    assert [r["EmailAddress"] for r in run.records["users"]] == [
        _md5(users[r["UserID"]]["EmailAddress"]) for r in run.records["users"]]


def test_readme_shows_the_tested_recipe() -> None:
    readme = (MELTANO_YML.parent / "README.md").read_text(encoding="utf-8")
    documented = documented_stream_maps()
    block = re.search(r"```yaml\n(stream_maps:\n.*?)```", readme, re.S)
    assert block and yaml.safe_load(block.group(1))["stream_maps"] == documented
