"""A wrongly typed secret setting is named in the log, never shown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SECRET = 987654321987


@pytest.mark.parametrize("script", ["tap-xero", "target-xero"])
@pytest.mark.parametrize("setting", ["client_secret", "refresh_token"])
def test_config_error_names_the_secret_setting_without_its_value(
        tmp_path: Path, script: str, setting: str) -> None:
    config = {"client_id": "abc", "client_secret": "s" * 12, setting: SECRET}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    args = [str(Path(sys.executable).parent / script), "--config", str(path)]
    done = subprocess.run(args, input="", capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert str(SECRET) not in output
    assert f"config['{setting}'] is not valid" in output
