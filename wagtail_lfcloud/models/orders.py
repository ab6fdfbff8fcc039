"""Orders, their lines and briefs, the order thread, invoices and payments."""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.fields import RichTextField
from wagtail.images import get_image_model_string
from wagtail.models import Orderable, RevisionMixin
from wagtail.search import index

from ..conf import lfcloud_settings

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

_MONEY = DecimalField(max_digits=14, decimal_places=2)


def money(value) -> Decimal:
    """``value`` rounded to cents, half up (how invoices round)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def validate_currency(value: str) -> None:
    """Refuse a currency code that is not in ``WAGTAIL_LFCLOUD_CURRENCIES``."""
    allowed = list(lfcloud_settings.CURRENCIES)
    if value not in allowed:
        raise ValidationError(
            _("Unknown currency %(code)s. Use one of: %(allowed)s."),
            code="unknown_currency",
            params={"code": value, "allowed": ", ".join(allowed)},
        )


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_PRODUCTION = "in_production", _("In production")
    IN_REVIEW = "in_review", _("In review")
    DELIVERED = "delivered", _("Delivered")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")

    @classmethod
    def finished(cls) -> list[str]:
        """Statuses after which nothing is expected from the studio."""
        return [cls.DELIVERED, cls.CLOSED, cls.CANCELLED]


class OrderQuerySet(models.QuerySet):
    def with_totals(self) -> OrderQuerySet:
        """Annotate ``subtotal_amount`` (sum of line price x quantity), ``invoiced_amount``
        (net of non-void invoices) and ``line_count`` in the same query."""
        line_total = models.Subquery(
            OrderLine.objects.filter(order=models.OuterRef("pk"))
            .values("order")
            .annotate(
                t=Sum(ExpressionWrapper(F("unit_price") * F("quantity"), output_field=_MONEY))
            )
            .values("t")[:1],
            output_field=_MONEY,
        )
        invoiced = models.Subquery(
            Invoice.objects.filter(order=models.OuterRef("pk"))
            .exclude(status=InvoiceStatus.VOID)
            .values("order")
            .annotate(t=Sum("net_amount"))
            .values("t")[:1],
            output_field=_MONEY,
        )
        line_count = models.Subquery(
            OrderLine.objects.filter(order=models.OuterRef("pk"))
            .values("order")
            .annotate(c=models.Count("pk"))
            .values("c")[:1],
            output_field=models.IntegerField(),
        )
        return self.annotate(
            subtotal_amount=Coalesce(line_total, Value(ZERO), output_field=_MONEY),
            invoiced_amount=Coalesce(invoiced, Value(ZERO), output_field=_MONEY),
            line_count=Coalesce(line_count, Value(0)),
        )

    def overdue(self, today=None) -> OrderQuerySet:
        """Orders past their due date that have not been delivered, closed or cancelled."""
        today = today or timezone.localdate()
        return self.filter(due_date__lt=today).exclude(status__in=OrderStatus.finished())


class Order(index.Indexed, ClusterableModel):
    """A brand's order for photography. Totals are computed from the lines, never typed in.

    Change :attr:`status` only through :func:`wagtail_lfcloud.orders.status.transition`, which checks
    the move and the user's role, logs it and sends ``order_status_changed``.
    """

    brand = models.ForeignKey(
        "wagtail_lfcloud.Brand", on_delete=models.PROTECT, related_name="orders"
    )
    number = models.CharField(_("order number"), max_length=32, unique=True, blank=True)
    title = models.CharField(_("title"), max_length=255)
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=OrderStatus.choices,
        default=OrderStatus.DRAFT,
        db_index=True,
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = OrderQuerySet.as_manager()

    search_fields = [
        index.SearchField("number"),
        index.SearchField("title"),
        index.AutocompleteField("number"),
        index.AutocompleteField("title"),
        index.FilterField("brand"),
        index.FilterField("status"),
        index.FilterField("due_date"),
        index.FilterField("number"),
        index.FilterField("title"),
        index.FilterField("currency"),
        index.FilterField("updated_at"),
    ]

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        permissions = [
            ("transition_order", _("Can move orders through production statuses")),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    def save(self, *args, **kwargs) -> None:
        # The number comes from the primary key, which the database hands out uniquely, so two
        # orders saved at the same moment can never get the same number. A placeholder keeps
        # the unique column valid for the instant between the insert and the update.
        if self.number:
            return super().save(*args, **kwargs)
        with transaction.atomic(using=kwargs.get("using")):
            self.number = f"tmp-{uuid.uuid4().hex[:24]}"
            super().save(*args, **kwargs)
            year = (self.created_at or timezone.now()).year
            self.number = f"LF-{year}-{self.pk:06d}"
            type(self)._default_manager.filter(pk=self.pk).update(number=self.number)

    @property
    def subtotal(self) -> Decimal:
        """Sum of the lines' unit price x quantity (uses the annotation or prefetched lines when present)."""
        annotated = getattr(self, "subtotal_amount", None)
        if annotated is not None:
            return money(annotated)
        return money(sum((line.total for line in self.lines.all()), ZERO))

    @property
    def is_overdue(self) -> bool:
        return bool(
            self.due_date
            and self.due_date < timezone.localdate()
            and self.status not in OrderStatus.finished()
        )


