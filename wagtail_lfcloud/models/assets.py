"""Assets (SKU x angle deliverables), their versions and the feedback on each version."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Prefetch, Q
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from modelcluster.models import ClusterableModel
from wagtail.images import get_image_model_string
from wagtail.models import (
    AbstractGroupApprovalTask,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    Task,
    TaskState,
    WorkflowMixin,
)
from wagtail.search import index

from .library import Role


class AssetQuerySet(models.QuerySet):
    def with_current(self) -> AssetQuerySet:
        """Prefetch each asset's current version and its image (read with ``asset.current_version``)."""
        return self.prefetch_related(
            Prefetch(
                "versions",
                queryset=AssetVersion.objects.filter(status=VersionStatus.CURRENT).select_related(
                    "image"
                ),
                to_attr="_prefetched_current",
            )
        )

    def with_current_only(self) -> AssetQuerySet:
        """Only assets that have an approved current version (what marketers may see)."""
        return self.filter(versions__status=VersionStatus.CURRENT)


class AssetKind(models.TextChoices):
    IMAGE = "image", _("Photo")
    VIDEO = "video", _("Video clip")


class Asset(
    WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, index.Indexed, ClusterableModel
):
    """One deliverable: a product photographed from one angle, for a set of channels.

    The asset carries the workflow; each uploaded file is an :class:`AssetVersion`. Revisions of
    the asset pin ``submitted_version``, so the approved revision says exactly which file was approved.
    """

    brand = models.ForeignKey(
        "wagtail_lfcloud.Brand", on_delete=models.CASCADE, related_name="assets"
    )
    product = models.ForeignKey(
        "wagtail_lfcloud.Product", on_delete=models.CASCADE, related_name="assets"
    )
    angle = models.CharField(_("angle"), max_length=32)
    #: What is delivered: a photo (an angle) or a video clip (a ``VIDEO_DELIVERABLES`` key).
    kind = models.CharField(
        _("kind"), max_length=8, choices=AssetKind.choices, default=AssetKind.IMAGE
    )
    #: Channel preset keys this deliverable must be ready for.
    channels = models.JSONField(_("channels"), default=list, blank=True)
    #: The order that first asked for this deliverable (later orders may ask again).
    order = models.ForeignKey(
        "wagtail_lfcloud.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assets",
    )
    #: The version under review; pinned in every revision.
    submitted_version = models.ForeignKey(
        "wagtail_lfcloud.AssetVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    instructions = models.TextField(_("instructions for the studio"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = AssetQuerySet.as_manager()

    search_fields = [
        index.SearchField("angle"),
        index.AutocompleteField("angle"),
        index.RelatedFields(
            "product",
            [
                index.SearchField("sku"),
                index.SearchField("name"),
                index.AutocompleteField("sku"),
                index.AutocompleteField("name"),
            ],
        ),
        # The admin's scoping (brand, and "approved only" by id for marketers), filters and sorting.
        index.FilterField("id"),
        index.FilterField("brand"),
        index.FilterField("angle"),
        index.FilterField("kind"),
        index.FilterField("live"),
        index.FilterField("updated_at"),
    ]

    class Meta:
        ordering = ["product__sku", "angle"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "angle"], name="lfcloud_asset_unique_product_angle"
            ),
        ]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")

    def __str__(self) -> str:
        return f"{self.product.sku} {self.angle}"

    @property
    def is_video(self) -> bool:
        return self.kind == AssetKind.VIDEO

    @property
    def current_version(self) -> AssetVersion | None:
        """The approved version everything should use, or None while nothing is approved yet."""
        if hasattr(self, "_prefetched_current"):
            return self._prefetched_current[0] if self._prefetched_current else None
        return self.versions.filter(status=VersionStatus.CURRENT).select_related("image").first()


class VersionStatus(models.TextChoices):
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    CURRENT = "current", _("Approved (current)")
    SUPERSEDED = "superseded", _("Superseded")
    REJECTED = "rejected", _("Rejected")


