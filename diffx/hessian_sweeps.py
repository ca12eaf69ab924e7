"""Second derivatives over the adjoint program (:func:`diffx.adjoint`): reverse-over-reverse
and forward-over-reverse Hessians for :mod:`diffx.hessian`, and the Hessian-vector product.

* reverse-over-reverse: diffx's reverse method on the adjoint graph whose output is the partial
  of input w gives row w of the Hessian; kink warnings of the nodes the adjoint inserted for
  partials (``sign(h)`` for relu', ``sign(q)`` in a power's partial) are dropped, found by node
  (they are not copies of the function's own nodes), since their kinks are not the function's;
* forward-over-reverse: one forward pass over the adjoint program, then one tangent sweep per
  input w reads column w off every partial at once; ``hvp`` is one such sweep along v.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from itertools import repeat
from typing import Any

import numpy as np

from . import ops as _ops
from .errors import DiffxError
from .graph import Graph
from .op_namespaces import compile_source, namespace
from .ops import CONST, INPUT


def _request(source: Any, at: Any, wrt: Any) -> tuple[Graph, tuple[str, ...], dict[str, float]]:
    from .methods.run import prepare

    if at is None:
        raise DiffxError("a Hessian is computed at a point: give at={...} with a value for "
                         "every input")
    req = prepare(source, at, wrt)
    if req.arrays:
        raise DiffxError("diffx.hessian takes one point, not an array of points")
    if req.vector is not None:  # over the expansion's elements (W[0,1]), one row each
        if req.vector.program.output_shape:
            raise DiffxError("a Hessian is of a number: the output is a vector or matrix "
                             f"(shape {req.vector.program.output_shape}); differentiate a "
                             "number made from it, such as its sum")
        assert req.vector.point is not None  # (at was given)
        return req.graph, req.vector.wrt, req.vector.point
    assert req.point is not None  # at was given
    return req.graph, req.wrt, req.point  # (one point: normalize_point made every value a float)


def _value(graph: Graph, point: dict[str, float]) -> float:
    from .evaluation import evaluate

    vals, _ = evaluate(graph, point, arrays=False)
    return float(vals[graph.output])


def _adjoint(graph: Graph, wrt: tuple[str, ...]) -> Any:
    """The adjoint program; its partials of kinks are written with ``sign``, whose own
    derivative is 0 (docs/conventions.md), so a second sweep gives relu'' = abs'' = 0 and
    max'' = 0, also at the kink."""
    from .adjoint import adjoint

    # memoised on the (immutable) graph, as its compiled loops are: a second hvp or Hessian
    # of the same Graph reuses the program, the way a compiled gradient is reused
    key = ("adjoint program", wrt)
    if key not in graph._cache:
        graph._cache[key] = adjoint(graph, wrt, text=False)
    return graph._cache[key]


def _partial_nodes(graph: Graph, wrt: tuple[str, ...]) -> list[int]:
    """The adjoint program's node of each partial, in ``wrt`` order (kept with the program)."""
    key = ("adjoint partial nodes", wrt)
    if key not in graph._cache:
        adj = _adjoint(graph, wrt)
        graph._cache[key] = [adj.graph.assigned[adj.partials[w]] for w in wrt]
    return graph._cache[key]


class _Inserted:
    """The row graph as :func:`diffx.diagnose.kink_warnings` reads it, with only the nodes the
    adjoint program inserted for partials (``sign(h)`` for relu', ``sign(q)`` in a power's
    partial ...) as candidates: their kinks are the helpers' own, not the user's function's."""

    def __init__(self, graph: Graph, nodes: set[int]) -> None:
        self._graph, self._nodes = graph, nodes

    def nodes_with(self, codes: Any) -> list[int]:
        return [i for i in self._graph.nodes_with(codes) if i in self._nodes]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._graph, name)


def _helper_kinks(adj: Any, row: Graph, point: dict[str, float],
                  wrt: tuple[str, ...]) -> set[str]:
    """The kink warnings a sweep over ``row`` gives for nodes that are not copies of the
    function's own nodes (:attr:`diffx.adjoint.Adjoint.names` holds those copies)."""
    from .diagnose import kink_warnings
    from .evaluation import evaluate

    inserted = {i for i in range(len(row.op)) if row.op[i] > 1 and i not in adj.names}
    if not inserted:
        return set()
    vals, _ = evaluate(row, point, arrays=False)
    return set(kink_warnings(_Inserted(row, inserted), vals, wrt))  # type: ignore[arg-type]


