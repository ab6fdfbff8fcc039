"""Admin screens for orders (with their lines), briefs, invoices and payments.

The order listing links each order to its order page (grid, brief, thread, status buttons);
editing an order is for the brand (``manage_orders``). Invoices and payments are the finance
screens (``view_invoices`` to see, ``manage_invoices`` to change); their exports neutralise
spreadsheet formulas (see :mod:`wagtail_lfcloud.views.finance`).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import CreateView, EditView

from ..access.capabilities import brands_with, has_capability
from ..conf import lfcloud_settings
from ..forms import BrandScopedForm
from ..models import Brand, Brief, Invoice, Order, OrderLine, OrderStatus, Payment
from ..orders.status import channel_keys, create_deliverables
from ..views.finance import FinanceIndexView, SafeExportIndexView
from .base import BrandScopedViewSet

# --- forms ----------------------------------------------------------------------------------


def angle_choices():
    """Photo angles, then the video deliverables (``Video: 15 s turntable``)."""
    videos = lfcloud_settings.VIDEO_DELIVERABLES
    return [(a, a) for a in lfcloud_settings.ANGLES] + [
        (key, _("Video: %(label)s") % {"label": label})
        for key, label in videos.items()
        if key not in lfcloud_settings.ANGLES
    ]


def channel_choices():
    return [(k, k) for k in channel_keys()]


def currency_choices():
    return [(c, c) for c in lfcloud_settings.CURRENCIES]


class OrderLineForm(WagtailAdminModelForm):
    """A line: angles and channels are ticked from the configured vocabularies."""

    angles = forms.MultipleChoiceField(
        label=_("Angles"), choices=angle_choices, widget=forms.CheckboxSelectMultiple
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=channel_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = OrderLine
        fields = ["product", "angles", "channels", "unit_price", "quantity"]


class OrderLinesPanel(InlinePanel):
    """The lines inline, built with :class:`OrderLineForm`."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["form"] = OrderLineForm
        return options


