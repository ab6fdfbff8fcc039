"""Object-level guards for the package's admin viewsets and snippet choosers.

Wagtail 8's generic snippet views check *model* permissions (``change_product``) but fetch the
object by pk from the default manager: edit, inspect, history, usage, revisions, preview, lock and
workflow views never ask the permission policy about the object itself, and the snippet chooser
lists every row. A user holding a role for brand A would therefore reach brand B's rows by
changing the id in the URL. :class:`BrandGuardedViewSetMixin` closes that: every view of the
viewset that takes a ``pk`` first asks the model's registered permission policy
(:mod:`wagtail_lfcloud.access.policies`) whether the object is among those the user may act on, and
answers 404 otherwise (a 404, not a 403, so ids of other brands' rows are not confirmed).
"""

from __future__ import annotations

import functools

from django.contrib.admin.utils import unquote
from django.http import Http404
from django.utils.functional import cached_property, classproperty
from django.utils.translation import gettext as _
from wagtail.admin.views.generic import history, lock, preview, usage
from wagtail.admin.views.generic import models as generic_models
from wagtail.admin.views.generic import workflow as generic_workflow
from wagtail.images import get_image_model
from wagtail.images.views.bulk_actions.add_tags import AddTagsBulkAction
from wagtail.images.views.bulk_actions.add_to_collection import AddToCollectionBulkAction
from wagtail.images.views.bulk_actions.delete import DeleteBulkAction as ImageDeleteBulkAction
from wagtail.permissions import policy_registry
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction as SnippetDeleteBulkAction
from wagtail.snippets.models import get_snippet_models
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
)

from .capabilities import brand_ids_with
from .policies import MODEL_ACCESS, BrandPermissionPolicy

#: (view base class, actions of which the user needs one on the object). First match wins.
VIEW_ACTIONS: list[tuple[type, tuple[str, ...]]] = [
    (generic_models.DeleteView, ("delete",)),
    (generic_models.UnpublishView, ("publish",)),
    (generic_models.RevisionsUnscheduleView, ("publish",)),
    (lock.UnlockView, ("unlock",)),
    (lock.LockView, ("lock",)),
    (generic_workflow.WorkflowAction, ("change", "publish")),
    (generic_workflow.CollectWorkflowActionData, ("change", "publish")),
    (generic_workflow.ConfirmWorkflowCancellation, ("change", "publish")),
    (generic_workflow.PreviewRevisionForTask, ("change", "publish")),
    (generic_models.CopyViewMixin, ("add",)),
    (generic_models.EditView, ("change",)),
    (generic_models.RevisionsCompareView, ("change",)),
    (preview.PreviewOnEdit, ("change",)),
    (preview.PreviewRevision, ("change",)),
    (usage.UsageView, ("change",)),
    (generic_models.InspectView, ("view", "change")),
    (history.HistoryView, ("view", "change")),
]

#: Actions for an object view not listed above.
DEFAULT_ACTIONS = ("view", "change")

VIEWING_ACTIONS = ["view", "change", "add", "delete", "publish"]


def actions_for_view(view_class: type) -> tuple[str, ...]:
    """The actions, any of which lets a user open ``view_class`` on an object."""
    for base, actions in VIEW_ACTIONS:
        if issubclass(view_class, base):
            return actions
    return DEFAULT_ACTIONS


def user_may_reach(user, model, pk, actions) -> bool:
    """Whether the object ``pk`` of ``model`` is among those ``user`` may do any of ``actions`` to."""
    policy = policy_registry.get_by_type(model)
    return policy.instances_user_has_any_permission_for(user, list(actions)).filter(pk=pk).exists()


class _ScopedChooserMixin:
    """Limits a snippet chooser's rows to those the user may view, per the model's policy."""

    def _scoped(self):
        policy = policy_registry.get_by_type(self.model_class)
        return policy.instances_user_has_any_permission_for(self.request.user, VIEWING_ACTIONS)

    def get_object_list(self):
        return self._scoped()


class ScopedChooseView(_ScopedChooserMixin, ChooseView):
    pass


