"""The value audit: forward values that floats could not hold, at one point.

The precision audit (:mod:`diffx.precision`) looks at a sweep's contributions; this one looks
at the forward values the sweep multiplies, over every node the output uses (constant
subexpressions too, whose values are partials of their neighbours):

* overflow: a node is infinite while its arguments are finite and nonzero
  (``x^2`` at 1e300): everything downstream is poisoned; ``sqrt(x^2 + y^2)`` there gives
  f = inf and a gradient of 0 (true 1.41e300 and 0.707);
* underflow: a node is 0 or subnormal while its arguments are finite, normal and nonzero
  (``x^2`` at 1e-200) and the op has no true zero there (add, sub, relu, max, min, abs have);
* ill-conditioning: each node carries the float rounding of every node before it, magnified
  by its condition; to first order its absolute error is
  ``E = eps·|v| + Σ_k |∂v/∂arg_k|·E_k`` (inputs and literals are exact as given; the ops
  marked ``exact`` in the op table -- neg, abs, relu, max, min, sign, heaviside -- never
  round, so their ``eps·|v|`` is 0: ``x + -x`` is 0 with no error, as ``x - x`` is). A node
  whose ``E/|v|`` passes ``2^-23`` (the precision audit's ``LOST_BITS``) has lost the digits
  a derivative needs (``tan(sinh(416))``: sinh's one ulp, 1e164, is magnified past the
  period; the float value -0.285 is nothing like the true -0.768).

:func:`audit` returns the first such node, in the precision audit's ``(node, kind, span)``
form, so :mod:`diffx.exact` re-runs the point in mpmath (whose exponent range is unbounded).
The same tests over arrays of points are :mod:`diffx.value_audit_points`' (its
:func:`range_fault_points` and :func:`conditioning_points` are imported here); the pieces both
share are :mod:`diffx.value_checks`'.
"""

from __future__ import annotations

import math
from array import array
from typing import Any

from . import ops as _ops
from .graph import Graph
from .value_audit_points import conditioning_points, range_fault_points  # noqa: F401
from .value_checks import (CONDITION_LIMIT, EPS, LIVE_SLICE,  # noqa: F401
                           MAX_CONDITION_NODES, TRUE_ZEROS, _all_normal, _exact_nodes,
                           _faults, _groups, _literal_errors, _live_count, _live_mask,
                           _live_ops, _operands)

KERNEL_NODES = 1_000  # from this many live ops the compiled tier's loop runs, when loaded
MAX_SPAN = 1600  # decimal digits an exact re-run is ever asked to add
CHUNK = 1 << 14  # nodes per slice of the conditioning loop


def range_faults(graph: Graph, V: Any, normal: bool = False) -> tuple[int, str] | None:
    """The first live node (in evaluation order) that overflowed or underflowed at finite
    arguments, and which (``"overflow"``, ``"underflow-value"``). ``V``: one point's values
    (:func:`diffx.precision.values_array` or :func:`~diffx.precision.values_view`);
    ``normal``: every op's value is already known finite and normal
    (:func:`diffx.evaluation.known_normal`)."""
    end = graph.output + 1  # (the live op nodes' values a slice at a time, by their mask)
    if normal or all(_all_normal(V[lo:min(lo + LIVE_SLICE, end)][_live_mask(
            graph, lo, lo + LIVE_SLICE)]) for lo in range(0, end, LIVE_SLICE)):
        return None  # every value finite and normal: nothing overflowed or underflowed
    found = [(int(nodes[0]), kind) for kind, nodes, _ in _faults(graph, V) if nodes.size]
    return min(found) if found else None


def _coefficients(graph: Graph, V: Any) -> tuple[Any, Any]:
    """Per node: |∂v/∂a| and |∂v/∂b| at the point, or per node and point when ``V`` is
    nodes by points (0 where there is no such argument)."""
    import numpy as np

    rows = (graph.output + 1,) + V.shape[1:]
    c0, c1 = np.zeros(rows), np.zeros(rows)
    with np.errstate(all="ignore"):
        for op, nodes, a, b in _groups(graph):
            args = (V[a],) if op.arity == 1 else (V[a], V[b])
            parts = op.local_partials(args, V[nodes])
            c0[nodes] = np.abs(np.broadcast_to(parts[0], nodes.shape + V.shape[1:]))
            if op.arity == 2:
                c1[nodes] = np.abs(np.broadcast_to(parts[1], nodes.shape + V.shape[1:]))
    return c0, c1


def conditioning(graph: Graph, V: Any) -> tuple[int, float] | None:
    """The first live node whose estimated relative error passes ``CONDITION_LIMIT``, and
    that error; None when none does (or the graph is past ``MAX_CONDITION_NODES``). Where
    the compiled tier is loaded the same loop runs in machine code. A value
    that is exactly 0 while the roundings before it are not (``1 - tanh(60)``: tanh rounds
    to 1) has lost every digit: its relative error is reported as infinite."""
    count = _live_count(graph)  # (past the limit, no index array of the live nodes is made)
    if not count or count > MAX_CONDITION_NODES:
        return None
    nodes = _live_ops(graph)
    from .compiled import loaded  # (numba is imported only where the tier loads it)

    kernel = loaded() if nodes.size >= KERNEL_NODES else None
    E = _initial_errors(graph)
    i = _recurrence(graph, V, E, nodes, kernel, CONDITION_LIMIT)
    if i < 0:
        return None
    lim = CONDITION_LIMIT * abs(float(V[i]))
    return i, E[i] / (lim / CONDITION_LIMIT) if lim else math.inf


