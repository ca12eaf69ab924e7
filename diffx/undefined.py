"""Where f has no value it has no derivative: one rule for every method
(docs/conventions.md, "Non-finite values").

At a point where f's float value is inf or nan, f is *undefined* when its exact value is not a
finite real number either: the forward pass re-run in mpmath from the same float inputs gives
inf (a pole: ``1/x^2`` at 0), nan or a complex number. No derivative exists there, so every
method's is nan, whatever its own arithmetic made of the point: the sweeps' strong zeros give 0
for ``1/x^2`` at 0, and central differences of an even pole give 0. An overflow is no such
point (``exp(x)`` at 1000 is finite, only too big for a float; so is ``1/x^2`` at 1e-200, about
1e400), nor is a cancellation of the floats (``1/((x + 1) - x)`` at 1e16 is 1).
"""

from __future__ import annotations

import math
from typing import Any

from .graph import Graph
from .ops import CONST

#: the exact forward pass is skipped on bigger graphs (the derivatives stay as computed, and
#: the value warnings say where the non-finite value arose)
MAX_NODES = 20_000
#: points of an array checked exactly; past this the rest stay as computed, and a warning
#: says how many were not checked
MAX_POINTS = 200
DIGITS = 40

SAID = "f has no derivative at this point"  # (how its warning starts: check finds it by this)
NO_DERIVATIVE = (SAID + ": its value is {what}, in exact arithmetic too (not a rounding or an "
                 "overflow of the floats), so every method gives nan")
NO_DERIVATIVE_AT = ("f has no derivative at {k:,} of the points (the first at {first}): its "
                    "value is not finite there, in exact arithmetic too (not a rounding or an "
                    "overflow of the floats), so every method gives nan at them")
NOT_CHECKED = ("f's value is {what} at this point, not checked in exact arithmetic ({why}): "
               "if f has no value here (a pole), no derivative exists, and what the methods "
               "give is not one")
UNCHECKED = ("f's value is not finite at {points} not checked in exact arithmetic "
             "({why}): their derivatives are as the method computed them, and may not exist")


def exact_value(graph: Graph, point: dict[str, float]) -> Any:
    """f at ``point`` in mpmath (``DIGITS`` digits) from the same float inputs, or None where
    that cannot be had (a big graph, inputs that are not real floats, mpmath failed)."""
    if graph.n_evaluated > MAX_NODES or not all(isinstance(v, float) for v in point.values()):
        return None
    import mpmath

    from . import engine

    try:
        with mpmath.workdps(DIGITS):
            return engine.forward(graph, {k: mpmath.mpf(v) for k, v in point.items()},
                                  "mpmath")[graph.output]
    except (ArithmeticError, ValueError, TypeError, MemoryError):
        return None


def undefined(value: Any) -> bool:
    """Whether an exact value is not a finite real number (None: not known, so False)."""
    import mpmath

    if value is None:
        return False
    return isinstance(value, mpmath.mpc) or not mpmath.isfinite(value)


def status(graph: Graph, point: dict[str, Any], out: Any) -> str:
    """f at one point (float value ``out``): ``"finite"``; ``"undefined"`` (not finite in
    exact arithmetic either: no derivative); ``"defined"`` (an overflow or a cancellation of
    the floats); or ``"unknown"`` (no exact value could be had: a big graph)."""
    if not isinstance(out, float) or math.isfinite(out):
        return "finite"
    exact = exact_value(graph, point)
    if exact is None:
        return "unknown"
    return "undefined" if undefined(exact) else "defined"


def at_point(graph: Graph, point: dict[str, Any], out: Any) -> str | None:
    """The warning to give where f (float value ``out`` at one point) is undefined, else
    None."""
    state = status(graph, point, out)
    return warning(state, graph, out) if state == "undefined" else None


def warning(state: str, graph: Graph, out: Any) -> str | None:
    """What to say of f at one point in ``state`` (:func:`status`): that it has no derivative
    (``"undefined"``), that it was not checked and may have none (``"unknown"``), or nothing."""
    if state == "undefined":
        return NO_DERIVATIVE.format(what=_what(out))
    if state == "unknown":
        why = _too_big(graph) if graph.n_evaluated > MAX_NODES else \
            "the high-precision pass failed"
        return NOT_CHECKED.format(what=_what(out), why=why)
    return None


