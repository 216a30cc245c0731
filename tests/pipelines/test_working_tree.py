"""The pipeline tests run this working tree, not a copy installed earlier.

They call the console scripts next to the running Python and Meltano's plugin venvs (cached
between sessions): both must import the packages from this checkout (an editable install), or
every pipeline test would pass on stale code.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.pipelines.conftest import REPO, Meltano, bin_of

PACKAGES = ("tap_xero", "target_xero", "xero_core", "xero_sandbox", "xero_webhooks")


def _imported_from(python: str | Path, package: str) -> Path:
    # From another folder: `python -c` puts the current folder first on sys.path, which would
    # find the checkout whatever is installed.
    done = subprocess.run([str(python), "-c", f"import {package}; print({package}.__file__)"],
                          capture_output=True, text=True, timeout=120, check=True, cwd="/")
    return Path(done.stdout.strip()).resolve()


@pytest.mark.parametrize("package", PACKAGES)
def test_console_scripts_run_the_working_tree(package: str) -> None:
    script = Path(bin_of("tap-xero"))
    assert script.exists(), f"{script}: install the project with pip install -e ."
    python = Path(sys.executable)
    assert _imported_from(python, package).is_relative_to(REPO), (
        f"{package} is imported from an installed copy, not {REPO}: pip install -e .")


@pytest.mark.meltano
@pytest.mark.parametrize(("kind", "plugin", "package"), [
    ("extractors", "tap-xero", "tap_xero"), ("loaders", "target-xero", "target_xero")])
def test_meltano_plugins_run_the_working_tree(meltano: Meltano, kind: str, plugin: str,
                                              package: str) -> None:
    python = meltano.sys_dir / kind / plugin / "venv" / "bin" / "python"
    assert _imported_from(python, package).is_relative_to(REPO)
