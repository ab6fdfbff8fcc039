"""What every brand-owned viewset of the package shares.

:class:`BrandScopedViewSet` is a Wagtail ``SnippetViewSet`` whose listing holds only rows of
brands where the user may view the model, read from
:data:`~wagtail_lfcloud.access.MODEL_ACCESS` (the model's brand path and its ``view``
capabilities), so a viewset never restates its scope. On top: object views answer 404 for other
brands' rows and choices are narrowed (:class:`~wagtail_lfcloud.access.guards.BrandGuardedViewSetMixin`),
search answers whatever is typed (:mod:`.search`) and exports neutralise spreadsheet formulas
(:mod:`wagtail_lfcloud.delivery.exports`).
"""

from __future__ import annotations

from django.db.models import QuerySet
from wagtail.admin.panels import ObjectList
from wagtail.snippets.views.snippets import SnippetViewSet

from ..access.capabilities import brand_ids_with
from ..access.guards import BrandGuardedViewSetMixin
from ..access.policies import MODEL_ACCESS
from ..delivery.exports import SafeExportViewSetMixin
from ..forms import BrandScopedForm
from .search import SearchOrderingViewSetMixin


def scoped_panels(panels: list) -> ObjectList:
    """An edit handler whose form narrows brand choices to the user's brands."""
    return ObjectList(panels, base_form_class=BrandScopedForm)


def viewable(queryset: QuerySet, user) -> QuerySet:
    """Rows of ``queryset`` on brands where ``user`` holds one of the model's ``view``
    capabilities in ``MODEL_ACCESS`` (all rows for superusers)."""
    access = MODEL_ACCESS[queryset.model.__name__]
    ids: set[int] = set()
    for capability in sorted(access.actions["view"]):
        found = brand_ids_with(user, capability)
        if found is None:
            return queryset
        ids |= found
    return queryset.filter(**{f"{access.brand_path}__in": ids})


class BrandScopedViewSet(
    SearchOrderingViewSetMixin, SafeExportViewSetMixin, BrandGuardedViewSetMixin, SnippetViewSet
):
    """A snippet viewset whose listing only shows rows of brands the user may see.

    Object-level checks (edit, delete, inspect of another brand's row) are enforced by the
    permission policies registered for the package's models.
    """

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if queryset is None:
            queryset = self.model._default_manager.all()
        return viewable(queryset, request.user)
