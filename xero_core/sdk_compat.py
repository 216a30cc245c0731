"""The one place that touches singer-sdk beyond its public surface.

Each use below is there because the SDK has no public extension point for it yet; each names
the upstream issue and is pinned by a test (tests/*/test_sdk_compat.py) that fails with a
clear message when the SDK changes it. tests/test_sdk_surface.py fails on any private SDK
member used anywhere else.
"""

from __future__ import annotations

# --- tap --------------------------------------------------------------------------------------

# --- target -----------------------------------------------------------------------------------
