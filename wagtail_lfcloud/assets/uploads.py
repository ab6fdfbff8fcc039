"""Uploading a file as the next version of its asset.

:func:`upload_version` is the one way files enter review, used by the admin upload screens and
anything else (an API, a hot folder). It either creates everything (image, version, revision,
workflow) or nothing: every refusal raises :class:`UploadRefused` with a message the uploader can
act on, before anything is written, and a failure after the file was stored deletes the file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
import warnings
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.images.fields import WagtailImageField
from wagtail.log_actions import log
from wagtail.models import TaskState

from .. import signals
from ..access.capabilities import has_capability
from ..background import queued
from ..catalog.library import collection_for_product
from ..catalog.naming import NamingError, parse_name
from ..channels.errors import ImageTooLargeError
from ..channels.file_safety import DamagedFile, UnsafeFile, check_embedded_content, file_bytes
from ..channels.imaging import FORMAT_EXTENSIONS, check_decoded_size
from ..conf import lfcloud_settings
from ..delivery.rights import inherit_order_rights
from ..models import Asset, AssetVersion, Brand, ComplianceTask, Product, VersionClip, VersionStatus
from ..storage import unguessable
from ..storage.locking import lock_asset, run_with_retry
from ..video import VideoUnavailable
from ..video.bounded import StepFailed, run_bounded
from ..video.probe import ClipRefused, inspect_clip, local_path
from ..video.tasks import make_clip_preview
from .tasks import generate_version_previews
from .workflows import close_open_review, compliance_warnings_of, version_for_task_state

logger = logging.getLogger(__name__)


class UploadRefused(ValueError):
    """The file was not accepted. ``str(error)`` says why; ``code`` is stable for programs.

    Codes: ``permission``, ``name``, ``sku``, ``not_ordered``, ``too_large`` (bytes, pixels or
    decoded size over a limit), ``not_image``, ``corrupt``, ``duplicate``, ``unsafe`` (an HTML/ZIP
    payload besides the image), ``storage`` (the file store failed; retrying may succeed); for
    clips also ``wrong_kind`` (a clip for a photo angle or a photo for a video deliverable),
    ``not_video``, ``codec``, ``too_long`` and ``no_video_support`` (PyAV is not installed); for
    uploads straight to S3 also ``incomplete`` and ``aborted`` (given up while it was checked).
    """

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class UploadResult:
    """What an accepted upload became."""

    version: AssetVersion
    asset: Asset
    #: The version's status right after submission: ``in_review``, or ``changes_requested`` when
    #: the automatic compliance check already sent it back.
    status: str
    #: What the uploader should read (e.g. the compliance check's reasons).
    message: str
    #: The compliance check's warnings (``"channel: message"``) when it passed with some.
    warnings: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        """How it went, for the uploader: ``failure`` (the compliance check sent it back),
        ``warning`` (in review, with compliance warnings) or ``success``."""
        if self.status == VersionStatus.CHANGES_REQUESTED:
            return "failure"
        return "warning" if self.warnings else "success"


def _max_upload_size() -> int | None:
    return getattr(settings, "WAGTAILIMAGES_MAX_UPLOAD_SIZE", 10 * 1024 * 1024)


def _sha1(file) -> str:
    digest = hashlib.sha1()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def _corrupt(name: str, exc: Exception) -> UploadRefused:
    return UploadRefused(
        "corrupt",
        _("%(name)s could not be read as an image: it looks damaged or incomplete (%(error)s).")
        % {"name": name, "error": exc},
    )


def _png_data_complete(data) -> None:
    """Inflate a PNG's pixel data to its end, keeping none of it: a truncated or damaged stream
    is found without holding the decoded image (hundreds of MB for a large master) in the request."""
    inflater = zlib.decompressobj()
    pos = 8
    with memoryview(data) as view:
        while pos + 8 <= len(data) and not inflater.eof:
            length, kind = struct.unpack_from(">I4s", data, pos)
            if kind == b"IEND":
                break
            if kind == b"IDAT":
                pending = view[pos + 8 : pos + 8 + length]
                while pending and not inflater.eof:
                    inflater.decompress(pending, 1 << 20)
                    pending = inflater.unconsumed_tail
            pos += 12 + length
    if not inflater.eof:
        raise ValueError("its pixel data stops before its end")


def _check_decodes(file, name: str, structure) -> None:
    """Refuse files whose pixels cannot be decoded (truncated or damaged), not only a bad header.

    Memory stays bounded by the decoded-size limit, and mostly far below it: JPEGs decode at 1/8
    scale, PNG data is inflated and dropped, other formats decode their first frame only.
    """
    file.seek(0)
    try:
        if structure is not None and structure.format == "png":
            with file_bytes(file) as data:
                _png_data_complete(data)
            return
        with PILImage.open(file) as image:
            # JPEGs decode at 1/8 scale: enough to reach the end of the data, far less memory.
            image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()
    except (
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        zlib.error,
        struct.error,
        PILImage.DecompressionBombError,
    ) as exc:
        raise _corrupt(name, exc) from exc
    finally:
        file.seek(0)


def _check_decoded_size(file, name: str) -> None:
    """Refuse images whose decoding (all frames) would take more than ``MAX_DECODED_BYTES``,
    from the header, before any pixel is decoded."""
    file.seek(0)
    try:
        with file_bytes(file) as data, PILImage.open(file) as image:
            check_decoded_size(image, data, name)
    except ImageTooLargeError as exc:
        raise UploadRefused(
            "too_large",
            _(
                "%(name)s is too large to process: %(reason)s. Upload a smaller export (fewer "
                "pixels, 8 bits per channel or a single frame)."
            )
            % {"name": name, "reason": str(exc).removeprefix(f"{name}: ")},
        ) from exc
    except (
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        struct.error,
        PILImage.DecompressionBombError,
    ) as exc:
        raise _corrupt(name, exc) from exc
    finally:
        file.seek(0)


class MasterImageField(WagtailImageField):
    """Wagtail's image field, checking the package's extensions (``WAGTAIL_LFCLOUD_UPLOAD_EXTENSIONS``,
    TIFF among them, which Wagtail's own list lacks) and that the file's format matches its extension."""

    #: The extension is checked by :meth:`check_image_file_format` against the package's list.
    default_validators: ClassVar[list] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_image_extensions = [e.lower() for e in lfcloud_settings.UPLOAD_EXTENSIONS]
        self.supported_formats_text = ", ".join(self.allowed_image_extensions).upper()
        self.error_messages["invalid_image_extension"] = _(
            "Not a supported image format. Supported formats: %(supported_formats)s."
        ) % {"supported_formats": self.supported_formats_text}

    def check_image_pixel_size(self, f):
        # Wagtail asks Willow for the size, and Willow's Pillow plugin decodes every pixel to
        # answer: hundreds of MB in the request for a tiny bomb. Pillow reads it from the header.
        source = f.image.f
        source.seek(0)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
                with PILImage.open(source) as image:
                    width, height = image.size
                    frames = max(1, getattr(image, "n_frames", 1) or 1)
        except PILImage.DecompressionBombError:
            pil_max = PILImage.MAX_IMAGE_PIXELS * 2
            raise ValidationError(
                self.error_messages["file_too_many_pixels"]
                % {
                    "num_pixels": _("unknown number"),
                    "max_pixels_count": min(self.max_image_pixels or pil_max, pil_max),
                },
                code="file_too_many_pixels",
            ) from None
        finally:
            source.seek(0)
        if self.max_image_pixels is not None and width * height * frames > self.max_image_pixels:
            raise ValidationError(
                self.error_messages["file_too_many_pixels"]
                % {
                    "num_pixels": width * height * frames,
                    "max_pixels_count": self.max_image_pixels,
                },
                code="file_too_many_pixels",
            )

    def check_image_file_format(self, f):
        extension = os.path.splitext(f.name)[1].lower()[1:]
        if extension not in self.allowed_image_extensions:
            raise ValidationError(
                self.error_messages["invalid_image_extension"], code="invalid_image_extension"
            )
        expected = next(
            (fmt for fmt, names in FORMAT_EXTENSIONS.items() if extension in names), extension
        )
        if f.image.format_name != expected:
            raise ValidationError(
                self.error_messages["invalid_image_known_format"]
                % {"extension": expected, "image_format": f.image.format_name},
                code="invalid_image_known_format",
            )


def _validate_image(file, name: str) -> None:
    size = getattr(file, "size", None)
    limit = _max_upload_size()
    if limit is not None and size is not None and size > limit:
        raise UploadRefused(
            "too_large",
            _("%(name)s is %(size)s; the largest file accepted is %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)},
        )
    file.name = name
    try:
        MasterImageField().clean(file)
    except ValidationError as exc:
        code = exc.error_list[0].code if exc.error_list else ""
        reason = " ".join(exc.messages)
        if code == "file_too_large":
            raise UploadRefused("too_large", f"{name}: {reason}") from exc
        raise UploadRefused(
            "not_image",
            _("%(name)s is not an image we can accept: %(reason)s")
            % {"name": name, "reason": reason},
        ) from exc
    except (OSError, struct.error, ValueError) as exc:
        # Wagtail's field lets decoding errors of damaged files escape (e.g. a truncated PNG
        # raises OSError while it reads the size); they mean the same as a failed decode below.
        raise _corrupt(name, exc) from exc
    # Nothing is decoded before the decoded size is known to be within bounds.
    _check_decoded_size(file, name)
    try:
        structure = check_embedded_content(file, name)
    except DamagedFile as exc:
        raise _corrupt(name, exc) from exc
    except UnsafeFile as exc:
        raise UploadRefused("unsafe", str(exc)) from exc
    _check_decodes(file, name, structure)


def resolve_asset(name: str, brand: Brand) -> tuple[Asset, str]:
    """The asset a file name is for, and the name's period. Raises :class:`UploadRefused`."""
    try:
        parsed = parse_name(name)
    except NamingError as exc:
        raise UploadRefused("name", str(exc)) from exc
    product = Product.objects.filter(brand=brand, sku__iexact=parsed.sku).first()
    if product is None:
        # Same words whether or not another brand has this SKU: nothing about other brands leaks.
        raise UploadRefused(
            "sku",
            _(
                "%(brand)s has no product with SKU %(sku)s. Check the SKU in the file name, or upload it "
                "under the brand it belongs to."
            )
            % {"brand": brand.name, "sku": parsed.sku},
        )
    asset = Asset.objects.filter(product=product, angle=parsed.angle).first()
    if asset is None:
        ordered = list(
            Asset.objects.filter(product=product).order_by("angle").values_list("angle", flat=True)
        )
        raise UploadRefused(
            "not_ordered",
            _("The angle %(angle)s was not ordered for %(sku)s (ordered: %(ordered)s).")
            % {
                "angle": parsed.angle,
                "sku": product.sku,
                "ordered": ", ".join(ordered) or _("nothing yet"),
            },
        )
    return asset, parsed.period


def _duplicate_message(duplicate: AssetVersion, name: str) -> str:
    return _(
        "%(name)s is identical to version %(number)s of %(asset)s (uploaded as %(original)s); "
        "nothing was uploaded."
    ) % {
        "name": name,
        "number": duplicate.number,
        "asset": duplicate.asset,
        "original": duplicate.original_filename,
    }


def is_clip_name(name: str) -> bool:
    """Whether ``name``'s extension is one of ``WAGTAIL_LFCLOUD_VIDEO_EXTENSIONS``."""
    ext = os.path.splitext(name)[1].lower()[1:]
    return ext in [e.lower() for e in lfcloud_settings.VIDEO_EXTENSIONS]


@dataclass
class _Clip:
    """A probed clip about to be stored: its facts and its poster frame."""

    info: object
    poster: bytes
    poster_time: float


def check_kind(asset: Asset, name: str, clip: bool) -> None:
    """Refuse a clip for a photo deliverable, or a photo for a video deliverable."""
    if clip and not asset.is_video:
        raise UploadRefused(
            "wrong_kind",
            _("%(name)s is a video clip, but %(asset)s is a photo deliverable: upload an image.")
            % {"name": name, "asset": asset},
        )
    if not clip and asset.is_video:
        raise UploadRefused(
            "wrong_kind",
            _(
                "%(name)s is an image, but %(asset)s is a video deliverable: upload the clip "
                "(%(extensions)s)."
            )
            % {
                "name": name,
                "asset": asset,
                "extensions": ", ".join("." + e for e in lfcloud_settings.VIDEO_EXTENSIONS),
            },
        )


def _validate_clip(file, name: str) -> _Clip:
    """Probe the clip and take its poster frame, or raise :class:`UploadRefused`."""
    # In a child process bounded in memory and time (video/bounded.py): a hostile clip fails
    # its upload, never the web worker.
    try:
        with local_path(file) as path:
            info, at, poster = run_bounded(
                inspect_clip,
                path,
                name,
                seconds=lfcloud_settings.VIDEO_TASK_SECONDS,
                what=_("Reading %(name)s") % {"name": name},
            )
    except ClipRefused as exc:
        raise UploadRefused(exc.code, str(exc)) from exc
    except VideoUnavailable as exc:
        raise UploadRefused("no_video_support", str(exc)) from exc
    except StepFailed as exc:
        raise UploadRefused("too_large", str(exc)) from exc
    finally:
        file.seek(0)
    return _Clip(info=info, poster=poster, poster_time=at)


def upload_version(
    file,
    *,
    brand: Brand,
    user,
    filename: str | None = None,
    on_created: Callable[[AssetVersion], None] | None = None,
) -> UploadResult:
    """Store ``file`` as the next version of the asset its name points to and submit it for review.

    ``file`` is an uploaded file (or any Django ``File``); ``filename`` overrides its name (e.g. the
    name inside a dropped folder). The name follows the naming convention
    (``SKU12345_2025-10_front.jpg``): the SKU must be a product of ``brand`` and the angle must have
    been ordered. Raises :class:`UploadRefused`, with nothing created, for: no "upload" capability on
    the brand, a bad name, an unknown SKU, an angle not ordered, a file over
    ``WAGTAILIMAGES_MAX_UPLOAD_SIZE``, a non-image, a damaged image, or an exact duplicate of an
    existing version of the asset.

    The new version is numbered under a row lock on the asset, taken first as the lock order in
    :mod:`~wagtail_lfcloud.storage.locking` says (concurrent uploads get distinct numbers; a deadlock or
    serialization failure runs the transaction again, when this call owns it), any review still open on an older version is cancelled (that version is superseded,
    kept), and the asset's workflow is started for the new version. ``signals.version_uploaded`` is
    sent once the transaction commits. ``on_created(version)``, if given, runs in that transaction
    once the version exists: what it records commits with the version or not at all (a direct
    upload's registration, :func:`~wagtail_lfcloud.assets.direct.register`).
    """
    raw_name = filename or getattr(file, "name", "") or ""
    if ".." in raw_name.replace("\\", "/").split("/"):
        raise UploadRefused(
            "name",
            _("The file name %(name)s points outside its folder ('..'); give the bare file name.")
            % {"name": repr(raw_name)},
        )
    name = os.path.basename(raw_name)
    if not has_capability(user, brand, "upload"):
        raise UploadRefused(
            "permission", _("You may not upload files for %(brand)s.") % {"brand": brand.name}
        )
    asset, period = resolve_asset(name, brand)
    clip = is_clip_name(name)
    check_kind(asset, name, clip)
    probed = _validate_clip(file, name) if clip else None
    if probed is None:
        _validate_image(file, name)
    file_hash = _sha1(file)

    Image = get_image_model()

    def store_and_submit():
        # One attempt, in its own transaction (retried whole on a deadlock or serialization failure).
        stored: list[tuple] = []  # (storage, name) of every file written
        try:
            # The lock order (locking.py): the asset row first, before any version, workflow or revision row.
            locked = lock_asset(asset.pk)
            locked = Asset.objects.select_related("product__brand").get(pk=locked.pk)
            duplicate = locked.versions.filter(file_hash=file_hash).first()
            if duplicate is not None:
                raise UploadRefused("duplicate", _duplicate_message(duplicate, name))
            number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1

            image = Image(
                title=f"{locked.product.sku} {locked.angle} v{number}",
                collection=collection_for_product(locked.product, "raw"),
                uploaded_by_user=user,
            )
            file.seek(0)
            # A clip's version image is its poster frame; the clip itself is stored below.
            # Stored without the content type the sender claimed (a browser's part header, a
            # direct upload's declared type): the storage types it by its name, so S3 never
            # serves an original as, say, text/html.
            image_file = File(file, name=name)
            image_name = name
            if probed is not None:
                image_name = os.path.splitext(name)[0] + "_poster.jpg"
                image_file = ContentFile(probed.poster, name=image_name)
            try:
                # An unguessable stored name: the original and every rendition named after it (DESIGN 11).
                image.file.save(unguessable(image_name), image_file, save=False)
                stored.append((image.file.storage, image.file.name))
                if probed is not None:
                    clip_row = VersionClip(**_clip_fields(probed))
                    file.seek(0)
                    clip_row.file.save(unguessable(name), File(file, name=name), save=False)
                    stored.append((clip_row.file.storage, clip_row.file.name))
            except (
                Exception
            ) as exc:  # any storage backend's failure (S3 down, bucket gone, disk full)
                logger.exception("Storing %s failed", name)
                raise UploadRefused(
                    "storage",
                    _(
                        "%(name)s could not be stored: the file storage did not accept it (%(error)s). "
                        "Nothing was uploaded; please try again in a moment."
                    )
                    % {"name": name, "error": exc},
                ) from exc
            image._set_image_file_metadata()
            image.save()

            close_open_review(locked, user=user)
            version = AssetVersion.objects.create(
                asset=locked,
                number=number,
                image=image,
                status=VersionStatus.IN_REVIEW,
                period=period,
                original_filename=name,
                file_hash=file_hash,
                uploaded_by=user,
            )
            if probed is not None:
                clip_row.version = version
                clip_row.save()
            locked.submitted_version = version
            locked.save(update_fields=["submitted_version", "updated_at"])
            inherit_order_rights(locked, user)
            locked.save_revision(user=user, log_action=True, clean=False)
            log(
                locked,
                "wagtail_lfcloud.version_uploaded",
                user=user,
                data={"version": number, "version_id": version.pk, "file": name},
            )
            workflow = locked.get_workflow()
            if workflow is not None:
                workflow.start(locked, user)
            else:
                logger.warning(
                    "No workflow is assigned to assets; %s v%s waits without review.",
                    locked,
                    number,
                )

            version.refresh_from_db()
            if on_created is not None:
                on_created(version)
            version_id = version.pk
            transaction.on_commit(lambda: _after_upload(version_id, user))
            return locked, version
        except BaseException:
            # The file reached storage before the database failed (or refused): don't leave it behind.
            for storage, stored_name in stored:
                try:
                    storage.delete(stored_name)
                except Exception:  # noqa: BLE001
                    logger.exception("Could not delete %s after a failed upload", stored_name)
            raise

    _asset, version = run_with_retry(store_and_submit)
    return result_of(version)


def result_of(version: AssetVersion) -> UploadResult:
    """What the upload of ``version`` became, as the uploader is told (status, message, warnings).

    Also for uploads registered later by a task (:func:`~wagtail_lfcloud.assets.direct.register`).
    """
    cautions = _compliance_warnings(version)
    return UploadResult(
        version=version,
        asset=version.asset,
        status=version.status,
        message=_result_message(version, cautions),
        warnings=cautions,
    )


def _clip_fields(probed: _Clip) -> dict:
    info = probed.info
    return {
        "container": info.container,
        "video_codec": info.video_codec,
        "audio_codec": info.audio_codec,
        "width": info.width,
        "height": info.height,
        "fps": info.fps,
        "duration": info.duration,
        "frames": info.frames,
        "bitrate": info.bitrate,
        "bytes": info.bytes,
        "poster_time": probed.poster_time,
    }


def _compliance_warnings(version: AssetVersion) -> list[str]:
    """The warnings of the compliance step that passed this version (its latest revision's)."""
    if version.status != VersionStatus.IN_REVIEW:
        return []
    state = (
        TaskState.objects.for_instance(version.asset)
        .filter(task_id__in=ComplianceTask.objects.values("pk"))
        .select_related("revision")
        .order_by("-pk")
        .first()
    )
    if state is None:
        return []
    checked = version_for_task_state(state)
    if checked is None or checked.pk != version.pk:
        return []
    return compliance_warnings_of(state)


def _result_message(version: AssetVersion, cautions: list[str] = ()) -> str:
    if version.status == VersionStatus.CHANGES_REQUESTED:
        state = (
            TaskState.objects.for_instance(version.asset)
            .filter(status=TaskState.STATUS_REJECTED)
            .order_by("-finished_at", "-pk")
            .first()
        )
        reasons = state.comment if state else ""
        return _(
            "Uploaded as version %(n)s, but the channel compliance check requested changes: %(reasons)s"
        ) % {"n": version.number, "reasons": reasons}
    if cautions:
        return _(
            "Uploaded as version %(n)s of %(asset)s and sent for review, with warnings: "
            "%(warnings)s"
        ) % {"n": version.number, "asset": version.asset, "warnings": "; ".join(cautions)}
    return _("Uploaded as version %(n)s of %(asset)s and sent for review.") % {
        "n": version.number,
        "asset": version.asset,
    }


def _after_upload(version_id: int, user) -> None:
    queued(generate_version_previews).enqueue(version_id)
    if VersionClip.objects.filter(version_id=version_id).exists():
        queued(make_clip_preview).enqueue(version_id)
    version = AssetVersion.objects.select_related("asset").get(pk=version_id)
    signals.version_uploaded.send(sender=AssetVersion, version=version, user=user)
