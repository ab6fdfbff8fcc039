"""Preloaded by the fork server that starts bounded video steps (``video/bounded.py``): Django
and the apps are set up once in the server, so each step's child is forked from a process that
already has them, without the parent's threads."""

import os

import django
from django.apps import apps

if os.environ.get("DJANGO_SETTINGS_MODULE") and not apps.ready:
    django.setup()
