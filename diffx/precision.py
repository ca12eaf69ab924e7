"""Precision audit of the float sweeps: find lost digits cheaply, recover them at 50 digits.

A float sweep (reverse or forward) can be silently wrong in two ways:

* cancellation: a node's adjoint (or tangent) is a sum of contributions far larger than the
  sum, so their rounding errors are all that is left (``x/x + x`` at 1e-200: the adjoint of
  ``x`` is 1 + 1e200 - 1e200, which is 0 in floats, 1 in truth);
* underflow: a product of nonzero finite factors becomes 0 or a subnormal, and no later factor
  brings it back (``relu(1.25)/(a/x)`` at x = -8e-175);
* a periodic argument: sin, cos or tan of a computed argument so large (2^30 and up) that its
  rounding error is not small against the period (``tan(sinh(x))`` at 416: the float slope
  is 47 % off, every digit of the argument's position in its period lost).

:func:`audit` looks for all three after a sweep, vectorised over the edges grouped by op (one
numpy call per kind of op, not per edge; one point: :mod:`diffx.precision_scan`, in chunks or
in the compiled tier's kernel; many points: :func:`_scan`): every edge's contribution
``g * partial``, its magnitude summed per receiving node and compared with the node's result,
and every product checked for underflow. :mod:`diffx.exact` then recovers the derivatives in mpmath.
"""

from __future__ import annotations

import math
import struct
from array import array
from collections.abc import Sequence
from typing import Any

from . import magnitudes, precision_scan
from . import ops as _ops
from .evaluation import packed_view
from .graph import Graph
from .magnitudes import EXACT_PARTIALS, SMALLEST_NORMAL
from .precision_scan import LINEAR, LOST_BITS, _lost_partial

MAX_SPAN = 1600  # decimal digits an exact re-run is ever asked to add


def _edges(graph: Graph, wrt: tuple[str, ...]) -> tuple[Any, ...]:
    """The swept edges as flat arrays, built once per graph: (nodes, args) per edge; for the
    linear ops a coefficient and the node whose value is the partial (or a slot holding 1);
    the other ops grouped by op: (op, edge slice, nodes, first args, second args, k)."""
    key = ("audit-edges", wrt)
    cached = graph._cache.get(key)
    if cached is None:
        import numpy as np

        hi = graph.output + 1
        codes, live = precision_scan.swept_codes(graph, wrt)
        a = np.asarray(graph.a[:hi], dtype=np.int64)
        b = np.maximum(np.asarray(graph.b[:hi], dtype=np.int64), 0)
        nodes_l, args_l, coef_l, pidx_l = [], [], [], []
        groups, nodes_n, args_n = [], [], []
        offset = 0
        for code in np.flatnonzero(np.bincount(codes[live])):  # np.unique would load numpy.ma
            nodes = np.flatnonzero(live & (codes == code))
            op = _ops.BY_CODE[int(code) >> 2]
            for k, arg in ((0, a[nodes]), (1, b[nodes])):
                if not int(code) & (1 << k):
                    continue
                if op.name in LINEAR:
                    nodes_l.append(nodes)
                    args_l.append(arg)
                    coef_l.append(np.full(nodes.size, LINEAR[op.name][k]))
                    other = (b[nodes] if k == 0 else a[nodes]) if op.name == "mul" \
                        else np.full(nodes.size, hi)  # slot hi holds 1.0
                    pidx_l.append(other)
                else:
                    groups.append((op, slice(offset, offset + nodes.size), nodes, a[nodes],
                                   b[nodes], k))
                    nodes_n.append(nodes)
                    args_n.append(arg)
                    offset += nodes.size
        cat = (lambda xs: np.concatenate(xs) if xs else np.zeros(0, dtype=np.int64))
        nonlinear_nodes, nonlinear_args = cat(nodes_n), cat(args_n)
        cached = (np.concatenate([cat(nodes_l), nonlinear_nodes]),
                  np.concatenate([cat(args_l), nonlinear_args]),
                  cat(coef_l) if coef_l else np.zeros(0), cat(pidx_l), groups,
                  nonlinear_nodes.size)
        graph._cache[key] = cached
    return cached


