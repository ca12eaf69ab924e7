"""Exact derivatives over many points: the points a float sweep lost are re-run one by one.

:func:`check_points` audits an array sweep (:func:`diffx.precision.audit_points` for the
sweep's contributions, :func:`diffx.value_audit.range_fault_points` for values that overflowed
or underflowed, :func:`diffx.value_audit.conditioning_points` for values that lost their
digits) and re-runs the points it finds exactly as a single point would be
(:func:`diffx.exact.check_point`), up to ``MAX_RECOVERED`` of them; past that it warns, and
a derivative at a point where a value overflowed is reported as nan (unreliable).
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from . import engine, precision, value_audit_points
from .exact import HOW_LOST, Checked, check_point, point_values, verify
from .graph import Graph

MAX_RECOVERED = 200  # points of an array re-run exactly; past this the array path only warns
#: what is left of ``MAX_RECOVERED`` for the request under way (a one-element list), shared
#: by its chunks so that chunked points recover the same points as the whole array
RECOVERY: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("recovery",
                                                                            default=None)


class PointsChecked(NamedTuple):
    """The warnings, and f's exact value at the points (flat index) where it differs."""

    warnings: list[str]
    values: dict[int, float]


def _value_rows(graph: Graph, vals: Sequence[Any], shape: tuple[int, ...]) -> Any:
    """The values up to the output as a (nodes + 1) × points array (a last row of 1)."""
    import numpy as np

    hi = graph.output + 1
    V = np.empty((hi + 1, int(np.prod(shape))))
    for i in range(hi):
        v = vals[i]
        V[i] = v if np.ndim(v) == 0 else np.ravel(np.broadcast_to(v, shape))
    V[hi] = 1.0
    return V


def value_faults(graph: Graph, vals: Sequence[Any], shape: tuple[int, ...]) -> tuple[Any, Any]:
    """Many points' forward values, audited as one point's are (:mod:`diffx.value_audit`,
    over the points by :mod:`diffx.value_audit_points`, a slice of points at a time): the
    points (flat indices) where a value overflowed, and those where one overflowed,
    underflowed or lost its digits. Complex values (the complex step's) are not audited."""
    import numpy as np

    hi = graph.output + 1
    if any(np.iscomplexobj(v) for v in vals[:hi]):
        none = np.zeros(0, dtype=np.int64)
        return none, none
    rows = [v if np.ndim(v) == 0 else np.ravel(np.broadcast_to(v, shape)) for v in vals[:hi]]
    over, faulty, lost = value_audit_points.point_faults(graph, rows, int(np.prod(shape)))
    faulty |= lost
    return np.flatnonzero(over), np.flatnonzero(faulty)


