"""Wagtail permission policies for the package's models and for the image library.

Wagtail answers "may this user do X?" through the permission policy registered for a model
(``wagtail.permissions.policy_registry``). The package registers, from ``AppConfig.ready()``:

- a :class:`BrandPermissionPolicy` for each of its brand-owned models: the Django model permission
  (given to the role groups by :mod:`wagtail_lfcloud.access.roles`) **and** a brand capability
  (:mod:`wagtail_lfcloud.access.capabilities`) on the object's own brand;
- a :class:`LFCloudImagePermissionPolicy` for the active image model: Wagtail's native
  collection permissions **and** the stage rule (raw/draft and archive files need ``view_drafts``,
  finals need ``view_finals``) on every brand collection tree.

:data:`MODEL_ACCESS` is the single table of which capability each action on each model needs;
``roles.py`` derives the groups' Django model permissions from the same table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Model, Q, QuerySet
from wagtail.images import get_image_model
from wagtail.models import Collection
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy
from wagtail.permissions import register_permission_policy

from .. import models
from ..models import BrandCollection
from .capabilities import brand_ids_with, has_capability

#: The per-object actions Wagtail's snippet views ask about.
ACTIONS = ("view", "add", "change", "delete", "publish", "lock", "unlock")


@dataclass(frozen=True)
class ModelAccess:
    """How one model is owned by a brand and which capabilities each action needs."""

    #: Lookup from the model to the brand (``"brand"``, ``"order__brand"``, ``"pk"`` for Brand).
    brand_path: str
    #: Action -> capabilities, any of which allows the action. Missing action: superusers only.
    actions: dict[str, frozenset[str]] = field(default_factory=dict)


def _caps(*names: str) -> frozenset[str]:
    return frozenset(names)


def _crud(view: frozenset[str], manage: frozenset[str]) -> dict[str, frozenset[str]]:
    return {"view": view, "add": manage, "change": manage, "delete": manage}


#: Model name (``Model.__name__``) -> its access rules. Every brand-owned model of the package is here.
MODEL_ACCESS: dict[str, ModelAccess] = {
    # Brands are created by superusers; a brand admin edits their own brand's details.
    "Brand": ModelAccess("pk", {"view": _caps("view_catalog"), "change": _caps("manage_catalog")}),
    "Catalog": ModelAccess("brand", _crud(_caps("view_catalog"), _caps("manage_catalog"))),
    "Season": ModelAccess("brand", _crud(_caps("view_catalog"), _caps("manage_catalog"))),
    "Product": ModelAccess("brand", _crud(_caps("view_catalog"), _caps("manage_catalog"))),
    "Asset": ModelAccess(
        "brand",
        {
            "view": _caps("view_drafts"),
            "add": _caps("manage_orders"),
            # Studios change assets by uploading; approvers need change (and publish) because
            # Wagtail's final approval publishes the revision as the approving user.
            "change": _caps("upload", "review"),
            "delete": _caps("manage_orders"),
            "publish": _caps("review"),
            "lock": _caps("upload", "review"),
            "unlock": _caps("upload", "review"),
        },
    ),
    "AssetVersion": ModelAccess("asset__brand", _crud(_caps("view_drafts"), _caps("upload"))),
    "AssetComment": ModelAccess(
        "version__asset__brand", _crud(_caps("view_drafts"), _caps("comment"))
    ),
    "ChannelRendition": ModelAccess(
        "version__asset__brand", {"view": _caps("view_finals"), "change": _caps("review")}
    ),
    "Order": ModelAccess(
        "brand",
        {
            "view": _caps("view_orders"),
            "add": _caps("manage_orders"),
            # Studios move orders through production with the status buttons, not the edit form.
            "change": _caps("manage_orders"),
            "delete": _caps("manage_orders"),
        },
    ),
    "OrderLine": ModelAccess("order__brand", _crud(_caps("view_orders"), _caps("manage_orders"))),
    "Brief": ModelAccess("order__brand", _crud(_caps("view_briefs"), _caps("manage_orders"))),
    "BriefReference": ModelAccess(
        "brief__order__brand", _crud(_caps("view_briefs"), _caps("manage_orders"))
    ),
    "OrderMessage": ModelAccess(
        "order__brand", _crud(_caps("message_orders"), _caps("message_orders"))
    ),
    "Invoice": ModelAccess("order__brand", _crud(_caps("view_invoices"), _caps("manage_invoices"))),
    "Payment": ModelAccess(
        "invoice__order__brand", _crud(_caps("view_invoices"), _caps("manage_invoices"))
    ),
    # Bundles are records: requested through the bundle views and the API, never an add form.
    "DownloadBundle": ModelAccess("brand", {"view": _caps("download_bundles")}),
    "WebhookEndpoint": ModelAccess(
        "brand", _crud(_caps("manage_webhooks"), _caps("manage_webhooks"))
    ),
    "WebhookDelivery": ModelAccess("endpoint__brand", {"view": _caps("manage_webhooks")}),
}


def brand_id_of(instance: Model, brand_path: str) -> int | None:
    """Follow ``brand_path`` from ``instance`` to its brand's pk (``None`` if the chain is broken)."""
    parts = brand_path.split("__")
    obj = instance
    for part in parts[:-1]:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    last = parts[-1]
    if last == "pk":
        return obj.pk
    return getattr(obj, f"{last}_id", None)


