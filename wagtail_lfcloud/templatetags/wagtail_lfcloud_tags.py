"""Template tags for channel renditions.

``{% load wagtail_lfcloud_tags %}``

``{% channel_rendition image "amazon_main" %}``
    renders the channel's ``<img>`` (``src``, ``width``, ``height``, ``alt``).
``{% channel_rendition image "amazon_main" class="zoom" loading="lazy" %}``
    adds attributes to the ``<img>``.
``{% channel_rendition image "amazon_main" as amazon %}``
    stores the Wagtail rendition instead (``{{ amazon.url }}``, ``{{ amazon.width }}``).

A missing rendition is generated on the spot through the one-decode pipeline, like
Wagtail's ``{% image %}`` does; pre-generate channel sets in a task for pages that matter.
An unknown channel key raises; an unreadable master renders nothing and logs a warning.
"""

from __future__ import annotations

import logging

from django import template
from django.utils.safestring import mark_safe

from wagtail_lfcloud.channels import get_channel_rendition
from wagtail_lfcloud.channels.errors import ImageError

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag
def channel_rendition(image, key: str, **attrs):
    """The rendition of ``image`` for channel ``key`` (see the module docstring)."""
    if not image:
        return ""
    try:
        rendition = get_channel_rendition(image, key)
    except ImageError as e:
        logger.warning("No %s rendition for image %s: %s", key, getattr(image, "pk", image), e)
        return ""
    if attrs:
        return mark_safe(rendition.img_tag({k.replace("_", "-"): v for k, v in attrs.items()}))
    return rendition
