"""The Roles screen: what each role may do, who holds which role, and assigning people.

Everyone with admin access sees the role matrix. A brand admin (``manage_roles``) also sees, for
their own brands only, who holds each role, and can add or remove people; other brands do not
appear, and their URLs answer 404. Every change is logged as ``wagtail_lfcloud.role_changed``.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..access.capabilities import CAPABILITIES, brand_ids_with, brands_with
from ..access.roles import assign_role, members, remove_role
from ..access.scoping import reachable
from ..models import Brand, Role

#: Human descriptions of the capabilities, in the order the matrix shows them.
CAPABILITY_LABELS: dict[str, str] = {
    "view_finals": gettext_lazy("See approved finals and channel files"),
    "view_drafts": gettext_lazy("See raw files, drafts and archived versions"),
    "upload": gettext_lazy("Upload new versions"),
    "review": gettext_lazy("Approve or request changes"),
    "comment": gettext_lazy("Comment on versions"),
    "download_originals": gettext_lazy("Download original files"),
    "download_bundles": gettext_lazy("Download channel bundles"),
    "share_public_links": gettext_lazy("Get public links to approved files (CDN)"),
    "view_orders": gettext_lazy("See orders"),
    "manage_orders": gettext_lazy("Create and edit orders"),
    "produce_orders": gettext_lazy("Move orders through production"),
    "message_orders": gettext_lazy("Message on orders"),
    "view_briefs": gettext_lazy("See briefs"),
    "view_invoices": gettext_lazy("See invoices and payments"),
    "manage_invoices": gettext_lazy("Record invoices and payments"),
    "view_catalog": gettext_lazy("See products, catalogs and seasons"),
    "manage_catalog": gettext_lazy("Edit products, catalogs and seasons"),
    "manage_roles": gettext_lazy("Assign people to roles"),
    "manage_webhooks": gettext_lazy("Manage webhooks"),
    "manage_rights": gettext_lazy("Edit usage rights"),
    "view_usage": gettext_lazy("See usage and delivery figures"),
    "manage_api_tokens": gettext_lazy("Create and revoke API tokens"),
}


def role_matrix() -> list[dict]:
    """Rows of ``{"capability", "label", "roles": [bool per Role, in Role order]}`` from CAPABILITIES."""
    return [
        {
            "capability": capability,
            "label": CAPABILITY_LABELS.get(capability, capability),
            "roles": [role in allowed for role in Role.values],
        }
        for capability, allowed in CAPABILITIES.items()
    ]


class AssignForm(forms.Form):
    user = forms.CharField(
        label=gettext_lazy("Person"),
        help_text=gettext_lazy("Their username or email address."),
        max_length=254,
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)

    def clean_user(self):
        value = self.cleaned_data["user"].strip()
        User = get_user_model()
        matches = list(
            User.objects.filter(Q(username__iexact=value) | Q(email__iexact=value), is_active=True)[
                :2
            ]
        )
        if not matches:
            raise forms.ValidationError(
                _("No active user has the username or email %(value)s.") % {"value": value}
            )
        if len(matches) > 1:
            raise forms.ValidationError(
                _("Several users have the email %(value)s; enter the username instead.")
                % {"value": value}
            )
        return matches[0]


class RolesView(WagtailAdminTemplateMixin, TemplateView):
    """The role matrix and, for brands the user administers, who holds which role."""

    template_name = "wagtail_lfcloud/roles/index.html"
    page_title = gettext_lazy("Roles")
    header_icon = "group"

    def get_breadcrumbs_items(self):
        # The header shows the last crumb: without this one it read "Home".
        return [*super().get_breadcrumbs_items(), {"url": "", "label": _("Roles")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        brands = [
            {
                "brand": brand,
                "members": [(Role(r).label, r, users) for r, users in members(brand).items()],
            }
            for brand in brands_with(self.request.user, "manage_roles")
        ]
        context.update(
            {
                "roles": [Role(r).label for r in Role.values],
                "matrix": role_matrix(),
                "brands": brands,
                "form": AssignForm(),
            }
        )
        return context


class BrandRolesView(WagtailAdminTemplateMixin, TemplateView):
    """One brand's people, with the form to add someone to a role (POST) and remove buttons."""

    template_name = "wagtail_lfcloud/roles/brand.html"
    header_icon = "group"

    def dispatch(self, request, *args, **kwargs):
        # An unknown slug and another brand's get the same answer: other brands are not confirmed.
        self.brand = (
            reachable(request.user, Brand, "manage_roles").filter(slug=kwargs["slug"]).first()
        )
        if self.brand is None:
            raise Http404(_("No brand found with that slug."))
        self.form = AssignForm(request.POST or None)
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Roles: %(brand)s") % {"brand": self.brand}

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": reverse("wagtail_lfcloud_admin:roles"), "label": _("Roles")},
            {"url": "", "label": str(self.brand)},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "brand": self.brand,
                "form": self.form,
                "members": [(Role(r).label, r, users) for r, users in members(self.brand).items()],
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if "remove" in request.POST:
            return self._remove(request)
        if not self.form.is_valid():
            messages.error(request, _("The person could not be added; see the errors below."))
            return self.render_to_response(self.get_context_data())
        user, role = self.form.cleaned_data["user"], self.form.cleaned_data["role"]
        if assign_role(self.brand, role, user, by=request.user):
            messages.success(
                request, _("%(user)s is now %(role)s for %(brand)s.") % self._words(user, role)
            )
        else:
            messages.warning(
                request, _("%(user)s already is %(role)s for %(brand)s.") % self._words(user, role)
            )
        return redirect("wagtail_lfcloud_admin:roles_brand", slug=self.brand.slug)

    def _remove(self, request):
        role = request.POST.get("role")
        User = get_user_model()
        user = (
            User.objects.filter(pk=request.POST.get("remove")).first()
            if request.POST.get("remove", "").isdigit()
            else None
        )
        if role not in Role.values or user is None:
            messages.error(request, _("Choose a person and a role to remove."))
        elif (
            user.pk == request.user.pk
            and role == Role.BRAND_ADMIN
            and not request.user.is_superuser
        ):
            messages.error(
                request, _("You cannot remove your own brand admin role; ask another brand admin.")
            )
        elif remove_role(self.brand, role, user, by=request.user):
            messages.success(
                request,
                _("%(user)s is no longer %(role)s for %(brand)s.") % self._words(user, role),
            )
        else:
            messages.warning(
                request, _("%(user)s was not %(role)s for %(brand)s.") % self._words(user, role)
            )
        return redirect("wagtail_lfcloud_admin:roles_brand", slug=self.brand.slug)

    def _words(self, user, role):
        return {"user": user.get_username(), "role": Role(role).label, "brand": self.brand}


class RolesMenuItem(MenuItem):
    def is_shown(self, request):
        user = request.user
        return user.is_superuser or brand_ids_with(user, "view_catalog") != set()


def roles_menu_item() -> MenuItem:
    return RolesMenuItem(
        _("Roles"), reverse("wagtail_lfcloud_admin:roles"), icon_name="group", order=9100
    )
