"""The precision audit's scan at one point, in chunks of edges: lean in memory and time.

:func:`diffx.precision._scan` builds every edge's partial, contribution and magnitude as
whole arrays (several float64 and int64 entries per edge: about 100 bytes per node of a
10^6-node program). :func:`scan_point` makes the same tests on the same numbers, edge group
by edge group in chunks of ``CHUNK`` edges, keeping only the per-node sums of magnitudes:

* the edges are those of :func:`diffx.precision._edges` in the same order (the linear ops'
  groups first, then the others, each by active op code and argument), stored once per graph
  as the int32 nodes of each code (an argument's index is read from the graph's own arrays);
* the sums are accumulated with ``np.add.at`` in that order, one addition per edge as
  ``np.bincount`` makes them, so every sum is the same float to the last bit;
* a zero adjoint (tangent) flagged as lost is forgiven, as :func:`_forgive_exact_zeros` does,
  when its two contributions come from one node and are exact opposites (``x - x``, ``x/x``):
  one source node has at most two edges, so that is the only case its exact sum can clear.

What it returns equals ``_scan``'s for one point: the flagged nodes (the same list, so the
audit names the same node) and the summed magnitudes (for the digits' span); the tests in
tests/test_precision_scan.py compare the two on random graphs and extreme points.
"""

from __future__ import annotations

from typing import Any

from . import engine, magnitudes
from . import ops as _ops
from .graph import Graph
from .magnitudes import EXACT_PARTIALS, SMALLEST_NORMAL
from .node_arrays import _index_array

CHUNK = 1 << 14  # edges (or nodes) handled at once: temporaries of about 100 KiB each
LOST_BITS = 30  # a node whose contributions are 2^30 times its value lost 30 of 53 bits
# Ops whose partials are exact copies or conventions (0 is a true 0 there): their partial
# is ``coefficient * value of a node`` (add: 1, sub: ±1, mul: the other argument) or a step.
LINEAR = {"add": (1.0, 1.0), "sub": (1.0, -1.0), "neg": (-1.0,), "mul": (1.0, 1.0)}


def swept_codes(graph: Graph, wrt: tuple[str, ...]) -> tuple[Any, Any]:
    """Up to the output: each node's active code (op and which arguments the sweep feeds)
    and whether the sweep takes it, as numpy arrays."""
    import numpy as np

    hi = graph.output + 1  # (the engine's cached bytes read in place, not copied)
    codes = np.frombuffer(engine._active_codes(graph, wrt)[0], dtype=np.uint8, count=hi)
    plan = engine._sweep_plan(graph, wrt)[0]
    plan = np.frombuffer(plan, dtype=np.uint8, count=hi) if isinstance(plan, bytearray) \
        else np.asarray(plan[:hi])
    return codes, (plan != 0) & (codes > 0)


def point_edges(graph: Graph, wrt: tuple[str, ...]) -> list[tuple[Any, int, int, Any]]:
    """The swept edges in the audit's order, as groups (op, active code, argument k, the
    int32 nodes of that code: one edge per node), built once per graph and ``wrt``."""
    key = ("audit-point-edges", wrt)
    cached = graph._cache.get(key)
    if cached is None:
        import numpy as np

        codes, live = swept_codes(graph, wrt)
        linear: list[tuple[Any, int, int, Any]] = []
        other: list[tuple[Any, int, int, Any]] = []
        for code in np.flatnonzero(np.bincount(codes[live])):
            nodes = _nonzero32(live & (codes == code))
            op = _ops.BY_CODE[int(code) >> 2]
            for k in (0, 1):
                if int(code) & (1 << k):
                    (linear if op.name in LINEAR else other).append((op, int(code), k, nodes))
        cached = graph._cache[key] = linear + other
    return cached


def _nonzero32(mask: Any) -> Any:
    """``np.flatnonzero(mask)`` as int32, a chunk at a time: no int64 array of them all."""
    import numpy as np

    parts = [np.flatnonzero(mask[s:s + CHUNK]).astype(np.int32) + np.int32(s)
             for s in range(0, mask.size, CHUNK)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)


def n_edges(graph: Graph, wrt: tuple[str, ...]) -> int:
    """How many edges the scan goes over."""
    return sum(g[3].size for g in point_edges(graph, wrt))


def _partial(op: _ops.Op, k: int, nodes: Any, V: Any, A: Any, B: Any
             ) -> tuple[Any, tuple[Any, ...]]:
    """The partial along edge ``k`` of each of ``nodes`` (a float for add, sub and neg) and
    the arguments' values, computed as ``_scan`` computes them."""
    import numpy as np

    if op.name in LINEAR:
        coef = LINEAR[op.name][k]
        if op.name == "mul":  # coefficient 1 times the other argument's value
            return coef * V[B[nodes] if k == 0 else A[nodes]], ()
        return coef * 1.0, ()
    args = (V[A[nodes]],) if op.arity == 1 else (V[A[nodes]], V[B[nodes]])
    p = np.asarray(op.local_partials(args, V[nodes])[k], dtype=np.float64)
    return (np.broadcast_to(p, nodes.shape) if p.ndim == 0 else p), args


