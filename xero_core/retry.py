"""The retry schedule the API client and the token client share (python-backoff).

5xx answers, connection errors and read timeouts back off exponentially with full jitter; a
429 waits what its `Retry-After` says, within bounds: a server cannot make a run sleep for
decades (`Retry-After: 1e9`) or crash it (`inf`, `nan`, garbage).

Bounds of `Retry-After`: 0 to MAX_RETRY_AFTER (1 hour) for minute, concurrent and app-minute
429s, for 5xx and at the token endpoint; 0 to MAX_DAY_RETRY_AFTER (24 hours) for a day-limit
429 waited out with `wait_on_day_limit`. Negative values count as 0, larger ones (and `inf`)
as the bound; a value that is not a number (`nan`, text, an HTTP date) is the caller's
default.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import backoff
import requests

from xero_core.limits import H_RETRY_AFTER

TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
MAX_RETRY_AFTER = 3600.0  # 1 hour: minute/concurrent/app-minute 429s, 5xx, token endpoint
MAX_DAY_RETRY_AFTER = 86_400.0  # 24 hours: a day-limit 429 (only with wait_on_day_limit)


def jittered_delays(factor: float, max_value: float) -> Iterator[float]:
    """Seconds to wait before each retry: exponential from `factor`, full jitter, capped."""
    delays = backoff.expo(factor=factor, max_value=max_value)
    next(delays)  # python-backoff's generators are primed with one send(None)
    for delay in delays:
        yield backoff.full_jitter(delay)


def retry_after(
    resp: requests.Response, default: float | None = 60.0, maximum: float = MAX_RETRY_AFTER,
) -> float | None:
    """The answer's `Retry-After` in seconds, clamped to 0..`maximum`; else `default`."""
    value = resp.headers.get(H_RETRY_AFTER)
    if value is None:
        return default
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return default
    if math.isnan(seconds):
        return default
    return min(max(0.0, seconds), maximum)
