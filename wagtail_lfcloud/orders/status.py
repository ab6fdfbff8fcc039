"""What can happen to an order: its status machine, line validation and deliverable creation.

Every status change goes through :func:`transition`. Who may make a move is decided by the
brand capabilities of :mod:`wagtail_lfcloud.access.capabilities`:

* brand-side moves (submit, cancel, close) need ``manage_orders``;
* studio moves (start production, send for review, deliver, back to production) need
  ``produce_orders``.

Brand admins hold both, so a brand that runs its own studio can drive an order end to end.
The table is documented for users in ``docs/reference/order-statuses.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from .. import signals
from ..access.capabilities import has_capability
from ..catalog.naming import angle_vocabulary, is_video_deliverable
from ..channels.registry import get_presets
from ..models import Asset, AssetKind, Order, OrderLine, OrderStatus
from ..video.presets import video_channel_keys

S = OrderStatus


@dataclass(frozen=True)
class Transition:
    """One allowed move of the status machine."""

    source: str
    target: str
    #: Capability (see :data:`wagtail_lfcloud.access.capabilities.CAPABILITIES`) needed to make the move.
    capability: str
    #: Button label in the admin.
    label: str


#: Every allowed move. Anything not listed here is refused.
TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.DRAFT, S.SUBMITTED, "manage_orders", gettext_lazy("Submit to the studio")),
    Transition(S.DRAFT, S.CANCELLED, "manage_orders", gettext_lazy("Cancel order")),
    Transition(S.SUBMITTED, S.IN_PRODUCTION, "produce_orders", gettext_lazy("Start production")),
    Transition(S.SUBMITTED, S.CANCELLED, "manage_orders", gettext_lazy("Cancel order")),
    Transition(S.IN_PRODUCTION, S.IN_REVIEW, "produce_orders", gettext_lazy("Send for review")),
    Transition(S.IN_PRODUCTION, S.CANCELLED, "manage_orders", gettext_lazy("Cancel order")),
    Transition(S.IN_REVIEW, S.IN_PRODUCTION, "produce_orders", gettext_lazy("Back to production")),
    Transition(S.IN_REVIEW, S.DELIVERED, "produce_orders", gettext_lazy("Mark delivered")),
    Transition(S.DELIVERED, S.CLOSED, "manage_orders", gettext_lazy("Close order")),
)

_BY_MOVE: dict[tuple[str, str], Transition] = {(t.source, t.target): t for t in TRANSITIONS}


class TransitionError(Exception):
    """A status change was refused; ``str(exc)`` says why, in words for the user."""


class OrderInvalid(TransitionError):
    """The order cannot be submitted as it stands (no lines, or invalid lines)."""

    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.errors = errors or []


# --- lines ----------------------------------------------------------------------------------


def channel_keys() -> list[str]:
    """Keys of the configured channel presets: the photo channels, then the video channels."""
    return list(get_presets()) + [k for k in video_channel_keys() if k not in get_presets()]


def line_errors(line: OrderLine, brand_id: int | None) -> dict[str, list[str]]:
    """Field -> messages for everything wrong with ``line`` on an order of brand ``brand_id``."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if brand_id is not None and line.product_id is not None and line.product.brand_id != brand_id:
        add("product", _("%(sku)s belongs to another brand.") % {"sku": line.product.sku})
    angles = line.angles
    if not isinstance(angles, list) or not angles:
        add("angles", _("Choose at least one angle."))
    else:
        vocabulary = angle_vocabulary()
        unknown = [a for a in angles if a not in vocabulary]
        if unknown:
            add(
                "angles",
                _("Unknown angle(s): %(bad)s. Known angles and video deliverables: %(known)s.")
                % {"bad": ", ".join(map(str, unknown)), "known": ", ".join(vocabulary)},
            )
        if len(set(angles)) != len(angles):
            add("angles", _("An angle is listed twice."))
    channels = line.channels
    if not isinstance(channels, list):
        add("channels", _("Channels must be a list of channel keys."))
    elif channels:
        known = channel_keys()
        unknown = [c for c in channels if c not in known]
        if unknown:
            add(
                "channels",
                _("Unknown channel(s): %(bad)s. Known channels: %(known)s.")
                % {"bad": ", ".join(map(str, unknown)), "known": ", ".join(known)},
            )
    if line.unit_price is not None and line.unit_price < 0:
        add("unit_price", _("The unit price cannot be negative."))
    if line.quantity is not None and line.quantity < 1:
        add("quantity", _("The quantity must be at least 1."))
    return errors


def order_errors(order: Order, lines: Iterable[OrderLine] | None = None) -> list[str]:
    """Reasons ``order`` cannot be submitted; empty when it can."""
    lines = list(order.lines.select_related("product") if lines is None else lines)
    if not lines:
        return [
            _("Order %(number)s has no lines: add at least one product before submitting.")
            % {"number": order.number}
        ]
    problems = []
    seen: set[int] = set()
    for line in lines:
        for field, messages in line_errors(line, order.brand_id).items():
            for message in messages:
                problems.append(f"{line.product.sku} ({field}): {message}")
        if line.product_id in seen:
            problems.append(
                _("%(sku)s is on two lines: merge them into one.") % {"sku": line.product.sku}
            )
        seen.add(line.product_id)
    return problems


