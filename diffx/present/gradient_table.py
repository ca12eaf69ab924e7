"""The gradient table on a terminal: the methods side by side, a column per input (a row per
input when there are many), the agreement with the reference, the time and the cost of each.
Formatting only, no computing."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from rich.markup import escape

from ..result import Gradient, Report
from .tables import DOUBTFUL
from .text import (NOT_FINITE, agreement_cell, array_summary, count, number, print_routes,
                   relative, seconds)


def _cost(r: Gradient) -> str:
    """The method's one-line cost, as its details record words it."""
    return r.details.summary(r.cost, number, count)


def _cell(r: Gradient, w: str) -> str:
    if r.point is None:
        told = r.details.cell(w)
        if told is not None:
            return told
        return str(r.gradient[w]) if r.gradient else "—"
    if not r.gradient:
        return "—"
    g = r.gradient[w]  # (over many points, the line under the table says how many)
    return array_summary(g, counted=False) if getattr(g, "ndim", 0) else number(g)


def print_report(report: Report, console: Any, out_name: str = "f",
                 title: str | None = None, every_point: str = "") -> None:
    """The methods side by side: a column per input (a row per input when there are many),
    the agreement with the reference method, the time and the cost of each."""
    if report.shapes is not None:
        _vector_report(report, console, out_name, title)
        return
    point = report.point
    console.print(f"[bold]{escape(title or _short(report.expression))}[/bold]")
    if point is not None:
        if point:  # (a constant expression has a value without a point)
            where = ", ".join(f"{k}={number(v, 10)}" for k, v in point.items())
            console.print(f"at {escape(where)}", highlight=False)
        console.print(escape(f"{out_name} = {number(report.value)}"), highlight=False)
    if len(report.wrt) > 3:
        _tall(report, console, out_name)
    else:
        _wide(report, console, out_name)
    n = max((getattr(v, "size", 1) for v in (point or {}).values()), default=1)
    if n > 3:  # (``every_point``: where the caller's user finds them all)
        console.print(f"[dim]each cell shows the first 3 of {n:,} points{every_point}[/dim]",
                      highlight=False)
    if not report.wrt:
        console.print("[dim]the expression has no inputs, so there is nothing to "
                      "differentiate[/dim]")
    _routes_and_warnings(report, console, out_name)


def _routes_and_warnings(report: Report, console: Any, out_name: str) -> None:
    listed = next((r for r in report.results.values() if r.ok and
                   getattr(r.details, "route_listing", None) is not None), None)
    if listed is not None:
        print_routes(listed, console, out_name)
    for w in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}", highlight=False)


SHOWN_ABOVE = 1e-6  # a method whose worst relative error is above this shows its matrices


def _vector_report(report: Report, console: Any, out_name: str, title: str | None) -> None:
    """A vector program: the value, each derivative shaped like its input (the reference's),
    then the methods with their worst entry; the matrices of a method that disagrees (worst
    relative error above ``SHOWN_ABOVE``) follow the table."""
    from .matrices import point_line, value_lines

    shapes = report.shapes
    assert shapes is not None
    console.print(f"[bold]{escape(title or _short(report.expression))}[/bold]")
    if report.point is not None:
        if report.point:
            console.print(escape(point_line(report.point, shapes.inputs)), highlight=False)
        for line in value_lines(out_name, report.value, shapes.output_shape):
            console.print(escape(line), highlight=False)
    shown = report.reference if report.reference in report.results else next(
        (k for k, r in report.results.items() if r.ok and r.gradient is not None), None)
    if report.point is None:  # formulas: every method's
        for name, r in report.results.items():
            if r.ok and r.gradient is not None:
                _print_gradients(console, r, out_name, report, f"{name}:")
    elif shown is not None:
        _print_gradients(console, report.results[shown], out_name, report)
    _vector_table(report, console)
    if shapes.output_shape and report.wrt:
        console.print(escape(jacobian_cost(report)), highlight=False, soft_wrap=True)
    if report.point is not None:
        for name, r in report.results.items():
            worst = report.worst.get(name)
            if name != shown and worst is not None and worst.entry and not \
                    worst.relative_error <= SHOWN_ABOVE:  # (nan: shown too)
                error = DOUBTFUL if report.doubtful else relative(worst.relative_error)
                _print_gradients(console, r, out_name, report, f"{name} (worst entry "
                                 f"{worst.entry}, relative error {error}):")
    if not report.wrt:
        console.print("[dim]the expression has no inputs, so there is nothing to "
                      "differentiate[/dim]")
    _routes_and_warnings(report, console, out_name)


def _print_gradients(console: Any, r: Gradient, out_name: str, report: Report,
                     heading: str | None = None) -> None:
    from .matrices import gradient_lines

    shapes = report.shapes
    assert shapes is not None and r.gradient is not None
    indent = ""
    if heading is not None:
        console.print(escape(heading), highlight=False)
        indent = "  "
    for w in report.wrt:
        for line in gradient_lines(out_name, w, r.gradient.get(w), shapes.of(w), indent,
                                   shapes.layout_text(w)):
            console.print(escape(line), highlight=False)


