"""System checks that original files are not reachable by a public URL (W040, W041).

Originals (Wagtail's ``original_images/``) are handed out only by the permission-checked view
``/lfcloud/files/original/<version_id>/``. With S3, the storage checks (W020-W028) cover signed
URLs and ACLs; these cover local files, which a web server usually serves from MEDIA_ROOT as-is.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.core.files.storage import FileSystemStorage, storages
from django.urls import (
    NoReverseMatch,
    Resolver404,
    URLPattern,
    URLResolver,
    get_resolver,
    resolve,
    reverse,
)
from django.views.static import serve

from ..conf import docs_url


def _serves_media(patterns) -> bool:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if _serves_media(pattern.url_patterns):
                return True
        elif isinstance(pattern, URLPattern) and pattern.callback is serve:
            root = str(pattern.default_args.get("document_root", ""))
            if root and root.rstrip("/") == str(settings.MEDIA_ROOT).rstrip("/"):
                return True
    return False


@register(Tags.security)
def check_originals_not_public(app_configs=None, **kwargs):
    if settings.DEBUG:
        return []
    warnings = []
    try:
        serves = _serves_media(get_resolver().url_patterns)
    except Exception:  # noqa: BLE001 - a broken URLconf is reported by Django's own checks
        serves = False
    if serves:
        warnings.append(
            Warning(
                "The URLconf serves MEDIA_ROOT with django.views.static.serve while DEBUG is off: anyone can "
                "download original and draft files from MEDIA_URL + 'original_images/'.",
                hint="Remove the static() media pattern in production; originals are served by "
                "/lfcloud/files/original/<version_id>/ after a permission check.",
                id="wagtail_lfcloud.W041",
            )
        )
    elif isinstance(storages["default"], FileSystemStorage):
        warnings.append(
            Warning(
                "Originals are stored on the local file system with DEBUG off. If your web server serves "
                "MEDIA_ROOT, original and draft files are public at MEDIA_URL + 'original_images/'.",
                hint="Deny MEDIA_URL + 'original_images/' in the web server (renditions under 'images/' may "
                "stay public), or store originals in a private S3 bucket; then add 'wagtail_lfcloud.W040' "
                "to SILENCED_SYSTEM_CHECKS. See "
                + docs_url("reference/roles.md#files-of-unapproved-versions-are-never-public")
                + ".",
                id="wagtail_lfcloud.W040",
            )
        )
    return warnings


@register(Tags.security)
def check_workflow_reports_scoped(app_configs=None, **kwargs):
    """W042: Wagtail's workflow reports must run the package's brand-scoped views."""
    # app loading: reports imports Wagtail's admin URLs, which run every wagtail_hooks
    from .reports import REPORT_VIEWS

    unscoped = []
    for name, (_wagtail_class, ours) in REPORT_VIEWS.items():
        try:
            view_class = getattr(
                resolve(reverse(f"wagtailadmin_reports:{name}")).func, "view_class", None
            )
        except (NoReverseMatch, Resolver404):
            continue  # Wagtail's admin is not mounted, or the report is gone: nothing to scope
        except Exception:  # noqa: BLE001 - a broken URLconf is reported by Django's own checks
            return []
        if view_class is not ours:
            unscoped.append(name)
    if not unscoped:
        return []
    return [
        Warning(
            f"Wagtail's workflow reports ({', '.join(unscoped)}) list every brand's files in review "
            "to anyone who may edit pages: the package's brand-scoped views are not in place.",
            hint="Another app replaced these report views, or Wagtail's admin URLs were built before "
            "wagtail_lfcloud's hooks ran. Make sure 'wagtail_lfcloud' is in INSTALLED_APPS and that no other "
            "app swaps the reports; see "
            + docs_url("reference/roles.md#audit-log-and-reports")
            + ".",
            id="wagtail_lfcloud.W042",
        )
    ]
