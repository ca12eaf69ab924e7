"""Counts that can be astronomically large: tree sizes and routes over the DAG, distinct
subexpressions of a formula, and how to print them.

A program of n statements can stand for a tree of 2^n nodes. :func:`tree_count` counts it
over the DAG in one linear pass, exactly while the count stays below 2**4096 and as a
logarithm past that (exact integers of a million bits would make the pass quadratic).
Python refuses ``str()`` of an integer past 4,300 digits; :func:`big_count` prints any count
(``1,234``, ``≈ 1.23e5000``) from its bit length, and :class:`Huge` is an ``int`` that prints
that way wherever a table formats it. :func:`count_routes` counts routes the same way (one
backward pass), and :func:`structural_sizes` measures a sympy formula by structure.

    >>> big_count(2 ** 20000)
    '≈ 3.98e6020'
"""

from __future__ import annotations

import math
from array import array
from itertools import islice
from typing import Any

from .ops import CONST

EXACT_BITS = 4096  # tree counts are exact integers up to 2**4096, logarithms past that
STR_BITS = 13_000  # integers below this many bits (3,913 digits) print with str()


def big_count(n: int | None, log10: float | None = None) -> str:
    """A count as a person reads it: ``1,234`` up to 15 digits, then ``≈ 1.23e5000``;
    ``log10`` stands in when the exact count is None."""
    if n is not None and 0 <= n < 10**15:
        return f"{n:,}"
    log = log10 if n is None else math.log10(n)
    if log is None or not math.isfinite(log):
        return "—"
    exp = math.floor(log)
    mant = 10 ** (log - exp)
    if mant >= 9.995:
        mant, exp = 1.0, exp + 1
    return f"≈ {mant:.2f}e{exp}"


class Huge(int):
    """A count too long for ``str()``: it prints as ``≈ 1.23e5000`` (``log10`` holds its
    size); its integer value is 2 to the nearest whole power, for comparisons and plots."""

    log10: float

    def __new__(cls, log10: float) -> Huge:
        obj = super().__new__(cls, 1 << max(0, round(log10 / math.log10(2))))
        obj.log10 = log10
        return obj

    def __str__(self) -> str:
        return big_count(None, self.log10)

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return str(self)

    def __reduce__(self) -> Any:  # copies (dataclasses.asdict) stay Huge
        return (Huge, (self.log10,))


def printable(n: int) -> int:
    """``n`` itself, or a :class:`Huge` when it is too long for ``str()``."""
    if isinstance(n, int) and not isinstance(n, bool | Huge) and n.bit_length() > STR_BITS:
        return Huge(math.log10(n))
    return n


def tree_count(graph: Any) -> tuple[int | None, float]:
    """Nodes of the expression written as a tree, counted over the DAG: ``(exact or None,
    log10)``. A node's tree is itself plus its arguments' trees."""
    a, b, out = graph.a, graph.b, graph.output
    size = [0] * (out + 1)
    for i in range(out + 1):
        s = 1
        if a[i] >= 0:
            s += size[a[i]]
            if b[i] >= 0:
                s += size[b[i]]
        if s.bit_length() > EXACT_BITS:
            return None, _tree_log10(graph)
        size[i] = s
    return size[out], math.log10(size[out])


def _tree_log10(graph: Any) -> float:
    a, b, out = graph.a, graph.b, graph.output
    log = [0.0] * (out + 1)  # log10 of each node's tree size
    for i in range(out + 1):
        if a[i] < 0:
            continue
        terms = [0.0, log[a[i]]] + ([log[b[i]]] if b[i] >= 0 else [])
        top = max(terms)
        log[i] = top + math.log10(sum(10.0 ** (t - top) for t in terms))
    return log[out]


def tree_size(graph: Any) -> int:
    """The tree's node count: exact, or a :class:`Huge` past 2**4096."""
    exact, log10 = tree_count(graph)
    return printable(exact) if exact is not None else Huge(log10)


# ---------------------------------------------------------------- routes -------------------

EXACT_ROUTE_BITS = 4096  # beyond 2**4096 routes, counts are carried as logarithms


def count_routes(graph: Any) -> dict[str, tuple[int | None, float]]:
    """Routes from every input to the output: ``{input: (exact count or None, log10)}``.

    One backward pass: the output has one route to itself, and a node passes its count to each
    argument it uses (``x*x`` uses ``x`` twice: two routes). Counts are exact Python integers
    while they stay below 2**4096; past that the pass is redone with logarithms and the exact
    count is None. A node's count is dropped once it has been passed on, so memory follows the
    frontier of the pass, not the size of the graph.
    """
    cached = graph._cache.get("routes")
    if cached is None:
        # where the compiled tier counts, the logarithms come first (a few milliseconds),
        # and the exact pass runs only where it may succeed
        logs, gives_up = _count_log(graph) if _kernel(graph) is not None else (None, False)
        exact = None if gives_up else _count_exact(graph)
        cached = graph._cache["routes"] = exact or logs or _count_log(graph)[0]
    return cached


def _count_exact(graph: Any) -> dict[str, tuple[int | None, float]] | None:
    a, b, out = graph.a, graph.b, graph.output
    R = [0] * len(a)
    R[out] = 1
    for i in range(out, -1, -1):
        r = R[i]
        if r and a[i] >= 0:
            R[a[i]] += r
            if b[i] >= 0:
                R[b[i]] += r
            if r.bit_length() > EXACT_ROUTE_BITS:
                return None
            R[i] = 0
    return {name: (R[node], math.log10(R[node]) if R[node] else -math.inf)
            for name, node in graph.input_nodes.items()}