def errors(graph: Graph, V: Any, kernel: Any = None) -> Any:
    """Every live op node's estimated absolute error ``E`` at the point (the recurrence of
    :func:`conditioning`, run to the end: no limit), as a float array by node; ``kernel``:
    the compiled tier's module, to run its loop instead of numpy's."""
    import numpy as np

    E = _initial_errors(graph)
    _recurrence(graph, V, E, _live_ops(graph), kernel, math.inf)
    return np.frombuffer(E, dtype=np.float64)[: graph.output + 1].copy()


def _initial_errors(graph: Graph) -> Any:
    """The error array before the recurrence: inputs and literals exact as given, inexact
    literals their rounding (a float array: the audit holds a few bytes per node, not seven
    Python lists of them; the loop's lists are made a slice at a time)."""
    E = array("d", bytes(8 * (graph.output + 2)))
    for node, e in _literal_errors(graph):
        E[node] = e
    return E


def _recurrence(graph: Graph, V: Any, E: Any, nodes: Any, kernel: Any, limit_rel: float
                ) -> int:
    """``E = eps·|v| + Σ_k |∂v/∂arg_k|·E_k`` over ``nodes`` in order, into ``E`` (no eps·|v|
    where the op is ``exact``: it never rounds), stopping at the first node whose error
    passes ``limit_rel`` of its value (never, at an infinite limit); returns that node or
    -1. ``kernel``: the compiled tier's module, which runs the same operations."""
    import numpy as np

    if kernel is not None:  # the same recurrence in machine code, partials and all
        from .compiled import _arrays

        op, A, B, _ = _arrays(graph)
        return int(kernel.condition(V, np.frombuffer(E, dtype=np.float64), op, A, B, nodes,
                                    _ops.BY_NAME["sub"].code, limit_rel))
    c0, c1 = _coefficients(graph, V)
    values = V[: graph.output + 1]
    with np.errstate(all="ignore"):
        base = EPS * np.abs(values[nodes])
        base[_exact_nodes(graph, nodes)] = 0.0  # (an exact op's value is not rounded)
        limit = limit_rel * np.abs(values[nodes])
    a, b = _operands(graph, nodes)
    c0, c1 = c0[nodes], c1[nodes]
    for lo in range(0, nodes.size, CHUNK):
        hi = lo + CHUNK
        for i, ai, bi, ca, cb, e, lim in zip(nodes[lo:hi].tolist(), a[lo:hi].tolist(),
                                             b[lo:hi].tolist(), c0[lo:hi].tolist(),
                                             c1[lo:hi].tolist(), base[lo:hi].tolist(),
                                             limit[lo:hi].tolist()):
            ea, eb = E[ai], E[bi]
            if ea:
                e += ca * ea
            if eb:
                e += cb * eb
            E[i] = e
            if e < math.inf and (e > lim and 0 < lim < math.inf or lim == 0 < e):
                # nonzero finite, or a computed exact zero; overflow and nan are told
                # elsewhere
                return i
    return -1


def _magnitude_span(values: Any) -> int:
    """The decimal digits the finite nonzero ``values`` span (at most ``MAX_SPAN``)."""
    import numpy as np

    sizes = np.abs(values)
    sizes = sizes[np.isfinite(sizes) & (sizes > 0)]
    if not sizes.size:
        return 0
    return min(int(np.log10(sizes.max()) - np.log10(sizes.min())) + 1, MAX_SPAN)


def audit(graph: Graph, V: Any, normal: bool = False) -> tuple[int, str, int] | None:
    """The first node whose value floats could not hold (range) or that lost its digits
    (conditioning), how, and the decimal digits an exact re-run needs beyond its 50
    (``normal``: as for :func:`range_faults`)."""
    fault = range_faults(graph, V, normal)
    bad = conditioning(graph, V)  # (also beside a range fault: its digits are needed too)
    span = 0  # mpmath's exponent range is unbounded: a range fault alone needs no digits
    if bad is not None:
        rel = bad[1]
        # (rel / EPS may overflow where rel does not: subtract the logarithms)
        if V[bad[0]] == 0:  # a computed exact zero: its digits are sized by the decimal
            span = _magnitude_span(V[: graph.output + 1])  # range of the values around it
        else:
            span = MAX_SPAN if not rel < math.inf else \
                min(int(math.log10(rel) - math.log10(EPS)) + 1, MAX_SPAN)
    if fault is not None:
        return fault[0], fault[1], span
    if bad is None:
        return None
    return bad[0], "cancelled" if V[bad[0]] == 0 else "conditioning", span
