"""The retry schedule the API client and the token client share (python-backoff).

5xx answers, connection errors and read timeouts back off exponentially with full jitter; a
429 waits what its `Retry-After` says.
"""

from __future__ import annotations

from collections.abc import Iterator

import backoff
import requests

from xero_core.limits import H_RETRY_AFTER

TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})


def jittered_delays(factor: float, max_value: float) -> Iterator[float]:
    """Seconds to wait before each retry: exponential from `factor`, full jitter, capped."""
    delays = backoff.expo(factor=factor, max_value=max_value)
    next(delays)  # python-backoff's generators are primed with one send(None)
    for delay in delays:
        yield backoff.full_jitter(delay)


def retry_after(resp: requests.Response, default: float | None = 60.0) -> float | None:
    """The answer's `Retry-After` in seconds (never negative), else `default`."""
    value = resp.headers.get(H_RETRY_AFTER)
    try:
        return max(0.0, float(value)) if value is not None else default
    except ValueError:
        return default
