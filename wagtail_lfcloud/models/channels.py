"""The record of a channel deliverable; the pixels are an ordinary Wagtail rendition."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


def _public_storage():
    # cycle: storage imports the models (a FileField's storage callable)
    from ..storage.privacy import FOLLOWING_PUBLIC

    return FOLLOWING_PUBLIC


class ChannelRendition(models.Model):
    """A version's file for one channel preset, with the result of its compliance checks.

    The rendition itself is found by ``(version.image, filter_spec)``; rendition primary keys
    returned by Wagtail's ``get_renditions()`` may be ``None``, so none is stored. A clip's channel
    file (``filter_spec`` ``video:<channel>``) is no Wagtail rendition: its transcode and poster
    frame are stored on the row (``file``, ``poster``), made only for approved clips (public
    storage, like approved renditions).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Compliance(models.TextChoices):
        PASS = "pass", _("Pass")
        WARN = "warn", _("Warning")
        FAIL = "fail", _("Fail")

    version = models.ForeignKey(
        "wagtail_lfcloud.AssetVersion", on_delete=models.CASCADE, related_name="channel_renditions"
    )
    channel = models.CharField(_("channel"), max_length=64)
    filter_spec = models.CharField(max_length=255)
    #: The file name downloads and bundles use (naming convention or the channel's export pattern).
    file_name = models.CharField(max_length=255, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    format = models.CharField(max_length=16, blank=True)
    #: List of check results: ``{"code", "status", "message", "measured", "limit"}``.
    compliance = models.JSONField(default=list, blank=True)
    compliance_status = models.CharField(max_length=8, choices=Compliance.choices, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    error = models.TextField(blank=True)
    #: A clip's transcode for the channel, and its poster frame (empty for images).
    file = models.FileField(
        storage=_public_storage, upload_to="lfcloud-video/", max_length=255, blank=True
    )
    poster = models.FileField(
        storage=_public_storage, upload_to="lfcloud-video/", max_length=255, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["version", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "channel"], name="lfcloud_channelrendition_unique"
            ),
        ]
        verbose_name = _("channel rendition")
        verbose_name_plural = _("channel renditions")

    def __str__(self) -> str:
        return f"{self.version} {self.channel}"

    @property
    def is_clip(self) -> bool:
        return self.filter_spec.startswith("video:")