def jacobian_cost(report: Report) -> str:
    """The lectures' argument for a Jacobian: m reverse sweeps against n forward sweeps."""
    from ..methods.jacobian import cost_text

    shapes = report.shapes
    assert shapes is not None
    m = math.prod(shapes.output_shape)
    n = sum(math.prod(shapes.inputs.get(w, ())) for w in report.wrt)
    return cost_text(shapes.output, m, report.wrt, n)


def _vector_table(report: Report, console: Any) -> None:
    methods_table(report, console, _worst_cell, " (worst entry)")


def methods_table(report: Report, console: Any, agreement: Callable[[Report, str], str],
                  header: str = "", cost: Callable[[Gradient], str] = _cost) -> None:
    """A row per method: its agreement with the reference (where there is one to compare
    with), its time and its cost; a method that failed shows its error."""
    from rich.table import Table

    compare = _compares(report)
    table = Table(show_edge=False, header_style="bold")
    table.add_column("method")
    if compare:
        table.add_column(f"vs {report.reference}{header}", justify="right")
    table.add_column("time", justify="right")
    table.add_column("cost", overflow="fold")
    for name, r in report.results.items():
        if r.error is not None:
            row = [name] + ([""] if compare else []) + ["", f"[red]{escape(r.error)}[/red]"]
        else:
            row = [name] + ([agreement(report, name)] if compare else []) + [
                seconds(r.seconds), escape(cost(r))]
        table.add_row(*row)
    console.print(table)


def _worst_cell(report: Report, name: str) -> str:
    if name == report.reference:
        return "(reference)"
    worst = report.worst.get(name)
    if worst is None:
        return "—"
    if report.doubtful:  # not measured at a doubtful point (Report.doubtful)
        return DOUBTFUL
    if math.isnan(worst.relative_error):  # (no entry: none finite in both)
        return escape(f"{NOT_FINITE} ({worst.entry})" if worst.entry else NOT_FINITE)
    left = worst.not_finite
    tail = f"; {NOT_FINITE}: {left:,} entr{'y' if left == 1 else 'ies'}" if left else ""
    return escape(f"{relative(worst.relative_error)} ({worst.entry}){tail}")


def _agreement(report: Report, name: str) -> str:
    if name == report.reference:
        return "(reference)"
    if report.doubtful and name in report.relative_errors:
        return DOUBTFUL  # not measured at a doubtful point (Report.doubtful)
    errors = report.relative_errors.get(name)
    if not errors:
        return relative(report.worst_error(name))
    ref = report.results.get(report.reference) if report.reference else None
    return agreement_cell(errors, report.results[name].gradient,
                          ref.gradient if ref is not None else None)


def _compares(report: Report) -> bool:
    return report.point is not None and report.reference is not None and \
        len(report.results) > 1


def _wide(report: Report, console: Any, out_name: str) -> None:
    from rich.table import Table

    compare = _compares(report)
    table = Table(show_edge=False, header_style="bold")
    table.add_column("method")
    for w in report.wrt:
        table.add_column(f"∂{out_name}/∂{w}", overflow="fold")
    if compare:  # (over many points the worst one's error: say so)
        many = any(getattr(v, "ndim", 0) for v in (report.point or {}).values())
        table.add_column(f"vs {report.reference}{' (worst point)' * many}", justify="right")
    table.add_column("time", justify="right")
    table.add_column("cost", overflow="fold")
    for name, r in report.results.items():
        if r.error is not None:
            error = f"[red]{escape(r.error)}[/red]"
            cells = [error] + [""] * (len(report.wrt) - 1) if report.wrt else []
            row = [name, *cells] + ([""] if compare else []) + ["", "" if cells else error]
            table.add_row(*row)
            continue
        row = [name] + [escape(_cell(r, w)) for w in report.wrt]
        if compare:
            row.append(_agreement(report, name))
        table.add_row(*row, seconds(r.seconds), _cost(r))
    console.print(table)


def _tall(report: Report, console: Any, out_name: str) -> None:
    from rich.table import Table

    table = Table(show_edge=False, header_style="bold")
    table.add_column("")
    for name in report.results:
        table.add_column(name, overflow="fold")
    for w in report.wrt:
        cells = []
        for r in report.results.values():
            cells.append("" if r.error is not None else escape(_cell(r, w)))
        table.add_row(f"∂{out_name}/∂{w}", *cells)
    console.print(table)
    methods_table(report, console, _agreement)


def _short(text: str, limit: int = 70) -> str:
    one = " ".join(text[: limit * 4].split())  # (never split a million-line program)
    return one if len(one) <= limit else one[: limit - 1] + "…"
