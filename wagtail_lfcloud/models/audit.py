"""The audit log of brand-owned objects: Wagtail's log entry, plus whose brand it belongs to."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models.audit_log import BaseLogEntry, ModelLogEntryManager


class BrandLogEntryManager(ModelLogEntryManager):
    def get_queryset(self):
        # Newest first, as Wagtail's log models are; set here rather than in Meta.ordering (see
        # BrandLogEntry.Meta).
        return super().get_queryset().order_by("-timestamp", "-id")

    def log_action(self, instance, action, **kwargs):
        # cycle: access imports the models
        from ..access.audit import audience_of

        if "brand_id" not in kwargs and "brand" not in kwargs:
            kwargs["brand_id"], kwargs["capability"] = audience_of(instance, action)
        return super().log_action(instance, action, **kwargs)

    def viewable_by_user(self, user):
        """Wagtail's rule (a model permission on the entry's content type) and the brand's.

        An entry stamped with a brand is only listed to users holding the entry's capability on
        that brand; an entry without a brand (an image outside every brand's library) follows
        Wagtail's rule alone. Superusers see everything.
        """
        # cycle: access imports the models
        from ..access.audit import visible_entries

        return visible_entries(self.get_queryset(), user)


class BrandLogEntry(BaseLogEntry):
    """A log entry (Wagtail's ``ModelLogEntry`` fields) stamped with the brand it belongs to.

    Wagtail writes the log lines of the package's models and of the image model here
    (``log_registry.register_model``), so its site history report, which lists every log model's
    ``viewable_by_user()``, shows each person only their own brands' lines. ``brand`` and
    ``capability`` are fixed when the line is written: the object's brand, and the capability
    (:data:`wagtail_lfcloud.access.capabilities.CAPABILITIES`) a person needs on that brand to read it.
    """

    object_id = models.CharField(max_length=255, blank=False, db_index=True)
    brand = models.ForeignKey(
        "wagtail_lfcloud.Brand",
        null=True,
        blank=True,
        # Kept when the brand is deleted: its lines stay hidden from everyone but superusers.
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("brand"),
    )
    capability = models.CharField(
        _("capability"),
        max_length=32,
        blank=True,
        help_text=_("What a person needs on the brand to see this line (empty: no brand)."),
    )

    objects = BrandLogEntryManager()

    class Meta(BaseLogEntry.Meta):
        # No Meta.ordering: Wagtail's site history report unions every log model's entries, and on
        # Django 6.1 with SQLite a nested union whose first model has a default ordering fails
        # ("ORDER BY not allowed in subqueries of compound statements"). BrandLogEntry is listed
        # first (wagtail_lfcloud.access.audit.register_log_models); the manager orders instead.
        ordering = []
        verbose_name = _("brand log entry")
        verbose_name_plural = _("brand log entries")
        indexes = [
            *BaseLogEntry.Meta.indexes,
            models.Index(fields=["content_type", "object_id"], name="lfcloud_log_object"),
            models.Index(fields=["brand", "capability"], name="lfcloud_log_audience"),
        ]

    def __str__(self) -> str:
        return f"BrandLogEntry {self.pk}: {self.action!r} on {self.object_verbose_name!r} with id {self.object_id}"
