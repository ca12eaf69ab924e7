"""The forward method's Jacobian rows of a vector output: every row gets the checks the
method's own run gives its output.

One forward run (on the view of the last output element) holds every output element's
tangents; ``methods.jacobian`` reads the other rows from them. This module applies to each of
those rows what the run applied to its own: the exact re-run where the float sweep lost
precision -- which is what puts a value that is exactly at a kink (``relu'(0) = 0``,
``abs'(0) = 0``, a tie of ``max``/``min`` split 1/2, docs/conventions.md) on the convention
when float rounding moved it off -- and the kink warnings of the nodes that row depends on.
"""

from __future__ import annotations

from typing import Any

from .. import diagnose, exact, exact_points
from ..graph import Graph
from ..result import Gradient


def check_rows(rows: list[Gradient], views: list[Graph | None], arrays: bool) -> None:
    """Each row (a copy of the forward run's result, gradient read from its tangents) with a
    view whose output is that row's element (None: the run's own row, already checked)."""
    for row, view in zip(rows, views):
        if view is None or row.gradient is None or row.point is None:
            continue
        details = row.details
        vals, tangents = details.values, details.tangents  # type: ignore[attr-defined]
        wrt, gradient = row.wrt, dict(row.gradient)
        told: list[str] = []
        if arrays:
            if wrt:
                told = exact_points.check_points(view, row.point, vals, tangents, wrt,
                                                 gradient, False).warnings
        elif exact.auditable(view, wrt, gradient, arrays):
            V = exact.point_values(view, vals)
            if V is not None:
                checked = exact.check_point(view, row.point, V, tangents, wrt, gradient, False)
                gradient.update(checked.fixed)
                told = checked.warnings
        kinks = diagnose.kink_warnings(view, vals, wrt)
        row.gradient = gradient
        row.warnings = [*row.warnings, *(w for w in (*told, *kinks) if w not in row.warnings)]
