"""The forward method: forward-mode differentiation, one tangent sweep per input.

Each sweep pushes d node / d input from the inputs to the output along the same edges and
local derivatives the reverse sweep uses, so it costs about one evaluation per input: cheap
for few inputs, while the reverse sweep gets every input in one pass.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import diagnose_adjoints, engine, evaluation, exact, exact_points, strong_zeros
from ..details import SweepDetails
from ..errors import option
from ..graph import Graph
from ..result import Gradient
from .base import Evaluated, MethodError, new_result, register, to_python, use_other_mode_where_nan
from .reverse import exact_values, undefined_where_nan


@register("forward", {}, "forward mode: one tangent sweep per input")
def run(graph: Graph, wrt: tuple[str, ...], point: dict[str, Any] | None,
        arrays: bool, evaluated: Evaluated | None) -> Gradient:
    if point is None:
        raise MethodError(f"forward mode computes values: add {option('at')}")
    result = new_result("forward", graph, wrt, point)
    result.details = SweepDetails()
    start = time.perf_counter()
    evaluated = evaluated or Evaluated(graph, point, arrays)
    vals, ns = evaluated.forward()
    gradient = {}
    tangents: dict[str, list[Any]] = {}
    for w in wrt:
        if ns == "math":
            try:
                tan = engine.tangents(graph, vals, w, "math")
            except (ArithmeticError, ValueError):
                ns = "numpy"
        if ns == "numpy":
            with np.errstate(all="ignore"):
                tan = engine.tangents(graph, [np.asarray(v) if not arrays else v
                                              for v in vals], w, "numpy")
        gradient[w] = to_python(undefined_where_nan(tan[graph.output], vals[graph.output]))
        tangents[w] = tan
    result.seconds = time.perf_counter() - start
    result.gradient = gradient
    result.value = to_python(vals[graph.output])
    result.details.values, result.details.tangents = vals, tangents  # (as the field says)
    edges = sum(engine.edge_count(graph, (w,)) for w in wrt)
    result.cost = {"evaluations": 1, "operations": graph.n_evaluated + edges,
                   "sweeps": len(wrt)}
    result.warnings += _cancelled_infinities(graph, vals, ns, wrt, gradient, arrays)
    V = exact.point_values(graph, vals) if exact.auditable(graph, wrt, gradient, arrays) else None
    if V is not None:  # (spares the runner's value warnings a pass over the values)
        evaluated.finite = evaluation.known_normal(vals) or bool(np.isfinite(V).all())
    result.warnings += strong_zeros.hidden_zero_warnings(graph, vals, tangents, wrt, "forward",
                                                         arrays)
    if V is not None:
        checked = exact.check_point(graph, point, V, tangents, wrt, gradient, False,
                                    evaluation.known_normal(vals))
        gradient.update(checked.fixed)
        result.warnings += checked.warnings
        if checked.value is not None:
            result.value = checked.value
    elif arrays and wrt:
        result.warnings += exact_values(result, exact_points.check_points(
            graph, point, vals, tangents, wrt, gradient, False))
    result.warnings += _not_finite(graph, vals, ns, wrt, gradient, arrays, result.warnings)
    return result


def _not_finite(graph: Graph, vals: Sequence[Any], ns: str, wrt: tuple[str, ...],
                gradient: dict[str, Any], arrays: bool, told: list[str]) -> list[str]:
    """A derivative that is not finite where the function is: said as the reverse method
    says it (the node whose local derivative is infinite), which its sweep finds."""
    value = vals[graph.output]
    with np.errstate(all="ignore"):
        bad = tuple(w for w in wrt if np.any(~np.isfinite(gradient[w]) & np.isfinite(value)))
    if not bad or any("not finite" in t for t in told):
        return []
    with np.errstate(all="ignore"):
        G, _ = evaluation.sweep(graph, vals, wrt, ns, arrays)
        found = diagnose_adjoints.adjoint_warnings(graph, vals, G, bad)
    return found or [f"the derivative with respect to {', '.join(bad)} is not finite here: "
                     "a local derivative on a route to the output is infinite or undefined"]


def _cancelled_infinities(graph: Graph, vals: Sequence[Any], ns: str, wrt: tuple[str, ...],
                          gradient: dict[str, Any], arrays: bool) -> list[str]:
    """Tangents that are nan where f is defined (``sqrt(x - y) - sqrt(x - y)`` at x = y):
    the reverse sweep adds the adjoints first (1 - 1 = 0); its value is used."""
    adjoints: list[Any] = []

    def reverse(w: str) -> Any:
        if not adjoints:  # one sweep serves every input
            adjoints.append(evaluation.sweep(graph, vals, wrt, ns, arrays)[0])
        return adjoints[0][graph.input_nodes[w]]

    return use_other_mode_where_nan(
        graph, vals, wrt, gradient, reverse,
        "forward mode gave nan for ∂/∂{w}: infinite tangents that cancel (inf - inf); the "
        "reverse sweep, which adds the adjoints first, gives the value reported")
