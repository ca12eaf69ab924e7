"""Exact derivatives at one point, in mpmath, where the float sweep lost precision.

:mod:`diffx.precision` finds where a float sweep lost digits; this module re-runs the forward
pass and the sweep (or the tangents) from the same float inputs and constants in mpmath, whose
exponent range is unbounded, with as many digits as the float sweep's magnitudes span plus 50
(doubling until two runs agree), and turns the two into the derivatives to report and a
sentence that names the node. Over many points it only warns: an exact re-run per point
would cost too much.
"""

from __future__ import annotations

import math
import struct
import time
from typing import Any

from . import engine, precision
from .graph import Graph

DIGIT_STEPS = (50, 100, 200, 400, 800, 1600)  # mpmath precisions tried, until two agree
EXACT_SECONDS = 2.0  # the exact re-run gives up past this
MAX_EXACT_NODES = 20_000  # beyond this the exact re-run is skipped (a warning says so)
AGREE = 1e-9  # the float result stands when it is this close to the exact one
HOW_LOST = {  # what the precision audit found, per kind
    "cancellation": "its contributions cancelled: they are far larger than their sum",
    "underflow": "a product of nonzero local derivatives underflowed to zero or a subnormal",
    "periodic": "its argument is so large that its rounding error is not small against the "
                "period: the float value and slope there are unreliable",
}


def auditable(graph: Graph, wrt: tuple[str, ...], gradient: dict[str, Any], arrays: bool
              ) -> bool:
    """One point, and either a finite gradient (audited for lost digits) or a graph small
    enough for the exact re-run of a gradient that is not finite."""
    if arrays or not wrt:
        return False
    finite = all(isinstance(gradient[w], float) and math.isfinite(gradient[w]) for w in wrt)
    return finite or graph.n_evaluated <= MAX_EXACT_NODES


def point_values(graph: Graph, vals: list[Any]) -> Any:
    """One point's forward values as a float array (for the precision audit), or None when
    they are not real floats."""
    try:
        return precision.values_array(graph, vals)
    except (TypeError, ValueError, struct.error):
        return None


MAX_RECOVERED = 200  # points of an array re-run exactly; past this the array path only warns


def check_points(graph: Graph, point: dict[str, Any], vals: list[Any], D: Any,
                 wrt: tuple[str, ...], gradient: dict[str, Any], reverse: bool) -> list[str]:
    """Many points: the points where the audit finds lost precision, or a derivative that is
    not finite where the function is, are re-run one at a time exactly as a single point
    would be (up to ``MAX_RECOVERED`` of them), so that many points give what one point
    gives; ``gradient`` (arrays) is corrected in place. Past that, a warning says so."""
    import numpy as np

    D_of = (lambda w: D) if reverse else (lambda w: D[w])
    found = None
    where = np.zeros(0, dtype=np.int64)
    for w in (wrt[:1] if reverse else wrt):
        found = precision.audit_points(graph, vals, D_of(w), wrt if reverse else (w,), reverse)
        if found is not None:
            where = found[5]
            break
    value = np.ravel(vals[graph.output])
    shape = np.broadcast_shapes(*(np.shape(v) for v in point.values()))
    value = np.ravel(np.broadcast_to(value.reshape(np.shape(vals[graph.output])), shape))
    for w in wrt:
        g = np.ravel(np.broadcast_to(np.asarray(gradient[w], dtype=float), shape))
        if not np.isfinite(g).all():
            where = np.union1d(where, np.flatnonzero(~np.isfinite(g) & np.isfinite(value)))
    if not where.size:
        return []
    sampled = found is not None and found[4]
    if where.size <= MAX_RECOVERED and not sampled:
        return _recover(graph, point, gradient, where, wrt, reverse, found)
    if found is None:
        return []
    node, kind, bad, n, _, _ = found
    how = HOW_LOST[kind]
    name = "reverse sweep" if reverse else "forward (tangent) sweep"
    among = f"{n:,} points audited (an even sample)" if sampled else f"{n:,} points"
    return [f"the float {name} may have lost precision at {bad:,} of {among} (first at "
            f"{graph.describe(node)}: {how}); the derivatives there may be inaccurate; "
            f"diffx recomputes up to {MAX_RECOVERED} such points in high-precision "
            "arithmetic, here there are more"]


