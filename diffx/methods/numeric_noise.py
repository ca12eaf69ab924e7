"""The rounding error of f, as the numeric method bounds it: every node that depends on an
input rounds by ε of what it holds, which reaches f times ∂f/∂node (:func:`rounding_noise`),
at the point and at the ends x ± h of the chosen step (:func:`noise_at_ends`, :func:`f_noise`
for the check's central differences), and for a complex step's imaginary parts
(:func:`tangent_rounding`); :func:`cancellation` says so where larger values cancelled."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import evaluation
from ..finite import EPS
from ..graph import Graph


CANCEL = 16.0  # node noise past this many times ε·|f|: f is what is left of a cancellation


def rounding_noise(graph: Graph, vals: Sequence[Any], ns: str, w: str, arrays: bool, size: int,
                   wrt: tuple[str, ...], cache: dict[str, Any],
                   sizes: Sequence[Any] | None = None) -> tuple[Any, Any]:
    """The rounding error of f as a function of ``w``, at each of ``size`` points: every
    node that depends on ``w`` rounds its value v by up to ε·|v|, which reaches f times
    ∂f/∂node, so ε·Σ |∂f/∂node|·|v| (the output included: at least ε·|f|). Nodes that do
    not depend on ``w`` round the same way at x ± h and cancel from the difference. Also
    the largest such |v| (the values that cancelled). (1e118 + x) − 1e118 at x = 1: ε·1e118,
    where ε·|f| would say 2e-16. One sweep serves every input of ``wrt`` (kept in ``cache``).
    ``sizes``: what rounds at each node, where it is not its value (a complex step's
    imaginary parts, h times the tangents)."""
    import numpy as np

    sizes = vals if sizes is None else sizes
    with np.errstate(all="ignore"):
        if "adjoints" not in cache:
            cache["adjoints"] = evaluation.sweep(graph, vals, wrt, ns, arrays)[0]
        adj = cache["adjoints"]
        mine = graph.depends_on([graph.input_nodes[w]])
        total, top = np.zeros(size), np.zeros(size)
        for i in range(graph.output + 1):
            if graph.op_of(i) is None or not mine[i]:
                continue  # inputs and constants: the step itself is exact
            g, v = adj[i], sizes[i]
            if isinstance(g, (int, float)) and g == 0:
                continue
            big = np.abs(np.asarray(v, dtype=float)).ravel()
            term = np.abs(np.asarray(g, dtype=float)).ravel() * big
            term = np.where(np.isfinite(term), term, 0.0)  # non-finite: warned elsewhere
            total += term
            top = np.where(term > 0, np.maximum(top, big), top)
    return EPS * total, top


def cancellation(f0s: Any, h: Any, fnoise: Any, top: Any, k: int) -> str:
    """Why point ``k``'s estimate is what it is, when the noise of f comes from larger
    values that cancelled: a clause for the warnings, else ''."""
    if fnoise is None or not fnoise[k] > CANCEL * EPS * abs(f0s[k]) or not h[k] > 0 or \
            not top[k] > abs(f0s[k]):  # (no larger values cancelled: nothing to explain)
        return ""
    quotient = float(fnoise[k]) / float(h[k])  # a Python float: overflow gives inf, quietly
    noise = (f"of about ±{fnoise[k]:.2g} in f swamps the difference quotient (±{quotient:.2g}"
             f" at the step {h[k]:.2g})" if math.isfinite(quotient) else  # else no number
             "in f reaches the end of the float range (about 1.8e308) and swamps the "
             f"difference quotient at the step {h[k]:.2g}")
    return (f"; f = {f0s[k]:.3g} is computed from values up to {top[k]:.2g} that cancel: "
            f"their rounding noise {noise}")



def tangent_rounding(f: Any, at: tuple[Any, str, tuple[str, ...]], w: str, size: int) -> Any:
    """The rounding error of a complex step's derivative at each of ``size`` points: each
    node's imaginary part, h times its tangent, rounds by ε of it, which reaches the output's
    times ∂f/∂node, so ε·Σ |∂f/∂node|·|∂node/∂w| over the nodes that depend on w
    (:func:`rounding_noise` of the tangents). sin(x) - x at 1e-6 adds cos(x)h and -h, which
    cancel to -5e-13 h: 4e-4 of it is rounding, where ε·|f'| says 2e-16. None past
    ``MAX_END_NOISE`` operations."""
    import numpy as np

    from .. import engine

    if f.graph.n_evaluated > MAX_END_NOISE:
        return None
    vals, ns, wrt = at
    try:
        with np.errstate(all="ignore"):
            tan = engine.tangents(f.graph, vals, w, ns)
    except (ArithmeticError, ValueError):
        return None
    return rounding_noise(f.graph, vals, ns, w, f.arrays, size, wrt, f.cache, tan)[0]


#: f's rounding noise is also measured at the ends of the chosen step for graphs up to this
#: many operations (a forward pass and a sweep per end and input)
MAX_END_NOISE = 5_000


def noise_at_ends(graph: Graph, point: dict[str, Any], w: str, xs: Any, h: Any, scheme: str,
                   shape: tuple[int, ...], at: tuple[str, tuple[str, ...]]) -> Any:
    """The rounding noise of f (:func:`rounding_noise`) at x + h and x - h (the ends a
    difference with the step ``h`` evaluates), the larger per point; None past
    ``MAX_END_NOISE`` operations. At the point alone it can be far smaller: in
    ((3 + x) - 3)^2 at x = 1e-12 the rounding of 3 + x reaches f through ∂f/∂(3 + x) = 2x,
    2e-12 at the point but 2h at x ± h."""
    import numpy as np

    if graph.n_evaluated > MAX_END_NOISE:
        return None
    ns, wrt = at
    steps = np.where(np.isfinite(h) & (np.asarray(h) > 0), h, 0.0)
    signs = {"forward": (1.0,), "backward": (-1.0,)}.get(scheme, (1.0, -1.0))
    worst = np.zeros(xs.size)
    with np.errstate(all="ignore"):
        for sign in signs:
            moved = xs + sign * steps
            value = float(moved[0]) if shape == () else np.reshape(moved, shape)
            try:
                vals, space = evaluation.evaluate(graph, {**point, w: value}, shape != ())
            except (ArithmeticError, ValueError):
                continue
            noise, _ = rounding_noise(graph, vals, space, w, shape != (), xs.size, wrt, {})
            worst = np.maximum(worst, np.where(np.isfinite(noise), noise, 0.0))
    return worst


def f_noise(graph: Graph, point: dict[str, float], w: str, h: float) -> float:
    """f's rounding error at one point, as the numeric method bounds it for a central
    difference of step ``h`` in ``w``: at the point and at x ± h (for the check's central
    differences)."""
    import numpy as np

    wrt = tuple(graph.inputs)
    with np.errstate(all="ignore"):
        vals, ns = evaluation.evaluate(graph, point, False)
        here, _ = rounding_noise(graph, vals, ns, w, False, 1, wrt, {})
        xs = np.array([float(point[w])])
        ends = noise_at_ends(graph, point, w, xs, np.array([h]), "central", (), (ns, wrt))
    noise = float(here[0]) if ends is None else max(float(here[0]), float(ends[0]))
    return noise if math.isfinite(noise) else 0.0
