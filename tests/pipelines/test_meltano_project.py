"""meltano.yml declares exactly the settings the tap and the target announce, with their flags."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.pipelines.conftest import REPO, bin_of

PROJECT = yaml.safe_load((REPO / "meltano.yml").read_text())


def plugin(kind: str, name: str) -> dict[str, Any]:
    found = [p for p in PROJECT["plugins"][kind] if p["name"] == name]
    assert len(found) == 1, f"{name} is declared {len(found)} times"
    return found[0]


def about(executable: str) -> dict[str, Any]:
    out = subprocess.run([bin_of(executable), "--about", "--format", "json"], check=True,
                         capture_output=True, text=True).stdout
    return dict(json.loads(out))


EXPECTED_KIND = {"string": {"string", "options", "date_iso8601"}, "integer": {"integer"},
                 "number": {"decimal"}, "boolean": {"boolean"}, "array": {"array"},
                 "object": {"object"}}


def json_type(prop: dict[str, Any]) -> str:
    types = prop.get("type", "object")
    types = [t for t in (types if isinstance(types, list) else [types]) if t != "null"]
    return types[0] if types else "object"


@pytest.mark.parametrize(("kind", "name"), [("extractors", "tap-xero"),
                                            ("loaders", "target-xero")])
def test_settings_match_about(kind: str, name: str) -> None:
    info = about(name)
    announced = info["settings"]["properties"]
    declared = {s["name"]: s for s in plugin(kind, name)["settings"]}
    assert sorted(declared) == sorted(announced)
    for setting, prop in announced.items():
        entry = declared[setting]
        assert bool(entry.get("sensitive")) == bool(prop.get("secret")), setting
        assert entry["kind"] in EXPECTED_KIND[json_type(prop)], setting
        if "enum" in prop:
            assert [o["value"] for o in entry["options"]] == [v for v in prop["enum"] if v]
        if prop.get("description"):
            assert entry.get("description") == prop["description"], setting
    assert set(plugin(kind, name)["capabilities"]) <= set(info["capabilities"]) | {"discover"}


def test_sandbox_environment_points_at_the_sandbox() -> None:
    env = {e["name"]: e for e in PROJECT["environments"]}["sandbox"]
    for group in ("extractors", "loaders"):
        for entry in env["config"]["plugins"][group]:
            assert entry["config"]["api_url"] == entry["config"]["identity_url"]
            assert entry["config"]["api_url"].startswith("http://127.0.0.1:")
    # No default environment: real credentials in .env must never go to the sandbox's port
    # because a run forgot `--environment prod`.
    assert "default_environment" not in PROJECT


def test_sandbox_credentials_are_the_seeded_ones(sandbox: Any) -> None:
    """The client ids in meltano.yml are those `xero-sandbox serve` (seed 42) prints."""
    env = {e["name"]: e for e in PROJECT["environments"]}["sandbox"]["config"]["plugins"]
    tap, target = env["extractors"][0]["config"], env["loaders"][0]["config"]
    org0, org1 = (o["settings"] for o in sandbox.orgs[:2])
    assert (tap["client_id"], tap["client_secret"]) == (org0["client_id"], org0["client_secret"])
    assert (target["client_id"], target["client_secret"]) == (org1["client_id"],
                                                               org1["client_secret"])


def test_no_plugin_needs_meltano_hub() -> None:
    """Every plugin names its pip_url and executable: `meltano install` never asks the Hub."""
    for group in PROJECT["plugins"].values():
        for entry in group:
            assert entry.get("pip_url") and entry.get("namespace"), entry["name"]
            assert "variant" not in entry, entry["name"]


def test_project_files_exist() -> None:
    assert Path(REPO / "meltano.yml").exists()
