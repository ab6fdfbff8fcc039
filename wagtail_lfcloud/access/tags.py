"""Tags in Wagtail's own screens, limited to what the user may reach.

Wagtail offers tags from the whole site: its tag autocomplete (``/admin/tag-autocomplete/``)
answers every tag that starts with the term, and the image and document listings' tag filter and
the image chooser offer the ten most used tags of the model. One brand's tags (product names,
campaigns...) reached every other brand's users that way. Here a tag is offered only if it is
used on an image or document the user may reach (the model's permission policy, which carries
the brand and stage rule), or on something that is not brand content (pages, other snippets);
counts are counted over the reachable objects only.

Wagtail has no hook for these; :func:`scope_tag_views` swaps the views while Wagtail builds its
admin URLs (the ``register_admin_urls`` hook, before its access decorators wrap them), like the
workflow reports (``access.reports``).
"""

from __future__ import annotations

import logging
import sys

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404, JsonResponse
from taggit.models import Tag, TaggedItem, TaggedItemBase
from wagtail.admin.views import tags as wagtail_tags
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.views.chooser import viewset
from wagtail.permissions import policy_registry

logger = logging.getLogger(__name__)

#: Actions that make an image or document "reachable" (listing, chooser).
REACH_ACTIONS = ["choose", "change", "add"]
TAGS_AUTOCOMPLETE_LIMIT = 10


def _media_models() -> list[type]:
    return [get_image_model(), get_document_model()]


def reachable_ids(user, model) -> QuerySet:
    """Primary keys of ``model`` rows (image or document) the user may reach."""
    policy = policy_registry.get_by_type(model)
    return policy.instances_user_has_any_permission_for(user, REACH_ACTIONS).values("pk")


def visible_tags(user) -> QuerySet[Tag]:
    """Every :class:`~taggit.models.Tag` the user may see."""
    if user.is_active and user.is_superuser:
        return Tag.objects.all()
    items = TaggedItem.objects.filter(tag=OuterRef("pk"))
    restricted = []
    condition = Q()
    for model in _media_models():
        ct = ContentType.objects.get_for_model(model)
        restricted.append(ct.pk)
        condition |= Exists(items.filter(content_type=ct, object_id__in=reachable_ids(user, model)))
    condition |= Exists(items.exclude(content_type__in=restricted))
    # Tags through other "through" models (page tags, a project's own): not brand content.
    for rel in Tag._meta.related_objects:
        through = rel.related_model
        if (
            isinstance(through, type)
            and issubclass(through, TaggedItemBase)
            and through is not TaggedItem
        ):
            condition |= Exists(through.objects.filter(**{rel.field.name: OuterRef("pk")}))
    return Tag.objects.filter(condition)


def popular_tags_for(user, model, count: int = 10) -> QuerySet[Tag]:
    """Wagtail's ``popular_tags_for_model``, counting only the rows of ``model`` the user may reach."""
    ct = ContentType.objects.get_for_model(model)
    reach = Q(taggit_taggeditem_items__content_type=ct)
    if not (user.is_active and user.is_superuser):
        reach &= Q(taggit_taggeditem_items__object_id__in=reachable_ids(user, model))
    return (
        Tag.objects.filter(reach)
        .annotate(item_count=Count("taggit_taggeditem_items", filter=reach))
        .order_by("-item_count", "name")[:count]
    )


# --- the views ---------------------------------------------------------------------------------


def autocomplete(request, app_name=None, model_name=None):
    """Wagtail's tag autocomplete, answering only tags the user may see (taggit's ``Tag``)."""
    if app_name and model_name:
        try:
            tag_model = ContentType.objects.get_by_natural_key(app_name, model_name).model_class()
        except ContentType.DoesNotExist as e:
            raise Http404 from e
        if tag_model is not Tag:
            # A project's own tag model is not brand content: Wagtail's answer as it is.
            return wagtail_tags.autocomplete(request, app_name, model_name)
    term = request.GET.get("term", None)
    if not term:
        return JsonResponse([], safe=False)
    names = (
        visible_tags(request.user)
        .filter(name__istartswith=term)
        .order_by("name")
        .values_list("name", flat=True)[:TAGS_AUTOCOMPLETE_LIMIT]
    )
    return JsonResponse(list(names), safe=False)


