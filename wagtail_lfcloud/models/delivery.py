"""Delivery to the outside: download bundles and webhooks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DownloadBundle(models.Model):
    """A zip of channel files for an order or a selection, built in the background when large."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    brand = models.ForeignKey("wagtail_lfcloud.Brand", on_delete=models.CASCADE, related_name="bundles")
    order = models.ForeignKey(
        "wagtail_lfcloud.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="bundles"
    )
    channel = models.CharField(max_length=64)
    #: Asset ids when the bundle is a selection rather than an order.
    asset_ids = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to="lfcloud/bundles/%Y/%m/", blank=True, max_length=255)
    file_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("download bundle")


class WebhookEndpoint(models.Model):
    """A URL that receives signed JSON events for one brand."""

    brand = models.ForeignKey("wagtail_lfcloud.Brand", on_delete=models.CASCADE, related_name="webhooks")
    name = models.CharField(max_length=255)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128, help_text=_("Shared secret for the HMAC-SHA256 signature."))
    events = models.JSONField(default=list, help_text=_("Event names; empty means every event."))
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["brand__name", "name"]
        verbose_name = _("webhook endpoint")

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event sent (or being retried) to one endpoint."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
