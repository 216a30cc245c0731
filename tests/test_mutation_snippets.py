"""scripts/mutation_check.py breaks exact snippets of the source: each must still be found
exactly once, or the mutation check stops with an error instead of measuring anything."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_mutation_snippet_is_in_its_file_once() -> None:
    spec = importlib.util.spec_from_file_location("mutation_check",
                                                  ROOT / "scripts" / "mutation_check.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    assert len(module.MUTATIONS) >= 20
    stale = [f"{m.what} ({m.path})" for m in module.MUTATIONS
             if (ROOT / m.path).read_text().count(m.old) != 1]
    assert not stale, "mutation snippets not found exactly once: " + "; ".join(stale)
    missing = [t for m in module.MUTATIONS for t in m.tests if not (ROOT / t).exists()]
    assert not missing, f"mutation tests that do not exist: {missing}"