def _kernel(graph: Any) -> Any:
    from .tier_slot import loaded_for  # (numba is imported only where the tier loads it)

    return loaded_for(graph.output)


# log10(2**EXACT_ROUTE_BITS), and a margin far above the logarithms' rounding
_EXACT_LOG10, _MARGIN = EXACT_ROUTE_BITS * math.log10(2), 0.01


def _count_log(graph: Any) -> tuple[dict[str, tuple[int | None, float]], bool]:
    """The counts as logarithms, and whether the exact pass is sure to give up (an op
    passes on more than 2**4096 routes): known where the compiled tier counts, else False."""
    out = graph.output
    kernel = _kernel(graph)
    if kernel is not None:  # the same loop, the same operations, in machine code (which
        import numpy as np  # leaves the constants out as it goes)

        from .node_arrays import _index_array

        logs = np.full(len(graph.op), -math.inf)
        logs[out] = 0.0
        top, peak = kernel.routes_log(np.frombuffer(graph.op, dtype=np.uint8),
                                      _index_array(graph.a), _index_array(graph.b), out, logs)
        counts: dict[str, tuple[int | None, float]] = {
            name: (None, float(logs[node])) for name, node in graph.input_nodes.items()}
        if top < _EXACT_LOG10 - _MARGIN:
            return counts, False  # every count fits: the exact pass counts them
        return counts, bool(peak > _EXACT_LOG10 + _MARGIN)
    a, b = _without_constants(graph)
    ninf = -math.inf
    L = [ninf] * len(a)
    L[out] = 0.0
    log10 = math.log10
    skip = len(a) - 1 - out
    for i, x, y in zip(range(out, -1, -1), islice(reversed(a), skip, None),
                       islice(reversed(b), skip, None)):
        if x < 0:
            continue
        r = L[i]
        if r == ninf:
            continue
        L[i] = ninf  # passed on: drop it, so that memory follows the frontier
        # log10(10**r + 10**cur) for each argument, the larger term factored out
        cur = L[x]
        if cur == ninf:
            L[x] = r
        elif cur >= r:
            L[x] = cur + log10(1.0 + 10.0 ** (r - cur)) if r - cur > -30 else cur
        else:
            L[x] = r + log10(1.0 + 10.0 ** (cur - r)) if cur - r > -30 else r
        if y < 0:
            continue
        cur = L[y]
        if cur == ninf:
            L[y] = r
        elif cur >= r:
            L[y] = cur + log10(1.0 + 10.0 ** (r - cur)) if r - cur > -30 else cur
        else:
            L[y] = r + log10(1.0 + 10.0 ** (cur - r)) if cur - r > -30 else r
    return {name: (None, L[node]) for name, node in graph.input_nodes.items()}, False


def _without_constants(graph: Any) -> tuple[array, array]:
    """Each node's arguments with the constants left out (the others first, in order):
    routes that end at a constant are never read, and the inputs' sums take their terms in
    the same order. A node whose arguments are all constants passes nothing on (-1)."""
    import numpy as np

    from .node_arrays import _index_array

    n = len(graph.op)
    leaf = np.frombuffer(graph.op, dtype=np.uint8) == CONST
    const = np.zeros(n + 1, dtype=bool)  # the slot more: a missing argument's -1
    const[:n] = leaf
    # the graph's own int32 arrays where they are (a 10^6-node graph: half the memory)
    index = np.int32 if isinstance(graph.a, array) and graph.a.itemsize == 4 else np.int64
    A, B = _index_array(graph.a).astype(index, copy=False), \
        _index_array(graph.b).astype(index, copy=False)
    A = np.where(const[A], index(-1), A)
    B = np.where(const[B], index(-1), B)
    del leaf, const
    missing = A < 0
    first = np.where(missing, B, A)
    del A
    second = np.where(missing, index(-1), B)
    del B, missing
    # (an array filled from the buffer: a copy at C speed, where tolist() makes an int a node)
    out = array("i" if index is np.int32 else "q"), array("i" if index is np.int32 else "q")
    out[0].frombytes(memoryview(first).cast("B"))
    out[1].frombytes(memoryview(second).cast("B"))
    return out


# ---------------------------------------------------------------- formulas -----------------

def structural_sizes(expr: Any) -> tuple[int, int]:
    """(distinct subexpressions, nodes of the expression tree) of a sympy expression.

    Subexpressions are told apart by structure, never by object identity: whether sympy
    happened to build two equal subexpressions as one object depends on its cache (so on
    what was computed before), while the count must not. Each object is visited once, in
    post-order with an explicit stack, and keyed by its head and the numbers of its
    arguments' classes (hash-consing), so equal structures get one number without ever
    comparing two trees.
    """
    number: dict[int, int] = {}  # id(object) -> structure number
    by_key: dict[Any, int] = {}  # (head, argument numbers) -> structure number
    tree: list[int] = []  # structure number -> tree size
    keep = [expr]  # every visited object stays alive, so ids stay unique
    stack: list[tuple[Any, bool]] = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        if id(e) in number:
            continue
        args = e.args
        if args and not ready:
            stack.append((e, True))
            stack.extend((a, False) for a in args if id(a) not in number)
            continue
        keep.append(e)
        if args:
            kids = tuple(number[id(a)] for a in args)
            key: Any = (e.func, kids)
        else:  # a symbol or number: compared by sympy (1 and 1.0 kept apart by type)
            kids, key = (), (type(e), e)
        k = by_key.get(key)
        if k is None:
            k = by_key[key] = len(tree)
            tree.append(1 + sum(tree[c] for c in kids))
        number[id(e)] = k
    return len(tree), tree[number[id(expr)]]