def _lost_partial(op: _ops.Op, p: Any, args: tuple[Any, ...], out: Any) -> Any:
    """A partial that is 0, subnormal or infinite at nonzero finite arguments and output:
    a true derivative that the float formula could not hold (``-out/y`` = -8e-349)."""
    import numpy as np

    ordinary = np.isfinite(out) & (out != 0)
    for v in args:
        ordinary &= np.isfinite(v) & (v != 0)
    if op.name == "pow":  # d/dx x^0 = 0 and d/dy 1^y = 0 are true zeros
        ordinary &= (args[0] != 1) & (args[1] != 0)
    small = np.abs(p) < SMALLEST_NORMAL
    if op.kink is None:  # sqrt, asin, acos have true infinite slopes
        small |= np.isinf(p)
    return ordinary & small


def scan_point(graph: Graph, V: Any, Dm: Any, wrt: tuple[str, ...], reverse: bool
               ) -> tuple[list[tuple[int, str]], Any]:
    """At one point (``V``: the values and a slot holding 1; ``Dm``: the adjoints or
    tangents, float64): the flagged nodes and the summed magnitudes per node, as
    :func:`diffx.precision._scan` gives them."""
    import numpy as np

    hi = graph.output + 1
    A, B = _index_array(graph.a)[:hi], _index_array(graph.b)[:hi]
    groups = point_edges(graph, wrt)  # (built before the sums: their peaks do not meet)
    total = np.zeros(hi)
    found: list[tuple[int, str]] = []
    small_lo, small_hi = hi, -1
    with np.errstate(all="ignore"):
        for op, _code, k, all_nodes in groups:
            checked = op.name not in EXACT_PARTIALS
            first_bad = -1
            for s in range(0, all_nodes.size, CHUNK):
                nodes = all_nodes[s:s + CHUNK]
                args = A[nodes] if k == 0 else B[nodes]
                p, vals = _partial(op, k, nodes, V, A, B)
                if checked and first_bad < 0:
                    bad = _lost_partial(op, p, vals, V[nodes])
                    bad &= (Dm[nodes] if reverse else Dm[args]) != 0
                    if bad.any():
                        first_bad = int(nodes[np.argmax(bad)])
                g = Dm[nodes] if reverse else Dm[args]
                size = g * p
                np.absolute(size, out=size)
                if size.size and not size.min() >= SMALLEST_NORMAL:
                    hit = nodes[(size < SMALLEST_NORMAL) & (g != 0) & (p != 0)
                                & np.isfinite(g) & np.isfinite(p)]
                    if hit.size:
                        small_lo, small_hi = min(small_lo, int(hit.min())), \
                            max(small_hi, int(hit.max()))
                np.add.at(total, args if reverse else nodes, size)
            if first_bad >= 0:
                found.append((first_bad, "underflow"))
        lost = _lost(graph, total, Dm, V, wrt, reverse)
        per_nodes, per_args = magnitudes.periodic(graph, wrt)
        periodic = magnitudes.periodic_loss(V, per_args) if per_nodes.size else None
    head: list[tuple[int, str]] = []
    if periodic is not None and periodic.any():
        hit = per_nodes[periodic]
        head += [(int(hit.min()), "periodic"), (int(hit.max()), "periodic")]
    if small_hi >= 0:
        head += [(small_lo, "underflow"), (small_hi, "underflow")]
    found = head + found
    if lost.size:
        found += [(int(lost[0]), "cancellation"), (int(lost[-1]), "cancellation")]
    return found, total


def _lost(graph: Graph, total: Any, Dm: Any, V: Any, wrt: tuple[str, ...], reverse: bool
          ) -> Any:
    """The nodes (ascending) whose contributions' magnitudes sum to 2^LOST_BITS times their
    adjoint or more, finite, less the exact zeros (see the module's docstring)."""
    import numpy as np

    parts = []
    for s in range(0, total.size, CHUNK):
        t = total[s:s + CHUNK]
        flag = t > 2.0**LOST_BITS * np.abs(Dm[s:s + CHUNK])
        if flag.any():
            flag &= np.isfinite(t)
            parts.append(np.flatnonzero(flag) + s)
    lost = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    zeros = lost[Dm[lost] == 0]
    if not zeros.size:
        return lost
    return np.setdiff1d(lost, _exact_zeros(graph, zeros, V, Dm, wrt, reverse),
                        assume_unique=True)


