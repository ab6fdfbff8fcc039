"""Rate limits per API token, with django-ninja's throttling (``429`` with ``Retry-After``).

Reads go through :class:`TokenReadThrottle`, writes (any method but GET/HEAD/OPTIONS) through
:class:`TokenWriteThrottle`; each counts per token in Django's default cache. The rates are the
settings ``WAGTAIL_LFCLOUD_API_READ_RATE`` and ``WAGTAIL_LFCLOUD_API_WRITE_RATE`` (``"1200/min"``
style, ``None`` for no limit), read on every request.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

from ..conf import lfcloud_settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class _TokenThrottle(SimpleRateThrottle):
    #: Name of the lfcloud setting holding the rate.
    setting: str = ""
    #: Whether this throttle counts writes (True) or reads (False).
    writes: bool = False

    def __init__(self):
        # The rate is a setting read per request (override_settings, no import-time reads).
        self.rate = None
        self.num_requests = self.duration = None

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "auth", None)
        if token is None or (request.method not in SAFE_METHODS) != self.writes:
            return None
        # The token's digest: unique per token and stable across databases (pks are reused in tests).
        ident = getattr(token, "key_hash", None) or getattr(token, "pk", None)
        return f"lfcloud_throttle_{self.scope}_{ident}"

    def allow_request(self, request: HttpRequest) -> bool:
        rate = getattr(lfcloud_settings, self.setting)
        if not rate:
            return True
        self.rate = rate
        self.num_requests, self.duration = self.parse_rate(rate)
        return super().allow_request(request)


class TokenReadThrottle(_TokenThrottle):
    scope = "read"
    setting = "API_READ_RATE"


class TokenWriteThrottle(_TokenThrottle):
    scope = "write"
    setting = "API_WRITE_RATE"
    writes = True


def throttles() -> list[SimpleRateThrottle]:
    return [TokenReadThrottle(), TokenWriteThrottle()]
