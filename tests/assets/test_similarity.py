"""Near-duplicate detection: the same picture in other bytes is flagged, other pictures are not, and
another brand's files never are.

The photos are synthetic: shaded shapes placed by a seed on a white background, so two seeds are two
different products (different shapes in different places, not only other colours, which a greyscale
hash ignores) and one seed exported in other ways is the same photo.
"""

import io
import itertools
import logging
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image as PILImage
from PIL import ImageDraw, ImageEnhance, ImageFilter, ImageOps

from tests.factories import make_asset, make_image, make_product, make_user
from wagtail_lfcloud.assets import similarity
from wagtail_lfcloud.assets.previews import PREVIEW_SPECS
from wagtail_lfcloud.assets.similarity import (
    DEFAULT_MAX_DISTANCE,
    PerceptualHashError,
    hamming_distance,
    hash_version,
    perceptual_hash,
    similar_versions,
)
from wagtail_lfcloud.assets.tasks import generate_version_previews
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.models import AssetVersion, VersionStatus

# --- synthetic photos ------------------------------------------------------------------------


def photo(seed: int, size: tuple[int, int] = (1200, 800)) -> PILImage.Image:
    """A product photo: 2-4 shaded shapes with stripes, placed by ``seed``, and a floor shadow."""
    rng = random.Random(seed)
    w, h = size
    image = PILImage.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse([w * 0.2, h * 0.82, w * 0.8, h * 0.92], fill=(200, 200, 200))
    for _ in range(rng.randint(2, 4)):
        bw, bh = rng.uniform(0.15, 0.45) * w, rng.uniform(0.15, 0.5) * h
        x0 = w * rng.uniform(0.2, 0.8) - bw / 2
        y0 = h * rng.uniform(0.25, 0.75) - bh / 2
        box = [x0, y0, x0 + bw, y0 + bh]
        colour = tuple(rng.randint(20, 200) for _ in range(3))
        kind = rng.choice(["ellipse", "rect", "poly"])
        if kind == "ellipse":
            draw.ellipse(box, fill=colour)
        elif kind == "rect":
            draw.rounded_rectangle(box, radius=int(min(bw, bh) * 0.2), fill=colour)
        else:
            points = [
                (rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3]))
                for _ in range(rng.randint(3, 6))
            ]
            draw.polygon(points, fill=colour)
        for _ in range(rng.randint(0, 4)):
            y = rng.uniform(box[1], box[3])
            draw.line(
                [(box[0] + bw * 0.1, y), (box[2] - bw * 0.1, y)],
                fill=tuple(max(0, c - 60) for c in colour),
                width=max(2, h // 100),
            )
    return image.filter(ImageFilter.GaussianBlur(max(1, w // 1000)))


def encoded(image: PILImage.Image, fmt: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **({"quality": 92} if fmt == "JPEG" else {}) | options)
    return buffer.getvalue()


def phash(data: bytes) -> str:
    return perceptual_hash(io.BytesIO(data))


def exif_rotated(image: PILImage.Image) -> bytes:
    """Pixels stored sideways with EXIF orientation 6, as cameras save portrait shots."""
    exif = PILImage.Exif()
    exif[0x0112] = 6
    return encoded(image.rotate(90, expand=True), exif=exif.tobytes())


#: The same photo, exported again: what a studio re-uploads by mistake.
REEXPORTS = {
    "jpeg-q50": lambda im: encoded(im, quality=50),
    "jpeg-q75-progressive": lambda im: encoded(im, quality=75, progressive=True),
    "png": lambda im: encoded(im, "PNG"),
    "webp": lambda im: encoded(im, "WEBP", quality=80),
    "resized-50%": lambda im: encoded(
        im.resize((im.width // 2, im.height // 2), PILImage.Resampling.LANCZOS)
    ),
    "brightened-10%": lambda im: encoded(ImageEnhance.Brightness(im).enhance(1.1)),
    "darkened-10%": lambda im: encoded(ImageEnhance.Brightness(im).enhance(0.9)),
    "contrast+20%": lambda im: encoded(ImageEnhance.Contrast(im).enhance(1.2)),
    "sharpened": lambda im: encoded(im.filter(ImageFilter.UnsharpMask(2, 80, 2))),
    "cropped-1%-a-side": lambda im: encoded(im.crop((12, 8, im.width - 12, im.height - 8))),
    "exif-rotated": exif_rotated,
}
SEEDS = range(8)


# --- the hash ----------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", REEXPORTS.values(), ids=REEXPORTS.keys())
def test_the_same_photo_exported_again_looks_the_same(variant):
    for seed in SEEDS:
        image = photo(seed)
        distance = hamming_distance(phash(encoded(image)), phash(variant(image)))
        assert distance <= DEFAULT_MAX_DISTANCE, (seed, distance)


def test_different_products_do_not_look_the_same():
    hashes = [phash(encoded(photo(seed))) for seed in range(16)]
    distances = [hamming_distance(a, b) for a, b in itertools.combinations(hashes, 2)]
    # Measured on this set: 16 bits apart at the least, 30 typically (re-exports above: 0-4).
    assert min(distances) > DEFAULT_MAX_DISTANCE, sorted(distances)[:5]


def test_left_and_right_views_do_not_look_the_same():
    image = photo(3)
    assert (
        hamming_distance(phash(encoded(image)), phash(encoded(ImageOps.mirror(image))))
        > DEFAULT_MAX_DISTANCE
    )


def test_a_24_megapixel_jpeg_is_decoded_small(monkeypatch):
    from PIL import JpegImagePlugin

    sizes = []
    draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = draft(self, mode, size)
        sizes.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    master = photo(5, size=(6000, 4000))
    value = phash(encoded(master))
    assert sizes == [(750, 500)]  # decoded at 1/8 scale, never at 6000x4000
    assert hamming_distance(value, phash(encoded(photo(5)))) <= DEFAULT_MAX_DISTANCE


def test_a_transparent_cutout_looks_like_the_same_product_on_white():
    image = photo(6)
    cutout = image.convert("RGBA")
    # Everything that is background becomes transparent black, as cut-outs are often saved.
    alpha = image.convert("L").point(lambda v: 0 if v > 250 else 255)
    cutout = PILImage.composite(cutout, PILImage.new("RGBA", image.size, (0, 0, 0, 0)), alpha)
    assert (
        hamming_distance(phash(encoded(image)), phash(encoded(cutout, "PNG")))
        <= DEFAULT_MAX_DISTANCE
    )


def test_a_16_bit_greyscale_png_looks_like_its_8_bit_copy():
    grey = photo(7).convert("L")
    sixteen = grey.convert("I").point(lambda v: v * 257).convert("I;16")
    assert hamming_distance(phash(encoded(grey, "PNG")), phash(encoded(sixteen, "PNG"))) <= 2


def test_a_damaged_file_raises_a_clear_error():
    with pytest.raises(PerceptualHashError):
        phash(encoded(photo(1))[:400])
    with pytest.raises(PerceptualHashError):
        phash(b"not an image")


def test_hamming_distance():
    assert hamming_distance("0123456789abcdef", "0123456789abcdef") == 0
    assert hamming_distance("0" * 16, "f" * 16) == 64
    assert hamming_distance("0" * 16, "0" * 15 + "3") == 2
    with pytest.raises(ValueError):
        hamming_distance("", "0" * 16)


# --- in the package --------------------------------------------------------------------------


def upload(brand, user, name: str, data: bytes, capture=None):
    """Upload as the studio would; with ``capture``, the on-commit background work runs too."""
    file = SimpleUploadedFile(
        name, data, content_type="image/png" if name.endswith(".png") else "image/jpeg"
    )
    if capture is None:
        return upload_version(file, brand=brand, user=user).version
    with capture(execute=True):
        version = upload_version(file, brand=brand, user=user).version
    version.refresh_from_db()
    return version


@pytest.fixture
def globex_studio(other_brand):
    return make_user("globex-studio", brand=other_brand, role="studio")


@pytest.fixture
def back(product):
    return make_asset(product, "back")


@pytest.fixture
def other_sku(brand, workflow):
    return make_asset(make_product(brand, "SKU12346"), "back")


@pytest.mark.django_db
def test_the_upload_hashes_the_version_in_the_background(
    brand, asset, studio, django_capture_on_commit_callbacks
):
    data = encoded(photo(1))
    version = upload(
        brand, studio, "SKU12345_2025-10_front.jpg", data, django_capture_on_commit_callbacks
    )
    assert version.perceptual_hash == phash(data)
    assert len(version.perceptual_hash) == 16


@pytest.mark.django_db
def test_saving_the_hash_changes_nothing_else(brand, asset, studio):
    version = upload(brand, studio, "SKU12345_2025-10_front.jpg", encoded(photo(1)))
    assert version.perceptual_hash == ""  # the background task has not run (no commit in this test)
    before = AssetVersion.objects.get(pk=version.pk)
    hash_version(version)
    after = AssetVersion.objects.get(pk=version.pk)
    assert after.perceptual_hash and after.status_changed_at == before.status_changed_at
    assert after.status == before.status


@pytest.mark.django_db
def test_a_hash_failure_is_logged_and_the_previews_are_kept(
    brand, asset, studio, monkeypatch, caplog
):
    version = upload(brand, studio, "SKU12345_2025-10_front.jpg", encoded(photo(1)))

    def storage_down(image):
        raise OSError("The file storage did not answer")

    monkeypatch.setattr(similarity, "image_perceptual_hash", storage_down)
    with caplog.at_level(logging.ERROR, logger="wagtail_lfcloud.assets.tasks"):
        previews = generate_version_previews.call(version.pk)
    assert len(previews) == len(PREVIEW_SPECS)
    assert version.image.renditions.count() == len(PREVIEW_SPECS)
    assert "No perceptual hash for version" in caplog.text and "did not answer" in caplog.text
    assert AssetVersion.objects.get(pk=version.pk).perceptual_hash == ""


@pytest.mark.django_db
def test_another_assets_photo_exported_again_is_found(
    brand, asset, other_sku, studio, django_capture_on_commit_callbacks
):
    image = photo(2)
    theirs = upload(
        brand,
        studio,
        "SKU12346_2025-10_back.jpg",
        encoded(image),
        django_capture_on_commit_callbacks,
    )
    smaller = image.resize((900, 600), PILImage.Resampling.LANCZOS)
    ours = upload(
        brand,
        studio,
        "SKU12345_2025-10_front.jpg",
        encoded(smaller, quality=60),
        django_capture_on_commit_callbacks,
    )
    matches = similar_versions(ours)
    assert [(m.version.pk, m.same_asset) for m in matches] == [(theirs.pk, False)]
    assert matches[0].distance <= DEFAULT_MAX_DISTANCE
    assert [m.version.pk for m in similar_versions(theirs)] == [ours.pk]


@pytest.mark.django_db
def test_a_different_photo_is_not_found(
    brand, asset, other_sku, studio, django_capture_on_commit_callbacks
):
    upload(
        brand,
        studio,
        "SKU12346_2025-10_back.jpg",
        encoded(photo(2)),
        django_capture_on_commit_callbacks,
    )
    ours = upload(
        brand,
        studio,
        "SKU12345_2025-10_front.jpg",
        encoded(photo(3)),
        django_capture_on_commit_callbacks,
    )
    assert similar_versions(ours) == []


@pytest.mark.django_db
def test_an_earlier_version_of_the_same_asset_is_labelled(
    brand, asset, studio, django_capture_on_commit_callbacks
):
    image = photo(4)
    v1 = upload(
        brand,
        studio,
        "SKU12345_2025-10_front.jpg",
        encoded(image),
        django_capture_on_commit_callbacks,
    )
    v2 = upload(
        brand,
        studio,
        "SKU12345_2025-11_front.jpg",
        encoded(ImageEnhance.Brightness(image).enhance(1.1)),
        django_capture_on_commit_callbacks,
    )
    matches = similar_versions(v2)
    assert [(m.version.number, m.same_asset) for m in matches] == [(v1.number, True)]


@pytest.mark.django_db
def test_another_brands_identical_photo_is_never_reported(
    brand, asset, studio, other_brand, globex_studio, workflow, django_capture_on_commit_callbacks
):
    data = encoded(photo(5))
    make_asset(make_product(other_brand, "SKU12345"), "front")  # even the same SKU and angle
    theirs = upload(
        other_brand,
        globex_studio,
        "SKU12345_2025-10_front.jpg",
        data,
        django_capture_on_commit_callbacks,
    )
    ours = upload(
        brand, studio, "SKU12345_2025-10_front.jpg", data, django_capture_on_commit_callbacks
    )
    assert ours.perceptual_hash == theirs.perceptual_hash
    # Not even when every version counts as a look-alike.
    assert similar_versions(ours, max_distance=64, limit=None) == []
    assert similar_versions(theirs, max_distance=64, limit=None) == []


@pytest.mark.django_db
def test_versions_without_a_hash_are_left_out(
    brand, asset, other_sku, studio, django_capture_on_commit_callbacks
):
    data = encoded(photo(2))
    pending = upload(
        brand, studio, "SKU12346_2025-10_back.jpg", data
    )  # its background task has not run
    ours = upload(
        brand, studio, "SKU12345_2025-10_front.jpg", data, django_capture_on_commit_callbacks
    )
    assert pending.perceptual_hash == ""
    assert similar_versions(ours, max_distance=64) == []
    assert similar_versions(pending) == []


@pytest.mark.django_db
def test_finding_look_alikes_takes_two_queries_however_many_versions(
    brand, workflow, django_assert_num_queries
):
    image = make_image()
    versions = []
    for i in range(40):
        asset = make_asset(make_product(brand, f"BULK{i:03d}"), "front")
        # Half of them one bit pair away from the first, the others far from it.
        value = "0f0f0f0f0f0f0f0f" if i % 2 == 0 else "f0f0f0f0f0f0f0f0"
        if i % 4 == 2:
            value = "0f0f0f0f0f0f0f0c"
        versions.append(
            AssetVersion(
                asset=asset,
                number=1,
                image=image,
                original_filename=f"{i}.png",
                perceptual_hash=value,
            )
        )
    AssetVersion.objects.bulk_create(versions)
    version = AssetVersion.objects.select_related("asset").get(asset__product__sku="BULK000")
    with django_assert_num_queries(2):
        matches = similar_versions(version, limit=None)
    assert len(matches) == 19
    assert [m.distance for m in matches[:10]] == [0] * 9 + [2]
    assert len(similar_versions(version)) == similarity.DEFAULT_LIMIT


# --- the review page ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_review_page_names_the_look_alike_and_links_to_it(
    client, brand, asset, other_sku, studio, approver, django_capture_on_commit_callbacks
):
    image = photo(2)
    theirs = upload(
        brand,
        studio,
        "SKU12346_2025-10_back.jpg",
        encoded(image),
        django_capture_on_commit_callbacks,
    )
    AssetVersion.objects.filter(pk=theirs.pk).update(status=VersionStatus.CURRENT)
    upload(
        brand,
        studio,
        "SKU12345_2025-10_front.jpg",
        encoded(image, quality=70),
        django_capture_on_commit_callbacks,
    )

    client.force_login(approver)
    page = client.get(
        reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk])
    ).content.decode()
    link = reverse("wagtail_lfcloud_admin:asset_review", args=[other_sku.pk]) + "?version=1"
    assert "data-lfcloud-look-alikes" in page
    assert (
        f'This file looks like <a href="{link}">SKU12346 · back · v1</a> (approved). '
        "Check it is the right photo for SKU12345 · front."
    ) in page
    assert "No visible difference" not in page

    # And the other way round, from the approved asset's page.
    other_page = client.get(link).content.decode()
    assert (
        "This file looks like" in other_page
        and "SKU12345 · front · v1</a> (in review)" in other_page
    )


@pytest.mark.django_db
def test_the_review_page_says_when_nothing_changed_since_an_earlier_version(
    client, brand, asset, studio, approver, django_capture_on_commit_callbacks
):
    image = photo(4)
    upload(
        brand,
        studio,
        "SKU12345_2025-10_front.jpg",
        encoded(image),
        django_capture_on_commit_callbacks,
    )
    upload(
        brand,
        studio,
        "SKU12345_2025-11_front.png",
        encoded(image, "PNG"),
        django_capture_on_commit_callbacks,
    )

    client.force_login(approver)
    page = client.get(
        reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk])
    ).content.decode()
    compare = reverse("wagtail_lfcloud_admin:asset_compare", args=[asset.pk])
    assert f'No visible difference from v1 (<a href="{compare}?a=1&amp;b=2">compare</a>).' in page
    assert "data-lfcloud-look-alikes" not in page


@pytest.mark.django_db
def test_the_review_page_is_quiet_about_other_photos_and_other_brands(
    client,
    brand,
    asset,
    other_sku,
    studio,
    approver,
    other_brand,
    globex_studio,
    workflow,
    django_capture_on_commit_callbacks,
):
    make_asset(make_product(other_brand, "GLX-777"), "front")
    data = encoded(photo(5))
    upload(
        other_brand,
        globex_studio,
        "GLX-777_2025-10_front.jpg",
        data,
        django_capture_on_commit_callbacks,
    )
    upload(
        brand,
        studio,
        "SKU12346_2025-10_back.jpg",
        encoded(photo(6)),
        django_capture_on_commit_callbacks,
    )
    upload(brand, studio, "SKU12345_2025-10_front.jpg", data, django_capture_on_commit_callbacks)

    client.force_login(approver)
    page = client.get(
        reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk])
    ).content.decode()
    assert "looks like" not in page and "GLX-777" not in page and "SKU12346" not in page
    assert "Not compared with the brand" not in page


