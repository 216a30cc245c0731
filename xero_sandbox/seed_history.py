"""Kept for callers outside the sandbox (tests/tap): the seeded history notes and attachments
live in `xero_sandbox.backend.seed_history`."""

from xero_sandbox.backend.seed_history import NOTED_PER_TYPE

__all__ = ["NOTED_PER_TYPE"]
