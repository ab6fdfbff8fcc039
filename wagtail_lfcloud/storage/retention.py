"""Files of asset versions are kept: nothing replaces or deletes them behind the package's back.

- Deleting an image a version uses is refused by the database (``on_delete=PROTECT``) and by
  Wagtail's delete screens (versions are in Wagtail's reference index).
- *Replacing* its file is the other way to lose one: Wagtail's image edit form deletes the old
  file when a new one is chosen. :class:`VersionedFileFormMixin` (through
  ``WAGTAILIMAGES_IMAGE_FORM_BASE``, see :class:`LFCloudImageForm`) locks the file field of such
  images, with a message saying to upload a new version instead; :func:`refuse_file_change`
  refuses the change for any other code path, before anything is written.
- Permanent removal is explicit and logged: ``manage.py lfcloud_purge`` (:mod:`.purge`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from wagtail.images.forms import BaseImageForm

from ..models import AssetVersion


def _versions_using(image_pk):
    return (
        AssetVersion.objects.filter(image_id=image_pk)
        .select_related("asset__product")
        .order_by("number")
    )


def refuse_file_change(sender, instance, raw: bool = False, update_fields=None, **kwargs) -> None:
    """``pre_save`` handler for the image model: refuse a new file on an image a version uses."""
    if raw or instance.pk is None or (update_fields is not None and "file" not in update_fields):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("file", flat=True).first()
    if stored is None or stored == instance.file.name:
        return
    version = _versions_using(instance.pk).first()
    if version is not None:
        raise ValidationError(
            _(
                "The file of %(image)s is version %(n)s of %(asset)s and cannot be replaced; upload a new "
                "version of the asset instead."
            )
            % {"image": instance, "n": version.number, "asset": version.asset},
            code="version_file",
        )


class VersionedFileFormMixin:
    """For Wagtail's image form: the file of an image an asset version uses cannot be changed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk or "file" not in self.fields:
            return
        version = _versions_using(self.instance.pk).first()
        if version is not None:
            field = self.fields["file"]
            # A disabled field ignores what is posted, so the form never sees a new file.
            field.disabled = True
            field.required = False
            field.help_text = _(
                "This file is version %(n)s of %(asset)s. It cannot be replaced here: upload a new version "
                "of the asset instead, so the earlier one is kept."
            ) % {"n": version.number, "asset": version.asset}


class LFCloudImageForm(VersionedFileFormMixin, BaseImageForm):
    """Set ``WAGTAILIMAGES_IMAGE_FORM_BASE = "wagtail_lfcloud.storage.retention.LFCloudImageForm"``.

    With a form base of your own, mix :class:`VersionedFileFormMixin` into it instead.
    """
