"""Fixtures for the order tests: two brands, their products and one user per role."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import make_product, make_user
from wagtail_lfcloud.models import Order, OrderLine, Role


def make_order(
    brand, products=(), angles=("front", "back"), channels=("amazon_main",), price="10.00", **kwargs
) -> Order:
    """A draft order of ``brand`` with one line per product."""
    kwargs.setdefault("title", "Spring shoot")
    kwargs.setdefault("currency", "EUR")
    order = Order.objects.create(brand=brand, **kwargs)
    for i, product in enumerate(products):
        OrderLine.objects.create(
            order=order,
            product=product,
            angles=list(angles),
            channels=list(channels),
            unit_price=Decimal(price),
            quantity=1,
            sort_order=i,
        )
    return order


@pytest.fixture
def products(brand):
    return [make_product(brand, sku=f"ACME{i:03d}") for i in range(1, 4)]


@pytest.fixture
def users(brand):
    """One user per role on ``brand``, keyed by role value."""
    return {role: make_user(f"{role}-user", brand=brand, role=role) for role in Role.values}


@pytest.fixture
def superuser(db):
    return make_user("root", superuser=True)


@pytest.fixture
def order(brand, products):
    return make_order(brand, products[:2])
