"""The ``adjoint`` command: the program the reverse sweep runs, printed as a diffx program
(which parses back with ``diffx.parse``) or as a standalone Python function."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from .options import At, File, Source, Wrt
from .sources import read_program_at


class Emit(str, Enum):
    diffx = "diffx"
    python = "python"


def adjoint(
    source: Source = None,
    file: File = None,
    wrt: Wrt = None,
    emit: Annotated[Emit, typer.Option(
        "--emit", help="diffx: a diffx program; python: a Python function that needs only "
        "math and returns the value and the gradient.")] = Emit.diffx,
    at: At = None,
) -> None:
    """Print the program the reverse sweep runs: the forward values, then each adjoint as the
    sum of its contributions, and its size against the original. A Python function
    (FILE.py:FUNCTION) is traced at --at.
    """
    from ..adjoint import adjoint as build

    from ..errors import DiffxError, naming
    from ..vectors import VectorProgram
    from .run import flag

    with naming(lambda p: "" if p == "shapes" else flag(p)):  # (adjoint has no --shape)
        program = read_program_at(source, file, at, None)[0]
    if isinstance(program, VectorProgram):  # its element names do not parse back
        raise DiffxError("adjoint writes the reverse sweep of a scalar program as a program; "
                         "for a vector program, diffx grad --backward prints the backward pass "
                         "in matrix notation")
    adj = build(program, wrt)
    for w in adj.warnings:  # a traced function's branch: the program holds only there
        typer.echo(f"warning: {w}", err=True)
    typer.echo(adj.text() if emit is Emit.diffx else adj.python(), nl=False)
