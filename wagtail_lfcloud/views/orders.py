"""The order page (brief, live SKU x angle grid, thread), its JSON grid endpoint, status moves and
the brief's start.

Every view finds the order through :func:`~.base.order_for`, which scopes by the user's brand
capabilities: another brand's order is a 404, not a 403, so its existence is not revealed. The
thread is in :mod:`.order_thread`, the dashboard panels in :mod:`.order_panels`, the email
preferences in :mod:`.notification_preferences`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.gzip import gzip_page
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..access import has_capability
from ..conf import lfcloud_settings
from ..models import (
    Brief,
    Order,
    OrderStatus,
)
from ..orders.grid import build_grid, grid_fingerprint
from ..orders.status import TransitionError, allowed_transitions, transition
from .base import order_for
from .order_thread import (
    OrderMessageForm,
    mark_read,
    post_message,
    settled_cursor,
    unread_messages,
)


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
        # The ETag first, then the grid: a change committed in between is in the cells but not
        # in the ETag, so the page's poller gets it again (a 200) instead of a 304 that would
        # keep the page's stale cells until something else changed.
        etag = grid_fingerprint(order, user)
        grid = build_grid(order, user)
        context.update(
            order=order,
            grid=grid,
            grid_body=grid_body_html(grid),
            etag=etag,
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
            # Of the messages shown: one posted since the thread was read comes with the poller.
            unread = set(
                unread_messages(user, order)
                .filter(pk__in=[message.pk for message in thread])
                .values_list("pk", flat=True)
            )
            for message in thread:
                message.is_unread = message.pk in unread
            context.update(
                thread=thread,
                last_message_id=settled_cursor(max((m.pk for m in thread), default=0)),
                unread_count=len(unread),
                message_form=kwargs.get("message_form") or OrderMessageForm(),
                show_thread=True,
            )
            if self.request.method == "GET":
                # The messages shown, not any posted since: those reach the page's poller unread.
                mark_read(user, order, unread)
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
