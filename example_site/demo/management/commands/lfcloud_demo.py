"""Create demo data: a brand with catalogs, seasons, products, people in every role, an order with a
brief, uploaded photos and an approved asset. Safe to run twice."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction

from wagtail_lfcloud.models import Brand, Catalog, Product, Season

from ...photos import product_photo

PASSWORD = os.environ.get("LFCLOUD_DEMO_PASSWORD", "lfcloud-demo")

PRODUCTS = [
    ("NW-1001", "Trail runner", "Footwear", "SS26", "Ocean blue"),
    ("NW-1002", "City sneaker", "Footwear", "SS26", "Brick red"),
    ("NW-1003", "Hiking boot", "Footwear", "FW25", "Forest green"),
    ("NW-1004", "Slip-on", "Footwear", "SS26", "Sand"),
    ("NW-2001", "Weekender bag", "Bags", "FW25", "Graphite"),
    ("NW-2002", "Day pack", "Bags", "SS26", "Plum"),
]


class Command(BaseCommand):
    help = "Create LF Cloud demo data (brand, catalog, people in every role, an order, photos) and print the logins."

    def handle(self, **options):
        with transaction.atomic():
            brand, products = self.catalog()
        users = self.people(brand)
        self.production(brand, products, users)
        self.stdout.write(self.style.SUCCESS("LF Cloud demo data is ready."))
        self.stdout.write("Log in at /admin/ with (password for all: %s):" % PASSWORD)
        for username, role in users.items():
            self.stdout.write(f"  {username:10} {role}")

    def catalog(self):
        brand, _ = Brand.objects.get_or_create(
            slug="northwind", defaults={"name": "Northwind Outfitters", "contact_email": "studio@northwind.example"}
        )
        catalogs = {
            name: Catalog.objects.get_or_create(brand=brand, slug=name.lower(), defaults={"name": name})[0]
            for name in ("Footwear", "Bags")
        }
        seasons = {
            "SS26": Season.objects.get_or_create(
                brand=brand, code="SS26", defaults={"name": "Spring/Summer 2026",
                                                     "starts_on": dt.date(2026, 1, 1), "ends_on": dt.date(2026, 6, 30)}
            )[0],
            "FW25": Season.objects.get_or_create(
                brand=brand, code="FW25", defaults={"name": "Fall/Winter 2025",
                                                     "starts_on": dt.date(2025, 7, 1), "ends_on": dt.date(2025, 12, 31)}
            )[0],
        }
        products = []
        for sku, name, catalog, season, colour in PRODUCTS:
            product, _ = Product.objects.update_or_create(
                brand=brand, sku=sku,
                defaults={"name": name, "catalog": catalogs[catalog], "season": seasons[season], "colour": colour},
            )
            products.append(product)
        return brand, products

    def people(self, brand) -> dict[str, str]:
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"email": "admin@example.com", "is_staff": True, "is_superuser": True}
        )
        if created:
            admin.set_password(PASSWORD)
            admin.save()
        users = {"admin": "superuser"}
        try:
            from wagtail_lfcloud.roles import ensure_brand_roles
        except ImportError:
            return users
        groups = ensure_brand_roles(brand)
        for role, username in [("brand_admin", "brandadmin"), ("marketer", "marketer"), ("approver", "approver"),
                               ("studio", "studio"), ("finance", "finance")]:
            user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com"})
            if created:
                user.set_password(PASSWORD)
                user.save()
            user.groups.add(groups[role])
            users[username] = role
        return users

    def production(self, brand, products, users):
        """An order with a brief, submitted; v1 uploaded for each deliverable; some approved."""
        try:
            from wagtail_lfcloud.models import Order, OrderLine
            from wagtail_lfcloud.orders import submit_order
            from wagtail_lfcloud.uploads import upload_version
        except ImportError:
            return
        User = get_user_model()
        admin = User.objects.get(username="admin")
        order = Order.objects.filter(brand=brand, title="SS26 e-commerce shoot").first()
        if order is None:
            order = Order(brand=brand, title="SS26 e-commerce shoot", currency="EUR",
                          due_date=dt.date.today() + dt.timedelta(days=14), created_by=admin)
            for product in products[:4]:
                order.lines.add(OrderLine(product=product, angles=["front", "side", "back"],
                                          channels=["amazon_main", "shopify_product", "ig_square"],
                                          unit_price=Decimal("45.00"), quantity=1))
            order.save()
            submit_order(order, admin)
        studio = User.objects.filter(username="studio").first() or admin
        for index, product in enumerate(products[:4]):
            for angle in ("front", "side"):
                name = f"{product.sku}_2026-01_{angle}.jpg"
                asset = product.assets.filter(angle=angle).first()
                if asset is None or asset.versions.exists():
                    continue
                upload_version(ContentFile(product_photo(index, angle), name=name), brand=brand, user=studio)