class OrderLine(Orderable):
    """What is ordered for one product: its angles and channel deliverables, at a unit price."""

    order = ParentalKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "wagtail_lfcloud.Product", on_delete=models.PROTECT, related_name="order_lines"
    )
    angles = models.JSONField(_("angles"), default=list)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=12,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1)]
    )

    class Meta(Orderable.Meta):
        verbose_name = _("order line")

    def __str__(self) -> str:
        return f"{self.product} x{self.quantity}"

    @property
    def total(self) -> Decimal:
        return money((self.unit_price or ZERO) * (self.quantity or 0))

    def clean(self) -> None:
        # cycle: orders.status imports the models
        from ..orders.status import line_errors

        order = getattr(self, "order", None)  # unset on a line not yet attached
        errors = line_errors(self, brand_id=order.brand_id if order is not None else None)
        if errors:
            raise ValidationError(errors)


class Brief(RevisionMixin, ClusterableModel):
    """The instructions for an order's shoot, kept next to the order and revisioned."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="brief")
    instructions = RichTextField(_("instructions"), blank=True)
    guidelines = RichTextField(_("brand guidelines"), blank=True)
    shoot_date = models.DateField(_("shoot date"), null=True, blank=True)
    first_drafts_due = models.DateField(_("first drafts due"), null=True, blank=True)
    finals_due = models.DateField(_("finals due"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("brief")
        verbose_name_plural = _("briefs")

    def __str__(self) -> str:
        return f"Brief for {self.order}"


class BriefReference(Orderable):
    """A reference image or document attached to a brief."""

    brief = ParentalKey(Brief, on_delete=models.CASCADE, related_name="references")
    image = models.ForeignKey(
        get_image_model_string(), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    document = models.ForeignKey(
        "wagtaildocs.Document", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    caption = models.CharField(max_length=255, blank=True)

    class Meta(Orderable.Meta):
        verbose_name = _("reference")

    def clean(self) -> None:
        if not self.image_id and not self.document_id:
            raise ValidationError(
                _("Choose a reference image or a document (or remove this reference).")
            )


class OrderMessage(models.Model):
    """One message in the brand <-> studio thread on an order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("message"))
    attachment = models.FileField(
        _("attachment"), upload_to="lfcloud/messages/%Y/%m/", blank=True, max_length=255
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")

    def __str__(self) -> str:
        return self.body[:60]


class MessageRead(models.Model):
    """That ``user`` has read ``message``."""

    message = models.ForeignKey(OrderMessage, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="lfcloud_messageread_unique")
        ]

    def __str__(self) -> str:
        return _("Message #%(message)s read by %(user)s") % {
            "message": self.message_id,
            "user": self.user,
        }


