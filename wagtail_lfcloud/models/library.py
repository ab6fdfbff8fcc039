"""Records of which Wagtail collection holds which part of a brand's library, and of roles."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import Collection


class Stage(models.TextChoices):
    """The three sides of a brand's library."""

    RAW = "raw", _("Raw and drafts")
    FINALS = "finals", _("Approved finals")
    ARCHIVE = "archive", _("Archive")


class BrandCollection(models.Model):
    """Which collection holds ``brand`` x ``stage`` [x ``catalog`` [x ``season``]].

    Lookups go through these keys, never through collection names, so renaming a brand,
    catalog or season renames the collections and nothing is created twice.
    ``stage`` is empty for the brand's own top collection.
    """

    brand = models.ForeignKey(
        "wagtail_lfcloud.Brand", on_delete=models.CASCADE, related_name="collections"
    )
    stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    catalog = models.ForeignKey(
        "wagtail_lfcloud.Catalog", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    season = models.ForeignKey(
        "wagtail_lfcloud.Season", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    collection = models.OneToOneField(
        Collection, on_delete=models.CASCADE, related_name="lfcloud_place"
    )

    class Meta:
        # NULL never equals NULL in a unique index, so each shape of place gets its own constraint.
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "stage"],
                condition=models.Q(catalog__isnull=True, season__isnull=True),
                name="lfcloud_place_unique_stage",
            ),
            models.UniqueConstraint(
                fields=["brand", "stage", "catalog"],
                condition=models.Q(catalog__isnull=False, season__isnull=True),
                name="lfcloud_place_unique_catalog",
            ),
            models.UniqueConstraint(
                fields=["brand", "stage", "season"],
                condition=models.Q(catalog__isnull=True, season__isnull=False),
                name="lfcloud_place_unique_season",
            ),
            models.UniqueConstraint(
                fields=["brand", "stage", "catalog", "season"],
                condition=models.Q(catalog__isnull=False, season__isnull=False),
                name="lfcloud_place_unique_catalog_season",
            ),
        ]
        verbose_name = _("brand collection")

    def __str__(self) -> str:
        return f"{self.brand} / {self.stage or '-'} / {self.catalog or '-'} / {self.season or '-'}"


class Role(models.TextChoices):
    """The jobs people do for a brand; each maps onto one Wagtail group per brand."""

    BRAND_ADMIN = "brand_admin", _("Brand admin")
    MARKETER = "marketer", _("Marketer")
    APPROVER = "approver", _("Approver")
    STUDIO = "studio", _("Studio (retoucher)")
    FINANCE = "finance", _("Finance")


class BrandRole(models.Model):
    """Links a Django group to a brand and a role. Membership of the group is membership of the role."""

    brand = models.ForeignKey(
        "wagtail_lfcloud.Brand", on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="lfcloud_role")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "role"], name="lfcloud_brandrole_unique"),
        ]
        verbose_name = _("brand role")

    def __str__(self) -> str:
        return f"{self.brand}: {self.get_role_display()}"
