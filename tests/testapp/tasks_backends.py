"""A queue backend that cannot defer a task (``supports_defer`` false), for the W028 check."""

from django_tasks.backends.base import BaseTaskBackend


class NoDeferBackend(BaseTaskBackend):
    supports_defer = False

    def enqueue(self, task, args, kwargs):
        raise NotImplementedError("never used: only the system check builds this backend")