class BrandPermissionPolicy(ModelPermissionPolicy):
    """Django model permission for the action, and the action's capability on the object's brand.

    Model-level questions (``user_has_permission``) are answered by the model permissions the
    user's role groups hold; object-level questions and querysets also require the capability on
    the object's own brand, so a role held for brand A never reaches brand B's rows.
    """

    def __init__(self, model, access: ModelAccess):
        super().__init__(model)
        self.access = access

    def _capabilities(self, action: str) -> frozenset[str]:
        return self.access.actions.get(action, frozenset())

    def brand_ids_for(self, user, actions) -> set[int] | None:
        """Brands where the user may do any of ``actions`` (``None``: all brands)."""
        if user is not None and user.is_active and user.is_superuser:
            return None
        ids: set[int] = set()
        for action in actions:
            if not self.user_has_permission(user, action):
                continue
            for capability in self._capabilities(action):
                found = brand_ids_with(user, capability)
                if found is None:
                    return None
                ids |= found
        return ids

    def user_has_permission_for_instance(self, user, action, instance) -> bool:
        if not self.user_has_permission(user, action):
            return False
        if user.is_superuser:
            return True
        brand_id = brand_id_of(instance, self.access.brand_path)
        return brand_id is not None and any(
            has_capability(user, brand_id, capability) for capability in self._capabilities(action)
        )

    def instances_user_has_any_permission_for(self, user, actions) -> QuerySet:
        queryset = self.model._default_manager.all()
        ids = self.brand_ids_for(user, actions)
        if ids is None:
            return queryset
        if not ids:
            return queryset.none()
        return queryset.filter(**{f"{self.access.brand_path}__in": ids})


#: Stage of a brand collection -> capability needed to see files in it.
#: ``""`` is the brand's top collection itself (nothing approved lives directly there).
STAGE_CAPABILITY: dict[str, str] = {
    "": "view_drafts",
    "raw": "view_drafts",
    "archive": "view_drafts",
    "finals": "view_finals",
}

_IMAGE_CACHE_ATTR = "_lfcloud_image_rules"


class LFCloudImagePermissionPolicy(CollectionOwnershipPermissionPolicy):
    """Wagtail's image policy, plus the brand and stage rule on every brand collection tree.

    Native collection permissions still decide add/change/choose; on top, an image inside a
    brand's tree is only reachable by users who hold the stage's capability on that brand
    (:data:`STAGE_CAPABILITY`). So a marketer with ``choose`` on the whole library still never
    reaches a raw file, and nobody reaches another brand's files, in the listing, the chooser,
    search, the edit view or the multiple-upload edit forms. Images outside brand trees and
    superusers are unaffected.
    """

    def forbidden_collection_ids(self, user) -> list[int]:
        """Ids of the brand collections (at any depth) whose images ``user`` may not reach.

        Two queries, cached on the user object. Ids rather than path prefixes, because Wagtail's
        search backends can only filter on indexed fields such as ``collection_id``.
        """
        cached = getattr(user, _IMAGE_CACHE_ATTR, None)
        if cached is not None:
            return cached

        forbidden: list[int] = []
        if not (user.is_active and user.is_superuser):
            places = BrandCollection.objects.filter(
                catalog__isnull=True, season__isnull=True
            ).values_list("brand_id", "stage", "collection_id", "collection__path")
            q = Q()
            for brand_id, stage, collection_id, path in places:
                if has_capability(user, brand_id, STAGE_CAPABILITY.get(stage, "view_drafts")):
                    continue
                # The brand's top collection on its own; a stage with everything below it.
                q |= Q(path__startswith=path) if stage else Q(pk=collection_id)
            if q:
                forbidden = list(Collection.objects.filter(q).values_list("pk", flat=True))
        setattr(user, _IMAGE_CACHE_ATTR, forbidden)
        return forbidden

    def image_is_reachable(self, user, image) -> bool:
        """Whether the brand/stage rule lets ``user`` reach ``image`` at all."""
        return image.collection_id not in self.forbidden_collection_ids(user)

    def user_has_permission_for_instance(self, user, action, instance) -> bool:
        return super().user_has_permission_for_instance(
            user, action, instance
        ) and self.image_is_reachable(user, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance) -> bool:
        return super().user_has_any_permission_for_instance(
            user, actions, instance
        ) and self.image_is_reachable(user, instance)

    def instances_user_has_any_permission_for(self, user, actions) -> QuerySet:
        queryset = super().instances_user_has_any_permission_for(user, actions)
        forbidden = self.forbidden_collection_ids(user)
        return queryset.exclude(collection_id__in=forbidden) if forbidden else queryset

    def collections_user_has_any_permission_for(self, user, actions) -> QuerySet:
        collections = super().collections_user_has_any_permission_for(user, actions)
        forbidden = self.forbidden_collection_ids(user)
        return collections.exclude(pk__in=forbidden) if forbidden else collections


def get_image_permission_policy() -> LFCloudImagePermissionPolicy:
    return LFCloudImagePermissionPolicy(
        get_image_model(), auth_model="wagtailimages.Image", owner_field_name="uploaded_by_user"
    )


def register_policies() -> None:
    """Register the package's policies with Wagtail (called from ``AppConfig.ready()``).

    Exact-class registrations win over the image app's own, whatever the app order.
    """
    for name, access in MODEL_ACCESS.items():
        model = getattr(models, name)
        register_permission_policy(model, BrandPermissionPolicy(model, access), exact_class=True)
    register_permission_policy(get_image_model(), get_image_permission_policy(), exact_class=True)
