"""The order page (brief, live SKU x angle grid, thread), its JSON grid endpoint, status moves,
message attachments, notification preferences and the dashboard panels.

Every view finds the order through :func:`order_for`, which scopes by the user's brand
capabilities: another brand's order is a 404, not a 403, so its existence is not revealed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import FileResponse, Http404, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.gzip import gzip_page
from django.views.generic import FormView, TemplateView
from laces.components import Component
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from .. import notifications
from ..access import brand_ids_with, get_for_user_or_404, has_capability, scope
from ..access.capabilities import brand_roles
from ..conf import lfcloud_settings
from ..models import (
    Asset,
    Brief,
    MessageRead,
    NotificationPreference,
    Order,
    OrderMessage,
    OrderStatus,
    VersionStatus,
)
from ..orders.grid import build_grid, grid_fingerprint
from ..orders.status import TransitionError, allowed_transitions, transition
from .base import LFCloudPageMixin


def order_for(user, pk: int, capability: str = "view_orders") -> Order:
    """The order ``pk`` if ``user`` has ``capability`` on its brand, else 404."""
    return get_for_user_or_404(user, Order.objects.select_related("brand"), pk, capability)


# --- the thread -----------------------------------------------------------------------------


class OrderMessageForm(forms.ModelForm):
    """A message with an optional attachment, checked against the attachment settings."""

    class Meta:
        model = OrderMessage
        fields = ["body", "attachment"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachment"].help_text = _(
            "Optional. Allowed types: %(types)s; at most %(size)s."
        ) % {
            "types": ", ".join(lfcloud_settings.ATTACHMENT_EXTENSIONS),
            "size": filesizeformat(lfcloud_settings.ATTACHMENT_MAX_BYTES),
        }

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return upload
        allowed = [e.lower() for e in lfcloud_settings.ATTACHMENT_EXTENSIONS]
        extension = os.path.splitext(upload.name)[1].lower().lstrip(".")
        if extension not in allowed:
            raise forms.ValidationError(
                _("%(name)s is not an allowed attachment type. Allowed types: %(allowed)s.")
                % {"name": upload.name, "allowed": ", ".join(allowed)}
            )
        limit = lfcloud_settings.ATTACHMENT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("%(name)s is %(size)s; attachments may be at most %(limit)s.")
                % {
                    "name": upload.name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                }
            )
        return upload


def post_message(order: Order, user, form: OrderMessageForm) -> OrderMessage:
    """Save the message (read by its author) and notify the other party; the file is removed if saving fails."""
    message = form.save(commit=False)
    message.order = order
    message.author = user
    if message.attachment and not message.attachment._committed:
        # Never at a guessable media URL: MessageAttachmentView sends it after a permission check.
        from ..storage import in_unguessable_folder

        message.attachment.name = in_unguessable_folder(os.path.basename(message.attachment.name))
    try:
        with transaction.atomic():
            message.save()
            MessageRead.objects.create(message=message, user=user)
            notifications.notify_message(message)
    except Exception:
        if message.attachment and message.attachment.name:
            message.attachment.storage.delete(message.attachment.name)
        raise
    return message


def unread_messages(user, order: Order | None = None):
    """Messages on orders the user may discuss that they have not read (and did not write)."""
    queryset = scope(OrderMessage.objects.all(), user, "message_orders", "order__brand")
    if order is not None:
        queryset = queryset.filter(order=order)
    return queryset.exclude(reads__user=user).exclude(author=user)


def mark_read(user, order: Order, unread: Iterable[int] | None = None) -> None:
    """Mark the user's unread messages on ``order`` read (``unread``: their pks, if known already)."""
    if unread is None:
        unread = list(unread_messages(user, order).values_list("pk", flat=True))
    MessageRead.objects.bulk_create(
        [MessageRead(message_id=pk, user=user) for pk in unread], ignore_conflicts=True
    )


# --- the order page -------------------------------------------------------------------------