def _one_point(graph: Graph, at: dict[str, float], got: dict[str, float],
               wrt: tuple[str, ...], reverse: bool) -> tuple[dict[str, float], list[str]]:
    """One point of an array, audited and re-run exactly as a single point would be."""
    from . import evaluation

    vals, ns = evaluation.evaluate(graph, at, False)
    V = point_values(graph, vals)
    if V is None or not math.isfinite(V[graph.output]):
        return {}, []
    if reverse:
        G, _ = evaluation.sweep(graph, vals, wrt, ns, False)
        D = {w: G for w in wrt}
    else:
        D = {}
        for w in wrt:
            try:
                D[w] = engine.tangents(graph, vals, w, ns)
            except (ArithmeticError, ValueError):
                return verify(graph, at, got, None, wrt, reverse)
    return check_point(graph, at, V, D, wrt, got, reverse)


def _recover(graph: Graph, point: dict[str, Any], gradient: dict[str, Any], where: Any,
             wrt: tuple[str, ...], reverse: bool, found: Any) -> list[str]:
    """Re-run the points ``where`` one at a time in mpmath; patch ``gradient``."""
    import numpy as np

    shape = np.broadcast_shapes(*(np.shape(v) for v in point.values()))
    flat = {k: np.ravel(np.broadcast_to(v, shape)) for k, v in point.items()}
    grads = {w: np.broadcast_to(np.asarray(gradient[w], dtype=float), shape).copy()
             for w in wrt}
    views = {w: grads[w].reshape(-1) for w in wrt}
    first: str | None = None
    count = 0
    for i in where:
        at = {k: float(v[i]) for k, v in flat.items()}
        got = {w: float(views[w][i]) for w in wrt}
        fixed, told = _one_point(graph, at, got, wrt, reverse)
        for w, v in fixed.items():
            views[w][i] = v
        if told:
            count += 1
            if first is None:
                first = told[0]
    gradient.update(grads)
    if not count:
        return []
    return [f"at {count:,} of {np.size(views[wrt[0]]):,} points: {first}"
            + (" (the first such point)" if count > 1 else "")]


def check_point(graph: Graph, point: dict[str, Any], V: Any, D: dict[str, list[Any]],
                wrt: tuple[str, ...], gradient: dict[str, Any], reverse: bool
                ) -> tuple[dict[str, float], list[str]]:
    """One point: audit the float sweep (``D``: per input, the adjoints or its tangents);
    where it lost precision, or is not finite while the function is, re-run it in mpmath and
    report those values with a warning naming the node."""
    found = None
    for w in (wrt[:1] if reverse else wrt):
        found = precision.audit(graph, V, D[w], (w,) if not reverse else wrt, reverse)
        if found is not None:
            break
    doubtful = not all(math.isfinite(gradient[w]) for w in wrt)
    if found is None and not doubtful:
        return {}, []
    return verify(graph, point, gradient, found, wrt, reverse)


def exact(graph: Graph, point: dict[str, Any], wrt: tuple[str, ...],
          reverse: bool, span: int = 0) -> tuple[int, dict[str, Any]] | str:
    """The derivatives at ``point`` in mpmath, and the digits that settled them, or the
    reason that arithmetic cannot give them (a complex value, too large a graph, no
    agreement in time).

    Infinite local derivatives are IEEE infinities there too (0.5/0 is inf, as in the float
    sweep), with the same strong zeros, so an exact re-run finishes wherever the float one
    did. Cancellation can outrun any fixed precision (1 + 1e200 - 1e200 needs 201 digits), so
    the digits double from 50 (plus ``span``, the decimal range of the float sweep's
    magnitudes) until two runs agree to 30 digits."""
    if graph.n_evaluated > MAX_EXACT_NODES:
        return (f"the graph has {graph.n_evaluated:,} operations, more than the "
                f"{MAX_EXACT_NODES:,} an exact re-run takes on")
    import mpmath

    previous = None
    start = time.perf_counter()
    for digits in sorted({max(d, 50 + span) for d in DIGIT_STEPS}):
        grads = _exact_at(graph, point, wrt, reverse, digits)
        if isinstance(grads, str):
            return grads
        if previous is not None and all(_settled(previous[w], grads[w]) for w in wrt):
            return digits, {w: mpmath.mpf(grads[w]) for w in wrt}
        previous = grads
        if time.perf_counter() - start > EXACT_SECONDS:
            return (f"runs at up to {digits} digits did not agree within "
                    f"{EXACT_SECONDS:g} s")
    return f"runs at up to {DIGIT_STEPS[-1]} digits did not agree"


