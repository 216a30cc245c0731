"""Run the configured sync command for one tenant, with XERO_TENANT_ID and XERO_STREAMS set.

The tenant id and the streams reach the command only as environment variables: the command
string is run as given, never formatted with them (quote them in it: "$XERO_TENANT_ID"). The
receiver's own secrets (XERO_WEBHOOK_KEY and any other XERO_WEBHOOK_* variable) are removed
from the command's environment.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Mapping

log = logging.getLogger(__name__)

#: Variables of the receiver that the sync command does not get (the webhook signing key).
PRIVATE_ENV_PREFIX = "XERO_WEBHOOK_"


class SyncFailed(RuntimeError):
    """The sync command exited non-zero or timed out (the debouncer retries it)."""


class CommandRunner:
    """Runs `command` through the shell once per call; the outcome goes to the log, and a
    failure raises SyncFailed so the caller can retry."""

    def __init__(self, command: str, *, cwd: str | None = None,
                 env: Mapping[str, str] | None = None, timeout: float | None = None) -> None:
        self.command = command
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        self.timeout = timeout
        self.runs = 0

    def environment(self, tenant_id: str, streams: frozenset[str]) -> dict[str, str]:
        source = os.environ if self.env is None else self.env
        base = {k: v for k, v in source.items() if not k.upper().startswith(PRIVATE_ENV_PREFIX)}
        base.update(XERO_TENANT_ID=tenant_id, XERO_STREAMS=",".join(sorted(streams)))
        return base

    def __call__(self, tenant_id: str, streams: frozenset[str]) -> None:
        self.runs += 1
        began = time.perf_counter()
        log.info("running the sync for tenant %s (streams: %s)", tenant_id,
                 ",".join(sorted(streams)) or "-")
        try:
            done = subprocess.run(self.command, shell=True, cwd=self.cwd,
                                  env=self.environment(tenant_id, streams),
                                  timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            raise SyncFailed(f"the sync for tenant {tenant_id} timed out after "
                             f"{self.timeout}s") from None
        seconds = time.perf_counter() - began
        if done.returncode:
            raise SyncFailed(f"the sync for tenant {tenant_id} exited with code "
                             f"{done.returncode} after {seconds:.1f}s")
        else:
            log.info("the sync for tenant %s finished in %.1fs", tenant_id, seconds)
