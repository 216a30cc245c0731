"""Real Meltano: install; tap-xero into target-jsonl and target-duckdb; state, config, tokens."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.pipelines.conftest import TIMINGS, Meltano, read_jsonl, run
from tests.pipelines.test_meltano_project import PROJECT

pytestmark = pytest.mark.meltano

SELECT_SMALL = json.dumps(["contacts.*", "items.*", "currencies.*"])


def contacts_calls(sandbox: Any) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests()
            if r["method"] == "GET" and r["path"].endswith("/Contacts")]


def test_run_lands_records_then_reads_only_changes(meltano: Meltano, sandbox: Any,
                                                    tmp_path: Path) -> None:
    tenant = sandbox.orgs[0]["tenant_id"]
    sandbox.clean()
    sandbox.set_limits(False)
    first = tmp_path / "first"
    began = time.perf_counter()
    meltano("run", "tap-xero", "target-jsonl", TARGET_JSONL_DESTINATION_PATH=str(first),
            TAP_XERO_TOKEN_STORE_PATH=str(tmp_path / "tokens.json"))
    TIMINGS["meltano run (all streams)"] = time.perf_counter() - began
    landed = read_jsonl(first / "contacts.jsonl")
    stored = sandbox.records(tenant, "contacts")
    assert sorted(r["ContactID"] for r in landed) == sorted(r["ContactID"] for r in stored)
    assert read_jsonl(first / "invoices.jsonl")
    assert all("If-Modified-Since" not in r["headers"] or
               r["headers"]["If-Modified-Since"].endswith("2020 00:00:00 GMT")
               for r in contacts_calls(sandbox))

    # A change, then a second run: Meltano hands the stored state back to the tap.
    token = requests.post(f"{sandbox.url}/connect/token", data={"grant_type": "client_credentials"},
                          auth=(sandbox.orgs[0]["settings"]["client_id"],
                                sandbox.orgs[0]["settings"]["client_secret"]), timeout=10)
    headers = {"Authorization": f"Bearer {token.json()['access_token']}",
               "Xero-Tenant-Id": tenant, "Accept": "application/json"}
    sandbox.advance_clock(120)
    changed = stored[0]["ContactID"]
    resp = requests.post(f"{sandbox.url}/api.xro/2.0/Contacts/{changed}", headers=headers,
                         json={"Contacts": [{"ContactID": changed, "Website": "https://x.test"}]},
                         timeout=10)
    assert resp.status_code == 200, resp.text
    sandbox.clear_requests()
    second = tmp_path / "second"
    meltano("run", "tap-xero", "target-jsonl", TARGET_JSONL_DESTINATION_PATH=str(second),
            TAP_XERO_TOKEN_STORE_PATH=str(tmp_path / "tokens.json"))
    calls = contacts_calls(sandbox)
    assert calls and all("If-Modified-Since" in c["headers"] for c in calls)
    again = read_jsonl(second / "contacts.jsonl")
    assert changed in {r["ContactID"] for r in again}
    assert len(again) < len(landed)


def test_config_list_shows_every_setting(meltano: Meltano) -> None:
    out = meltano("config", "list", "--all", "tap-xero").stdout
    listed = {line.split(" ", 1)[0] for line in out.splitlines() if "[env: TAP_XERO_" in line}
    declared = {s["name"] for s in PROJECT["plugins"]["extractors"][0]["settings"]}
    assert declared <= listed
    assert "TAP_XERO_TOKEN_STORE_PATH" in out
    # The sensitive value from the sandbox environment is redacted.
    assert "MuCcqSKkO" not in out


def test_rotated_refresh_token_survives_config_regeneration(meltano: Meltano, sandbox: Any,
                                                            tmp_path: Path) -> None:
    """Meltano writes the first refresh token into every run's config; the store wins."""
    sandbox.clean()
    sandbox.set_limits(False)
    store = tmp_path / "tokens.json"
    first_token = sandbox.refresh_token
    env = dict(TAP_XERO_CLIENT_ID=sandbox.app["client_id"],
               TAP_XERO_CLIENT_SECRET=sandbox.app["client_secret"],
               TAP_XERO_REFRESH_TOKEN=first_token, TAP_XERO_TOKEN_STORE_PATH=str(store),
               TAP_XERO_TENANT_ID=sandbox.orgs[0]["tenant_id"],
               TAP_XERO__SELECT=json.dumps(["currencies.*"]),
               TARGET_JSONL_DESTINATION_PATH=str(tmp_path / "out"))
    meltano("run", "--state-id-suffix", "rotation", "tap-xero", "target-jsonl", **env)
    rotated = json.loads(store.read_text())["refresh_token"]
    assert rotated != first_token
    # Past the 30-minute grace: the configured (first) token is dead, the access token expired.
    sandbox.advance_clock(3700)
    dead = requests.post(f"{sandbox.url}/connect/token",
                         data={"grant_type": "refresh_token", "refresh_token": first_token},
                         auth=(sandbox.app["client_id"], sandbox.app["client_secret"]), timeout=10)
    assert dead.status_code == 400
    sandbox.clear_requests()
    meltano("run", "--state-id-suffix", "rotation", "tap-xero", "target-jsonl", **env)
    grants = [r for r in sandbox.requests() if r["path"] == "/connect/token"]
    assert [g["status"] for g in grants] == [200]
    assert json.loads(store.read_text())["refresh_token"] not in (first_token, rotated)
    assert read_jsonl(tmp_path / "out" / "currencies.jsonl")


def test_sql_loader_run(meltano: Meltano, sandbox: Any, tmp_path: Path) -> None:
    sandbox.clean()
    sandbox.set_limits(False)
    db = tmp_path / "warehouse.duckdb"
    began = time.perf_counter()
    meltano("run", "--state-id-suffix", "duckdb", "tap-xero", "target-duckdb",
            TARGET_DUCKDB_FILEPATH=str(db), TAP_XERO__SELECT=SELECT_SMALL,
            TAP_XERO_TOKEN_STORE_PATH=str(tmp_path / "tokens.json"))
    TIMINGS["meltano run target-duckdb"] = time.perf_counter() - began
    python = meltano.sys_dir / "loaders" / "target-duckdb" / "venv" / "bin" / "python"
    query = (f"import duckdb, json; c = duckdb.connect({str(db)!r}, read_only=True); "
             "print(json.dumps(c.sql('select contactid from xero.contacts').fetchall()))")
    ids = {row[0] for row in json.loads(run([str(python), "-c", query]).stdout)}
    stored = sandbox.records(sandbox.orgs[0]["tenant_id"], "contacts")
    assert ids == {r["ContactID"] for r in stored}