@pytest.mark.django_db
def test_the_review_page_says_when_the_file_was_not_compared_yet(
    client, brand, asset, studio, approver
):
    upload(
        brand, studio, "SKU12345_2025-10_front.jpg", encoded(photo(1))
    )  # background task not run
    client.force_login(approver)
    page = client.get(
        reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk])
    ).content.decode()
    assert "Not compared with the brand's other files yet." in page


# --- manage.py lfcloud_hash_versions ------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_fills_missing_hashes_and_is_idempotent(
    brand, asset, back, studio, other_brand, globex_studio, workflow
):
    ours = [
        upload(brand, studio, "SKU12345_2025-10_front.jpg", encoded(photo(1))),
        upload(brand, studio, "SKU12345_2025-10_back.png", encoded(photo(2), "PNG")),
    ]
    make_asset(make_product(other_brand, "GLX-1"), "front")
    theirs = upload(other_brand, globex_studio, "GLX-1_2025-10_front.jpg", encoded(photo(3)))
    assert AssetVersion.objects.exclude(perceptual_hash="").count() == 0

    out = io.StringIO()
    call_command("lfcloud_hash_versions", "--brand", "acme", "--batch-size", "1", stdout=out)
    assert "2/2" in out.getvalue() and "Hashed 2 version(s)." in out.getvalue()
    for version in ours:
        version.refresh_from_db()
        assert version.perceptual_hash == phash(version.image.file.open("rb").read())
    theirs.refresh_from_db()
    assert theirs.perceptual_hash == ""  # --brand is only that brand

    out = io.StringIO()
    call_command("lfcloud_hash_versions", "--brand", "acme", stdout=out)
    assert "Nothing to do" in out.getvalue()

    out = io.StringIO()
    call_command("lfcloud_hash_versions", "--all", stdout=out)
    assert "1/1" in out.getvalue()
    assert AssetVersion.objects.filter(perceptual_hash="").count() == 0


@pytest.mark.django_db
def test_the_command_reports_an_unreadable_file_and_goes_on(brand, asset, back, studio):
    broken = upload(brand, studio, "SKU12345_2025-10_front.jpg", encoded(photo(1)))
    fine = upload(brand, studio, "SKU12345_2025-10_back.jpg", encoded(photo(2)))
    broken.image.file.storage.delete(broken.image.file.name)

    out, err = io.StringIO(), io.StringIO()
    call_command("lfcloud_hash_versions", "--brand", "acme", stdout=out, stderr=err)
    assert "SKU12345 front v1" in err.getvalue()
    assert "Hashed 1 version(s); 1 could not be read" in out.getvalue()
    assert AssetVersion.objects.get(pk=broken.pk).perceptual_hash == ""
    assert AssetVersion.objects.get(pk=fine.pk).perceptual_hash != ""


@pytest.mark.django_db
def test_the_command_needs_a_known_brand_or_all(brand):
    with pytest.raises(CommandError, match="--brand SLUG or --all"):
        call_command("lfcloud_hash_versions")
    with pytest.raises(CommandError, match="No brand"):
        call_command("lfcloud_hash_versions", "--brand", "nope")
