"""Uploads straight to S3: the bytes never pass through a web process.

1. :func:`start` checks what can be checked from the name and size (upload right, naming
   convention, SKU, ordered angle, extension, ``WAGTAILIMAGES_MAX_UPLOAD_SIZE``) and answers
   presigned URLs of a staging key in the originals' bucket: one ``PUT`` for a small file, or an
   S3 multipart upload of ``DIRECT_UPLOAD_PART_SIZE`` parts above ``DIRECT_UPLOAD_MULTIPART_THRESHOLD``.
2. The client sends the bytes to S3 (in parallel parts, with progress), then calls
   :func:`complete` with the parts' ETags.
3. :func:`register` (a task on the previews queue) reads the object back and hands it to
   :func:`~wagtail_lfcloud.assets.uploads.upload_version`, the same checks as every upload (size,
   type, decoded-size limit, polyglot/unsafe content, duplicates): accepted, it becomes the new
   version; refused, nothing is created. The staging object is deleted either way.

An interrupted multipart upload is continued with :func:`instructions` (``resume=True``): S3
lists the parts it holds (:func:`uploaded_parts`) and the client sends only the others. The admin's
upload page (:mod:`wagtail_lfcloud.views.direct_uploads`) and the API both use this module.

Abandoned uploads (never completed, or completed and never registered) are cleaned by
``manage.py lfcloud_purge --abandoned-uploads`` (:func:`purge_abandoned`) and, as a safety net, by a
bucket lifecycle rule (docs/how-to/direct-uploads.md).
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import tempfile
from datetime import timedelta

from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from ..access.capabilities import has_capability
from ..background import queued
from ..conf import lfcloud_settings
from ..models import Brand, DirectUpload
from ..storage.privacy import PRIVATE_PREFIX, signs_urls
from .uploads import (
    UploadRefused,
    _max_upload_size,
    check_kind,
    is_clip_name,
    resolve_asset,
    upload_version,
)

logger = logging.getLogger(__name__)

#: Folder of staging objects in the originals' storage.
STAGING_FOLDER = PRIVATE_PREFIX + "uploads/"
#: S3's limits: parts of 5 MiB at least (but the last), at most 10,000 parts.
MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PARTS = 10_000
#: The largest object S3 holds (5 TiB): the limit when no upload size limit is set.
MAX_OBJECT_SIZE = 5 * 1024**4


def storage():
    """The storage originals go to (the default one)."""
    return storages["default"]


def available() -> bool:
    """Whether uploads can go straight to the storage: an S3 storage that presigns URLs."""
    if lfcloud_settings.DIRECT_UPLOADS is False:
        return False
    target = storage()
    return signs_urls(target) and hasattr(target, "bucket_name") and hasattr(target, "connection")


def _client():
    return storage().connection.meta.client


def _key(name: str) -> str:
    """The S3 key of the storage name ``name`` (the storage's ``location`` prefix included)."""
    return storage()._normalize_name(name)


def _bucket() -> str:
    return storage().bucket_name


def _expiry() -> int:
    return int(lfcloud_settings.DIRECT_UPLOAD_URL_EXPIRY)


def start(*, user, brand: Brand, filename: str, size: int, content_type: str = "") -> DirectUpload:
    """Open a direct upload of ``filename`` (``size`` bytes). Raises ``UploadRefused``."""
    if not available():
        raise UploadRefused(
            "not_available",
            _(
                "Uploads straight to storage need S3 storage; send the file to the upload URL instead."
            ),
        )
    name = os.path.basename(filename or "")
    if not has_capability(user, brand, "upload"):
        raise UploadRefused(
            "permission", _("You may not upload files for %(brand)s.") % {"brand": brand.name}
        )
    # The naming convention, the SKU, the ordered angle and photo-or-clip, before any byte.
    asset, _period = resolve_asset(name, brand)
    clip = is_clip_name(name)
    ext = os.path.splitext(name)[1].lstrip(".").lower()
    allowed = [
        e.lower() for e in [*lfcloud_settings.UPLOAD_EXTENSIONS, *lfcloud_settings.VIDEO_EXTENSIONS]
    ]
    if ext not in allowed:
        raise UploadRefused(
            "not_image",
            _("%(name)s is not one of the accepted file types (%(types)s).")
            % {"name": name, "types": ", ".join(allowed)},
        )
    check_kind(asset, name, clip)
    maximum = int(lfcloud_settings.VIDEO_MAX_BYTES) if clip else _max_upload_size()
    if size is None or size <= 0:
        raise UploadRefused("not_image", _("%(name)s is empty.") % {"name": name})
    maximum = min(maximum, MAX_OBJECT_SIZE) if maximum else MAX_OBJECT_SIZE
    if size > maximum:
        raise UploadRefused(
            "too_large",
            _("%(name)s is %(size)s; the most is %(max)s.")
            % {"name": name, "size": filesizeformat(size), "max": filesizeformat(maximum)},
        )
    key = f"{STAGING_FOLDER}{secrets.token_hex(16)}/{name}"
    upload = DirectUpload(
        brand=brand,
        user=user if getattr(user, "pk", None) else None,
        filename=name,
        size=size,
        content_type=content_type[:100],
        key=key,
    )
    if size > int(lfcloud_settings.DIRECT_UPLOAD_MULTIPART_THRESHOLD):
        part_size = max(
            int(lfcloud_settings.DIRECT_UPLOAD_PART_SIZE),
            MIN_PART_SIZE,
            math.ceil(size / MAX_PARTS),
        )
        created = _client().create_multipart_upload(
            Bucket=_bucket(),
            Key=_key(key),
            **({"ContentType": content_type} if content_type else {}),
        )
        upload.multipart_id = created["UploadId"]
        upload.part_size = part_size
    upload.save()
    return upload


def uploaded_parts(upload: DirectUpload) -> list[dict]:
    """The parts of a multipart upload S3 already holds whole (``ListParts``), by number:
    ``[{"number": 1, "etag": "..."}, ...]``; empty for a single-PUT upload.

    A part counts when S3 has all of its bytes (``part_size``, or the rest of the file for the
    last one); S3 only keeps a part once its ``PUT`` has ended, so an interrupted one is absent.
    Raises ``UploadRefused`` (code ``aborted``), and marks the upload abandoned, when S3 no longer
    knows the multipart upload (a lifecycle rule or another process aborted it).
    """
    if not upload.multipart_id:
        return []
    client = _client()
    count = math.ceil(upload.size / upload.part_size)
    last_size = upload.size - (count - 1) * upload.part_size
    found = []
    paginator = client.get_paginator("list_parts")
    try:
        for page in paginator.paginate(
            Bucket=_bucket(), Key=_key(upload.key), UploadId=upload.multipart_id
        ):
            for part in page.get("Parts", []):
                number = part["PartNumber"]
                expected = last_size if number == count else upload.part_size
                if 1 <= number <= count and part["Size"] == expected:
                    found.append({"number": number, "etag": part["ETag"]})
    except client.exceptions.NoSuchUpload:
        message = _("The storage no longer holds this upload's parts; send the file again.")
        # Only while still being sent: a complete() that just closed it in S3 must stand.
        DirectUpload.objects.filter(pk=upload.pk, status=DirectUpload.Status.STARTED).update(
            status=DirectUpload.Status.ABORTED,
            error_code="aborted",
            error=message,
            finished_at=timezone.now(),
        )
        upload.refresh_from_db()
        raise UploadRefused("aborted", message) from None
    return sorted(found, key=lambda p: p["number"])


def instructions(upload: DirectUpload, *, resume: bool = False) -> dict:
    """What the client does next: presigned URLs, valid ``DIRECT_UPLOAD_URL_EXPIRY`` seconds.

    ``resume``: continue an interrupted multipart upload: ``uploaded`` lists the parts S3 already
    holds (:func:`uploaded_parts`, with their ETags for :func:`complete`) and ``parts`` only the
    missing ones.
    """
    client, bucket, key = _client(), _bucket(), _key(upload.key)
    data: dict = {"id": upload.pk, "status": upload.status, "expires_in": _expiry()}
    if not upload.multipart_id:
        params = {"Bucket": bucket, "Key": key}
        if upload.content_type:
            params["ContentType"] = upload.content_type
        data.update(
            method="PUT",
            url=client.generate_presigned_url("put_object", Params=params, ExpiresIn=_expiry()),
            headers={"Content-Type": upload.content_type} if upload.content_type else {},
            part_size=None,
            parts=[],
        )
        return data
    count = math.ceil(upload.size / upload.part_size)
    done = uploaded_parts(upload) if resume else []
    skip = {p["number"] for p in done}
    if resume:
        data["uploaded"] = done
    data.update(
        method="PUT",
        url=None,
        headers={},
        part_size=upload.part_size,
        parts=[
            {
                "number": n,
                "url": client.generate_presigned_url(
                    "upload_part",
                    Params={
                        "Bucket": bucket,
                        "Key": key,
                        "UploadId": upload.multipart_id,
                        "PartNumber": n,
                    },
                    ExpiresIn=_expiry(),
                ),
            }
            for n in range(1, count + 1)
            if n not in skip
        ],
    )
    return data


def complete(upload: DirectUpload, parts: list[dict] | None = None) -> DirectUpload:
    """The client sent every byte: close the multipart upload and queue :func:`register`.

    ``parts``: ``[{"number": 1, "etag": "..."}, ...]`` for a multipart upload. Raises
    ``UploadRefused`` (code ``incomplete``) when S3 does not have the object the client claims.

    Safe to call twice at once (a double click, a client or proxy retrying): the row is locked
    while the upload is closed, so only the first call queues the check; the other one finds it
    done and answers the same state.
    """
    with transaction.atomic():
        locked = DirectUpload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != DirectUpload.Status.STARTED:
            return locked
        _close(locked, parts)
        locked.status = DirectUpload.Status.UPLOADED
        locked.save(update_fields=["status"])
        from .tasks import register_direct_upload  # cycle: tasks import this module

        upload_id = locked.pk
        transaction.on_commit(lambda: queued(register_direct_upload).enqueue(upload_id))
    return locked


def _close(upload: DirectUpload, parts: list[dict] | None) -> None:
    """Put a multipart upload's parts together (nothing to do for a single PUT)."""
    if not upload.multipart_id:
        return
    client, bucket, key = _client(), _bucket(), _key(upload.key)
    expected = math.ceil(upload.size / upload.part_size)
    given = sorted({int(p["number"]): str(p["etag"]) for p in parts or []}.items())
    if [n for n, _etag in given] != list(range(1, expected + 1)):
        raise UploadRefused(
            "incomplete",
            _("Send the ETag of each of the %(count)d parts (numbers 1 to %(count)d).")
            % {"count": expected},
        )
    try:
        client.complete_multipart_upload(
            Bucket=bucket,
            Key=key,
            UploadId=upload.multipart_id,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in given]},
        )
    except client.exceptions.ClientError as exc:
        raise UploadRefused(
            "incomplete",
            _("The storage could not put the parts together: %(error)s")
            % {"error": exc.response.get("Error", {}).get("Message", str(exc))},
        ) from exc


