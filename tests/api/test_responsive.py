"""Responsive sizes: configured widths only, never upscaled, format by Accept or parameter,
generated once in the background as Wagtail renditions, only of the current approved version,
within its usage rights, counted in the usage figures."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.images import get_image_model

from tests.factories import make_asset, make_image
from wagtail_lfcloud.delivery import responsive
from wagtail_lfcloud.delivery import usage as usage_counts
from wagtail_lfcloud.models import AssetVersion, Role, UsageRights, VersionStatus

from .conftest import API, auth

BASE = f"{API}/responsive/acme/SKU12345/front"
WIDE = (1100, 700)


def _approve(asset, number: int, image) -> AssetVersion:
    AssetVersion.objects.filter(asset=asset, status=VersionStatus.CURRENT).update(
        status=VersionStatus.SUPERSEDED
    )
    return AssetVersion.objects.create(
        asset=asset,
        number=number,
        image=image,
        status=VersionStatus.CURRENT,
        period="2026-01",
        original_filename=f"{asset.product.sku}_2026-01_{asset.angle}.png",
    )


@pytest.fixture
def asset(product):
    asset = make_asset(product, "front", channels=["amazon_main"])
    _approve(asset, 1, make_image(size=WIDE, color=(200, 30, 30)))
    return asset


@pytest.fixture
def token(tokens):
    return tokens[Role.MARKETER]


def _ready(client, url, token, capture, **headers):
    """GET ``url``; when it answers 202, let the enqueued generation run and GET it again."""
    with capture(execute=True):
        first = client.get(url, **auth(token), **headers)
    if first.status_code != 202:
        return first
    assert first["Retry-After"]
    return client.get(url, **auth(token), **headers)


def _file(url: str) -> PILImage.Image:
    """The image behind a rendition URL, read from the storage it was saved to."""
    Rendition = get_image_model().get_rendition_model()
    name = url.rsplit("/", 1)[1]
    rendition = next(r for r in Rendition.objects.all() if r.file.name.endswith(name))
    with rendition.file.open("rb") as f:
        image = PILImage.open(io.BytesIO(f.read()))
        image.load()
    return image


@pytest.mark.django_db
def test_srcset_lists_the_configured_widths_up_to_the_master(
    client, token, asset, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(f"{BASE}?format=webp", **auth(token))
    assert first.status_code == 202
    assert first["Vary"] == "Authorization, Accept"
    response = client.get(f"{BASE}?format=webp", **auth(token))
    assert response.status_code == 200
    assert response["Vary"] == "Authorization, Accept"
    assert response["ETag"]
    data = response.json()
    # 1100 px master: 1280, 1600 and 2048 are not offered (never upscaled).
    assert [s["width"] for s in data["sizes"]] == [320, 480, 640, 768, 1024]
    assert data["format"] == "webp" and data["type"] == "image/webp"
    assert data["version"] == 1 and data["sku"] == "SKU12345"
    assert data["srcset"] == ", ".join(f"{s['url']} {s['width']}w" for s in data["sizes"])
    assert data["src"] == data["sizes"][-1]["url"]
    for size in data["sizes"]:
        image = _file(size["url"])
        assert image.format == "WEBP"
        assert image.size == (size["width"], size["height"])
        assert abs(size["height"] - 700 * size["width"] / 1100) < 1
    # Generated once: asking again makes nothing new.
    Rendition = get_image_model().get_rendition_model()
    before = Rendition.objects.count()
    again = client.get(f"{BASE}?format=webp", **auth(token))
    assert again.status_code == 200 and Rendition.objects.count() == before
    # ETag honoured.
    assert (
        client.get(
            f"{BASE}?format=webp", HTTP_IF_NONE_MATCH=response["ETag"], **auth(token)
        ).status_code
        == 304
    )


@pytest.mark.django_db
def test_one_width_redirects_to_its_file(client, token, asset, django_capture_on_commit_callbacks):
    response = _ready(client, f"{BASE}/640?format=jpeg", token, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Vary"] == "Authorization, Accept"
    assert response["X-LFCloud-Version"] == "1"
    assert response["X-LFCloud-Width"] == "640"
    assert response["Cache-Control"] == "private, max-age=60"
    image = _file(response["Location"])
    assert image.format == "JPEG" and image.width == 640


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("width", "code"),
    [(500, "unknown_width"), (4096, "unknown_width"), (1280, "width_not_available")],
)
def test_widths_outside_the_list_or_wider_than_the_master_are_404(
    client, token, asset, width, code
):
    response = client.get(f"{BASE}/{width}", **auth(token))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert "320" in response.json()["detail"]  # the widths that are offered


@pytest.mark.django_db
def test_a_width_that_is_not_a_number_is_422(client, token, asset):
    response = client.get(f"{BASE}/wide", **auth(token))
    assert response.status_code == 422


@pytest.mark.django_db
def test_a_master_narrower_than_every_width_is_served_at_its_own_size(
    client, token, product, django_capture_on_commit_callbacks
):
    asset = make_asset(product, "front", channels=["amazon_main"])
    _approve(asset, 1, make_image(size=(200, 100)))
    data = _ready(client, f"{BASE}?format=webp", token, django_capture_on_commit_callbacks).json()
    assert [(s["width"], s["height"]) for s in data["sizes"]] == [(200, 100)]
    assert data["srcset"].endswith(" 200w")
    assert client.get(f"{BASE}/480", **auth(token)).json()["code"] == "width_not_available"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("image/avif,image/webp,image/*;q=0.8", "avif"),
        ("image/webp,image/*;q=0.8", "webp"),
        ("image/avif;q=0.5,image/webp", "webp"),
        ("image/avif;q=0,image/jpeg", "jpeg"),
        ("application/json", "jpeg"),
        ("", "jpeg"),
    ],
)
def test_accept_chooses_the_format(
    client, token, asset, django_capture_on_commit_callbacks, accept, expected
):
    if expected == "avif" and not responsive.avif_supported():
        expected = "webp"
    response = _ready(client, BASE, token, django_capture_on_commit_callbacks, HTTP_ACCEPT=accept)
    assert response.json()["format"] == expected
    if expected != "jpeg":
        assert _file(response.json()["src"]).format == expected.upper()


@pytest.mark.django_db
def test_the_format_parameter_wins_over_accept(
    client, token, asset, django_capture_on_commit_callbacks
):
    response = _ready(
        client,
        f"{BASE}?format=jpg",
        token,
        django_capture_on_commit_callbacks,
        HTTP_ACCEPT="image/webp",
    )
    assert response.json()["format"] == "jpeg"


@pytest.mark.django_db
def test_avif_is_served_when_pillow_writes_it(
    client, token, asset, django_capture_on_commit_callbacks
):
    if not responsive.avif_supported():
        response = client.get(f"{BASE}?format=avif", **auth(token))
        assert response.status_code == 400
        assert response.json()["code"] == "format_unavailable"
        return
    response = _ready(client, f"{BASE}/320?format=avif", token, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert _file(response["Location"]).format == "AVIF"


@pytest.mark.django_db
def test_an_unknown_format_is_400(client, token, asset):
    response = client.get(f"{BASE}?format=tiff", **auth(token))
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_format"
    assert "webp" in response.json()["detail"]


@pytest.mark.django_db
def test_transparent_masters_become_white_in_jpeg(
    client, token, product, django_capture_on_commit_callbacks
):
    buffer = io.BytesIO()
    PILImage.new("RGBA", (400, 400), (0, 0, 0, 0)).save(buffer, "PNG")
    Image = get_image_model()
    image = Image(title="transparent", file=SimpleUploadedFile("t.png", buffer.getvalue()))
    image._set_image_file_metadata()
    image.save()
    asset = make_asset(product, "front", channels=["amazon_main"])
    _approve(asset, 1, image)
    response = _ready(client, f"{BASE}/320?format=jpeg", token, django_capture_on_commit_callbacks)
    assert _file(response["Location"]).convert("RGB").getpixel((5, 5)) == (255, 255, 255)


@pytest.mark.django_db
def test_only_the_current_approved_version_is_served(
    client, token, asset, draft_asset, django_capture_on_commit_callbacks
):
    # Nothing approved for the back: 404, nothing generated.
    back = client.get(f"{API}/responsive/acme/SKU12345/back?format=webp", **auth(token))
    assert back.status_code == 404 and back.json()["code"] == "not_approved"
    v1 = _ready(client, f"{BASE}?format=webp", token, django_capture_on_commit_callbacks).json()
    # A v2 in review changes nothing.
    AssetVersion.objects.create(
        asset=asset,
        number=2,
        image=make_image(size=WIDE, color=(30, 200, 30)),
        status=VersionStatus.IN_REVIEW,
        original_filename="SKU12345_2026-01_front.png",
    )
    assert client.get(f"{BASE}?format=webp", **auth(token)).json() == v1
    # Once v2 is approved, v2 is served (after its sizes are made).
    AssetVersion.objects.filter(asset=asset, number=1).update(status=VersionStatus.SUPERSEDED)
    AssetVersion.objects.filter(asset=asset, number=2).update(status=VersionStatus.CURRENT)
    v2 = _ready(client, f"{BASE}?format=webp", token, django_capture_on_commit_callbacks).json()
    assert v2["version"] == 2 and v2["src"] != v1["src"]


@pytest.mark.django_db
def test_a_version_that_stopped_being_current_is_not_rendered(asset):
    version = asset.versions.get()
    AssetVersion.objects.filter(pk=version.pk).update(status=VersionStatus.SUPERSEDED)
    assert responsive.generate(version.pk, "webp") == []
    assert not version.image.renditions.exists()


@pytest.mark.django_db
def test_rights_are_judged_for_the_web_channel(
    client, token, asset, django_capture_on_commit_callbacks
):
    now = timezone.now()
    rights = UsageRights.objects.create(
        brand=asset.brand, asset=asset, channels=["amazon_main"], expires_at=now + dt.timedelta(1)
    )
    response = client.get(f"{BASE}?format=webp", **auth(token))
    assert response.status_code == 451
    assert response.json()["code"] == "rights_channel_not_allowed"
    assert "pdp_zoom" in response.json()["detail"]
    assert client.get(f"{BASE}/320", **auth(token)).status_code == 451

    rights.channels = ["amazon_main", "pdp_zoom"]
    rights.save()
    assert (
        _ready(client, f"{BASE}/320", token, django_capture_on_commit_callbacks).status_code == 302
    )

    rights.expires_at = now - dt.timedelta(1)
    rights.save()
    response = client.get(f"{BASE}/320", **auth(token))
    assert response.status_code == 451 and response.json()["code"] == "rights_expired"
    # Territories as on the stable URL.
    rights.expires_at, rights.territories = None, ["DE"]
    rights.save()
    assert client.get(f"{BASE}/320?territory=DE", **auth(token)).status_code == 302
    response = client.get(f"{BASE}/320?territory=FR", **auth(token))
    assert response.json()["code"] == "rights_territory_not_allowed"


@pytest.mark.django_db
@override_settings(WAGTAIL_LFCLOUD_RESPONSIVE_RIGHTS_CHANNEL="shopify_product")
def test_the_rights_channel_is_a_setting(client, token, asset):
    UsageRights.objects.create(brand=asset.brand, asset=asset, channels=["shopify_product"])
    assert client.get(f"{BASE}?format=webp", **auth(token)).status_code == 202


@pytest.mark.django_db
def test_deliveries_are_counted_under_responsive(
    client, token, asset, django_capture_on_commit_callbacks
):
    from wagtail_lfcloud.models import UsageDaily

    usage_counts._take()  # counts other tests left in this process
    _ready(client, f"{BASE}/320", token, django_capture_on_commit_callbacks)
    _ready(client, BASE, token, django_capture_on_commit_callbacks)
    usage_counts.flush()
    row = UsageDaily.objects.get(version=asset.versions.get())
    assert (row.channel, row.kind, row.count) == ("responsive", "stable_token", 2)


@pytest.mark.django_db
@pytest.mark.parametrize("who", [Role.FINANCE, "other"])
def test_no_library_role_or_other_brand_is_404(client, tokens, who, asset, other_asset):
    for url in (BASE, f"{BASE}/320"):
        response = client.get(url, **auth(tokens[who]))
        assert response.status_code == 404
        assert response.json()["code"] == "unknown_brand"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.BRAND_ADMIN, Role.MARKETER, Role.APPROVER, Role.STUDIO])
def test_library_roles_get_the_sizes(
    client, tokens, role, asset, django_capture_on_commit_callbacks
):
    assert (
        _ready(client, f"{BASE}/320", tokens[role], django_capture_on_commit_callbacks).status_code
        == 302
    )


@pytest.mark.django_db
def test_a_corrupt_master_is_a_409_with_the_reason(
    client, token, asset, django_capture_on_commit_callbacks
):
    image = asset.versions.get().image
    with image.file.storage.open(image.file.name, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\nnot really")
    first = _ready(client, f"{BASE}?format=webp", token, django_capture_on_commit_callbacks)
    assert first.status_code == 409
    assert first.json()["code"] == "rendition_failed"
    assert not image.renditions.exists()
