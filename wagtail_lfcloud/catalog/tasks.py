"""Background tasks of the catalog.

Run by django-tasks (``TASKS`` setting), on the backend's default queue (light work). Task arguments are primary keys and strings, never model
instances, so they survive a real queue backend.
"""

from __future__ import annotations

from django_tasks import task
from wagtail.search import index

from ..models import Product


@task()
def index_products(product_ids: list[int]) -> int:
    """Update the search index for products written in bulk (the API's upsert skips ``save()``)."""
    products = list(Product.objects.filter(pk__in=product_ids).prefetch_related("assets__product"))
    for product in products:
        index.insert_or_update_object(product)
        # Assets are found by their product's SKU and name (as signal_handlers._product_saved).
        for asset in product.assets.all():
            index.insert_or_update_object(asset)
    return len(products)
