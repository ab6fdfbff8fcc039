"""Hard bounds on one video step: each probe, poster frame and transcode runs in a child process
with a memory and a time limit, so a hostile or huge clip fails that step with a clear error
instead of taking the web or queue worker down.

:func:`run_bounded` forks the current process (``multiprocessing``'s ``fork`` start method: the
child starts in a moment with the settings, translations and modules already loaded, where
``spawn`` or ``forkserver`` would import Django and Wagtail again for every step). The child

* sets ``RLIMIT_AS`` to its address space at the start plus ``VIDEO_MEMORY_LIMIT`` bytes: an
  allocation past it fails in the child (FFmpeg answers ``ENOMEM`` or refuses to open a codec,
  Python raises :class:`MemoryError`), never in the worker;
* runs the step and sends back its result or its exception through a pipe, touching no database
  connection (the steps only read and write local files).

The parent waits at most ``seconds`` (the step's share of ``VIDEO_TASK_SECONDS``) and kills the
child past it: a decoder stuck inside FFmpeg cannot hold the worker, where the transcode's own
deadline (checked between packets) cannot reach it.

Where ``fork`` does not exist (Windows) or on macOS (whose system libraries do not survive a
fork), the step runs in the process itself, bounded by its deadline only.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

from django.template.defaultfilters import filesizeformat

from ..conf import lfcloud_settings

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
    """Whether steps run in a child process on this platform."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


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


def _child(conn, memory: int | None, func: Callable, args: tuple, kwargs: dict) -> None:
    limit = None
    try:
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
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(writer, memory, func, args, kwargs), name="lfcloud-video", daemon=True
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
        if memory is not None:
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


def _memory_message(what: str, memory: int | None, detail: str) -> str:
    limit = filesizeformat(memory) if memory is not None else "?"
    return (
        f"{what} needed more memory than the {limit} a video step may use "
        f"(WAGTAIL_LFCLOUD_VIDEO_MEMORY_LIMIT; {detail})."
    )


def _since(started: float) -> float:
    return time.monotonic() - started
