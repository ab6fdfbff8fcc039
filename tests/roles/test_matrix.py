"""The permission matrix: every role x every URL the package adds, on its own brand and another's.

:data:`TABLE` lists every URL name of the package (``wagtail_lfcloud*`` namespaces, the snippet
and snippet-chooser URLs of its models) and Wagtail's image views, with who may open it on their
own brand's object. For every role the test then asserts:

- own brand: allowed roles get 200, the others are denied (redirect to login or the dashboard,
  403 or 404);
- another brand's object (the id in the URL changed, IDOR): denied for every role, every method;
- any response, allowed or not, never shows the other brand's names, SKUs or titles (listings,
  counts, search results, filters, error messages).

:func:`test_every_url_is_in_the_matrix` DISCOVERS the URL patterns from the URL resolver (the
package's admin views and API, all of Wagtail's admin: images, documents, tag autocompletes,
choosers, search, reports, ... and the public serve views) and fails, naming the pattern, as soon as
one has neither a row in :data:`TABLE` (with who may open it) nor an entry, with its reason, in
:data:`NOT_BRAND_DATA`. :func:`test_a_new_view_without_a_row_fails` shows it.

Outbound channels are proved elsewhere and linked here rather than repeated:
who receives each email (tests/assets/test_workflow_emails.py, tests/orders/test_thread.py),
which tags each role sees in Wagtail's autocompletes, listings and chooser (tests/roles/test_tags.py),
which images and collections the choosers offer (tests/roles/test_images.py), which users and roles
a brand admin sees (tests/roles/test_roles_admin.py), webhook targets (tests/api/test_webhook_addresses.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from wagtail.images import get_image_model
from wagtail.models import APIToken

from tests.roles.helpers import BrandWorld, make_full_world
from wagtail_lfcloud.models import Role

pytestmark = pytest.mark.django_db

ADMIN, MARKETER, APPROVER, STUDIO, FINANCE = (
    Role.BRAND_ADMIN,
    Role.MARKETER,
    Role.APPROVER,
    Role.STUDIO,
    Role.FINANCE,
)
ALL = frozenset(Role.values)
NOBODY = frozenset()
#: What "denied" looks like: to the login page or the dashboard, forbidden, not found, wrong method.
DENIED = {302, 403, 404, 405}
#: Strings of the other brand ("Zedcorp") that must never appear in a response to Acme's people.
OTHER_MARKERS = ("zedcorp",)
#: Strings of the user's OWN brand that their role must never be shown: marketers and finance see
#: no raw, draft or archived file and no review feedback; only finance and admins see invoices.
ROLE_FORBIDDEN: dict[str, tuple[str, ...]] = {
    Role.MARKETER: ("acme raw", "acme archived", "acme1_front_v2", "acme comment", "acme-inv-1"),
    Role.FINANCE: ("acme raw", "acme final", "acme archived", "acme1_front_v2", "acme comment"),
    Role.STUDIO: ("acme-inv-1",),
    Role.APPROVER: ("acme-inv-1",),
    Role.BRAND_ADMIN: (),
}


@dataclass(frozen=True)
class Route:
    """One URL name of the matrix."""

    #: world -> URL args; ``None`` for URLs without an object.
    args: Callable[[BrandWorld], list] | None = None
    #: Roles that may open it (GET, or ``method``) on their own brand's object.
    allowed: frozenset[str] = NOBODY
    #: Check own-brand access (False where a valid call needs state the world does not have,
    #: e.g. a running workflow task; the other-brand and leak checks still run).
    own: bool = True
    method: str = "get"
    #: Query string appended to the URL.
    query: Callable[[BrandWorld], str] | None = None
    #: Headless API route (bearer token instead of the session).
    api: bool = False
    #: The URL args name a brand's object (False: e.g. an app label), so try the other brand's too.
    brand_args: bool = True


def r(args=None, allowed=NOBODY, **kwargs) -> Route:
    return Route(args=args, allowed=frozenset(allowed), **kwargs)


# --- the package's snippet models ------------------------------------------------------------

#: Per snippet model: (object attribute on the world, roles that may view, change, add, delete).
SNIPPETS: dict[str, tuple[str, frozenset, frozenset, frozenset, frozenset]] = {
    "brand": ("brand", ALL, {ADMIN}, NOBODY, NOBODY),
    "catalog": (None, ALL, {ADMIN}, {ADMIN}, {ADMIN}),
    "season": (None, ALL, {ADMIN}, {ADMIN}, {ADMIN}),
    "product": ("product", ALL, {ADMIN}, {ADMIN}, {ADMIN}),
    "asset": ("asset", {ADMIN, APPROVER, STUDIO}, {ADMIN, APPROVER, STUDIO}, {ADMIN}, {ADMIN}),
    "order": ("order", {ADMIN, APPROVER, STUDIO, FINANCE}, {ADMIN}, {ADMIN}, {ADMIN}),
    "brief": ("brief", {ADMIN, APPROVER, STUDIO}, {ADMIN}, {ADMIN}, {ADMIN}),
    "invoice": ("invoice", {ADMIN, FINANCE}, {ADMIN, FINANCE}, {ADMIN, FINANCE}, {ADMIN, FINANCE}),
    "payment": ("payment", {ADMIN, FINANCE}, {ADMIN, FINANCE}, {ADMIN, FINANCE}, {ADMIN, FINANCE}),
    # Bundles and deliveries are records: their add URL is refused to everyone.
    "downloadbundle": ("bundle", {ADMIN, MARKETER, APPROVER}, NOBODY, NOBODY, NOBODY),
    "webhookendpoint": ("endpoint", {ADMIN}, {ADMIN}, {ADMIN}, {ADMIN}),
    "webhookdelivery": ("delivery", {ADMIN}, NOBODY, NOBODY, NOBODY),
}


def _obj(attr):
    return lambda w: [getattr(w, attr).pk]


def snippet_routes(model: str, attr, view, change, add, delete) -> dict[str, Route]:
    view, change, add, delete = map(frozenset, (view, change, add, delete))
    ns, chooser = (
        f"wagtailsnippets_wagtail_lfcloud_{model}",
        f"wagtailsnippetchoosers_wagtail_lfcloud_{model}",
    )
    obj = _obj(attr) if attr else (lambda w: [0])
    own = attr is not None
    # The listing needs any model permission; Wagtail's history needs add/change/delete.
    listing = view | change | add | delete
    routes = {
        f"{ns}:list": r(allowed=listing),
        f"{ns}:list_results": r(allowed=listing),
        f"{ns}:add": r(allowed=add),
        f"{ns}:edit": r(obj, change, own=own),
        f"{ns}:delete": r(obj, delete, own=own),
        f"{ns}:usage": r(obj, change, own=own),
        f"{ns}:history": r(obj, (change | add | delete) & (view | change), own=own),
        f"{ns}:history_results": r(obj, (change | add | delete) & (view | change), own=own),
        f"{ns}:copy": r(obj, add, own=own),
        f"{ns}:inspect": r(obj, view | change, own=own),
        f"{ns}:revisions_revert": r(lambda w: [*obj(w), 1], own=False),
        f"{ns}:revisions_compare": r(lambda w: [*obj(w), "earliest", "latest"], own=False),
        f"{ns}:revisions_unschedule": r(lambda w: [*obj(w), 1], own=False),
        f"{ns}:unpublish": r(obj, own=False),
        f"{ns}:lock": r(obj, own=False, method="post"),
        f"{ns}:unlock": r(obj, own=False, method="post"),
        f"{ns}:workflow_action": r(lambda w: [*obj(w), "approve", 1], own=False, method="post"),
        f"{ns}:collect_workflow_action_data": r(
            lambda w: [*obj(w), "approve", 1], own=False, method="post"
        ),
        f"{ns}:confirm_workflow_cancellation": r(obj, own=False),
        f"{ns}:workflow_history": r(obj, own=False),
        f"{ns}:workflow_history_detail": r(lambda w: [*obj(w), 1], own=False),
        f"{ns}:preview_on_edit": r(obj, own=False),
        # Choosers: any admin user may open them; what they list is checked for leaks.
        f"{chooser}:choose": r(allowed=ALL),
        f"{chooser}:choose_results": r(allowed=ALL),
        f"{chooser}:chosen": r(obj, view | change | add | delete, own=own),
        f"{chooser}:chosen_multiple": r(allowed=ALL, query=lambda w: f"id={obj(w)[0]}"),
        f"{chooser}:create": r(own=False),
    }
    return routes


# --- the package's own admin views, public views and API -------------------------------------

ADMIN_VIEWS: dict[str, Route] = {
    "wagtail_lfcloud_admin:product_import": r(allowed={ADMIN}),
    "wagtail_lfcloud_admin:roles": r(allowed=ALL),
    "wagtail_lfcloud_admin:roles_brand": r(lambda w: [w.brand.slug], {ADMIN}),
    "wagtail_lfcloud_admin:upload": r(allowed={ADMIN, STUDIO}),
    "wagtail_lfcloud_admin:upload_file": r(own=False, method="post"),
    # Straight to S3 (tests/assets/test_direct_upload_page.py: S3, bodies, the CSRF token): an
    # upload is reached by its uploader only; start needs a body, resume and complete need S3.
    "wagtail_lfcloud_admin:direct_upload_start": r(own=False, method="post"),
    "wagtail_lfcloud_admin:direct_upload_state": r(_obj("direct_upload"), {STUDIO}),
    "wagtail_lfcloud_admin:direct_upload_resume": r(_obj("direct_upload"), own=False),
    "wagtail_lfcloud_admin:direct_upload_complete": r(
        _obj("direct_upload"), own=False, method="post"
    ),
    "wagtail_lfcloud_admin:asset_review": r(lambda w: [w.asset.pk], {ADMIN, APPROVER, STUDIO}),
    "wagtail_lfcloud_admin:asset_versions": r(lambda w: [w.asset.pk], {ADMIN, APPROVER, STUDIO}),
    "wagtail_lfcloud_admin:asset_compare": r(lambda w: [w.asset.pk], {ADMIN, APPROVER, STUDIO}),
    "wagtail_lfcloud_admin:asset_rights": r(lambda w: [w.asset.pk], {ADMIN}),
    "wagtail_lfcloud_admin:asset_usage": r(lambda w: [w.asset.pk], {ADMIN, MARKETER}),
    "wagtail_lfcloud_admin:usage": r(allowed={ADMIN, MARKETER}),
    "wagtail_lfcloud_admin:asset_public_links": r(lambda w: [w.asset.pk], {ADMIN, MARKETER}),
    "wagtail_lfcloud_admin:public_key_rotate": r(lambda w: [w.brand.slug], {ADMIN}),
    "wagtail_lfcloud_admin:order_rights": r(lambda w: [w.order.pk], {ADMIN, STUDIO}),
    "wagtail_lfcloud_admin:asset_comment": r(
        lambda w: [w.asset.pk, w.draft_version.pk], own=False, method="post"
    ),
    "wagtail_lfcloud_admin:comment_resolve": r(lambda w: [w.comment.pk], own=False, method="post"),
    "wagtail_lfcloud_admin:library": r(allowed={ADMIN, MARKETER, APPROVER, STUDIO}),
    "wagtail_lfcloud_admin:library_results": r(allowed={ADMIN, MARKETER, APPROVER, STUDIO}),
    "wagtail_lfcloud_admin:api_tokens": r(allowed={ADMIN}),
    "wagtail_lfcloud_admin:api_token_add": r(allowed={ADMIN}),
    # No token in the world: 404 for the brand admin, refused for everyone else (tests/api/test_brand_tokens.py).
    "wagtail_lfcloud_admin:api_token_revoke": r(lambda w: [0], own=False),
    "wagtail_lfcloud_admin:order_detail": r(
        lambda w: [w.order.pk], {ADMIN, APPROVER, STUDIO, FINANCE}
    ),
    "wagtail_lfcloud_admin:order_grid": r(
        lambda w: [w.order.pk], {ADMIN, APPROVER, STUDIO, FINANCE}
    ),
    "wagtail_lfcloud_admin:order_messages": r(lambda w: [w.order.pk], {ADMIN, APPROVER, STUDIO}),
    "wagtail_lfcloud_admin:order_transition": r(
        lambda w: [w.order.pk, "submitted"], own=False, method="post"
    ),
    "wagtail_lfcloud_admin:order_brief": r(lambda w: [w.order.pk], own=False, method="post"),
    "wagtail_lfcloud_admin:order_message_attachment": r(
        lambda w: [w.order.pk, w.message.pk], {ADMIN, APPROVER, STUDIO}
    ),
    "wagtail_lfcloud_admin:notification_preferences": r(allowed=ALL),
    "wagtail_lfcloud_admin:bundle_order": r(lambda w: [w.order.pk], {ADMIN, MARKETER, APPROVER}),
    "wagtail_lfcloud_admin:bundle_selection": r(own=False, query=lambda w: f"asset={w.asset.pk}"),
    "wagtail_lfcloud_admin:bundle_detail": r(lambda w: [w.bundle.pk], {ADMIN, MARKETER, APPROVER}),
    # Not built yet in the world: 404 for everyone on their own brand; other brands are denied.
    "wagtail_lfcloud_admin:bundle_download": r(lambda w: [w.bundle.pk], own=False),
    # Public signed links need no login: a link is only as good as its signature, so anyone
    # (any role, anonymous) gets 403 with a made-up one, on either brand. Valid, expired, revoked
    # and tampered links: tests/api/test_public_url.py.
    "wagtail_lfcloud:public_rendition": r(
        lambda w: [w.brand.slug, w.product.sku, "front", "amazon_main", "not-signed"], own=False
    ),
    "wagtail_lfcloud:public_poster": r(
        lambda w: [w.brand.slug, w.product.sku, "front", "amazon_video", "not-signed"], own=False
    ),
    "wagtail_lfcloud:original_file": r(lambda w: [w.draft_version.pk], {ADMIN, APPROVER, STUDIO}),
    # The review player's file of the draft's clip (the preview is not made in the world: 404).
    "wagtail_lfcloud_admin:clip_file": r(
        lambda w: [w.draft_version.pk, "clip"], {ADMIN, APPROVER, STUDIO}
    ),
    # The signed URL of the draft's (private) thumbnail.
    "wagtail_lfcloud_admin:private_file": r(
        lambda w: [w.raw.get_rendition("max-165x165").url.rstrip("/").rsplit("/", 1)[1]],
        {ADMIN, APPROVER, STUDIO},
    ),
}

API = "wagtail_lfcloud:wagtail_lfcloud_api"
API_VIEWS: dict[str, Route] = {
    f"{API}:api-root": r(own=False, api=True),
    f"{API}:openapi-json": r(allowed=ALL, api=True),
    f"{API}:openapi-view": r(allowed=ALL, api=True),
    f"{API}:list_products": r(allowed=ALL, api=True),
    f"{API}:get_product": r(lambda w: [w.product.pk], ALL, api=True),
    f"{API}:list_assets": r(allowed=ALL, api=True),
    f"{API}:get_asset": r(lambda w: [w.asset.pk], {ADMIN, MARKETER, APPROVER, STUDIO}, api=True),
    # The version in review: marketers only ever see current versions.
    f"{API}:version_renditions": r(
        lambda w: [w.draft_version.pk], {ADMIN, APPROVER, STUDIO}, api=True
    ),
    f"{API}:stable_rendition": r(
        lambda w: [w.brand.slug, w.product.sku, "front", "amazon_main"], own=False, api=True
    ),
    # 202 until the sizes exist, then 302 (srcset: 200): tests/api/test_responsive.py per role.
    f"{API}:responsive_set": r(
        lambda w: [w.brand.slug, w.product.sku, "front"], own=False, api=True
    ),
    f"{API}:responsive_size": r(
        lambda w: [w.brand.slug, w.product.sku, "front", 320], own=False, api=True
    ),
    f"{API}:list_orders": r(allowed={ADMIN, APPROVER, STUDIO, FINANCE}, api=True),
    f"{API}:get_order": r(lambda w: [w.order.pk], {ADMIN, APPROVER, STUDIO, FINANCE}, api=True),
    f"{API}:list_invoices": r(allowed={ADMIN, FINANCE}, api=True),
    f"{API}:get_invoice": r(lambda w: [w.invoice.pk], {ADMIN, FINANCE}, api=True),
    f"{API}:create_bundle": r(own=False, method="post", api=True),
    f"{API}:get_usage": r(allowed={ADMIN, MARKETER}, api=True),
    # Writes need a body and a scoped token: tests/api/test_write_scopes.py covers each per brand and scope.
    f"{API}:upsert_products": r(own=False, method="put", api=True),
    f"{API}:create_order": r(own=False, method="post", api=True),
    f"{API}:upload_version": r(own=False, method="post", api=True),
    # Direct uploads need S3 and a body: tests/api/test_direct_uploads.py; each is the user's own.
    f"{API}:start_direct_upload": r(own=False, method="post", api=True),
    f"{API}:complete_direct_upload": r(
        lambda w: [0], own=False, method="post", api=True, brand_args=False
    ),
    f"{API}:get_direct_upload": r(lambda w: [0], own=False, api=True, brand_args=False),
    f"{API}:resume_direct_upload": r(_obj("direct_upload"), own=False, api=True),
    # A bodiless POST is a 422 before any lookup; test_write_scopes.py sends real bodies.
    f"{API}:add_comment": r(
        lambda w: [w.draft_version.pk], own=False, method="post", api=True, brand_args=False
    ),
    f"{API}:approve_version": r(
        lambda w: [w.draft_version.pk], own=False, method="post", api=True, brand_args=False
    ),
    f"{API}:request_changes": r(
        lambda w: [w.draft_version.pk], own=False, method="post", api=True, brand_args=False
    ),
    f"{API}:bundle_detail": r(lambda w: [w.bundle.pk], {ADMIN, MARKETER, APPROVER}, api=True),
    f"{API}:bundle_download": r(lambda w: [w.bundle.pk], own=False, api=True),
}

#: Wagtail's own image views (the package's image policy applies to them).
IMAGE_VIEWS: dict[str, Route] = {
    "wagtailimages:index": r(allowed={ADMIN, APPROVER, STUDIO}),
    "wagtailimages:index_results": r(allowed={ADMIN, APPROVER, STUDIO}),
    "wagtailimages:edit": r(lambda w: [w.raw.pk], {ADMIN, APPROVER, STUDIO}),
    "wagtailimages:delete": r(lambda w: [w.raw.pk], {ADMIN, APPROVER, STUDIO}),
    "wagtailimages:url_generator": r(lambda w: [w.raw.pk], {ADMIN, APPROVER, STUDIO}),
    "wagtailimages:url_generator_output": r(lambda w: [w.raw.pk], {ADMIN, APPROVER, STUDIO}),
    "wagtailimages:preview": r(lambda w: [w.raw.pk, "original"], {ADMIN, APPROVER, STUDIO}),
    "wagtailimages:image_usage": r(lambda w: [w.raw.pk], {ADMIN, APPROVER, STUDIO}),
    "wagtailimages:add": r(allowed={ADMIN, STUDIO}),
    "wagtailimages:add_multiple": r(allowed={ADMIN, STUDIO}),
    "wagtailimages:edit_multiple": r(lambda w: [w.raw.pk], own=False, method="post"),
    "wagtailimages:delete_multiple": r(lambda w: [w.raw.pk], own=False, method="post"),
    # Uploads in progress belong to their uploader, not to a brand.
    "wagtailimages:create_multiple_from_uploaded_image": r(lambda w: [0], own=False, method="post"),
    "wagtailimages:delete_upload_multiple": r(lambda w: [0], own=False, method="post"),
    "wagtailimages_chooser:select_format": r(lambda w: [w.final.pk], {ADMIN, MARKETER, APPROVER}),
    "wagtailimages_chooser:create": r(own=False),
    "wagtailimages_chooser:chosen_multiple": r(allowed=ALL, query=lambda w: f"id={w.raw.pk}"),
    "wagtailimages_chooser:choose": r(allowed=ALL),
    "wagtailimages_chooser:choose_results": r(allowed=ALL),
    "wagtailimages_chooser:chosen": r(lambda w: [w.final.pk], {ADMIN, MARKETER, APPROVER}),
}

#: Wagtail's reports: the site history lists log lines (BrandLogEntry scopes the package's and the
#: images'), the workflow reports list files in review (brand-scoped views, views/reports.py). The
#: page reports and the workflow reports need page permissions, which no role grants.
REPORT_VIEWS: dict[str, Route] = {
    f"wagtailadmin_reports:{name}": r(allowed=allowed)
    for names, allowed in (
        (("site_history", "site_history_results"), ALL),
        (("workflow", "workflow_results", "workflow_tasks", "workflow_tasks_results"), NOBODY),
        (("locked_pages", "locked_pages_results", "aging_pages", "aging_pages_results"), NOBODY),
        (("page_types_usage", "page_types_usage_results"), NOBODY),
    )
    for name in names
}

#: Wagtail admin views where brand data can show up: the dashboard, tag autocompletes (what they
#: return per role: tests/roles/test_tags.py), documents (brief references live in the brand tree),
#: collections and the snippets index.
WAGTAIL_VIEWS: dict[str, Route] = {
    "wagtailadmin_home": r(allowed=ALL),
    "wagtailadmin_tag_autocomplete": r(allowed=ALL, query=lambda w: "term=a"),
    # The URL names the tag model (taggit's Tag, which images use), not a brand's object.
    "wagtailadmin_tag_model_autocomplete": r(
        lambda w: ["taggit", "tag"], ALL, query=lambda w: "term=a", brand_args=False
    ),
    # Collections are managed by superusers; roles get permissions on their brand's tree only.
    "wagtailadmin_collections:index": r(),
    "wagtailadmin_collections:add": r(),
    "wagtailadmin_collections:edit": r(lambda w: [w.raw.collection_id]),
    "wagtailadmin_collections:delete": r(lambda w: [w.raw.collection_id]),
    "wagtailadmin_collections:set_privacy": r(lambda w: [w.raw.collection_id]),
    "wagtaildocs:index": r(allowed={ADMIN}),
    "wagtaildocs:index_results": r(allowed={ADMIN}),
    "wagtaildocs:add": r(allowed={ADMIN}),
    "wagtaildocs:add_multiple": r(allowed={ADMIN}),
    "wagtaildocs:edit": r(lambda w: [w.document.pk], {ADMIN}),
    "wagtaildocs:delete": r(lambda w: [w.document.pk], {ADMIN}),
    "wagtaildocs:document_usage": r(lambda w: [w.document.pk], {ADMIN}),
    "wagtaildocs:edit_multiple": r(lambda w: [w.document.pk], own=False, method="post"),
    "wagtaildocs:delete_multiple": r(lambda w: [w.document.pk], own=False, method="post"),
    # Uploads in progress belong to their uploader, not to a brand.
    "wagtaildocs:create_multiple_from_uploaded_document": r(
        lambda w: [0], own=False, method="post"
    ),
    "wagtaildocs:delete_upload_multiple": r(lambda w: [0], own=False, method="post"),
    # Any admin user may open the chooser; it lists only documents the role may choose (none for
    # marketers and finance), which the leak check verifies.
    "wagtaildocs_chooser:choose": r(allowed=ALL),
    "wagtaildocs_chooser:choose_results": r(allowed=ALL),
    "wagtaildocs_chooser:chosen": r(lambda w: [w.document.pk], own=False),
    "wagtaildocs_chooser:chosen_multiple": r(own=False, query=lambda w: f"id={w.document.pk}"),
    "wagtaildocs_chooser:create": r(own=False),
}

#: Discovered URL patterns (by name, or by route for unnamed ones) that hold no brand's data, and
#: why. A key ending in ":" or "_" covers every name starting with it. Anything brand-owned belongs
#: in TABLE instead, with who may open it.
NOT_BRAND_DATA: dict[str, str] = {
    # The package keeps nothing in pages, and no role is given page permissions.
    "wagtailadmin_pages:": "pages",
    "wagtailadmin_explore": "page explorer",
    "wagtailadmin_choose_page": "page chooser and link choosers (no brand data, no page permissions)",
    "wagtailadmin_api:pages:": "the admin's page API",
    # Wagtail's admin API for images and documents answers with the same policies as the listings
    # (rows above) and is only used by the page editor, which no role reaches.
    "wagtailadmin_api:images:": "admin API used by the page editor",
    "wagtailadmin_api:documents:": "admin API used by the page editor",
    "wagtailadmin_workflows:": "workflow configuration: superusers only (no role has workflow permissions)",
    "wagtailsites:": "site configuration: superusers only",
    "wagtailusers_users:": "user accounts: superusers only; brand admins manage people on the Roles page (rows above)",
    "wagtailusers_groups:": "groups: superusers only; role groups are managed by the package",
    "wagtailusers_api_tokens:": "Wagtail's own tokens: each user's own; brand tokens are wagtail_lfcloud_admin:api_token*",
    "wagtailsettings:": "site settings: superusers only",
    "wagtailforms:": "form pages (pages)",
    "wagtailembeds:": "embeds: URLs the editor types, stored per URL not per brand",
    "wagtailadmin_editing_sessions:": "presence pings on objects the user already opened (guarded edit views)",
    # Ids in query strings: test_other_brands_ids_in_query_strings_reveal_nothing below.
    "wagtail_bulk_action": "bulk actions (QUERY_IDORS)",
    "wagtailadmin_account": "the user's own account",
    "wagtailsnippets:index": "the list of snippet models (redirects; each model's listing has rows above)",
    "wagtailadmin_logout": "session",
    "wagtailadmin_login": "session",
    "wagtailadmin_password_reset": "password reset (the user's own)",
    "wagtailadmin_dismissibles": "the user's own dismissed hints",
    "wagtailadmin_block_preview": "StreamField block previews (no brand rows)",
    "wagtailadmin_sprite": "icons",
    "wagtailadmin_javascript_catalog": "translations",
    "wagtailadmin_error_test": "Wagtail's error page test",
    "admin/test404/": "Wagtail's 404 page test",
    "admin/^.*/$": "the admin's catch-all 404",
    # Public serve views: the storage tests prove files of unapproved versions are never reachable
    # (tests/storage/); documents of a brand are behind its collection's view restriction.
    "wagtaildocs_serve": "tests/storage and the brand tree's view restriction",
    "wagtaildocs_authenticate_with_password": "password restrictions (none on brand trees)",
    "wagtailimages_serve": "signed dynamic image URLs (tests/storage)",
    "wagtailcore_authenticate_with_password": "page restrictions",
    "wagtailcore_login": "page restrictions",
    "wagtail_serve": "pages",
}

TABLE: dict[str, Route] = {
    **{
        name: route
        for model, spec in SNIPPETS.items()
        for name, route in snippet_routes(model, *spec).items()
    },
    **ADMIN_VIEWS,
    **API_VIEWS,
    **IMAGE_VIEWS,
    **REPORT_VIEWS,
    **WAGTAIL_VIEWS,
    # An asset's details form is for the people who manage orders; studios and approvers who
    # follow a link to it are sent to the review page (tests/assets/test_asset_links.py).
    "wagtailsnippets_wagtail_lfcloud_asset:edit": r(_obj("asset"), {ADMIN}),
}


# --- enumeration -------------------------------------------------------------------------------


def _walk(patterns, namespaces=(), prefix=""):
    """(key, route) of every pattern: the namespaced name, or the route of an unnamed pattern."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from _walk(pattern.url_patterns, ns, route)
        elif isinstance(pattern, URLPattern):
            yield (":".join((*namespaces, pattern.name)) if pattern.name else route), route


