"""The value audit over many points: :mod:`diffx.value_audit`'s tests, per point, at C speed.

An array sweep (values ``[node, point]``) is audited as each of its points would be alone:
overflow and underflow at finite arguments (:func:`diffx.value_audit.range_faults`) and the
first-order error recurrence ``E = eps·|v| + Σ |∂v/∂arg|·E_arg`` past ``CONDITION_LIMIT``
(:func:`diffx.value_audit.conditioning`; no ``eps·|v|`` for the ops that never round). A slice of points at a time (its rows stay in the
cache, and the values are copied a slice at a time, never all at once); per slice:

* the range test only where a value is not finite and normal (the least and the greatest
  size of the slice's op values tell);
* the recurrence with few passes: partials only for the nodes with an argument that carries
  an error (inputs and exact literals carry none: an op on those alone rounds once and loses
  nothing, so its row is not tested), ``np.where`` only where a partial is not finite
  (``inf·0`` where an error is 0 must add nothing), one test per row;
* where the compiled tier is loaded, the recurrence as the kernel's ``condition_many``
  (:mod:`diffx.kernel_source`), the same operations in machine code.

The operations and their order are those of the straightforward form (every partial into
full arrays, then ``np.where`` per term; kept in tests/test_points_audit.py as the
reference), so the same errors to the last bit and the same points flagged.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any, NamedTuple

from . import ops as _ops
from .graph import Graph
from .kernel_batch import _needs_out
from .magnitudes import SMALLEST_NORMAL
from .value_checks import (CONDITION_LIMIT, EPS, MAX_CONDITION_NODES, _all_normal,
                           _exact_nodes, _faults, _groups, _literal_errors, _live_ops,
                           _operands)

MAX_POINT_CONDITION = 20_000_000  # node-points the many-points conditioning audit takes on
POINT_SLICE = 1 << 21  # node-points per slice (16 MiB of values, as many of errors) at most
POINT_STEP = 1 << 14  # points per slice at most (a row of errors stays in the cache)
KERNEL_WORK = 1_000  # node-points from which the compiled tier's recurrence runs (loaded)


def point_faults(graph: Graph, rows: Sequence[Any], n: int, ranges: bool = True,
                 conditions: bool = True) -> tuple[Any, Any, Any]:
    """``n`` points whose values are ``rows`` (per node up to the output: a float, or a flat
    array of the ``n`` points): per point, whether a live node overflowed, whether one
    overflowed or underflowed (``ranges``), and whether one lost its digits
    (``conditions``; all False past ``MAX_POINT_CONDITION`` node-points)."""
    import numpy as np

    over, faulty, lost = (np.zeros(n, dtype=bool) for _ in range(3))
    nodes = _live_ops(graph)
    conditions = conditions and 0 < nodes.size <= MAX_CONDITION_NODES and \
        nodes.size * n <= MAX_POINT_CONDITION
    if not n or not nodes.size or not (ranges or conditions):
        return over, faulty, lost
    hi = graph.output + 1
    kernel = _points_kernel(graph) if conditions and nodes.size * n >= KERNEL_WORK else None
    plan = _point_plan(graph) if conditions else None
    step = max(1, min(POINT_STEP, POINT_SLICE // (hi + 1), n))
    literal = _literal_errors(graph)
    E = values = None
    scratch = np.empty((2, step)), np.empty(step, dtype=bool)
    with np.errstate(all="ignore"):
        for lo in range(0, n, step):
            w = min(step, n - lo)
            if E is None or E.shape[1] != w:  # (contiguous: the kernel takes no other)
                E, values = np.empty((hi + 1, w)), np.empty((hi + 1, w))
                values[hi] = 1.0
                for node, e in literal:  # (only erring values' error rows are read)
                    E[node] = e
            W = _Slice(rows, lo, w)  # (numpy reads the rows where they are)
            if kernel is not None and plan is not None:
                op, A, B, _ = _arrays(graph)  # (the sizes are taken on the way)
                status = kernel.condition_many(W.array(values), E, op, A, B, nodes, plan.ea,
                                               plan.eb, CONDITION_LIMIT, lost[lo:lo + w])
                normal = not ranges or not status
            elif plan is not None:  # (the sizes are taken on the way)
                normal = _condition_slice(plan, W, E, scratch, lost[lo:lo + w], ranges)
            else:
                normal = _all_normal(W[nodes])
            if not normal:  # (then the range faults are looked for)
                for kind, _, points in _faults(graph, W.array(values)):
                    (over if kind == "overflow" else faulty)[lo:lo + w] |= points
    return over, over | faulty, lost


class _Slice:
    """Points ``lo`` to ``lo + w`` of ``rows`` (per node a float or a flat array), indexed as
    the values array ``[node, point]`` would be: a node gives its row (a view, or a float),
    an index array the rows stacked (a copy, as numpy's indexing gives)."""

    def __init__(self, rows: Sequence[Any], lo: int, w: int) -> None:
        self.rows, self.lo, self.w = rows, lo, w
        self.shape = (len(rows) + 1, w)

    def __getitem__(self, index: Any) -> Any:
        import numpy as np

        if isinstance(index, int):
            v = self.rows[index]
            return v if np.ndim(v) == 0 else v[self.lo:self.lo + self.w]
        out = np.empty((len(index), self.w))
        for r, i in enumerate(index.tolist()):
            out[r] = self[i]
        return out

    def stack(self, index: Any) -> Any:
        """``self[index]`` to read only: one array row is a view of it."""
        import numpy as np

        if len(index) == 1:
            v = self[int(index[0])]
            if np.ndim(v):
                return v[None]
        return self[index]

    def array(self, out: Any) -> Any:
        """The slice copied into ``out`` (contiguous, of ``shape``, its last row 1)."""
        for i in range(len(self.rows)):
            out[i] = self[i]
        return out


def range_fault_points(graph: Graph, V: Any) -> tuple[Any, Any]:
    """Many points (``V``: nodes by points): per point, whether a live node overflowed, and
    whether one overflowed or underflowed, at finite arguments."""
    over, faulty, _ = point_faults(graph, V, V.shape[1], conditions=False)
    return over, faulty


def conditioning_points(graph: Graph, V: Any) -> Any:
    """Many points (``V``: nodes by points): per point, whether a live node's estimated
    relative error passes ``CONDITION_LIMIT``; all False past ``MAX_POINT_CONDITION``
    node-points."""
    return point_faults(graph, V, V.shape[1], ranges=False)[2]


def _arrays(graph: Graph) -> tuple[Any, Any, Any, frozenset[int]]:
    from .compiled import _arrays as arrays

    return arrays(graph)


def _points_kernel(graph: Graph) -> Any:
    """The compiled tier's kernel when it is loaded (``DIFFX_COMPILED=1``: loaded now;
    ``=0``: never used) and does every op of ``graph``, else None."""
    from . import compiled

    mode = os.environ.get("DIFFX_COMPILED", "")
    kernel = None if mode == "0" else compiled.kernel() if mode == "1" else compiled.loaded()
    if kernel is None or not hasattr(kernel, "condition_many"):
        return None
    return kernel if _arrays(graph)[3] <= {_ops.INPUT, _ops.CONST, *kernel.CODES} else None


class _PointPlan(NamedTuple):
    """What the recurrence does per slice, worked out once per graph."""

    # per op group with a node that has an erring argument: the op, those nodes, their
    # arguments (for indexing the values; a missing second one as 0), their places in rows,
    # whether the partials read the op's value
    groups: list[tuple[_ops.Op, Any, Any, Any, list[int], bool]]
    # per live op node, in order: the node and, per argument, the argument if it carries an
    # error, else -1 (none, or an exact one, or u - u's: its roundings cancel exactly)
    rows: list[tuple[int, int, int]]
    exact: list[bool]  # per row: the op never rounds (``exact`` in the op table): no eps·|v|
    ea: Any  # those arguments as index arrays (for the compiled tier)
    eb: Any


def _point_plan(graph: Graph) -> _PointPlan:
    """The recurrence's plan for ``graph`` (cached)."""
    key = "value-audit-point-plan"
    cached = graph._cache.get(key)
    if cached is None:
        import numpy as np

        nodes = _live_ops(graph)
        a, b = _operands(graph, nodes)
        # which values may carry an error: every op's (one rounding at least; an exact op's
        # none of its own, its error 0 on such arguments, which adds 0 where read), the
        # inexact literals'; inputs and exact literals carry none, so an op on those alone
        # needs no partials (the costly ones, x^y's in y, are mostly of that kind: y^2) and
        # can lose no digits (its error is its one rounding: eps·|v| <= limit·|v|)
        erring = np.zeros(graph.output + 2, dtype=bool)
        erring[nodes] = True
        erring[[node for node, _ in _literal_errors(graph)]] = True
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
                               [place[n] for n in gnodes[keep].tolist()], _needs_out(op)))
        exact = _exact_nodes(graph, nodes).tolist()
        cached = graph._cache[key] = _PointPlan(groups, rows, exact, ea, eb)
    return cached