def _refuse(upload: DirectUpload, code: str, message: str) -> None:
    upload.status = DirectUpload.Status.REFUSED
    upload.error_code = code
    upload.error = message


def _read_back(client, bucket: str, key: str, etag: str, size: int, out) -> bool:
    """Copy the object ``key`` whose ETag is ``etag`` into ``out``; False when it is another
    object now (replaced since it was measured) or not ``size`` bytes long."""
    try:
        body = client.get_object(Bucket=bucket, Key=key, IfMatch=etag)["Body"]
    except client.exceptions.ClientError:
        return False
    copied = 0
    try:
        for chunk in iter(lambda: body.read(1024 * 1024), b""):
            copied += len(chunk)
            if copied > size:
                return False
            out.write(chunk)
    finally:
        body.close()
    return copied == size


def register(upload_id: int) -> str:
    """Read the sent object back, run every upload check and make the version (task body).

    Returns the upload's new status. The staging object is deleted once the outcome is recorded,
    so a refused file leaves neither a version nor an object; a check that fails before that (the
    database gone) leaves it for the check run again (or ``lfcloud_purge``).
    """
    upload = DirectUpload.objects.select_related("brand", "user").get(pk=upload_id)
    if upload.status != DirectUpload.Status.UPLOADED:
        return upload.status
    client, bucket, key = _client(), _bucket(), _key(upload.key)
    recorded = False
    try:
        try:
            head = client.head_object(Bucket=bucket, Key=key)
        except client.exceptions.ClientError:
            head = None
        if head is None:
            _refuse(upload, "incomplete", _("Nothing arrived in the storage for this upload."))
        elif head["ContentLength"] != upload.size:
            _refuse(
                upload,
                "incomplete",
                _("%(got)s arrived, %(want)s were announced; send the file again.")
                % {"got": head["ContentLength"], "want": upload.size},
            )
        else:
            with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as spool:
                # The very object just measured, and no more than the announced bytes: the
                # presigned URL still works, so the client may have sent other bytes since.
                if not _read_back(client, bucket, key, head["ETag"], upload.size, spool):
                    _refuse(
                        upload,
                        "incomplete",
                        _("The file changed in the storage while it was checked; send it again."),
                    )
                else:
                    spool.seek(0)
                    file = UploadedFile(
                        spool,
                        name=upload.filename,
                        content_type=upload.content_type or None,
                        size=upload.size,
                    )

                    def record(version) -> None:
                        # In the version's own transaction: a check stopped after it (a worker
                        # killed, the database gone) never leaves a version whose upload still
                        # looks unchecked, which a second run would refuse as its own duplicate.
                        updated = DirectUpload.objects.filter(
                            pk=upload.pk, status=DirectUpload.Status.UPLOADED
                        ).update(
                            status=DirectUpload.Status.REGISTERED,
                            version=version,
                            finished_at=timezone.now(),
                        )
                        if not updated:  # given up meanwhile (aborted, purged): no version
                            raise UploadRefused(
                                "aborted",
                                _(
                                    "The upload was given up while it was checked; nothing "
                                    "was kept."
                                ),
                            )

                    try:
                        result = upload_version(
                            file,
                            brand=upload.brand,
                            user=upload.user,
                            filename=upload.filename,
                            on_created=record,
                        )
                    except UploadRefused as exc:
                        _refuse(upload, exc.code, str(exc))
                    else:
                        upload.version = result.version
                        upload.status = DirectUpload.Status.REGISTERED
        # Recorded before the staging object goes, and only on an upload still being checked: a
        # second run of the check (a job run again) never turns a registered upload into a refused
        # one ("nothing arrived", "duplicate" of the version the first run made).
        DirectUpload.objects.filter(pk=upload.pk, status=DirectUpload.Status.UPLOADED).update(
            status=upload.status,
            error=upload.error,
            error_code=upload.error_code,
            version=upload.version,
            finished_at=timezone.now(),
        )
        recorded = True
    finally:
        # Only once the outcome is recorded: a check that failed before (the database gone
        # before the version committed) would otherwise be refused as "nothing arrived" when run
        # again. What the check leaves is deleted by lfcloud_purge.
        if recorded or _outcome_recorded(upload.pk):
            try:
                client.delete_object(Bucket=bucket, Key=key)
            except Exception:  # noqa: BLE001 - purge_abandoned deletes it later
                logger.exception("Could not delete the staging object %s", upload.key)
    upload.refresh_from_db()
    return upload.status


