"""The "LF Cloud" admin menu: every viewset of the package, grouped.

Each part of the package defines its viewsets in its own module here and lists them in
:data:`ITEMS`; ``wagtail_hooks.py`` registers the group.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from ..views.api_tokens import APITokenViewSet
from .assets import AssetViewSet
from .catalog import BrandViewSet, CatalogViewSet, ProductViewSet, SeasonViewSet
from .delivery import DownloadBundleViewSet, WebhookDeliveryViewSet, WebhookEndpointViewSet
from .orders import BriefViewSet, InvoiceViewSet, OrderViewSet, PaymentViewSet

ITEMS = [
    BrandViewSet,
    CatalogViewSet,
    SeasonViewSet,
    ProductViewSet,
    OrderViewSet,
    BriefViewSet,
    InvoiceViewSet,
    PaymentViewSet,
    AssetViewSet,
    DownloadBundleViewSet,
    WebhookEndpointViewSet,
    WebhookDeliveryViewSet,
    APITokenViewSet,
]


class LFCloudViewSetGroup(SnippetViewSetGroup):
    menu_label = _("LF Cloud")
    menu_icon = "image"
    menu_order = 150
    items = ITEMS
