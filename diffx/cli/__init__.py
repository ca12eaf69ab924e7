"""The ``diffx`` command: a thin typer layer over the library.

Each command parses its options, calls the library and hands the result to a presenter
(``diffx.present``). Errors in what the user typed become ``error: ...`` on stderr with exit
status 2, never a traceback. The package holds the app and its entry point here; the error
and exit-status policy in ``run``; the reading of ``-x^2`` as an argument in ``args``; the
shared options in ``options``; the reading of programs and points in ``sources``; and the
commands in ``differentiate`` (grad, routes), ``draw`` (graph), ``measure`` (swell,
compare, check) and ``teach`` (trace, steps, quiz).
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from ..errors import DiffxError
from .adjoint import adjoint
from .args import DiffxCommand, expression_arguments
from .differentiate import grad, routes
from .draw import graph
from .measure import check, compare, swell
from .options import MethodChoice, Scheme
from .run import (EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERNAL, big_blocks_to_system, command,
                  flag, internal_error, stop_stray_alarms)
from .sources import read_source
from .teach import quiz, steps, trace

__all__ = ["app", "main", "flag", "expression_arguments", "read_source", "MethodChoice",
           "Scheme", "EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_INTERNAL"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="diffx: differentiate an expression or a small program three ways, side by side.",
)

# in the order --help lists them
for _fn in (grad, graph, routes, swell, compare, check, trace, steps, quiz, adjoint):
    app.command(cls=DiffxCommand)(command(_fn))


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"diffx {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", help="Print diffx's version and exit.", callback=_print_version,
        is_eager=True)] = False,
) -> None:
    """diffx: differentiate an expression or a small program three ways, side by side.

    An expression that starts with '-' may be written as it is (diffx grad -x^2 --at x=3) or
    after '--' (diffx grad -- -x^2 --at x=3).
    """


def main() -> None:
    """Entry point of the ``diffx`` console script.

    typer handles usage errors itself (exit 2); diffx's own errors and anything unexpected
    become one line on stderr instead of a traceback.
    """
    big_blocks_to_system()
    try:
        app()
    except DiffxError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(130)
    except MemoryError:
        typer.echo("error: out of memory", err=True)
        sys.exit(EXIT_FAILED)
    except BaseException as exc:  # even BaseException subclasses (a time budget running out)
        if isinstance(exc, SystemExit | GeneratorExit) or os.environ.get("DIFFX_DEBUG"):
            raise
        stop_stray_alarms()
        message, code = internal_error(exc)
        typer.echo(f"error: {message}", err=True)
        sys.exit(code)
