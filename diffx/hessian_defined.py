"""Where a Hessian's entries mean something at the point, said for every method alike: none
where f has no value (:mod:`diffx.undefined`), no row or column where a first derivative is
infinite in exact arithmetic, and a warning where f's float value lost precision."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .graph import Graph

Hessian = Any  # a diffx.hessian.Hessian (named so, as diffx.hessian imports this module)


def lost_value(graph: Graph, h: Hessian) -> None:
    """Where f's float value lost precision (the value audit the gradient runs:
    :func:`diffx.methods.graph_value.graph_value`), f's exact value is reported, and the
    methods that compute in floats without a re-run of their own (forward, numeric) say
    that their Hessian may be off: x^2*((3+1e8)*(3-1e8)+1e8^2) is 9x^2, 8x^2 in floats."""
    if h.value is None or not math.isfinite(h.value):
        return
    from .methods.graph_value import graph_value

    key = ("hessian value", tuple(h.point.items()))
    got = graph._cache.get(key)
    if got is None:
        got = graph._cache[key] = graph_value(graph, dict(h.point), False)
    value, warnings = got
    if not isinstance(value, float) or value == h.value:
        return
    h.value = value
    if h.method in ("forward", "numeric"):
        h.warnings += [w for w in warnings if w not in h.warnings]
        h.warnings.append("this Hessian is computed from f's float values, which are off here "
                          "(see the warning on f), so it may be off by more than any estimate "
                          "of its own")
        h.error_estimate = None  # (its own estimate measures the steps, not f's error)


def undefined_entries(graph: Graph, h: Hessian) -> None:
    """No value, no derivative (:mod:`diffx.undefined`): where f is not finite in exact
    arithmetic too, every second derivative is nan, as every first one is. (``h.value``: f at
    the point, which every method sets from the graph's forward pass.)"""
    m = h.matrix
    if m is None or not m.size or np.all(np.isnan(m)) or h.value is None:
        return
    from . import undefined

    said = undefined.at_point(graph, dict(h.point), float(h.value))
    if said is not None:
        h.matrix = np.full_like(m, np.nan, dtype=float)
        h.warnings.append(said)
        return
    _no_first_derivative(graph, h)


def _not_finite_exactly(graph: Graph, h: Hessian, bad: list[int]) -> list[int]:
    """Of the inputs whose float first derivative is not finite, those whose exact one
    (the exact reverse re-run, :func:`diffx.exact.exact`) is not finite either; none where
    the re-run cannot be made (an overflow is then not told from a true infinity)."""
    import mpmath

    from .exact import exact

    key = ("hessian exact gradient", tuple(h.point.items()), h.wrt)
    got = graph._cache.get(key)
    if got is None:
        got = graph._cache[key] = exact(graph, dict(h.point), h.wrt, True)
    if isinstance(got, str):
        return []
    return [k for k in bad if not mpmath.isfinite(got[1][h.wrt[k]])]


def _no_first_derivative(graph: Graph, h: Hessian) -> None:
    """Where a first derivative is not finite at the point (sqrt(x) at 0: its slope is
    infinite), no second derivative with respect to that input exists: its row and column
    are nan in every method, as no derivative of an undefined function exists."""
    from .api import grad

    key = ("hessian gradient", tuple(h.point.items()), h.wrt)
    gradient = graph._cache.get(key)
    if gradient is None:
        got = grad(graph, at=dict(h.point), wrt=h.wrt, method="reverse")
        gradient = graph._cache[key] = got.gradient if got.ok and got.gradient else {}
    bad = [k for k, w in enumerate(h.wrt)
           if isinstance(gradient.get(w), float) and not math.isfinite(gradient[w])]
    if not bad or h.matrix is None:
        return
    bad = _not_finite_exactly(graph, h, bad)  # (x^3 at 1e200: f' overflows, f'' is 6e200)
    if not bad:
        return
    m = h.matrix.astype(float).copy()
    m[bad, :] = np.nan
    m[:, bad] = np.nan
    h.matrix = m
    names = ", ".join(f"∂f/∂{h.wrt[k]} = {gradient[h.wrt[k]]}" for k in bad)
    h.warnings.append(f"the first derivative is not finite here ({names}), in exact "
                      "arithmetic too, so no second derivative with respect to that input "
                      "exists: its row and column are nan")
