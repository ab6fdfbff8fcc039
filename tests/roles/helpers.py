"""A two-brand world for the access tests: each brand with files in every stage, an order with its
brief, invoice and payment, a bundle, a webhook, a comment and a message, and one user per role."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from wagtail.log_actions import log

from tests.factories import make_asset, make_brand, make_image, make_product, make_user
from wagtail_lfcloud.catalog.library import collection_for_product
from wagtail_lfcloud.models import (
    AssetComment,
    AssetVersion,
    Brand,
    Brief,
    DirectUpload,
    DownloadBundle,
    Invoice,
    Order,
    OrderLine,
    OrderMessage,
    Payment,
    Role,
    VersionClip,
    VersionStatus,
    WebhookDelivery,
    WebhookEndpoint,
)


@dataclass
class BrandWorld:
    brand: Brand
    product: object
    asset: object
    raw: object  # image in Raw
    final: object  # image in Finals
    archived: object  # image in Archive
    version: AssetVersion  # the current version (its image is ``final``)
    draft_version: AssetVersion  # the version in review (its image is ``raw``)
    users: dict = field(default_factory=dict)  # role -> user
    extra: dict = field(default_factory=dict)  # order, brief, invoice, ... (make_full_world)

    def __getattr__(self, name):
        try:
            return self.__dict__["extra"][name]
        except KeyError:
            raise AttributeError(name) from None


def make_brand_world(name: str) -> BrandWorld:
    brand = make_brand(name)
    product = make_product(brand, sku=f"{name.upper()}1", name=f"{name} sneaker")
    asset = make_asset(product)
    raw = make_image(collection_for_product(product, "raw"), title=f"{name} raw")
    final = make_image(collection_for_product(product, "finals"), title=f"{name} final")
    archived = make_image(collection_for_product(product, "archive"), title=f"{name} archived")
    version = AssetVersion.objects.create(
        asset=asset,
        number=1,
        image=final,
        status=VersionStatus.CURRENT,
        original_filename=f"{name}1_front.png",
    )
    draft_version = AssetVersion.objects.create(
        asset=asset,
        number=2,
        image=raw,
        status=VersionStatus.IN_REVIEW,
        original_filename=f"{name}1_front_v2.png",
    )
    world = BrandWorld(brand, product, asset, raw, final, archived, version, draft_version)
    for role in Role.values:
        world.users[role] = make_user(f"{name.lower()}_{role}", brand=brand, role=role)
    return world


def make_full_world(name: str) -> BrandWorld:
    """:func:`make_brand_world` plus one row of every brand-owned model the admin and API show."""
    world = make_brand_world(name)
    brand, admin = world.brand, world.users[Role.BRAND_ADMIN]
    order = Order.objects.create(
        brand=brand, title=f"{name} spring shoot", currency="EUR", created_by=admin
    )
    OrderLine.objects.create(
        order=order,
        product=world.product,
        angles=["front"],
        channels=["amazon_main"],
        unit_price=Decimal("10.00"),
    )
    world.asset.order = order
    world.asset.save(update_fields=["order"])
    brief = Brief.objects.create(order=order)
    invoice = Invoice.objects.create(
        order=order,
        number=f"{name.upper()}-INV-1",
        net_amount=Decimal("10.00"),
        tax_rate=Decimal("0.20"),
        currency="EUR",
    )
    payment = Payment.objects.create(
        invoice=invoice, amount=Decimal("5.00"), received_on=datetime.date(2026, 1, 5)
    )
    message = OrderMessage(order=order, author=admin, body=f"{name} message")
    message.attachment.save(f"{name.lower()}-notes.txt", ContentFile(b"notes"), save=False)
    message.save()
    comment = AssetComment.objects.create(
        version=world.draft_version, author=admin, text=f"{name} comment"
    )
    # The draft as a clip too (the review player's file URL): any bytes do to serve.
    clip = VersionClip(
        version=world.draft_version,
        container="mov,mp4,m4a,3gp,3g2,mj2",
        video_codec="h264",
        width=64,
        height=64,
        fps=25,
        duration=1,
    )
    clip.file.save(f"{name.lower()}-clip.mp4", ContentFile(b"\0\0\0\x18ftypisom" + b"\0" * 64))
    clip.save()
    # An upload straight to S3 in progress, the studio's own (only its uploader reaches it).
    direct_upload = DirectUpload.objects.create(
        brand=brand,
        user=world.users[Role.STUDIO],
        filename=f"{name.upper()}1_2026-01_front.png",
        size=1000,
        key=f"lfcloud-private/uploads/{name.lower()}/{name.upper()}1_2026-01_front.png",
    )
    bundle = DownloadBundle.objects.create(
        brand=brand, order=order, channel="amazon_main", requested_by=admin
    )
    endpoint = WebhookEndpoint.objects.create(
        brand=brand, name=f"{name} hook", url="https://example.com/hook", secret="s3cret"
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="asset.approved", payload={"brand": brand.slug}
    )
    from wagtail.documents import get_document_model

    document = get_document_model()(title=f"{name} brief doc", collection=world.raw.collection)
    document.file.save(f"{name.lower()}-brief.txt", ContentFile(b"brief"), save=False)
    document.save()
    # A history for Wagtail's site history report: one line per object, written as Wagtail does.
    for obj in (
        world.product,
        world.asset,
        world.raw,
        world.final,
        world.archived,
        order,
        brief,
        invoice,
        payment,
        comment,
        bundle,
        endpoint,
    ):
        log(obj, "wagtail.edit", user=admin)
    world.extra.update(
        direct_upload=direct_upload,
        order=order,
        brief=brief,
        invoice=invoice,
        payment=payment,
        message=message,
        comment=comment,
        bundle=bundle,
        endpoint=endpoint,
        delivery=delivery,
        document=document,
    )
    return world