def check_points(graph: Graph, point: dict[str, Any], vals: Sequence[Any], D: Any,
                 wrt: tuple[str, ...], gradient: dict[str, Any], reverse: bool
                 ) -> PointsChecked:
    """Many points: the points where the audits find lost precision, or a derivative that
    is not finite where the function is, are re-run one at a time exactly as a single point
    would be (the first ``MAX_RECOVERED`` of them, over all the chunks of a request), so
    that many points give what one point gives; ``gradient`` (arrays) is corrected in place.
    For the points past that, a warning says so."""
    import numpy as np

    D_of = (lambda w: D) if reverse else (lambda w: D[w])
    found = None
    where = np.zeros(0, dtype=np.int64)
    for w in (wrt[:1] if reverse else wrt):
        found = precision.audit_points(graph, vals, D_of(w), wrt if reverse else (w,), reverse)
        if found is not None:
            where = found[5]
            break
    shape = np.broadcast_shapes(*(np.shape(v) for v in point.values()))
    over, faulty = value_faults(graph, vals, shape)
    where = np.union1d(where, faulty)
    value = np.ravel(vals[graph.output])
    value = np.ravel(np.broadcast_to(value.reshape(np.shape(vals[graph.output])), shape))
    for w in wrt:
        g = np.ravel(np.broadcast_to(np.asarray(gradient[w], dtype=float), shape))
        if not np.isfinite(g).all():
            where = np.union1d(where, np.flatnonzero(~np.isfinite(g) & np.isfinite(value)))
    if not where.size:
        return PointsChecked([], {})
    budget = RECOVERY.get()  # shared by the chunks of one request
    left = 0 if found is not None and found[4] else \
        max(0, budget[0] if budget is not None else MAX_RECOVERED)  # (sampled: not all seen)
    take, rest = where[:left], where[left:]
    if budget is not None:
        budget[0] -= take.size
    checked = _recover(graph, point, gradient, take, wrt, reverse) if take.size else \
        PointsChecked([], {})
    if not rest.size:
        return checked
    told = list(checked.warnings)
    name = "reverse sweep" if reverse else "forward (tangent) sweep"
    total = int(np.prod(shape))
    over = np.intersect1d(over, rest)
    if over.size:
        for w in wrt:
            g = np.broadcast_to(np.asarray(gradient[w], dtype=float), shape).copy()
            g.reshape(-1)[over] = math.nan
            gradient[w] = g
        told.append(f"the float {name} is unreliable at {over.size:,} of {total:,} points: a "
                    "value there overflowed to infinity at finite arguments; diffx recomputes "
                    f"up to {MAX_RECOVERED} such points in high-precision arithmetic, here "
                    "there are more, so the derivatives there are reported as nan")
    first = ""
    if found is not None:
        node, kind, bad, n, sampled, _ = found
        first = f"; first at {graph.describe(node)}: {HOW_LOST[kind]}"
        if sampled:
            told.append(f"the float {name} may have lost precision at {bad:,} of {n:,} points "
                        f"audited (an even sample{first}); the derivatives there may be "
                        f"inaccurate; diffx recomputes up to {MAX_RECOVERED} such points in "
                        "high-precision arithmetic, here there are more")
            return PointsChecked(told, checked.values)
    told.append(f"the float {name} may have lost precision at {rest.size:,} more of {total:,} "
                f"points (a value there overflowed, underflowed or lost its digits, or a "
                f"sweep's contributions cancelled{first}); the derivatives there may be "
                f"inaccurate; diffx recomputes up to {MAX_RECOVERED} such points in "
                "high-precision arithmetic, here there are more")
    return PointsChecked(told, checked.values)


def _one_point(graph: Graph, at: dict[str, float], got: dict[str, float],
               wrt: tuple[str, ...], reverse: bool) -> Checked:
    """One point of an array, audited and re-run exactly as a single point would be."""
    from . import evaluation

    vals, ns = evaluation.evaluate(graph, at, False)
    V = point_values(graph, vals)
    if V is None:
        return Checked({}, [])
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
             wrt: tuple[str, ...], reverse: bool) -> PointsChecked:
    """Re-run the points ``where`` one at a time in mpmath; patch ``gradient``."""
    import numpy as np

    shape = np.broadcast_shapes(*(np.shape(v) for v in point.values()))
    flat = {k: np.ravel(np.broadcast_to(v, shape)) for k, v in point.items()}
    grads = {w: np.broadcast_to(np.asarray(gradient[w], dtype=float), shape).copy()
             for w in wrt}
    views = {w: grads[w].reshape(-1) for w in wrt}
    first: str | None = None
    count = 0
    values: dict[int, float] = {}
    for i in where:
        at = {k: float(v[i]) for k, v in flat.items()}
        got = {w: float(views[w][i]) for w in wrt}
        checked = _one_point(graph, at, got, wrt, reverse)
        for w, v in checked.fixed.items():
            views[w][i] = v
        if checked.value is not None:
            values[int(i)] = checked.value
        if checked.warnings:
            count += 1
            if first is None:
                first = checked.warnings[0]
    gradient.update(grads)
    if not count:
        return PointsChecked([], values)
    return PointsChecked([f"at {count:,} of {np.size(views[wrt[0]]):,} points: {first}"
                          + (" (the first such point)" if count > 1 else "")], values)
