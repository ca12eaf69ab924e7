"""The options the commands share: their typer declarations, the choices read from the method
registry, and the checks of numbers the user typed."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .. import methods as _methods
from ..errors import DiffxError
from ..methods import numeric as _numeric

MAX_TIMEOUT = 86_400.0  # seconds: the longest --timeout the methods accept


def _choices(name: str, values: Iterable[str]) -> type[Enum]:
    """An enum of option choices (typer shows them in --help and checks them)."""
    return Enum(name, {v: v for v in values}, type=str)  # type: ignore[return-value]


# The choices come from the method registry and the numeric method's schemes, so a new method
# or scheme appears here without the CLI learning its name.
if TYPE_CHECKING:  # what the type checker sees: the members the commands name
    class MethodChoice(str, Enum):
        all = "all"

    class Scheme(str, Enum):
        central = "central"
else:
    MethodChoice = _choices("MethodChoice", ["all", *_methods.REGISTRY])
    Scheme = _choices("Scheme", _numeric.SCHEMES)


class Direction(str, Enum):
    LR = "LR"
    TB = "TB"


Source = Annotated[str | None, typer.Argument(
    help="The expression or program, e.g. \"c = a + b; d = a * c\"; '-' reads standard input. "
    "One that starts with '-' may be written as it is or after '--': diffx grad -- -x^2.",
    show_default=False)]
File = Annotated[Path | None, typer.Option(
    "--file", "-f", help="Read the program from a file.", show_default=False)]
At = Annotated[list[str] | None, typer.Option(
    "--at", help="The point: a=4,b=3 (values may be constant expressions such as pi/4); "
    "vectors and matrices x=[1,-2], W=[[1,2],[3,4]]; a range x=0:1:101; or a CSV file with a "
    "header of input names. Given more than once, the entries add up: --at a=4 --at b=3 is "
    "a=4,b=3.", show_default=False)]
Wrt = Annotated[str | None, typer.Option(
    "--wrt", help="Inputs to differentiate with respect to, e.g. a,b (default: all).",
    show_default=False)]
Json = Annotated[bool, typer.Option("--json", help="Print one strict JSON object.")]
Shape = Annotated[str | None, typer.Option(
    "--shape", help="Shapes of vector and matrix inputs, e.g. W1=2x3,x=3 (a vector of 3 "
    "entries); values in --at such as x=[1,-2] give their shapes too.", show_default=False)]


def check_seconds(option: str, value: float, most: float) -> None:
    """A time in seconds: greater than 0 and at most ``most``; the message names ``option``."""
    if not 0 < value <= most:  # (also refuses nan)
        raise DiffxError(f"{option} must be greater than 0 and at most {most:,g} seconds, "
                         f"got {value:g}")


def check_whole(option: str, value: int, low: int, high: int) -> None:
    """A count from ``low`` to ``high``; the message names ``option`` as the user typed it."""
    if not low <= value <= high:
        raise DiffxError(f"{option} must be a whole number from {low:,} to {high:,}, "
                         f"got {value}")
