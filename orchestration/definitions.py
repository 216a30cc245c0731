"""Dagster recipe: one asset per Xero tenant, each a `meltano run` with its own state.

    XERO_TENANTS_FILE=orchestration/tenants.json dagster dev -f orchestration/definitions.py

The assets are independent, so the job `xero_all_tenants` runs them in parallel (Dagster's
multiprocess executor; `max_concurrent` below caps it, mind Xero's 5 concurrent calls per
tenant and 10,000 a minute per app). A schedule runs it hourly. Settings from the environment:
MELTANO_BIN (default `meltano`), MELTANO_PROJECT_ROOT (default: this repository),
XERO_LOADER (default target-jsonl), XERO_MAX_CONCURRENT (default 4), XERO_LIMITER_URL (a
Redis URL: every run's tap and target then share one rate limiter, see orchestration/tenants.py)
and XERO_LIMITER_FALLBACK (local or stop).

dagster-meltano 1.5.5 (the last release, 2024) does not import with Dagster 1.13 (it pulls an
old dagster-shell that imports `dagster.core`), so this recipe calls Meltano itself.
"""

import os
import subprocess
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.tenants import TenantJob, load_tenants

PROJECT_ROOT = Path(os.environ.get("MELTANO_PROJECT_ROOT", Path(__file__).resolve().parents[1]))


def tenant_asset(tenant: TenantJob) -> dg.AssetsDefinition:
    @dg.asset(name=tenant.key, group_name="xero",
              description=f"Xero organisation {tenant.name or tenant.tenant_id} via Meltano",
              metadata={"tenant_id": tenant.tenant_id})
    def _sync(context: AssetExecutionContext) -> dg.MaterializeResult:
        command = tenant.command(os.environ.get("MELTANO_BIN", "meltano"),
                                 loader=os.environ.get("XERO_LOADER", "target-jsonl"))
        context.log.info("running %s", " ".join(command))
        done = subprocess.run(command, cwd=PROJECT_ROOT,
                              env=tenant.environment(project_root=PROJECT_ROOT),
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            context.log.error(done.stderr[-4000:])
            raise dg.Failure(f"meltano run for tenant {tenant.tenant_id} exited "
                             f"{done.returncode}")
        return dg.MaterializeResult(metadata={"tenant_id": tenant.tenant_id,
                                              "state_id_suffix": tenant.tenant_id})

    return _sync


def build_definitions(tenants: list[TenantJob]) -> dg.Definitions:
    assets = [tenant_asset(t) for t in tenants]
    job = dg.define_asset_job(
        "xero_all_tenants", selection=dg.AssetSelection.groups("xero"),
        config={"execution": {"config": {"multiprocess": {
            "max_concurrent": int(os.environ.get("XERO_MAX_CONCURRENT", "4"))}}}})
    schedule = dg.ScheduleDefinition(job=job, cron_schedule="0 * * * *")
    return dg.Definitions(assets=assets, jobs=[job], schedules=[schedule])


defs = build_definitions(load_tenants())


def all_tenants_job() -> dg.JobDefinition:
    """The job, for `dg.execute_job(dg.reconstructable(all_tenants_job), instance)`."""
    return defs.resolve_job_def("xero_all_tenants")
