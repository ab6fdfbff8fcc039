"""The generation of cached stable-URL targets.

The stable rendition URL (:mod:`wagtail_lfcloud.api.renditions`) caches, per brand x SKU x angle
x channel, the file it redirects to. Whatever changes what that URL should answer, or moves the
file it names (:mod:`.files` moving renditions between public and private storage, the rights
expiry run), starts a new generation with :func:`forget_stable_urls`: every cached target is
then ignored at once (with a shared cache) or within the TTL (with a per-process cache).
"""

from __future__ import annotations

import uuid

from django.core.cache import cache

_GENERATION_KEY = "wagtail_lfcloud:stable:generation"


def forget_stable_urls(**_kwargs) -> None:
    """Start a new generation of cached stable-URL targets (a signal receiver too)."""
    cache.set(_GENERATION_KEY, uuid.uuid4().hex, None)


def generation() -> str:
    """The current generation, started on first use."""
    current = cache.get(_GENERATION_KEY)
    if current is None:
        cache.add(_GENERATION_KEY, uuid.uuid4().hex, None)
        current = cache.get(_GENERATION_KEY, "")
    return current
