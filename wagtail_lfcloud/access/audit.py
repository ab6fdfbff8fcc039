"""Who may read which audit-log line.

Wagtail keeps one log model per kind of object (``log_registry.register_model``) and its site
history report lists, for every log model, ``objects.viewable_by_user(user)``. For plain models
that is :class:`~wagtail.models.ModelLogEntry`, which only asks for *a model permission* on the
line's content type: a marketer of brand A would read brand B's "edited", "role changed" and
"original downloaded" lines. So the package writes the lines of its own models and of the image
model to :class:`~wagtail_lfcloud.models.BrandLogEntry` instead, stamped with the object's brand and
the capability needed to read them (:func:`audience_of`), and lists them with
:func:`visible_entries`.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import Model, Q, QuerySet
from wagtail.images import get_image_model
from wagtail.images.models import AbstractImage
from wagtail.models import Collection

from .. import models
from ..models import BrandCollection, BrandLogEntry
from .capabilities import _AUDIT_CT_CACHE_ATTR as _CT_CACHE_ATTR
from .capabilities import _AUDIT_FILTER_CACHE_ATTR as _FILTER_CACHE_ATTR
from .capabilities import CAPABILITIES, brand_ids_with
from .policies import MODEL_ACCESS, STAGE_CAPABILITY, brand_id_of

#: Log actions whose lines need more than the model's "view" capability.
ACTION_CAPABILITY: dict[str, str] = {
    # Who joined or left a brand's roles is for the people who manage them.
    "wagtail_lfcloud.role_changed": "manage_roles",
}


def logged_models() -> list[type[Model]]:
    """The models whose log lines go to ``BrandLogEntry``: the package's brand-owned models and
    the image model."""
    return [getattr(models, name) for name in MODEL_ACCESS] + [get_image_model()]


def register_log_models(actions) -> None:
    """Point Wagtail's log registry at ``BrandLogEntry`` for :func:`logged_models` (called from the
    ``register_log_actions`` hook; exact classes win over Wagtail's ``models.Model`` default)."""
    for model in logged_models():
        actions.register_model(model, BrandLogEntry)
    if not isinstance(actions.log_entry_models, _BrandLogEntryFirst):
        actions.log_entry_models = _BrandLogEntryFirst(actions.log_entry_models)


class _BrandLogEntryFirst(set):
    """Wagtail's set of log models, iterated with ``BrandLogEntry`` first.

    The site history report unions the log models in this order. On Django 6.1 with SQLite, a
    union of three querysets fails when the first one's model has a default ordering, as
    Wagtail's ``ModelLogEntry`` and ``PageLogEntry`` do; ``BrandLogEntry`` has none.
    """

    def __iter__(self):
        items = list(super().__iter__())
        return iter(sorted(items, key=lambda model: model is not BrandLogEntry))


def _view_capability(model: type[Model]) -> str | None:
    access = MODEL_ACCESS.get(model.__name__)
    if access is None or model._meta.app_label != "wagtail_lfcloud":
        return None
    (capability,) = access.actions["view"]  # one capability per model; tests/roles check it
    return capability


def place_of_collection(collection_id: int | None) -> tuple[int | None, str]:
    """``(brand_id, stage)`` of the brand library holding the collection, or ``(None, "")``."""
    path = Collection.objects.filter(pk=collection_id).values_list("path", flat=True).first()
    if path is None:
        return None, ""
    steplen = Collection.steplen
    ancestors = [path[:end] for end in range(steplen, len(path) + 1, steplen)]
    place = (
        BrandCollection.objects.filter(collection__path__in=ancestors)
        .order_by("-collection__depth")
        .values_list("brand_id", "stage")
        .first()
    )
    return place if place else (None, "")


def audience_of(instance: Model, action: str = "") -> tuple[int | None, str]:
    """``(brand_id, capability)`` for a new log line about ``instance``.

    A package model: its brand and the capability that lets a person view it (or the action's own,
    :data:`ACTION_CAPABILITY`). An image: the brand whose library holds its collection, and the
    stage's capability (drafts and archive need ``view_drafts``, finals ``view_finals``). An image
    outside every brand library: ``(None, "")``, Wagtail's own rule.
    """
    capability = _view_capability(type(instance))
    if capability is not None:
        brand_id = brand_id_of(instance, MODEL_ACCESS[type(instance).__name__].brand_path)
        return brand_id, ACTION_CAPABILITY.get(action, capability)
    if isinstance(instance, AbstractImage):
        brand_id, stage = place_of_collection(instance.collection_id)
        if brand_id is None:
            return None, ""
        return brand_id, ACTION_CAPABILITY.get(action, STAGE_CAPABILITY.get(stage, "view_drafts"))
    return None, ""


def _allowed_content_type_ids(user) -> set[int]:
    """Content types on which ``user`` holds a model permission (Wagtail's rule), cached on the
    user object under a key of this package's own (Wagtail's is filled from the first log model
    asked and shared by all).

    Read from the user's permissions, in one query: unlike Wagtail, which first lists the content
    types used in the whole log table, this does not read the log table at all.
    """
    cached = getattr(user, _CT_CACHE_ATTR, None)
    if cached is None:
        held = user.get_all_permissions()
        codenames = {name.split(".", 1)[1] for name in held}
        rows = Permission.objects.filter(codename__in=codenames).values_list(
            "content_type_id", "content_type__app_label", "codename"
        )
        cached = {ct for ct, app_label, codename in rows if f"{app_label}.{codename}" in held}
        setattr(user, _CT_CACHE_ATTR, cached)
    return cached


def brand_filter(user) -> Q:
    """Lines without a brand, and lines of brands where the user holds the line's capability."""
    cached = getattr(user, _FILTER_CACHE_ATTR, None)
    if cached is not None:
        return cached
    q = Q(brand__isnull=True, capability="")
    for capability in CAPABILITIES:
        ids = brand_ids_with(user, capability)
        if ids:
            q |= Q(capability=capability, brand_id__in=sorted(ids))
    setattr(user, _FILTER_CACHE_ATTR, q)
    return q


def visible_entries(queryset: QuerySet, user) -> QuerySet:
    """The lines of ``queryset`` (a ``BrandLogEntry`` queryset) that ``user`` may read."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    allowed = _allowed_content_type_ids(user)
    if not allowed:
        return queryset.none()
    return queryset.filter(Q(content_type_id__in=sorted(allowed)) & brand_filter(user))