def _reverse(graph: Graph, h: Any) -> None:
    from .api import grad

    adj = _adjoint(graph, h.wrt)
    n = len(h.wrt)
    out = np.zeros((n, n))
    seen: set[str] = set()
    for i, w in enumerate(h.wrt):
        graph_w = adj.partial_graph(w)
        row = grad(graph_w, at=h.point, wrt=h.wrt, method="reverse")
        if not row.ok:
            raise DiffxError(f"reverse over the adjoint program, row {w}: {row.error}")
        gradient = row.gradient
        assert gradient is not None  # ok at a point
        out[i] = [float(gradient[v]) for v in h.wrt]
        helpers = _helper_kinks(adj, graph_w, h.point, h.wrt)
        for msg in row.warnings:  # kinks of the nodes the adjoint inserted are not the user's
            if msg not in helpers and msg not in seen:
                seen.add(msg)
                h.warnings.append(f"row {w}: {_in_row(msg, w)}")
    h.matrix = out
    h.value = _value(graph, h.point)
    h.cost = {"sweeps": n, "adjoint_nodes": adj.graph.size}


def _in_row(msg: str, w: str) -> str:
    """A row's warning in the Hessian's words: the row's function is ∂f/∂w, so the exact
    re-run's "f: got" is ∂f/∂w's value and its "∂/∂v: got" is ∂²f/∂w∂v."""
    import re

    msg = re.sub(r"∂/∂([^\s:]+): got", lambda m: f"∂²f/∂{w}∂{m[1]}: got", msg)
    if msg.startswith("f has no derivative at this point"):  # (the row's f is ∂f/∂w)
        msg = f"∂f/∂{w}" + msg[1:]
    return msg.replace("; f: got", f"; ∂f/∂{w}: got")


def _dual_source(present: list[int]) -> str:
    """One loop computing every node's value and tangent (dual numbers), the op table's value
    and partial texts over the locals x, y, out; one branch per op and variant present (4 op
    + mask, mask bit k set when argument k depends on an input: a constant's tangent term is
    left out), most frequent first (an input or constant, code 0, is one of them: a weight
    matrix makes leaves a third of the nodes). Plain products: the strong-zero rule is left to the
    careful sweep it falls back to."""
    lines = ["def dual(vals, T, codes, A, B, hi):",
             "    for i, o, a, b in zip(range(hi + 1), codes, A, B):"]
    first = True
    for combined in present:
        code, mask = combined >> 2, combined & 3
        if code <= CONST:  # the leaves (code 0): a branch of their own in frequency order,
            lines.append(f"        {'if' if first else 'elif'} o == 0:")  # not a miss in all
            lines.append("            pass")
            first = False
            continue
        op = _ops.BY_CODE[code]
        sum_ = ""
        for k, slot in enumerate(("a", "b")[: op.arity]):
            text = op.partials[k]
            if text != "0" and mask & (1 << k):
                sign = "-" if text == "-1" else "+" if sum_ else ""
                term = f"T[{slot}]" if text in ("1", "-1") else f"T[{slot}] * ({text})"
                sum_ += f" {sign} {term}" if sum_ else f"{sign}{term}"
        lines.append(f"        {'if' if first else 'elif'} o == {combined}:")
        used = set(_NAME.findall(sum_))  # locals only where a partial reads them
        value = _NAME.sub(lambda m: m.group(1) if m.group(1) in used else
                          {"x": "vals[a]", "y": "vals[b]"}[m.group(1)], op.value)
        lines.extend(f"            {v} = vals[{slot}]" for v, slot in (("x", "a"), ("y", "b"))
                     if v in used)
        lines.append(f"            {'out = ' if 'out' in used else ''}vals[i] = {value}")
        if sum_:
            lines.append(f"            T[i] = {sum_}")
        first = False
    lines.append("    return vals, T")
    return "\n".join(lines) + "\n"


_NAME = re.compile(r"\b(x|y|out)\b")


@functools.lru_cache(maxsize=64)
def _dual_loop(source: str) -> Any:
    return compile_source(source, "dual", dict(namespace("math")), "<diffx dual>")


def _dual_plan(graph: Graph) -> tuple[list[int], Any]:
    """Per node 4 op + mask (see :func:`_dual_source`) and the compiled loop, kept with the
    graph (one pass over its nodes)."""
    key = ("dual plan",)
    if key not in graph._cache:
        op, a, b = graph.op, graph.a, graph.b
        depends = bytearray(len(op))
        codes = [0] * len(op)
        for i, code in enumerate(op):
            if code == INPUT:
                depends[i] = 1
            elif code > CONST:
                mask = depends[a[i]] | (depends[b[i]] << 1 if b[i] >= 0 else 0)
                depends[i] = 1 if mask else 0
                codes[i] = 4 * code + mask
        present = [c for c, _ in Counter(codes).most_common()]
        graph._cache[key] = (codes, _dual_loop(_dual_source(present)))
    return graph._cache[key]