def _condition_slice(plan: _PointPlan, W: _Slice, E: Any, scratch: tuple[Any, Any],
                     bad: Any, sizes: bool) -> bool:
    """The recurrence on one slice of points ``W``: the errors into ``E`` (its rows of
    inexact literals preset), ``bad`` set where a value lost its digits. A term
    ``|∂v/∂arg|·E_arg`` adds nothing where ``E_arg`` is exactly 0 (not ``inf·0``, nan).
    Returns whether every op's value is finite and normal (always True unless ``sizes``)."""
    import numpy as np

    n = W.shape[1]
    term, limit = scratch[0][0, :n], scratch[0][1, :n]
    lost = scratch[1][:n]
    coef: list[Any] = [None] * len(plan.rows) * 2  # per row and argument: |∂v/∂arg|
    whole: list[bool] = [True] * len(plan.rows) * 2  # ... and whether it is finite
    for op, nodes, a, b, places, needs_out in plan.groups:
        args = (W.stack(a),) if op.arity == 1 else (W.stack(a), W.stack(b))
        parts = op.local_partials(args, W.stack(nodes) if needs_out else None)
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
    normal = True
    for j, (i, ai, bi) in enumerate(plan.rows):
        e = E[i]
        np.abs(W[i], out=e)
        if sizes and normal:  # (nan, neither least nor greatest, fails both)
            normal = bool(e.min() >= SMALLEST_NORMAL and e.max() < math.inf)
        if ai < 0 and bi < 0:  # one rounding (or none, exact): no digits lost
            if plan.exact[j]:
                e.fill(0.0)
            else:
                e *= EPS
            continue
        np.multiply(e, CONDITION_LIMIT, out=limit)
        if plan.exact[j]:  # its value is an argument's (or its negation): not rounded
            e.fill(0.0)
        else:
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
    return normal or not sizes
