"""The orchestration recipe: the tenants list, and the Dagster definitions running Meltano."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from orchestration.tenants import TenantJob, load_tenants, tenants_from_connections
from tests.pipelines.conftest import REPO, TIMINGS, Meltano, read_jsonl, run, tool_venv

DAGSTER = "dagster==1.13.*"


def test_tenant_job_has_its_own_state_and_token_store(tmp_path: Path) -> None:
    job = TenantJob("abc-123", "Demo Company (NZ)", {"TAP_XERO_CLIENT_ID": "X"})
    assert job.key == "xero_demo_company_nz"
    assert job.command("m") == ["m", "run", "--state-id-suffix", "abc-123", "tap-xero",
                                "target-jsonl"]
    shared = tmp_path / "sys"
    (shared / "extractors" / "tap-xero").mkdir(parents=True)
    env = job.environment({"MELTANO_SYS_DIR_ROOT": str(shared), "PATH": "/bin"})
    assert env["TAP_XERO_TENANT_ID"] == "abc-123"
    assert env["TAP_XERO_TOKEN_STORE_PATH"] == str(shared / "xero-tokens-abc-123.json")
    assert env["TAP_XERO_CLIENT_ID"] == "X"
    own = Path(env["MELTANO_SYS_DIR_ROOT"])
    assert own == shared / "tenants" / "abc-123"
    assert (own / "extractors" / "tap-xero").is_dir() and not (own / "run").exists()
    assert env["MELTANO_DATABASE_URI"] == f"sqlite:///{shared / 'meltano.db'}"
    file = tmp_path / "tenants.json"
    file.write_text(json.dumps([{"tenant_id": "abc-123", "name": "Demo Company (NZ)",
                                 "env": {"TAP_XERO_CLIENT_ID": "X"}}]))
    assert load_tenants(file) == [job]


def test_runs_share_the_limiter_when_xero_limiter_url_is_set(tmp_path: Path) -> None:
    job = TenantJob("abc-123")
    base = {"MELTANO_SYS_DIR_ROOT": str(tmp_path), "PATH": "/bin"}
    env = job.environment(base)
    assert not any("LIMITER" in k for k in env)  # unset: each process limits itself
    url = "redis://:pw@127.0.0.1:6379/0"
    env = job.environment({**base, "XERO_LIMITER_URL": url, "XERO_LIMITER_FALLBACK": "stop"})
    assert env["TAP_XERO_LIMITER_URL"] == env["TARGET_XERO_LIMITER_URL"] == url
    assert env["TAP_XERO_LIMITER_FALLBACK"] == env["TARGET_XERO_LIMITER_FALLBACK"] == "stop"
    own = TenantJob("t2", env={"TAP_XERO_LIMITER_URL": "redis://other/1"})
    assert own.environment({**base, "XERO_LIMITER_URL": url})["TAP_XERO_LIMITER_URL"] == (
        "redis://other/1")  # a tenant's own setting wins


def test_tenants_from_connections(sandbox: Any) -> None:
    config = {"client_id": sandbox.app["client_id"], "client_secret": sandbox.app["client_secret"],
              "refresh_token": sandbox.refresh_token, "api_url": sandbox.url,
              "identity_url": sandbox.url}
    rows = tenants_from_connections(config)
    assert [r["tenant_id"] for r in rows] == [o["tenant_id"] for o in sandbox.orgs]


@pytest.mark.meltano
@pytest.mark.dagster
def test_dagster_job_runs_one_meltano_run_per_tenant(meltano: Meltano, sandbox: Any,
                                                     tmp_path: Path) -> None:
    began = time.perf_counter()
    venv = tool_venv("dagster-venv", DAGSTER, "bin/dagster")
    TIMINGS.setdefault("dagster venv ready", time.perf_counter() - began)
    sandbox.clean()
    sandbox.set_limits(False)
    rows = [{"tenant_id": o["tenant_id"], "name": o["tenant_name"],
             "env": {"TAP_XERO_CLIENT_ID": o["settings"]["client_id"],
                     "TAP_XERO_CLIENT_SECRET": o["settings"]["client_secret"],
                     "TAP_XERO__SELECT": json.dumps(["contacts.*"]),
                     "TARGET_JSONL_DESTINATION_PATH": str(tmp_path / f"out{i}")}}
            for i, o in enumerate(sandbox.orgs)]
    for i in range(len(rows)):
        (tmp_path / f"out{i}").mkdir()
    (tmp_path / "tenants.json").write_text(json.dumps(rows))
    # The multiprocess executor: both tenants' `meltano run`s go at the same time.
    script = (
        "import dagster as dg\n"
        "from orchestration.definitions import all_tenants_job, defs\n"
        "print(sorted(a.key.to_user_string() for a in defs.resolve_all_asset_specs()))\n"
        "with dg.DagsterInstance.get() as instance:\n"
        "    result = dg.execute_job(dg.reconstructable(all_tenants_job), instance)\n"
        "print('success', result.success)\n")
    env = meltano.env(XERO_TENANTS_FILE=str(tmp_path / "tenants.json"),
                      MELTANO_BIN=str(meltano.executable), PYTHONPATH=str(REPO),
                      XERO_TOKEN_STORE_DIR=str(tmp_path), DAGSTER_HOME=str(tmp_path))
    began = time.perf_counter()
    out = run([str(venv / "bin" / "python"), "-c", script], env=env).stdout
    TIMINGS["dagster job (2 tenants)"] = time.perf_counter() - began
    assert "success True" in out
    keys = sorted(TenantJob(o["tenant_id"], o["tenant_name"]).key for o in sandbox.orgs)
    assert str(keys) in out  # one asset per tenant of the list
    for i, org in enumerate(sandbox.orgs):
        landed = {r["ContactID"] for r in read_jsonl(tmp_path / f"out{i}" / "contacts.jsonl")}
        assert landed == {r["ContactID"] for r in sandbox.records(org["tenant_id"], "contacts")}
    states = meltano("state", "list").stdout
    for org in sandbox.orgs:
        assert f"sandbox:tap-xero-to-target-jsonl:{org['tenant_id']}" in states
