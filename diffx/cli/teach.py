"""The teaching commands: ``trace`` (the primal, tangent and adjoint trace tables of a
program at one point, as the survey and the lecture notes draw them) and ``steps`` (a
derivative derived rule by rule, checked against sympy)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from ..errors import DiffxError
from .options import At, File, Json, Source, check_whole
from .run import console
from .sources import read_point, read_program


class Numbering(str, Enum):
    names = "names"
    survey = "survey"


class Format(str, Enum):
    rich = "rich"
    markdown = "markdown"
    latex = "latex"
    json = "json"


def trace(
    source: Source = None,
    file: File = None,
    at: At = None,
    seed: Annotated[str | None, typer.Option(
        "--seed", help="The input whose tangent is 1 in the tangent trace (default: the "
        "first input).", show_default=False)] = None,
    numbering: Annotated[Numbering, typer.Option(
        "--numbering", help="Name the rows by the program's names, or as the survey does: "
        "the n inputs v-(n-1) ... v0, then v1, v2, ...")] = Numbering.names,
    fmt: Annotated[Format, typer.Option(
        "--format", help="A table on the terminal, Markdown, a LaTeX tabular, or JSON.")
    ] = Format.rich,
    digits: Annotated[int, typer.Option(
        "--digits", help="Decimals shown (JSON keeps every digit).")] = 3,
    json_out: Json = False,
) -> None:
    """The evaluation trace tables of SOURCE at one point: the primal trace, the tangent
    trace (forward mode, seeded by --seed) and the adjoint trace (each adjoint the sum over
    the node's children of child adjoint × local partial), as in Baydin et al.'s survey."""
    from ..present import trace as present
    from ..trace_table import trace_table

    check_whole("--digits", digits, 0, 15)
    if json_out and fmt not in (Format.rich, Format.json):
        raise DiffxError(f"--json and --format {fmt.value} ask for two outputs; give one")
    if json_out:
        fmt = Format.json
    g = read_program(source, file)
    point = read_point(at)
    table = trace_table(g, at=point, seed=seed, numbering=numbering.value)
    if fmt is Format.rich:
        present.print_trace(table, console(), digits)
    elif fmt is Format.markdown:
        typer.echo(present.markdown(table, digits), nl=False)
    elif fmt is Format.latex:
        typer.echo(present.latex(table, digits), nl=False)
    else:
        typer.echo(present.as_json(table, digits))


def steps(
    source: Source = None,
    file: File = None,
    wrt: Annotated[str | None, typer.Option(
        "--wrt", help="The input to differentiate with respect to (default: the first).",
        show_default=False)] = None,
    tree: Annotated[bool, typer.Option(
        "--tree", help="Derive every use of a shared part in place, as a textbook writes it "
        "out (default: shared parts and named statements are derived once, by name).")
    ] = False,
    fmt: Annotated[Format, typer.Option(
        "--format", help="Text on the terminal, Markdown, LaTeX, or JSON.")] = Format.rich,
    limit: Annotated[int, typer.Option(
        "--limit", help="Steps written before the rest are counted (JSON has them all).")
    ] = 60,
    json_out: Json = False,
) -> None:
    """The derivative of SOURCE derived rule by rule: sum, product, quotient, power and
    chain rules and each function's rule from the op table, every step named, ending in the
    formula, which is checked against sympy.diff."""
    from ..present import steps as present
    from ..steps import steps as derive

    check_whole("--limit", limit, 1, 1_000_000)
    if json_out and fmt not in (Format.rich, Format.json):
        raise DiffxError(f"--json and --format {fmt.value} ask for two outputs; give one")
    if json_out:
        fmt = Format.json
    s = derive(read_program(source, file), wrt=wrt, tree=tree)
    if fmt is Format.rich:
        present.print_steps(s, console(), limit)
    elif fmt is Format.markdown:
        typer.echo(present.markdown(s, limit), nl=False)
    elif fmt is Format.latex:
        typer.echo(present.latex(s, limit), nl=False)
    else:
        typer.echo(present.as_json(s))
