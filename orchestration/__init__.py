"""Orchestration recipes: one Meltano run per Xero tenant, in parallel, each with its own state."""
