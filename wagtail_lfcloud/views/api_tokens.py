"""API tokens a brand admin makes for their brand's headless frontends (no superuser needed).

A brand admin lists the tokens of the brands they manage tokens for, creates one (named, one
brand, the scopes it needs: read-only by default; the secret is shown once), and revokes it. Each token is Wagtail's
:class:`~wagtail.models.APIToken` (only a digest stored) with a
:class:`~wagtail_lfcloud.models.BrandAPIToken` row holding its brand and scopes, which the API
enforces (:class:`wagtail_lfcloud.api.router.BrandScopedTokenAuth`).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet
from wagtail.log_actions import log
from wagtail.models import APIToken

from ..access.capabilities import TOKEN_SCOPES, brand_ids_with, brands_with, scopes_allowed
from ..access.scoping import get_for_user_or_404
from ..models import BrandAPIToken
from .base import LFCloudPageMixin

CAPABILITY = "manage_api_tokens"
#: The scopes a token may carry, in the order the form offers them (keys of ``TOKEN_SCOPES``).
SCOPE_CHOICES = [
    ("read", gettext_lazy("read: the catalog and approved files (what a storefront shows)")),
    ("usage", gettext_lazy("usage: the brand's delivery figures (GET /usage)")),
    ("products:write", gettext_lazy("products:write: create and update products by SKU")),
    ("orders:write", gettext_lazy("orders:write: open orders with lines and a brief")),
    ("upload", gettext_lazy("upload: upload versions for a SKU and angle, and comment")),
    ("review", gettext_lazy("review: approve or request changes, and comment")),
]


def manageable_tokens(user):
    ids = brand_ids_with(user, CAPABILITY)
    qs = BrandAPIToken.objects.select_related("token__user", "brand").order_by("-token__created")
    return qs if ids is None else qs.filter(brand_id__in=ids)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=255,
        help_text=gettext_lazy("Which frontend uses it, e.g. “Storefront (production)”."),
    )
    brand = forms.ModelChoiceField(label=gettext_lazy("Brand"), queryset=None, empty_label=None)
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"),
        choices=SCOPE_CHOICES,
        initial=["read"],
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Give each frontend only what it needs: a storefront needs read, nothing else."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["brand"].queryset = brands_with(user, CAPABILITY)

    def clean(self):
        cleaned = super().clean()
        brand, scopes = cleaned.get("brand"), cleaned.get("scopes")
        if brand is not None and scopes:
            # A token never exceeds its creator's roles; refuse a scope it could never use.
            allowed = scopes_allowed(self.user, brand)
            refused = [s for s in scopes if s not in allowed]
            if refused:
                self.add_error(
                    "scopes",
                    _("Your roles on %(brand)s do not allow: %(scopes)s.")
                    % {"brand": brand, "scopes": ", ".join(refused)},
                )
        return cleaned


class _TokenMixin(LFCloudPageMixin):
    header_icon = "key"

    def dispatch(self, request, *args, **kwargs):
        if brand_ids_with(request.user, CAPABILITY) == set():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class TokenIndexView(_TokenMixin, TemplateView):
    template_name = "wagtail_lfcloud/api_tokens/index.html"
    page_title = gettext_lazy("API tokens")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tokens"] = manageable_tokens(self.request.user)
        context["add_url"] = reverse("wagtail_lfcloud_admin:api_token_add")
        return context


class TokenCreateView(_TokenMixin, FormView):
    template_name = "wagtail_lfcloud/api_tokens/add.html"
    page_title = gettext_lazy("New API token")
    form_class = TokenForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        with transaction.atomic():
            token, plaintext = APIToken.create_token(
                user=self.request.user, name=form.cleaned_data["name"]
            )
            BrandAPIToken.objects.create(
                token=token,
                brand=form.cleaned_data["brand"],
                scopes=[s for s in TOKEN_SCOPES if s in form.cleaned_data["scopes"]],
            )
            log(token, "wagtail.create", user=self.request.user)
        return TemplateResponse(
            self.request,
            "wagtail_lfcloud/api_tokens/created.html",
            {
                **self.get_context_data(),
                "object": token,
                "token": plaintext,
                "index_url": reverse("wagtail_lfcloud_admin:api_tokens"),
            },
        )


class TokenRevokeView(_TokenMixin, TemplateView):
    template_name = "wagtail_lfcloud/api_tokens/revoke.html"
    page_title = gettext_lazy("Revoke API token")

    def get_object(self) -> BrandAPIToken:
        # Another brand's token answers 404, like an unknown one.
        return get_for_user_or_404(
            self.request.user,
            manageable_tokens(self.request.user),
            self.kwargs["pk"],
            CAPABILITY,
            brand_path="brand",
        )

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "object": self.get_object()}

    def post(self, request, *args, **kwargs):
        scope = self.get_object()
        if scope.token.revoked_at is None:
            scope.token.revoke()
            log(scope.token, "wagtail.delete", user=request.user)
        messages.success(
            request, _("The token “%(name)s” is revoked.") % {"name": scope.token.name}
        )
        return redirect("wagtail_lfcloud_admin:api_tokens")


class TokenMenuItem(MenuItem):
    def is_shown(self, request):
        return brand_ids_with(request.user, CAPABILITY) != set()


class APITokenViewSet(ViewSet):
    """The "API tokens" item of the LF Cloud menu (the views live in ``admin_urls``)."""

    name = "lfcloud_api_tokens"
    icon = "key"
    menu_label = gettext_lazy("API tokens")
    menu_order = 980
    add_to_admin_menu = False

    @property
    def menu_url(self):
        return reverse("wagtail_lfcloud_admin:api_tokens")

    def get_menu_item(self, order=None):
        return TokenMenuItem(
            self.menu_label,
            self.menu_url,
            name=self.menu_name,
            icon_name=self.menu_icon,
            order=order if order is not None else self.menu_order,
        )

    def get_urlpatterns(self):
        return []


urlpatterns = [
    path("api-tokens/", TokenIndexView.as_view(), name="api_tokens"),
    path("api-tokens/add/", TokenCreateView.as_view(), name="api_token_add"),
    path("api-tokens/<int:pk>/revoke/", TokenRevokeView.as_view(), name="api_token_revoke"),
]

__all__ = ["APITokenViewSet", "TOKEN_SCOPES", "urlpatterns"]
