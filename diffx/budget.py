"""Time budgets: end a computation that runs too long (a swelling symbolic derivative).

In the main thread of a Unix process, a budget is a repeating ``SIGALRM`` timer whose handler
raises :class:`BudgetExceeded` inside whatever Python code is running, so sympy stops where it
is. ``BudgetExceeded`` derives from ``BaseException`` so that library code catching
``Exception`` cannot swallow it, and the timer keeps firing until the budget's block is left.
Elsewhere (other threads, no ``SIGALRM``) the work runs in a daemon thread and the caller stops
waiting when the budget is spent; the abandoned work finishes in the background.
"""

from __future__ import annotations

import signal
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
    if _can_signal() and signal.getitimer(signal.ITIMER_REAL)[0] == 0:
        return _with_alarm(fn, seconds)
    return _with_thread(fn, seconds)  # another timer is running (or no SIGALRM here)


def _with_alarm(fn: Callable[[], T], seconds: float) -> T:
    def on_alarm(signum: int, frame: Any) -> None:
        raise BudgetExceeded

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _with_thread(fn: Callable[[], T], seconds: float) -> T:
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the waiting caller
            box["error"] = exc

    worker = threading.Thread(target=work, daemon=True, name="diffx-budget")
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise BudgetExceeded
    if "error" in box:
        raise box["error"]
    return box["value"]
