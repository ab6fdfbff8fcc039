"""The Assets snippet: its listing, edit form and the workflow action that approves versions."""

from __future__ import annotations

from django import forms
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin import messages
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import HeaderButton
from wagtail.models import TaskState
from wagtail.snippets.views.snippets import (
    EditView,
    IndexView,
    SnippetViewSet,
    WorkflowActionView,
)

from ..access.capabilities import brand_ids_with, has_capability
from ..access.guards import BrandGuardedViewSetMixin
from ..assets.workflows import version_for_task_state
from ..delivery.exports import SafeExportViewSetMixin
from ..forms import BrandScopedForm
from ..models import Asset, VersionStatus
from ..orders.status import channel_keys
from ..storage.locking import lock_asset, locked_asset_view
from .search import SearchOrderingViewSetMixin


def channel_choices():
    return [(key, key) for key in channel_keys()]


class AssetForm(BrandScopedForm):
    """Brand, product and order choices narrowed to the brands the user manages orders for;
    channels ticked from the configured presets (never a JSON textarea)."""

    # Edit details is for brand admins (studios and approvers work on the review page), so the
    # form asks manage_orders even where the model's change action would allow upload or review.
    brand_capability = "manage_orders"

    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=channel_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The channel files made from the approved version."),
    )

    def clean(self):
        cleaned = super().clean()
        brand = cleaned.get("brand")
        if brand is not None:
            for name in ("product", "order"):
                related = cleaned.get(name)
                if related is not None and related.brand_id != brand.pk:
                    self.add_error(name, _("This belongs to another brand."))
        return cleaned


def scope_assets(queryset, user):
    """Assets the user may see: every asset of brands where they see drafts, and only assets with
    an approved current version where they see finals only (marketers)."""
    drafts = brand_ids_with(user, "view_drafts")
    if drafts is None:
        return queryset
    finals = brand_ids_with(user, "view_finals") or set()
    finals_only = finals - drafts
    return queryset.filter(
        Q(brand_id__in=drafts)
        | Q(brand_id__in=finals_only, pk__in=Asset.objects.with_current_only().values("pk"))
    )


def _current(asset: Asset) -> str:
    version = asset.current_version
    return f"v{version.number}" if version else "—"


def _in_review(asset: Asset) -> str:
    version = asset.submitted_version
    if version is None or version.status not in (
        VersionStatus.IN_REVIEW,
        VersionStatus.CHANGES_REQUESTED,
    ):
        return "—"
    return f"v{version.number} ({version.get_status_display()})"


def _links(asset: Asset) -> str:
    return format_html(
        '<a href="{}">{}</a> · <a href="{}">{}</a>',
        reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk]),
        gettext("Review"),
        reverse("wagtail_lfcloud_admin:asset_versions", args=[asset.pk]),
        gettext("Versions"),
    )


class AssetIndexView(IndexView):
    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if brand_ids_with(self.request.user, "upload") != set():
            buttons.append(
                HeaderButton(
                    _("Upload files"),
                    url=reverse("wagtail_lfcloud_admin:upload"),
                    icon_name="upload",
                )
            )
        return buttons


class AssetURLFinder(ModelAdminURLFinder):
    """Wagtail's links to "edit" an asset (dashboard's "awaiting your review" and "your objects in
    workflow" panels, search, history and reports) open its review page: where a person looks,
    comments and decides. The details form is one click away from there, for brand admins."""

    def construct_edit_url(self, instance):
        return reverse("wagtail_lfcloud_admin:asset_review", args=(quote(instance.pk),))


#: Fields of the asset's details form, saved at once (an asset's details have no drafts).
DETAIL_FIELDS = ("brand", "product", "angle", "order", "channels", "instructions")


