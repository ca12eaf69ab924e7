"""Why a sweep's gradient is not finite where the function is: the highest node whose adjoint
(or tangent) is not finite, and whether a consumer's local derivative is infinite there (sqrt at
0), overflowed (finite in exact arithmetic: its size is said), or the product of the route's
local derivatives overflowed."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from . import ops as _ops
from .diagnose import _args_at
from .evaluation import all_true, is_finite, packed_view
from .graph import Graph


def adjoint_warnings(graph: Graph, vals: Sequence[Any], G: Sequence[Any],
                     wrt: tuple[str, ...]) -> list[str]:
    """Explain a non-finite gradient of a finite function.

    The sweep runs from the output down, so the highest node whose adjoint is not finite is
    where it went wrong: one of its consumers either has an infinite local derivative there
    (sqrt at 0) or multiplied a large adjoint by a large local derivative (overflow).
    """
    bad_inputs = [w for w in wrt if not all_true(is_finite(G[graph.input_nodes[w]]))]
    if not bad_inputs or not all_true(is_finite(vals[graph.output])):
        return []
    lead = f"the gradient with respect to {', '.join(bad_inputs)} is not finite"
    first = None
    packed = packed_view(G, graph.output + 1)  # the engine's packed adjoints
    if packed is not None:
        import numpy as np

        bad = np.flatnonzero(~np.isfinite(packed))
        first = int(bad[-1]) if bad.size else None
    elif isinstance(G[graph.output], float):
        isfinite = math.isfinite
        for i in range(graph.output, -1, -1):
            g = G[i]
            if isinstance(g, float) and not isfinite(g):
                first = i
                break
            if not isinstance(g, float) and not all_true(is_finite(g)):
                first = i
                break
    else:
        first = next((i for i in range(graph.output, -1, -1)
                      if not all_true(is_finite(G[i]))), None)
    if first is None:
        return [lead]
    consumers = _consumers(graph, first)
    if not consumers:
        return [lead]
    import numpy as np

    what = graph.name(first) or graph.text(first, 20)
    for consumer, position in consumers:  # an infinite local derivative?
        if not all_true(is_finite(G[consumer])):
            continue
        op = graph.op_of(consumer)
        assert op is not None
        args = tuple(np.asarray(vals[a]) for a in graph.args(consumer))
        with np.errstate(all="ignore"):
            partial = op.local_partials(args, np.asarray(vals[consumer]))[position]
        if not bool(np.all(np.isfinite(partial))):
            cond = _ops.condition(op, "kink")
            with np.errstate(all="ignore"):
                at_kink = cond is not None and bool(np.any(cond(*args)))
            note = f" ({op.kink_note})" if at_kink else ""
            exact = None if at_kink else _exact_partial(op, args, position)
            if exact is not None:  # finite in exact arithmetic: the float overflowed
                return [f"{lead}: the local derivative of {graph.describe(consumer)} with "
                        f"respect to {what} overflowed{_args_at(graph, consumer, vals)} (its "
                        f"exact value, about {exact}, is beyond the largest float, 1.8e308)"]
            return [f"{lead}: the local derivative of {graph.describe(consumer)} with respect "
                    f"to {what} is not finite{_args_at(graph, consumer, vals)}{note}"]
    return [f"{lead}: the adjoint overflowed at {what} (the derivative of the output with "
            f"respect to it is a product of local derivatives larger than the largest float; "
            f"it was finite at {graph.describe(consumers[0][0])})"]


def _exact_partial(op: Any, args: tuple[Any, ...], position: int) -> str | None:
    """The local derivative at one point's float arguments in exact arithmetic (mpmath), as
    ``about`` text, when it is a finite nonzero real number; else None (no such number, many
    points, or mpmath could not say)."""
    import mpmath

    from .symeval_functions import about

    if any(getattr(a, "ndim", 0) for a in args) or not all_true(is_finite(args)):
        return None
    try:
        with mpmath.workprec(128):
            xs = tuple(mpmath.mpf(float(a)) for a in args)
            out = op.evaluate(*xs, ns="mpmath")
            partial = op.local_partials(xs, out, ns="mpmath")[position]
            if isinstance(partial, mpmath.mpc) or not mpmath.isfinite(partial) or partial == 0:
                return None
            return about(partial)
    except (ArithmeticError, ValueError, TypeError):
        return None


def _consumers(graph: Graph, node: int) -> list[tuple[int, int]]:
    """The nodes (up to the output) that use ``node``, highest first, with the argument
    position; found with C-speed ``list.index``."""
    found = []
    hi = graph.output + 1
    for k, args in enumerate((graph.a, graph.b)):
        start = node + 1
        while True:
            try:
                j = args.index(node, start, hi)
            except ValueError:
                break
            found.append((j, k))
            start = j + 1
    return sorted(found, reverse=True)
