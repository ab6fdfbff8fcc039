"""Create demo data: two brands, each with catalogs, seasons, products, people in every role, an order
with a brief, uploaded photos (some approved, the others in review), an invoice and a month of usage
history for the approved photos (so the Usage view has charts to show). Safe to run twice.

The second brand is there so that what one brand may not see of the other can be seen: log in as
a Fabrikam user and no Northwind SKU, order or photo should appear anywhere.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from wagtail_lfcloud.models import Brand, Catalog, Product, Season

from ...photos import product_photo

PASSWORD = os.environ.get("LFCLOUD_DEMO_PASSWORD", "lfcloud-demo")

SEASONS = {
    "SS26": ("Spring/Summer 2026", dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
    "FW25": ("Fall/Winter 2025", dt.date(2025, 7, 1), dt.date(2025, 12, 31)),
}

#: (role, label) in the order the logins are printed.
ROLES = [
    ("brand_admin", "brand admin"),
    ("approver", "approver"),
    ("studio", "studio (retoucher)"),
    ("marketer", "marketer"),
    ("finance", "finance"),
]


@dataclass(frozen=True)
class DemoBrand:
    slug: str
    name: str
    email: str
    #: Prefix of the brand's usernames ("" for Northwind: brandadmin, approver, ...).
    user_prefix: str
    #: sku, name, catalog, season, colour, ASIN (Amazon bundles name files by it: B0NW100101.MAIN.jpg)
    products: tuple[tuple[str, str, str, str, str, str], ...]
    order_title: str
    #: How many of the products the order covers, and its channels.
    ordered: int
    channels: tuple[str, ...]
    #: Deliverables approved by the demo (sku index, angle); the others stay in review.
    approved: tuple[tuple[int, str], ...]
    currency: str
    invoice_number: str
    #: True: the invoice is paid in full (it becomes Paid); False: it stays Issued.
    invoice_paid: bool


BRANDS = (
    DemoBrand(
        slug="northwind",
        name="Northwind Outfitters",
        email="studio@northwind.example",
        user_prefix="",
        products=(
            ("NW-1001", "Trail runner", "Footwear", "SS26", "Ocean blue", "B0NW100101"),
            ("NW-1002", "City sneaker", "Footwear", "SS26", "Brick red", "B0NW100201"),
            ("NW-1003", "Hiking boot", "Footwear", "FW25", "Forest green", "B0NW100301"),
            ("NW-1004", "Slip-on", "Footwear", "SS26", "Sand", "B0NW100401"),
            ("NW-2001", "Weekender bag", "Bags", "FW25", "Graphite", "B0NW200101"),
            ("NW-2002", "Day pack", "Bags", "SS26", "Plum", "B0NW200201"),
        ),
        order_title="SS26 e-commerce shoot",
        ordered=4,
        channels=("amazon_main", "shopify_product", "ig_square"),
        approved=((0, "front"), (1, "front")),
        currency="EUR",
        invoice_number="NW-INV-0001",
        invoice_paid=True,
    ),
    DemoBrand(
        slug="fabrikam",
        name="Fabrikam Home & Travel",
        email="photos@fabrikam.example",
        user_prefix="fk-",
        products=(
            ("FK-3001", "Linen shirt", "Apparel", "SS26", "Natural", "B0FK300101"),
            ("FK-3002", "Canvas tote", "Travel", "SS26", "Navy", "B0FK300201"),
            ("FK-3003", "Insulated bottle", "Travel", "FW25", "Sage", "B0FK300301"),
            ("FK-3004", "Baseball cap", "Apparel", "SS26", "Rust", "B0FK300401"),
            ("FK-3005", "Carry-on backpack", "Travel", "FW25", "Black", "B0FK300501"),
        ),
        order_title="Summer travel catalogue",
        ordered=3,
        channels=("shopify_product", "ig_square"),
        approved=((0, "front"), (2, "side")),
        currency="USD",
        invoice_number="FK-INV-0001",
        invoice_paid=False,
    ),
)


class Command(BaseCommand):
    help = (
        "Create LF Cloud demo data (two brands, people in every role, an order, photos, an "
        "invoice) and print the logins."
    )

    def handle(self, **options):
        started = time.monotonic()
        logins: list[tuple[str, str, str]] = [("admin", "superuser", "all brands")]
        self.superuser()
        seed = 0
        for demo in BRANDS:
            self.step(f"{demo.name}: catalog, people and roles")
            with transaction.atomic():
                brand, products = self.catalog(demo)
            users = self.people(brand, demo)
            logins += [(username, label, demo.name) for username, label in users.values()]
            self.step(f"{demo.name}: order, photos, reviews and invoice")
            # The demo's uploads and approvals would send a dozen notification emails to the console.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
                self.production(brand, demo, products, users, seed)
            seed += len(demo.products)
        self.stdout.write(
            self.style.SUCCESS(f"LF Cloud demo data is ready ({time.monotonic() - started:.0f} s).")
        )
        self.stdout.write(f"Log in at /admin/ with (password for all: {PASSWORD}):")
        for username, label, brand_name in logins:
            self.stdout.write(f"  {username:15} {label:19} {brand_name}")

    def step(self, text: str) -> None:
        self.stdout.write(f"- {text} ...")
        self.stdout.flush()

    def superuser(self):
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"email": "admin@example.com", "is_staff": True, "is_superuser": True},
        )
        if created:
            admin.set_password(PASSWORD)
            admin.save()
        return admin

    def catalog(self, demo: DemoBrand):
        brand, _ = Brand.objects.get_or_create(
            slug=demo.slug, defaults={"name": demo.name, "contact_email": demo.email}
        )
        catalogs = {
            name: Catalog.objects.get_or_create(
                brand=brand, slug=name.lower(), defaults={"name": name}
            )[0]
            for name in dict.fromkeys(p[2] for p in demo.products)
        }
        seasons = {
            code: Season.objects.get_or_create(
                brand=brand,
                code=code,
                defaults={"name": name, "starts_on": starts, "ends_on": ends},
            )[0]
            for code, (name, starts, ends) in SEASONS.items()
        }
        products = []
        for sku, name, catalog, season, colour, asin in demo.products:
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

    def people(self, brand, demo: DemoBrand) -> dict[str, tuple[str, str]]:
        """role -> (username, label): one user per role, in the brand's role group."""
        from wagtail_lfcloud.access import ensure_brand_roles

        User = get_user_model()
        groups = ensure_brand_roles(brand)
        users = {}
        for role, label in ROLES:
            username = f"{demo.user_prefix}{'brandadmin' if role == 'brand_admin' else role}"
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@{demo.email.split('@')[1]}"},
            )
            if created:
                user.set_password(PASSWORD)
                user.save()
            user.groups.add(groups[role])
            users[role] = (username, label)
        return users

    def production(self, brand, demo: DemoBrand, products, users, seed: int):
        """The brand admin submits an order with a brief; the studio starts production, uploads v1
        of each deliverable and sends the order for review; the approver approves some of them; the
        brand is invoiced (and, for Northwind, has paid).

        Everything goes through the package's own services (order transitions, uploads, the review
        workflow, payments), as the people doing it in the admin would, so the order's status
        follows the status machine: it is *In review* once photos are in review or approved.
        """
        from wagtail_lfcloud.assets.uploads import UploadRefused, upload_version
        from wagtail_lfcloud.models import Brief, Order, OrderLine, OrderStatus
        from wagtail_lfcloud.orders.status import transition

        User = get_user_model()
        brand_admin, approver, studio = (
            User.objects.get(username=users[role][0])
            for role in ("brand_admin", "approver", "studio")
        )
        with transaction.atomic():
            order = Order.objects.filter(brand=brand, title=demo.order_title).first()
            if order is None:
                order = Order(
                    brand=brand,
                    title=demo.order_title,
                    currency=demo.currency,
                    due_date=dt.date.today() + dt.timedelta(days=14),
                    created_by=brand_admin,
                )
                for product in products[: demo.ordered]:
                    order.lines.add(
                        OrderLine(
                            product=product,
                            angles=["front", "side"],
                            channels=list(demo.channels),
                            unit_price=Decimal("45.00"),
                            quantity=1,
                        )
                    )
                order.save()
            Brief.objects.get_or_create(
                order=order,
                defaults={
                    "instructions": "<p>Pure white background, product centred and filling about 85% of the frame. "
                    "Labels facing the camera.</p>",
                    "guidelines": "<p>No props, no shadows under 5% opacity, sRGB.</p>",
                    "shoot_date": dt.date.today() + dt.timedelta(days=3),
                    "finals_due": dt.date.today() + dt.timedelta(days=10),
                },
            )
            if order.status == OrderStatus.DRAFT:
                transition(order, OrderStatus.SUBMITTED, brand_admin)
            if order.status == OrderStatus.SUBMITTED:
                transition(order, OrderStatus.IN_PRODUCTION, studio)
        approved = set(demo.approved)
        for index, product in enumerate(products[: demo.ordered]):
            for angle in ("front", "side"):
                asset = product.assets.filter(angle=angle).first()
                if asset is None or asset.versions.exists():
                    continue
                name = f"{product.sku}_2026-01_{angle}.jpg"
                try:
                    result = upload_version(
                        ContentFile(product_photo(seed + index, angle), name=name),
                        brand=brand,
                        user=studio,
                    )
                except UploadRefused as exc:
                    self.stderr.write(f"{name}: {exc}")
                    continue
                if (index, angle) in approved:
                    self.approve(result.asset, approver)
        order.refresh_from_db()
        if order.status == OrderStatus.IN_PRODUCTION:
            transition(order, OrderStatus.IN_REVIEW, studio)
        self.invoice(order, demo)
        self.api_token(brand, brand_admin, demo)
        marketer = User.objects.get(username=users["marketer"][0])
        self.bundle(order, marketer, demo)
        self.usage_history(brand, demo)

    def approve(self, asset, user):
        """Approve the asset's version in review, as the approver would with the Approve button."""
        asset.refresh_from_db()
        workflow_state = asset.current_workflow_state
        task_state = workflow_state.current_task_state if workflow_state else None
        if task_state is not None:
            task_state.task.specific.on_action(task_state, user, "approve")

    def api_token(self, brand, brand_admin, demo: DemoBrand):
        """A read-only token of the brand for its storefront, made by its brand admin (its secret
        is not printed: make your own under LF Cloud -> API tokens to try the API)."""
        from wagtail.models import APIToken

        from wagtail_lfcloud.models import BrandAPIToken

        if BrandAPIToken.objects.filter(brand=brand).exists():
            return
        with transaction.atomic():
            token, _secret = APIToken.create_token(
                user=brand_admin, name=f"{demo.name} storefront (read-only)"
            )
            BrandAPIToken.objects.create(token=token, brand=brand, scopes=["read"])

    def bundle(self, order, marketer, demo: DemoBrand):
        """The marketer's first export: the order's approved files for the brand's first channel
        (so the bundles page and the usage figures have something to show)."""
        from wagtail_lfcloud.delivery.bundles import BundleError, plan_bundle, request_bundle
        from wagtail_lfcloud.models import DownloadBundle

        if DownloadBundle.objects.filter(order=order).exists():
            return
        try:
            plan = plan_bundle(marketer, demo.channels[0], order=order)
        except BundleError as exc:
            self.stderr.write(f"{order}: no demo bundle: {exc}")
            return
        request_bundle(marketer, plan)

    def usage_history(self, brand, demo: DemoBrand, days: int = 30):
        """Daily usage counts of the brand's approved photos over the last ``days`` days, as if
        their storefront had used them for a month: stable-URL hits per channel (fewer at the
        weekend, more for the first photo), some API fetches, a few bundle exports and admin
        downloads. Written as daily totals (``UsageDaily``), like the counters' flushes write them;
        skipped when the brand already has usage before today."""
        from wagtail_lfcloud.models import AssetVersion, UsageDaily, UsageKind, VersionStatus

        today = dt.date.today()
        if UsageDaily.objects.filter(brand=brand, day__lt=today).exists():
            return
        rng = random.Random(demo.slug)
        versions = list(
            AssetVersion.objects.filter(asset__brand=brand, status=VersionStatus.CURRENT)
            .select_related("asset")
            .order_by("asset__product__sku", "asset__angle")
        )
        rows = []
        for rank, version in enumerate(versions):
            popularity = 1.0 / (rank + 1)
            channels = [c for c in demo.channels if c in (version.asset.channels or demo.channels)]
            for back in range(days - 1, 0, -1):  # the view's days: today and days - 1 before
                day = today - dt.timedelta(days=back)
                weekday = 0.55 if day.weekday() >= 5 else 1.0
                growth = 0.6 + 0.4 * (days - back) / days  # the shop's traffic grew over the month
                counts = {}
                for i, channel in enumerate(channels):
                    mean = 140 * popularity * weekday * growth / (i + 1)
                    counts[(channel, UsageKind.STABLE_TOKEN)] = max(
                        0, round(rng.gauss(mean, mean / 5))
                    )
                    if rng.random() < 0.5:
                        counts[(channel, UsageKind.API_FETCH)] = rng.randint(1, 6)
                    if rng.random() < 0.12:
                        counts[(channel, UsageKind.BUNDLE_EXPORT)] = 1
                if rng.random() < 0.15:
                    counts[("", UsageKind.ADMIN_DOWNLOAD)] = rng.randint(1, 2)
                rows += [
                    UsageDaily(
                        brand=brand,
                        asset_id=version.asset_id,
                        version=version,
                        channel=channel,
                        kind=kind,
                        day=day,
                        count=n,
                    )
                    for (channel, kind), n in counts.items()
                    if n
                ]
        UsageDaily.objects.bulk_create(rows, ignore_conflicts=True)

    def invoice(self, order, demo: DemoBrand):
        """A deposit invoice for half the order; paid in full by Northwind (so it reads Paid)."""
        from wagtail_lfcloud.models import Invoice, InvoiceStatus, Payment

        if Invoice.objects.filter(number=demo.invoice_number).exists():
            return
        net = sum((line.unit_price * line.quantity for line in order.lines.all()), Decimal(0))
        issued = dt.date.today() - dt.timedelta(days=7)
        invoice = Invoice.objects.create(
            order=order,
            number=demo.invoice_number,
            net_amount=(net / 2).quantize(Decimal("0.01")),
            tax_rate=Decimal("20.00"),
            currency=demo.currency,
            status=InvoiceStatus.ISSUED,
            issued_on=issued,
            due_on=issued + dt.timedelta(days=30),
        )
        if demo.invoice_paid:
            Payment.objects.create(
                invoice=invoice,
                amount=invoice.gross_amount,
                received_on=issued + dt.timedelta(days=3),
                method="Bank transfer",
                reference=f"Deposit {order.number}",
            )
