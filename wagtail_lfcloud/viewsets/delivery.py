"""Admin screens for delivery: webhook endpoints, their delivery log, and download bundles."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import CreateView, IndexView

from ..access import brand_ids_with
from ..delivery.webhooks import EVENTS, generate_secret
from ..forms import BrandScopedForm
from ..models import DownloadBundle, WebhookDelivery, WebhookEndpoint
from .base import BrandScopedViewSet


class RecordIndexView(IndexView):
    """A listing without "Add": these rows are written by the package, never typed in."""

    def get_add_url(self):
        return None


class RefusedCreateView(CreateView):
    """The add URL of a record-only model: refused for everyone, superusers included."""

    def dispatch(self, request, *args, **kwargs):
        raise PermissionDenied


class WebhookEndpointForm(BrandScopedForm):
    """Brand choices narrowed to brands the user manages webhooks for; events as checkboxes."""

    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(name, f"{name}: {description}") for name, description in EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Tick none to receive every event."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["secret"].required = False
        self.fields["secret"].help_text = _(
            "Standard Webhooks signing secret (whsec_...). Leave empty to generate one; copy it into "
            "the receiver."
        )

    def clean_secret(self):
        return self.cleaned_data.get("secret") or self.instance.secret or generate_secret()


class WebhookEndpointViewSet(BrandScopedViewSet):
    model = WebhookEndpoint
    icon = "link"
    menu_label = _("Webhooks")
    menu_order = 960
    list_display = ["name", "brand", "url", "active", "created_at"]
    list_filter = ["brand", "active"]
    search_fields = ["name", "url"]
    inspect_view_enabled = True
    inspect_view_fields = ["brand", "name", "url", "events", "active", "created_at"]
    edit_handler = ObjectList(
        [
            FieldPanel("brand"),
            FieldPanel("name"),
            FieldPanel("url"),
            FieldPanel("events"),
            FieldPanel("secret"),
            FieldPanel("active"),
        ],
        base_form_class=WebhookEndpointForm,
    )


class WebhookDeliveryViewSet(BrandScopedViewSet):
    """The delivery log: every event sent, with attempts, the receiver's answer and the last error."""

    model = WebhookDelivery
    icon = "history"
    menu_label = _("Webhook deliveries")
    menu_order = 970
    list_display = [
        "event",
        "endpoint",
        "status",
        "attempts",
        "response_status",
        "duration_ms",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "event", "endpoint"]
    list_export = [
        "event",
        "endpoint",
        "status",
        "attempts",
        "response_status",
        "duration_ms",
        "last_error",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
    ]
    export_filename = "webhook-deliveries"
    inspect_view_enabled = True
    inspect_view_fields = [
        "endpoint",
        "event",
        "status",
        "attempts",
        "response_status",
        "duration_ms",
        "last_error",
        "payload",
        "created_at",
        "last_attempt_at",
        "next_attempt_at",
        "delivered_at",
    ]
    # Deliveries are written by the package only; the registered policy grants "view" alone.
    index_view_class = RecordIndexView
    add_view_class = RefusedCreateView
    edit_handler = ObjectList([FieldPanel("status", read_only=True)])


class BundleIndexView(RecordIndexView):
    """The bundles listing; while empty, it says where bundles are made."""

    @cached_property
    def no_results_message(self):
        if self.is_searching or self.is_filtering:
            return super().no_results_message
        message = format_html(
            gettext(
                'No download bundles yet. Make one from the <a href="{}">asset library</a>: filter '
                "the approved files, then press <em>Download a channel bundle of the approved files "
                "shown</em> (the <em>Newly approved</em> panel of the dashboard has the same button)."
            ),
            reverse("wagtail_lfcloud_admin:library"),
        )
        if brand_ids_with(self.request.user, "view_orders") != set():
            message += format_html(
                " "
                + gettext(
                    "For all the approved files of an order, choose <em>Download bundle</em> in the "
                    'order\'s menu in the <a href="{}">orders listing</a>.'
                ),
                reverse("wagtailsnippets_wagtail_lfcloud_order:list"),
            )
        return message


class BundleLinkColumn(Column):
    def get_value(self, instance):
        return instance

    def render_cell_html(self, instance, parent_context):
        if instance.status == DownloadBundle.Status.READY and instance.file:
            url = reverse("wagtail_lfcloud_admin:bundle_download", args=[instance.pk])
            link = format_html('<a href="{}">{}</a>', url, _("Download zip"))
        else:
            url = reverse("wagtail_lfcloud_admin:bundle_detail", args=[instance.pk])
            link = format_html('<a href="{}">{}</a>', url, instance.get_status_display())
        return format_html("<td>{}</td>", link)


class DownloadBundleViewSet(BrandScopedViewSet):
    """Every bundle exported, by whom; large ones with their zip once built."""

    model = DownloadBundle
    icon = "download"
    menu_label = _("Download bundles")
    menu_order = 950
    list_display = [
        "created_at",
        "brand",
        "order",
        "channel",
        "file_count",
        "requested_by",
        BundleLinkColumn("link", label=_("File")),
    ]
    list_filter = ["brand", "channel", "status"]
    # Bundles are requested from an order or a selection (views/bundles.py), not through a form.
    index_view_class = BundleIndexView
    add_view_class = RefusedCreateView
    edit_handler = ObjectList([FieldPanel("status", read_only=True)])
