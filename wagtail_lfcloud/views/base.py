"""What the package's plain admin pages share."""

from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin


class LFCloudPageMixin(WagtailAdminTemplateMixin):
    """An admin page whose header names the page (Wagtail's default breadcrumbs say only "Home")."""

    def get_breadcrumbs_items(self):
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]