def _scope_filterset(filterset_class):
    """A subclass of a Wagtail media filterset whose tag filter offers the user's tags only."""

    class Scoped(filterset_class):
        def __init__(self, *args, request=None, **kwargs):
            super().__init__(*args, request=request, **kwargs)
            if "tag" not in self.filters:
                return
            tags = popular_tags_for(request.user, self._meta.model)
            if tags:
                self.filters["tag"].extra["choices"] = [(tag.name, tag.name) for tag in tags]
            else:
                del self.filters["tag"]

    Scoped.__name__ = Scoped.__qualname__ = f"BrandScoped{filterset_class.__name__}"
    return Scoped


def _scoped_index_view(index_view, mixins: tuple[type, ...] = ()):
    return type(
        f"BrandScoped{index_view.__name__}",
        (*mixins, index_view),
        {"filterset_class": _scope_filterset(index_view.filterset_class)},
    )


def _scoped_choose_view(choose_view):
    class Scoped(choose_view):
        def get_context_data(self, **kwargs):
            context = super().get_context_data(**kwargs)
            if "popular_tags" in context:
                context["popular_tags"] = popular_tags_for(self.request.user, self.model)
            return context

    Scoped.__name__ = Scoped.__qualname__ = f"BrandScoped{choose_view.__name__}"
    return Scoped


def scope_choosers() -> None:
    """Give Wagtail's image chooser the scoped "popular tags" (from ``AppConfig.ready``, before URLs)."""
    if not viewset.choose_view_class.__name__.startswith("BrandScoped"):
        viewset.choose_view_class = _scoped_choose_view(viewset.choose_view_class)


def _swap(urlpatterns, names: dict) -> list[str]:
    swapped = []
    for pattern in urlpatterns:
        make = names.get(getattr(pattern, "name", None))
        if make is None:
            continue
        callback = pattern.callback
        if getattr(callback, "lfcloud_scoped", False):
            swapped.append(pattern.name)
            continue
        view = make(callback)
        view.lfcloud_scoped = True
        pattern.callback = view
        swapped.append(pattern.name)
    return swapped


def scope_tag_views(listing_mixins: tuple[type, ...] = ()) -> list[str]:
    """Swap Wagtail's tag autocomplete and the image/document listings for scoped ones.

    Runs from the ``register_admin_urls`` hook, while ``wagtail.admin.urls`` is being imported.
    ``listing_mixins`` go in front of the listings' index views (the admin passes the search
    mixin of ``viewsets.search``, so these listings search like the package's own). Returns the
    URL names swapped.
    """
    # app loading: runs while Wagtail builds its admin URLs (register_admin_urls hook)
    from wagtail.documents import admin_urls as document_urls

    # app loading: runs while Wagtail builds its admin URLs (register_admin_urls hook)
    from wagtail.images import admin_urls as image_urls

    def listing(callback):
        view_class = callback.view_class
        return _scoped_index_view(view_class, listing_mixins).as_view(
            **getattr(callback, "view_initkwargs", {})
        )

    swapped = _swap(image_urls.urlpatterns, {"index": listing, "index_results": listing})
    swapped += _swap(document_urls.urlpatterns, {"index": listing, "index_results": listing})
    admin_urls = sys.modules.get("wagtail.admin.urls")
    if admin_urls is not None and hasattr(admin_urls, "urlpatterns"):
        swapped += _swap(
            admin_urls.urlpatterns,
            {
                "wagtailadmin_tag_autocomplete": lambda cb: autocomplete,
                "wagtailadmin_tag_model_autocomplete": lambda cb: autocomplete,
            },
        )
    else:
        logger.warning(
            "Wagtail's tag autocomplete was not scoped: wagtail.admin.urls is not being built."
        )
    return swapped
