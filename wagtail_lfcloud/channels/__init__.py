"""Channel presets, image operations, compliance checks and the one-decode rendition pipeline.

The helpers most callers need::

    from wagtail_lfcloud.channels import get_channel_rendition, get_preset, get_presets

Submodules: :mod:`.registry` (presets), :mod:`.operations` (filter operations),
:mod:`.compliance` (checks), :mod:`.pipeline` (generation) with :mod:`.decoding` (one decode,
the reduction pyramid), :mod:`.deliverables` (a version's channel set), :mod:`.errors`.
Nothing here touches settings or the database at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import ChannelError, UnknownChannelError
from .pipeline import generate_renditions
from .registry import ChannelPreset, get_preset, get_presets

if TYPE_CHECKING:
    from wagtail.images.models import AbstractImage, AbstractRendition

__all__ = [
    "ChannelError",
    "ChannelPreset",
    "UnknownChannelError",
    "get_channel_rendition",
    "get_preset",
    "get_presets",
]


def get_channel_rendition(image: AbstractImage, key: str) -> AbstractRendition:
    """The Wagtail rendition of ``image`` for channel ``key``.

    An existing rendition is found the way ``image.get_rendition`` finds it (prefetch, cache,
    one query); a missing one is generated through the one-decode pipeline. Raises
    :class:`UnknownChannelError` for an unknown key.
    """
    get_preset(key)  # a channel key, never a raw filter spec
    return generate_renditions(image, [key])[key]
