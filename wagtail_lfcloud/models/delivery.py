"""Delivery to the outside: download bundles and webhooks."""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..delivery.outbound import RefusedURL, check_url


class DownloadBundle(models.Model):
    """A zip of channel files for an order or a selection, built in the background when large."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    brand = models.ForeignKey(
        "wagtail_lfcloud.Brand", on_delete=models.CASCADE, related_name="bundles"
    )
    order = models.ForeignKey(
        "wagtail_lfcloud.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bundles",
    )
    channel = models.CharField(max_length=64)
    #: Asset ids when the bundle is a selection rather than an order.
    asset_ids = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(upload_to="lfcloud/bundles/%Y/%m/", blank=True, max_length=255)
    file_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("download bundle")

    def __str__(self) -> str:
        return _("%(channel)s bundle #%(pk)s") % {"channel": self.channel, "pk": self.pk}


def validate_webhook_secret(value: str) -> None:
    """A Standard Webhooks secret: ``whsec_`` and the base64 of 24 to 64 random bytes."""
    prefix = "whsec_"
    try:
        key = (
            base64.b64decode(value[len(prefix) :], validate=True)
            if value.startswith(prefix)
            else b""
        )
    except (binascii.Error, ValueError):
        key = b""
    if not 24 <= len(key) <= 64:
        raise ValidationError(
            _(
                "Use a secret of the form whsec_<base64 of 24 to 64 random bytes>, or leave it empty to get one."
            ),
            code="invalid_secret",
        )


class WebhookEndpoint(models.Model):
    """A URL that receives signed JSON events for one brand."""

    brand = models.ForeignKey(
        "wagtail_lfcloud.Brand", on_delete=models.CASCADE, related_name="webhooks"
    )
    name = models.CharField(max_length=255)
    url = models.URLField(
        max_length=500,
        help_text=_("A public http(s) address; internal and private addresses are refused."),
    )
    secret = models.CharField(
        max_length=200,  # whsec_ + base64 of 64 bytes, or of a migrated 128-character secret
        validators=[validate_webhook_secret],
        help_text=_("Standard Webhooks signing secret (whsec_...)."),
    )
    events = models.JSONField(default=list, help_text=_("Event names; empty means every event."))
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["brand__name", "name"]
        verbose_name = _("webhook endpoint")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.url:
            try:
                check_url(self.url)
            except RefusedURL as exc:
                raise ValidationError({"url": str(exc)}) from exc


class WebhookDelivery(models.Model):
    """One event sent (or being retried) to one endpoint."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        #: An attempt failed; the next one is due at ``next_attempt_at``.
        RETRY = "retry", _("Retry pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    #: The receiver's HTTP status; empty when no answer came back (or the address was refused).
    response_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: When the next attempt may run (pending and retry); also a lease while one is running.
    next_attempt_at = models.DateTimeField(
        _("next attempt at"), null=True, blank=True, db_index=True
    )
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    #: How long the last attempt took, in milliseconds.
    duration_ms = models.PositiveIntegerField(_("time (ms)"), null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return _("%(event)s delivery #%(pk)s") % {"event": self.event, "pk": self.pk}


class BrandAPIToken(models.Model):
    """The brand and scopes of a Wagtail API token made by a brand admin for a headless frontend.

    The token authenticates as its creator, but only for ``brand`` and only for the capabilities
    its ``scopes`` grant (:data:`wagtail_lfcloud.access.capabilities.TOKEN_SCOPES`), and never more
    than its creator's own roles. Tokens without this row (made by a superuser in Settings → API
    tokens) follow their user's roles.
    """

    token = models.OneToOneField(
        "wagtailcore.APIToken", on_delete=models.CASCADE, related_name="lfcloud_scope"
    )
    brand = models.ForeignKey(
        "wagtail_lfcloud.Brand",
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("brand"),
    )
    #: Scope names, e.g. ``["read"]``; a list so write scopes can be added later.
    scopes = models.JSONField(_("scopes"), default=list)

    class Meta:
        verbose_name = _("brand API token")
        verbose_name_plural = _("brand API tokens")

    def __str__(self) -> str:
        return f"{self.token} ({self.brand})"