class AssetEditView(EditView):
    """The deliverable's details (channels, instructions, order) for people who manage orders.

    Others (studios, approvers) are sent to the review page, where their work is. Saving applies
    the details at once: Wagtail would keep edits of an approved (live) asset as a draft revision
    nobody publishes, and the decisions belong to the review page, not this form's menu.
    """

    def dispatch(self, request, *args, **kwargs):
        # setup() fetched the object (the viewset's guard already 404s other brands' ids).
        if not has_capability(request.user, self.object.brand_id, "manage_orders"):
            return redirect("wagtail_lfcloud_admin:asset_review", self.object.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_header_buttons(self):
        return [
            HeaderButton(
                _("Review"),
                url=reverse("wagtail_lfcloud_admin:asset_review", args=[self.object.pk]),
                icon_name="view",
            ),
            *super().get_header_buttons(),
        ]

    def save_instance(self):
        instance = super().save_instance()
        names = [name for name in DETAIL_FIELDS if name in self.form.cleaned_data]
        Asset.objects.filter(pk=instance.pk).update(
            **{name: getattr(instance, name) for name in names}
        )
        return instance


def asset_action_menu(menu_items: list, request, context: dict) -> None:
    """``construct_snippet_action_menu`` hook body: an asset's details form only saves.

    Approve and request changes are on the review page (with the file, comments and look-alikes);
    publishing, unpublishing and workflow buttons would act on the review from a form that does
    not show the file. The button reads "Save", not "Save draft": the details apply at once.
    """
    if context.get("model") is not Asset or context.get("view") not in ("create", "edit"):
        return
    context["draftstate_enabled"] = False
    keep = {"action-save", "action-locked"}
    menu_items[:] = [item for item in menu_items if item.name in keep]


class AssetWorkflowActionView(WorkflowActionView):
    """Wagtail's workflow action, made safe for concurrent reviewers and uploads.

    The viewset runs the POST in one transaction that locks the asset row first
    (:func:`~wagtail_lfcloud.storage.locking.locked_asset_view`, the order uploads take too), then the task
    state is read again: a second approval of the same step, or an approval of a version that a newer upload has
    replaced, is refused with a message instead of acting on stale data.
    """

    def check_action(self):
        if not has_capability(self.request.user, self.object.brand_id, "review"):
            raise PermissionDenied
        return super().check_action()

    def _refuse(self, request, message):
        messages.error(request, message)
        if request.headers.get("x-requested-with") == "XMLHttpRequest":
            return self.render_modal_json(
                request, {"step": "success", "redirect": self.redirect_url}
            )
        return redirect(self.redirect_url)

    def post(self, request, *args, **kwargs):
        with transaction.atomic():
            asset = lock_asset(self.object.pk)
            fresh = TaskState.objects.filter(pk=self.task_state.pk).first()
            if fresh is None or fresh.status != TaskState.STATUS_IN_PROGRESS:
                return self._refuse(
                    request,
                    gettext(
                        "This review step was already completed (by someone else, or in another window); "
                        "nothing was changed."
                    ),
                )
            version = version_for_task_state(fresh)
            latest = asset.versions.aggregate(n=Max("number"))["n"]
            if version is not None and version.number != latest:
                return self._refuse(
                    request,
                    gettext(
                        "Version %(n)s is no longer the latest upload (version %(latest)s is); review that one instead."
                    )
                    % {"n": version.number, "latest": latest},
                )
            self.task_state = fresh.specific
            return super().post(request, *args, **kwargs)


class AssetViewSet(
    SearchOrderingViewSetMixin, SafeExportViewSetMixin, BrandGuardedViewSetMixin, SnippetViewSet
):
    model = Asset
    icon = "image"
    menu_label = _("Assets")
    menu_order = 940
    index_view_class = AssetIndexView
    edit_view_class = AssetEditView
    url_finder_class = AssetURLFinder
    workflow_action_view_class = AssetWorkflowActionView
    list_display = [
        Column("product", label=_("Product"), accessor=lambda a: a.product.sku),
        "angle",
        "brand",
        Column("current", label=_("Current"), accessor=_current),
        Column("in_review", label=_("In review"), accessor=_in_review),
        Column("links", label=_("Review"), accessor=_links),
        "updated_at",
    ]
    list_filter = ["brand", "angle", "live"]
    # Searching uses Asset.search_fields (angle, product SKU and name) through the search backend.
    list_export = ["brand", "product", "angle", "channels", "updated_at"]
    export_filename = "assets"
    inspect_view_enabled = True
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("brand"), FieldPanel("product")]),
            FieldRowPanel([FieldPanel("angle"), FieldPanel("order")]),
            FieldPanel("channels"),
            FieldPanel("instructions"),
        ],
        base_form_class=AssetForm,
    )

    def construct_view(self, view_class, **kwargs):
        # Every change made through the asset's admin views (edit, the editor's workflow actions,
        # cancel, restore a revision, approve / request changes, delete) locks the asset row first,
        # in one transaction retried on a race: the lock order of locking.py.
        return locked_asset_view(super().construct_view(view_class, **kwargs))

    def get_queryset(self, request):
        queryset = Asset.objects.select_related(
            "product", "brand", "submitted_version"
        ).with_current()
        return scope_assets(queryset, request.user)
