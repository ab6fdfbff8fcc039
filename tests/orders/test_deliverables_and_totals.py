"""Submitting creates the deliverables; totals, numbers, currencies and line validation."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from tests.factories import make_asset, make_product
from wagtail_lfcloud.models import Asset, Invoice, Order, OrderLine, OrderStatus, Role
from wagtail_lfcloud.orders.status import create_deliverables, line_errors, transition

from .conftest import make_order


def test_submitting_creates_one_draft_asset_per_product_and_angle(order, users, products):
    transition(order, OrderStatus.SUBMITTED, users[Role.BRAND_ADMIN])
    assets = Asset.objects.order_by("product__sku", "angle")
    assert [(a.product.sku, a.angle) for a in assets] == [
        ("ACME001", "back"),
        ("ACME001", "front"),
        ("ACME002", "back"),
        ("ACME002", "front"),
    ]
    assert all(
        a.order_id == order.pk and a.brand_id == order.brand_id and not a.live for a in assets
    )
    assert all(a.channels == ["amazon_main"] for a in assets)


def test_creating_deliverables_twice_creates_nothing_new(order):
    first = create_deliverables(order)
    second = create_deliverables(order)
    assert [a.pk for a in first] == [a.pk for a in second]
    assert Asset.objects.count() == 4


def test_an_existing_asset_gets_the_new_channels_merged(brand, products):
    existing = make_asset(products[0], "front", channels=["shopify_product"])
    order = make_order(
        brand, products[:1], angles=["front"], channels=["amazon_main", "shopify_product"]
    )
    create_deliverables(order)
    existing.refresh_from_db()
    assert existing.channels == ["shopify_product", "amazon_main"]
    assert Asset.objects.count() == 1


def test_subtotal_is_computed_from_the_lines(brand, products):
    order = make_order(brand, [])
    OrderLine.objects.create(
        order=order, product=products[0], angles=["front"], unit_price=Decimal("12.50"), quantity=3
    )
    OrderLine.objects.create(
        order=order, product=products[1], angles=["front"], unit_price=Decimal("0.10"), quantity=1
    )
    assert order.subtotal == Decimal("37.60")
    assert Order.objects.with_totals().get(pk=order.pk).subtotal == Decimal("37.60")
    assert Order.objects.with_totals().get(pk=order.pk).line_count == 2


def test_an_empty_order_totals_zero(brand):
    order = make_order(brand, [])
    assert Order.objects.with_totals().get(pk=order.pk).subtotal == Decimal("0.00")


def test_order_numbers_are_generated_and_unique(brand):
    first, second = make_order(brand, []), make_order(brand, [])
    assert re.fullmatch(r"LF-\d{4}-\d{6}", first.number)
    assert first.number != second.number
    assert Order.objects.get(pk=first.pk).number == first.number
    kept = Order.objects.create(brand=brand, title="x", currency="EUR", number="PO-77")
    assert kept.number == "PO-77"


def test_an_unknown_currency_is_refused(brand):
    order = Order(brand=brand, title="x", currency="XYZ")
    with pytest.raises(ValidationError) as exc:
        order.full_clean()
    assert "Unknown currency XYZ" in str(exc.value)


@override_settings(WAGTAIL_LFCLOUD_CURRENCIES=["XYZ"])
def test_currencies_come_from_the_setting(brand):
    Order(brand=brand, title="x", currency="XYZ", number="N1").full_clean()


def test_a_negative_price_is_refused(order, products):
    line = OrderLine(
        order=order, product=products[2], angles=["front"], unit_price=Decimal(-1), quantity=1
    )
    with pytest.raises(ValidationError) as exc:
        line.full_clean()
    assert "unit_price" in exc.value.message_dict


def test_a_line_for_another_brands_product_is_refused(order, other_brand):
    foreign = make_product(other_brand, sku="GLOBEX9")
    line = OrderLine(
        order=order, product=foreign, angles=["front"], unit_price=Decimal(1), quantity=1
    )
    with pytest.raises(ValidationError) as exc:
        line.full_clean()
    assert exc.value.message_dict["product"] == ["GLOBEX9 belongs to another brand."]


def test_unknown_angles_and_channels_are_named(order, products):
    line = OrderLine(
        order=order,
        product=products[0],
        angles=["front", "sideways"],
        channels=["myspace"],
        quantity=0,
    )
    errors = line_errors(line, order.brand_id)
    assert "sideways" in errors["angles"][0]
    assert "myspace" in errors["channels"][0]
    assert errors["quantity"] == ["The quantity must be at least 1."]


def test_invoice_tax_and_gross_are_computed(order):
    invoice = Invoice(
        order=order,
        number="INV-1",
        net_amount=Decimal("100.00"),
        tax_rate=Decimal("19.00"),
        currency="EUR",
    )
    assert invoice.tax_amount == Decimal("19.00")
    assert invoice.gross_amount == Decimal("119.00")
    invoice.net_amount = Decimal("0.05")
    invoice.tax_rate = Decimal(10)
    assert invoice.tax_amount == Decimal("0.01")  # half up


def test_invoice_currency_must_match_the_order(order):
    invoice = Invoice(order=order, number="INV-2", net_amount=Decimal(1), currency="USD")
    with pytest.raises(ValidationError) as exc:
        invoice.full_clean()
    assert "must match the order's (EUR)" in exc.value.message_dict["currency"][0]


def test_a_brief_reference_needs_an_image_or_a_document(order):
    from tests.factories import make_image
    from wagtail_lfcloud.models import Brief, BriefReference

    brief = Brief.objects.create(order=order)
    with pytest.raises(ValidationError, match="Choose a reference image or a document"):
        BriefReference(brief=brief, caption="like this").full_clean()
    BriefReference(brief=brief, image=make_image(size=(8, 8)), caption="like this").full_clean()
