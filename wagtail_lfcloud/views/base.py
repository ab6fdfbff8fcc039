"""What the package's plain admin pages share."""

from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from ..access import get_for_user_or_404
from ..models import Order


class LFCloudPageMixin(WagtailAdminTemplateMixin):
    """An admin page whose header names the page (Wagtail's default breadcrumbs say only "Home")."""

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]


def order_for(user, pk: int, capability: str = "view_orders") -> Order:
    """The order ``pk`` if ``user`` has ``capability`` on its brand, else 404."""
    return get_for_user_or_404(user, Order.objects.select_related("brand"), pk, capability)