def _fast_tangents(graph: Graph, point: dict[str, float], seed: dict[str, float],
                   outputs: list[int]) -> list[float] | None:
    """Values and tangents in one pass over Python floats; None where a value raises or an
    output's tangent is not finite (the careful sweep then decides, with strong zeros)."""
    from .engine import initial_values

    codes, loop = _dual_plan(graph)
    vals = initial_values(graph, point, "math")
    T: list[float] = [0.0] * len(graph.op)
    for w, d in seed.items():
        T[graph.input_nodes[w]] = d
    try:
        loop(vals, T, codes, graph.a, graph.b, graph.output)
    except (ArithmeticError, ValueError):
        return None
    if not all(map(math.isfinite, map(T.__getitem__, outputs))):
        return None
    return T


def _tangent_sweep(graph: Graph, point: dict[str, float], seed: dict[str, float],
                   outputs: list[int] | None = None) -> list[Any]:
    """Tangents of every node of ``graph`` along ``seed`` (input -> direction): the fast dual
    pass when every tangent in ``outputs`` comes out finite, else the engine's forward pass
    and careful tangent sweep (strong zeros: 0 times an infinite partial is 0)."""
    from . import engine
    from .evaluation import evaluate

    if outputs is not None:
        fast = _fast_tangents(graph, point, seed, outputs)
        if fast is not None:
            return fast
    vals, ns = evaluate(graph, point, arrays=False)
    names = tuple(seed)
    with np.errstate(all="ignore"):
        for space in dict.fromkeys((ns, "numpy")):
            program = engine.Compiled(graph, names, space, arrays=False)
            T: list[Any] = [0.0] * len(graph.op)
            for w, d in seed.items():
                T[graph.input_nodes[w]] = d
            try:
                use = vals if space == ns else [np.float64(v) if isinstance(v, float) else v
                                                for v in vals]
                return program.tangent_fn(use, T, program.codes, graph.a, graph.b,
                                          graph.output)
            except (ArithmeticError, ValueError):
                continue
    raise DiffxError("the tangent sweep over the adjoint program failed")


def _forward(graph: Graph, h: Any) -> None:
    adj = _adjoint(graph, h.wrt)
    g = adj.graph
    n = len(h.wrt)
    out = np.zeros((n, n))
    for j, w in enumerate(h.wrt):
        T = _tangent_sweep(g, h.point, {w: 1.0}, [g.assigned[adj.partials[v]] for v in h.wrt])
        for i, v in enumerate(h.wrt):
            out[i, j] = float(T[g.assigned[adj.partials[v]]])
    h.matrix = out
    h.value = _value(graph, h.point)
    h.cost = {"sweeps": n, "adjoint_nodes": g.size}


class HessianVector(dict[str, float]):
    """H·v as a dict (input -> component) with ``warnings``: what the graph carries (a traced
    function's branch taken, for which alone the product holds)."""

    warnings: list[str]


def hvp(source: Any, *, at: Any = None, v: Any = None, wrt: Any = None) -> HessianVector:
    """H·v at ``at`` by one tangent sweep over the adjoint program (forward-over-reverse);
    ``v`` maps each input of ``wrt`` to its component (or is a sequence in ``wrt`` order).
    The dict has ``warnings`` (a traced function's branch taken there).

    >>> hvp("c = a + b; d = a * c", at={"a": 4, "b": 3}, v={"a": 1, "b": 0})
    {'a': 2.0, 'b': 1.0}
    """
    graph, names, point = _request(source, at, wrt)
    if isinstance(v, dict):
        unknown = sorted(set(v) - set(names))
        if unknown:
            raise DiffxError(f"v= names {', '.join(unknown)}, not among the inputs "
                             f"differentiated ({', '.join(names)})")
        direction = dict(zip(names, map(float, map(v.get, names, repeat(0.0)))))
    elif v is not None and hasattr(v, "__len__") and len(v) == len(names):
        direction = {w: float(x) for w, x in zip(names, v)}
    else:
        raise DiffxError(f"v= must give a component for each of {', '.join(names)} (a dict "
                         "or a sequence in that order)")
    adj = _adjoint(graph, names)
    outputs = _partial_nodes(graph, names)
    T = _tangent_sweep(adj.graph, point, direction, outputs)
    out = HessianVector(zip(names, map(float, map(T.__getitem__, outputs))))
    out.warnings = list(getattr(graph, "warnings", ()))
    return out
