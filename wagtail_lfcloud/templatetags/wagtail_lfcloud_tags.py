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
An unknown channel key raises; an unreadable master, or a file storage failing while the
rendition is made (:class:`~wagtail_lfcloud.channels.errors.RenditionStorageError`), renders
nothing and logs a warning.

``{% lfcloud_preview version.image "max-800x600" class="..." %}``
    the admin's preview of a file, **never made in the request**: an existing rendition's
    ``<img>``, or a placeholder while ``tasks.make_preview`` makes it (see
    :mod:`wagtail_lfcloud.assets.previews`). The review, compare and versions pages use it, so they open
    while the originals' storage is unreachable.
"""

from __future__ import annotations

import logging

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from wagtail_lfcloud.assets.previews import existing_preview
from wagtail_lfcloud.channels import get_channel_rendition
from wagtail_lfcloud.channels.errors import ImageError, RenditionStorageError

register = template.Library()
logger = logging.getLogger(__name__)


@register.simple_tag
def channel_rendition(image, key: str, **attrs):
    """The rendition of ``image`` for channel ``key`` (see the module docstring)."""
    if not image:
        return ""
    try:
        rendition = get_channel_rendition(image, key)
    except (ImageError, RenditionStorageError) as e:
        logger.warning("No %s rendition for image %s: %s", key, getattr(image, "pk", image), e)
        return ""
    if attrs:
        return mark_safe(rendition.img_tag({k.replace("_", "-"): v for k, v in attrs.items()}))
    return rendition


@register.simple_tag
def lfcloud_preview(image, spec: str, **attrs):
    """``image``'s existing ``spec`` rendition as ``<img>``, else a placeholder while a task makes
    it (:func:`wagtail_lfcloud.assets.previews.existing_preview`)."""
    rendition = existing_preview(image, spec)
    if rendition is None:
        return format_html(
            '<span class="lfcloud-preview-pending" data-lfcloud-preview-pending>{}</span>',
            _("The preview is being made. Reload the page in a moment."),
        )
    return rendition.img_tag(attrs)
