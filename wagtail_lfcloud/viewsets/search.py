"""Searching a listing answers whatever is typed, and keeps every sortable column sortable.

Wagtail hands a search to the search backend together with the listing's queryset: the backend
accepts a filter or an ordering only on a field the model declares as ``index.FilterField``
(:attr:`search_fields` of the package's models list the fields their listings filter on, brand
scoping included), and a column that sorts on a foreign key (``brand``, ``catalog``) is not such
a field: Django sorts it by the related model's own ordering (the brand's name), the backend
refuses it. :class:`SearchOrderingViewSetMixin` makes every index view of a viewset turn such an
ordering, while searching, into what the backend can sort on:

- the database backends (``wagtail.search.backends.database``, the package's default) sort
  expressions in SQL, so ``brand`` becomes ``brand__name`` as an expression: the same order as
  without a search;
- a backend that sorts only on indexed fields (Elasticsearch, OpenSearch) gets the field's
  column (``brand_id``), which ``index.FilterField("brand")`` indexes; a column that is no
  ``FilterField`` of the model is left out of the search's ordering rather than answering 500.

It also cleans what is typed in the search box (:func:`search_text`): the SQLite full-text backend
of Wagtail 8.0 (django-modelsearch 1.3) wraps each word in double quotes without escaping the
quotes inside it, so a search for ``"`` or ``6" heel`` ended in ``OperationalError: unterminated
string`` (wagtail/wagtail#13227). Wagtail's admin searches have no phrase syntax, and the indexes
drop punctuation, so a double quote is searched as a space on every backend. Wagtail's image and
document listings get the same mixin (``access.tags`` swaps them).
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F
from django.db.models.expressions import BaseExpression
from django.utils.functional import cached_property
from wagtail.admin.views.generic import IndexView
from wagtail.search.backends import get_search_backend
from wagtail.search.index import class_is_indexed

LOOKUP_SEP = "__"


def _related_path(model, name: str) -> list[str]:
    """The ordering Django applies for ``order_by(name)``: a foreign key sorts by its model's ordering."""
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return [name]
    if not field.is_relation or not field.many_to_one:
        return [name]
    related_ordering = field.related_model._meta.ordering or ["pk"]
    paths = []
    for item in related_ordering:
        if not isinstance(item, str):
            continue
        descending = item.startswith("-")
        item = item.lstrip("-")
        paths.append(("-" if descending else "") + name + LOOKUP_SEP + item)
    return paths or [f"{name}{LOOKUP_SEP}pk"]


def searchable_ordering(queryset, backend) -> list:
    """``queryset``'s explicit ordering, rewritten into one ``backend`` can apply to search results."""
    model = queryset.model
    filterable = {field.field_name for field in model.get_filterable_search_fields()}
    ordering = []
    for item in queryset.query.order_by:
        if isinstance(item, BaseExpression) or not isinstance(item, str):
            ordering.append(item)
            continue
        descending = item.startswith("-")
        name = item.lstrip("-")
        if name == "pk":
            name = model._meta.pk.attname
        if getattr(backend, "HANDLES_ORDER_BY_EXPRESSIONS", False):
            # As expressions, the database sorts on any column, indexed for search or not
            # (Wagtail's image listing sorts by file size, which Image does not index).
            for path in _related_path(model, name):
                # A descending foreign key reverses each part of the related ordering.
                path_descending = path.startswith("-") != descending
                expression = F(path.lstrip("-"))
                ordering.append(expression.desc() if path_descending else expression.asc())
        else:
            try:
                field = model._meta.get_field(name)
                attname = field.attname
            except FieldDoesNotExist:
                field, attname = None, name
            if name in filterable or (field is not None and field.name in filterable):
                ordering.append(("-" if descending else "") + attname)
            # Otherwise the backend cannot sort on it: the results keep the backend's order.
    return ordering


def search_text(query: str) -> str:
    """What a listing searches for when ``query`` is typed: double quotes become spaces."""
    return " ".join(query.replace('"', " ").split())


class SearchOrderingMixin:
    """For a Wagtail listing view: any typed text can be searched, and an explicit ordering stays
    valid when the listing is searched."""

    @cached_property
    def search_query(self):
        return search_text(super().search_query or "")

    def search_queryset(self, queryset):
        if (
            self.is_searching
            and self.is_explicitly_ordered
            and self.search_backend_name
            and class_is_indexed(queryset.model)
            and queryset.query.order_by
        ):
            backend = get_search_backend(self.search_backend_name)
            queryset = queryset.order_by(*searchable_ordering(queryset, backend))
        return super().search_queryset(queryset)


class SearchOrderingViewSetMixin:
    """Mix into a ``SnippetViewSet``/``ModelViewSet``: every listing view it builds sorts while searching.

    Like :class:`wagtail_lfcloud.delivery.exports.SafeExportViewSetMixin`, it wraps whatever index view class
    the viewset uses, so a subclass that brings its own index view stays covered.
    """

    def construct_view(self, view_class, **kwargs):
        if issubclass(view_class, IndexView) and not issubclass(view_class, SearchOrderingMixin):
            view_class = _searchable_class(view_class)
        return super().construct_view(view_class, **kwargs)


_CLASSES: dict[type, type] = {}


def _searchable_class(view_class: type) -> type:
    if view_class not in _CLASSES:
        _CLASSES[view_class] = type(
            view_class.__name__,
            (SearchOrderingMixin, view_class),
            {"__module__": view_class.__module__},
        )
    return _CLASSES[view_class]