def _outcome_recorded(upload_id: int) -> bool:
    """Whether the upload's check has recorded an outcome (False if that cannot be known)."""
    try:
        return not DirectUpload.objects.filter(
            pk=upload_id, status=DirectUpload.Status.UPLOADED
        ).exists()
    except Exception:  # noqa: BLE001 - the database may be what failed
        return False


def abort(upload: DirectUpload) -> None:
    """Give up an upload: S3 drops its parts, the staging object goes."""
    client, bucket, key = _client(), _bucket(), _key(upload.key)
    if upload.multipart_id:
        try:
            client.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload.multipart_id)
        except client.exceptions.ClientError:
            pass  # already completed or aborted
    client.delete_object(Bucket=bucket, Key=key)
    upload.status = DirectUpload.Status.ABORTED
    upload.finished_at = timezone.now()
    upload.save(update_fields=["status", "finished_at"])


def purge_abandoned(older_than: timedelta, *, dry_run: bool = False) -> list[str]:
    """Abort multipart uploads and delete staging objects started more than ``older_than`` ago.

    Looks at the bucket itself (so uploads opened by any process, or whose row is gone, are
    found), and marks their rows abandoned. Returns the keys cleaned.
    """
    if not available():
        return []
    cutoff = timezone.now() - older_than
    client, bucket = _client(), _bucket()
    prefix = _key(STAGING_FOLDER)
    cleaned: list[str] = []
    # A row's start time wins over S3's Initiated (some S3 implementations report a fixed one).
    started = {
        _key(key): created
        for key, created in DirectUpload.objects.filter(key__startswith=STAGING_FOLDER).values_list(
            "key", "created_at"
        )
    }
    paginator = client.get_paginator("list_multipart_uploads")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Uploads", []):
            if started.get(item["Key"], item["Initiated"]) < cutoff:
                cleaned.append(item["Key"])
                if not dry_run:
                    client.abort_multipart_upload(
                        Bucket=bucket, Key=item["Key"], UploadId=item["UploadId"]
                    )
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if item["LastModified"] < cutoff:
                cleaned.append(item["Key"])
                if not dry_run:
                    client.delete_object(Bucket=bucket, Key=item["Key"])
    if not dry_run:
        DirectUpload.objects.filter(
            status__in=[DirectUpload.Status.STARTED, DirectUpload.Status.UPLOADED],
            created_at__lt=cutoff,
        ).update(status=DirectUpload.Status.ABORTED, finished_at=timezone.now())
    return sorted(set(cleaned))
