"""Which LF Cloud emails a person receives: their preferences page and its account menu item."""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin import messages

from .. import notifications
from ..access.capabilities import brand_roles
from ..models import (
    NotificationPreference,
)
from .base import LFCloudPageMixin


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


def notification_preferences_menu_item(request) -> dict | None:
    """``register_account_menu_item`` hook body: a link to the preferences for people who get LF Cloud emails."""
    if not (request.user.is_superuser or brand_roles(request.user)):
        return None
    return {
        "url": reverse("wagtail_lfcloud_admin:notification_preferences"),
        "label": _("LF Cloud notifications"),
        "help_text": _("Choose which emails you receive about orders, uploads and approvals."),
    }
