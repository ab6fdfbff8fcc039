"""An invoice's status follows its payments, and payments read as what they are in listings."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from wagtail_lfcloud.models import Invoice, InvoiceStatus, Payment, Role

from .conftest import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(brand, products):
    order = make_order(brand, products[:1])
    return Invoice.objects.create(
        order=order,
        number="ACME-INV-7",
        net_amount=Decimal("100.00"),
        tax_rate=Decimal("20"),
        currency="EUR",
        status=InvoiceStatus.ISSUED,
        issued_on=datetime.date(2026, 1, 1),
    )


def _status(invoice):
    invoice.refresh_from_db()
    return invoice.status, invoice.paid_on


def test_an_invoice_paid_in_full_is_paid_and_goes_back_to_issued_when_a_payment_is_removed(invoice):
    first = Payment.objects.create(
        invoice=invoice, amount=Decimal("60.00"), received_on=datetime.date(2026, 1, 5)
    )
    assert _status(invoice) == (InvoiceStatus.ISSUED, None)
    Payment.objects.create(
        invoice=invoice, amount=Decimal("60.00"), received_on=datetime.date(2026, 1, 9)
    )
    assert _status(invoice) == (InvoiceStatus.PAID, datetime.date(2026, 1, 9))
    first.delete()
    assert _status(invoice) == (InvoiceStatus.ISSUED, None)


def test_a_draft_invoice_is_not_marked_paid(invoice):
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.DRAFT)
    invoice.refresh_from_db()
    Payment.objects.create(
        invoice=invoice, amount=Decimal("120.00"), received_on=datetime.date(2026, 1, 5)
    )
    assert _status(invoice)[0] == InvoiceStatus.DRAFT


def test_payments_read_as_amount_and_invoice_in_listings(client, invoice, users):
    Payment.objects.create(
        invoice=invoice, amount=Decimal("60.00"), received_on=datetime.date(2026, 1, 5)
    )
    client.force_login(users[Role.FINANCE])
    html = client.get(reverse("wagtailsnippets_wagtail_lfcloud_payment:list")).content.decode()
    assert "Payment object" not in html
    assert "60.00 EUR on ACME-INV-7" in html
