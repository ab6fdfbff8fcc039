"""``manage.py lfcloud_roles --brand SLUG | --all``: create or repair brands' role groups."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from wagtail_lfcloud.access import ensure_brand_roles
from wagtail_lfcloud.models import Brand, Role


class Command(BaseCommand):
    help = (
        "Create, or put back to their defined state, the five role groups of a brand (or of every brand): "
        "their model permissions, admin access and collection permissions. Safe to run repeatedly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--brand", metavar="SLUG", help="Only this brand (its slug).")
        parser.add_argument("--all", action="store_true", help="Every brand.")

    def handle(self, *args, brand=None, all=False, **options):
        if bool(brand) == bool(all):
            raise CommandError("Pass either --brand SLUG or --all.")
        if brand:
            try:
                brands = [Brand.objects.get(slug=brand)]
            except Brand.DoesNotExist:
                known = ", ".join(Brand.objects.values_list("slug", flat=True)[:20]) or "none"
                raise CommandError(f"No brand with slug {brand!r}. Known slugs: {known}.") from None
        else:
            brands = list(Brand.objects.all())
        for item in brands:
            groups = ensure_brand_roles(item)
            names = ", ".join(groups[role].name for role in Role.values)
            self.stdout.write(f"{item.slug}: {names}")
        self.stdout.write(self.style.SUCCESS(f"Roles in place for {len(brands)} brand(s)."))
