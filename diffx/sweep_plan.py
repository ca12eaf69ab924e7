"""Which nodes and edges the sweeps visit: the active codes (per node its op and which
arguments depend on the inputs differentiated) and the reverse sweep's plan (per node a small
variant id: op, active arguments, and which contributions are an argument's first).

Each has a plain loop over the graph's arrays (its definition, for any graph) and a fast path
in numpy passes for the usual graph, where every operation depends on the inputs and the
output uses every statement; the fast path checks that it applies, and its results are the
loop's, element for element (tests/test_engine_fast_plan.py).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from . import tier_slot
from .graph import Graph
from .node_arrays import _index_array
from .ops import CONST


def _by_frequency(codes: Any, values: range = range(256)) -> list[int]:
    """The distinct ``values`` in ``codes`` by frequency, ties in order of first appearance
    (the order of ``Counter(codes).most_common()``), counted at C speed in a bytearray."""
    if not isinstance(codes, bytearray):
        return [code for code, _ in Counter(codes).most_common() if code in values]
    found = [(-codes.count(v), codes.find(v), v) for v in values if v in codes]
    return [v for _, _, v in sorted(found)]


def _sweep_plan(graph: Graph, wrt: tuple[str, ...]) -> tuple[Any, list[tuple[int, int, int]],
                                                             list[int]]:
    """Per node a small variant id for the sweep: (op, active arguments, first writes).

    Walking in sweep order, an argument's first contribution is marked as an assignment.
    Nodes the output does not use, or that do not depend on ``wrt``, get id 0 (skipped).
    Returns the ids, the variants by id, and the ids in order of frequency.
    """
    key = ("sweep-plan", wrt)
    cached = graph._cache.get(key)
    if cached is None:
        codes, _ = _active_codes(graph, wrt)
        found = _plan_arrays(graph, codes)
        plan, variants = found if found is not None else _plan_loop(graph, codes)
        order = _by_frequency(plan, range(1, len(variants)))  # id 0 (skipped) left out
        cached = graph._cache[key] = (plan, variants, order)
    return cached


def _plan_loop(graph: Graph, codes: bytearray) -> tuple[Any, list[tuple[int, int, int]]]:
    """The sweep plan by one backward pass (any graph; :func:`_plan_arrays` is the fast path)."""
    a, b = graph.a, graph.b
    # written: an argument already got its first contribution; nonzero also means the
    # node is used by a node the output needs (liveness, found in the same pass)
    written = bytearray(len(a))
    written[graph.output] = 1
    # variant ids by (active code << 2 | first writes): a list, not a dict of tuples
    vid_of = [0] * (256 << 2)
    variants: list[tuple[int, int, int]] = [(0, 0, 0)]
    plan: Any = bytearray(len(a))
    for i in range(graph.output, -1, -1):
        c = codes[i]
        if not c or not written[i]:
            continue
        assign = 0
        if c & 1 and not written[a[i]]:
            assign = 1
            written[a[i]] = 1
        if c & 2 and not written[b[i]]:
            assign |= 2
            written[b[i]] = 1
        vid = vid_of[c << 2 | assign]
        if not vid:
            vid = vid_of[c << 2 | assign] = len(variants)
            variants.append((c >> 2, c & 3, assign))
            if vid == 256:  # more variants than a byte holds: a list instead
                plan = list(plan)
        plan[i] = vid
    return plan, variants


_CHUNK = 1 << 18  # contributions a numpy pass of :func:`_plan_arrays` takes at once


def _plan_arrays(graph: Graph, codes: bytearray) -> tuple[Any, list[tuple[int, int, int]]] | None:
    """:func:`_plan_loop`'s result in numpy passes, when every active node up to the output is
    an argument of an active node up to the output (then all of them are live, by induction
    from the output down: the usual graph, a program whose statements the output all uses);
    None for other graphs. An argument's first contribution in sweep order is its last user's
    (the greatest node using it; its first argument before its second)."""
    import numpy as np

    out = graph.output
    hi = out + 1
    if hi < 2 or not codes[out]:
        return None
    c = np.frombuffer(codes, dtype=np.uint8)[:hi]
    A, B = _index_array(graph.a)[:hi], _index_array(graph.b)[:hi]
    live = np.flatnonzero(c)  # active nodes up to the output, ascending
    if hi < 2**31:
        live = live.astype(np.int32)
    lc = c[live]
    use_a, use_b = (lc & 1).astype(bool), (lc & 2).astype(bool)
    used = np.zeros(hi + 1, dtype=bool)
    used[A[live[use_a]]] = True
    used[B[live[use_b]]] = True
    used[out] = True
    if not used[live].all():
        return None
    # the contributions in reverse sweep order: node ascending, its second argument first
    # (indices in int32 where they fit, the passes over them in chunks: a 10^6-node graph's
    # plan peaks at a fraction of the memory of whole int64 passes)
    k = len(live)
    index = np.int32 if 2 * k + hi < 2**31 else np.int64
    target = np.full(2 * k, -1, dtype=index)
    target[0::2] = np.where(use_b, B[live], -1)
    target[1::2] = np.where(use_a, A[live], -1)
    last = np.full(hi + 1, -1, dtype=index)
    chunks = range(0, 2 * k, _CHUNK)
    for lo in chunks:  # repeated targets: the last assignment stays (chunks in order)
        last[target[lo:lo + _CHUNK]] = np.arange(lo, min(lo + _CHUNK, 2 * k), dtype=index)
    first = np.empty(2 * k, dtype=bool)
    for lo in chunks:
        first[lo:lo + _CHUNK] = last[target[lo:lo + _CHUNK]] == np.arange(
            lo, min(lo + _CHUNK, 2 * k), dtype=index)
    del target, last
    assign = (first[1::2] & use_a).astype(np.int32) | (first[0::2] & use_b).astype(np.int32) << 1
    del first
    keys = lc.astype(np.int32) << 2 | assign  # below 128 << 2
    del assign
    # variant ids in order of first appearance in sweep order (the greatest node first)
    top = np.full(128 << 2, -1, dtype=np.int64)
    top[keys] = live
    present = np.flatnonzero(top >= 0)
    present = present[np.argsort(-top[present], kind="stable")]
    vid_of = np.zeros(128 << 2, dtype=np.int64)
    vid_of[present] = np.arange(1, len(present) + 1)
    variants = [(0, 0, 0)] + [(int(key) >> 4, int(key) >> 2 & 3, int(key) & 3)
                              for key in present]
    ids = np.zeros(len(codes), dtype=np.uint8 if len(variants) <= 256 else np.int64)
    ids[live] = vid_of[keys]
    plan: Any = bytearray(ids.tobytes()) if len(variants) <= 256 else ids.tolist()
    return plan, variants


def _active_codes(graph: Graph, wrt: tuple[str, ...]) -> tuple[bytearray, int]:
    """Per node ``4*op + mask``, mask bit k set when argument k depends on a ``wrt`` input.

    Nodes that depend on no ``wrt`` input get code 0 and are skipped by the sweeps; so are the
    partials towards constant arguments (``x^2`` never evaluates d/dy x^y = x^y log x).
    """
    key = ("active", wrt)
    cached = graph._cache.get(key)
    if cached is None:
        cached = graph._cache[key] = _active_machine(graph, wrt) or \
            _active_arrays(graph, wrt) or _active_loop(graph, wrt)
    return cached


def _active_machine(graph: Graph, wrt: tuple[str, ...]) -> tuple[bytearray, int] | None:
    """:func:`_active_loop` in the compiled tier's loop (diffx.graph_machine), where the tier
    is loaded; else None."""
    kernel = tier_slot.loaded_for(len(graph.op))
    if kernel is None:
        return None
    import numpy as np

    n = len(graph.op)
    active = np.zeros(n + 1, dtype=np.uint8)
    for w in wrt:
        active[graph.input_nodes[w]] = 1
    codes = bytearray(n)
    edges = kernel.active_codes(np.frombuffer(graph.op, dtype=np.uint8),
                                _index_array(graph.a), _index_array(graph.b), active,
                                np.frombuffer(codes, dtype=np.uint8))
    return codes, int(edges)


def _active_loop(graph: Graph, wrt: tuple[str, ...]) -> tuple[bytearray, int]:
    """The active codes by one forward pass (any graph; :func:`_active_arrays` is the fast
    path)."""
    n = len(graph.op)
    active = bytearray(n + 1)  # depends on wrt; the slot more (0) is active[-1]: no arg
    for w in wrt:
        active[graph.input_nodes[w]] = 1
    codes = bytearray(n)  # combined codes are below 4 * 32
    for i, code, a, b in zip(range(n), graph.op, graph.a, graph.b):
        if code > CONST:
            mask = active[a] | active[b] << 1
            if mask:
                active[i] = 1
                codes[i] = 4 * code + mask
    edges = sum(codes.translate(_MASK_BITS))  # a set bit of a mask: an edge
    return codes, edges


def _active_arrays(graph: Graph, wrt: tuple[str, ...]) -> tuple[bytearray, int] | None:
    """:func:`_active_loop`'s result in numpy passes, when every operation node has an
    argument that is an operation or a ``wrt`` input (then every operation depends on ``wrt``,
    by induction in node order: the usual graph, whose constants are not combined among
    themselves); None for other graphs."""
    import numpy as np

    n = len(graph.op)
    if n == 0:
        return None
    op = np.frombuffer(graph.op, dtype=np.uint8)
    is_op = op > CONST
    active = np.zeros(n + 1, dtype=bool)  # the slot more is active[-1]: no argument
    active[:n] = is_op
    for w in wrt:
        active[graph.input_nodes[w]] = True
    mask = (active[_index_array(graph.a)] | active[_index_array(graph.b)] << 1
            ).astype(np.uint8)
    mask[~is_op] = 0
    if np.count_nonzero(mask) != np.count_nonzero(is_op):
        return None
    codes = np.where(is_op, op * np.uint8(4) + mask, 0).astype(np.uint8)
    edges = int(np.count_nonzero(mask & 1)) + int(np.count_nonzero(mask & 2))
    return bytearray(codes.tobytes()), edges


_MASK_BITS = bytes((c & 1) + (c >> 1 & 1) for c in range(256))
