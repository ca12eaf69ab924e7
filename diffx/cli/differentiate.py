"""The commands that differentiate: ``grad`` (every method side by side) and ``routes`` (every
route from each input to the output)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..details import sweep_details
from ..errors import DiffxError, naming
from .options import (MAX_TIMEOUT, At, File, Json, MethodChoice, Scheme, Shape, Source, Wrt,
                      check_seconds, check_whole)
from .run import EXIT_FAILED, console, fail, flag
from .sources import read_program_at, read_scalar_program


def grad(
    source: Source = None,
    file: File = None,
    wrt: Wrt = None,
    at: At = None,
    method: Annotated[MethodChoice, typer.Option(
        "--method", "-m", help="Which method to run; 'all' runs symbolic, numeric and reverse "
        "side by side (and matrix for a vector program).")] = MethodChoice.all,
    routes: Annotated[bool, typer.Option(
        "--routes", help="List every route from each input to the output (reverse method).")
    ] = False,
    json_out: Json = False,
    scheme: Annotated[Scheme, typer.Option(
        "--scheme", help="Finite-difference scheme for the numeric method.")] = Scheme.central,
    step: Annotated[float | None, typer.Option(
        "--step", help="Finite-difference step (default: scaled to the point).",
        show_default=False)] = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", help="Seconds the symbolic work may take before it is stopped.")] = 30.0,
    route_limit: Annotated[int, typer.Option(
        "--route-limit", help="List at most this many routes.")] = 1000,
    backward: Annotated[bool, typer.Option(
        "--backward", help="Print the backward pass of a vector program in matrix notation, "
        "checked against the scalar sweep.")] = False,
    shape: Shape = None,
    order: Annotated[int, typer.Option(
        "--order", help="2: the Hessian by every method (symbolic, reverse-over-reverse, "
        "forward-over-reverse, second differences) and their agreement.")] = 1,
    layout: Annotated[str, typer.Option(
        "--layout", help="A vector output's Jacobian: 'numerator' (rows are the outputs, as "
        "JAX and PyTorch) or 'denominator' (rows are the inputs, the lectures' table).")
    ] = "numerator",
    of: Annotated[str | None, typer.Option(
        "--of", help="The outputs: statements of the program by name (y1,y2). One name "
        "differentiates that statement; several give their Jacobian (rows are the outputs).",
        show_default=False)] = None,
) -> None:
    """Differentiate SOURCE by each method and show whether they agree.

    Without --at the derivatives are formulas; with --at they are values at that point. A
    program over vectors and matrices (W1 @ x + b1) gives each derivative shaped like its
    input: --at "W1=[[0.1,0.2],[-0.3,0.4]], x=[1,-2], ..." or --shape W1=2x2,x=2.
    """
    from .. import api, methods
    from ..present.command_output import add_grad_warnings, grad_failure

    if of is not None and (backward or order == 2):
        raise fail(f"--of chooses the outputs of the first derivative; it does not combine "
                   f"with {'--backward' if backward else '--order 2'} (make the output you "
                   f"want the last statement instead)")
    if backward:
        from ..backward import backward as backward_pass
        from ..present.backward import backward_json, backward_text
        from .sources import read_point, read_source

        found = backward_pass(read_source(source, file), at=read_point(at), wrt=wrt)
        checked = found.check()
        typer.echo(backward_json(found, checked) if json_out else
                   backward_text(found, check=checked))
        if not checked.agrees:  # a backward pass that disagrees with the scalar sweep fails
            raise typer.Exit(1)
        return None
    check_whole("--order", order, 1, 2)
    check_seconds("--timeout", timeout, MAX_TIMEOUT)
    if order == 2:
        from ..present.hessian import order_two

        set_here = [name for name, value, default in (
            ("--scheme", scheme.value, Scheme.central.value), ("--step", step, None),
            ("--routes", routes, False), ("--route-limit", route_limit, 1000))
            if value != default]
        if set_here:  # (the second differences choose their own steps)
            raise fail(f"{set_here[0]} is an option of the first derivative; --order 2 does "
                       "not take it")

        return typer.echo(order_two(*read_program_at(source, file, at, shape)[:2], wrt, json_out,
                                    timeout, method.value))
    check_whole("--route-limit", route_limit, 0, methods.MAX_ROUTE_LIMIT)
    wanted = None if method.value == "all" else (method.value,)  # None: the defaults
    # each option goes to every method that declares it (the registry says which); one the
    # user set that no method run takes is refused, not dropped
    given = {"scheme": scheme.value, "step": step, "timeout": timeout, "routes": routes,
             "route_limit": route_limit}
    defaults = {"scheme": Scheme.central.value, "step": None, "timeout": 30.0,
                "routes": False, "route_limit": 1000}
    run = wanted or ("symbolic", "numeric", "reverse")
    for key, value in given.items():
        takers = [m for m in methods.REGISTRY if key in methods.get(m).options]
        if value != defaults[key] and not any(m in takers for m in run):
            raise fail(f"{flag(key) if key != 'route_limit' else '--route-limit'} is an option "
                       f"of the {' and '.join(takers)} method"
                       f"{'s' * (len(takers) > 1)}, which --method {method.value} does not "
                       "run")
    program, point, shapes = read_program_at(source, file, at, shape)
    options = {m: {k: v for k, v in given.items() if k in methods.get(m).options}
               for m in wanted or methods.REGISTRY}
    if point is None and not program.inputs:
        point = {}  # a constant expression: its value needs no point
    report = api.grad_all(program, at=point, wrt=wrt, methods=wanted,
                          options=options, shapes=shapes, layout=layout, of=of)
    # the expansion of a vector program; the statement --of chose (a view of the program)
    graph = report.graph if report.shapes is not None or of else program
    if wanted is not None:
        only = report.results[wanted[0]]
        if not only.ok and only.error_kind == "usage":
            raise fail(only.error or "failed")
    add_grad_warnings(report, graph, routes)
    out_name = graph.output_name if of and report.shapes is None else program.output_name
    several = getattr(report.shapes, "names", ())  # --of y1,y2: their Jacobian
    if several:
        from ..present.outputs_table import outputs_report_json, print_outputs_report

        if json_out:
            typer.echo(outputs_report_json(report, graph))
        else:
            print_outputs_report(report, console(), program.title())
    elif json_out:
        if report.shapes is not None:  # a vector program: shapes, gradients with theirs
            from ..present.vector_json import vector_report_json as report_json
        else:
            from ..present.as_json import report_json

        typer.echo(report_json(report, graph))
    else:
        from ..present.gradient_table import print_report

        print_report(report, console(), out_name, title=program.title(),
                     every_point="; --json gives every one")
    failure = grad_failure(report, out_name)
    if failure is not None:
        raise fail(failure, EXIT_FAILED)


def routes(
    source: Source = None,
    file: File = None,
    wrt: Wrt = None,
    at: At = None,
    limit: Annotated[int, typer.Option(
        "--limit", help="List at most this many routes per input (they are always counted).")
    ] = 1000,
    json_out: Json = False,
    shape: Shape = None,
) -> None:
    """List every route from each input to the output of SOURCE: its local derivatives, their
    product, the sum, and the exact number of routes."""
    from .. import api
    from ..methods import MAX_ROUTE_LIMIT
    from ..present.command_output import NO_LISTING

    check_whole("--limit", limit, 0, MAX_ROUTE_LIMIT)
    g, point = read_scalar_program(source, file, at, shape)
    with naming(lambda p: "--limit" if p == "route_limit" else flag(p)):
        result = api.grad(g, at=point, wrt=wrt, method="reverse", routes=True,
                          route_limit=limit)
    if result.ok and sweep_details(result.details).route_listing is None:
        raise DiffxError(NO_LISTING)
    if json_out:
        from ..present.listing_json import write_listing_json
        from ..present.command_output import routes_data

        write_listing_json(routes_data(g, result), sys.stdout.write)
        return
    from ..present.text import print_route_report

    print_route_report(result, console(), g.title(), g.output_name)
