"""Uploads sent by the browser or a client straight to S3 (:mod:`wagtail_lfcloud.assets.direct`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DirectUpload(models.Model):
    """One file sent straight to the storage's bucket, waiting to be checked and registered.

    The bytes go to a staging key (``lfcloud-private/uploads/<random>/<name>``) through presigned
    URLs; :func:`~wagtail_lfcloud.assets.direct.register` reads them back, runs the upload checks
    and makes the new version, and the staging object is deleted whatever the outcome.
    """

    class Status(models.TextChoices):
        #: Presigned URLs handed out; the bytes are being sent.
        STARTED = "started", _("Sending")
        #: The client said it finished; checking and registering is queued.
        UPLOADED = "uploaded", _("Checking")
        REGISTERED = "registered", _("Registered")
        REFUSED = "refused", _("Refused")
        ABORTED = "aborted", _("Abandoned")

    brand = models.ForeignKey("wagtail_lfcloud.Brand", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    #: Storage name of the staging object.
    key = models.CharField(max_length=512, unique=True)
    #: S3's multipart upload id; empty for a single PUT.
    multipart_id = models.CharField(max_length=1024, blank=True)
    part_size = models.BigIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.STARTED)
    #: Why it was refused (the upload checks' words) and their stable code.
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    version = models.ForeignKey(
        "wagtail_lfcloud.AssetVersion", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("direct upload")
        verbose_name_plural = _("direct uploads")

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"
