"""Checking a clip against a video channel's rules (``video/presets.py``).

:func:`check_clip` judges facts (:class:`~.probe.ClipInfo`, or a stored ``VersionClip``): the
uploaded clip at review time (``source=True``: only what a transcode cannot fix, such as too
short, the wrong aspect, no sound where the channel wants it, too small a picture), and each
transcode's output (everything, container, codec, size and bit rate included). Results use the
image checks' shape: ``{"code", "status", "message", "measured", "limit"}``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

#: Rules the transcode takes care of: not held against the uploaded clip.
OUTPUT_ONLY = {
    "containers",
    "video_codecs",
    "max_width",
    "max_height",
    "max_bitrate",
    "min_bitrate",
    "max_bytes",
    "max_fps",
}


@dataclass(frozen=True)
class ClipCheck:
    code: str
    status: str  # "pass" or "fail"
    message: str
    measured: object = None
    limit: object = None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "status": self.status,
            "message": self.message,
            "measured": self.measured,
            "limit": self.limit,
        }


def _ratio(aspect: str) -> float:
    a, b = (float(p) for p in aspect.split(":"))
    return a / b


def check_clip(clip, rules: dict, *, source: bool = False) -> list[ClipCheck]:
    """Every rule of ``rules`` that applies, judged on ``clip`` (anything with ``container``,
    ``video_codec``, ``audio_codec``, ``width``, ``height``, ``fps``, ``duration``, ``bytes``,
    ``bitrate``). Failures first."""
    results: list[ClipCheck] = []

    def judge(code, ok, message, measured=None, limit=None):
        if source and code.split(":")[0] in OUTPUT_ONLY:
            return
        results.append(ClipCheck(code, "pass" if ok else "fail", message, measured, limit))

    container = clip.container.split(",")[0]
    if "containers" in rules:
        judge(
            "containers",
            container in rules["containers"],
            _("Container %(found)s; the channel takes %(want)s.")
            % {"found": container, "want": ", ".join(rules["containers"])},
            container,
            rules["containers"],
        )
    if "video_codecs" in rules:
        judge(
            "video_codecs",
            clip.video_codec in rules["video_codecs"],
            _("Video codec %(found)s; the channel takes %(want)s.")
            % {"found": clip.video_codec, "want": ", ".join(rules["video_codecs"])},
            clip.video_codec,
            rules["video_codecs"],
        )
    size = f"{clip.width}×{clip.height}"
    for key, value, word in (
        ("min_width", clip.width, _("at least %(limit)s px wide")),
        ("min_height", clip.height, _("at least %(limit)s px high")),
        ("max_width", clip.width, _("at most %(limit)s px wide")),
        ("max_height", clip.height, _("at most %(limit)s px high")),
    ):
        if key in rules:
            limit = rules[key]
            ok = value >= limit if key.startswith("min") else value <= limit
            judge(
                key,
                ok,
                _("The picture is %(size)s; the channel wants it %(rule)s.")
                % {"size": size, "rule": word % {"limit": limit}},
                value,
                limit,
            )
    if "aspect" in rules:
        want = _ratio(rules["aspect"])
        found = clip.width / clip.height if clip.height else 0
        tolerance = rules.get("aspect_tolerance", 0.02)
        judge(
            "aspect",
            abs(found - want) <= want * tolerance,
            _("The picture is %(size)s (aspect %(found).3f); the channel wants %(aspect)s.")
            % {"size": size, "found": found, "aspect": rules["aspect"]},
            round(found, 4),
            rules["aspect"],
        )
    # Ranges: (rule, measured value, slack for rounding, how the value and the limit read).
    ranges = (
        (
            "seconds",
            clip.duration,
            0.05,
            lambda v: _("The clip lasts %(seconds).1f s") % {"seconds": v},
            lambda lim: _("%(limit)s s") % {"limit": lim},
        ),
        (
            "fps",
            clip.fps,
            0.01,
            lambda v: _("The clip runs at %(fps)g fps") % {"fps": v},
            lambda lim: _("%(limit)s fps") % {"limit": lim},
        ),
        (
            "bitrate",
            clip.bitrate,
            0,
            lambda v: _("The bit rate is %(found)s kbit/s") % {"found": v // 1000},
            lambda lim: _("%(limit)s kbit/s") % {"limit": lim // 1000},
        ),
    )
    for name, value, slack, found, limit_text in ranges:
        for bound in ("min", "max"):
            key = f"{bound}_{name}"
            if key not in rules:
                continue
            limit = rules[key]
            ok = value >= limit - slack if bound == "min" else value <= limit + slack
            rule = (_("at least %(x)s") if bound == "min" else _("at most %(x)s")) % {
                "x": limit_text(limit)
            }
            judge(
                key,
                ok,
                _("%(found)s; the channel wants %(rule)s.") % {"found": found(value), "rule": rule},
                value,
                limit,
            )
    if "max_bytes" in rules:
        judge(
            "max_bytes",
            clip.bytes <= rules["max_bytes"],
            _("The file is %(size)s; the channel takes at most %(limit)s.")
            % {"size": filesizeformat(clip.bytes), "limit": filesizeformat(rules["max_bytes"])},
            clip.bytes,
            rules["max_bytes"],
        )
    audio = rules.get("audio", "optional")
    if audio == "required":
        judge(
            "audio",
            bool(clip.audio_codec),
            _("The clip has no sound; the channel wants a sound track."),
            clip.audio_codec or None,
            audio,
        )
    elif audio == "forbidden" and not source:
        judge(
            "audio",
            not clip.audio_codec,
            _("The file has a sound track; the channel wants none."),
            clip.audio_codec or None,
            audio,
        )
    results.sort(key=lambda r: r.status != "fail")
    return results


def failures(results: list[ClipCheck]) -> list[ClipCheck]:
    return [r for r in results if r.status == "fail"]
