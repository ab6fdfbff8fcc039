"""The order status machine: every move, allowed or refused, for every role."""

from __future__ import annotations

import pytest

from tests.factories import make_user
from wagtail_lfcloud import signals
from wagtail_lfcloud.access import CAPABILITIES
from wagtail_lfcloud.models import Asset, BrandLogEntry, Order, OrderStatus, Role
from wagtail_lfcloud.orders.status import (
    TRANSITIONS,
    OrderInvalid,
    TransitionError,
    allowed_transitions,
    transition,
)

from .conftest import make_order

ALLOWED = {(t.source, t.target): t.capability for t in TRANSITIONS}
ALL_MOVES = [(s, t) for s in OrderStatus.values for t in OrderStatus.values if s != t]


def expected(source: str, target: str, role: str) -> bool:
    capability = ALLOWED.get((source, target))
    return capability is not None and role in CAPABILITIES[capability]


@pytest.mark.parametrize(("source", "target"), ALL_MOVES)
def test_every_move_for_every_role(
    brand, products, source, target, django_capture_on_commit_callbacks
):
    """Each role either makes the move (logged, signalled) or is refused with nothing changed."""
    order = make_order(brand, products[:1])
    received = []

    def receiver(sender, **kwargs):
        received.append((kwargs["old_status"], kwargs["new_status"], kwargs["user"]))

    signals.order_status_changed.connect(receiver)
    try:
        for role in Role.values:
            Order.objects.filter(pk=order.pk).update(status=source)
            order.refresh_from_db()
            BrandLogEntry.objects.all().delete()
            received.clear()
            user = make_user(f"u-{role}", brand=brand, role=role)
            if expected(source, target, role):
                with django_capture_on_commit_callbacks(execute=True):
                    transition(order, target, user)
                assert Order.objects.get(pk=order.pk).status == target, role
                entry = BrandLogEntry.objects.get(
                    action="wagtail_lfcloud.order_status", object_id=str(order.pk)
                )
                assert entry.data == {"from": source, "to": target}
                assert entry.user == user
                assert received == [(source, target, user)]
            else:
                with (
                    django_capture_on_commit_callbacks(execute=True),
                    pytest.raises(TransitionError) as exc,
                ):
                    transition(order, target, user)
                assert str(exc.value)
                assert Order.objects.get(pk=order.pk).status == source, role
                assert not BrandLogEntry.objects.filter(
                    action="wagtail_lfcloud.order_status"
                ).exists()
                assert received == []
    finally:
        signals.order_status_changed.disconnect(receiver)


def test_the_table_covers_every_role_somewhere():
    # Guard against a capability rename silently making a move impossible for everyone.
    for t in TRANSITIONS:
        assert CAPABILITIES[t.capability], t


def test_refusal_messages_say_why(order, users):
    with pytest.raises(TransitionError, match="cannot become delivered"):
        transition(order, OrderStatus.DELIVERED, users[Role.BRAND_ADMIN])
    with pytest.raises(TransitionError, match="only the brand can"):
        transition(order, OrderStatus.SUBMITTED, users[Role.STUDIO])
    with pytest.raises(TransitionError, match="Unknown order status"):
        transition(order, "shipped", users[Role.BRAND_ADMIN])


def test_user_of_another_brand_cannot_move_the_order(order, other_brand):
    outsider = make_user("outsider", brand=other_brand, role=Role.BRAND_ADMIN)
    with pytest.raises(TransitionError):
        transition(order, OrderStatus.SUBMITTED, outsider)


def test_order_with_no_lines_cannot_be_submitted(brand, users):
    empty = make_order(brand, [])
    with pytest.raises(OrderInvalid, match="has no lines"):
        transition(empty, OrderStatus.SUBMITTED, users[Role.BRAND_ADMIN])
    assert Order.objects.get(pk=empty.pk).status == OrderStatus.DRAFT


def test_invalid_line_blocks_submission_and_nothing_is_half_saved(
    brand, other_brand, products, users
):
    from tests.factories import make_product

    foreign = make_product(other_brand, sku="GLOBEX1")
    order = make_order(brand, [products[0], foreign])
    with pytest.raises(OrderInvalid, match="GLOBEX1.*another brand"):
        transition(order, OrderStatus.SUBMITTED, users[Role.BRAND_ADMIN])
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DRAFT
    assert not Asset.objects.exists()


def test_allowed_transitions_are_the_buttons_a_role_sees(order, users):
    assert [t.target for t in allowed_transitions(order, users[Role.BRAND_ADMIN])] == [
        "submitted",
        "cancelled",
    ]
    assert allowed_transitions(order, users[Role.STUDIO]) == []
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.SUBMITTED)
    order.refresh_from_db()
    assert [t.target for t in allowed_transitions(order, users[Role.STUDIO])] == ["in_production"]
    assert allowed_transitions(order, users[Role.FINANCE]) == []


def test_signal_is_sent_only_after_commit(brand, products, django_capture_on_commit_callbacks):
    order = make_order(brand, products[:1])
    admin = make_user("boss", brand=brand, role=Role.BRAND_ADMIN)
    received = []

    def receiver(sender, **kwargs):
        received.append(Order.objects.get(pk=kwargs["order"].pk).status)

    signals.order_status_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            transition(order, OrderStatus.SUBMITTED, admin)
        assert received == []
        for callback in callbacks:
            callback()
        assert received == [OrderStatus.SUBMITTED]
    finally:
        signals.order_status_changed.disconnect(receiver)
