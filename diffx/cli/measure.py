"""The commands that measure and check: ``swell`` (expression swell as n grows), ``compare``
(every method and variant at one point) and ``check`` (a hand-derived gradient, PASS or
FAIL)."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from .options import MAX_TIMEOUT, At, File, Json, Shape, Source, Wrt, check_seconds
from .run import EXIT_FAILED, console, fail
from .sources import read_program_at


def swell(
    family: Annotated[str, typer.Argument(
        help="A family: logistic, logistic-expanded, sigmoid-chain, product; or one expression.",
        show_default=False)],
    n: Annotated[str | None, typer.Option(
        "--n", help="The sizes: a range 1..10, or numbers 1,2,4 (default 1..8).",
        show_default=False)] = None,
    budget: Annotated[float, typer.Option(
        "--budget", help="Seconds each sympy cell may take; a column that runs over is not "
        "attempted for larger n.")] = 10.0,
    formulas: Annotated[bool, typer.Option(
        "--formulas", help="Print the simplified derivatives (the lecture table for logistic).")
    ] = False,
    json_out: Json = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Draw sizes against n on a log scale (.png, .svg or .pdf).",
        show_default=False)] = None,
    order: Annotated[int, typer.Option(
        "--order", help="2: the second derivative's formulas (sympy's Hessian) against the "
        "sweeps over the adjoint program (reverse-over-reverse, forward-over-reverse).")] = 1,
) -> None:
    """Measure expression swell: the function and its derivative as trees and DAGs, routes,
    sympy's time against the reverse sweep's, as n grows."""
    from ..swell_request import MAX_BUDGET
    from ..swell import swell as measure
    from .options import check_whole

    check_seconds("--budget", budget, MAX_BUDGET)
    check_whole("--order", order, 1, 2)
    if json_out and csv_out:
        from ..errors import OptionError

        raise OptionError("--json and --csv each print the whole table; choose one")
    if order == 2:
        return _swell_order2(family, n, budget, json_out, formulas or csv_out or plot is not None)
    if plot is not None:
        from ..present.plot import _pyplot, check_plot_path

        check_plot_path(plot)
        _pyplot()  # fail early, before the measurements, if matplotlib is missing
    out = console()
    quiet = json_out or csv_out
    with out.status("measuring...", spinner="dots") if not quiet and sys.stdout.isatty() \
            else contextlib.nullcontext():
        table = measure(family, n, budget=budget, formulas=formulas)
    if json_out:
        from ..present.command_output import swell_json

        typer.echo(swell_json(table))
    elif csv_out:
        from ..present.tables import swell_csv

        typer.echo(swell_csv(table), nl=False)
    else:
        from ..present.tables import print_swell

        print_swell(table, out, formulas)
    if plot is not None:
        from ..present.plot import plot_swell

        path = plot_swell(table, plot)
        if not quiet:
            typer.echo(f"wrote {path}")


def _swell_order2(family: str, n: str | None, budget: float, json_out: bool,
                  unsupported: bool) -> None:
    from ..errors import OptionError
    from ..swell_order2 import swell_order2

    if unsupported:
        raise OptionError("--order 2 prints a table or --json; --formulas, --csv and --plot "
                          "go with the first-order table")
    table = swell_order2(family, n, budget=budget)
    typer.echo(table.json() if json_out else table.text())


def compare(
    source: Source = None,
    file: File = None,
    at: At = None,
    wrt: Wrt = None,
    reference: Annotated[str, typer.Option(
        "--reference", help="The row errors are measured against: symbolic, reverse, forward, "
        "or a numeric scheme such as 'numeric richardson'.")] = "symbolic",
    timeout: Annotated[float, typer.Option(
        "--timeout", help="Seconds the symbolic method may take.")] = 30.0,
    json_out: Json = False,
    shape: Shape = None,
) -> None:
    """Every method and variant side by side at one point: derivative, error against a
    reference, time, evaluations or operations, and the size of what each built."""
    from ..compare import compare as run

    check_seconds("--timeout", timeout, MAX_TIMEOUT)
    g, point, shapes = read_program_at(source, file, at, shape)
    result = run(g, at=point, wrt=wrt, reference=reference, timeout=timeout, shapes=shapes)
    if json_out:
        from ..present.command_output import compare_json

        typer.echo(compare_json(result))
        return
    if result.shapes is not None:  # vector programs: derivatives shaped like the inputs
        from ..present.gradient_table import print_report

        print_report(result, console(), g.output_name, title=g.title())
        return
    from ..present.tables import print_comparison

    print_comparison(result, console(), g.output_name)


def check(
    source: Source = None,
    file: File = None,
    at: At = None,
    claim: Annotated[list[str] | None, typer.Option(
        "--claim", help="A hand-derived derivative, input = formula; the formula may use the "
        "program's names. In a vector program it is shaped like the input (W2 = outer(y - t, "
        "h)) or names one element (W1[0,1] = ...). Repeat for each input.",
        show_default=False)] = None,
    threshold: Annotated[float, typer.Option(
        "--threshold", help="The largest relative error |a - b| / (|a| + |b|) that passes.")
    ] = 1e-6,
    sweep: Annotated[bool, typer.Option(
        "--sweep", help="Show the error of central differences for steps 1e-1 ... 1e-13.")
    ] = False,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Draw the step sweep (.png, .svg or .pdf).", show_default=False)] = None,
    json_out: Json = False,
    shape: Shape = None,
) -> None:
    """Check a gradient as the lecture teaches: hand-derived formulas (--claim) against the
    reverse sweep and central differences; PASS or FAIL, exit status 1 on FAIL."""
    from ..check import check as run

    if plot is not None:
        from ..present.plot import check_plot_path

        check_plot_path(plot)
    g, point, shapes = read_program_at(source, file, at, shape)
    report = run(g, at=point, claims=claim or None, threshold=threshold,
                 sweep=sweep or plot is not None, shapes=shapes or None)
    vector = report.inputs and hasattr(report.inputs[0], "worst_entry")
    if plot is not None and report.sweep:
        from ..present.plot import plot_sweep

        plot_sweep(report, plot)
    elif plot is not None:  # (no derivative here, so no sweep: the report says why)
        typer.echo(f"no picture written to {plot}: there is no step sweep at this point",
                   err=True)
        plot = None
    if vector:  # a vector program: one line per input, the worst entry named
        from ..present import check_vectors as shown

        if json_out:
            typer.echo(shown.vector_check_json(report))
        else:
            shown.print_vector_check(report, console())
            if plot is not None:
                typer.echo(f"wrote {plot}")
        if not report.passed:
            raise fail(shown.vector_check_failure(report), EXIT_FAILED)
        return
    if json_out:
        from ..present.command_output import check_json

        typer.echo(check_json(report))
    else:
        from ..present.tables import print_check

        print_check(report, console())
        if plot is not None:
            typer.echo(f"wrote {plot}")
    if not report.passed:
        from ..present.command_output import check_failure

        raise fail(check_failure(report), EXIT_FAILED)
