"""Video channel presets: how a clip is transcoded for a channel and the rules it must meet.

The registry works like the image channels' (``channels/registry.py``): built-in presets merged
with ``WAGTAIL_LFCLOUD_VIDEO_CHANNELS``, where a new key adds a preset, a built-in key with a dict
updates it field by field (``transcode`` and ``rules`` are merged key by key too) and a built-in
key with None removes it. Video channel keys live next to the image channels' keys on order lines
and assets (``channels``), so a key may not be both.

A preset dict::

    {
        "label": "Amazon product video",
        "transcode": {...},        # TranscodeSpec fields (video/probe.py)
        "rules": {...},            # RULES below: checked on the uploaded clip and on the output
        "export_name": None,       # file-name pattern; None = EXPORT_NAME_TEMPLATE
        "sources": ["https://..."],
    }

Rules (each optional): ``containers`` (FFmpeg demuxer names: mp4/mov are both ``mov``),
``video_codecs``, ``min_width``, ``min_height``, ``max_width``, ``max_height``, ``aspect``
(``"9:16"``) with ``aspect_tolerance`` (default 0.02, relative), ``min_seconds``, ``max_seconds``,
``min_fps``, ``max_fps``, ``min_bitrate``, ``max_bitrate`` (bits per second), ``max_bytes``,
``audio`` (``"required"``, ``"forbidden"`` or ``"optional"``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..channels.errors import UnknownChannelError
from ..conf import lfcloud_settings
from .probe import TranscodeSpec

MB = 1_000_000
MBIT = 1_000_000

#: Settings that give every built-in MP4 a fast start (the index first: plays while loading).
FASTSTART = {"movflags": "+faststart"}
H264 = {"preset": "medium", "profile": "high", "crf": "20"}

#: Where each built-in's rules come from. Primary pages are named; the address is the one the
#: rules were read at on 2026-12-05 (a secondary page quoting the platform, when marked so).
AMAZON_SOURCES = [
    "Amazon Seller Central, product video upload guidelines: MP4/MOV (ProRes cannot be "
    "processed), 16:9, 1920x1080 preferred, 1280x720 minimum; quoted at "
    "http://sellerby.com/p/2878.html (secondary)",
]
SHOPIFY_SOURCES = [
    "Shopify Help Center, product media types: videos MP4, MOV or WebM, up to 1 GB, 10 minutes "
    "and 4K; summarised at https://grokipedia.com/page/Shopify_product_media (secondary)",
]
META_REELS_SOURCES = [
    "Meta Instagram Graph API, Reels specifications: MOV/MP4, H.264 or HEVC, AAC up to 48 kHz, "
    "23-60 fps, at most 1920 columns, 9:16 recommended, 25 Mbps max, 3 s to 15 min, 1 GB max; "
    "listed at https://help.circleboom.com/publish/faq/video-and-reels-limitations-on-instagram "
    "and https://help.swat.io/en/articles/6553969-instagram-reels (secondary)",
]
TIKTOK_SOURCES = [
    "https://ads.tiktok.com/help/article?aid=6669199281502552069 (in-feed video: 9:16, "
    "at least 720x1280, MP4/MOV, 5-60 s, at least 516 kbps, at most 500 MB)",
]

BUILTIN_VIDEO_PRESETS: dict[str, dict[str, Any]] = {
    "amazon_video": {
        "label": "Amazon product video",
        "transcode": {
            "format": "mp4",
            "video_codec": "libx264",
            "max_width": 1920,
            "max_height": 1080,
            "video_options": H264,
            "audio_codec": "aac",
            "container_options": FASTSTART,
        },
        "rules": {
            "containers": ["mov"],
            "video_codecs": ["h264"],
            "min_width": 1280,
            "min_height": 720,
            "aspect": "16:9",
        },
        "sources": AMAZON_SOURCES,
    },
    "shopify_video": {
        "label": "Shopify product media video",
        "transcode": {
            "format": "mp4",
            "video_codec": "libx264",
            "max_width": 3840,
            "max_height": 3840,
            "video_options": H264,
            "audio_codec": "aac",
            "container_options": FASTSTART,
        },
        "rules": {
            "containers": ["mov"],
            "video_codecs": ["h264"],
            "max_width": 3840,
            "max_height": 3840,
            "max_seconds": 600,
            "max_bytes": 1000 * MB,
        },
        "sources": SHOPIFY_SOURCES,
    },
    "instagram_reels": {
        "label": "Instagram Reels",
        "transcode": {
            "format": "mp4",
            "video_codec": "libx264",
            "max_width": 1080,
            "max_height": 1920,
            "fps": 30,
            "video_bitrate": 8 * MBIT,
            "video_options": {"preset": "medium", "profile": "high"},
            "audio_codec": "aac",
            "audio_bitrate": 128_000,
            "container_options": FASTSTART,
        },
        "rules": {
            "containers": ["mov"],
            "video_codecs": ["h264", "hevc"],
            "max_width": 1920,
            "aspect": "9:16",
            "min_seconds": 3,
            "max_seconds": 900,
            "min_fps": 23,
            "max_fps": 60,
            "max_bitrate": 25 * MBIT,
            "max_bytes": 1000 * MB,
        },
        "sources": META_REELS_SOURCES,
    },
    "tiktok": {
        "label": "TikTok in-feed video",
        "transcode": {
            "format": "mp4",
            "video_codec": "libx264",
            "max_width": 1080,
            "max_height": 1920,
            "video_bitrate": 6 * MBIT,
            "video_options": {"preset": "medium", "profile": "high"},
            "audio_codec": "aac",
            "container_options": FASTSTART,
        },
        "rules": {
            "containers": ["mov"],
            "video_codecs": ["h264"],
            "min_width": 720,
            "min_height": 1280,
            "aspect": "9:16",
            "min_seconds": 5,
            "max_seconds": 60,
            "min_bitrate": 516_000,
            "max_bytes": 500 * MB,
            "audio": "required",
        },
        "sources": TIKTOK_SOURCES,
    },
    "web_loop": {
        "label": "Muted web loop (with poster)",
        "transcode": {
            "format": "mp4",
            "video_codec": "libx264",
            "max_width": 1280,
            "max_height": 1280,
            "video_options": {"preset": "medium", "profile": "high", "crf": "26"},
            "audio_codec": None,
            "container_options": FASTSTART,
        },
        "rules": {
            "containers": ["mov"],
            "video_codecs": ["h264"],
            "max_seconds": 30,
            "max_bytes": 15 * MB,
            "audio": "forbidden",
        },
        "sources": [
            "House rule: a short, silent H.264 MP4 that browsers autoplay muted in a loop "
            "(<video autoplay muted loop playsinline poster>), small enough for a product page."
        ],
    },
}

RULE_KEYS = {
    "containers",
    "video_codecs",
    "min_width",
    "min_height",
    "max_width",
    "max_height",
    "aspect",
    "aspect_tolerance",
    "min_seconds",
    "max_seconds",
    "min_fps",
    "max_fps",
    "min_bitrate",
    "max_bitrate",
    "max_bytes",
    "audio",
}


@dataclass(frozen=True)
class VideoPreset:
    key: str
    label: str
    transcode: TranscodeSpec
    rules: Mapping[str, Any] = field(default_factory=dict)
    export_name: str | None = None
    sources: tuple[str, ...] = ()
    builtin: bool = False

    @property
    def extension(self) -> str:
        return {"matroska": "mkv"}.get(self.transcode.format, self.transcode.format)


def _raw() -> dict[str, tuple[dict[str, Any], bool]]:
    merged = {key: (dict(data), True) for key, data in BUILTIN_VIDEO_PRESETS.items()}
    for key, data in (lfcloud_settings.VIDEO_CHANNELS or {}).items():
        if data is None:
            merged.pop(key, None)
        elif key in merged and isinstance(data, Mapping):
            base = merged[key][0]
            update = dict(data)
            for nested in ("transcode", "rules"):
                if isinstance(update.get(nested), Mapping):
                    update[nested] = {**base.get(nested, {}), **update[nested]}
            merged[key] = ({**base, **update}, True)
        else:
            merged[key] = (data, False)
    return merged


def _build(key: str, data: Mapping[str, Any], builtin: bool) -> VideoPreset:
    spec = dict(data.get("transcode") or {})
    unknown = set(spec) - {f.name for f in dataclasses.fields(TranscodeSpec)}
    if unknown:
        raise ValueError(f"video channel {key}: unknown transcode settings {sorted(unknown)}")
    rules = dict(data.get("rules") or {})
    if set(rules) - RULE_KEYS:
        raise ValueError(f"video channel {key}: unknown rules {sorted(set(rules) - RULE_KEYS)}")
    return VideoPreset(
        key=key,
        label=str(data.get("label") or key),
        transcode=TranscodeSpec(**spec),
        rules=rules,
        export_name=data.get("export_name"),
        sources=tuple(data.get("sources") or ()),
        builtin=builtin,
    )


def get_video_presets() -> dict[str, VideoPreset]:
    """Every configured video preset, keyed by channel key, built-ins first."""
    return {key: _build(key, data, builtin) for key, (data, builtin) in _raw().items()}


def video_channel_keys() -> list[str]:
    return list(_raw())


def get_video_preset(key: str) -> VideoPreset:
    presets = get_video_presets()
    try:
        return presets[key]
    except KeyError:
        raise UnknownChannelError(key, list(presets)) from None
