"""Evaluation with a fallback: forward values and adjoints of every node that turn into inf or
nan like IEEE arithmetic, never an exception.

``evaluate`` and ``sweep`` run the fast Python-float path (``math``) and fall back to numpy
when ``math`` raises (``log(-1)``, ``1/0``, overflow); ``sweep`` redoes a non-finite gradient
with strong zeros (0 times inf is 0). The finiteness checks here are shared with the warnings
of :mod:`diffx.diagnose`.
"""

from __future__ import annotations

import math
import warnings
from array import array
from itertools import islice
from collections.abc import Sequence
from typing import Any

from . import engine
from . import ops as _ops
from .graph import Graph

#: the smallest graph (nodes up to the output) the compiled tier is considered for; its own
#: thresholds (``diffx.compiled.MIN_NODES``, ``LOAD_NODES``) decide from there
MIN_COMPILED = 1_000

#: every node's value (or adjoint): a list from the pure-Python engine (an ``array('d')`` for
#: one point in Python floats, :func:`diffx.engine.packs`), a read-only sequence over a
#: float64 array from the compiled tier (:class:`diffx.float_values.FloatValues`)
Values = Sequence[Any]


def evaluate(graph: Graph, point: dict[str, Any], arrays: bool) -> tuple[Values, str]:
    """Forward values of every node, and the namespace they were computed in."""
    if not arrays and graph.output >= MIN_COMPILED:
        from . import compiled  # numba is imported only here, for a graph big enough

        if compiled.worth_it(graph) and compiled.supports(graph, point):
            vals = compiled.forward(graph, point)
            if vals is not None:  # finite: what the math path gives, to the last bit
                return vals, "math"
    if not arrays:
        try:  # one point in floats: the values in an array('d') (engine.packs)
            return engine.forward(graph, point, "math", engine.packs(graph, point, "math")), \
                "math"
        except (ArithmeticError, ValueError):
            pass
    import numpy as np

    npoint = {k: np.float64(v) if isinstance(v, float) else v for k, v in point.items()}
    with np.errstate(all="ignore"):
        return engine.forward(graph, npoint, "numpy"), "numpy"


def sweep(graph: Graph, vals: Values, wrt: tuple[str, ...], ns: str,
          arrays: bool) -> tuple[Values, str]:
    """Adjoints of every node; like ``evaluate``, falls back to numpy when ``math`` raises.

    Strong zeros both ways: when the fast sweep gives a gradient that is not finite, the
    sweep is redone with every contribution a strong product (0 times inf is 0, in the
    scalar and the array path alike), so ``sqrt(relu(x))`` at -1 gives 0 everywhere.
    Values the compiled tier computed are swept there too; an adjoint that is not finite
    there is redone here (the pure-Python engine reports it).
    """
    if ns == "math" and getattr(vals, "array", None) is not None:
        from . import compiled

        done = compiled.sweep(graph, vals, wrt)  # type: ignore[arg-type]
        if done is not None and not _redo_with_strong_zeros(graph, vals, wrt, done):
            return done, "math"
    adj, ns = _sweep_in(graph, vals, wrt, ns, arrays, careful=False)
    if _redo_with_strong_zeros(graph, vals, wrt, adj):
        adj, ns = _sweep_in(graph, vals, wrt, ns, arrays, careful=True)
    return adj, ns


def _redo_with_strong_zeros(graph: Graph, vals: Values, wrt: tuple[str, ...],
                            adj: Values) -> bool:
    return not all(all_true(is_finite(adj[graph.input_nodes[w]])) for w in wrt) \
        and may_hide_strong_zero(graph, vals)


# ops with a zero partial at nonzero values (the losing side of max/min, relu; tanh', atan',
# sigmoid' and -out/y underflowed to 0) or a nan or infinite one at finite nonzero values
# (d/dy x^y at x < 0, asin' at ±1)
ZERO_PARTIAL_CODES = frozenset(_ops.BY_NAME[n].code for n in (
    "max", "min", "relu", "abs", "pow", "asin", "acos", "tanh", "atan", "sigmoid", "div"))


def may_hide_strong_zero(graph: Graph, vals: Sequence[Any]) -> bool:
    """Whether 0 times inf (or nan) can have happened in a sweep at one point: a local
    partial is 0 only at a zero value (x*0) or in the ops of ``ZERO_PARTIAL_CODES``, and
    infinite or nan only next to a zero or non-finite value or in those ops. All are found
    at C speed, so a sweep that merely overflowed is not redone."""
    if not isinstance(vals[graph.output], float):
        return True
    hi = graph.output + 1
    if graph.nodes_with(ZERO_PARTIAL_CODES):
        return True
    if known_normal(vals):  # the kernel found every op's value finite and normal: the leaves
        return any(vals[node] == 0.0 or not math.isfinite(vals[node])  # are left to look at
                   for node in graph._leaf if node < hi)
    packed = packed_view(vals, hi)
    if packed is not None:  # (every node is evaluated: the output is the last)
        import numpy as np

        return bool((packed == 0.0).any()) or not bool(np.isfinite(packed).all())
    return 0.0 in vals or not all_finite_floats(vals, hi)


def known_normal(vals: Values) -> bool:
    """Whether the forward pass that gave ``vals`` found every op's value finite and at least
    the smallest normal double in size (the compiled tier's kernel checks as it evaluates), so
    that the value audit's range pass has nothing to find; False when it did not check."""
    return bool(getattr(vals, "normal", False))


def packed_view(vals: Sequence[Any], hi: int) -> Any:
    """``vals[:hi]`` as a float64 view when they are the engine's ``array('d')`` or the
    compiled tier's float64 array (:class:`diffx.float_values.FloatValues`), else None."""
    if isinstance(vals, array) and vals.typecode == "d":
        import numpy as np

        return np.frombuffer(vals, dtype=np.float64, count=hi)
    kernel = getattr(vals, "array", None)
    if kernel is not None and hi <= len(vals):
        return kernel[:hi]
    return None


def _sweep_in(graph: Graph, vals: Sequence[Any], wrt: tuple[str, ...], ns: str, arrays: bool,
              careful: bool) -> tuple[Values, str]:
    if ns == "math":
        try:
            return engine.sweep(graph, vals, wrt, "math", arrays=False, careful=careful), "math"
        except (ArithmeticError, ValueError):
            ns = "numpy"
    import numpy as np

    vals = [np.float64(v) if isinstance(v, float) else v for v in vals]
    with np.errstate(all="ignore"):
        return engine.sweep(graph, vals, wrt, "numpy", arrays=arrays, careful=careful), ns


def is_finite(v: Any) -> Any:
    """Whether a value is finite: a bool for a float, a mask for an array."""
    if isinstance(v, float):
        return math.isfinite(v)
    import numpy as np

    return np.isfinite(v)


def all_true(mask: Any) -> bool:
    """Whether a bool or every entry of a mask holds."""
    return bool(mask) if isinstance(mask, bool) else bool(mask.all())


def all_finite_floats(vals: Sequence[Any], hi: int) -> bool:
    """One point in Python floats: all of ``vals[:hi]`` finite, checked at C speed (a sum of
    finite floats is finite unless it overflows; then the slow check decides)."""
    packed = packed_view(vals, hi)
    if packed is not None:
        import numpy as np

        return bool(np.isfinite(packed).all())
    try:
        with warnings.catch_warnings():  # numpy scalars among them warn on inf - inf
            warnings.simplefilter("ignore", RuntimeWarning)
            return math.isfinite(sum(islice(vals, hi)))
    except (TypeError, OverflowError):
        return False