def floats(graph: Graph, seq: Sequence[Any], extra: tuple[float, ...] = ()) -> Any:
    """``seq[:output + 1]`` (Python floats) and ``extra`` as a float64 array. ``struct``
    converts a list of floats at C speed, several times faster than ``np.fromiter``; an
    ``array('d')`` is copied from its buffer."""
    import numpy as np

    hi = graph.output + 1
    kernel = getattr(seq, "array", None)  # the compiled tier's values: already float64
    if kernel is not None:
        view = np.concatenate([kernel[:hi], extra]) if extra else kernel[:hi]
        view.flags.writeable = False  # read-only, as the converted form is
        return view
    view = packed_view(seq, hi)  # the engine's packed values: a copy
    if view is not None:
        view = np.concatenate([view, extra]) if extra else view.copy()
        view.flags.writeable = False
        return view
    key = ("floats", hi, len(extra))
    packer = graph._cache.get(key)
    if packer is None:
        packer = graph._cache[key] = struct.Struct(f"{hi + len(extra)}d")
    return np.frombuffer(packer.pack(*(seq if len(seq) == hi else seq[:hi]), *extra),
                         dtype=np.float64)


def values_array(graph: Graph, vals: Sequence[Any]) -> Any:
    """The forward values up to the output as a float array, and a last slot holding 1."""
    return floats(graph, vals, (1.0,))


def values_view(graph: Graph, vals: Sequence[Any]) -> Any:
    """The forward values up to the output read in place (read-only), where they are the
    Python engine's packed ``array('d')``: what :func:`values_array` holds, without the copy
    (8 bytes a node) and without its last slot; whoever reads that slot's 1 takes it as a
    constant (:func:`diffx.precision_scan.span`; the compiled tier's scan, which never sees
    these values, finds a 1 among its adjoints, the output's). None for other values."""
    if not (isinstance(vals, array) and vals.typecode == "d"):
        return None
    view = packed_view(vals, graph.output + 1)
    view.flags.writeable = False  # (the view only: the engine's array stays as it is)
    return view


def audit(graph: Graph, V: Any, D: Sequence[Any], wrt: tuple[str, ...],
          reverse: bool) -> tuple[int, str, int] | None:
    """The first node (in sweep order) where the float sweep lost precision, how, and the
    decimal digits its magnitudes span (what an exact re-run needs at least).

    ``V`` is :func:`values_array` (or :func:`values_view`); ``D`` are the adjoints
    (``reverse``) or the tangents with respect to ``wrt[0]``. One point's edges are scanned by
    :mod:`diffx.precision_scan` (in the compiled tier's kernel where it is loaded and can
    decide).
    """
    if reverse and getattr(D, "marks", None) is not None:  # swept by the compiled tier
        from . import compiled

        if not compiled.screen(graph, V, D, wrt):  # type: ignore[arg-type]
            return None  # nothing the audit below could flag
        if compiled.loaded():  # the same scan in the kernel, unless it cannot decide
            got = precision_scan.scan_kernel(graph, V, D, wrt)
            if got is not None:
                return _named(got[0], got[1], reverse)
    Dm = packed_view(D, graph.output + 1)  # a view (the audit only reads it), else a copy
    if Dm is None:
        Dm = floats(graph, D)
    found, total = precision_scan.scan_point(graph, V, Dm, wrt, reverse)
    return _named(found, precision_scan.span(total, Dm, V) if found else 0.0, reverse)


def _named(found: list[tuple[int, str]], span: float, reverse: bool
           ) -> tuple[int, str, int] | None:
    """The node the audit names (the first in sweep order), how, and the digits needed."""
    if not found:
        return None
    node, kind = max(found) if reverse else min(found)
    return node, kind, min(int(span) + 1, MAX_SPAN)


AUDIT_EDGE_POINTS = 200_000  # edges x points audited in full; past this an even sample


