"""Wagtail's image listing, answering for people who may not add images.

Wagtail 8.0's image ``IndexView.get_add_url`` passes the collection filter on to the "Add" link
even when the user may not add images (no link): ``set_query_params(None, ...)`` raises
``TypeError`` and a reviewer who filters the listing by collection gets HTTP 500. The package
swaps the listing's views for :class:`ImageIndexView` while Wagtail builds its admin URLs
(:func:`fix_image_listing_urls`, run from the ``register_admin_urls`` hook before Wagtail wraps
the views in its admin-access decorators).
"""

from __future__ import annotations

from wagtail.images.views import images as wagtail_images


class ImageIndexView(wagtail_images.IndexView):
    def get_add_url(self):
        if not (self.add_url_name and self.user_has_permission("add")):
            return None
        return super().get_add_url()


def fix_image_listing_urls() -> list[str]:
    """Swap the image listing's views in Wagtail's image admin URLs; returns the names swapped."""
    # app loading: Wagtail's image URLs import its views, which read the hooks
    from wagtail.images import admin_urls

    swapped = []
    for pattern in admin_urls.urlpatterns:
        if pattern.name not in ("index", "index_results"):
            continue
        current = getattr(pattern.callback, "view_class", None)
        if current is wagtail_images.IndexView:
            pattern.callback = ImageIndexView.as_view(
                **getattr(pattern.callback, "view_initkwargs", {})
            )
        if getattr(pattern.callback, "view_class", None) is ImageIndexView:
            swapped.append(pattern.name)
    return swapped
