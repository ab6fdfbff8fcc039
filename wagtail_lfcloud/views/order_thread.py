"""An order's thread: posting a message, what a person has not read yet, the page's poller
and attachment downloads. Every view finds the order through :func:`~.base.order_for`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import timedelta

from django import forms
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from .. import notifications
from ..access import get_for_user_or_404, scope
from ..conf import lfcloud_settings
from ..models import (
    MessageRead,
    Order,
    OrderMessage,
)
from ..storage import in_unguessable_folder
from .base import order_for


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
    return not_read_by(queryset, user)


def not_read_by(messages, user):
    """Those of ``messages`` the user has not read (and did not write)."""
    return messages.exclude(reads__user=user).exclude(author=user)


def mark_read(user, order: Order, unread: Iterable[int] | None = None) -> None:
    """Mark the user's unread messages on ``order`` read (``unread``: their pks, if known already)."""
    if unread is None:
        unread = list(unread_messages(user, order).values_list("pk", flat=True))
    MessageRead.objects.bulk_create(
        [MessageRead(message_id=pk, user=user) for pk in unread], ignore_conflicts=True
    )


#: How long after it was saved a message may still commit (its transaction: the row, its author's
#: read mark, the notifications queued). See :func:`settled_cursor`.
LATE_COMMIT_SECONDS = 60


def settled_cursor(last: int, after: int = 0) -> int:
    """``last`` (a message id a page has shown), or less while an id at or below it may still
    commit: ids are taken when a message is saved, not when its transaction commits, so on
    PostgreSQL message 10 can commit after 11, and a page that moved its cursor to 11 would
    never ask for 10. An id that may still commit is missing from the ids of the messages saved
    in the last :data:`LATE_COMMIT_SECONDS` (every order's: they share the sequence), counted
    from the one before them; the cursor stays below the first such id. A missing id that never
    commits (a rolled-back or deleted message) holds it only as long as the messages after it
    are that recent. ``after``: the page's cursor so far, already settled up to there (it was
    held below any id missing then), so only the ids above it are looked at."""
    if last <= after:
        return last
    since = timezone.now() - timedelta(seconds=LATE_COMMIT_SECONDS)
    recent = list(
        OrderMessage.objects.filter(created_at__gte=since, pk__gt=after, pk__lte=last)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not recent:
        return last
    # Ids up to ``after`` are settled, and up to the last message before the first recent one.
    # With neither (a site's first messages), the first recent one is taken as the start.
    settled = (
        OrderMessage.objects.filter(pk__gt=after, pk__lt=recent[0])
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    ) or after
    expected = settled + 1 if settled else recent[0]
    for pk in recent:
        if pk != expected:
            return expected - 1
        expected = pk + 1
    return last


class OrderMessagesView(View):
    """New messages of an order's thread as JSON, for the order page's poller.

    ``?after=<message id>`` gives the messages posted after that one, each as the thread's HTML,
    and marks them read: the person has them on screen. ``last`` is where the page's next poll
    starts: the highest id delivered, held below an id that may still commit (see
    :func:`settled_cursor`), so a message that commits after one with a higher id reaches every
    open page, of either party, its author's other tabs included. While the cursor is held, the
    messages above it come again; the page drops any it already shows.
    """

    def get(self, request, pk):
        order = order_for(request.user, pk, "message_orders")
        try:
            after = int(request.GET.get("after", "0"))
        except ValueError:
            return JsonResponse({"error": _("'after' must be a message id.")}, status=400)
        new = list(order.messages.filter(pk__gt=after).select_related("author").order_by("pk"))
        # Only what this answer delivers is marked read: a message posted since the query above
        # comes with the next poll, still new.
        unread = set(
            unread_messages(request.user, order)
            .filter(pk__in=[message.pk for message in new])
            .values_list("pk", flat=True)
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
        last = settled_cursor(max([after, *(message.pk for message in new)]), after)
        response = JsonResponse({"messages": items, "last": last})
        response["Cache-Control"] = "private, no-cache"
        return response


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