# --- deliverables ---------------------------------------------------------------------------


def create_deliverables(order: Order) -> list[Asset]:
    """Make sure an :class:`~wagtail_lfcloud.models.Asset` exists for every product x angle of the order.

    Safe to call again: existing assets of the same product x angle (from this or an earlier
    order) are reused and the line's channels are merged into theirs. Returns the assets, in
    line order. Runs in its own transaction (nested in the caller's, if any) with the products'
    existing assets locked while their channels are merged; two orders racing to create the
    same new product x angle are stopped by the asset's unique (product, angle) constraint.
    """
    with transaction.atomic():
        lines = list(order.lines.select_related("product").order_by("sort_order", "pk"))
        product_ids = {line.product_id for line in lines}
        existing = {
            (a.product_id, a.angle): a
            for a in Asset.objects.select_for_update(of=("self",))
            .filter(product_id__in=product_ids)
            .order_by("pk")
        }
        result = []
        video_keys = set(video_channel_keys())
        for line in lines:
            for angle in line.angles:
                asset = existing.get((line.product_id, angle))
                video = is_video_deliverable(angle)
                # A clip takes the line's video channels, a photo its photo channels.
                channels = [c for c in line.channels if (c in video_keys) == video]
                if asset is None:
                    asset = Asset(
                        brand_id=order.brand_id,
                        product=line.product,
                        angle=angle,
                        kind=AssetKind.VIDEO if video else AssetKind.IMAGE,
                        channels=channels,
                        order=order,
                        live=False,
                    )
                    asset.save()
                    existing[(line.product_id, angle)] = asset
                else:
                    merged = list(asset.channels) + [c for c in channels if c not in asset.channels]
                    if merged != asset.channels:
                        asset.channels = merged
                        asset.save(update_fields=["channels", "updated_at"])
                result.append(asset)
        return result


# --- the status machine ---------------------------------------------------------------------


def allowed_transitions(order: Order, user) -> list[Transition]:
    """The moves ``user`` may make from the order's current status (for buttons)."""
    return [
        t
        for t in TRANSITIONS
        if t.source == order.status and has_capability(user, order.brand_id, t.capability)
    ]


def check_transition(order: Order, new_status: str, user) -> Transition:
    """The :class:`Transition` for the move, or :class:`TransitionError` saying why it is refused."""
    labels = dict(OrderStatus.choices)
    if new_status not in labels:
        raise TransitionError(_("Unknown order status %(status)r.") % {"status": new_status})
    move = _BY_MOVE.get((order.status, new_status))
    if move is None:
        allowed = [str(labels[t.target]) for t in TRANSITIONS if t.source == order.status]
        raise TransitionError(
            _("An order that is %(current)s cannot become %(target)s. %(hint)s")
            % {
                "current": str(labels[order.status]).lower(),
                "target": str(labels[new_status]).lower(),
                "hint": (_("From here it can become: %s.") % ", ".join(allowed).lower())
                if allowed
                else _("It is final."),
            }
        )
    if not has_capability(user, order.brand_id, move.capability):
        who = _("the brand") if move.capability == "manage_orders" else _("the studio")
        raise TransitionError(
            _("You may not %(action)s: only %(who)s can make this move on %(brand)s's orders.")
            % {"action": str(move.label).lower(), "who": who, "brand": order.brand}
        )
    return move


def transition(order: Order, new_status: str, user) -> Order:
    """Move ``order`` to ``new_status`` as ``user``, or raise :class:`TransitionError`.

    Submitting validates the lines (:class:`OrderInvalid` lists the problems) and creates the
    deliverables. The move is written to the audit log as ``wagtail_lfcloud.order_status`` and
    ``signals.order_status_changed`` is sent once the transaction commits. Nothing is saved if
    anything fails.
    """
    with transaction.atomic():
        # Lock the row so two people pressing buttons at once cannot both move it.
        locked = Order.objects.select_for_update().select_related("brand").get(pk=order.pk)
        check_transition(locked, new_status, user)
        old_status = locked.status
        if new_status == OrderStatus.SUBMITTED:
            problems = order_errors(locked)
            if problems:
                raise OrderInvalid(
                    _("Order %(number)s cannot be submitted: %(problems)s")
                    % {"number": locked.number, "problems": " ".join(problems)},
                    problems,
                )
            create_deliverables(locked)
        locked.status = new_status
        locked.save(update_fields=["status", "updated_at"])
        log(
            locked,
            "wagtail_lfcloud.order_status",
            user=user,
            data={"from": old_status, "to": new_status},
        )
        transaction.on_commit(
            lambda: signals.order_status_changed.send(
                sender=Order, order=locked, old_status=old_status, new_status=new_status, user=user
            )
        )
    order.status = locked.status
    order.updated_at = locked.updated_at
    return order
