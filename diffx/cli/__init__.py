"""The ``diffx`` command: a thin typer layer over the library.

Each command parses its options, calls the library and hands the result to a presenter
(``diffx.present``). Errors in what the user typed become ``error: ...`` on stderr with exit
status 2, never a traceback. The package holds the app and its entry point here; the error
and exit-status policy in ``run``; the reading of ``-x^2`` as an argument in ``args``; the
shared options in ``options``; the reading of programs and points in ``sources``; and the
commands in ``differentiate`` (grad, routes), ``draw`` (graph), ``measure`` (swell,
compare, check), ``teach`` (trace, steps, quiz) and ``adjoint``. A command's module, and the
library it calls, is imported only when that command runs (or ``--help`` lists it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, MutableMapping
from importlib import import_module
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.core
import typer.main
import typer.models

from ..errors import DiffxError
from .args import DiffxCommand, expression_arguments
from .run import (EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERNAL, big_blocks_to_system, command,
                  flag, internal_error, stop_stray_alarms)

if TYPE_CHECKING:
    from .options import MethodChoice, Scheme
    from .sources import read_source

__all__ = ["app", "main", "flag", "expression_arguments", "read_source", "MethodChoice",
           "Scheme", "EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_INTERNAL"]

# the commands, in the order --help lists them: name -> the module of this package holding the
# function of that name. A command's module (and what it imports) loads only when the command
# is run or listed, so that `diffx grad` does not load the teaching commands.
COMMANDS = dict(grad="differentiate", graph="draw", routes="differentiate", swell="measure",
                compare="measure", check="measure", trace="teach", steps="teach", quiz="teach",
                adjoint="adjoint")


def __getattr__(attr: str) -> Any:
    """The shared options' choices and ``read_source``, loaded on first use."""
    if attr in ("MethodChoice", "Scheme"):
        return getattr(import_module(".options", __name__), attr)
    if attr == "read_source":
        return import_module(".sources", __name__).read_source
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


class _Commands(MutableMapping[str, Any]):
    """The root group's commands by name, each built from its function on first use."""

    def __init__(self) -> None:
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in COMMANDS:
                raise KeyError(name)
            fn = getattr(import_module(f".{COMMANDS[name]}", __name__), name)
            self._built[name] = typer.main.get_command_from_info(
                typer.models.CommandInfo(callback=command(fn), cls=DiffxCommand),
                pretty_exceptions_short=True, rich_markup_mode=None)
        return self._built[name]

    def __setitem__(self, name: str, cmd: Any) -> None:
        self._built[name] = cmd

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (n for n in self._built if n not in COMMANDS)

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self._built))


class _Root(typer.core.TyperGroup):
    """The ``diffx`` group, its commands built when looked up (:class:`_Commands`)."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _Commands()


app = typer.Typer(
    cls=_Root,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="diffx: differentiate an expression or a small program three ways, side by side.",
)


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