class NotificationPreference(models.Model):
    """A user's choice of which LF Cloud emails they receive (all on by default)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lfcloud_notifications"
    )
    on_message = models.BooleanField(_("new messages on my orders"), default=True)
    on_upload = models.BooleanField(_("new uploads"), default=True)
    on_changes_requested = models.BooleanField(_("changes requested"), default=True)
    on_approved = models.BooleanField(_("approvals"), default=True)
    on_rights_expiring = models.BooleanField(_("usage rights expiring soon"), default=True)

    def __str__(self) -> str:
        return _("Email preferences of %(user)s") % {"user": self.user}


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")


class Invoice(index.Indexed, models.Model):
    """An invoice for an order. Tax and total are derived from net amount and rate."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(_("invoice number"), max_length=32, unique=True)
    net_amount = models.DecimalField(
        _("net amount"), max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    tax_rate = models.DecimalField(
        _("tax rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    status = models.CharField(
        max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT, db_index=True
    )
    issued_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    #: The admin scopes invoices by ``order__brand``: hence the ``order`` related filter field.
    search_fields = [
        index.SearchField("number"),
        index.AutocompleteField("number"),
        index.RelatedFields("order", [index.FilterField("brand")]),
        index.FilterField("order"),
        index.FilterField("status"),
        index.FilterField("number"),
        index.FilterField("net_amount"),
        index.FilterField("currency"),
        index.FilterField("issued_on"),
        index.FilterField("due_on"),
        index.FilterField("paid_on"),
    ]

    class Meta:
        ordering = ["-issued_on", "-pk"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")

    def __str__(self) -> str:
        return self.number

    @property
    def tax_amount(self) -> Decimal:
        return money((self.net_amount or ZERO) * (self.tax_rate or ZERO) / Decimal(100))

    @property
    def gross_amount(self) -> Decimal:
        return money((self.net_amount or ZERO) + self.tax_amount)

    @property
    def paid_amount(self) -> Decimal:
        """Sum of payments (uses the ``paid_total`` annotation when the listing added it)."""
        annotated = getattr(self, "paid_total", None)
        if annotated is not None:
            return money(annotated)
        return money(sum((p.amount for p in self.payments.all()), ZERO))

    @property
    def balance(self) -> Decimal:
        return self.gross_amount - self.paid_amount

    def settle(self) -> None:
        """Let the status follow the payments: an issued invoice paid in full becomes Paid (on the
        day of the last payment); a paid invoice whose payments no longer cover it is Issued again.
        Drafts and void invoices are left alone."""
        paid = money(sum(self.payments.values_list("amount", flat=True), ZERO))
        if (
            self.status == InvoiceStatus.ISSUED
            and self.gross_amount > ZERO
            and paid >= self.gross_amount
        ):
            self.status = InvoiceStatus.PAID
            self.paid_on = (
                self.payments.order_by("-received_on").values_list("received_on", flat=True).first()
            )
        elif (
            self.status == InvoiceStatus.PAID
            and paid < self.gross_amount
            and self.payments.exists()
        ):
            self.status = InvoiceStatus.ISSUED
            self.paid_on = None
        else:
            return
        Invoice.objects.filter(pk=self.pk).update(status=self.status, paid_on=self.paid_on)

    def clean(self) -> None:
        errors = {}
        order = self.order if self.order_id else None
        if order is not None and self.currency and self.currency != order.currency:
            errors["currency"] = _(
                "The invoice currency (%(inv)s) must match the order's (%(order)s)."
            ) % {
                "inv": self.currency,
                "order": order.currency,
            }
        if self.due_on and self.issued_on and self.due_on < self.issued_on:
            errors["due_on"] = _("The due date cannot be before the issue date.")
        if self.status == InvoiceStatus.PAID and not self.paid_on:
            errors["paid_on"] = _("Give the date the invoice was paid.")
        if errors:
            raise ValidationError(errors)


class Payment(models.Model):
    """Money received against an invoice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    received_on = models.DateField()
    method = models.CharField(max_length=64, blank=True)
    reference = models.CharField(max_length=128, blank=True)

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("payment")

    def __str__(self) -> str:
        return _("%(amount)s %(currency)s on %(invoice)s (%(date)s)") % {
            "amount": self.amount,
            "currency": self.invoice.currency if self.invoice_id else "",
            "invoice": self.invoice.number if self.invoice_id else "—",
            "date": self.received_on,
        }

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.invoice.settle()

    def delete(self, *args, **kwargs):
        invoice = self.invoice
        result = super().delete(*args, **kwargs)
        invoice.settle()
        return result