def _cell_html(product_id: int, cell: dict | None) -> str:
    if cell is None:
        return format_html(
            '<td class="lfcloud-cell lfcloud-cell--none" aria-label="{}">&ndash;</td>',
            _("Not ordered"),
        )
    if cell["thumbnail"]:
        thumb = format_html(
            '<img class="lfcloud-cell__thumb" src="{}" alt="" loading="lazy" width="80">',
            cell["thumbnail"],
        )
    else:
        thumb = mark_safe('<span class="lfcloud-cell__nothumb" aria-hidden="true"></span>')
    label = cell["label"] + (f" \u00b7 v{cell['version']}" if cell["version"] else "")
    if cell["url"]:
        label = format_html('<a href="{}">{}</a>', cell["url"], label)
    chips = format_html_join(
        "",
        '<span class="lfcloud-chip{}" title="{}">{}</span>',
        (
            (
                " lfcloud-chip--ready" if c["ready"] else "",
                _("Ready") if c["ready"] else _("Not ready"),
                c["key"],
            )
            for c in cell["channels"]
        ),
    )
    kind = (
        format_html('<span class="lfcloud-cell__kind" data-kind="video">{}</span>', _("Video"))
        if cell.get("video")
        else ""
    )
    return format_html(
        '<td class="lfcloud-cell lfcloud-cell--{}{}" data-cell="{}:{}">{}{}<span class="lfcloud-cell__state" '
        'data-state="{}">{}</span>{}</td>',
        cell["state"],
        " lfcloud-cell--overdue" if cell["overdue"] else "",
        product_id,
        cell["angle"],
        thumb,
        kind,
        cell["state"],
        label,
        format_html('<span class="lfcloud-cell__channels">{}</span>', chips)
        if cell["channels"]
        else "",
    )


def grid_body_html(grid: dict) -> str:
    """The grid's ``<tbody>`` rows. Built in Python, not with a template include per cell,
    because a 300 x 6 order has 1,800 cells (the page template took seconds)."""
    return format_html_join(
        "\n",
        '<tr><th scope="row"><strong>{}</strong><br><small>{}</small></th>{}</tr>',
        (
            (
                row["sku"],
                row["name"],
                mark_safe("".join(_cell_html(row["product"], c) for c in row["cells"])),
            )
            for row in grid["rows"]
        ),
    )


class OrderDetailView(WagtailAdminTemplateMixin, TemplateView):
    """Everything about one order on one page; posting here adds a message to the thread."""

    template_name = "wagtail_lfcloud/orders/detail.html"
    header_icon = "clipboard-list"

    def dispatch(self, request, *args, **kwargs):
        self.order = order_for(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Order %(number)s") % {"number": self.order.number}

    def get_page_subtitle(self):
        return self.order.title

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailsnippets_wagtail_lfcloud_order:list"), "label": _("Orders")},
            {"url": "", "label": self.order.number},
        ]

    def can_message(self) -> bool:
        return has_capability(self.request.user, self.order.brand_id, "message_orders")

    def post(self, request, *args, **kwargs):
        if not self.can_message():
            raise PermissionDenied
        form = OrderMessageForm(request.POST, request.FILES)
        if form.is_valid():
            post_message(self.order, request.user, form)
            messages.success(request, _("Your message was posted."))
            return redirect(
                reverse("wagtail_lfcloud_admin:order_detail", args=[self.order.pk]) + "#thread"
            )
        messages.error(request, _("Your message was not posted: see the errors below."))
        return self.render_to_response(self.get_context_data(message_form=form))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        order = self.order
        brand_id = order.brand_id
        grid = build_grid(order, user)
        context.update(
            order=order,
            grid=grid,
            grid_body=grid_body_html(grid),
            etag=grid_fingerprint(order, user),
            grid_url=reverse("wagtail_lfcloud_admin:order_grid", args=[order.pk]),
            poll_seconds=lfcloud_settings.ORDER_GRID_POLL_SECONDS,
            transitions=allowed_transitions(order, user),
            subtotal=Order.objects.with_totals().get(pk=order.pk).subtotal,
            can_edit=has_capability(user, brand_id, "manage_orders"),
            edit_url=reverse("wagtailsnippets_wagtail_lfcloud_order:edit", args=[order.pk]),
            rights_url=reverse("wagtail_lfcloud_admin:order_rights", args=[order.pk])
            if has_capability(user, brand_id, "produce_orders")
            else "",
        )
        if has_capability(user, brand_id, "view_briefs"):
            brief = (
                Brief.objects.filter(order=order)
                .prefetch_related("references__image", "references__document")
                .first()
            )
            context["brief"] = brief
            context["show_brief"] = True
            if brief is not None:
                context["brief_edit_url"] = reverse(
                    "wagtailsnippets_wagtail_lfcloud_brief:edit", args=[brief.pk]
                )
        if self.can_message():
            thread = list(order.messages.select_related("author"))
            unread = set(unread_messages(user, order).values_list("pk", flat=True))
            for message in thread:
                message.is_unread = message.pk in unread
            context.update(
                thread=thread,
                last_message_id=thread[-1].pk if thread else 0,
                unread_count=len(unread),
                message_form=kwargs.get("message_form") or OrderMessageForm(),
                show_thread=True,
            )
            if self.request.method == "GET":
                mark_read(user, order)
        if has_capability(user, brand_id, "view_invoices"):
            context["invoices"] = list(order.invoices.all())
        return context


