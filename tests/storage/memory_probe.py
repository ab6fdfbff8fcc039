"""Peak memory of one file going through the real entry points, in a fresh Python process.

``python -m tests.storage.memory_probe run PATH NAME`` uploads the file at PATH as NAME with
``upload_version`` (the request's validation), lets the immediate task backend run the preview
task (``generate_version_previews``: the thumbnail, the review image, the perceptual hash), then
builds every channel preset's rendition with ``build_channel_renditions`` (the approval task's
entry point), and prints JSON: the process's resident memory before the file was touched and its
peak while processing it (``/proc/self/status``; the peak is reset with ``clear_refs`` first so
Django's start-up does not count), the refusal if any, and what was made.

Environment: ``DJANGO_SETTINGS_MODULE=tests.settings``, ``LFCLOUD_TEST_DB=sqlite``,
``LFCLOUD_TEST_SQLITE_NAME`` (a copy of the migrated database), ``LFCLOUD_PROBE_MEDIA`` (the media
root), ``LFCLOUD_PROBE_MAX_DECODED_BYTES`` (the limit under test).
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM to the current RSS (Linux >= 4.0)
        return True
    except OSError:
        return False


def run(path: str, name: str) -> dict:
    from django.conf import settings
    from django.core.files import File
    from django.test import override_settings
    from wagtail.images import get_image_model

    from tests.factories import make_asset, make_brand, make_product, make_user
    from wagtail_lfcloud.assets.uploads import UploadRefused, upload_version
    from wagtail_lfcloud.channels.deliverables import build_channel_renditions
    from wagtail_lfcloud.channels.registry import get_presets
    from wagtail_lfcloud.models import Role

    settings.WAGTAIL_LFCLOUD_MAX_DECODED_BYTES = int(os.environ["LFCLOUD_PROBE_MAX_DECODED_BYTES"])
    settings.WAGTAIL_LFCLOUD_UPLOAD_EXTENSIONS = [
        "jpg",
        "jpeg",
        "png",
        "tif",
        "tiff",
        "webp",
        "gif",
    ]
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = None
    channels = sorted(get_presets())
    media = os.environ["LFCLOUD_PROBE_MEDIA"]
    storages = {
        **settings.STORAGES,
        # Private files next to the probe's media, never inside the repository tree.
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": os.path.join(os.path.dirname(media), "private")},
        },
    }
    with override_settings(MEDIA_ROOT=media, STORAGES=storages):
        brand = make_brand()
        asset = make_asset(make_product(brand, sku="SKU10001"), "front", channels=["ig_square"])
        user = make_user(brand=brand, role=Role.STUDIO)
        gc.collect()
        baseline = _status_kb("VmRSS")
        reset = _reset_peak()
        result: dict = {
            "baseline_kb": baseline,
            "peak_reset": reset,
            "refused": None,
            "message": "",
        }
        with open(path, "rb") as fh:
            try:
                uploaded = upload_version(File(fh, name=name), brand=brand, user=user)
            except UploadRefused as exc:
                result.update(refused=exc.code, message=str(exc))
                uploaded = None
        if uploaded is not None:
            version = uploaded.version
            result["after_upload_kb"] = _status_kb("VmHWM") - baseline if reset else None
            rows = build_channel_renditions(version, channels)
            Rendition = get_image_model().get_rendition_model()
            result.update(
                previews=sorted(
                    Rendition.objects.filter(image=version.image).values_list(
                        "filter_spec", flat=True
                    )
                ),
                channels={row.channel: row.status for row in rows},
                errors=[row.error for row in rows if row.error],
                perceptual_hash=type(version).objects.get(pk=version.pk).perceptual_hash,
            )
        result["peak_kb"] = (
            _status_kb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        )
        result["increase_kb"] = result["peak_kb"] - baseline
        del asset
    return result


if __name__ == "__main__":
    import django

    django.setup()
    if sys.argv[1] != "run":
        sys.exit(f"usage: python -m tests.storage.memory_probe run PATH NAME, not {sys.argv[1:]}")
    print("PROBE " + json.dumps(run(sys.argv[2], sys.argv[3])))
