"""Public links in the admin: an asset's signed CDN URLs per channel, and the brand key's rotation.

* ``assets/<pk>/public-links/`` (``share_public_links``: brand admins, marketers): the asset's
  never-expiring public URL for each of its channels, and a form making a link that expires after
  a number of days (nothing is stored: the link is signed on the spot);
* ``brands/<slug>/public-links/rotate/`` (``manage_api_tokens``: brand admins): a new signing key
  for the brand, after a confirmation; every link handed out before stops working and the
  never-expiring ones are purged from the CDN (:func:`~wagtail_lfcloud.delivery.public_urls.rotate_key`).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages

from ..access.capabilities import brands_with, has_capability
from ..access.scoping import get_for_user_or_404
from ..channels.registry import get_presets
from ..delivery.public_urls import public_poster_url, public_url, purging_configured, rotate_key
from ..delivery.rights import deliverable
from ..models import Asset, VersionStatus
from ..video.presets import get_video_presets
from .base import LFCloudPageMixin

CAPABILITY = "share_public_links"
ROTATE_CAPABILITY = "manage_api_tokens"


class ExpiringLinkForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"))
    days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"),
        min_value=1,
        max_value=3650,
        initial=7,
        help_text=gettext_lazy("The link stops working after this; it can't be extended."),
    )

    def __init__(self, *args, channels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = channels


class AssetPublicLinksView(LFCloudPageMixin, FormView):
    template_name = "wagtail_lfcloud/public_links/asset.html"
    header_icon = "link"
    form_class = ExpiringLinkForm

    def dispatch(self, request, *args, **kwargs):
        self.asset = get_for_user_or_404(
            request.user,
            Asset.objects.select_related("product", "brand"),
            kwargs["pk"],
            CAPABILITY,
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Public links of %(asset)s") % {"asset": self.asset}

    def channel_choices(self) -> list[tuple[str, str]]:
        # A clip's links are to its video channels' transcodes (each with a poster frame).
        presets = get_video_presets() if self.asset.is_video else get_presets()
        keys = [c for c in (self.asset.channels or []) if c in presets] or sorted(presets)
        return [(key, presets[key].label) for key in keys]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "channels": self.channel_choices()}

    def form_valid(self, form):
        expires_at = timezone.now() + dt.timedelta(days=form.cleaned_data["days"])
        expiring = {
            "channel": form.cleaned_data["channel"],
            "expires_at": expires_at,
            "url": public_url(
                self.asset.brand,
                self.asset.product.sku,
                self.asset.angle,
                form.cleaned_data["channel"],
                expires_at=expires_at,
            ),
        }
        return self.render_to_response(self.get_context_data(form=form, expiring=expiring))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        asset = self.asset
        version = asset.versions.filter(status=VersionStatus.CURRENT).first()
        links = []
        for key, label in self.channel_choices():
            verdict = deliverable(version, key) if version else None
            links.append(
                {
                    "channel": key,
                    "label": label,
                    "url": public_url(asset.brand, asset.product.sku, asset.angle, key),
                    "poster_url": public_poster_url(
                        asset.brand, asset.product.sku, asset.angle, key
                    )
                    if asset.is_video
                    else None,
                    "verdict": verdict,
                }
            )
        can_rotate = has_capability(self.request.user, asset.brand_id, ROTATE_CAPABILITY)
        context.update(
            asset=asset,
            version=version,
            links=links,
            purging=purging_configured(),
            rotate_url=reverse("wagtail_lfcloud_admin:public_key_rotate", args=[asset.brand.slug])
            if can_rotate
            else "",
        )
        return context


class RotateKeyView(LFCloudPageMixin, TemplateView):
    template_name = "wagtail_lfcloud/public_links/rotate.html"
    header_icon = "key"
    page_title = gettext_lazy("Rotate the public link key")

    def dispatch(self, request, *args, **kwargs):
        self.brand = (
            brands_with(request.user, ROTATE_CAPABILITY).filter(slug=kwargs["slug"]).first()
        )
        if self.brand is None:
            raise Http404(_("No brand whose public link key you may rotate."))
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.brand)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "brand": self.brand,
            "purging": purging_configured(),
            "next": self.request.GET.get("next", ""),
        }

    def post(self, request, *args, **kwargs):
        purged = rotate_key(self.brand, user=request.user)
        messages.success(
            request,
            _(
                "%(brand)s has a new public link key: every link handed out before stops working. "
                "%(purged)d links were purged from the CDN."
            )
            % {"brand": self.brand, "purged": purged},
        )
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = request.get_full_path()
        return redirect(next_url)