class OrderForm(BrandScopedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "currency" in self.fields:
            self.fields["currency"] = forms.ChoiceField(
                label=_("Currency"),
                choices=currency_choices,
                initial=lfcloud_settings.DEFAULT_CURRENCY,
            )
        if (
            self.instance.pk
            and self.instance.status != OrderStatus.DRAFT
            and "brand" in self.fields
        ):
            # The deliverables already belong to this brand.
            self.fields["brand"].disabled = True

    def is_valid(self):
        # Child forms are cleaned after the parent's clean(), so the line/brand check runs here,
        # once both sides are known.
        valid = super().is_valid()
        brand: Brand | None = self.cleaned_data.get("brand") or getattr(
            self.instance, "brand", None
        )
        formset = self.formsets.get("lines")
        if brand is None or formset is None:
            return valid
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            product = data.get("product")
            if product is not None and not data.get("DELETE") and product.brand_id != brand.pk:
                form.add_error(
                    "product", _("%(sku)s belongs to another brand.") % {"sku": product.sku}
                )
                valid = False
        return valid


# --- orders ---------------------------------------------------------------------------------


class OrderFilterSet(WagtailFilterSet):
    brand = django_filters.ModelChoiceFilter(
        queryset=lambda request: brands_with(getattr(request, "user", None), "view_orders"),
        label=_("Brand"),
    )
    status = django_filters.ChoiceFilter(
        choices=OrderStatus.choices, widget=forms.RadioSelect, empty_label=_("All")
    )
    due_date = django_filters.DateFromToRangeFilter(
        label=_("Due date"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Order
        fields = ["brand", "status", "due_date"]


class OrderIndexView(SafeExportIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().with_totals().select_related("brand")

    def get_edit_url(self, instance):
        # The order page is where people work on an order; editing is one click from there.
        return reverse("wagtail_lfcloud_admin:order_detail", args=[instance.pk])


class OrderCreateView(CreateView):
    def save_instance(self):
        self.form.instance.created_by = self.request.user
        return super().save_instance()


class OrderEditView(EditView):
    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not has_capability(self.request.user, obj.brand_id, "manage_orders"):
            raise PermissionDenied
        return obj

    def save_instance(self):
        with transaction.atomic():
            instance = super().save_instance()
            if instance.status in (
                OrderStatus.SUBMITTED,
                OrderStatus.IN_PRODUCTION,
                OrderStatus.IN_REVIEW,
            ):
                # Lines added after submission get their deliverables too.
                create_deliverables(instance)
        return instance


class OrderViewSet(BrandScopedViewSet):
    model = Order
    icon = "clipboard-list"
    menu_label = _("Orders")
    menu_order = 100
    index_view_class = OrderIndexView
    add_view_class = OrderCreateView
    edit_view_class = OrderEditView
    filterset_class = OrderFilterSet
    list_display = [
        "number",
        "title",
        "brand",
        Column("status", label=_("Status"), accessor="get_status_display"),
        "due_date",
        Column("subtotal", label=_("Subtotal")),
        "currency",
        "updated_at",
    ]
    list_export = [
        "number",
        "title",
        "brand",
        "status",
        "due_date",
        "currency",
        "subtotal",
        "invoiced_amount",
        "line_count",
        "created_at",
    ]
    export_headings = {
        "subtotal": _("Subtotal"),
        "invoiced_amount": _("Invoiced (net)"),
        "line_count": _("Lines"),
    }
    export_filename = "orders"
    inspect_view_enabled = True
    inspect_view_fields = [
        "number",
        "title",
        "brand",
        "status",
        "due_date",
        "currency",
        "notes",
        "created_by",
        "created_at",
    ]
    edit_handler = ObjectList(
        [
            FieldPanel("brand"),
            FieldPanel("title"),
            FieldRowPanel([FieldPanel("due_date"), FieldPanel("currency")]),
            FieldPanel("notes"),
            OrderLinesPanel("lines", heading=_("Lines"), label=_("Line"), min_num=0),
        ],
        base_form_class=OrderForm,
    )


# --- briefs ---------------------------------------------------------------------------------


class BriefViewSet(BrandScopedViewSet):
    model = Brief
    icon = "doc-full"
    menu_label = _("Briefs")
    menu_order = 110
    list_display = ["order", "shoot_date", "first_drafts_due", "finals_due", "updated_at"]
    list_export = ["order", "shoot_date", "first_drafts_due", "finals_due", "updated_at"]
    export_filename = "briefs"
    index_view_class = SafeExportIndexView
    inspect_view_enabled = True
    edit_handler = ObjectList(
        [
            FieldPanel("order"),
            FieldPanel("instructions"),
            FieldPanel("guidelines"),
            FieldRowPanel(
                [FieldPanel("shoot_date"), FieldPanel("first_drafts_due"), FieldPanel("finals_due")]
            ),
            InlinePanel(
                "references",
                heading=_("References"),
                label=_("Reference"),
                panels=[FieldPanel("image"), FieldPanel("document"), FieldPanel("caption")],
            ),
        ],
        base_form_class=WagtailAdminModelForm,
    )


# --- invoices and payments ------------------------------------------------------------------


class InvoiceForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "currency" in self.fields:
            self.fields["currency"] = forms.ChoiceField(
                label=_("Currency"),
                choices=currency_choices,
                initial=lfcloud_settings.DEFAULT_CURRENCY,
            )


class InvoiceFilterSet(WagtailFilterSet):
    order__brand = django_filters.ModelChoiceFilter(
        queryset=lambda request: brands_with(getattr(request, "user", None), "view_invoices"),
        label=_("Brand"),
    )
    status = django_filters.ChoiceFilter(
        choices=Invoice._meta.get_field("status").choices,
        widget=forms.RadioSelect,
        empty_label=_("All"),
    )
    issued_on = django_filters.DateFromToRangeFilter(
        label=_("Issued"), widget=DateRangePickerWidget
    )
    due_on = django_filters.DateFromToRangeFilter(label=_("Due"), widget=DateRangePickerWidget)

    class Meta:
        model = Invoice
        fields = ["order__brand", "status", "issued_on", "due_on"]


class InvoiceViewSet(BrandScopedViewSet):
    model = Invoice
    icon = "form"
    menu_label = _("Invoices")
    menu_order = 800
    index_view_class = FinanceIndexView
    filterset_class = InvoiceFilterSet
    list_display = [
        "number",
        "order",
        Column("brand", label=_("Brand"), accessor="order.brand"),
        Column("status", label=_("Status"), accessor="get_status_display"),
        "net_amount",
        Column("tax_amount", label=_("Tax")),
        Column("gross_amount", label=_("Gross")),
        Column("paid_amount", label=_("Paid")),
        "currency",
        "issued_on",
        "due_on",
        "paid_on",
    ]
    list_export = [
        "number",
        "order.number",
        "order.title",
        "order.brand.name",
        "status",
        "currency",
        "net_amount",
        "tax_rate",
        "tax_amount",
        "gross_amount",
        "paid_amount",
        "balance",
        "issued_on",
        "due_on",
        "paid_on",
    ]
    export_headings = {
        "order.number": _("Order"),
        "order.title": _("Order title"),
        "order.brand.name": _("Brand"),
        "tax_amount": _("Tax"),
        "gross_amount": _("Gross"),
        "paid_amount": _("Paid"),
        "balance": _("Balance"),
    }
    export_filename = "invoices"
    inspect_view_enabled = True
    inspect_view_fields = [
        "number",
        "order",
        "status",
        "currency",
        "net_amount",
        "tax_rate",
        "issued_on",
        "due_on",
        "paid_on",
        "created_at",
    ]
    edit_handler = ObjectList(
        [
            FieldPanel("order"),
            FieldRowPanel([FieldPanel("number"), FieldPanel("status")]),
            FieldRowPanel(
                [FieldPanel("net_amount"), FieldPanel("tax_rate"), FieldPanel("currency")]
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [FieldPanel("issued_on"), FieldPanel("due_on"), FieldPanel("paid_on")]
                    )
                ],
                heading=_("Dates"),
            ),
        ],
        base_form_class=InvoiceForm,
    )


class PaymentIndexView(SafeExportIndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("invoice__order__brand")


class PaymentViewSet(BrandScopedViewSet):
    model = Payment
    icon = "tick"
    menu_label = _("Payments")
    menu_order = 810
    index_view_class = PaymentIndexView
    list_display = [
        "invoice",
        "amount",
        Column("currency", accessor="invoice.currency"),
        "received_on",
        "method",
        "reference",
    ]
    list_filter = ["received_on"]
    list_export = [
        "invoice.number",
        "invoice.order.number",
        "amount",
        "invoice.currency",
        "received_on",
        "method",
        "reference",
    ]
    export_headings = {
        "invoice.number": _("Invoice"),
        "invoice.order.number": _("Order"),
        "invoice.currency": _("Currency"),
    }
    export_filename = "payments"
    inspect_view_enabled = True
    edit_handler = ObjectList(
        [
            FieldPanel("invoice"),
            FieldRowPanel([FieldPanel("amount"), FieldPanel("received_on")]),
            FieldRowPanel([FieldPanel("method"), FieldPanel("reference")]),
        ],
        base_form_class=WagtailAdminModelForm,
    )
