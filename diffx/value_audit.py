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
  ``E = eps·|v| + Σ_k |∂v/∂arg_k|·E_k`` (inputs and literals are exact as given). A node
  whose ``E/|v|`` passes ``2^-23`` (the precision audit's ``LOST_BITS``) has lost the digits
  a derivative needs (``tan(sinh(416))``: sinh's one ulp, 1e164, is magnified past the
  period; the float value -0.285 is nothing like the true -0.768).

:func:`audit` returns the first such node, in the precision audit's ``(node, kind, span)``
form, so :mod:`diffx.exact` re-runs the point in mpmath (whose exponent range is unbounded).
"""

from __future__ import annotations

import math
import os
from array import array
from typing import Any, NamedTuple

from . import ops as _ops
from .graph import Graph
from .kernel_source import _needs_out
from .magnitudes import SMALLEST_NORMAL

EPS = 2.0**-53  # one rounding, relative
CONDITION_LIMIT = 2.0**-23  # relative error past which a value has lost 30 of its 53 bits
MAX_CONDITION_NODES = 200_000  # the error estimate's loop (pure Python) stops past this
KERNEL_NODES = 1_000  # from this many live ops the compiled tier's loop runs, when loaded
MAX_SPAN = 1600  # decimal digits an exact re-run is ever asked to add
# Ops whose value is exactly 0 at nonzero arguments by construction, not by underflow.
TRUE_ZEROS = frozenset({"add", "sub", "relu", "max", "min", "abs", "neg"})


def _live_ops(graph: Graph) -> Any:
    """The op nodes (up to the output) the output uses, as an index array (cached)."""
    key = "value-audit-live"
    cached = graph._cache.get(key)
    if cached is None:
        import numpy as np

        hi = graph.output + 1
        live = np.frombuffer(bytes(graph.reachable_from_output()[:hi]), dtype=np.uint8) != 0
        codes = np.asarray(graph.op[:hi], dtype=np.int64)
        cached = graph._cache[key] = np.flatnonzero(live & (codes > _ops.CONST))
    return cached


def _groups(graph: Graph) -> list[tuple[_ops.Op, Any, Any, Any]]:
    """The live op nodes grouped by op: (op, nodes, first args, second args)."""
    key = "value-audit-groups"
    cached = graph._cache.get(key)
    if cached is None:
        import numpy as np

        nodes = _live_ops(graph)
        codes = np.asarray(graph.op, dtype=np.int64)[nodes]
        a = np.asarray(graph.a, dtype=np.int64)[nodes]
        b = np.maximum(np.asarray(graph.b, dtype=np.int64)[nodes], 0)
        cached = []
        for code in np.flatnonzero(np.bincount(codes)):  # np.unique would load numpy.ma
            sel = codes == code
            cached.append((_ops.BY_CODE[int(code)], nodes[sel], a[sel], b[sel]))
        graph._cache[key] = cached
    return cached


def _all_normal(values: Any) -> bool:
    """Every one of ``values`` (a copy: overwritten with their sizes) finite and at least the
    smallest normal double in size: then no op could have overflowed or underflowed (the
    checks of :func:`_faults` need an infinite, zero or subnormal value), so that pass is
    skipped."""
    import numpy as np

    size = np.abs(values, out=values)
    # (the least and the greatest size: nan, which is neither, makes both tests fail)
    return not size.size or bool(size.min() >= SMALLEST_NORMAL and size.max() < np.inf)


def range_faults(graph: Graph, V: Any, normal: bool = False) -> tuple[int, str] | None:
    """The first live node (in evaluation order) that overflowed or underflowed at finite
    arguments, and which (``"overflow"``, ``"underflow-value"``). ``V``: one point's values
    (:func:`diffx.precision.values_array`); ``normal``: every op's value is already known
    finite and normal (:func:`diffx.evaluation.known_normal`)."""
    if normal or _all_normal(V[_live_ops(graph)]):
        return None  # every value finite and normal: nothing overflowed or underflowed
    found = [(int(nodes[0]), kind) for kind, nodes, _ in _faults(graph, V) if nodes.size]
    return min(found) if found else None


def range_fault_points(graph: Graph, V: Any) -> tuple[Any, Any]:
    """Many points (``V``: nodes by points): per point, whether a live node overflowed, and
    whether one overflowed or underflowed, at finite arguments."""
    import numpy as np

    over = np.zeros(V.shape[1], dtype=bool)
    under = np.zeros(V.shape[1], dtype=bool)
    if _all_normal(V[_live_ops(graph)]):
        return over, under  # every value finite and normal: nothing overflowed or underflowed
    for kind, _, points in _faults(graph, V):
        if kind == "overflow":
            over |= points
        else:
            under |= points
    return over, over | under


def _faults(graph: Graph, V: Any) -> list[tuple[str, Any, Any]]:
    """Per op group and kind of fault: the nodes where it happened and (``V`` 2-D, points
    last) the points."""
    import numpy as np

    out_list = []
    many = V.ndim == 2
    with np.errstate(all="ignore"):
        for op, nodes, a, b in _groups(graph):
            args = (V[a],) if op.arity == 1 else (V[a], V[b])
            out = V[nodes]
            finite = np.ones(out.shape, dtype=bool)
            nonzero = np.ones(out.shape, dtype=bool)
            normal = np.ones(out.shape, dtype=bool)
            for v in args:
                finite &= np.isfinite(v)
                nonzero &= v != 0
                normal &= np.abs(v) >= SMALLEST_NORMAL
            checks = [("overflow", np.isinf(out) & finite & nonzero)]
            if op.name not in TRUE_ZEROS:
                checks.append(("underflow-value",
                               (np.abs(out) < SMALLEST_NORMAL) & finite & normal))
            for kind, hit in checks:
                if hit.any():
                    out_list.append((kind, nodes[hit.any(axis=1)] if many else nodes[hit],
                                     hit.any(axis=0) if many else None))
    return out_list


def _coefficients(graph: Graph, V: Any, needed: Any = None) -> tuple[Any, Any]:
    """Per node: |∂v/∂a| and |∂v/∂b| at the point, or per node and point when ``V`` is
    nodes by points (0 where there is no such argument); only at the ``needed`` nodes (a
    boolean per node) when given."""
    import numpy as np

    rows = (graph.output + 1,) + V.shape[1:]
    c0, c1 = np.zeros(rows), np.zeros(rows)
    with np.errstate(all="ignore"):
        for op, nodes, a, b in _groups(graph):
            if needed is not None:
                keep = needed[nodes]
                if not keep.any():
                    continue
                nodes, a, b = nodes[keep], a[keep], b[keep]
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
    nodes = _live_ops(graph)
    from .compiled import loaded  # (numba is imported only where the tier loads it)

    kernel = loaded() if nodes.size >= KERNEL_NODES else None
    if not nodes.size or nodes.size > MAX_CONDITION_NODES:
        return None
    import numpy as np

    # inputs and literals: exact as given; a float array, and the loop's lists made a slice
    # at a time, so the audit holds a few bytes per node, not seven Python lists of them
    E = array("d", bytes(8 * (graph.output + 2)))
    for node, e in _literal_errors(graph):
        E[node] = e
    if kernel is not None:  # the same recurrence in machine code, partials and all
        from .compiled import _arrays

        op, A, B, _ = _arrays(graph)
        i = kernel.condition(V, np.frombuffer(E, dtype=np.float64), op, A, B, nodes,
                             _ops.BY_NAME["sub"].code, CONDITION_LIMIT)
        if i < 0:
            return None
        lim = CONDITION_LIMIT * abs(float(V[i]))
        return i, E[i] / (lim / CONDITION_LIMIT) if lim else math.inf
    c0, c1 = _coefficients(graph, V)
    values = V[: graph.output + 1]
    with np.errstate(all="ignore"):
        base = EPS * np.abs(values[nodes])
        limit = CONDITION_LIMIT * np.abs(values[nodes])
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
                return i, e / (lim / CONDITION_LIMIT) if lim else math.inf
    return None


def conditioning_points(graph: Graph, V: Any) -> Any:
    """Many points (``V``: nodes by points): per point, whether a live node's estimated
    relative error passes ``CONDITION_LIMIT`` (:func:`conditioning`'s test, row by row, a
    slice of points at a time); all False past ``MAX_POINT_CONDITION`` node-points. Where
    the compiled tier is loaded the same recurrence runs in machine code."""
    import numpy as np

    nodes = _live_ops(graph)
    bad = np.zeros(V.shape[1], dtype=bool)
    if not nodes.size or nodes.size > MAX_CONDITION_NODES or \
            nodes.size * V.shape[1] > MAX_POINT_CONDITION:
        return bad
    kernel = _points_kernel(graph)
    if kernel is not None:  # the same recurrence in machine code, partials and all
        from .compiled import _arrays

        op, A, B, _ = _arrays(graph)
        E = np.empty((graph.output + 2, V.shape[1]))  # (only erring values' rows are read)
        for node, e in _literal_errors(graph):
            E[node] = e
        plan = _point_plan(graph)
        kernel.condition_many(np.ascontiguousarray(V), E, op, A, B, nodes, plan.ea, plan.eb,
                              CONDITION_LIMIT, bad)
        return bad
    plan = _point_plan(graph)
    step = max(1, min(POINT_STEP, POINT_SLICE // (graph.output + 2), V.shape[1]))
    E = np.empty((graph.output + 2, step))  # (only the rows of erring values are read)
    for node, e in plan.literal:
        E[node] = e
    scratch = np.empty((2, step)), np.empty(step, dtype=bool)
    with np.errstate(all="ignore"):
        for lo in range(0, V.shape[1], step):
            hi = min(lo + step, V.shape[1])
            _condition_slice(plan, V[:, lo:hi], E[:, :hi - lo], scratch, bad[lo:hi])
    return bad


def _points_kernel(graph: Graph) -> Any:
    """The compiled tier's kernel when it is loaded (``DIFFX_COMPILED=1``: loaded now;
    ``=0``: never used) and does every op of ``graph``, else None."""
    from . import compiled

    mode = os.environ.get("DIFFX_COMPILED", "")
    kernel = None if mode == "0" else compiled.kernel() if mode == "1" else compiled.loaded()
    if kernel is None or not hasattr(kernel, "condition_many"):
        return None
    return kernel if compiled._arrays(graph)[3] <= {_ops.INPUT, _ops.CONST, *kernel.CODES} \
        else None


class _PointPlan(NamedTuple):
    """What :func:`conditioning_points` does per slice, worked out once per graph."""

    literal: list[tuple[int, float]]  # the inexact literals and their roundings
    # per op group with a node that has an erring argument: the op, those nodes, their
    # arguments (for indexing V; a missing second one as 0), their rows' places in ``rows``
    groups: list[tuple[_ops.Op, Any, Any, Any, list[int]]]
    # per live op node, in order: the node and, per argument, the erring argument (or -1:
    # none, or one carrying no error, which adds nothing)
    rows: list[tuple[int, int, int]]
    ea: Any  # those arguments as index arrays (for the compiled tier)
    eb: Any


def _point_plan(graph: Graph) -> _PointPlan:
    """The plan of :func:`conditioning_points` for ``graph`` (cached)."""
    key = "value-audit-point-plan"
    cached = graph._cache.get(key)
    if cached is None:
        import numpy as np

        nodes = _live_ops(graph)
        a, b = _operands(graph, nodes)
        literal = _literal_errors(graph)
        # which values carry an error: every op's (one rounding at least), the inexact
        # literals'; inputs and exact literals carry none, so an op on those alone needs
        # no partials (the costly ones, x^y's in y, are mostly of that kind: y^2) and can
        # lose no digits (its error is its one rounding: eps·|v| <= limit·|v|)
        erring = np.zeros(graph.output + 2, dtype=bool)
        erring[nodes] = True
        erring[[node for node, _ in literal]] = True
        ea = np.where(erring[a], a, -1)
        eb = np.where(erring[b], b, -1)
        rows = list(zip(nodes.tolist(), ea.tolist(), eb.tolist()))
        place = {node: k for k, node in enumerate(nodes.tolist())}
        needed = np.zeros(graph.output + 1, dtype=bool)
        needed[nodes] = (ea >= 0) | (eb >= 0)
        groups = []
        for op, gnodes, ga, gb in _groups(graph):
            keep = needed[gnodes]
            if keep.any():
                groups.append((op, gnodes[keep], ga[keep], gb[keep],
                               [place[n] for n in gnodes[keep].tolist()]))
        cached = graph._cache[key] = _PointPlan(literal, groups, rows, ea, eb)
    return cached


def _condition_slice(plan: _PointPlan, W: Any, E: Any, scratch: tuple[Any, Any],
                     bad: Any) -> None:
    """:func:`conditioning_points` on one slice of points ``W`` (nodes by points): the
    errors into ``E`` (its rows of inexact literals preset), ``bad`` set where a value lost
    its digits. The same operations as the reference recurrence, in the same order, so the
    same errors to the last bit: a term ``|∂v/∂arg|·E_arg`` adds nothing where ``E_arg`` is
    exactly 0 (not ``inf·0``, nan)."""
    import numpy as np

    n = W.shape[1]
    term, limit = scratch[0][0, :n], scratch[0][1, :n]
    lost = scratch[1][:n]
    coef: list[Any] = [None] * len(plan.rows) * 2  # per row and argument: |∂v/∂arg|
    whole: list[bool] = [True] * len(plan.rows) * 2  # ... and whether it is finite
    for op, nodes, a, b, places in plan.groups:
        args = (W[a],) if op.arity == 1 else (W[a], W[b])
        parts = op.local_partials(args, W[nodes] if _needs_out(op) else None)
        for k, p in enumerate(parts):
            if np.ndim(p) == 0:
                c = abs(float(p))
                for j in places:
                    coef[2 * j + k], whole[2 * j + k] = c, c < math.inf
                continue
            p = np.abs(np.broadcast_to(p, (nodes.size, n)))
            finite = (p.max(axis=1) < math.inf).tolist()
            for r, j in enumerate(places):
                coef[2 * j + k], whole[2 * j + k] = p[r], finite[r]
    for j, (i, ai, bi) in enumerate(plan.rows):
        e = E[i]
        np.abs(W[i], out=e)
        if ai < 0 and bi < 0:  # one rounding: no digits lost
            e *= EPS
            continue
        np.multiply(e, CONDITION_LIMIT, out=limit)
        e *= EPS
        for k, arg in ((0, ai), (1, bi)):
            if arg < 0:
                continue
            c = coef[2 * j + k]
            if isinstance(c, float) and c == 1.0:
                e += E[arg]  # (1·E is E, and 0 where E is 0)
                continue
            np.multiply(c, E[arg], out=term)
            if not whole[2 * j + k]:  # inf·0 or nan·0 where the error is 0: adds nothing
                np.copyto(term, 0.0, where=E[arg] == 0)
            e += term
        # lost: e > limit·|v| below infinity (at v = 0: e > 0; v inf or nan: never)
        np.greater(e, limit, out=lost)
        if lost.any():
            lost &= e < math.inf
            bad |= lost


def _operands(graph: Graph, nodes: Any) -> tuple[Any, Any]:
    """The first and second arguments of ``nodes`` (-1: none, whose error row is 0); ``u - u``
    has none here: its two roundings are one and cancel exactly."""
    import numpy as np

    a = np.asarray(graph.a, dtype=np.int64)[nodes]
    b = np.asarray(graph.b, dtype=np.int64)[nodes].copy()
    codes = np.asarray(graph.op, dtype=np.int64)[nodes]
    same = (codes == _ops.BY_NAME["sub"].code) & (a == b)
    a[same] = b[same] = -1
    return a, b


MAX_POINT_CONDITION = 20_000_000  # node-points the many-points conditioning audit takes on
POINT_SLICE = 1 << 21  # node-points per slice of it (16 MiB of errors)
POINT_STEP = 1 << 14  # points per slice at most (a row of errors stays in the cache)


CHUNK = 1 << 14  # nodes per slice of the conditioning loop


def _literal_errors(graph: Graph) -> list[tuple[int, float]]:
    """The rounding of each literal that is not exactly its double (``1e300``, ``0.1``, pi):
    the exact methods read the number typed (docs/conventions.md), the float sweep its
    nearest double; inputs are exact as given."""
    from fractions import Fraction

    out = []
    for node, leaf in graph._leaf.items():
        if graph.op[node] == _ops.INPUT or node > graph.output:
            continue
        value, text = leaf
        try:
            exact = Fraction(text) == Fraction(value)
        except (ValueError, OverflowError):  # pi, e, or not a finite number
            exact = False
        if not exact and math.isfinite(value):
            out.append((node, EPS * abs(value)))
    return out


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
