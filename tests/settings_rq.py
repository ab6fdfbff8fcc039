"""Settings of the RQ worker processes that tests/workers start (``manage.py rqworker``).

The test settings (same database, same image model), plus what the test that started the worker
hands over in the environment:

- ``LFCLOUD_TEST_REDIS_URL``: the Redis database of the test's queues;
- ``LFCLOUD_TEST_MEDIA_ROOT``, ``LFCLOUD_TEST_PRIVATE_ROOT``: the test's local file storages;
- ``LFCLOUD_TEST_S3``: ``endpoint originals-bucket renditions-bucket`` to store files on S3 (moto),
  as the test does;
- ``LFCLOUD_TEST_WORKER_SETTINGS``: a JSON object of further settings (retry delays, webhook
  networks) the test changed for itself.
"""

import json
import os

from tests.settings import *

INSTALLED_APPS = [*INSTALLED_APPS, "django_rq", "django_tasks_rq"]

# The package's queues and Django's default one (docs/how-to/background-workers.md#queues).
RQ_QUEUES = {
    name: {"URL": os.environ["LFCLOUD_TEST_REDIS_URL"]}
    for name in (
        "default",
        "lfcloud_previews",
        "lfcloud_channels",
        "lfcloud_bundles",
        "lfcloud_webhooks",
        "lfcloud_mail",
        "lfcloud_video",
    )
}
TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": list(RQ_QUEUES)}}

MEDIA_ROOT = os.environ.get("LFCLOUD_TEST_MEDIA_ROOT", MEDIA_ROOT)
if os.environ.get("LFCLOUD_TEST_PRIVATE_ROOT"):
    STORAGES = {
        **STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": os.environ["LFCLOUD_TEST_PRIVATE_ROOT"]},
        },
    }
if os.environ.get("LFCLOUD_TEST_S3"):
    from tests.s3 import s3_storages_settings

    endpoint, originals, renditions = os.environ["LFCLOUD_TEST_S3"].split()
    STORAGES = {**STORAGES, **s3_storages_settings(endpoint, originals, renditions)}
    WAGTAILIMAGES_RENDITION_STORAGE = "renditions"
    # As in the test (tests/s3.py): drafts' renditions in the public bucket are what E030 is
    # about; the worker must start all the same.
    SILENCED_SYSTEM_CHECKS = ["wagtail_lfcloud.E030"]

globals().update(json.loads(os.environ.get("LFCLOUD_TEST_WORKER_SETTINGS", "{}")))
