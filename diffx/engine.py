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

This engine is also the reference of the compiled tier (:mod:`diffx.compiled`, numba), which
runs the same op-table expressions in the same order for big graphs and must agree with it to
the last bit; :mod:`diffx.evaluation` chooses between them.
"""

from __future__ import annotations

import functools
import re
from array import array
from collections.abc import Callable, Sequence
from itertools import islice
from typing import Any

from . import ops as _ops
from .graph import Graph
from .op_namespaces import compile_source, ieee_division, mpmath_ieee, namespace
from .ops import CONST, INPUT
from .sweep_plan import _active_codes, _by_frequency, _sweep_plan

# ---------------------------------------------------------------- code generation ------------

_NAMES = re.compile(r"\b(x|y|out)\b")


def _subst(template: str, x: str, y: str, out: str) -> str:
    table = {"x": x, "y": y, "out": out}
    return _NAMES.sub(lambda m: table[m.group(1)], template)


@functools.lru_cache(maxsize=512)
def _build(source: str, name: str, ns: str) -> Callable:
    space = {**namespace(ns), "islice": islice}
    if ns == "mpmath":  # IEEE division and powers: 0.5/0 is inf, not ZeroDivisionError
        source = ieee_division(source)
        space.update(mpmath_ieee())
    return compile_source(source, name, space)


def _forward_source(present: list[int]) -> str:
    """``vals[i] = value(vals[a], vals[b])`` for every node, one branch per op present."""
    lines = ["def forward(vals, nodes, ops, A, B):",
             "    for i, o, a, b in zip(nodes, ops, A, B):"]
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


def _uses_out(op: _ops.Op) -> bool:
    return any("out" in _NAMES.findall(p) for p in op.partials)


def _sweep_source(variants: list[tuple[int, int, int]], order: list[int],
                  arrays: bool, careful: bool = False, inplace: bool = True
                  ) -> tuple[str, bool]:
    """The reverse sweep over per-node variant ids (see :func:`_sweep_plan`).

    The loop walks the nodes from the output down, reading each node's finished adjoint ``g``
    straight from the adjoint list (contributions only ever go to earlier nodes). The first
    contribution a node receives is assigned, the later ones added, which saves a read, an
    addition and a float per edge on chains. Ops whose local partials can be infinite at
    finite values (log, sqrt, division, ...) skip a zero adjoint: a strong zero, so
    ``0 * sqrt(x)`` at 0 contributes 0, not nan. Returns the source and whether the loop needs
    each node's own value (``out``). ``careful``: every contribution is a strong product
    (``szmul``: 0 times inf is 0 both ways), the rerun when the fast sweep is not finite.
    """
    need_out = any(_uses_out(_ops.BY_CODE[variants[v][0]]) for v in order)
    head = "g, c, a, b, out" if need_out else "g, c, a, b"
    lines = ["def sweep(vals, G, adjoints, codes, A, B, outs):",
             f"    for {head} in zip(adjoints, codes, A, B{', outs' if need_out else ''}):"]
    first = True
    for vid in order:
        code, active, assign = variants[vid]
        op = _ops.BY_CODE[code]
        body = []
        for k, slot in ((0, "a"), (1, "b")):
            if not active & (1 << k):
                continue
            partial = _subst(op.partials[k], "vals[a]", "vals[b]", "out")
            negative = partial == "-1"
            term = "g" if partial in ("1", "-1") else f"g * {partial}" if _simple(partial) \
                else f"g * ({partial})"
            if (arrays and (op.domain or op.kink)) or (careful and partial not in ("1", "-1")):
                term = f"szmul(g, {partial})"  # a strong zero, elementwise
            if assign & (1 << k):
                body.append(f"G[{slot}] = {'-' if negative else ''}{term}")
            elif arrays or not inplace:  # numpy values may be shared 0-d arrays: never +=
                body.append(f"G[{slot}] = G[{slot}] {'-' if negative else '+'} {term}")
            else:
                body.append(f"G[{slot}] {'-' if negative else '+'}= {term}")
        lines.append(f"        {'if' if first else 'elif'} c == {vid}:")
        if not arrays and (op.domain or op.kink):
            lines.append("            if g != 0:")
            lines.extend(f"                {stmt}" for stmt in body)
        else:
            lines.extend(f"            {stmt}" for stmt in body)
        first = False
    if first:
        lines.append("        pass")
    lines.append("    return G")
    return "\n".join(lines) + "\n", need_out


def _simple(expr: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*(\[[a-z]\])?", expr) is not None


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
                # strong zeros both ways: a zero tangent through an infinite partial, or an
                # infinite tangent through a zero partial, contributes 0 (as the sweep does)
                terms.append(f"szmul(T[{slot}], {partial})")
        lines.append(f"        {'if' if first else 'elif'} c == {combined}:")
        lines.append(f"            T[i] = {' + '.join(terms)}")
        first = False
    lines.append("    return T")
    return "\n".join(lines) + "\n"


class Compiled:
    """The compiled loops for one graph, one namespace and one set of active inputs."""

    def __init__(self, graph: Graph, wrt: tuple[str, ...], ns: str, arrays: bool,
                 careful: bool = False, forward_only: bool = False) -> None:
        self.graph = graph
        self.ns = ns
        forward_key = ("forward", ns)
        if forward_key not in graph._cache:
            present = _by_frequency(graph.op)
            graph._cache[forward_key] = _build(_forward_source(present), "forward", ns)
        self.forward_fn = graph._cache[forward_key]
        self.plan: Any
        self.sweep_fn: Any = None
        self.tangent_fn: Any = None
        if forward_only:  # no active codes, no sweep plan: walks over every node it needs not
            self.codes, self.n_edges, self.plan, self.need_out = bytearray(), 0, b"", False
            return
        self.codes, self.n_edges = _active_codes(graph, wrt)
        self.plan, variants, order = _sweep_plan(graph, wrt) if wrt else (b"", [], [])
        sweep_key = ("sweep", ns, arrays, wrt, careful)
        if sweep_key not in graph._cache:
            source, need_out = _sweep_source(variants, order, arrays, careful,
                                             inplace=ns != "numpy")
            fn = _build(source, "sweep", ns)
            tan = _build(_tangent_source(_by_frequency(self.codes)), "tangents", ns)
            graph._cache[sweep_key] = (fn, tan, need_out)
        self.sweep_fn, self.tangent_fn, self.need_out = graph._cache[sweep_key]


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
    elif ns == "mpmath":
        return _exact_leaves(graph, point, vals)
    for node, leaf in graph._leaf.items():
        vals[node] = point[leaf] if graph.op[node] == INPUT else const(leaf[0])
    return vals


def _exact_leaves(graph: Graph, point: dict[str, Any], vals: list[Any]) -> list[Any]:
    """In mpmath (the exact re-runs) a decimal literal is the number typed, ``1e150`` is
    10^150 at the working precision, as the symbolic method reads it (:func:`diffx.sym.constant`),
    not its nearest double; pi and e are mpmath's."""
    from .sym import constant
    from .symeval import leaf_value

    for node, leaf in graph._leaf.items():
        vals[node] = point[leaf] if graph.op[node] == INPUT else \
            leaf_value(constant(leaf[1], leaf[0]), {})
    return vals


