"""A time budget's alarm that lands in a finalizer (Python's own call, where an exception
cannot propagate) is not reported as an unraisable error, and the budget still ends the
work: the repeating timer raises again in the budgeted code."""

from __future__ import annotations

import sys
import time

import pytest

from diffx.budget import BudgetExceeded, _can_signal, run_with_budget


class _SlowFinalizer:
    def __del__(self) -> None:
        end = time.monotonic() + 0.3  # outlasts the budget: the alarm lands in here
        while time.monotonic() < end:
            pass


def test_an_alarm_in_a_finalizer_is_dropped_and_the_budget_still_ends() -> None:
    if not _can_signal():
        pytest.skip("no SIGALRM timer here (the thread budget does not use it)")
    seen: list[type] = []
    saved = sys.unraisablehook
    sys.unraisablehook = ours = lambda unraisable: seen.append(unraisable.exc_type)
    try:
        def work() -> None:
            _SlowFinalizer()  # dropped at once: its __del__ runs inside the budget
            while True:
                pass

        start = time.monotonic()
        with pytest.raises(BudgetExceeded):
            run_with_budget(work, 0.1)
        assert time.monotonic() - start < 5
        assert sys.unraisablehook is ours  # (the budget restored the hook it found)
    finally:
        sys.unraisablehook = saved
    assert BudgetExceeded not in seen


def test_other_unraisable_errors_still_reach_the_hook() -> None:
    if not _can_signal():
        pytest.skip("no SIGALRM timer here")
    seen: list[type] = []
    saved = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: seen.append(unraisable.exc_type)

    class Broken:
        def __del__(self) -> None:
            raise ValueError("from a finalizer")

    try:
        assert run_with_budget(lambda: (Broken(), 7)[1], 5.0) == 7
    finally:
        sys.unraisablehook = saved
    assert seen == [ValueError]
