"""Usage insights: how often each version's files went out, per channel, kind and day.

One row per version x channel x kind x day, never one row per hit: the delivery paths count in
memory and :func:`wagtail_lfcloud.delivery.usage.flush` adds the totals here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class UsageKind(models.TextChoices):
    ADMIN_DOWNLOAD = "admin_download", _("Admin downloads")
    BUNDLE_EXPORT = "bundle_export", _("Bundle exports")
    API_FETCH = "api_fetch", _("API fetches")
    STABLE_TOKEN = "stable_token", _("Stable URL hits (token)")
    STABLE_PUBLIC = "stable_public", _("Stable URL hits (public)")


class UsageDaily(models.Model):
    """How many times ``version``'s ``channel`` file went out by ``kind`` on ``day`` (UTC)."""

    brand = models.ForeignKey("wagtail_lfcloud.Brand", on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey(
        "wagtail_lfcloud.Asset", on_delete=models.CASCADE, related_name="usage_days"
    )
    version = models.ForeignKey(
        "wagtail_lfcloud.AssetVersion", on_delete=models.CASCADE, related_name="usage_days"
    )
    #: The channel preset key; empty for the original file (admin downloads).
    channel = models.CharField(_("channel"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=UsageKind.choices)
    day = models.DateField(_("day"))
    count = models.PositiveBigIntegerField(_("count"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "channel", "kind", "day"], name="lfcloud_usage_one_row_per_day"
            ),
        ]
        indexes = [models.Index(fields=["brand", "day"], name="lfcloud_usage_brand_day")]
        verbose_name = _("daily usage")
        verbose_name_plural = _("daily usage")

    def __str__(self) -> str:
        return f"{self.version} {self.channel or 'original'} {self.kind} {self.day}: {self.count}"
