"""Vendor limits (configurable so tests stay fast) and the sliding-window rate limiter behind 429s."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Limits:
    zendesk_requests_per_minute: int = 10
    typeform_requests_per_second: float = 2
    amplitude_max_events_per_export: int = 500_000  # above this: 400, so clients split the window
    amplitude_availability_delay: timedelta = timedelta(hours=2)
    typeform_visibility_delay: timedelta = timedelta(minutes=30)
    zendesk_scrub_deleted_after: timedelta = timedelta(days=30)
    zendesk_too_recent: timedelta = timedelta(minutes=1)  # start_time newer than now - this: 422
    zendesk_max_per_page: int = 1000
    typeform_max_page_size: int = 1000
    typeform_default_page_size: int = 25
    typeform_forms_max_page_size: int = 200
    typeform_forms_default_page_size: int = 10
    amplitude_events_per_part: int = 20_000  # events per `#n` ZIP entry within an upload hour


class RateLimiter:
    """At most `max_requests` accepted in any sliding `window_seconds`, measured on the real clock.

    Real time (not the simulated clock) because clients really wait out `Retry-After`.
    Refused requests do not count against the budget.
    """

    def __init__(self, max_requests: int, window_seconds: float) -> None:
        if max_requests < 1 or window_seconds <= 0:
            raise ValueError("a rate limit needs max_requests >= 1 and a positive window")
        self.max_requests = max_requests
        self.window_seconds = window_seconds
        self._accepted: deque[float] = deque()
        self._lock = threading.Lock()

    @classmethod
    def per_second(cls, rate: float) -> RateLimiter:
        """`rate` requests per second; fractional rates become one request per 1/rate seconds."""
        if rate >= 1:
            return cls(int(rate), 1.0)
        return cls(1, 1.0 / rate)

    def acquire(self) -> int | None:
        """Accept the request (None) or return the whole seconds to wait before retrying."""
        with self._lock:
            now = time.monotonic()
            while self._accepted and now - self._accepted[0] >= self.window_seconds:
                self._accepted.popleft()
            if len(self._accepted) < self.max_requests:
                self._accepted.append(now)
                return None
            wait = self.window_seconds - (now - self._accepted[0])
            return max(1, math.ceil(wait))