def discovered(patterns=None) -> set[str]:
    """Every URL pattern of the URLconf (``patterns``: another list of patterns, for the test below)."""
    return {
        key for key, _route in _walk(get_resolver().url_patterns if patterns is None else patterns)
    }


def _not_brand_data(key: str) -> bool:
    return any(
        key == entry
        or (entry.endswith((":", "_")) and key.startswith(entry))
        or key.startswith(entry + "_")
        for entry in NOT_BRAND_DATA
    )


def without_a_row(patterns=None) -> list[str]:
    """Discovered patterns that have neither a row in TABLE nor a NOT_BRAND_DATA entry."""
    return sorted(
        key for key in discovered(patterns) if key not in TABLE and not _not_brand_data(key)
    )


def package_url_names() -> set[str]:
    """Discovered patterns that the matrix has rows for."""
    return discovered() & set(TABLE)


def test_every_url_is_in_the_matrix():
    missing = without_a_row()
    assert not missing, (
        "These URL patterns have no row in tests/roles/test_matrix.py TABLE: add each with the roles "
        "that may open it (or, if it holds no brand's data, to NOT_BRAND_DATA with the reason):\n"
        + "\n".join(missing)
    )


def test_a_new_view_without_a_row_fails():
    """A view added to the package (or to Wagtail's admin) without a row is reported by name."""
    from django.http import HttpResponse
    from django.urls import include, path

    def secret(request):
        return HttpResponse("Zedcorp's numbers")

    extra = [
        path("lfcloud/secret/", secret, name="wagtail_lfcloud_secret_report"),
        path(
            "admin/",
            include(([path("leak/<int:pk>/", secret, name="leak")], "wagtail_lfcloud_admin")),
        ),
        path("admin/unnamed/", secret),
    ]
    assert without_a_row(get_resolver().url_patterns + extra) == [
        "admin/unnamed/",
        "wagtail_lfcloud_admin:leak",
        "wagtail_lfcloud_secret_report",
    ]