def _points(k: int) -> str:
    return f"{k:,} point{'s' * (k != 1)}"


def _too_big(graph: Graph) -> str:
    return f"the program has {graph.n_evaluated:,} operations, more than the {MAX_NODES:,} checked"


def apply(gradient: dict[str, Any], graph: Graph, point: dict[str, Any], out: Any,
          arrays: bool, details: Any = None) -> list[str]:
    """Set ``gradient`` (one method's, by input) to nan where f is undefined at the point (or
    at each of an array's points: ``out``, f's float values there) and say so; the method's
    ``details`` forget their adjoints there (:meth:`diffx.details.Details.no_derivative`)."""
    import numpy as np

    if np.iscomplexobj(out):
        return []  # (complex points: not this rule's)
    if not arrays:
        state = "finite" if all(_nan(g) for g in gradient.values()) else \
            status(graph, point, out)
        said = warning(state, graph, out)
        if state == "undefined":
            for w in gradient:
                gradient[w] = math.nan
            if details is not None:
                details.no_derivative()
        return [said] if said else []
    shape = np.broadcast_shapes(np.shape(out), *(np.shape(v) for v in point.values()),
                                *(np.shape(g) for g in gradient.values()))
    with np.errstate(all="ignore"):
        bad = ~np.isfinite(np.broadcast_to(np.asarray(out, dtype=float), shape))
    grads = {w: np.broadcast_to(np.asarray(g, dtype=float), shape) for w, g in gradient.items()}
    with np.errstate(all="ignore"):  # (where every method's derivative is nan, nothing to say)
        bad &= ~np.logical_and.reduce([np.isnan(g) for g in grads.values()])
    at = np.flatnonzero(bad)
    if not at.size:
        return []
    if graph.n_evaluated > MAX_NODES:  # (no point can be checked: all are left, and said)
        return [UNCHECKED.format(points=_points(int(at.size)), why=_too_big(graph))]
    flat = {k: np.broadcast_to(np.asarray(v), shape).ravel() for k, v in point.items()}
    told: list[str] = []
    found = [int(k) for k in at[:MAX_POINTS].tolist()
             if undefined(exact_value(graph, {n: float(v[k]) for n, v in flat.items()}))]
    if found:
        for w, g in grads.items():
            g = np.array(g)
            g.ravel()[found] = math.nan
            gradient[w] = g
        if details is not None:
            details.no_derivative(found, shape)
        names = [n for n in graph.inputs if n in flat] + [n for n in flat if n not in graph.inputs]
        first = ", ".join(f"{n}={_number(flat[n][found[0]])}" for n in names)
        told.append(NO_DERIVATIVE_AT.format(k=len(found), first=first))
    if at.size > MAX_POINTS:
        told.append(UNCHECKED.format(points=_points(int(at.size) - MAX_POINTS),
                                     why=f"past the first {MAX_POINTS:,}"))
    return told


def _nan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _what(out: float) -> str:
    return "nan (not a number)" if math.isnan(out) else f"{out}"


def underflowed_args(graph: Graph, node: int, vals: Any) -> list[int]:
    """The arguments of ``node`` that are 0 at one point only because their value underflowed
    (``x*x`` at 1e-200 is 1e-400, past the smallest float): a division by such a 0 is an
    overflow of the floats, not a pole. Many points: none are looked for."""
    zeros = [a for a in dict.fromkeys(graph.args(node))
             if graph.op[a] > CONST and isinstance(vals[a], float) and vals[a] == 0]
    if not zeros:
        return []
    from .exact import point_values
    from .value_checks import _faults

    V = point_values(graph, vals)
    if V is None:
        return []
    under = {int(i) for kind, nodes, _ in _faults(graph, V) if kind == "underflow-value"
             for i in nodes.tolist()}
    return [a for a in zeros if a in under]


def _number(v: Any) -> str:
    """A point's coordinate as the warnings write it (``0``, ``-1.5``, ``1e-200``)."""
    return f"{float(v):.6g}"
