"""Time budgets: end a computation that runs too long (a swelling symbolic derivative).

In the main thread of a Unix process, a budget is a repeating ``SIGALRM`` timer whose handler
raises :class:`BudgetExceeded` inside whatever Python code is running, so sympy stops where it
is. ``BudgetExceeded`` derives from ``BaseException`` so that library code catching
``Exception`` cannot swallow it, and the timer keeps firing until the budget's block is left.
Elsewhere (other threads, no ``SIGALRM``) the work runs in a daemon thread and the caller stops
waiting when the budget is spent; the abandoned work is then stopped at its next Python step.
(Neither can stop one long C call, such as a huge exact power: callers keep such calls
bounded.)
"""

from __future__ import annotations

import contextvars
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class BudgetExceeded(BaseException):
    """The time budget ran out."""


def _can_signal() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def run_with_budget(fn: Callable[[], T], seconds: float | None) -> T:
    """Run ``fn()``; raise :class:`BudgetExceeded` if it takes longer than ``seconds``."""
    if seconds is None or seconds <= 0:
        return fn()
    try:
        if _can_signal() and signal.getitimer(signal.ITIMER_REAL)[0] == 0:
            return _with_alarm(fn, seconds)
        return _with_thread(fn, seconds)  # another timer is running (or no SIGALRM here)
    except BudgetExceeded:
        _forget_interrupted_sympy()
        raise


def _forget_interrupted_sympy() -> None:
    """sympy interrupted mid-way can leave half-computed assumptions on its cached objects
    (a later ``KeyError: 'zero'`` inside sympy); its cache is cleared so that later work
    builds fresh objects."""
    if "sympy" in sys.modules:
        from sympy.core.cache import clear_cache

        clear_cache()


def _with_alarm(fn: Callable[[], T], seconds: float) -> T:
    """The budget as a SIGALRM timer. Robust at any timing: the handler raises only while
    the block is armed, so an alarm that lands during the clean-up (or after it) does
    nothing; the clean-up disarms first, then stops the timer and restores the handler.

    An alarm can also land in code Python runs on its own inside the block: a finalizer
    (``__del__``), a weak reference's or the garbage collector's callback. There the
    exception cannot propagate and Python hands it to ``sys.unraisablehook`` (a test runner
    reports it as an error); the block's hook drops it instead, and the repeating timer
    raises it again, 50 ms later, in the budgeted code itself."""
    armed = [True]

    def on_alarm(signum: int, frame: Any) -> None:
        if armed[0]:
            raise BudgetExceeded

    previous_hook = sys.unraisablehook

    def on_unraisable(unraisable: Any) -> None:
        if unraisable.exc_type is not BudgetExceeded:
            previous_hook(unraisable)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    sys.unraisablehook = on_unraisable
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
        return fn()
    finally:
        # the flag is cleared by the very first instructions here, with no call before it
        # (CPython runs signal handlers only at calls and backward jumps), so no alarm can
        # land between leaving the block and disarming; then the timer stops for good
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.unraisablehook = previous_hook


def _with_thread(fn: Callable[[], T], seconds: float) -> T:
    """The budget as a worker thread the caller stops waiting for. When the budget is spent,
    the worker is asked to stop (``BudgetExceeded`` raised in it at its next Python step), so
    abandoned work does not keep running and holding memory."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the waiting caller
            box["error"] = exc

    # the worker sees the caller's context: its messages name options as the caller does
    context = contextvars.copy_context()
    worker = threading.Thread(target=context.run, args=(work,), daemon=True,
                              name="diffx-budget")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        _interrupt(worker)
        raise BudgetExceeded
    if "error" in box:
        raise box["error"]
    return box["value"]


def _interrupt(worker: threading.Thread) -> None:
    """Raise BudgetExceeded inside ``worker`` (CPython's PyThreadState_SetAsyncExc)."""
    try:
        import ctypes

        ident = worker.ident
        if ident is not None:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident),
                                                       ctypes.py_object(BudgetExceeded))
    except (ImportError, AttributeError, OSError):  # not CPython: the work ends on its own
        pass
