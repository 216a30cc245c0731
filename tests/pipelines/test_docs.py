"""docs/tap-xero.md and docs/target-xero.md match what the code announces."""

from __future__ import annotations

import sys

from tests.pipelines.conftest import REPO, run


def test_generated_docs_are_current() -> None:
    done = run([sys.executable, str(REPO / "docs" / "generate.py"), "--check"], check=False)
    assert done.returncode == 0, done.stderr


def test_docs_list_every_setting() -> None:
    text = (REPO / "docs" / "tap-xero.md").read_text()
    for name in ("client_id", "token_store_path", "include_history", "report_timeframe"):
        assert f"| {name} |" in text
    assert "| invoices |" in text and "| report_rows |" in text
