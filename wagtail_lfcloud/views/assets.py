"""Admin screens for reviewing an asset: the version under review with pinned feedback, the version
history with who uploaded and who approved, and a comparison of any two versions.

Everything is scoped by brand: seeing versions needs "view_drafts", commenting "comment", and the
approve / request-changes buttons only appear for users Wagtail's workflow task lets act and who
have "review" on the asset's brand. The review page also warns when the version looks like another
asset's version of the same brand (``similarity.py``).
"""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import HeaderButton
from wagtail.images import get_image_model
from wagtail.log_actions import log
from wagtail.models import TaskState

from ..access import get_for_user_or_404, has_capability
from ..assets.comments import CommentForm, NoSuchParent, add_comment
from ..assets.previews import existing_preview
from ..assets.similarity import similar_versions
from ..assets.workflows import version_for_task_state
from ..models import Asset, AssetComment, AssetVersion, VersionStatus
from .base import LFCloudPageMixin


def get_asset_for(user, pk, capability: str = "view_drafts") -> Asset:
    """The asset, if the user has ``capability`` on its brand; 404 otherwise (nothing leaks)."""
    return get_for_user_or_404(
        user, Asset.objects.select_related("product", "brand"), pk, capability
    )


def versions_of(asset: Asset):
    return asset.versions.select_related(
        "image", "uploaded_by", "approved_task_state__finished_by", "clip"
    ).order_by("number")


def review_url(asset: Asset, number: int | None = None) -> str:
    url = reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk])
    return f"{url}?version={number}" if number else url


#: How a look-alike's status reads in the review page's warning ("... · v1 (approved)").
STATUS_WORDS = {
    VersionStatus.IN_REVIEW: gettext_lazy("in review"),
    VersionStatus.CHANGES_REQUESTED: gettext_lazy("changes requested"),
    VersionStatus.CURRENT: gettext_lazy("approved"),
    VersionStatus.SUPERSEDED: gettext_lazy("superseded"),
    VersionStatus.REJECTED: gettext_lazy("rejected"),
}


def _look_alikes(asset: Asset, version: AssetVersion, user) -> tuple[list[dict], list[dict]]:
    """What ``version`` looks like: other assets' versions of the brand (each with a link to its review
    when the user may see it), and this asset's own versions with no visible difference."""
    others, own = [], []
    compare = reverse("wagtail_lfcloud_admin:asset_compare", args=[asset.pk])
    for match in similar_versions(version):
        other = match.version
        if match.same_asset:
            a, b = sorted((other.number, version.number))
            own.append(
                {"version": other, "compare_url": f"{compare}?{urlencode({'a': a, 'b': b})}"}
            )
        else:
            may_see = has_capability(user, other.asset.brand_id, "view_drafts")
            others.append(
                {
                    "version": other,
                    "asset": other.asset,
                    "status": STATUS_WORDS.get(other.status, other.get_status_display()),
                    "url": review_url(other.asset, other.number) if may_see else "",
                }
            )
    return others, own


def _workflow_actions(
    asset: Asset, version: AssetVersion, user, back: str
) -> tuple[TaskState | None, list[dict]]:
    """The in-progress task state for ``version`` and the actions the user may take on it."""
    task_state = asset.current_workflow_task_state
    if task_state is None or task_state.status != TaskState.STATUS_IN_PROGRESS:
        return None, []
    pinned = version_for_task_state(task_state)
    if pinned is None or pinned.pk != version.pk:
        return task_state, []
    if not has_capability(user, asset.brand_id, "review"):
        return task_state, []
    actions = []
    for name, label, modal in task_state.task.specific.get_actions(asset, user):
        url = reverse(
            "wagtailsnippets_wagtail_lfcloud_asset:workflow_action",
            args=[quote(asset.pk), name, task_state.pk],
        )
        actions.append(
            {
                "name": name,
                "label": label,
                "needs_comment": modal,
                "url": f"{url}?{urlencode({'next': back})}",
            }
        )
    # Wagtail offers "Approve" and "Approve with comment"; one form with an optional comment covers both.
    seen, unique = set(), []
    for action in actions:
        if action["name"] not in seen:
            seen.add(action["name"])
            unique.append(action)
    return task_state, unique


