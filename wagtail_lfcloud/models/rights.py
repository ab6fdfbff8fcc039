"""Usage rights: what a brand may do with an asset's pictures, where, and until when.

One :class:`UsageRights` row belongs to exactly one of: an asset (its rights), one version of an
asset (an override where that file's rights differ, e.g. a different model), or an order (the
default rights its uploads inherit). Delivery asks
:func:`wagtail_lfcloud.delivery.rights.deliverable` before handing out any file.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

#: Fields whose changes are written to the audit log (the releases are added by the form).
AUDITED_FIELDS = (
    "channels",
    "territories",
    "starts_at",
    "expires_at",
    "licensor",
    "reference",
    "notes",
)
#: The three kinds of release documents.
RELEASE_FIELDS = ("model_releases", "location_releases", "property_releases")


class UsageRights(models.Model):
    """The licence under which an asset (or one version, or an order's uploads) may be used.

    Empty ``channels`` means every channel, empty ``territories`` worldwide, no ``starts_at`` "from
    now", no ``expires_at`` "for ever".
    """

    brand = models.ForeignKey(
        "wagtail_lfcloud.Brand", on_delete=models.CASCADE, related_name="usage_rights"
    )
    asset = models.OneToOneField(
        "wagtail_lfcloud.Asset",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rights",
    )
    version = models.OneToOneField(
        "wagtail_lfcloud.AssetVersion",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rights",
    )
    #: Rights of an order are the defaults every asset it produces inherits at its first upload.
    order = models.OneToOneField(
        "wagtail_lfcloud.Order",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="default_rights",
    )
    #: Channel preset keys the pictures may be delivered to; empty means every channel.
    channels = models.JSONField(_("allowed channels"), default=list, blank=True)
    #: ISO 3166-1 alpha-2 country codes (``DE``, ``US``); empty means worldwide.
    territories = models.JSONField(_("territories"), default=list, blank=True)
    starts_at = models.DateTimeField(_("usable from"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True, db_index=True)
    #: Who granted the licence: the photographer, agency or model agency.
    licensor = models.CharField(_("licensor"), max_length=255, blank=True)
    #: The licensor's reference (contract, invoice or licence number).
    reference = models.CharField(_("licence reference"), max_length=255, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    model_releases = models.ManyToManyField(
        "wagtaildocs.Document", blank=True, related_name="+", verbose_name=_("model releases")
    )
    location_releases = models.ManyToManyField(
        "wagtaildocs.Document", blank=True, related_name="+", verbose_name=_("location releases")
    )
    property_releases = models.ManyToManyField(
        "wagtaildocs.Document", blank=True, related_name="+", verbose_name=_("property releases")
    )
    #: The ``expires_at`` the "expiring soon" warning was sent for (a new date warns again).
    expiring_notified_for = models.DateTimeField(null=True, blank=True, editable=False)
    #: The ``expires_at`` whose expiry was applied (webhook sent, caches purged).
    expired_applied_for = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(asset__isnull=False, version__isnull=True, order__isnull=True)
                    | Q(asset__isnull=True, version__isnull=False, order__isnull=True)
                    | Q(asset__isnull=True, version__isnull=True, order__isnull=False)
                ),
                name="lfcloud_rights_one_owner",
            ),
            models.CheckConstraint(
                condition=(
                    Q(starts_at__isnull=True)
                    | Q(expires_at__isnull=True)
                    | Q(starts_at__lt=models.F("expires_at"))
                ),
                name="lfcloud_rights_start_before_expiry",
            ),
        ]
        verbose_name = _("usage rights")
        verbose_name_plural = _("usage rights")

    def __str__(self) -> str:
        return str(_("Usage rights of %(owner)s") % {"owner": self.owner})

    @property
    def owner(self):
        """The asset, version or order these rights belong to."""
        return self.version or self.asset or self.order

    def copy_terms(self, **owner) -> UsageRights:
        """A new, saved row with the same terms and releases for another owner (``asset=...``)."""
        copy = UsageRights.objects.create(
            brand_id=self.brand_id,
            **owner,
            **{name: getattr(self, name) for name in AUDITED_FIELDS},
        )
        for name in RELEASE_FIELDS:
            getattr(copy, name).set(getattr(self, name).all())
        return copy