def forward(graph: Graph, point: dict[str, Any], ns: str = "math",
            packed: bool = False) -> Sequence[Any]:
    """Evaluate every node at ``point`` (values per input name); returns the value list.

    Nodes after the output (statements the output does not use) are not evaluated; in
    the ``mpmath`` namespace (the exact re-runs) no node the output does not use is (each is
    nan): an unused ``u = 1/y^3`` at y = 1e-300 is past the sizes mpmath computes (about
    10^616) and would stop the re-run of everything else. ``packed`` (the ``math`` namespace, every input a Python float, the output the last node:
    see :func:`packs`): the values are written into an ``array('d')``, 8 bytes a node
    instead of a list slot and a float object (32); every value there is a Python float, so
    the array holds each one exactly.
    """
    program = Compiled(graph, (), ns, arrays=False, forward_only=True)
    n, hi = len(graph.a), graph.output + 1
    if packed:
        vals: Any = array("d", (0.0,)) * n
        for node, leaf in graph._leaf.items():
            vals[node] = point[leaf] if graph.op[node] == INPUT else float(leaf[0])
    else:
        vals = initial_values(graph, point, ns)
    if ns == "mpmath":
        live = graph.reachable_from_output()
        nodes = [i for i in range(hi) if live[i]]
        if len(nodes) < hi:
            from mpmath import nan

            for i in range(hi):
                if not live[i]:
                    vals[i] = nan
            op, a, b = graph.op, graph.a, graph.b
            return program.forward_fn(vals, nodes, [op[i] for i in nodes],
                                      [a[i] for i in nodes], [b[i] for i in nodes])
    if hi == n:
        return program.forward_fn(vals, range(n), graph.op, graph.a, graph.b)
    return program.forward_fn(vals, range(hi), islice(graph.op, hi), islice(graph.a, hi),
                              islice(graph.b, hi))