def _settled(a: Any, b: Any) -> bool:
    import mpmath

    if not (mpmath.isfinite(a) and mpmath.isfinite(b)):
        return a == b or bool(mpmath.isnan(a) and mpmath.isnan(b))
    return abs(a - b) <= mpmath.mpf(10) ** -30 * max(abs(a), abs(b))


def _exact_at(graph: Graph, point: dict[str, Any], wrt: tuple[str, ...], reverse: bool,
              digits: int) -> dict[str, Any] | str:
    """The derivatives at ``digits`` digits, or why they cannot be had."""
    import mpmath

    hi = graph.output + 1
    with mpmath.workdps(digits):
        try:
            vals = engine.forward(graph, {k: mpmath.mpf(v) for k, v in point.items()},
                                  "mpmath")
            at = next((i for i, v in enumerate(vals[:hi]) if isinstance(v, mpmath.mpc)), None)
            if at is not None:
                return f"{graph.describe(at)} is complex in exact arithmetic"
            if reverse:
                G = engine.sweep(graph, vals, wrt, "mpmath", careful=True)
                grads = {w: G[graph.input_nodes[w]] for w in wrt}
            else:
                grads = {w: engine.tangents(graph, vals, w, "mpmath")[graph.output]
                         for w in wrt}
        except (ArithmeticError, ValueError, TypeError) as exc:
            said = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else ""
            return f"mpmath raised {type(exc).__name__}{': ' + said if said else ''}"
    if any(isinstance(v, mpmath.mpc) for v in grads.values()):
        return "a derivative is complex in exact arithmetic"
    return {w: mpmath.mpf(v) for w, v in grads.items()}


def _agree(got: float, true: Any) -> bool:
    import mpmath

    if not mpmath.isfinite(true) or not math.isfinite(float(true)):
        # past the float range (1e310) the float sweep's inf is as close as a float gets
        return got == float(true) if not mpmath.isnan(true) else math.isnan(got)
    if not math.isfinite(got):
        return False
    return abs(mpmath.mpf(got) - true) <= AGREE * abs(true) + precision.SMALLEST_NORMAL


def verify(graph: Graph, point: dict[str, Any], gradient: dict[str, Any],
           found: tuple[int, str, int] | None, wrt: tuple[str, ...], reverse: bool,
           ) -> tuple[dict[str, float], list[str]]:
    """Compare the float derivatives with 50-digit ones; returns the corrected derivatives
    (only those that differ) and a warning that says where the float sweep lost them."""
    name = "reverse sweep" if reverse else "forward (tangent) sweep"
    where = ""
    if found is not None:
        node, kind, _ = found
        how = HOW_LOST[kind]
        where = f" at {graph.describe(node)} ({how})"
    result = exact(graph, point, wrt, reverse, found[2] if found else 0)
    if isinstance(result, str):
        if found is None:
            return {}, []
        return {}, [f"the float {name} may have lost precision{where}; a high-precision "
                    f"check could not be run here ({result}), so the derivatives may be "
                    "inaccurate"]
    digits, grads = result
    fixed = {w: float(grads[w]) for w in wrt if not _agree(gradient[w], grads[w])}
    if not fixed:
        return {}, []
    told = "; ".join(f"∂/∂{w}: got {gradient[w]:.17g}, {digits}-digit arithmetic gives "
                     f"{fixed[w]:.17g}" for w in fixed)
    return fixed, [f"the float {name} lost precision{where}: {told}. The {digits}-digit "
                   "values are reported"]