class ScopedChooseResultsView(_ScopedChooserMixin, ChooseResultsView):
    pass


class ScopedChosenView(_ScopedChooserMixin, SnippetChosenView):
    def get_object(self, pk):
        return self._scoped().get(pk=pk)


class ScopedChosenMultipleView(_ScopedChooserMixin, SnippetChosenMultipleView):
    def get_objects(self, pks):
        return self._scoped().filter(pk__in=pks)


class ScopedSnippetChooserViewSet(SnippetChooserViewSet):
    """A snippet chooser that only offers the rows the user's roles reach."""

    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView
    chosen_multiple_view_class = ScopedChosenMultipleView


def _visible(model, user):
    """Rows of one of the package's models ``user`` may see, or ``None`` if the model is not brand-owned."""
    policy = policy_registry.get_by_type(model)
    if not isinstance(policy, BrandPermissionPolicy):
        return None
    return policy.instances_user_has_any_permission_for(user, VIEWING_ACTIONS)


def form_capabilities(form, model, action: str) -> frozenset[str]:
    """The capabilities a form of ``model`` needs for ``action`` (``"add"``, ``"change"``).

    The form's ``brand_capability`` when it declares one (a form that asks more than the model's
    action, like the asset's *Edit details*, for brand admins only), else the action's
    capabilities in :data:`~wagtail_lfcloud.access.MODEL_ACCESS`.
    """
    declared = getattr(form, "brand_capability", None)
    if declared:
        return frozenset({declared})
    access = MODEL_ACCESS.get(model.__name__)
    return access.actions.get(action, frozenset()) if access is not None else frozenset()


def _brand_ids(user, capabilities: frozenset[str]) -> set[int] | None:
    """Brands where ``user`` holds any of ``capabilities`` (``None``: every brand)."""
    ids: set[int] = set()
    for capability in sorted(capabilities):
        found = brand_ids_with(user, capability)
        if found is None:
            return None
        ids |= found
    return ids


