"""tap-xero and target-xero use singer-sdk's public surface only: a private SDK member (a
`_name` singer-sdk defines, or an import from a private SDK module) may appear in the one
compat module, xero_core/sdk_compat.py, and nowhere else.
"""

from __future__ import annotations

import ast
from pathlib import Path

import singer_sdk

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("xero_core", "tap_xero", "target_xero", "xero_sandbox", "xero_webhooks")
COMPAT = ROOT / "xero_core" / "sdk_compat.py"


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def sdk_private_names() -> set[str]:
    """Every private method and attribute singer-sdk defines."""
    names: set[str] = set()
    for path in Path(singer_sdk.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
    return {n for n in names if _private(n)}


def _own_files() -> list[Path]:
    return [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py")) if p != COMPAT]


def private_uses(path: Path, private: set[str]) -> list[str]:
    """`file:line name` for each use of a private SDK member in `path`."""
    found: list[str] = []
    tree = ast.parse(path.read_text())
    rel = path.relative_to(ROOT)
    for node in ast.walk(tree):
        hits: list[str] = []
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("singer_sdk"):
            hits += [node.module or ""] if any(_private(p) for p in node.module.split(".")) else []
            hits += [a.name for a in node.names if _private(a.name)]
        elif isinstance(node, ast.Attribute) and node.attr in private:
            hits.append(node.attr)
        elif isinstance(node, ast.ClassDef):  # a method overriding a private SDK one
            hits += [f"def {f.name}" for f in node.body
                     if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                     and f.name in private]
        found += [f"{rel}:{node.lineno} {h}" for h in hits]
    return found


def test_the_scanner_sees_private_members() -> None:
    private = sdk_private_names()
    assert {"_sync_records", "_process_record_message", "_drain_all"} <= private
    sample = ROOT / "tests" / "_scanner_sample.py"
    sample.write_text("from singer_sdk.helpers._catalog import x\n"
                      "class S:\n    def _drain_all(self):\n        self._sinks_active\n")
    try:
        uses = private_uses(sample, private)
    finally:
        sample.unlink()
    assert [u.split(" ", 1)[1] for u in uses] == [
        "singer_sdk.helpers._catalog", "def _drain_all", "_sinks_active"]


def test_no_private_sdk_member_outside_the_compat_module() -> None:
    private = sdk_private_names()
    uses = [u for p in _own_files() for u in private_uses(p, private)]
    assert not uses, "private singer-sdk members outside xero_core/sdk_compat.py:\n" + "\n".join(
        uses)
