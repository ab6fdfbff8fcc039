"""Comments on a version, optionally pinned to a region and, on a clip, to a time code: one set
of rules for the review page and the API (:class:`CommentForm` validates, :func:`add_comment`
stores and logs)."""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from ..models import AssetComment, AssetVersion


class CommentForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Comment"), widget=forms.Textarea({"rows": 3}), max_length=5000
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    x = forms.FloatField(required=False, min_value=0, max_value=1, widget=forms.HiddenInput)
    y = forms.FloatField(required=False, min_value=0, max_value=1, widget=forms.HiddenInput)
    w = forms.FloatField(required=False, min_value=0, max_value=1, widget=forms.HiddenInput)
    h = forms.FloatField(required=False, min_value=0, max_value=1, widget=forms.HiddenInput)
    #: Seconds into the clip (video versions only).
    time = forms.FloatField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, version: AssetVersion | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version

    def clean_time(self):
        time = self.cleaned_data.get("time")
        if time is None or self.version is None:
            return time
        clip = getattr(self.version, "clip", None)  # None: no clip row (a photo)
        if clip is None:
            raise forms.ValidationError(_("Only comments on a video clip have a time code."))
        if time > clip.duration + 0.05:
            raise forms.ValidationError(
                _("The time code %(time).1f s is past the clip's end (%(duration).1f s).")
                % {"time": time, "duration": clip.duration}
            )
        return round(min(time, clip.duration), 3)

    def clean(self):
        data = super().clean()
        region = [data.get(k) for k in "xywh"]
        if any(v is not None for v in region):
            if any(v is None for v in region):
                raise forms.ValidationError(_("A pinned region needs x, y, width and height."))
            x, y, w, h = region
            if w <= 0 or h <= 0:
                raise forms.ValidationError(_("A pinned region must have a width and a height."))
            if x + w > 1.0001 or y + h > 1.0001:
                raise forms.ValidationError(_("A pinned region must lie inside the image."))
            data["w"], data["h"] = min(w, 1 - x), min(h, 1 - y)
        return data


class NoSuchParent(Exception):
    """The comment answers a comment that is not on this version."""


def add_comment(version: AssetVersion, user, data: dict, *, via: str | None = None) -> AssetComment:
    """Store a comment from :class:`CommentForm`'s ``cleaned_data`` and log it on the asset.

    An answer (``parent``) is never pinned; raises :class:`NoSuchParent` when ``parent`` is not
    a comment of ``version``.
    """
    parent = None
    if data.get("parent"):
        parent = AssetComment.objects.filter(pk=data["parent"], version=version).first()
        if parent is None:
            raise NoSuchParent(data["parent"])
    region = {k: data.get(k) for k in "xywh"} if parent is None else {}
    if parent is None and data.get("time") is not None:
        region["time"] = data["time"]
    extra = {"via": via} if via else {}
    with transaction.atomic():
        comment = AssetComment.objects.create(
            version=version, parent=parent, author=user, text=data["text"], **region
        )
        log(
            version.asset,
            "wagtail_lfcloud.comment_added",
            user=user,
            data={
                "version": version.number,
                "comment_id": comment.pk,
                "pinned": comment.x is not None,
                **({"time": comment.time} if comment.time is not None else {}),
                **extra,
            },
        )
    return comment
