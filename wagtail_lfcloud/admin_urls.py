"""Admin URLs (under ``/admin/lfcloud/``) for the views a viewset does not cover.

Each part of the package adds its patterns here.
"""

from django.urls import path

from .views import api_tokens, catalog, notification_preferences, order_thread
from .views import assets as asset_views
from .views import bundles as bundle_views
from .views import direct_uploads as direct_upload_views
from .views import files as file_views
from .views import library as library_views
from .views import orders as order_views
from .views import public_links as public_link_views
from .views import rights as rights_views
from .views import roles as role_views
from .views import uploads as upload_views
from .views import usage as usage_views
from .views import video as video_views

app_name = "wagtail_lfcloud_admin"

urlpatterns = [
    path("products/import/", catalog.ProductImportView.as_view(), name="product_import"),
    path("roles/", role_views.RolesView.as_view(), name="roles"),
    path("roles/<slug:slug>/", role_views.BrandRolesView.as_view(), name="roles_brand"),
    path("orders/<int:pk>/", order_views.OrderDetailView.as_view(), name="order_detail"),
    path("orders/<int:pk>/grid.json", order_views.OrderGridView.as_view(), name="order_grid"),
    path(
        "orders/<int:pk>/status/<str:status>/",
        order_views.OrderTransitionView.as_view(),
        name="order_transition",
    ),
    path(
        "orders/<int:pk>/messages.json",
        order_thread.OrderMessagesView.as_view(),
        name="order_messages",
    ),
    path("orders/<int:pk>/brief/", order_views.BriefStartView.as_view(), name="order_brief"),
    path(
        "orders/<int:pk>/messages/<int:message_pk>/attachment/",
        order_thread.MessageAttachmentView.as_view(),
        name="order_message_attachment",
    ),
    path(
        "notifications/",
        notification_preferences.NotificationPreferencesView.as_view(),
        name="notification_preferences",
    ),
    path("upload/", upload_views.UploadView.as_view(), name="upload"),
    path("upload/file/", upload_views.UploadFileView.as_view(), name="upload_file"),
    path(
        "upload/direct/",
        direct_upload_views.DirectUploadStartView.as_view(),
        name="direct_upload_start",
    ),
    path(
        "upload/direct/<int:pk>/",
        direct_upload_views.DirectUploadStateView.as_view(),
        name="direct_upload_state",
    ),
    path(
        "upload/direct/<int:pk>/resume/",
        direct_upload_views.DirectUploadResumeView.as_view(),
        name="direct_upload_resume",
    ),
    path(
        "upload/direct/<int:pk>/complete/",
        direct_upload_views.DirectUploadCompleteView.as_view(),
        name="direct_upload_complete",
    ),
    path("assets/<int:pk>/review/", asset_views.AssetReviewView.as_view(), name="asset_review"),
    path(
        "assets/<int:pk>/versions/", asset_views.VersionHistoryView.as_view(), name="asset_versions"
    ),
    path("assets/<int:pk>/rights/", rights_views.AssetRightsView.as_view(), name="asset_rights"),
    path("assets/<int:pk>/usage/", usage_views.AssetUsageView.as_view(), name="asset_usage"),
    path("usage/", usage_views.BrandUsageView.as_view(), name="usage"),
    path(
        "assets/<int:pk>/public-links/",
        public_link_views.AssetPublicLinksView.as_view(),
        name="asset_public_links",
    ),
    path(
        "brands/<slug:slug>/public-links/rotate/",
        public_link_views.RotateKeyView.as_view(),
        name="public_key_rotate",
    ),
    path("orders/<int:pk>/rights/", rights_views.OrderRightsView.as_view(), name="order_rights"),
    path("assets/<int:pk>/compare/", asset_views.CompareView.as_view(), name="asset_compare"),
    path(
        "assets/<int:pk>/versions/<int:version_pk>/comments/",
        asset_views.AddCommentView.as_view(),
        name="asset_comment",
    ),
    path(
        "comments/<int:pk>/resolve/",
        asset_views.ResolveCommentView.as_view(),
        name="comment_resolve",
    ),
    path("library/", library_views.LibraryView.as_view(), name="library"),
    path(
        "library/results/",
        library_views.LibraryView.as_view(results_only=True),
        name="library_results",
    ),
    path(
        "bundles/order/<int:order_id>/", bundle_views.OrderBundleView.as_view(), name="bundle_order"
    ),
    path("bundles/selection/", bundle_views.SelectionBundleView.as_view(), name="bundle_selection"),
    path("bundles/<int:pk>/", bundle_views.BundleDetailView.as_view(), name="bundle_detail"),
    path("bundles/<int:pk>/download/", bundle_views.bundle_download, name="bundle_download"),
    path("files/<str:token>/", file_views.private_file, name="private_file"),
    path("clips/<int:version_id>/<str:which>/", video_views.clip_file, name="clip_file"),
    *api_tokens.urlpatterns,
]
