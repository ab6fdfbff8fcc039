"""Hard bounds on one video step: each probe, poster frame and transcode runs in a child process
with a memory and a time limit, so a hostile or huge clip fails that step with a clear error
instead of taking the web or queue worker down.

:func:`run_bounded` starts the child from ``multiprocessing``'s fork server: one helper process,
started on the first step, that has imported Django and the apps once
(``video/forkserver.py``) and forks a fresh child for each step. Not ``fork`` from the worker
itself: a web or queue worker has threads (gunicorn's, a thread-pool task backend's, FFmpeg's own
from an earlier step in the same process), and a child forked from a threaded process can hang
for ever inside FFmpeg waiting on a thread that was not copied (seen with PyAV 19 on Python
3.12: ``avpriv_slicethread_free`` joining a slice thread). Not ``spawn``: that would import
Django and Wagtail again for every step. The child is given the caller's
``WAGTAIL_LFCLOUD_*`` settings (an ``override_settings`` in force included) and active language,
so a step reads the same limits and speaks the same language as its caller. The child

* sets ``RLIMIT_AS`` to its address space at the start plus ``VIDEO_MEMORY_LIMIT`` bytes: an
  allocation past it fails in the child (FFmpeg answers ``ENOMEM`` or refuses to open a codec,
  Python raises :class:`MemoryError`), never in the worker;
* runs the step and sends back its result or its exception through a pipe, touching no database
  connection (the steps only read and write local files).

The parent waits at most ``seconds`` (the step's share of ``VIDEO_TASK_SECONDS``) and kills the
child past it: a decoder stuck inside FFmpeg cannot hold the worker, where the transcode's own
deadline (checked between packets) cannot reach it.

Where the fork server does not exist (Windows) or on macOS (whose system libraries do not
survive a fork), the step runs in the process itself, bounded by its deadline only.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import django
from django.apps import apps
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import translation

from ..conf import PREFIX, lfcloud_settings

logger = logging.getLogger(__name__)

#: Seconds the parent waits past the step's own deadline before it kills the child (the
#: transcode checks its deadline between packets and stops cleanly first).
GRACE_SECONDS = 5.0
#: A failed step whose child came this close to its address-space limit ran out of memory (an
#: allocation that fails is not counted in the peak: FFmpeg's thread stacks and the C
#: allocator's arenas reserve tens of MB at a time).
NEAR_LIMIT = 128 * 1024 * 1024


class StepFailed(RuntimeError):
    """A bounded video step could not finish (the message says why, for the user)."""


class StepOutOfMemory(StepFailed):
    """The step needed more memory than ``VIDEO_MEMORY_LIMIT`` allows."""


class StepTimedOut(StepFailed):
    """The step ran past its time and was stopped."""


def isolated() -> bool:
    """Whether steps run in a child process here: on Linux, with the settings in a module the
    fork server can import (``DJANGO_SETTINGS_MODULE``, not ``settings.configure()``)."""
    return (
        sys.platform.startswith("linux")
        and "forkserver" in multiprocessing.get_all_start_methods()
        and bool(os.environ.get("DJANGO_SETTINGS_MODULE"))
    )


def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["wagtail_lfcloud.video.forkserver"])
    return context


def _status(field: str) -> int:
    """A ``/proc/self/status`` size (``VmSize``, ``VmPeak``) in bytes; 0 if unknown."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - /proc is always there on Linux
        pass
    return 0