class AssetVersion(models.Model):
    """One uploaded file of an asset. Its image is never mutated once approved; old versions are kept."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    image = models.ForeignKey(
        get_image_model_string(), on_delete=models.PROTECT, related_name="lfcloud_versions"
    )
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=VersionStatus.choices,
        default=VersionStatus.IN_REVIEW,
        db_index=True,
    )
    #: The period part of the uploaded name (``2025-10``).
    period = models.CharField(_("period"), max_length=7, blank=True)
    original_filename = models.CharField(_("uploaded as"), max_length=255)
    #: SHA-1 of the uploaded bytes, to flag exact duplicates.
    file_hash = models.CharField(max_length=40, db_index=True, blank=True)
    #: 64-bit perceptual hash of the picture (16 hex digits), to flag look-alikes of other files:
    #: see :mod:`wagtail_lfcloud.assets.similarity`. Empty until the background task (or
    #: ``manage.py lfcloud_hash_versions``) has computed it.
    perceptual_hash = models.CharField(
        _("perceptual hash"), max_length=16, blank=True, db_index=True
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    #: The workflow task state whose approval made this version current (who and when live there).
    approved_task_state = models.ForeignKey(
        "wagtailcore.TaskState", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status_changed_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["asset", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "number"], name="lfcloud_version_unique_number"
            ),
            models.UniqueConstraint(
                fields=["asset"], condition=Q(status="current"), name="lfcloud_version_one_current"
            ),
        ]
        verbose_name = _("asset version")
        verbose_name_plural = _("asset versions")

    def __str__(self) -> str:
        return f"{self.asset} v{self.number}"

    @property
    def approved_by(self):
        """The user whose approval made this version current (None if not approved or approved by no one)."""
        return self.approved_task_state.finished_by if self.approved_task_state_id else None

    @property
    def approved_at(self):
        return self.approved_task_state.finished_at if self.approved_task_state_id else None


def version_for_task_state(task_state: TaskState) -> AssetVersion | None:
    """The version a task state is about: the ``submitted_version`` pinned in its revision."""
    revision = task_state.revision
    version_id = revision.content.get("submitted_version") if revision else None
    if not version_id:
        return None
    return AssetVersion.objects.select_related("image", "asset").filter(pk=version_id).first()


def _private_storage():
    # cycle: storage imports the models (a FileField's storage callable)
    from ..storage.privacy import FOLLOWING_PRIVATE

    return FOLLOWING_PRIVATE


class VersionClip(models.Model):
    """The video file of a version of a video deliverable, with what probing it found.

    The version's ``image`` is the clip's poster frame (a normal Wagtail image, private until
    approved like any master), so thumbnails, grids, listings and the API show it as for photos.
    The clip and its review preview live in the private storage under unguessable names and are
    served by a permission-checked view (``views/video.py``).
    """

    version = models.OneToOneField(AssetVersion, on_delete=models.CASCADE, related_name="clip")
    file = models.FileField(
        _("clip"), storage=_private_storage, upload_to="lfcloud-private/clips/", max_length=255
    )
    #: The review player's preview (WebM: VP8 and Opus, at most ``VIDEO_PREVIEW_SIZE`` px);
    #: empty until the background task made it.
    preview = models.FileField(
        _("preview"),
        storage=_private_storage,
        upload_to="lfcloud-private/clips/",
        max_length=255,
        blank=True,
    )
    #: Why the review preview could not be made (shown on the review page); empty otherwise.
    preview_error = models.TextField(_("preview error"), blank=True)
    #: FFmpeg's name of the container format (``mov,mp4,m4a,3gp,3g2,mj2``) and the brand it declares.
    container = models.CharField(max_length=64)
    video_codec = models.CharField(max_length=32)
    #: Empty when the clip has no sound.
    audio_codec = models.CharField(max_length=32, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    fps = models.FloatField()
    duration = models.FloatField(help_text=_("seconds"))
    frames = models.PositiveIntegerField(default=0)
    #: Bits per second of the whole file (size over duration).
    bitrate = models.PositiveBigIntegerField(default=0)
    bytes = models.PositiveBigIntegerField(default=0)
    #: Seconds into the clip where the poster frame was taken.
    poster_time = models.FloatField(default=0)

    class Meta:
        verbose_name = _("video clip")
        verbose_name_plural = _("video clips")

    def __str__(self) -> str:
        return f"{self.version} clip"

    @property
    def has_audio(self) -> bool:
        return bool(self.audio_codec)

    @property
    def summary(self) -> str:
        """``1920×1080 h264 · 25 fps · 15.0 s · aac`` (or ``no sound``)."""
        sound = self.audio_codec or _("no sound")
        return (
            f"{self.width}×{self.height} {self.video_codec} · {self.fps:g} fps · "
            f"{self.duration:.1f} s · {sound}"
        )


class AssetComment(models.Model):
    """Feedback on one version, optionally pinned to a region given as fractions of the image."""

    version = models.ForeignKey(AssetVersion, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("comment"))
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)
    w = models.FloatField(null=True, blank=True)
    h = models.FloatField(null=True, blank=True)
    #: Seconds into a clip the comment is about (video versions only); the region, if any, is
    #: on the frame shown at that time.
    time = models.FloatField(_("time code"), null=True, blank=True)
    resolved = models.BooleanField(default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(x__isnull=True, y__isnull=True, w__isnull=True, h__isnull=True)
                    | Q(
                        x__gte=0, y__gte=0, w__gt=0, h__gt=0, x__lte=1, y__lte=1, w__lte=1, h__lte=1
                    )
                ),
                name="lfcloud_comment_region_in_image",
            ),
            models.CheckConstraint(
                condition=Q(time__isnull=True) | Q(time__gte=0),
                name="lfcloud_comment_time_positive",
            ),
        ]
        verbose_name = _("comment")

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def region(self) -> tuple[float, float, float, float] | None:
        if self.x is None:
            return None
        return (self.x, self.y, self.w, self.h)

    @property
    def time_code(self) -> str:
        """``0:07.5`` (minutes:seconds), or empty when the comment has no time code."""
        if self.time is None:
            return ""
        minutes, seconds = divmod(self.time, 60)
        return f"{int(minutes)}:{seconds:04.1f}"

    @property
    def region_style(self) -> str:
        """CSS placing the pinned region over the image, in percent (empty when not pinned)."""
        if self.x is None:
            return ""
        return (
            f"left:{self.x * 100:.3f}%;top:{self.y * 100:.3f}%;"
            f"width:{self.w * 100:.3f}%;height:{self.h * 100:.3f}%"
        )


class ComplianceTask(Task):
    """A workflow step that checks the submitted file against its channels' rules, with no person involved.

    Passing approves the step; failing requests changes, with the reasons as the comment.
    """

    #: Treat warnings as failures.
    strict = models.BooleanField(
        _("fail on warnings"),
        default=False,
        help_text=_("Request changes on warnings too, not only on failures."),
    )

    admin_form_fields = Task.admin_form_fields + ["strict"]

    def start(self, workflow_state, user=None):
        task_state = super().start(workflow_state, user=user)
        # The check runs at once and finishes its own step; WorkflowState.update() then moves
        # on (pass) or marks the workflow as needing changes (fail).
        from ..assets.workflows import run_compliance_check  # cycle: it imports the models

        run_compliance_check(self, task_state)
        return task_state

    def get_actions(self, obj, user):
        # Nobody acts on this step: the check decides.
        return []

    def get_task_states_user_can_moderate(self, user, **kwargs):
        return TaskState.objects.none()

    @classmethod
    def get_description(cls):
        return _(
            "Checks the submitted file against the rules of the asset's channels, with no person involved"
        )

    class Meta:
        verbose_name = _("channel compliance check")
        verbose_name_plural = _("channel compliance checks")


class BrandApprovalTask(AbstractGroupApprovalTask):
    """Wagtail's group approval, limited to the asset's own brand.

    Who decides an asset's step: members of the chosen groups who have the "review" capability on
    the asset's brand, and the brand's admins, always (a brand admin can decide for their brand
    even if their group is not on the step). One brand's approvers never see or approve another
    brand's files (not even in the dashboard's "awaiting your review" panel). Superusers may act
    on everything.
    """

    def _brand_admin_of(self, user, brand_id) -> bool:
        # cycle: access imports the models
        from ..access.capabilities import brand_ids_with, brand_roles

        if Role.BRAND_ADMIN not in brand_roles(user).get(brand_id, frozenset()):
            return False
        allowed = brand_ids_with(user, "review")  # an API token may narrow it
        return allowed is None or brand_id in allowed

    def _may_review(self, obj, user) -> bool:
        # cycle: access imports the models
        from ..access.capabilities import has_capability

        if user.is_superuser:
            return True
        brand_id = getattr(obj, "brand_id", None)
        if brand_id is None or not has_capability(user, brand_id, "review"):
            return False
        return self._user_in_groups(user) or self._brand_admin_of(user, brand_id)

    def get_actions(self, obj, user):
        if not self._may_review(obj, user):
            return []
        return [
            ("reject", _("Request changes"), True),
            ("approve", _("Approve"), False),
            ("approve", _("Approve with comment"), True),
        ]

    def user_can_access_editor(self, obj, user):
        return self._may_review(obj, user)

    def locked_for_user(self, obj, user):
        return not self._may_review(obj, user)

    def user_can_lock(self, obj, user):
        return self._may_review(obj, user)

    def get_task_states_user_can_moderate(self, user, **kwargs):
        # cycle: access imports the models
        from ..access.capabilities import brand_ids_with, brand_roles

        reviewing = brand_ids_with(user, "review")
        if reviewing is None:  # a superuser: every brand
            return super().get_task_states_user_can_moderate(user, **kwargs)
        if user.is_superuser or self._user_in_groups(user):
            brand_ids = reviewing
        else:  # not on the step: the brands they administer
            brand_ids = {
                brand_id
                for brand_id, roles in brand_roles(user).items()
                if Role.BRAND_ADMIN in roles and brand_id in reviewing
            }
        if not brand_ids:
            return TaskState.objects.none()
        asset_ids = (
            Asset.objects.filter(brand_id__in=brand_ids)
            .annotate(pk_text=Cast("pk", output_field=models.CharField()))
            .values("pk_text")
        )
        return self.task_states.filter(
            status=TaskState.STATUS_IN_PROGRESS, workflow_state__object_id__in=asset_ids
        )

    @classmethod
    def get_description(cls):
        return _(
            "Members of the chosen groups who approve for the asset's brand, and the brand's "
            "admins, can approve this task"
        )

    class Meta:
        verbose_name = _("brand approval task")
        verbose_name_plural = _("brand approval tasks")