def _etag_matches(etag: str, if_none_match: str) -> bool:
    """Weak comparison (RFC 9110 13.1.2), as If-None-Match asks: ``W/"x"`` matches ``"x"``.

    Gzipping a response makes Django weaken its ETag, and browsers send back what they got.
    """

    def opaque(tag: str) -> str:
        tag = tag.strip()
        return tag[2:] if tag.startswith("W/") else tag

    return opaque(etag) in {opaque(tag) for tag in if_none_match.split(",") if tag.strip()}


@method_decorator(gzip_page, name="get")
class OrderGridView(View):
    """The grid as JSON for the order page's poller; answers 304 when nothing changed (ETag).

    Gzipped when the browser accepts it: a 300 SKU x 6 angle grid is about 630 kB of JSON that
    compresses about twentyfold (the grid holds no secret, so compression leaks nothing).
    """

    def get(self, request, pk):
        order = order_for(request.user, pk)
        # The fingerprint is cheap; the grid is only built when the client's copy is stale.
        etag = grid_fingerprint(order, request.user)
        if _etag_matches(etag, request.headers.get("If-None-Match", "")):
            response = HttpResponseNotModified()
        else:
            response = JsonResponse(build_grid(order, request.user))
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response


class OrderMessagesView(View):
    """New messages of an order's thread as JSON, for the order page's poller.

    ``?after=<message id>`` gives the messages posted after that one, each as the thread's HTML,
    and marks them read: the person has them on screen.
    """

    def get(self, request, pk):
        order = order_for(request.user, pk, "message_orders")
        try:
            after = int(request.GET.get("after", "0"))
        except ValueError:
            return JsonResponse({"error": _("'after' must be a message id.")}, status=400)
        new = list(order.messages.filter(pk__gt=after).select_related("author").order_by("pk"))
        unread = set(
            unread_messages(request.user, order).filter(pk__gt=after).values_list("pk", flat=True)
        )
        items = []
        for message in new:
            message.is_unread = message.pk in unread
            html = render_to_string(
                "wagtail_lfcloud/orders/_message.html",
                {"message": message, "order": order},
                request=request,
            )
            items.append({"id": message.pk, "html": html})
        if unread:
            mark_read(request.user, order, unread)
        response = JsonResponse({"messages": items, "last": new[-1].pk if new else after})
        response["Cache-Control"] = "private, no-cache"
        return response


class OrderTransitionView(View):
    """Move an order to another status (POST from the order page buttons)."""

    def post(self, request, pk, status):
        order = order_for(request.user, pk)
        try:
            transition(order, status, request.user)
        except TransitionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("Order %(number)s is now %(status)s.")
                % {"number": order.number, "status": str(OrderStatus(status).label).lower()},
            )
        return redirect("wagtail_lfcloud_admin:order_detail", pk=order.pk)


class BriefStartView(View):
    """Create the (empty) brief of an order and open it in the brief editor."""

    def post(self, request, pk):
        order = order_for(request.user, pk, "manage_orders")
        brief, _created = Brief.objects.get_or_create(order=order)
        return redirect("wagtailsnippets_wagtail_lfcloud_brief:edit", brief.pk)


