"""Background tasks of the catalog.

Run by django-tasks (``TASKS`` setting). Task arguments are primary keys and strings, never model
instances, so they survive a real queue backend.
"""

from __future__ import annotations

from django_tasks import task


@task()
def index_products(product_ids: list[int]) -> int:
    """Update the search index for products written in bulk (the API's upsert skips ``save()``)."""
    from wagtail.search import index

    from ..models import Product

    products = list(Product.objects.filter(pk__in=product_ids))
    for product in products:
        index.insert_or_update_object(product)
    return len(products)