def test_every_package_viewset_guards_its_objects():
    """Object views of a viewset without the guard would fetch other brands' rows by id."""
    from wagtail.snippets.models import get_snippet_models

    from wagtail_lfcloud.access import MODEL_ACCESS, BrandGuardedViewSetMixin

    unguarded = [
        model.__name__
        for model in get_snippet_models()
        if model._meta.app_label == "wagtail_lfcloud"
        and not isinstance(model.snippet_viewset, BrandGuardedViewSetMixin)
    ]
    assert not unguarded, f"Snippet viewsets without BrandGuardedViewSetMixin: {unguarded}"
    unknown = [
        model.__name__
        for model in get_snippet_models()
        if model._meta.app_label == "wagtail_lfcloud" and model.__name__ not in MODEL_ACCESS
    ]
    assert not unknown, f"Snippet models with no row in policies.MODEL_ACCESS: {unknown}"


# --- the matrix ----------------------------------------------------------------------------------


@pytest.fixture
def worlds():
    return make_full_world("Acme"), make_full_world("Zedcorp")


def _url(name: str, route: Route, world: BrandWorld) -> str:
    url = reverse(name, args=route.args(world) if route.args else None)
    if route.query:
        url += "?" + route.query(world)
    return url


def _call(client, route: Route, url: str, token: str | None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if route.api else {}
    return getattr(client, route.method)(url, **kwargs)


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.parametrize("role", Role.values)
def test_matrix(client, worlds, role):
    acme, zed = worlds
    user = acme.users[role]
    client.force_login(user)
    _, token = APIToken.create_token(user=user, name="matrix")
    problems = []
    existing = package_url_names()
    for name, route in TABLE.items():
        if name not in existing:  # a view this model's viewset does not have (e.g. no inspect)
            continue
        # Own brand.
        if route.own:
            response = _call(client, route, _url(name, route, acme), token)
            expected_ok = role in route.allowed
            if expected_ok and response.status_code != 200:
                problems.append(
                    f"{name}: {role} should open it on their brand, got {response.status_code}"
                )
            if not expected_ok and response.status_code not in DENIED:
                problems.append(
                    f"{name}: {role} should be denied on their brand, got {response.status_code}"
                )
            body = _body(response).lower()
            leaked = [m for m in OTHER_MARKERS if m in body]
            if leaked:
                problems.append(
                    f"{name}: {role}'s own-brand response shows the other brand ({leaked})"
                )
            hidden = [m for m in ROLE_FORBIDDEN[role] if m in body]
            if hidden:
                problems.append(f"{name}: {role} is shown what their role must not see ({hidden})")
        elif route.args is None:
            response = _call(client, route, _url(name, route, acme), token)
            body = _body(response).lower()
            if any(m in body for m in OTHER_MARKERS + ROLE_FORBIDDEN[role]):
                problems.append(
                    f"{name}: {role}'s response shows the other brand or what their role must not see"
                )
        # Another brand's object: denied, and nothing of it shown.
        if route.args is not None and route.brand_args:
            response = _call(client, route, _url(name, route, zed), token)
            if response.status_code not in DENIED:
                problems.append(
                    f"{name}: {role} reached the OTHER brand's object, got {response.status_code}"
                )
            url = _url(name, route, zed)
            # Echoing what the URL itself says (a slug) is not a leak; anything more is.
            if any(m in _body(response).lower() and m not in url.lower() for m in OTHER_MARKERS):
                problems.append(f"{name}: {role}'s denial shows the other brand's data")
    assert not problems, "\n".join(problems)


def test_anonymous_users_reach_nothing(client, worlds):
    acme, _ = worlds
    problems = []
    existing = package_url_names()
    for name, route in TABLE.items():
        if name not in existing or name in (
            f"{API}:api-root",
            f"{API}:openapi-json",
            f"{API}:openapi-view",
        ):
            continue
        url = _url(name, route, acme)
        response = getattr(client, route.method)(url)
        if response.status_code not in DENIED | {401}:
            problems.append(f"{name}: anonymous got {response.status_code}")
        if "acme" in _body(response).lower() and response.status_code != 302:
            problems.append(f"{name}: anonymous response shows the brand")
    assert not problems, "\n".join(problems)


# --- ids passed in query strings (bulk actions, selections) --------------------------------------

IMAGE_LABEL = (get_image_model()._meta.app_label, get_image_model()._meta.model_name)

QUERY_IDORS: list[tuple[str, Callable[[BrandWorld], str]]] = [
    (
        "bulk delete products",
        lambda w: (
            reverse("wagtail_bulk_action", args=["wagtail_lfcloud", "product", "delete"])
            + f"?id={w.product.pk}"
        ),
    ),
    (
        "bulk delete assets",
        lambda w: (
            reverse("wagtail_bulk_action", args=["wagtail_lfcloud", "asset", "delete"])
            + f"?id={w.asset.pk}"
        ),
    ),
    (
        "bulk delete orders",
        lambda w: (
            reverse("wagtail_bulk_action", args=["wagtail_lfcloud", "order", "delete"])
            + f"?id={w.order.pk}"
        ),
    ),
    (
        "bulk delete invoices",
        lambda w: (
            reverse("wagtail_bulk_action", args=["wagtail_lfcloud", "invoice", "delete"])
            + f"?id={w.invoice.pk}"
        ),
    ),
    (
        "bulk bundle of assets",
        lambda w: (
            reverse(
                "wagtail_bulk_action", args=["wagtail_lfcloud", "asset", "lfcloud_download_bundle"]
            )
            + f"?id={w.asset.pk}"
        ),
    ),
    (
        "bundle of a selection",
        lambda w: reverse("wagtail_lfcloud_admin:bundle_selection") + f"?asset={w.asset.pk}",
    ),
    (
        "image chooser, several chosen",
        lambda w: (
            reverse("wagtailimages_chooser:chosen_multiple") + f"?id={w.raw.pk}&id={w.final.pk}"
        ),
    ),
    (
        "product export",
        lambda w: reverse("wagtailsnippets_wagtail_lfcloud_product:list") + "?export=csv",
    ),
    (
        "asset export",
        lambda w: reverse("wagtailsnippets_wagtail_lfcloud_asset:list") + "?export=csv",
    ),
    (
        "order export",
        lambda w: reverse("wagtailsnippets_wagtail_lfcloud_order:list") + "?export=csv",
    ),
    (
        "invoice export",
        lambda w: reverse("wagtailsnippets_wagtail_lfcloud_invoice:list") + "?export=csv",
    ),
    (
        "product search",
        lambda w: reverse("wagtailsnippets_wagtail_lfcloud_product:list_results") + "?q=sneaker",
    ),
    ("image search", lambda w: reverse("wagtailimages:index_results") + "?q=raw"),
    (
        "image chooser search",
        lambda w: reverse("wagtailimages_chooser:choose_results") + "?q=final",
    ),
    (
        "product chooser search",
        lambda w: (
            reverse("wagtailsnippetchoosers_wagtail_lfcloud_product:choose_results") + "?q=sneaker"
        ),
    ),
    (
        "products by the other brand's id",
        lambda w: (
            reverse("wagtailsnippets_wagtail_lfcloud_product:list_results") + f"?brand={w.brand.pk}"
        ),
    ),
    (
        "bulk delete images",
        lambda w: reverse("wagtail_bulk_action", args=[*IMAGE_LABEL, "delete"]) + f"?id={w.raw.pk}",
    ),
]


@pytest.mark.parametrize("role", [ADMIN, MARKETER, STUDIO])
def test_other_brands_ids_in_query_strings_reveal_nothing(client, worlds, role):
    acme, zed = worlds
    client.force_login(acme.users[role])
    problems = []
    for label, make_url in QUERY_IDORS:
        url = make_url(zed)
        response = client.get(url, follow=True)
        # Echoing what the URL itself says (a slug) is not a leak; anything more is.
        if any(m in _body(response).lower() and m not in url.lower() for m in OTHER_MARKERS):
            problems.append(f"{label}: {role} is shown the other brand's rows")
    assert not problems, "\n".join(problems)


# --- who decides the brand approval step -----------------------------------------------------

#: Roles that decide an asset's "Brand approval" step on their own brand (the ``review`` capability).
DECIDERS = frozenset({ADMIN, APPROVER})


def _in_review(world: BrandWorld):
    """Start the default workflow on the world's draft version; returns the running approval step."""
    from wagtail.models import TaskState

    from wagtail_lfcloud.assets.workflows import ensure_default_workflow

    workflow = ensure_default_workflow()
    asset = world.asset
    asset.submitted_version = world.draft_version
    asset.save(update_fields=["submitted_version"])
    asset.save_revision(user=world.users[STUDIO], clean=False)
    workflow.start(asset, world.users[STUDIO])
    return TaskState.objects.for_instance(asset).get(status="in_progress")


@pytest.mark.parametrize("role", Role.values)
def test_who_decides_the_brand_approval_step(client, role):
    """Approve through Wagtail's workflow action URL: brand admins and approvers of the asset's
    brand decide; the other roles, and every role of another brand, change nothing."""
    from tests.roles.helpers import make_brand_world
    from wagtail_lfcloud.models import VersionStatus

    acme, zed = make_brand_world("Acme"), make_brand_world("Zedcorp")
    step = _in_review(acme)
    url = reverse(
        "wagtailsnippets_wagtail_lfcloud_asset:workflow_action",
        args=[acme.asset.pk, "approve", step.pk],
    )

    client.force_login(zed.users[role])  # another brand's person: never
    assert client.post(url, {"comment": "ok"}).status_code in DENIED
    step.refresh_from_db()
    assert step.status == "in_progress"

    client.force_login(acme.users[role])
    review = client.get(reverse("wagtail_lfcloud_admin:asset_review", args=[acme.asset.pk]))
    offered = b'data-action="approve"' in review.content
    response = client.post(url, {"comment": "ok"})
    step.refresh_from_db()
    acme.draft_version.refresh_from_db()
    if role in DECIDERS:
        assert offered, f"{role} is not offered the decision on the review page"
        assert response.status_code == 302
        assert step.status == "approved" and step.finished_by == acme.users[role]
        assert acme.draft_version.status == VersionStatus.CURRENT
    else:
        assert not offered
        assert response.status_code in DENIED
        assert step.status == "in_progress"
        assert acme.draft_version.status == VersionStatus.IN_REVIEW
