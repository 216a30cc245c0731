"""The command line and SDK features: --about, --discover, --config ENV, maps, flattening."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.tap.conftest import org_config, run_tap

TAP = [sys.executable, "-c", "from tap_xero.tap import TapXero; TapXero.cli()"]


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*TAP, *args], capture_output=True, text=True, timeout=120,
                          env=env or dict(os.environ), check=False)


def test_about_markdown_lists_settings_and_hides_nothing_secret() -> None:
    out = _cli("--about", "--format", "markdown")
    assert out.returncode == 0, out.stderr
    for setting in ("client_secret", "refresh_token", "page_size", "include_history",
                    "report_timeframe", "stream_maps", "flattening_enabled"):
        assert setting in out.stdout


def test_discover_with_env_config_lists_every_stream(tmp_path: Path) -> None:
    env = dict(os.environ, TAP_XERO_CLIENT_ID="id", TAP_XERO_CLIENT_SECRET="secret",
               TAP_XERO_INCLUDE_HISTORY="true")
    out = _cli("--config", "ENV", "--discover", env=env)
    assert out.returncode == 0, out.stderr
    names = {s["tap_stream_id"] for s in json.loads(out.stdout)["streams"]}
    assert {"invoices", "journals", "report_rows", "connections", "project_tasks",
            "invoices_history", "assets"} <= names
    assert "invoices_attachments" not in names  # include_attachments is off


def test_cli_sync_emits_records_and_state(sandbox: Any, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(org_config(sandbox, 0)))
    catalog = json.loads(_cli("--config", str(config), "--discover").stdout)
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] == "currencies"
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    out = _cli("--config", str(config), "--catalog", str(tmp_path / "catalog.json"))
    assert out.returncode == 0, out.stderr[-2000:]
    kinds = [json.loads(line)["type"] for line in out.stdout.splitlines()]
    assert "RECORD" in kinds and kinds[-1] == "STATE"
    assert sandbox.orgs[0]["settings"]["client_secret"] not in out.stdout + out.stderr


def test_stream_maps_and_flattening(sandbox: Any) -> None:
    config = org_config(sandbox, 0, stream_maps={
        "currencies": {"Description": "__NULL__", "code_lower": "Code.lower()"}},
        flattening_enabled=True, flattening_max_depth=1)
    run = run_tap(sandbox, config, ["currencies", "organisation"])
    currency = run.records["currencies"][0]
    assert "Description" not in currency and currency["code_lower"] == currency["Code"].lower()
    org = run.records["organisation"][0]
    flat = [k for k in org if "__" in k]
    assert flat and not any(isinstance(v, dict) for v in org.values())
