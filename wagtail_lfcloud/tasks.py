"""Background work, run by django-tasks (``TASKS`` setting).

Task arguments are primary keys and strings, never model instances, so they survive a real
queue backend. Each part of the package adds its tasks here.
"""

from __future__ import annotations

from django_tasks import task  # noqa: F401
