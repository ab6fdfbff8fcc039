"""A custom image model, to prove the package works with one as well as with wagtailimages.Image."""

from django.db import models
from wagtail.fields import StreamField
from wagtail.images.blocks import ImageChooserBlock
from wagtail.images.models import AbstractImage, AbstractRendition, Image
from wagtail.models import Page


class CustomImage(AbstractImage):
    credit = models.CharField(max_length=255, blank=True)

    admin_form_fields = Image.admin_form_fields + ("credit",)


class CustomRendition(AbstractRendition):
    image = models.ForeignKey(CustomImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("image", "filter_spec", "focal_point_key"), name="testapp_unique_rendition"
            )
        ]


class ProductPage(Page):
    """A page of the host site that shows product photos, as a shop's own Wagtail pages would:
    Wagtail's reference index finds the images it uses, and the Usage view lists the page."""

    body = StreamField([("image", ImageChooserBlock())], blank=True)
