"""Each kind of work declares its queue; a backend without the package's queues keeps running the
work on its default queue (sites whose TASKS predates the queues go on working)."""

import datetime as dt

import pytest
from django_tasks import task

from wagtail_lfcloud.background import CHANNELS, MAIL, PREVIEWS, QUEUES, queue, queue_of, queued


def test_every_task_declares_its_kind_of_work(settings):
    from wagtail_lfcloud.assets import tasks as assets
    from wagtail_lfcloud.channels import tasks as channels
    from wagtail_lfcloud.delivery import tasks as delivery
    from wagtail_lfcloud.notifications.sending import send_notification

    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "QUEUES": ["default", *QUEUES],
        }
    }
    assert {
        t.name: queue_of(t)
        for t in (
            assets.make_preview,
            assets.generate_version_previews,
            channels.build_channel_renditions_task,
            delivery.build_download_bundle,
            delivery.deliver_webhook,
            send_notification,
        )
    } == {
        "make_preview": PREVIEWS,
        "generate_version_previews": PREVIEWS,
        "build_channel_renditions_task": CHANNELS,
        "build_download_bundle": "lfcloud_bundles",
        "deliver_webhook": "lfcloud_webhooks",
        "send_notification": MAIL,
    }


def test_a_backend_without_the_queue_runs_the_work_on_its_default_queue(settings):
    from django_tasks import default_task_backend

    from wagtail_lfcloud.assets.tasks import make_preview

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    result = queued(make_preview).enqueue(1, "max-165x165")
    assert result.task.queue_name == "default"
    assert default_task_backend.results == [result]


def test_an_empty_queues_list_accepts_the_declared_queue(settings):
    from wagtail_lfcloud.assets.tasks import make_preview

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}
    }
    assert queued(make_preview).enqueue(1, "max-165x165").task.queue_name == PREVIEWS


def test_deferred_runs_are_rounded_up_to_a_whole_second(settings):
    """RQ's scheduler truncates to whole seconds; a run must never start before it is due."""
    from wagtail_lfcloud.delivery.tasks import deliver_webhook

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": []}
    }
    due = dt.datetime(2026, 1, 1, 12, 0, 0, 700_000, tzinfo=dt.UTC)
    assert queued(deliver_webhook, run_after=due).run_after == dt.datetime(
        2026, 1, 1, 12, 0, 1, tzinfo=dt.UTC
    )
    exact = due.replace(microsecond=0)
    assert queued(deliver_webhook, run_after=exact).run_after == exact


def test_only_the_package_queues_can_be_declared():
    with pytest.raises(ValueError, match="lfcloud_previews"):
        queue("thumbnails")(task()(lambda: None))
