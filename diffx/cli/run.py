"""How every command runs: the exit statuses, the ``error: ...`` line, the policy for diffx
errors and unexpected failures, flags in messages, and the console the text goes to."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import typer

from ..errors import DiffxError, naming

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
EXIT_INTERNAL = 70

# parameters whose flag is not "--" + the name ('_' as '-')
FLAGS = {"claims": "--claim", "shapes": "--shape"}


def flag(param: str) -> str:
    """The CLI's word for the library parameter ``param`` in messages: its flag."""
    return FLAGS.get(param, "--" + param.replace("_", "-"))


def _control_flow(exc: BaseException) -> bool:
    """Exceptions that carry the CLI's own control flow (exit, usage errors, Ctrl-C, a closed
    pipe): typer's and click's (typer may bundle its own copy of click) and Python's."""
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | BrokenPipeError):
        return True
    return type(exc).__module__.split(".")[0] in ("typer", "click")


def command(fn: Callable[..., None]) -> Callable[..., None]:
    """A CLI command whose diffx errors become ``error: ...`` and exit status 2, and whose
    unexpected failures (any exception, even one derived from ``BaseException`` such as a
    time budget running out) become one ``error:`` line and exit status 70. Within it,
    messages name the library's parameters by their flags (``at`` as ``--at``)."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            try:
                with naming(flag):
                    fn(*args, **kwargs)
            finally:
                stop_stray_alarms()
        except DiffxError as exc:
            raise fail(str(exc)) from None
        except MemoryError:
            raise fail("out of memory", EXIT_FAILED) from None
        except BaseException as exc:
            if _control_flow(exc) or os.environ.get("DIFFX_DEBUG"):
                raise
            raise fail(*internal_error(exc)) from None

    return run


def stop_stray_alarms() -> None:
    """Disarm a time budget's SIGALRM timer that outlived its work (a budget ended by its own
    alarm may leave it firing): it would raise in the middle of printing, or kill the process
    ("Alarm clock") once the default handler is back. Retried, since the timer may fire while
    it is being disarmed."""
    import signal
    import threading

    if not hasattr(signal, "setitimer") or threading.current_thread() is not \
            threading.main_thread():
        return
    for _ in range(5):
        try:
            if signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0) and \
                    not callable(signal.getsignal(signal.SIGALRM)):
                return
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            return
        except BaseException as exc:  # the budget's alarm, raised while disarming
            if _control_flow(exc):
                raise


def big_blocks_to_system() -> None:
    """Let freed big blocks go back to the system at once. glibc's malloc serves a block of
    128 KiB or more from a mapping of its own, unmapped when freed, but raises that threshold
    to the largest such block freed so far (up to 32 MiB); from then on a big program's
    temporary arrays (the sweep plan's, the route counts') come from the heap, whose freed
    space stays with the process: on a 10^6-node program, about 10 MiB more peak memory.
    The command line fixes the threshold where it starts; with another C library nothing
    changes."""
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError, TypeError):
        pass


def internal_error(exc: BaseException) -> tuple[str, int]:
    """The ``error:`` line and exit status for an exception diffx did not expect."""
    from ..budget import BudgetExceeded

    if isinstance(exc, BudgetExceeded):
        return ("the time budget ran out before diffx could finish (raise --timeout, or ask "
                "for fewer methods with --method)", EXIT_FAILED)
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return (f"internal error ({detail}); please report it with the command you ran "
            "(DIFFX_DEBUG=1 shows details)", EXIT_INTERNAL)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    """Print ``error: message`` on stderr; the exit to raise, with status ``code``."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def console() -> Any:
    """A rich console; when output is not a terminal, lines may be long rather than wrapped."""
    from rich.console import Console

    width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "120"))
    return Console(highlight=False, soft_wrap=False, width=width)
