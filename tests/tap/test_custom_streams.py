"""custom_streams: endpoints read by configuration, with the built-in streams' machinery."""

from __future__ import annotations

from typing import Any

import pytest

from tap_xero.tap import TapXero, TenantSyncError
from tests.tap.conftest import api_calls, org_config, run_tap
from xero_core.errors import ConfigError

CONTACTS = {"name": "my_contacts", "path": "/api.xro/2.0/Contacts", "records_key": "Contacts",
            "primary_keys": ["ContactID"], "paging": "page_size", "modified_since": True,
            "params": {"includeArchived": True}}
TAX_RATES = {"name": "my_tax_rates", "path": "/api.xro/2.0/TaxRates", "records_key": "TaxRates",
             "primary_keys": ["TaxType"]}
# A path no Xero API serves (the payroll APIs are served now, by region).
MISSING = {"name": "payroll_employees", "path": "/api.xro/2.0/PayrollEmployees",
           "records_key": "Employees", "primary_keys": ["EmployeeID"]}


def _without_meta(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: str(r.get("ContactID") or r.get("TaxType")))


def test_custom_streams_read_like_the_built_in_ones(clean_sandbox: Any) -> None:
    sandbox = clean_sandbox
    config = org_config(sandbox, 0, page_size=10, custom_streams=[CONTACTS, TAX_RATES])
    run = run_tap(sandbox, config, ["contacts", "my_contacts", "tax_rates", "my_tax_rates"])
    assert run.records["my_contacts"] and run.records["my_tax_rates"]
    assert _without_meta(run.records["my_contacts"]) == _without_meta(run.records["contacts"])
    assert _without_meta(run.records["my_tax_rates"]) == _without_meta(run.records["tax_rates"])

    # Same paging (pageSize=10, page after page), parameters and replication as configured.
    calls = [c["query"] for c in api_calls(sandbox, "/Contacts")]
    assert all(q["includeArchived"] == "true" for q in calls)
    pages = [q["page"] for q in calls if q["pageSize"] == "10"]
    per_stream = [str(n + 1) for n in range((len(run.records["contacts"]) + 9) // 10)]
    assert sorted(pages) == sorted(per_stream * 2)  # both streams page alike
    # Discovery inferred the schema from one first page; the run used the catalog's.
    assert [q["pageSize"] for q in calls if q["pageSize"] != "10"] == ["1000"]
    assert [c["query"] for c in api_calls(sandbox, "/TaxRates")] == [{}, {}, {}]
    schema = run.schemas()["my_contacts"]
    assert schema["properties"]["UpdatedDateUTC"]["format"] == "date-time"
    assert "integer" not in str(schema["properties"]["Name"]["type"])
    tenant = sandbox.orgs[0]["tenant_id"]
    bookmark = next(p for p in run.state["bookmarks"]["my_contacts"]["partitions"]
                    if p["context"] == {"_tenant_id": tenant})["replication_key_value"]
    assert bookmark == max(r["UpdatedDateUTC"] for r in run.records["contacts"])

    # The next run sends If-Modified-Since from the bookmark, as the built-in stream does.
    sandbox.clear_requests()
    run_tap(sandbox, config, ["my_contacts"], state=run.state)
    [call] = [c for c in api_calls(sandbox, "/Contacts") if c["query"]["pageSize"] == "10"]
    assert "If-Modified-Since" in call["headers"]


def test_a_given_schema_is_used_as_is(clean_sandbox: Any) -> None:
    schema = {"type": "object", "properties": {"TaxType": {"type": "string"},
                                               "Name": {"type": ["string", "null"]}}}
    config = org_config(clean_sandbox, 0, custom_streams=[{**TAX_RATES, "schema": schema}])
    run = run_tap(clean_sandbox, config, ["my_tax_rates"])
    assert set(run.schemas()["my_tax_rates"]["properties"]) == {"TaxType", "Name", "_tenant_id"}
    assert {tuple(sorted(r)) for r in run.records["my_tax_rates"]} == {
        ("Name", "TaxType", "_tenant_id")}


def test_a_path_the_server_does_not_serve_fails_that_stream_only(
        clean_sandbox: Any, caplog: pytest.LogCaptureFixture) -> None:
    config = org_config(clean_sandbox, 0, custom_streams=[MISSING, TAX_RATES])
    run = run_tap(clean_sandbox, config, ["payroll_employees", "my_tax_rates", "currencies"],
                  expect_error=True)
    assert isinstance(run.error, TenantSyncError)
    assert "payroll_employees" in str(run.error) and "my_tax_rates" not in str(run.error)
    assert run.records["my_tax_rates"] and run.records["currencies"]
    assert run.records["payroll_employees"] == []
    logged = [r.getMessage() for r in caplog.records if "payroll_employees" in r.getMessage()]
    assert any("/api.xro/2.0/PayrollEmployees" in m for m in logged)
    assert not any(r.exc_info for r in caplog.records)  # said plainly, no traceback


@pytest.mark.parametrize(("entry", "why"), [
    ({**TAX_RATES, "name": "invoices"}, "already a stream"),
    ({**TAX_RATES, "path": "TaxRates"}, "path"),
    ({**TAX_RATES, "paging": "cursor"}, "paging"),
    ({**TAX_RATES, "paging": "offset"}, "replication_key"),
])
def test_a_wrong_entry_is_a_config_error_naming_the_stream(entry: dict[str, Any],
                                                           why: str) -> None:
    config = {"client_id": "x", "client_secret": "y", "custom_streams": [entry],
              "api_url": "http://127.0.0.1:9", "identity_url": "http://127.0.0.1:9"}
    with pytest.raises(ConfigError, match=f"custom stream '{entry['name']}'.*{why}"):
        TapXero(config=config, parse_env_config=False, validate_config=False).discover_streams()