def audit_points(graph: Graph, vals: Sequence[Any], D: Sequence[Any], wrt: tuple[str, ...],
                 reverse: bool) -> tuple[int, str, int, int, bool, Any] | None:
    """:func:`audit` over many points (values are arrays): the first node, how, at how many
    points, out of how many, whether only an evenly spread sample was audited, and the flat
    indices of the points found.

    Every point is screened first by the magnitude sweep (:mod:`diffx.magnitudes`, about the
    cost of one more sweep); the full audit runs only on the points it cannot clear (when
    those times the edges pass ``AUDIT_EDGE_POINTS``, on an even sample of them)."""
    import numpy as np

    hi = graph.output + 1
    shape = np.broadcast_shapes(*(np.shape(v) for v in vals[:hi]))
    n = int(np.prod(shape))
    idx = np.flatnonzero(magnitudes.screen(graph, vals, D, wrt, reverse, shape))
    if not idx.size:
        return None
    width = max(1, AUDIT_EDGE_POINTS // max(1, _edges(graph, wrt)[0].size))
    sampled = idx.size > width
    if sampled:
        idx = idx[np.linspace(0, idx.size - 1, width).astype(np.int64)]
    V = np.empty((hi + 1, idx.size))
    Dm = np.empty((hi, idx.size))
    for rows, source in ((V, vals), (Dm, D)):
        for i in range(hi):
            v = source[i]
            rows[i] = v if np.ndim(v) == 0 else np.ravel(np.broadcast_to(v, shape))[idx]
    V[hi] = 1.0
    found, _, bad = _scan(graph, V, Dm, wrt, reverse)
    if not found:
        return None
    node, kind = max(found) if reverse else min(found)
    return node, kind, int(bad.sum()), idx.size if sampled else n, sampled, \
        idx[np.flatnonzero(bad)]


FSUM_CHECKS = 1_000  # exact sums tried per audit before a zero is taken as suspicious


def _grouped(graph: Graph, targets: Any, key: tuple[Any, ...]) -> tuple[Any, Any, Any, Any]:
    """The edges sorted by the node they go into (stable), the nodes, where each one's edges
    start and how many there are (built once per graph and ``key``)."""
    import numpy as np

    cached = graph._cache.get(("audit-grouped", key))
    if cached is None:
        order = np.argsort(targets, kind="stable")
        keys, starts, counts = np.unique(targets[order], return_index=True, return_counts=True)
        cached = graph._cache[("audit-grouped", key)] = (order, keys, starts, counts)
    return cached


def _forgive_exact_zeros(graph: Graph, key: tuple[Any, ...], lost: Any, Dm: Any, signed: Any,
                         targets: Any, sources: Any) -> None:
    """A zero adjoint whose contributions all come from one node and sum to exactly 0
    (``x - x``, ``x/x``: equal terms of opposite sign, by structure) lost nothing: clear those
    flags. Terms from different nodes that happen to cancel in floats (``s1/s2`` against
    ``log(s1)`` with s2 = exp(log(s1))) are not forgiven: their true sum need not be 0.
    Two terms are compared at once; more are summed exactly with ``math.fsum``, up to
    ``FSUM_CHECKS`` of them."""
    import numpy as np

    zero = lost & (Dm == 0)
    if not zero.any():
        return
    order, keys, starts, counts = _grouped(graph, targets, key)
    pairs = keys[counts == 2]
    if pairs.size:
        first = order[starts[counts == 2]]
        second = order[starts[counts == 2] + 1]
        same = (sources[first] == sources[second])
        if signed.ndim == 2:
            same = same[:, None]
        opposite = (signed[first] == -signed[second]) & same
        lost[pairs] &= ~opposite
    zeros = np.argwhere(lost & (Dm == 0))
    at = np.searchsorted(keys, zeros[:FSUM_CHECKS, 0])
    for spot, k in zip(zeros[:FSUM_CHECKS], at):
        into = order[starts[k]:starts[k] + counts[k]]  # the edges into this node
        if np.unique(sources[into]).size != 1:
            continue
        terms = signed[into] if lost.ndim == 1 else signed[into, spot[1]]
        if math.fsum(terms.tolist()) == 0.0:
            lost[tuple(spot)] = False


def _shared(graph: Graph, wrt: tuple[str, ...], reverse: bool, targets: Any
            ) -> tuple[Any, Any, Any]:
    """The edges into nodes that receive two or more contributions, sorted by node, with the
    nodes and where each one's edges start (built once per graph). A node with a single
    contribution cannot cancel: the sweep stored that contribution itself."""
    import numpy as np

    key = ("audit-shared", wrt, reverse)
    cached = graph._cache.get(key)
    if cached is None:
        counts = np.bincount(targets) if targets.size else np.zeros(0, dtype=np.int64)
        shared = np.flatnonzero(counts[targets] >= 2) if targets.size else targets
        shared = shared[np.argsort(targets[shared], kind="stable")]
        keys, starts = np.unique(targets[shared], return_index=True)
        cached = graph._cache[key] = (shared, keys, starts)
    return cached


def _scan(graph: Graph, V: Any, Dm: Any, wrt: tuple[str, ...], reverse: bool
          ) -> tuple[list[tuple[int, str]], Any, Any]:
    """The edges' contributions at one point (1-D values) or many (2-D, points last):
    flagged nodes, the summed magnitudes per node, and (2-D) which points were flagged."""
    import numpy as np

    hi = graph.output + 1
    nodes_e, args_e, coef_l, pidx_l, groups, n_other = _edges(graph, wrt)
    many = V.ndim == 2
    per_point = (slice(None), None) if many else slice(None)
    lost_partials = []
    bad_points = np.zeros(V.shape[1], dtype=bool) if many else None
    with np.errstate(all="ignore"):
        p_n = np.empty((n_other,) + V.shape[1:])
        for op, where, nodes, a, b, k in groups:
            args = (V[a],) if op.arity == 1 else (V[a], V[b])
            p_n[where] = op.local_partials(args, V[nodes])[k]
            if op.name not in EXACT_PARTIALS:
                bad = _lost_partial(op, p_n[where], args, V[nodes])
                bad &= (Dm[nodes] if reverse else Dm[a if k == 0 else b]) != 0
                if bad.any():
                    lost_partials.append(nodes[bad.any(axis=1)] if many else nodes[bad])
                    if many:
                        bad_points |= bad.any(axis=0)
        p = coef_l[per_point] * V[pidx_l]
        if n_other:
            p = np.concatenate([p, p_n])
        g = Dm[nodes_e] if reverse else Dm[args_e]
        signed = g * p
        size = np.abs(signed)
        small = None  # one reduction decides the common case: nothing near underflow
        if size.size and not size.min() >= SMALLEST_NORMAL:
            small = (size < SMALLEST_NORMAL) & (g != 0) & (p != 0) & np.isfinite(g) \
                & np.isfinite(p)
        targets = args_e if reverse else nodes_e
        if many:  # only nodes with two or more contributions can cancel
            shared, keys, starts = _shared(graph, wrt, reverse, targets)
            total = np.zeros(Dm.shape)
            if shared.size:
                total[keys] = np.add.reduceat(size[shared], starts, axis=0)
        else:
            total = np.bincount(targets, weights=size, minlength=hi)
        lost = total > 2.0**LOST_BITS * np.abs(Dm)  # an infinite total: not finite anyway
        if lost.any():
            lost &= np.isfinite(total)
            _forgive_exact_zeros(graph, (wrt, reverse), lost, Dm, signed, targets,
                                 nodes_e if reverse else args_e)
        per_nodes, per_args = magnitudes.periodic(graph, wrt)
        periodic = magnitudes.periodic_loss(V, per_args) if per_nodes.size else None
    found = []
    if periodic is not None and periodic.any():
        hit = per_nodes[periodic.any(axis=1)] if many else per_nodes[periodic]
        found += [(int(hit.min()), "periodic"), (int(hit.max()), "periodic")]
        if many:
            bad_points |= periodic.any(axis=0)
    if small is not None and small.any():
        hit = nodes_e[small.any(axis=1)] if many else nodes_e[small]
        found += [(int(hit.min()), "underflow"), (int(hit.max()), "underflow")]
    found += [(int(n[0]), "underflow") for n in lost_partials if n.size]
    if lost.any():
        hit = np.flatnonzero(lost.any(axis=1) if many else lost)
        found += [(int(hit[0]), "cancellation"), (int(hit[-1]), "cancellation")]
    if many:
        bad_points |= lost.any(axis=0)
        if small is not None:
            bad_points |= small.any(axis=0)
    return found, total, bad_points