class AssetReviewView(WagtailAdminTemplateMixin, TemplateView):
    """One version large, its pinned comments, earlier rounds' feedback, and the review actions."""

    template_name = "wagtail_lfcloud/assets/review.html"
    header_icon = "image"

    def dispatch(self, request, *args, **kwargs):
        self.asset = get_asset_for(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Review %(asset)s") % {"asset": self.asset}

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailsnippets_wagtail_lfcloud_asset:list"), "label": _("Assets")},
            {"url": "", "label": str(self.asset)},
        ]

    def get_header_buttons(self):
        # The deliverable's details (channels, instructions) for the people who manage orders.
        if not has_capability(self.request.user, self.asset.brand_id, "manage_orders"):
            return super().get_header_buttons()
        return [
            HeaderButton(
                _("Edit details"),
                url=reverse("wagtailsnippets_wagtail_lfcloud_asset:edit", args=[self.asset.pk]),
                icon_name="edit",
                attrs={"data-lfcloud-edit-details": ""},
            ),
            *super().get_header_buttons(),
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        versions = list(versions_of(self.asset))
        number = self.request.GET.get("version")
        version = None
        if number and number.isdigit():
            version = next((v for v in versions if v.number == int(number)), None)
            if version is None:
                raise Http404
        elif versions:
            version = versions[-1]
        comments = (
            AssetComment.objects.select_related("author", "resolved_by", "version")
            .prefetch_related(
                Prefetch("replies", queryset=AssetComment.objects.select_related("author"))
            )
            .filter(parent__isnull=True)
        )
        back = review_url(self.asset, version.number if version else None)
        task_state, actions = (None, [])
        look_alikes, unchanged_since = [], []
        if version is not None:
            task_state, actions = _workflow_actions(self.asset, version, self.request.user, back)
            look_alikes, unchanged_since = _look_alikes(self.asset, version, self.request.user)
        context.update(
            asset=self.asset,
            versions=versions,
            version=version,
            previous_version=next(
                (v for v in reversed(versions) if version and v.number < version.number), None
            ),
            comments=list(comments.filter(version=version)) if version else [],
            earlier_comments=list(
                comments.filter(
                    version__asset=self.asset, version__number__lt=version.number
                ).order_by("version__number", "created_at")
            )
            if version
            else [],
            task_state=task_state,
            actions=actions,
            look_alikes=look_alikes,
            unchanged_since=unchanged_since,
            can_comment=has_capability(self.request.user, self.asset.brand_id, "comment"),
            comment_form=CommentForm(),
            comment_url=reverse(
                "wagtail_lfcloud_admin:asset_comment", args=[self.asset.pk, version.pk]
            )
            if version
            else "",
            back=back,
            history=_decisions(self.asset),
        )
        context.update(_player_context(version, context))
        return context


def _player_context(version, context: dict) -> dict:
    """The clip of a video version for the review player: its poster and the timeline's markers
    (this version's time-coded comments, and earlier versions' in another colour)."""
    clip = getattr(version, "clip", None) if version is not None else None
    if clip is None:
        return {"clip": None}

    poster = existing_preview(version.image, "max-800x600")
    duration = clip.duration or 1
    markers = [
        {
            "time": c.time,
            "percent": min(100.0, 100 * c.time / duration),
            "time_code": c.time_code,
            "label": (f"v{c.version.number}: " if earlier else "") + c.text[:80],
            "earlier": earlier,
        }
        for earlier, comments in ((False, context["comments"]), (True, context["earlier_comments"]))
        for c in comments
        if c.time is not None
    ]
    return {"clip": clip, "poster_url": poster.url if poster else "", "markers": markers}


def _decisions(asset: Asset) -> list[dict]:
    """Every finished review step of the asset: who decided what on which version, and when."""
    states = (
        TaskState.objects.for_instance(asset)
        .filter(status__in=[TaskState.STATUS_APPROVED, TaskState.STATUS_REJECTED])
        .select_related("task", "finished_by", "revision")
        .order_by("-finished_at", "-pk")
    )
    numbers = dict(asset.versions.values_list("pk", "number"))
    rows = []
    for state in states:
        version_id = state.revision.content.get("submitted_version") if state.revision else None
        rows.append({"state": state, "version": numbers.get(version_id)})
    return rows


class AddCommentView(View):
    """``POST text[, parent][, x, y, w, h]``: comment on a version, optionally pinned to a region."""

    def post(self, request, pk, version_pk):
        asset = get_asset_for(request.user, pk, "comment")
        version = get_for_user_or_404(request.user, asset.versions.all(), version_pk, "comment")
        form = CommentForm(request.POST, version=version)
        xhr = request.headers.get("x-requested-with") == "XMLHttpRequest"
        if not form.is_valid():
            errors = [str(e) for errors in form.errors.values() for e in errors]
            if xhr:
                return JsonResponse({"ok": False, "errors": errors}, status=400)
            messages.error(
                request, _("The comment was not saved: %(errors)s") % {"errors": " ".join(errors)}
            )
            return redirect(review_url(asset, version.number))
        try:
            comment = add_comment(version, request.user, form.cleaned_data)
        except NoSuchParent:
            raise Http404 from None
        if xhr:
            return JsonResponse({"ok": True, "id": comment.pk})
        messages.success(request, _("Comment added to version %(n)s.") % {"n": version.number})
        return redirect(review_url(asset, version.number))


class ResolveCommentView(View):
    """``POST resolved=1|0``: mark a comment (a top-level one) resolved or open again."""

    def post(self, request, pk):
        comment = get_for_user_or_404(
            request.user,
            AssetComment.objects.select_related(
                "version__asset__product", "version__asset__brand"
            ).filter(parent__isnull=True),
            pk,
            "comment",
        )
        asset = comment.version.asset
        resolved = request.POST.get("resolved", "1") == "1"
        with transaction.atomic():
            comment.resolved = resolved
            comment.resolved_by = request.user if resolved else None
            comment.resolved_at = timezone.now() if resolved else None
            comment.save(update_fields=["resolved", "resolved_by", "resolved_at"])
            log(
                asset,
                "wagtail_lfcloud.comment_resolved"
                if resolved
                else "wagtail_lfcloud.comment_reopened",
                user=request.user,
                data={"comment_id": comment.pk, "version": comment.version.number},
            )
        return redirect(request.POST.get("next") or review_url(asset, comment.version.number))


class VersionHistoryView(WagtailAdminTemplateMixin, TemplateView):
    """Every version of an asset, newest first: thumbnail, status, who uploaded and who approved."""

    template_name = "wagtail_lfcloud/assets/versions.html"
    header_icon = "history"

    def dispatch(self, request, *args, **kwargs):
        self.asset = get_asset_for(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Versions of %(asset)s") % {"asset": self.asset}

    def get_breadcrumbs_items(self):
        return [
            {"url": reverse("wagtailsnippets_wagtail_lfcloud_asset:list"), "label": _("Assets")},
            {"url": review_url(self.asset), "label": str(self.asset)},
            {"url": "", "label": _("Versions")},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        versions = list(versions_of(self.asset).order_by("-number"))
        # Thumbnails in one query, like Wagtail's own image listing.
        images = (
            get_image_model()
            .objects.filter(pk__in=[v.image_id for v in versions])
            .prefetch_renditions("max-165x165")
        )
        by_pk = {image.pk: image for image in images}
        for v in versions:
            v.image = by_pk[v.image_id]
        context.update(
            asset=self.asset,
            versions=versions,
            history=_decisions(self.asset),
            compare_url=reverse("wagtail_lfcloud_admin:asset_compare", args=[self.asset.pk]),
        )
        return context


class CompareView(LFCloudPageMixin, TemplateView):
    """Two versions side by side, or one over the other with a slider."""

    template_name = "wagtail_lfcloud/assets/compare.html"
    header_icon = "image"

    def dispatch(self, request, *args, **kwargs):
        self.asset = get_asset_for(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Compare versions of %(asset)s") % {"asset": self.asset}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        versions = list(versions_of(self.asset))
        if not versions:
            raise Http404
        by_number = {v.number: v for v in versions}

        def pick(key, default):
            value = self.request.GET.get(key, "")
            if value.isdigit():
                if int(value) not in by_number:
                    raise Http404
                return by_number[int(value)]
            return default

        left = pick("a", versions[-2] if len(versions) > 1 else versions[-1])
        right = pick("b", versions[-1])
        context.update(
            asset=self.asset,
            versions=versions,
            left=left,
            right=right,
            mode="slider" if self.request.GET.get("mode") == "slider" else "side",
        )
        return context
