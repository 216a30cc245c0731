"""The tenants to sync and the `meltano run` command of each (no orchestrator needed here).

The list comes from a JSON file (XERO_TENANTS_FILE, default orchestration/tenants.json):
    [{"tenant_id": "...", "name": "Demo Company (NZ)", "env": {"TAP_XERO_CLIENT_ID": "..."}}]
`env` is optional (e.g. a Custom Connection's own client id/secret per tenant). Write it from a
token's connections with:
    python -m orchestration.tenants --config tap-config.json > orchestration/tenants.json
With XERO_LIMITER_URL (redis://...) set, every run's tap-xero and target-xero share one rate
limiter (their limiter_url setting): the per-tenant and per-app budgets hold across the parallel
runs.
Each run gets TAP_XERO_TENANT_ID, its own token store file and the state id suffix = tenant id,
so the runs never share a bookmark and can go in parallel. Meltano 4 writes a plugin's run files
(discovered catalog, generated config) to <system dir>/run/<plugin>/, which parallel runs of
tap-xero would overwrite in each other's hands: each tenant therefore gets a system dir of its
own (MELTANO_SYS_DIR_ROOT) whose plugin folders link to the shared installs, and the shared
system database (MELTANO_DATABASE_URI) for its state.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_FILE = Path(__file__).with_name("tenants.json")


@dataclass(frozen=True)
class TenantJob:
    tenant_id: str
    name: str = ""
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """A name Dagster accepts: letters, digits and underscores."""
        label = self.name or self.tenant_id
        return "xero_" + re.sub(r"[^0-9a-zA-Z]+", "_", label).strip("_").lower()

    def command(self, meltano: str = "meltano", extractor: str = "tap-xero",
                loader: str = "target-jsonl") -> list[str]:
        return [meltano, "run", "--state-id-suffix", self.tenant_id, extractor, loader]

    def environment(self, base: Mapping[str, str] | None = None,
                    project_root: Path | None = None) -> dict[str, str]:
        """The run's environment: tenant, token store, its own Meltano system dir."""
        env = dict(os.environ if base is None else base)
        root = project_root or Path.cwd()
        shared = Path(env.get("MELTANO_SYS_DIR_ROOT") or root / ".meltano")
        store_dir = env.get("XERO_TOKEN_STORE_DIR") or str(shared)
        env.setdefault("MELTANO_DATABASE_URI", f"sqlite:///{shared / 'meltano.db'}")
        env.update(TAP_XERO_TENANT_ID=self.tenant_id,
                   TAP_XERO_TOKEN_STORE_PATH=str(Path(store_dir) /
                                                 f"xero-tokens-{self.tenant_id}.json"),
                   MELTANO_SYS_DIR_ROOT=str(tenant_sys_dir(shared, self.tenant_id)))
        env.update(self.env)
        shared_limiter(env)
        return env


LIMITER_SETTINGS = ("LIMITER_URL", "LIMITER_FALLBACK")


def shared_limiter(env: dict[str, str]) -> None:
    """XERO_LIMITER_URL (and XERO_LIMITER_FALLBACK) set: every run's tap and target use the
    shared limiter (setting limiter_url), so parallel tenants, the target and runs webhooks
    trigger count against one budget per organisation and one per app."""
    for name in LIMITER_SETTINGS:
        value = env.get(f"XERO_{name}")
        if value:
            for plugin in ("TAP_XERO", "TARGET_XERO"):
                env.setdefault(f"{plugin}_{name}", value)


SHARED_ENTRIES = ("extractors", "loaders", "mappers", "utilities", "transformers",
                  "orchestrators", "files")


def tenant_sys_dir(shared: Path, tenant_id: str) -> Path:
    """<shared>/tenants/<tenant_id>: own run/ and logs/, plugin installs linked to `shared`."""
    own = shared / "tenants" / re.sub(r"[^0-9A-Za-z_.-]", "_", tenant_id)
    own.mkdir(parents=True, exist_ok=True)
    for name in SHARED_ENTRIES:
        target, link = shared / name, own / name
        target.mkdir(parents=True, exist_ok=True)
        if not link.is_symlink():
            link.symlink_to(target.resolve(), target_is_directory=True)
    return own


def load_tenants(path: str | os.PathLike[str] | None = None) -> list[TenantJob]:
    """The tenants of the JSON file (XERO_TENANTS_FILE or orchestration/tenants.json)."""
    file = Path(path or os.environ.get("XERO_TENANTS_FILE") or DEFAULT_FILE)
    if not file.exists():
        return []
    rows: list[dict[str, Any]] = json.loads(file.read_text())
    return [TenantJob(str(r["tenant_id"]), str(r.get("name") or ""),
                      {str(k): str(v) for k, v in (r.get("env") or {}).items()}) for r in rows]


def tenants_from_connections(config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """GET /connections with a tap config: the rows for the tenants file."""
    from xero_core.http import XeroClient  # the project's client, only where it is installed

    client = XeroClient.from_config(config)
    return [{"tenant_id": c["tenantId"], "name": c.get("tenantName") or ""}
            for c in client.connections() if c.get("tenantType", "ORGANISATION") ==
            "ORGANISATION"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="print the tenants file from /connections")
    parser.add_argument("--config", required=True, help="a tap-xero config JSON file")
    args = parser.parse_args(argv)
    config = json.loads(Path(args.config).read_text())
    json.dump(tenants_from_connections(config), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
