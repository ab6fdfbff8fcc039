"""Signal wiring. Each handler delegates to the module that owns the behaviour."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_migrate, post_save, pre_save
from wagtail.images import get_image_model
from wagtail.models import ReferenceIndex
from wagtail.search import index
from wagtail.signals import workflow_approved, workflow_rejected

from . import background, notifications, signals
from .access.roles import ensure_brand_roles, on_groups_changed
from .assets import tasks as asset_tasks
from .assets import workflows
from .catalog.library import rename_places
from .delivery import public_urls, webhooks
from .delivery.expiry import schedule_for
from .models import AssetVersion, Brand, BrandRole, Catalog, Product, Season, UsageRights
from .notifications import workflow as workflow_emails
from .storage.retention import refuse_file_change


def _brand_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return

    # The brand's collection tree, then its five role groups on creation; on a rename, renames
    # both (ensure_brand_roles sets up the tree first).
    ensure_brand_roles(instance)


def _catalog_or_season_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return

    rename_places(instance)


def _product_saved(sender, instance, created, raw=False, **kwargs):
    # Assets are searched by their product's SKU and name (index.RelatedFields); Wagtail
    # re-indexes only the saved row, so a renamed product would leave its assets findable by
    # the old SKU only.
    if raw or created:
        return

    for asset in instance.assets.select_related("product"):
        index.insert_or_update_object(asset)


def _rights_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return

    schedule_for(instance)


def connect() -> None:
    # The expiry task at the moments a usage right warns and expires.
    post_save.connect(_rights_saved, sender=UsageRights, dispatch_uid="lfcloud_rights_schedule")

    # Emails about uploads, changes requested and approvals, and the order grid's thumbnails.
    signals.version_uploaded.connect(
        asset_tasks.on_version_uploaded, dispatch_uid="lfcloud_notify_upload"
    )
    signals.changes_requested.connect(
        notifications.on_changes_requested, dispatch_uid="lfcloud_notify_changes"
    )
    signals.asset_approved.connect(
        notifications.on_asset_approved, dispatch_uid="lfcloud_notify_approved"
    )
    # Public (CDN-cached) rendition URLs are purged on approval and rights changes.
    public_urls.connect()
    # Wagtail's own workflow emails: unchanged for pages, scoped to the asset's brand for assets.
    workflow_emails.connect()

    post_save.connect(_brand_saved, sender=Brand, dispatch_uid="lfcloud_brand_tree")

    # Role changes made outside the Roles screen (Wagtail's user and group editors) are logged too.
    m2m_changed.connect(
        on_groups_changed,
        sender=get_user_model().groups.through,
        dispatch_uid="lfcloud_role_membership",
    )
    post_save.connect(
        _catalog_or_season_saved, sender=Catalog, dispatch_uid="lfcloud_catalog_rename"
    )
    post_save.connect(_catalog_or_season_saved, sender=Season, dispatch_uid="lfcloud_season_rename")
    post_save.connect(_product_saved, sender=Product, dispatch_uid="lfcloud_product_reindex")
    # Assets: what workflow approval / rejection does to versions; the default workflow.
    workflow_approved.connect(
        workflows.on_workflow_approved, dispatch_uid="lfcloud_workflow_approved"
    )
    workflow_rejected.connect(
        workflows.on_workflow_rejected, dispatch_uid="lfcloud_workflow_rejected"
    )
    post_save.connect(
        workflows.on_brand_role_saved, sender=BrandRole, dispatch_uid="lfcloud_reviewer_group"
    )
    post_migrate.connect(workflows.on_post_migrate, dispatch_uid="lfcloud_default_workflow")
    # Index versions' references to their images, so Wagtail's image delete views see them and
    # refuse to delete an image a version still uses ("... prevent it from being deleted").
    ReferenceIndex.register_model(AssetVersion)
    # ...and refuse to replace the file of such an image (Wagtail's form would delete the old file).
    pre_save.connect(
        refuse_file_change, sender=get_image_model(), dispatch_uid="lfcloud_keep_version_files"
    )

    # Signed webhooks for asset.approved, rendition.ready and order.status_changed.
    webhooks.connect()
    # Tasks the immediate backend would run inside a request wait for the response to be sent.
    background.connect()
