"""The order thread: posting, attachments, read state, and the emails that go with it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_image, make_user
from wagtail_lfcloud import signals
from wagtail_lfcloud.models import (
    AssetVersion,
    MessageRead,
    NotificationPreference,
    OrderMessage,
    Role,
)
from wagtail_lfcloud.orders.grid import THUMBNAIL_SPEC
from wagtail_lfcloud.orders.status import create_deliverables
from wagtail_lfcloud.views.order_thread import (
    LATE_COMMIT_SECONDS,
    settled_cursor,
    unread_messages,
)


def order_url(order):
    return reverse("wagtail_lfcloud_admin:order_detail", args=[order.pk])


def post(client, order, body="Can we reshoot the heel?", attachment=None, capture=None):
    data = {"body": body}
    if attachment is not None:
        data["attachment"] = attachment
    return client.post(order_url(order), data)


@pytest.fixture
def studio_client(client, users):
    client.force_login(users[Role.STUDIO])
    return client


def test_a_studio_message_emails_the_brand_side_only(
    studio_client, order, users, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(studio_client, order)
    assert response.status_code == 302
    message = OrderMessage.objects.get()
    assert message.author == users[Role.STUDIO]
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["approver-user@example.com", "brand_admin-user@example.com"]
    assert all(order.number in m.subject for m in mail.outbox)
    assert "Can we reshoot the heel?" in mail.outbox[0].body
    assert order_url(order) in mail.outbox[0].body


def test_a_brand_message_emails_the_studio(
    client, order, users, django_capture_on_commit_callbacks
):
    client.force_login(users[Role.APPROVER])
    with django_capture_on_commit_callbacks(execute=True):
        post(client, order, "Please use the grey background")
    assert [m.to for m in mail.outbox] == [["studio-user@example.com"]]


def test_users_who_opted_out_get_no_email(
    studio_client, order, users, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=users[Role.APPROVER], on_message=False)
    with django_capture_on_commit_callbacks(execute=True):
        post(studio_client, order)
    assert [m.to for m in mail.outbox] == [["brand_admin-user@example.com"]]


def test_preferences_view_switches_emails_off(client, users):
    client.force_login(users[Role.STUDIO])
    url = reverse("wagtail_lfcloud_admin:notification_preferences")
    assert client.get(url).status_code == 200
    client.post(url, {"on_message": "on", "on_upload": "on"})
    pref = NotificationPreference.objects.get(user=users[Role.STUDIO])
    assert (pref.on_message, pref.on_upload, pref.on_changes_requested, pref.on_approved) == (
        True,
        True,
        False,
        False,
    )


def test_attachment_is_stored_and_downloadable_by_the_thread_only(
    studio_client, order, users, other_brand, client
):
    response = post(
        studio_client, order, attachment=SimpleUploadedFile("notes.pdf", b"%PDF-1.4 tiny")
    )
    assert response.status_code == 302
    message = OrderMessage.objects.get()
    url = reverse("wagtail_lfcloud_admin:order_message_attachment", args=[order.pk, message.pk])
    download = studio_client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 tiny"
    studio_client.force_login(users[Role.FINANCE])
    assert studio_client.get(url).status_code == 404
    studio_client.force_login(make_user("spy", brand=other_brand, role=Role.STUDIO))
    assert studio_client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("run.exe", b"MZ", "run.exe is not an allowed attachment type"),
        ("big.pdf", b"x" * 2048, "attachments may be at most 1.0"),
    ],
)
@override_settings(WAGTAIL_LFCLOUD_ATTACHMENT_MAX_BYTES=1024)
def test_bad_attachments_are_refused_and_nothing_is_saved(
    studio_client, order, name, content, expected
):
    response = post(studio_client, order, attachment=SimpleUploadedFile(name, content))
    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not OrderMessage.objects.exists()
    assert mail.outbox == []


@override_settings(WAGTAIL_LFCLOUD_ATTACHMENT_EXTENSIONS=["exe"])
def test_allowed_types_come_from_the_setting(studio_client, order):
    assert (
        post(studio_client, order, attachment=SimpleUploadedFile("run.exe", b"MZ")).status_code
        == 302
    )


def test_an_empty_message_is_refused(studio_client, order):
    response = post(studio_client, order, body="")
    assert response.status_code == 200
    assert not OrderMessage.objects.exists()


def test_read_state_and_unread_count(studio_client, client, order, users):
    post(studio_client, order, "one")
    post(studio_client, order, "two")
    admin = users[Role.BRAND_ADMIN]
    assert unread_messages(admin).count() == 2
    assert (
        unread_messages(users[Role.STUDIO]).count() == 0
    )  # the author has read their own messages
    client.force_login(admin)
    page = client.get(order_url(order))
    assert page.context["unread_count"] == 2
    assert unread_messages(admin).count() == 0
    assert MessageRead.objects.filter(user=admin).count() == 2
    assert client.get(order_url(order)).context["unread_count"] == 0


def test_finance_cannot_post(client, order, users):
    client.force_login(users[Role.FINANCE])
    response = client.post(order_url(order), {"body": "hi"})
    # Wagtail's admin turns PermissionDenied into a redirect to the dashboard with an error.
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home")
    assert not OrderMessage.objects.exists()


def test_upload_changes_requested_and_approval_emails(
    order, users, django_capture_on_commit_callbacks
):
    asset = create_deliverables(order)[0]
    version = AssetVersion.objects.create(
        asset=asset, number=1, image=make_image(size=(8, 8)), original_filename="a.png"
    )
    studio, approver = users[Role.STUDIO], users[Role.APPROVER]
    with django_capture_on_commit_callbacks(execute=True):
        signals.version_uploaded.send(sender=AssetVersion, version=version, user=studio)
    # The reviewers' email waits for the approval step (tests/assets/test_workflow_emails.py).
    assert mail.outbox == []
    # ... and the grid thumbnail was made in the background.
    assert version.image.renditions.filter(filter_spec=THUMBNAIL_SPEC).exists()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        signals.changes_requested.send(
            sender=AssetVersion, version=version, user=approver, comment="Too dark"
        )
    assert [m.to for m in mail.outbox] == [["studio-user@example.com"]]
    assert "Too dark" in mail.outbox[0].body
    mail.outbox.clear()
    NotificationPreference.objects.create(user=studio, on_approved=False)
    with django_capture_on_commit_callbacks(execute=True):
        signals.asset_approved.send(
            sender=type(asset), asset=asset, version=version, previous=None, user=approver
        )
    assert mail.outbox == []


# --- the live thread: the page's poller asks for messages newer than the last one it shows ------


def messages_url(order, after=0):
    return reverse("wagtail_lfcloud_admin:order_messages", args=[order.pk]) + f"?after={after}"


def test_the_poller_gets_only_new_messages_rendered_and_escaped(client, order, users):
    studio, admin = users[Role.STUDIO], users[Role.BRAND_ADMIN]
    client.force_login(admin)
    page = client.get(order_url(order)).content.decode()
    assert 'data-last-message="0"' in page and "data-lfcloud-thread" in page

    client.force_login(studio)
    post(client, order, body="Heel shots are up <script>alert(1)</script>")
    first = OrderMessage.objects.get()

    client.force_login(admin)
    data = client.get(messages_url(order)).json()
    assert [m["id"] for m in data["messages"]] == [first.pk] and data["last"] == first.pk
    html = data["messages"][0]["html"]
    assert "Heel shots are up" in html and "<script>" not in html and "&lt;script&gt;" in html
    assert "lfcloud-message--unread" in html
    # Delivered to the open page, so read: the unread badge does not count it again.
    assert not unread_messages(admin, order).exists()
    # Nothing newer yet.
    assert client.get(messages_url(order, after=first.pk)).json() == {
        "messages": [],
        "last": first.pk,
    }


def test_the_poller_answers_only_people_on_the_thread(client, order, users, other_brand):
    from tests.orders.conftest import make_order

    for role in (Role.MARKETER, Role.FINANCE):
        client.force_login(users[role])
        assert client.get(messages_url(order)).status_code == 404, role
    client.force_login(users[Role.STUDIO])
    other = make_order(other_brand, [])
    OrderMessage.objects.create(order=other, author=None, body="Zedcorp secret")
    response = client.get(messages_url(other))
    assert response.status_code == 404 and "Zedcorp" not in response.content.decode()
    assert client.get(messages_url(order) + "x").status_code == 400


@pytest.mark.parametrize("reader", ["poller", "page"])
def test_a_message_posted_while_the_thread_is_read_stays_new(
    client, order, users, monkeypatch, reader
):
    """A message posted between reading the thread and marking it read is not lost as read.

    The page's poller once marked every unread message read, including one committed after it
    had fetched the thread: the open page then showed it as already read.
    """
    from wagtail_lfcloud.views import order_thread, orders

    studio, admin = users[Role.STUDIO], users[Role.BRAND_ADMIN]
    OrderMessage.objects.create(order=order, author=studio, body="first")
    real = order_thread.unread_messages
    late = []

    def unread_after_a_post(user, order_=None):
        if not late:  # the studio's message lands after the thread was fetched
            late.append(OrderMessage.objects.create(order=order, author=studio, body="late"))
        return real(user, order_)

    module = order_thread if reader == "poller" else orders
    monkeypatch.setattr(module, "unread_messages", unread_after_a_post)
    client.force_login(admin)
    if reader == "poller":
        first = client.get(messages_url(order)).json()["messages"]
    else:
        page = client.get(order_url(order))
        # The "N new" badge counts what the page shows, not the late message.
        assert page.context["unread_count"] == 1
        first = [{"id": message.pk} for message in page.context["thread"]]
    assert [m["id"] for m in first] == [OrderMessage.objects.get(body="first").pk]
    monkeypatch.undo()
    data = client.get(messages_url(order, after=first[-1]["id"])).json()
    assert [m["id"] for m in data["messages"]] == [late[0].pk]
    assert "lfcloud-message--unread" in data["messages"][0]["html"]


def taken_id(order, author) -> int:
    """An id the sequence has given to a message that is not in the table: one whose transaction
    has not committed yet, was rolled back or was deleted (made and deleted here)."""
    message = OrderMessage.objects.create(order=order, author=author, body="placeholder")
    pk = message.pk
    message.delete()
    return pk


def test_a_message_committed_after_a_higher_id_still_reaches_the_open_page(client, order, users):
    """Ids are taken at save, not at commit: on PostgreSQL message 10 can commit after 11.

    The page's cursor had moved past 10 with 11, and the poller asked only for ids above it, so
    the open page never showed message 10 until it was reloaded.
    """
    studio, admin = users[Role.STUDIO], users[Role.BRAND_ADMIN]
    OrderMessage.objects.create(order=order, author=admin, body="an earlier message")
    slow_pk = taken_id(order, studio)  # its message's transaction has not committed
    fast = OrderMessage.objects.create(order=order, author=studio, body="committed first")
    client.force_login(admin)
    data = client.get(messages_url(order, after=slow_pk - 1)).json()
    # Delivered, but the cursor stays below the id that may still commit.
    assert [m["id"] for m in data["messages"]] == [fast.pk] and data["last"] == slow_pk - 1
    # So does the page's own cursor.
    assert client.get(order_url(order)).context["last_message_id"] == slow_pk - 1

    OrderMessage.objects.create(pk=slow_pk, order=order, author=studio, body="committed late")
    data = client.get(messages_url(order, after=slow_pk - 1)).json()
    # The page drops the one it shows already; the cursor moves on.
    assert [m["id"] for m in data["messages"]] == [slow_pk, fast.pk] and data["last"] == fast.pk
    assert "committed late" in data["messages"][0]["html"]
    assert "lfcloud-message--unread" in data["messages"][0]["html"]
    # Delivered, so read, and not sent again.
    assert not unread_messages(admin, order).exists()
    assert client.get(messages_url(order, after=fast.pk)).json()["messages"] == []


def test_a_late_message_reaches_every_open_page_of_the_reader_and_of_its_author(
    client, order, users
):
    """The late message of the test above, with the brand admin's thread open in two tabs and
    the studio's (its author's) in another: the first tab to poll marked it read, which once kept
    it from the brand admin's second tab for good, and its author's own message was never sent
    below the cursor at all."""
    studio, admin = users[Role.STUDIO], users[Role.BRAND_ADMIN]
    OrderMessage.objects.create(order=order, author=admin, body="an earlier message")
    slow_pk = taken_id(order, studio)  # its message's transaction has not committed
    fast = OrderMessage.objects.create(order=order, author=admin, body="committed first")
    tab_a, tab_b, studio_tab = Client(), Client(), Client()
    tab_a.force_login(admin)
    tab_b.force_login(admin)
    studio_tab.force_login(studio)
    cursors = {}
    for tab in (tab_a, tab_b, studio_tab):
        cursors[tab] = tab.get(messages_url(order)).json()["last"]
        assert cursors[tab] == slow_pk - 1
    OrderMessage.objects.create(pk=slow_pk, order=order, author=studio, body="committed late")
    for tab in (tab_a, tab_b, studio_tab):
        data = tab.get(messages_url(order, after=cursors[tab])).json()
        assert slow_pk in [m["id"] for m in data["messages"]]
        assert data["last"] == fast.pk
    assert not unread_messages(admin, order).exists()


def test_a_rolled_back_message_holds_the_cursor_only_while_the_next_one_is_recent(
    client, order, users
):
    studio, admin = users[Role.STUDIO], users[Role.BRAND_ADMIN]
    OrderMessage.objects.create(order=order, author=admin, body="an earlier message")
    gone_pk = taken_id(order, studio)  # rolled back
    after = OrderMessage.objects.create(order=order, author=studio, body="next")
    client.force_login(admin)
    assert client.get(messages_url(order)).json()["last"] == gone_pk - 1
    # Polled again while the message after it is recent: still held.
    assert client.get(messages_url(order, after=gone_pk - 1)).json()["last"] == gone_pk - 1
    OrderMessage.objects.filter(pk=after.pk).update(
        created_at=timezone.now() - timedelta(seconds=LATE_COMMIT_SECONDS + 1)
    )
    data = client.get(messages_url(order, after=gone_pk - 1)).json()
    assert [m["id"] for m in data["messages"]] == [after.pk] and data["last"] == after.pk


def test_a_page_whose_messages_were_all_deleted_is_still_held_below_a_missing_id(
    client, order, users
):
    """A page showed a message that was deleted since, with nothing left below it on the site:
    an id between its cursor and the next message may still commit, so the cursor stays where
    it was (it used to jump to the next message, and the late one never reached that page)."""
    studio, admin = users[Role.STUDIO], users[Role.BRAND_ADMIN]
    assert not OrderMessage.objects.exists()
    shown = OrderMessage.objects.create(order=order, author=admin, body="shown, then deleted")
    cursor = shown.pk
    shown.delete()
    slow_pk = taken_id(order, studio)  # its message's transaction has not committed
    fast = OrderMessage.objects.create(order=order, author=studio, body="committed first")
    client.force_login(admin)
    data = client.get(messages_url(order, after=cursor)).json()
    assert [m["id"] for m in data["messages"]] == [fast.pk] and data["last"] == cursor
    OrderMessage.objects.create(pk=slow_pk, order=order, author=studio, body="committed late")
    data = client.get(messages_url(order, after=data["last"])).json()
    assert [m["id"] for m in data["messages"]] == [slow_pk, fast.pk]
    assert data["last"] == fast.pk


def test_a_poll_looks_only_at_ids_above_its_cursor(order, users, django_assert_num_queries):
    """The cursor is settled up to ``after`` (it was held below any id missing then): a poll with
    nothing new costs no query for it, and a missing id at or below ``after`` holds nothing."""
    studio = users[Role.STUDIO]
    first = OrderMessage.objects.create(order=order, author=studio, body="first")
    gone_pk = taken_id(order, studio)  # a message deleted since
    third = OrderMessage.objects.create(order=order, author=studio, body="third")
    assert settled_cursor(third.pk) == first.pk  # the missing id may still commit
    with django_assert_num_queries(0):
        assert settled_cursor(gone_pk, after=gone_pk) == gone_pk
    # A page that showed the message before it was deleted: only what is above its cursor counts.
    assert settled_cursor(third.pk, after=gone_pk) == third.pk