class MessageAttachmentView(View):
    """Download a message's attachment, for users who may read the thread."""

    def get(self, request, pk, message_pk):
        order = order_for(request.user, pk, "message_orders")
        message = get_for_user_or_404(
            request.user, order.messages.all(), message_pk, "message_orders"
        )
        if not message.attachment:
            raise Http404
        return FileResponse(
            message.attachment.open("rb"),
            as_attachment=True,
            filename=os.path.basename(message.attachment.name),
        )


# --- notification preferences ---------------------------------------------------------------


class NotificationPreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = [
            "on_message",
            "on_upload",
            "on_changes_requested",
            "on_approved",
            "on_rights_expiring",
        ]


class NotificationPreferencesView(LFCloudPageMixin, FormView):
    """Which LF Cloud emails the current user receives."""

    template_name = "wagtail_lfcloud/notifications/preferences.html"
    form_class = NotificationPreferenceForm
    page_title = gettext_lazy("LF Cloud notifications")
    header_icon = "mail"

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": notifications.preferences_for(self.request.user),
        }

    def form_valid(self, form):
        form.save()
        messages.success(self.request, _("Your notification preferences were saved."))
        return redirect("wagtail_lfcloud_admin:notification_preferences")


# --- dashboard panels -----------------------------------------------------------------------

#: Statuses in which the studio is working on an order.
ACTIVE_STATUSES = [OrderStatus.SUBMITTED, OrderStatus.IN_PRODUCTION, OrderStatus.IN_REVIEW]


class _DashboardPanel(Component):
    """A dashboard panel that shows nothing when it has nothing to list."""

    #: Context key of the rows; an empty list hides the panel.
    rows_key = "rows"

    def __init__(self, user):
        self.user = user

    def render_html(self, parent_context: Any = None) -> str:
        context = self.get_context_data(parent_context)
        if not context[self.rows_key]:
            return ""
        return get_template(self.template_name).render(context)


class OrdersInProductionPanel(_DashboardPanel):
    """Dashboard: the user's brands' orders the studio is working on, soonest due first."""

    name = "lfcloud_orders_in_production"
    template_name = "wagtail_lfcloud/orders/panel_in_production.html"
    order = 110
    limit = 10
    rows_key = "orders"

    def get_orders(self):
        return (
            scope(Order.objects.select_related("brand"), self.user, "view_orders")
            .filter(status__in=ACTIVE_STATUSES)
            .order_by(F("due_date").asc(nulls_last=True), "pk")
        )

    def get_context_data(self, parent_context: Any = None) -> dict:
        return {
            "orders": list(self.get_orders()[: self.limit]),
            "listing_url": reverse("wagtailsnippets_wagtail_lfcloud_order:list"),
        }


class OverdueDeliverablesPanel(_DashboardPanel):
    """Dashboard: deliverables of overdue orders that have no approved version yet."""

    name = "lfcloud_overdue_deliverables"
    template_name = "wagtail_lfcloud/orders/panel_overdue.html"
    order = 120
    limit = 20
    rows_key = "assets"

    def get_assets(self):
        orders = scope(Order.objects.overdue(), self.user, "view_orders")
        return (
            Asset.objects.filter(order__in=orders)
            .exclude(versions__status=VersionStatus.CURRENT)
            .select_related("product", "order")
            .order_by("order__due_date", "product__sku", "angle")
        )

    def get_context_data(self, parent_context: Any = None) -> dict:
        assets = self.get_assets()
        rows = list(assets[: self.limit])
        return {"assets": rows, "total": assets.count() if len(rows) == self.limit else len(rows)}


def dashboard_panels(request, panels: list) -> None:
    """``construct_homepage_panels`` hook body: add the panels for users who work on orders."""
    if brand_ids_with(request.user, "view_orders") == set():
        return
    panels.append(OrdersInProductionPanel(request.user))
    panels.append(OverdueDeliverablesPanel(request.user))


def notification_preferences_menu_item(request) -> dict | None:
    """``register_account_menu_item`` hook body: a link to the preferences for people who get LF Cloud emails."""
    if not (request.user.is_superuser or brand_roles(request.user)):
        return None
    return {
        "url": reverse("wagtail_lfcloud_admin:notification_preferences"),
        "label": _("LF Cloud notifications"),
        "help_text": _("Choose which emails you receive about orders, uploads and approvals."),
    }