def _exact_zeros(graph: Graph, zeros: Any, V: Any, Dm: Any, wrt: tuple[str, ...],
                 reverse: bool) -> Any:
    """Of the ``zeros`` (nodes), those whose contributions are two, from one node, exact
    opposites."""
    import numpy as np

    hi = graph.output + 1
    A, B = _index_array(graph.a)[:hi], _index_array(graph.b)[:hi]
    wanted = np.zeros(hi, dtype=bool)
    wanted[zeros] = True
    into, source, signed = [], [], []
    for op, _code, k, all_nodes in point_edges(graph, wrt):
        for s in range(0, all_nodes.size, CHUNK):
            nodes = all_nodes[s:s + CHUNK]
            args = A[nodes] if k == 0 else B[nodes]
            targets, sources = (args, nodes) if reverse else (nodes, args)
            pick = wanted[targets]
            if not pick.any():
                continue
            nodes = nodes[pick]
            p, _ = _partial(op, k, nodes, V, A, B)
            into.append(targets[pick])
            source.append(sources[pick])
            signed.append((Dm[nodes] if reverse else Dm[args[pick]]) * p)
    into_a, source_a, signed_a = (np.concatenate(x) for x in (into, source, signed))
    order = np.argsort(into_a, kind="stable")
    keys, starts, counts = np.unique(into_a[order], return_index=True, return_counts=True)
    two = counts == 2
    first, second = order[starts[two]], order[starts[two] + 1]
    cleared = (source_a[first] == source_a[second]) & (signed_a[first] == -signed_a[second])
    return keys[two][cleared]


def span(total: Any, Dm: Any, V: Any) -> float:
    """Decimal digits between the largest and the smallest positive finite magnitude among
    the sums, the adjoints (tangents), the values up to the output and the 1 of
    :func:`diffx.precision.values_array`'s last slot (taken as a constant: ``V`` may be
    the values alone, :func:`diffx.precision.values_view`)."""
    import numpy as np

    top, bottom = 1.0, 1.0
    for arr in (total, Dm, V[:total.size]):
        for s in range(0, arr.size, CHUNK):
            a = np.abs(arr[s:s + CHUNK])
            a = a[np.isfinite(a) & (a > 0)]
            if a.size:
                top, bottom = max(top, a.max()), min(bottom, a.min())
    return float(np.log10(top) - np.log10(bottom))


def scan_kernel(graph: Graph, V: Any, adj: Any, wrt: tuple[str, ...]
                ) -> tuple[list[tuple[int, str]], float] | None:
    """The reverse scan at one point in the compiled tier's kernel (``audit``, one pass over
    the nodes, no per-edge arrays), for adjoints its sweep made (``adj.array``): the flagged
    nodes as :func:`scan_point` finds them and the digits' span as :func:`span` gives it, or
    None where only the numpy scan can decide (a sum within 2^-20 of the audit's limit, whose
    last bits depend on the order of its terms; a size or a partial by the smallest normal
    number or past 2^1000, where numpy's partials, an ulp off math's, could decide; a span set
    by a sum, by a whole number of digits)."""
    import numpy as np

    from . import compiled

    op, A, B, _ = compiled._arrays(graph)
    hi = graph.output + 1
    none = np.iinfo(np.int64).max
    LP = np.full(2048, none, dtype=np.int64)  # per 2 * active code + k
    R = np.array([none, -1, none, -1], dtype=np.int64)
    F = np.zeros(4)
    if compiled.kernel().audit(V, adj.array, op, A, B, compiled._plan(graph, wrt),
                               graph.output, np.zeros(hi), np.zeros(hi, dtype=np.int32),
                               LP, R, F):
        return None
    found: list[tuple[int, str]] = []
    per_nodes, per_args = magnitudes.periodic(graph, wrt)
    if per_nodes.size:
        hit = per_nodes[magnitudes.periodic_loss(V, per_args)]
        if hit.size:
            found += [(int(hit.min()), "periodic"), (int(hit.max()), "periodic")]
    if R[1] >= 0:
        found += [(int(R[0]), "underflow"), (int(R[1]), "underflow")]
    found += [(int(LP[k]), "underflow") for k in np.flatnonzero(LP != none)]
    if R[3] >= 0:
        found += [(int(R[2]), "cancellation"), (int(R[3]), "cancellation")]
    top, bottom = max(F[0], F[2]), min(F[1], F[3])
    digits = float(np.log10(top) - np.log10(bottom)) if top > 0 else 0.0
    if found and abs(digits - round(digits)) < 1e-5 and (
            F[2] >= top * (1 - 2.0**-18) or F[3] <= bottom * (1 + 2.0**-18)):
        return None  # a sum sets the span, by a whole number of digits: numpy's may not
    return found, digits
