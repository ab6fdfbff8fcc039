"""Admin screens to download a bundle of an order or of a selection of assets, and to fetch built ones."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction

from ..access import brand_ids_with, get_for_user_or_404, has_capability
from ..channels.registry import get_presets
from ..delivery.bundles import (
    BundleError,
    plan_bundle,
    request_bundle,
    rights_changed_since_built,
    zip_download,
    zip_response,
)
from ..models import Asset, DownloadBundle, Order
from .base import LFCloudPageMixin


class BundleForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Channel"), help_text=_("Files are named by this channel's export pattern.")
    )

    def __init__(self, *args, preferred: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        presets = get_presets()
        first = [key for key in preferred or [] if key in presets]
        rest = [key for key in presets if key not in first]
        self.fields["channel"].choices = [
            (key, f"{presets[key].label} ({key})") for key in first + rest
        ]


class BundleRequestView(LFCloudPageMixin, FormView):
    """Choose a channel, then download the zip (or wait for a large one to be built)."""

    template_name = "wagtail_lfcloud/bundles/create.html"
    form_class = BundleForm
    page_title = _("Download bundle")
    header_icon = "download"

    def dispatch(self, request, *args, **kwargs):
        if brand_ids_with(request.user, "download_bundles") == set():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def selection(self) -> dict:
        """``{"order": ...}`` or ``{"asset_ids": [...]}`` for :func:`plan_bundle`."""
        raise NotImplementedError

    def preferred_channels(self) -> list[str]:
        return []

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "preferred": self.preferred_channels()}

    def form_valid(self, form):
        try:
            plan = plan_bundle(self.request.user, form.cleaned_data["channel"], **self.selection())
        except BundleError as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        bundle = request_bundle(self.request.user, plan)
        if bundle.status == DownloadBundle.Status.READY:
            return zip_response(plan)
        messages.success(
            self.request,
            _(
                "The bundle of %(count)d files is being prepared; this page shows the link when it is ready."
            )
            % {"count": bundle.file_count},
        )
        return redirect("wagtail_lfcloud_admin:bundle_detail", bundle.pk)


class OrderBundleView(BundleRequestView):
    def dispatch(self, request, *args, **kwargs):
        self.order = get_for_user_or_404(
            request.user,
            Order.objects.select_related("brand"),
            kwargs["order_id"],
            "download_bundles",
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.order)

    def selection(self):
        return {"order": self.order}

    def preferred_channels(self):
        channels: list[str] = []
        for line in self.order.lines.all():
            channels += [c for c in line.channels or [] if c not in channels]
        return channels

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "order": self.order}


class SelectionBundleView(BundleRequestView):
    """A bundle of the assets ticked in a listing: ``?asset=1&asset=2`` (or ``id=``)."""

    def dispatch(self, request, *args, **kwargs):
        raw = request.GET.getlist("asset") or request.GET.getlist("id")
        try:
            self.asset_ids = sorted({int(v) for v in raw})
        except ValueError:
            raise Http404("Asset ids must be numbers.") from None
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return _("%(count)d selected assets") % {"count": len(self.asset_ids)}

    def selection(self):
        return {"asset_ids": self.asset_ids}

    def preferred_channels(self):
        channels: list[str] = []
        for value in Asset.objects.filter(pk__in=self.asset_ids[:500]).values_list(
            "channels", flat=True
        ):
            channels += [c for c in value or [] if c not in channels]
        return channels

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "asset_ids": self.asset_ids}


def _bundle_for(request, pk: int) -> DownloadBundle:
    """The bundle if the user may download its brand's bundles; 404 otherwise, like every object
    (a 403 would confirm that another brand's bundle id exists)."""
    return get_for_user_or_404(
        request.user,
        DownloadBundle.objects.select_related("brand", "order", "requested_by"),
        pk,
        "download_bundles",
    )


class BundleDetailView(LFCloudPageMixin, TemplateView):
    """A bundle's status, with its download link once built."""

    template_name = "wagtail_lfcloud/bundles/detail.html"
    page_title = _("Download bundle")
    header_icon = "download"

    def dispatch(self, request, *args, **kwargs):
        self.bundle = _bundle_for(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return f"{self.bundle.brand} {self.bundle.channel}"

    def get_context_data(self, **kwargs):
        bundle = self.bundle
        ready = bundle.status == DownloadBundle.Status.READY and bool(bundle.file)
        withheld = rights_changed_since_built(bundle) if ready else None
        return {
            **super().get_context_data(**kwargs),
            "bundle": bundle,
            "rights_withheld": withheld,
            "download_url": reverse("wagtail_lfcloud_admin:bundle_download", args=[bundle.pk])
            if ready and not withheld
            else None,
        }


def bundle_download(request, pk: int):
    """Send a bundle built in the background (the file is never served from a public media URL)."""
    bundle = _bundle_for(request, pk)
    if bundle.status != DownloadBundle.Status.READY or not bundle.file:
        raise Http404("This bundle is not ready.")
    if withheld := rights_changed_since_built(bundle):
        return HttpResponse(withheld, status=451, content_type="text/plain; charset=utf-8")
    return zip_download(bundle)


# --- entry points from listings -------------------------------------------------------------------


def order_listing_buttons(instance, user, next_url=None) -> list:
    """A "Download bundle" item in the orders listing's "More" menu, for users who may download."""
    if not isinstance(instance, Order) or not has_capability(
        user, instance.brand_id, "download_bundles"
    ):
        return []
    url = reverse("wagtail_lfcloud_admin:bundle_order", args=[instance.pk])
    return [ListingButton(_("Download bundle"), url=url, icon_name="download", priority=60)]


class DownloadBundleBulkAction(SnippetBulkAction):
    """ "Download bundle" for the assets ticked in the assets listing: hands them to the selection view."""

    display_name = _("Download bundle")
    action_type = "lfcloud_download_bundle"
    aria_label = _("Download a bundle of the selected assets")
    action_priority = 50
    models = [Asset]

    def dispatch(self, request, *args, **kwargs):
        ids = request.GET.getlist("id")
        if "all" in ids:
            messages.error(
                request, _("Tick the assets to bundle; a bundle of a whole listing is not offered.")
            )
            return HttpResponseRedirect(self.next_url)
        url = reverse("wagtail_lfcloud_admin:bundle_selection")
        return HttpResponseRedirect(f"{url}?{urlencode([('asset', i) for i in ids])}")

    @classmethod
    def execute_action(cls, objects, **kwargs):
        # Never reached: dispatch() redirects before Wagtail's confirm-and-execute flow.
        return 0, 0
