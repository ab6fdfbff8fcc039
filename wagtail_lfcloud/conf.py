"""Settings for wagtail-lfcloud, read on access.

Every setting is ``WAGTAIL_LFCLOUD_<NAME>`` in the project's Django settings. Read them through
:data:`lfcloud_settings` (``lfcloud_settings.ANGLES``), never at import time, so that tests and
``override_settings`` see the current value. Each default is documented in
``docs/reference/settings.md``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

PREFIX = "WAGTAIL_LFCLOUD_"

#: Where the documentation is read: system check hints and the house rules' source link here,
#: since an installed package has no ``docs/`` folder to point to.
DOCS_URL = "https://github.com/lfcloud/wagtail-lfcloud/blob/main/docs/"


def docs_url(page: str) -> str:
    """The online address of a documentation page, e.g. ``docs_url("how-to/production.md#storage")``."""
    return DOCS_URL + page


DEFAULTS: dict[str, Any] = {
    # --- catalog and naming -------------------------------------------------------------
    #: Template for the file names of uploaded masters. Placeholders: sku, period, angle, ext.
    "MASTER_NAME_TEMPLATE": "{sku}_{period}_{angle}.{ext}",
    #: Template for exported channel files (downloads, bundles). Adds ``{channel}``.
    "EXPORT_NAME_TEMPLATE": "{sku}_{period}_{angle}_{channel}.{ext}",
    #: The angle vocabulary. Uploads naming another angle are refused.
    "ANGLES": [
        "front",
        "back",
        "side",
        "left",
        "right",
        "top",
        "bottom",
        "detail",
        "detail2",
        "detail3",
        "threequarter",
        "packshot",
        "lifestyle",
        "model",
        "flat",
        "inside",
    ],
    #: Video deliverables an order line can ask for next to its angles (key -> label). Keys follow
    #: the angle rules (a-z, 0-9, hyphen) and name the uploaded clip like an angle:
    #: ``SKU12345_2025-10_turntable-15s.mp4``. docs/how-to/video.md
    "VIDEO_DELIVERABLES": {
        "turntable-15s": "15 s turntable",
        "social-9x16": "9:16 social cut",
    },
    #: File extensions accepted for clips (lower case, no dot).
    "VIDEO_EXTENSIONS": ["mp4", "mov", "m4v"],
    #: Video codecs (FFmpeg names) accepted in uploaded clips.
    "VIDEO_CODECS": ["h264", "hevc", "prores"],
    #: Largest clip accepted, in bytes.
    "VIDEO_MAX_BYTES": 1024 * 1024 * 1024,
    #: Longest clip accepted, in seconds.
    "VIDEO_MAX_SECONDS": 180,
    #: Largest frame accepted (width or height, in pixels): bounds the memory of decoding.
    "VIDEO_MAX_DIMENSION": 4096,
    #: Video channel presets to add (key -> preset dict), override (built-in key -> the fields to
    #: change) or remove (built-in key -> None). See docs/reference/channels.md#video-channels.
    "VIDEO_CHANNELS": {},
    #: Longest one video task (a preview or a channel transcode) may run, in seconds. Each
    #: probe, poster frame and transcode runs in a child process that is stopped past it.
    "VIDEO_TASK_SECONDS": 900,
    #: Memory (address space, in bytes) one video step (probe, poster frame, transcode) may add
    #: to its worker's: the step runs in a child process limited to it, so a hostile or huge
    #: clip fails the step instead of the worker. ``None``: no memory limit (the time limit stays).
    "VIDEO_MEMORY_LIMIT": 2 * 1024 * 1024 * 1024,
    #: Longest side of the review player's preview (WebM, VP8 + Opus), in pixels.
    "VIDEO_PREVIEW_SIZE": 960,
    #: Longest file name (in characters, extension included) accepted or produced.
    "MAX_FILENAME_LENGTH": 100,
    #: File extensions accepted for masters (lower case, no dot).
    "UPLOAD_EXTENSIONS": ["jpg", "jpeg", "png", "tif", "tiff", "webp"],
    #: Largest decoded size of an uploaded image, in bytes: width x height x bands x bytes per
    #: sample, summed over all frames/pages, read from the header before anything is decoded.
    #: Bounds the memory previews and channel renditions need (docs/reference/settings.md).
    #: ``None`` turns the check off.
    "MAX_DECODED_BYTES": 400_000_000,
    #: Name of the top-level collection under which every brand's tree is created.
    "ROOT_COLLECTION_NAME": "LF Cloud",
    #: Names of the three stage collections inside a brand's tree.
    "STAGE_COLLECTION_NAMES": {"raw": "Raw", "finals": "Finals", "archive": "Archive"},
    # --- orders ---------------------------------------------------------------------------
    #: ISO 4217 codes an order or invoice may use.
    "CURRENCIES": ["EUR", "USD", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN", "CAD", "AUD", "JPY"],
    #: Currency preselected on new orders.
    "DEFAULT_CURRENCY": "EUR",
    #: File extensions (lower case, no dot) accepted as attachments on order messages.
    "ATTACHMENT_EXTENSIONS": [
        "pdf",
        "jpg",
        "jpeg",
        "png",
        "webp",
        "tif",
        "tiff",
        "txt",
        "csv",
        "xlsx",
        "docx",
        "zip",
    ],
    #: Largest attachment accepted on an order message, in bytes.
    "ATTACHMENT_MAX_BYTES": 20 * 1024 * 1024,
    #: How often (seconds) the order page asks for grid changes and new thread messages.
    "ORDER_GRID_POLL_SECONDS": 5,
    # --- channels ---------------------------------------------------------------------------
    #: Channel presets to add (key -> preset dict), override (built-in key -> dict of the
    #: fields to change) or remove (built-in key -> None). See docs/reference/channels.md.
    "CHANNELS": {},
    #: Encoder effort for channel renditions made by the pipeline (not by Wagtail's own
    #: get_rendition). A preset's "encoder" dict overrides these per channel.
    "CHANNEL_ENCODER": {
        "jpeg_progressive": False,
        "jpeg_optimize": True,
        "webp_method": 4,
        "avif_speed": 8,
        "png_optimize": True,
    },
    #: Threads a channel set renders with (resize, filters, encode and checks of independent
    #: outputs run side by side; at most this many outputs are in memory at once).
    #: None: one per core the process may use.
    "RENDITION_THREADS": None,
    #: Bytes the outputs of a channel set being rendered at once may weigh together (each output
    #: counted as three copies of its pixels at 4 bytes a pixel); one heavier than this renders
    #: alone (its resize still uses every thread). None: as much as the master's decode, at
    #: least 64 MB. More lets large outputs render side by side (a faster approval) for more
    #: memory (docs/explanation/performance.md).
    "RENDITION_MEMORY": None,
    #: Uploads straight to S3 (docs/how-to/direct-uploads.md): None offers them whenever the
    #: default storage is S3 with presigned URLs; False never.
    "DIRECT_UPLOADS": None,
    #: Files above this many bytes go as an S3 multipart upload (parts sent in parallel).
    "DIRECT_UPLOAD_MULTIPART_THRESHOLD": 16 * 1024 * 1024,
    #: Bytes per part of a multipart upload (S3: 5 MiB at least).
    "DIRECT_UPLOAD_PART_SIZE": 8 * 1024 * 1024,
    #: Seconds the presigned upload URLs stay valid.
    "DIRECT_UPLOAD_URL_EXPIRY": 3600,
    # --- access ------------------------------------------------------------------------------
    #: Seconds a signed URL (an original on S3, a private preview or rendition) stays valid.
    "SIGNED_URL_EXPIRY": 300,
    #: STORAGES alias of the private storage: renditions of unapproved files (previews, thumbnails,
    #: review and compare images). Falls back to the default storage while the alias is not in STORAGES.
    "PRIVATE_STORAGE": "private",
    #: STORAGES alias where RenditionStorage writes renditions of approved finals (public, plain URLs).
    #: None: "renditions" if STORAGES has it, else "default".
    "PUBLIC_RENDITION_STORAGE": None,
    # --- headless API, bundles, webhooks ------------------------------------------------------
    #: Also mount the package's API router on Wagtail's v3 API (at ``lfcloud/``), in AppConfig.ready().
    "MOUNT_ON_WAGTAIL_API": False,
    #: Page size of API listings when the request gives no ``limit``.
    "API_DEFAULT_PAGE_SIZE": 20,
    #: Largest ``limit`` an API listing accepts; more is refused with a 400.
    "API_MAX_PAGE_SIZE": 100,
    #: Requests per token for GET/HEAD/OPTIONS ("1200/min"; s, min, hour, day); None: no limit.
    "API_READ_RATE": "1200/min",
    #: Requests per token for every other method; None: no limit.
    "API_WRITE_RATE": "120/min",
    #: ``Cache-Control: max-age`` (seconds) of the stable rendition URL's redirect.
    "STABLE_URL_MAX_AGE": 60,
    #: ``Retry-After`` (seconds) sent with a 202 while a missing rendition is being generated.
    "STABLE_URL_RETRY_AFTER": 30,
    #: Public signed rendition URLs (docs/how-to/cdn.md). Base of their absolute URLs, the CDN's
    #: address (``"https://images.example.com"``); None: ``WAGTAILADMIN_BASE_URL``.
    "PUBLIC_URL_BASE": None,
    #: ``Cache-Control: max-age`` of a public answer: how long browsers keep it (never purged).
    "PUBLIC_URL_MAX_AGE": 60,
    #: ``s-maxage`` of a public answer: how long a CDN keeps it. Used only when
    #: ``WAGTAILFRONTENDCACHE`` is configured (approvals purge it); otherwise ``PUBLIC_URL_MAX_AGE``.
    "PUBLIC_URL_CDN_MAX_AGE": 86400,
    #: Longest ``s-maxage`` of an expiring link (such links can't be listed, so are never purged).
    "PUBLIC_URL_EXPIRING_CDN_MAX_AGE": 300,
    #: Widths (px) the API serves responsive sizes of an approved image at (GET /responsive/...);
    #: no other width is ever generated, and none wider than the master.
    "RESPONSIVE_WIDTHS": [320, 480, 640, 768, 1024, 1280, 1600, 2048],
    #: The channel whose usage rights responsive sizes are judged by (they serve the web product
    #: page); rights that list channels without this one answer 451.
    "RESPONSIVE_RIGHTS_CHANNEL": "pdp_zoom",
    #: Most files one download bundle may hold; more is refused.
    "BUNDLE_MAX_FILES": 2000,
    #: Bundles with more files than this are built by a background task instead of streamed.
    "BUNDLE_ASYNC_THRESHOLD": 200,
    #: Attempts per webhook delivery before it is marked failed.
    "WEBHOOK_MAX_ATTEMPTS": 5,
    #: Delay before the first retry (seconds); doubles after each failed attempt.
    "WEBHOOK_BACKOFF_SECONDS": 30,
    #: Seconds to wait for a webhook receiver to connect, and then to answer.
    "WEBHOOK_TIMEOUT": 10,
    #: Networks (CIDR strings) webhooks may reach although they are not public, e.g.
    #: ``["127.0.0.1/32"]`` in development or an intranet receiver's subnet.
    "WEBHOOK_ALLOWED_NETWORKS": [],
    #: Host names allowed although they are internal names (``localhost``, ``*.internal``);
    #: their addresses must still be public or in ``WEBHOOK_ALLOWED_NETWORKS``.
    "WEBHOOK_ALLOWED_HOSTS": [],
    #: Runs of a channel set whose storage failed, first included, before it stays failed
    #: (retries need a task backend that supports run_after, e.g. django-tasks-db).
    "RENDITION_MAX_ATTEMPTS": 4,
    #: Delay before the first retry of such a channel set (seconds); doubles after each failure.
    "RENDITION_RETRY_SECONDS": 60,
    # --- usage rights ----------------------------------------------------------------------------
    #: Days before usage rights expire when the brand is warned (webhook asset.rights_expiring,
    #: email to the brand admins) and the dashboard lists them.
    "RIGHTS_EXPIRING_DAYS": 14,
    # --- usage insights ----------------------------------------------------------------------
    #: Count deliveries (stable URL, API, bundles, admin downloads) for the Usage view.
    "USAGE_COUNTING": True,
    #: How often each process writes its counts to the daily totals, in seconds (0: only at exit).
    "USAGE_FLUSH_SECONDS": 30,
    # --- emails --------------------------------------------------------------------------------
    #: Also mail every superuser when an asset waits for review (otherwise superusers are mailed
    #: only about brands where their roles make them reviewers).
    "NOTIFY_SUPERUSERS": False,
    #: Runs of an email task, first included, before recipients the mail server refused are given up
    #: (retries need a task backend that supports run_after, e.g. django-tasks-db).
    "EMAIL_MAX_ATTEMPTS": 3,
    #: Delay before the first retry of such an email (seconds); doubles after each failure.
    "EMAIL_RETRY_SECONDS": 60,
}


class LFCloudSettings:
    """Attribute access to ``WAGTAIL_LFCLOUD_*`` settings with package defaults."""

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown wagtail-lfcloud setting: {name}")
        return getattr(settings, PREFIX + name, DEFAULTS[name])


#: The one object through which the package reads its settings.
lfcloud_settings = LFCloudSettings()
