"""Fetch one brand-owned row for a user, or answer 404: the one way views and the API look rows up.

A view that fetches an object by the id in its URL and *then* checks the user's role answers
differently for "exists, but not yours" (403, or a message naming it) and "does not exist" (404):
that difference confirms another brand's ids. :func:`get_for_user_or_404` narrows the queryset to
the user's brands first and asks for the id second, so both cases are the same query with no
result and raise the same :class:`~django.http.Http404` with the same message::

    from wagtail_lfcloud.access import get_for_user_or_404

    order = get_for_user_or_404(request.user, Order, pk, "view_orders")
    asset = get_for_user_or_404(request.user, Asset.objects.select_related("brand"), pk, "review")

The headless API turns that ``Http404`` into its JSON error (``{"error": "not_found", ...}``).
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .capabilities import scope
from .policies import MODEL_ACCESS

M = TypeVar("M", bound=Model)


def brand_path_for(model: type[Model]) -> str:
    """The lookup from ``model`` to its brand, from :data:`~.policies.MODEL_ACCESS`.

    Raises ``ValueError`` for a model the package does not know as brand-owned: pass
    ``brand_path=`` explicitly for those.
    """
    access = MODEL_ACCESS.get(model.__name__)
    if access is None or model._meta.app_label != "wagtail_lfcloud":
        raise ValueError(
            f"{model.__name__} is not a brand-owned model of wagtail_lfcloud; pass brand_path= "
            "(the lookup from the model to its Brand, e.g. 'order__brand')."
        )
    return access.brand_path


def reachable(
    user, model_or_qs: type[M] | QuerySet[M], capability: str, *, brand_path: str | None = None
) -> QuerySet[M]:
    """Rows of ``model_or_qs`` whose brand ``user`` holds ``capability`` on (all of them for
    superusers, none for anonymous or inactive users)."""
    queryset = model_or_qs._default_manager.all() if isinstance(model_or_qs, type) else model_or_qs
    path = brand_path or brand_path_for(queryset.model)
    return scope(queryset, user, capability, path)


def not_found_message(model: type[Model]) -> str:
    return _("No %(name)s found with that id.") % {"name": model._meta.verbose_name}


def get_for_user_or_404(
    user,
    model_or_qs: type[M] | QuerySet[M],
    pk,
    capability: str,
    *,
    brand_path: str | None = None,
    message: str | None = None,
) -> M:
    """The row ``pk`` of ``model_or_qs`` if ``user`` holds ``capability`` on its brand.

    Otherwise (no such row, another brand's row, a role without the capability, an anonymous
    user, an id that is not even a number) raise ``Http404(message)``, the same exception with
    the same message in every case. ``message`` defaults to "No <verbose name> found with that id."

    ``brand_path`` is the lookup from the model to its brand; it defaults to the model's entry in
    :data:`~wagtail_lfcloud.access.MODEL_ACCESS` (``"brand"``, ``"order__brand"``, ...).
    """
    queryset = reachable(user, model_or_qs, capability, brand_path=brand_path)
    try:
        obj = queryset.filter(pk=pk).first()
    except (ValueError, TypeError, ValidationError):
        obj = None
    if obj is None:
        raise Http404(message or not_found_message(queryset.model))
    return obj
