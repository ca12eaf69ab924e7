"""The sweep engine: forward evaluation, the reverse sweep, tangents and route counts.

Everything here runs on the graph's flat arrays in tight loops. The loops are generated from
the op table (diffx's own expressions, with ``x``/``y``/``out`` replaced by array reads) and
compiled once per graph, so a branch exists only for the ops the graph uses, most frequent
first. Nothing the user typed ever appears in generated code: only op-table text, diffx's
identifiers and small integers.

Two value namespaces share the code:

* ``math``: Python floats, the fast path for one point. A domain error (``log(-1)``, ``1/0``,
  overflow in ``exp``) raises inside ``math``; callers then re-run with ``numpy``.
* ``numpy``: float64 or complex128 scalars or arrays of points; domain errors become inf or
  nan, which :mod:`diffx.diagnose` traces back to the node that produced them.

The reverse sweep treats a zero adjoint as a strong zero (its node is skipped), so a branch
that does not affect the output cannot turn the gradient into nan.
"""

from __future__ import annotations

import math
import re
import types
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import islice
from typing import Any

from . import ops as _ops
from .graph import Graph
from .ops import CONST, INPUT

# ---------------------------------------------------------------- code generation ------------

_NAMES = re.compile(r"\b(x|y|out)\b")


def _subst(template: str, x: str, y: str, out: str) -> str:
    table = {"x": x, "y": y, "out": out}
    return _NAMES.sub(lambda m: table[m.group(1)], template)


def _build(source: str, name: str, ns: str) -> Callable:
    module = compile(source, f"<diffx {name}>", "exec")
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    return types.FunctionType(code, {**_ops.namespace(ns), "islice": islice}, name)


def _by_frequency(codes: Sequence[int]) -> list[int]:
    return [code for code, _ in Counter(codes).most_common()]


def _forward_source(present: list[int]) -> str:
    lines = ["def forward(vals, ops, A, B, lo, hi):",
             "    for i, o, a, b in zip(range(lo, hi), islice(ops, lo, hi),"
             " islice(A, lo, hi), islice(B, lo, hi)):"]
    first = True
    for code in present:
        if code <= CONST:
            continue
        op = _ops.BY_CODE[code]
        expr = _subst(op.value, "vals[a]", "vals[b]", "vals[i]")
        lines.append(f"        {'if' if first else 'elif'} o == {code}:")
        lines.append(f"            vals[i] = {expr}")
        first = False
    if first:
        lines.append("        pass")
    lines.append("    return vals")
    return "\n".join(lines) + "\n"


def _sweep_source(present: list[int], arrays: bool) -> str:
    """Reverse sweep over combined codes ``4*op + mask`` (mask: which arguments are active)."""
    lines = ["def sweep(vals, G, codes, A, B, hi, skip):",
             "    for i, c, a, b in zip(range(hi, -1, -1), islice(reversed(codes), skip, None),"
             " islice(reversed(A), skip, None), islice(reversed(B), skip, None)):",
             "        if c == 0:",
             "            continue",
             "        g = G[i]"]
    if not arrays:
        lines += ["        if g == 0:", "            continue"]
    first = True
    for combined in present:
        if combined == 0:
            continue
        op, mask = _ops.BY_CODE[combined >> 2], combined & 3
        body = []
        for k, slot in ((0, "a"), (1, "b")):
            if not mask & (1 << k):
                continue
            partial = _subst(op.partials[k], "vals[a]", "vals[b]", "vals[i]")
            if partial == "1":
                term = "g"
            elif partial == "-1":
                term = "-g"
            else:
                term = f"g * ({partial})"
            body.append(f"G[{slot}] = G[{slot}] + {term}" if arrays else f"G[{slot}] += {term}")
        lines.append(f"        {'if' if first else 'elif'} c == {combined}:")
        lines.extend(f"            {stmt}" for stmt in body)
        first = False
    lines.append("    return G")
    return "\n".join(lines) + "\n"


def _tangent_source(present: list[int]) -> str:
    """Forward-mode sweep: the tangent of every node from its arguments' tangents."""
    lines = ["def tangents(vals, T, codes, A, B, hi):",
             "    for i, c, a, b in zip(range(hi + 1), codes, A, B):",
             "        if c == 0:",
             "            continue"]
    first = True
    for combined in present:
        if combined == 0:
            continue
        op, mask = _ops.BY_CODE[combined >> 2], combined & 3
        terms = []
        for k, slot in ((0, "a"), (1, "b")):
            if mask & (1 << k):
                partial = _subst(op.partials[k], "vals[a]", "vals[b]", "vals[i]")
                terms.append(f"T[{slot}] * ({partial})")
        lines.append(f"        {'if' if first else 'elif'} c == {combined}:")
        lines.append(f"            T[i] = {' + '.join(terms)}")
        first = False
    lines.append("    return T")
    return "\n".join(lines) + "\n"


class Compiled:
    """The compiled loops for one graph, one namespace and one set of active inputs."""

    def __init__(self, graph: Graph, wrt: tuple[str, ...], ns: str, arrays: bool) -> None:
        self.graph = graph
        self.ns = ns
        forward_key = ("forward", ns)
        if forward_key not in graph._cache:
            present = _by_frequency(graph.op)
            graph._cache[forward_key] = _build(_forward_source(present), "forward", ns)
        self.forward_fn = graph._cache[forward_key]
        self.codes, self.n_edges = _active_codes(graph, wrt)
        sweep_key = ("sweep", ns, arrays, wrt)
        if sweep_key not in graph._cache:
            present = _by_frequency(self.codes)
            fn = _build(_sweep_source(present, arrays), "sweep", ns)
            tan = _build(_tangent_source(present), "tangents", ns)
            graph._cache[sweep_key] = (fn, tan)
        self.sweep_fn, self.tangent_fn = graph._cache[sweep_key]