def _child(conn, memory: int | None, step: bytes) -> None:
    limit = None
    try:
        # The fork server set Django up (video/forkserver.py) unless it could not find the
        # settings then; the step's function and arguments may need the apps to unpickle.
        if not apps.ready:
            django.setup()
        func, args, kwargs, ours, language = pickle.loads(step)
        for name, value in ours.items():
            setattr(settings, name, value)
        translation.activate(language or settings.LANGUAGE_CODE)
        if memory is not None:
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = _status("VmSize") + int(memory)
            if hard != resource.RLIM_INFINITY:
                limit = min(limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        answer = ("ok", func(*args, **kwargs))
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
        near = limit is not None and _status("VmPeak") + NEAR_LIMIT >= limit
        answer = ("memory" if isinstance(exc, MemoryError) or near else "error", exc)
    try:
        payload = pickle.dumps(answer)
        pickle.loads(payload)  # an exception whose class cannot be rebuilt from its pickle
    except Exception:  # noqa: BLE001 - a result or exception that does not pickle goes back as text
        kind, value = answer
        payload = pickle.dumps((kind, StepFailed(f"{type(value).__name__}: {value}")))
    conn.send_bytes(payload)
    conn.close()


def run_bounded(
    func: Callable, *args: Any, seconds: float, what: str = "the video step", **kwargs: Any
) -> Any:
    """``func(*args, **kwargs)`` in a child process bounded by ``VIDEO_MEMORY_LIMIT`` bytes and
    ``seconds`` of wall-clock time; returns its result or raises its exception.

    Raises :class:`StepOutOfMemory` when the child ran out of memory, :class:`StepTimedOut` when
    it was stopped after ``seconds`` (+ :data:`GRACE_SECONDS`), :class:`StepFailed` when it died
    without an answer. ``what`` names the step in those messages ("the transcode"). ``func``
    must not use the database: its connection belongs to the parent.
    """
    if not isolated():  # pragma: no cover - the tests run on Linux
        return func(*args, **kwargs)
    memory = lfcloud_settings.VIDEO_MEMORY_LIMIT
    step = pickle.dumps((func, args, kwargs, _our_settings(), translation.get_language()))
    context = _context()
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(writer, memory, step), name="lfcloud-video", daemon=True
    )
    started = time.monotonic()
    child.start()
    writer.close()
    answer = None
    try:
        if reader.poll(max(0.0, seconds) + GRACE_SECONDS):
            try:
                answer = pickle.loads(reader.recv_bytes())
            except EOFError:  # the child died without answering
                answer = None
        else:
            child.kill()
            raise StepTimedOut(
                f"{what} did not finish in {seconds:.0f} s and was stopped "
                "(WAGTAIL_LFCLOUD_VIDEO_TASK_SECONDS)."
            )
    finally:
        if child.is_alive() and answer is None:
            child.kill()
        child.join()
        reader.close()
    if answer is None:
        code = child.exitcode
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        logger.warning("%s stopped without an answer (%s) after %.1f s", what, how, _since(started))
        if memory is not None and code is not None and code < 0:
            # Killed by a signal under a memory limit: FFmpeg aborts when an allocation fails
            # where it cannot report it. An exit code is a Python failure (logged by the child).
            raise StepOutOfMemory(_memory_message(what, memory, f"it stopped with {how}"))
        raise StepFailed(f"{what} stopped unexpectedly ({how}).")
    kind, value = answer
    if kind == "ok":
        return value
    if kind == "memory" and memory is None:
        raise StepOutOfMemory(f"{what} ran out of memory ({value}).") from value
    if kind == "memory":
        raise StepOutOfMemory(_memory_message(what, memory, str(value))) from value
    raise value


def _our_settings() -> dict[str, Any]:
    """The caller's ``WAGTAIL_LFCLOUD_*`` settings that can go to the child (a value that does
    not pickle, such as a function, stays the settings module's there)."""
    ours = {}
    for name in dir(settings):
        if name.startswith(PREFIX):
            value = getattr(settings, name)
            try:
                pickle.dumps(value)
            except Exception:  # noqa: BLE001, S112 - any value that does not pickle stays behind
                continue
            ours[name] = value
    return ours


def _memory_message(what: str, memory: int | None, detail: str) -> str:
    limit = filesizeformat(memory) if memory is not None else "?"
    return (
        f"{what} needed more memory than the {limit} a video step may use "
        f"(WAGTAIL_LFCLOUD_VIDEO_MEMORY_LIMIT; {detail})."
    )


def _since(started: float) -> float:
    return time.monotonic() - started