def narrow_choices(form, user, capabilities: frozenset[str] | None = None) -> None:
    """Limit every choice of a brand-owned row in ``form`` (and its inline formsets).

    Always to rows the user may see; with ``capabilities`` (what the form's action needs, see
    :func:`form_capabilities`) also to brands where the user holds one of them, so a person who
    is brand admin of A and studio of B is offered only A's products and orders on a form only
    A's brand admin may submit. A brand choice left with one brand starts on it. Wagtail builds
    filter and form choices from the related model's default manager, so a product field or a
    "brand" filter would otherwise list every brand's rows.
    """
    allowed = None if capabilities is None else _brand_ids(user, capabilities)
    for name, field in form.fields.items():
        queryset = getattr(field, "queryset", None)
        if queryset is None:
            continue
        visible = _visible(queryset.model, user)
        if visible is not None:
            queryset = queryset.filter(pk__in=visible.values("pk"))
        access = MODEL_ACCESS.get(queryset.model.__name__)
        if allowed is not None and access is not None:
            queryset = queryset.filter(**{f"{access.brand_path}__in": allowed})
        field.queryset = queryset
        if (
            capabilities is not None
            and name == "brand"
            and getattr(form.instance, "pk", None) is None
            and queryset.count() == 1
        ):
            field.initial = queryset.first().pk
    for formset in getattr(form, "formsets", {}).values():
        base = formset.form

        class NarrowedForm(base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                narrow_choices(self, user, capabilities)

        NarrowedForm.__name__ = base.__name__
        formset.form = NarrowedForm


class NarrowedFiltersMixin:
    """Listing filters (e.g. "brand") only offer rows the user may see."""

    @cached_property
    def filters(self):
        filters = super().filters
        if filters is not None:
            narrow_choices(filters.form, self.request.user)
        return filters


class NarrowedFormMixin:
    """Create/edit forms only offer rows of brands where the user may do the form's action."""

    def get_form(self, *args, **kwargs):
        form = super().get_form(*args, **kwargs)
        action = "add" if isinstance(self, generic_models.CreateView) else "change"
        narrow_choices(form, self.request.user, form_capabilities(form, self.model, action))
        return form


def _narrowed(view_class: type) -> type:
    if issubclass(view_class, generic_models.IndexView) and not issubclass(
        view_class, NarrowedFiltersMixin
    ):
        return type(view_class.__name__, (NarrowedFiltersMixin, view_class), {})
    if issubclass(
        view_class, (generic_models.CreateView, generic_models.EditView)
    ) and not issubclass(view_class, NarrowedFormMixin):
        return type(view_class.__name__, (NarrowedFormMixin, view_class), {})
    return view_class


class BrandGuardedViewSetMixin:
    """Mix into a ``SnippetViewSet``/``ModelViewSet``: object views 404 on rows the user may not reach.

    Put it first in the bases: ``class MyViewSet(BrandGuardedViewSetMixin, SnippetViewSet)``.
    ``BrandScopedViewSet`` (``viewsets/catalog.py``) already does, so viewsets built on it are covered.
    """

    chooser_viewset_class = ScopedSnippetChooserViewSet

    def construct_view(self, view_class, **kwargs):
        view = super().construct_view(_narrowed(view_class), **kwargs)
        actions = actions_for_view(view_class)
        model = self.model

        @functools.wraps(view)
        def guarded(request, *args, **view_kwargs):
            pk = view_kwargs.get("pk")
            if pk is not None and not user_may_reach(
                request.user, model, unquote(str(pk)), actions
            ):
                raise Http404(
                    _("No %(name)s found with that id.") % {"name": model._meta.verbose_name}
                )
            return view(request, *args, **view_kwargs)

        guarded.lfcloud_guarded = True
        return guarded


# --- bulk actions ---------------------------------------------------------------------------------
#
# Wagtail's bulk action confirmation pages list the ticked objects the user may not act on by name
# ("you don't have permission to delete: ...") and "select all" means every row of the model. For
# the package's models and the image model, both would show other brands' rows. The subclasses
# below keep only rows the user may reach at all; they are registered with a late hook order so
# they replace Wagtail's own classes for these models only.


class ReachableItemsMixin:
    """Bulk actions only ever see (or name) objects the user may reach."""

    #: Image policy actions that make an image reachable (the package policies use VIEWING_ACTIONS).
    image_actions = ["add", "change", "delete", "choose"]

    def _reachable(self):
        policy = policy_registry.get_by_type(self.model)

        actions = self.image_actions if self.model is get_image_model() else VIEWING_ACTIONS
        return policy.instances_user_has_any_permission_for(self.request.user, actions)

    def get_all_objects_in_listing_query(self, parent_id):
        return self._reachable().values_list("pk", flat=True)

    def get_actionable_objects(self):
        objects, extra = super().get_actionable_objects()
        pks = [o.pk for o in objects] + [o.pk for o in extra.get("items_with_no_access", [])]
        reachable = set(self._reachable().filter(pk__in=pks).values_list("pk", flat=True))
        objects = [o for o in objects if o.pk in reachable]
        extra["items_with_no_access"] = [
            o for o in extra.get("items_with_no_access", []) if o.pk in reachable
        ]
        return objects, extra


def guarded_bulk_actions() -> list[type]:
    """Bulk action classes for ``register_bulk_action`` (with a late ``order``) that replace Wagtail's
    snippet delete for the package's models and the image bulk actions."""

    class GuardedSnippetDeleteBulkAction(ReachableItemsMixin, SnippetDeleteBulkAction):
        @classproperty
        def models(cls):
            return [m for m in get_snippet_models() if m._meta.app_label == "wagtail_lfcloud"]

    def image_action(base):
        return type(
            f"Guarded{base.__name__}",
            (ReachableItemsMixin, base),
            {"models": classproperty(lambda cls: [get_image_model()]), "__module__": __name__},
        )

    return [GuardedSnippetDeleteBulkAction] + [
        image_action(base)
        for base in (AddTagsBulkAction, AddToCollectionBulkAction, ImageDeleteBulkAction)
    ]