def _active_codes(graph: Graph, wrt: tuple[str, ...]) -> tuple[list[int], int]:
    """Per node ``4*op + mask``, mask bit k set when argument k depends on a ``wrt`` input.

    Nodes that depend on no ``wrt`` input get code 0 and are skipped by the sweeps; so are the
    partials towards constant arguments (``x^2`` never evaluates d/dy x^y = x^y log x).
    """
    key = ("active", wrt)
    cached = graph._cache.get(key)
    if cached is None:
        active = graph.depends_on([graph.input_nodes[w] for w in wrt])
        codes = [0] * len(graph.op)
        edges = 0
        op, a, b = graph.op, graph.a, graph.b
        for i in range(len(op)):
            if op[i] > CONST and active[i]:
                mask = (1 if active[a[i]] else 0) | (2 if b[i] >= 0 and active[b[i]] else 0)
                codes[i] = 4 * op[i] + mask
                edges += (mask & 1) + (mask >> 1)
        cached = graph._cache[key] = (codes, edges)
    return cached


# ---------------------------------------------------------------- public loops ---------------

def initial_values(graph: Graph, point: dict[str, Any], ns: str = "math") -> list[Any]:
    """A value slot per node, filled for the leaves: inputs from ``point``, constants.

    In the numpy namespace constants are numpy floats too, so that ``1/0`` gives inf rather
    than raising ZeroDivisionError.
    """
    vals: list[Any] = [None] * len(graph.op)
    const: Any = float
    if ns == "numpy":
        import numpy as np

        const = np.float64
    for node, leaf in graph._leaf.items():
        vals[node] = point[leaf] if graph.op[node] == INPUT else const(leaf[0])
    return vals


def forward(graph: Graph, point: dict[str, Any], ns: str = "math") -> list[Any]:
    """Evaluate every node at ``point`` (values per input name); returns the value list."""
    program = Compiled(graph, (), ns, arrays=False)
    vals = initial_values(graph, point, ns)
    return program.forward_fn(vals, graph.op, graph.a, graph.b, 0, graph.output + 1)


def sweep(graph: Graph, vals: list[Any], wrt: tuple[str, ...], ns: str = "math",
          arrays: bool = False, seed: Any = 1.0) -> list[Any]:
    """The reverse sweep: the adjoint d output / d node of every node, in one pass.

    ``vals`` are the forward values. Adjoints of nodes that do not depend on ``wrt`` stay 0.
    """
    program = Compiled(graph, wrt, ns, arrays)
    G: list[Any] = [0.0] * len(graph.op)
    G[graph.output] = seed
    hi = graph.output
    return program.sweep_fn(vals, G, program.codes, graph.a, graph.b, hi,
                             len(graph.op) - 1 - hi)


def tangents(graph: Graph, vals: list[Any], wrt: str, ns: str = "math") -> list[Any]:
    """Forward mode: d node / d ``wrt`` for every node, in one forward pass."""
    program = Compiled(graph, (wrt,), ns, arrays=False)
    T: list[Any] = [0.0] * len(graph.op)
    T[graph.input_nodes[wrt]] = 1.0
    return program.tangent_fn(vals, T, program.codes, graph.a, graph.b, graph.output)


def edge_count(graph: Graph, wrt: tuple[str, ...]) -> int:
    """Multiply-adds the reverse sweep does: edges whose argument depends on ``wrt``."""
    return _active_codes(graph, wrt)[1]


# ---------------------------------------------------------------- routes ---------------------

EXACT_ROUTE_BITS = 4096  # beyond 2**4096 routes, counts are carried as logarithms


def count_routes(graph: Graph) -> tuple[list[int] | None, list[float]]:
    """Routes from the output to every node, counted in one backward pass.

    A route is a chain of edges; ``x*x`` has two edges from ``x``, so two routes. Counts are
    exact Python integers while they stay below 2**4096 (the first list); past that the pass is
    redone in log10 space and the first element of the result is None. The second list always
    holds log10 of each count (-inf where there is no route).
    """
    cached = graph._cache.get("routes")
    if cached is not None:
        return cached
    n, a, b, out = len(graph.op), graph.a, graph.b, graph.output
    R = [0] * n
    R[out] = 1
    exact: list[int] | None = R
    for i in range(out, -1, -1):
        r = R[i]
        if r:
            if a[i] >= 0:
                R[a[i]] += r
                if b[i] >= 0:
                    R[b[i]] += r
            if r.bit_length() > EXACT_ROUTE_BITS:
                exact = None
                break
    if exact is not None:
        logs = [math.log10(r) if r else -math.inf for r in R]
    else:
        logs = _count_routes_log(graph)
    graph._cache["routes"] = (exact, logs)
    return exact, logs


def _count_routes_log(graph: Graph) -> list[float]:
    n, a, b, out = len(graph.op), graph.a, graph.b, graph.output
    L = [-math.inf] * n
    L[out] = 0.0

    def add(slot: int, value: float) -> None:
        cur = L[slot]
        if cur == -math.inf:
            L[slot] = value
        else:
            hi, lo = (cur, value) if cur > value else (value, cur)
            L[slot] = hi + math.log10(1.0 + 10.0 ** (lo - hi))

    for i in range(out, -1, -1):
        r = L[i]
        if r != -math.inf and a[i] >= 0:
            add(a[i], r)
            if b[i] >= 0:
                add(b[i], r)
    return L
