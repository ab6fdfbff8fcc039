"""The upload page's direct endpoints given odd JSON (as a broken or hostile script sends it):
a refusal with a reason, never a server error, and the upload still completes afterwards."""

from __future__ import annotations

import pytest
from django.test.utils import override_settings
from django.urls import reverse

from tests.api.test_direct_uploads import LIMITS
from tests.assets.test_direct_upload_page import NAME, START, post, start, url
from wagtail_lfcloud.models import DirectUpload

pytestmark = [pytest.mark.django_db, pytest.mark.s3]


@override_settings(**LIMITS)
def test_odd_json_is_refused_with_a_reason(client, studio, brand, asset, s3_storages):
    client.force_login(studio)
    for body in (
        [],
        {"brand": [brand.pk], "filename": NAME, "size": 10},
        {"brand": brand.pk, "filename": {"a": 1}, "size": 10},
        {"brand": brand.pk, "filename": NAME, "size": "1e400"},
        {"brand": brand.pk, "filename": NAME, "size": True},
    ):
        answer = post(client, reverse(START), body)
        assert answer.status_code == 400, body
        assert answer.json()["ok"] is False
    raw = client.post(reverse(START), b"{not json", content_type="application/json")
    assert raw.status_code == 400
    assert not DirectUpload.objects.exists()

    upload_id = start(client, brand, NAME, 12 * 1024 * 1024).json()["id"]
    complete = url("complete", upload_id)
    for text in (
        '{"parts": "abc"}',
        '{"parts": {"a": 1}}',
        '{"parts": [{"number": Infinity, "etag": "x"}]}',
        '{"parts": [{"number": NaN, "etag": "x"}]}',
        '{"parts": [{"number": 1e400, "etag": "x"}]}',
        '{"parts": [{"number": -1, "etag": "x"}]}',
        '{"parts": [{"number": 1, "etag": "x"}, {"number": 2, "etag": "y"},'
        ' {"number": 3, "etag": "z"}, {"number": 4, "etag": "w"}]}',
        '{"parts": [{"number": 1, "etag": "x"}, {"number": 2, "etag": "y"},'
        ' {"number": 3, "etag": "z"}]}',  # numbers right, ETags wrong: S3 says no
    ):
        answer = client.post(complete, text, content_type="application/json")
        assert answer.status_code == 400, text
        assert answer.json()["code"] == "incomplete", text
    # Nothing of that closed the upload: it can still be resumed and completed.
    assert DirectUpload.objects.get().status == "started"
    assert client.get(url("resume", upload_id)).json()["status"] == "started"
    assert client.get(complete).status_code == 405
