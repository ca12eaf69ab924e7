"""Several named outputs (``diffx grad ... --of y1,y2``) on a terminal and in JSON: each
output's value, the Jacobian as one labelled matrix (rows are the outputs in the numerator
layout), the methods with their worst entry and what each cost (reverse: one sweep per
output; forward: one sweep per input). Formatting only, no computing."""

from __future__ import annotations

import json
import math
from typing import Any

from rich.markup import escape

from ..result import Gradient, Report
from .text import count, number

SHOWN_ABOVE = 1e-6  # a method whose worst relative error is above this shows its matrix


def matrix_lines(report: Report, r: Gradient, indent: str = "") -> list[str]:
    """The Jacobian of ``r`` as a table with its rows and columns named: ``y1  12  4``."""
    import numpy as np

    from ..methods.outputs import jacobian_matrix

    shapes = report.shapes
    names = getattr(shapes, "names", ())
    matrix = jacobian_matrix(r)
    if matrix is None:
        return [f"{indent}—"]
    where = ""
    if matrix.ndim > 2:  # a batch of points: the first
        where = f"  (at the first of {int(np.prod(matrix.shape[:-2])):,} points)"
        matrix = matrix[(0,) * (matrix.ndim - 2)]
    rows, cols = list(names), [f"∂/∂{w}" for w in r.wrt]
    if getattr(shapes, "layout", None) == "denominator":
        rows, cols = list(r.wrt), [f"∂{n}" for n in names]
    else:
        rows = [f"∂{n}" for n in names]
    cells = [[c if isinstance(c, str) else number(c) for c in row] for row in matrix.tolist()]
    left = max(len(x) for x in rows)
    widths = [max(len(cols[j]), *(len(row[j]) for row in cells)) for j in range(len(cols))]
    head = " " * left + "  " + "  ".join(c.rjust(w) for c, w in zip(cols, widths))
    lines = [f"{indent}{head.rstrip()}{where}"]
    for name, row in zip(rows, cells):
        lines.append(f"{indent}{name.ljust(left)}  " +
                     "  ".join(c.rjust(w) for c, w in zip(row, widths)))
    return lines


def _cost(r: Gradient) -> str:
    """The method's cost cell, with what its sweeps were for (one per output or input)."""
    from ..methods.outputs import sweep_note

    text = r.details.summary(r.cost, number, count)
    note = sweep_note(r)
    return f"{note}, {text}" if note else text


def print_outputs_report(report: Report, console: Any, title: str) -> None:
    """The report of several outputs on the terminal (see the module docstring)."""
    import numpy as np

    from .gradient_table import _routes_and_warnings, _worst_cell, jacobian_cost, methods_table

    shapes = report.shapes
    assert shapes is not None
    names = getattr(shapes, "names", ())
    console.print(f"[bold]{escape(title)}[/bold]")
    if report.point is not None:
        if report.point:
            where = ", ".join(f"{k}={number(v, 10)}" for k, v in report.point.items())
            console.print(f"at {escape(where)}", highlight=False)
        if report.value is not None:
            values = np.asarray(report.value, dtype=float)
            if values.ndim == 1:
                console.print(escape(", ".join(f"{k} = {number(v)}" for k, v in
                                               zip(names, values.tolist()))), highlight=False)
    shown = report.reference if report.reference in report.results else next(
        (k for k, r in report.results.items() if r.ok and r.gradient is not None), None)
    what = f"Jacobian ({shapes.layout_text('')})"
    if report.point is None:
        for name, r in report.results.items():
            if r.ok and r.gradient is not None:
                console.print(escape(f"{name}: {what}"), highlight=False)
                for line in matrix_lines(report, r, "  "):
                    console.print(escape(line), highlight=False)
    elif shown is not None:
        console.print(escape(what), highlight=False)
        for line in matrix_lines(report, report.results[shown], "  "):
            console.print(escape(line), highlight=False)
    methods_table(report, console, _worst_cell, " (worst entry)", _cost)
    if report.wrt:
        console.print(escape(jacobian_cost(report)), highlight=False, soft_wrap=True)
    if report.point is not None:
        for name, r in report.results.items():
            worst = report.worst.get(name)
            if name != shown and worst is not None and worst.entry and not \
                    worst.relative_error <= SHOWN_ABOVE:  # (nan: shown too)
                console.print(escape(f"{name} (worst entry {worst.entry}):"), highlight=False)
                for line in matrix_lines(report, r, "  "):
                    console.print(escape(line), highlight=False)
    if not report.wrt:
        console.print("[dim]the expression has no inputs, so there is nothing to "
                      "differentiate[/dim]")
    _routes_and_warnings(report, console, shapes.output)


def outputs_report_json(report: Report, graph: Any) -> str:
    """The vector report's JSON with the outputs named and each method's Jacobian as one
    matrix (``rows``, ``columns``, ``value``; at one point, or as formulas)."""
    from .vector_json import vector_report_json

    data = json.loads(vector_report_json(report, graph))
    shapes = report.shapes
    names = list(getattr(shapes, "names", ()))
    denominator = getattr(shapes, "layout", None) == "denominator"
    data["outputs"] = names
    for entry in data["results"].values():
        grads = entry.get("gradient")
        if not grads or any(len(g["shape"]) != 1 for g in grads.values()):
            continue  # (no gradient, or a batch of points: per input only)
        columns = [grads[w]["value"] for w in data["wrt"]]
        matrix = [list(row) for row in zip(*columns)] if columns else [[] for _ in names]
        if denominator:
            matrix = [list(row) for row in zip(*matrix)] if matrix else []
        entry["jacobian"] = {"rows": data["wrt"] if denominator else names,
                             "columns": names if denominator else data["wrt"],
                             "value": matrix}
    assert all(not isinstance(v, float) or math.isfinite(v) for v in data.values())
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
