"""A token bucket, as a pure function: a partner key's checks are limited to a rate with a burst.

The state is two numbers (tokens left, when they were counted); the caller keeps them and passes
the time in (a monotonic clock in seconds), so the rule stays free of clocks and locks."""

from __future__ import annotations

import math

# Refills are sums of floats: a request exactly one interval after the last may find 0.999999...
# tokens. Within this much of a whole token it is whole.
EPSILON = 1e-9


def take(tokens: float, stamp: float, now: float, rate: float, burst: float) -> tuple[float, float, float]:
    """One request at `now` against a bucket of `burst` tokens refilled at `rate` per second:
    (tokens left, their stamp, seconds to wait). A wait of 0 admits the request (it spent a
    token); otherwise the bucket is unchanged and the wait is when the next token is whole."""
    if now > stamp:
        tokens = min(burst, tokens + (now - stamp) * rate)
        stamp = now
    if tokens >= 1.0 - EPSILON:
        return max(0.0, tokens - 1.0), stamp, 0.0
    return tokens, stamp, (1.0 - tokens) / rate


def retry_after_header(wait: float) -> str:
    """`Retry-After` in whole seconds (RFC 9110), never 0 for a refused request."""
    return str(max(1, math.ceil(wait)))
