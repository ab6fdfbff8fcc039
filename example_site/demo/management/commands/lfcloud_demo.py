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
from django.test.utils import override_settings

from wagtail_lfcloud.models import Brand, Catalog, Product, Season

from ...photos import product_photo

PASSWORD = os.environ.get("LFCLOUD_DEMO_PASSWORD", "lfcloud-demo")

# sku, name, catalog, season, colour, ASIN (Amazon bundles name files by it: B0NW100101.MAIN.jpg)
PRODUCTS = [
    ("NW-1001", "Trail runner", "Footwear", "SS26", "Ocean blue", "B0NW100101"),
    ("NW-1002", "City sneaker", "Footwear", "SS26", "Brick red", "B0NW100201"),
    ("NW-1003", "Hiking boot", "Footwear", "FW25", "Forest green", "B0NW100301"),
    ("NW-1004", "Slip-on", "Footwear", "SS26", "Sand", "B0NW100401"),
    ("NW-2001", "Weekender bag", "Bags", "FW25", "Graphite", "B0NW200101"),
    ("NW-2002", "Day pack", "Bags", "SS26", "Plum", "B0NW200201"),
]


class Command(BaseCommand):
    help = "Create LF Cloud demo data (brand, catalog, people in every role, an order, photos) and print the logins."

    def handle(self, **options):
        with transaction.atomic():
            brand, products = self.catalog()
        users = self.people(brand)
        # The demo's uploads and approvals would send a dozen notification emails to the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            self.production(brand, products, users)
        self.stdout.write(self.style.SUCCESS("LF Cloud demo data is ready."))
        self.stdout.write(f"Log in at /admin/ with (password for all: {PASSWORD}):")
        for username, role in users.items():
            self.stdout.write(f"  {username:10} {role}")

    def catalog(self):
        brand, _ = Brand.objects.get_or_create(
            slug="northwind",
            defaults={"name": "Northwind Outfitters", "contact_email": "studio@northwind.example"},
        )
        catalogs = {
            name: Catalog.objects.get_or_create(
                brand=brand, slug=name.lower(), defaults={"name": name}
            )[0]
            for name in ("Footwear", "Bags")
        }
        seasons = {
            "SS26": Season.objects.get_or_create(
                brand=brand,
                code="SS26",
                defaults={
                    "name": "Spring/Summer 2026",
                    "starts_on": dt.date(2026, 1, 1),
                    "ends_on": dt.date(2026, 6, 30),
                },
            )[0],
            "FW25": Season.objects.get_or_create(
                brand=brand,
                code="FW25",
                defaults={
                    "name": "Fall/Winter 2025",
                    "starts_on": dt.date(2025, 7, 1),
                    "ends_on": dt.date(2025, 12, 31),
                },
            )[0],
        }
        products = []
        for sku, name, catalog, season, colour, asin in PRODUCTS:
            product, _ = Product.objects.update_or_create(
                brand=brand,
                sku=sku,
                defaults={
                    "name": name,
                    "catalog": catalogs[catalog],
                    "season": seasons[season],
                    "colour": colour,
                    "asin": asin,
                },
            )
            products.append(product)
        return brand, products

    def people(self, brand) -> dict[str, str]:
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"email": "admin@example.com", "is_staff": True, "is_superuser": True},
        )
        if created:
            admin.set_password(PASSWORD)
            admin.save()
        users = {"admin": "superuser"}
        try:
            from wagtail_lfcloud.access import ensure_brand_roles
        except ImportError:
            return users
        groups = ensure_brand_roles(brand)
        for role, username in [
            ("brand_admin", "brandadmin"),
            ("marketer", "marketer"),
            ("approver", "approver"),
            ("studio", "studio"),
            ("finance", "finance"),
        ]:
            user, created = User.objects.get_or_create(
                username=username, defaults={"email": f"{username}@example.com"}
            )
            if created:
                user.set_password(PASSWORD)
                user.save()
            user.groups.add(groups[role])
            users[username] = role
        return users

    def production(self, brand, products, users):
        """An order with a brief, submitted; v1 uploaded for each deliverable; the first two fronts approved.

        Everything goes through the package's own services (order transitions, uploads, the review
        workflow), so the demo shows exactly what people doing it in the admin would produce.
        """
        from wagtail_lfcloud.models import Brief, Order, OrderLine, OrderStatus
        from wagtail_lfcloud.orders import transition
        from wagtail_lfcloud.uploads import UploadRefused, upload_version

        User = get_user_model()
        admin = User.objects.get(username="admin")
        with transaction.atomic():
            order = Order.objects.filter(brand=brand, title="SS26 e-commerce shoot").first()
            if order is None:
                order = Order(
                    brand=brand,
                    title="SS26 e-commerce shoot",
                    currency="EUR",
                    due_date=dt.date.today() + dt.timedelta(days=14),
                    created_by=admin,
                )
                for product in products[:4]:
                    order.lines.add(
                        OrderLine(
                            product=product,
                            angles=["front", "side"],
                            channels=["amazon_main", "shopify_product", "ig_square"],
                            unit_price=Decimal("45.00"),
                            quantity=1,
                        )
                    )
                order.save()
            Brief.objects.get_or_create(
                order=order,
                defaults={
                    "instructions": "<p>Pure white background, product centred and filling about 85% of the frame. "
                    "Laces tied, labels facing the camera.</p>",
                    "guidelines": "<p>No props, no shadows under 5% opacity, sRGB.</p>",
                    "shoot_date": dt.date.today() + dt.timedelta(days=3),
                    "finals_due": dt.date.today() + dt.timedelta(days=10),
                },
            )
            if order.status == OrderStatus.DRAFT:
                transition(order, OrderStatus.SUBMITTED, admin)
        studio = User.objects.filter(username="studio").first() or admin
        approver = User.objects.filter(username="approver").first() or admin
        for index, product in enumerate(products[:4]):
            for angle in ("front", "side"):
                asset = product.assets.filter(angle=angle).first()
                if asset is None or asset.versions.exists():
                    continue
                name = f"{product.sku}_2026-01_{angle}.jpg"
                try:
                    result = upload_version(
                        ContentFile(product_photo(index, angle), name=name),
                        brand=brand,
                        user=studio,
                    )
                except UploadRefused as exc:
                    self.stderr.write(f"{name}: {exc}")
                    continue
                if index < 2 and angle == "front":
                    self.approve(result.asset, approver)

    def approve(self, asset, user):
        """Approve the asset's version in review, as the approver would with the Approve button."""
        asset.refresh_from_db()
        workflow_state = asset.current_workflow_state
        task_state = workflow_state.current_task_state if workflow_state else None
        if task_state is not None:
            task_state.task.specific.on_action(task_state, user, "approve")
