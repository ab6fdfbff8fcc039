"""Rows that show up in the admin (history, delete confirmations, log entries) have readable names."""

from django.contrib.auth import get_user_model

from wagtail_lfcloud.models import (
    DownloadBundle,
    MessageRead,
    NotificationPreference,
    WebhookDelivery,
)


def test_rows_name_what_they_are():
    ann = get_user_model()(username="ann")
    assert str(DownloadBundle(pk=3, channel="amazon_main")) == "amazon_main bundle #3"
    assert str(WebhookDelivery(pk=5, event="asset.approved")) == "asset.approved delivery #5"
    assert str(MessageRead(message_id=7, user=ann)) == "Message #7 read by ann"
    assert str(NotificationPreference(user=ann)) == "Email preferences of ann"
