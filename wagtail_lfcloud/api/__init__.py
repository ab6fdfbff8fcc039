"""The headless API of wagtail-lfcloud: a django-ninja ``NinjaAPI`` with its own namespace.

Mounted by ``wagtail_lfcloud.urls`` at ``api/v1/`` (so ``/lfcloud/api/v1/`` when the package's URLs
are at ``/lfcloud/``): the major version is in the path. To mount it elsewhere::

    from wagtail_lfcloud.api import api
    urlpatterns = [path("headless/v1/", api.urls), ...]

OpenAPI schema at ``<mount>/openapi.json``, interactive docs at ``<mount>/docs``. Every route needs
``Authorization: Bearer <Wagtail API token>``; what a token sees follows its user's brand roles.
See ``docs/reference/api.md``.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import Http404
from django.urls import URLResolver, get_resolver, reverse
from ninja import NinjaAPI, Swagger

from ..conf import lfcloud_settings
from ..delivery.webhook_schemas import openapi_webhooks
from ..delivery.webhooks import EVENTS
from .errors import register_error_handlers, use_problem_media_type
from .examples import add_examples
from .router import router

__all__ = ["api", "mount_on_wagtail_api", "router"]


def _qualified_namespace(namespace: str) -> str:
    """``namespace`` with the namespaces it is nested in (``wagtail_lfcloud:wagtail_lfcloud_api``)."""

    def walk(resolver: URLResolver, prefix: str) -> str | None:
        for pattern in resolver.url_patterns:
            if not isinstance(pattern, URLResolver):
                continue
            name = f"{prefix}{pattern.namespace}" if pattern.namespace else prefix.rstrip(":")
            if pattern.namespace == namespace:
                return name
            found = walk(pattern, f"{name}:" if name else "")
            if found:
                return found
        return None

    return walk(get_resolver(), "") or namespace


class LFCloudNinjaAPI(NinjaAPI):
    """A NinjaAPI that still finds its own URLs when included inside another namespace.

    Ninja reverses ``<urls_namespace>:api-root`` unqualified, which fails once the API sits in
    ``wagtail_lfcloud.urls`` (namespace ``wagtail_lfcloud``).
    """

    def get_openapi_schema(self, *args, **kwargs):
        # Errors are problem documents; Ninja would document them as application/json.
        schema = use_problem_media_type(super().get_openapi_schema(*args, **kwargs))
        add_examples(schema)
        # OpenAPI 3.1: the events the package POSTs to webhook endpoints, with their bodies.
        webhooks, components = openapi_webhooks(EVENTS)
        schema["webhooks"] = webhooks
        schema.setdefault("components", {}).setdefault("schemas", {}).update(components)
        return schema

    def get_root_path(self, path_params):
        return reverse(f"{_qualified_namespace(self.urls_namespace)}:api-root", kwargs=path_params)


def _gate_docs(view):
    """Serve the schema and docs only while ``WAGTAILAPI_DOCS_ENABLED`` (Wagtail's own switch) is true."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not getattr(settings, "WAGTAILAPI_DOCS_ENABLED", True):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


class _Docs(Swagger):
    def get_openapi_url(self, api, path_params):
        return reverse(
            f"{_qualified_namespace(api.urls_namespace)}:openapi-json", kwargs=path_params
        )


#: The package's API. Its URL namespace is ``wagtail_lfcloud_api``.
api = LFCloudNinjaAPI(
    title="LF Cloud API",
    version="1.0.0",
    description=(
        "Products, assets with their current approved version, channel renditions, the stable "
        "rendition URL, orders, invoices and download bundles. Authenticate with "
        "'Authorization: Bearer <Wagtail API token>'. Errors are application/problem+json "
        "documents with a stable 'code'; every GET carries an ETag; listings page by offset or "
        "by cursor; requests are rate-limited per token (429 with Retry-After)."
    ),
    urls_namespace="wagtail_lfcloud_api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=_Docs(),
    docs_decorator=_gate_docs,
)
register_error_handlers(api)
api.add_router("", router)


def mount_on_wagtail_api(prefix: str = "/lfcloud/") -> bool:
    """Also serve the routes under Wagtail's v3 API, when ``WAGTAIL_LFCLOUD_MOUNT_ON_WAGTAIL_API`` is true.

    Call from ``AppConfig.ready()`` only: Ninja refuses new routers once ``api.urls`` has been
    built. Returns whether the router was mounted. Errors on that mount are rendered by
    Wagtail's handlers (``application/problem+json``).
    """
    if not lfcloud_settings.MOUNT_ON_WAGTAIL_API:
        return False
    # optional: Wagtail's v3 API is built (imported) only for a site that mounts on it
    from wagtail.api.v3.api import api as wagtail_api

    wagtail_api.add_router(prefix, router)
    return True
