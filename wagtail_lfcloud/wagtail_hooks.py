"""Registrations only: the behaviour lives in the modules named here."""

from django.urls import include, path
from wagtail import hooks
from wagtail.snippets.models import register_snippet

from . import admin_urls
from .access.audit import register_log_models
from .access.guards import guarded_bulk_actions
from .access.reports import scope_report_urls
from .access.tags import scope_tag_views
from .channels.operations import get_image_operations
from .log_actions import register
from .views import dashboard, order_panels, rights
from .views.bundles import DownloadBundleBulkAction, order_listing_buttons
from .views.images import fix_image_listing_urls
from .views.library import library_menu_item
from .views.notification_preferences import notification_preferences_menu_item
from .views.roles import roles_menu_item
from .views.uploads import upload_menu_item
from .views.usage import usage_menu_item
from .viewsets import LFCloudViewSetGroup
from .viewsets.assets import asset_action_menu
from .viewsets.search import SearchOrderingMixin

register_snippet(LFCloudViewSetGroup)


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("lfcloud/", include(admin_urls, namespace="wagtail_lfcloud_admin"))]


@hooks.register("register_admin_urls")
def scope_workflow_reports():
    # Runs while Wagtail builds its admin URLs, before it wraps the views in its decorators.
    scope_report_urls()
    return []


@hooks.register("register_admin_urls")
def fix_image_listing():
    # Wagtail's image listing answers 500 when a user who may not add images filters by collection.
    fix_image_listing_urls()
    return []


@hooks.register("register_admin_urls")
def scope_tags():
    # Same moment: Wagtail's tag autocomplete and the image/document listings' tag filter.
    # Searching Wagtail's image and document listings answers whatever is typed, like the
    # package's own listings.
    scope_tag_views(listing_mixins=(SearchOrderingMixin,))
    return []


@hooks.register("register_image_operations")
def register_image_operations():
    return get_image_operations()


@hooks.register("construct_homepage_panels")
def construct_homepage_panels(request, panels):
    dashboard.dashboard_panels(request, panels)
    order_panels.dashboard_panels(request, panels)
    rights.dashboard_panels(request, panels)


@hooks.register("construct_snippet_action_menu")
def construct_snippet_action_menu(menu_items, request, context):
    asset_action_menu(menu_items, request, context)


@hooks.register("register_account_menu_item")
def register_notification_preferences(request):
    return notification_preferences_menu_item(request)


@hooks.register("register_log_actions")
def register_log_actions(actions):
    register(actions)
    # The package's models and the image model log to the brand-aware BrandLogEntry.
    register_log_models(actions)


@hooks.register("register_admin_menu_item")
def register_usage_menu_item():
    return usage_menu_item()


@hooks.register("register_admin_menu_item")
def register_library_menu_item():
    return library_menu_item()


@hooks.register("register_admin_menu_item")
def register_upload_menu_item():
    return upload_menu_item()


@hooks.register("register_admin_menu_item")
def register_roles_menu_item():
    return roles_menu_item()


@hooks.register("register_snippet_listing_buttons")
def register_order_bundle_button(instance, user, next_url=None):
    return order_listing_buttons(instance, user, next_url)


hooks.register("register_bulk_action", DownloadBundleBulkAction)


# After Wagtail's own (order), so these replace its bulk actions for the package's models and images.
for _bulk_action in guarded_bulk_actions():
    hooks.register("register_bulk_action", _bulk_action, order=100)