def as_list(vals: Sequence[Any]) -> Sequence[Any]:
    """The values as the loops read them fastest: the compiled tier's array-backed values
    (:class:`diffx.float_values.FloatValues`) as their list of floats (made once), else as given."""
    tolist = getattr(vals, "tolist", None)
    return tolist() if tolist is not None and not isinstance(vals, list) and \
        getattr(vals, "array", None) is not None else vals


#: from this many nodes a one-point pass keeps its values and adjoints in ``array('d')``
#: (8 bytes a node instead of 32 for a list slot and a float object); the loops then read
#: and write 35-40 % slower, so smaller graphs keep lists (docs/performance.md)
PACK_NODES = 500_000


def packs(graph: Graph, point: dict[str, Any], ns: str) -> bool:
    """Whether :func:`forward` keeps the values in an ``array('d')``: a graph of
    ``PACK_NODES`` or more, one point in the ``math`` namespace, whose ops give a Python float
    for Python floats (or raise), every input a Python float (an int would be one in a list
    and a float in the array), and every node evaluated (a statement after the output has no
    value, None in a list)."""
    return ns == "math" and len(graph.op) >= PACK_NODES \
        and graph.output == len(graph.op) - 1 \
        and all(type(point[leaf]) is float for node, leaf in graph._leaf.items()
                if graph.op[node] == INPUT)


def sweep(graph: Graph, vals: Sequence[Any], wrt: tuple[str, ...], ns: str = "math",
          arrays: bool = False, careful: bool = False) -> Sequence[Any]:
    """The reverse sweep: the adjoint d output / d node of every node, in one pass.

    ``vals`` are the forward values. Adjoints of nodes that do not depend on ``wrt`` stay 0.
    ``careful``: every product is a strong zero (slower; for a sweep that was not finite).
    """
    program = Compiled(graph, wrt, ns, arrays, careful)
    vals = as_list(vals)
    n = len(graph.a)
    # values in an array('d') (:func:`packs`): every adjoint is a float too, kept likewise
    G: Any = array("d", (0.0,)) * n if ns == "math" and isinstance(vals, array) \
        else [0.0] * n
    G[graph.output] = 1.0  # d output / d output
    skip = n - 1 - graph.output  # nodes after the output get no adjoint

    def down(seq: Any) -> Any:
        return islice(reversed(seq), skip, None) if skip else reversed(seq)

    outs = down(vals) if program.need_out else None
    return program.sweep_fn(vals, G, down(G), down(program.plan), down(graph.a),
                            down(graph.b), outs)

def tangents(graph: Graph, vals: Sequence[Any], wrt: str, ns: str = "math") -> list[Any]:
    """Forward mode: d node / d ``wrt`` for every node, in one forward pass."""
    program = Compiled(graph, (wrt,), ns, arrays=False)
    vals = as_list(vals)
    T: list[Any] = [0.0] * len(graph.op)
    T[graph.input_nodes[wrt]] = 1.0
    return program.tangent_fn(vals, T, program.codes, graph.a, graph.b, graph.output)


def edge_count(graph: Graph, wrt: tuple[str, ...]) -> int:
    """Multiply-adds the reverse sweep does: edges whose argument depends on ``wrt``."""
    return _active_codes(graph, wrt)[1]
