"""The value audit's shared pieces, for one point (:mod:`diffx.value_audit`) and for many
(:mod:`diffx.value_audit_points`): its limits, the live op nodes and their groups by op, the
range test (overflow, underflow at finite arguments), the operands the error recurrence
reads, which of its nodes round (ops marked ``exact`` in the op table do not) and the
roundings of inexact literals.
"""

from __future__ import annotations

import math
from typing import Any

from . import ops as _ops
from .graph import Graph
from .magnitudes import SMALLEST_NORMAL
from .node_arrays import _index_array

EPS = 2.0**-53  # one rounding, relative
CONDITION_LIMIT = 2.0**-23  # relative error past which a value has lost 30 of its 53 bits
MAX_CONDITION_NODES = 200_000  # the error estimate's loop (pure Python) stops past this
# Ops whose value is exactly 0 at nonzero arguments by construction, not by underflow.
TRUE_ZEROS = frozenset({"add", "sub", "relu", "max", "min", "abs", "neg"})
# Ops that never round (an argument's value, its negation, or a constant): no eps·|v| term.
EXACT_CODES = tuple(op.code for op in _ops.OPS if op.exact)
LIVE_SLICE = 1 << 16  # nodes per slice where the live op nodes are read by mask, no index


def _live_mask(graph: Graph, lo: int = 0, hi: int | None = None) -> Any:
    """Of the nodes ``lo`` to ``hi`` (the output's end by default): which are op nodes the
    output uses, as a bool array (the graph's arrays read in place)."""
    import numpy as np

    end = graph.output + 1
    hi = end if hi is None else min(hi, end)
    live = np.frombuffer(graph.reachable_from_output(), dtype=np.uint8, count=end)[lo:hi] != 0
    live &= np.frombuffer(graph.op, dtype=np.uint8, count=end)[lo:hi] > _ops.CONST
    return live


def _live_ops(graph: Graph) -> Any:
    """The op nodes (up to the output) the output uses, as an index array (cached)."""
    key = "value-audit-live"
    cached = graph._cache.get(key)
    if cached is None:
        import numpy as np

        cached = graph._cache[key] = np.flatnonzero(_live_mask(graph))
    return cached


def _live_count(graph: Graph) -> int:
    """How many op nodes the output uses (cached), counted a slice at a time: a big graph's
    audit that needs no index array of them (8 bytes a node) makes none."""
    key = "value-audit-live-count"
    cached = graph._cache.get(key)
    if cached is None:
        live = graph._cache.get("value-audit-live")
        if live is not None:
            cached = int(live.size)
        else:
            import numpy as np

            cached = sum(int(np.count_nonzero(_live_mask(graph, lo, lo + LIVE_SLICE)))
                         for lo in range(0, graph.output + 1, LIVE_SLICE))
        graph._cache[key] = cached
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


def _operands(graph: Graph, nodes: Any) -> tuple[Any, Any]:
    """The first and second arguments of ``nodes`` (-1: none, whose error row is 0); ``u - u``,
    ``u + -u`` and ``-u + u`` have none here: their two roundings are one (negation adds
    none) and cancel exactly, so the value is 0 with no error."""
    import numpy as np

    A = _index_array(graph.a)  # (the graph's arrays read in place; the rows taken are copies)
    a = A[nodes].astype(np.int64)
    b = _index_array(graph.b)[nodes].astype(np.int64)
    op = np.frombuffer(graph.op, dtype=np.uint8)
    codes = op[nodes]
    same = (codes == _ops.BY_NAME["sub"].code) & (a == b)
    add = np.flatnonzero(codes == _ops.BY_NAME["add"].code)
    neg = _ops.BY_NAME["neg"].code
    if add.size:  # (an add's arguments are both there)
        x, y = a[add], b[add]
        nx, ny = op[x] == neg, op[y] == neg
        may = np.flatnonzero(nx | ny)  # a negation's argument read only where there is one
        if may.size:
            x, y = x[may], y[may]
            same[add[may]] = ny[may] & (A[y] == x) | nx[may] & (A[x] == y)
    a[same] = b[same] = -1
    return a, b


def _exact_nodes(graph: Graph, nodes: Any) -> Any:
    """Which of ``nodes`` are ops that never round (``exact`` in the op table), as a bool
    array: their error is only their arguments' (``E = Σ |∂v/∂arg|·E_arg``)."""
    import numpy as np

    return np.isin(np.frombuffer(graph.op, dtype=np.uint8)[nodes], EXACT_CODES)


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
