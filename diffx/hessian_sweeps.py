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

from typing import Any

import numpy as np

from .errors import DiffxError
from .graph import Graph

def _request(source: Any, at: Any, wrt: Any) -> tuple[Graph, tuple[str, ...], dict[str, float]]:
    from .methods.run import prepare

    if at is None:
        raise DiffxError("a Hessian is computed at a point: give at={...} with a value for "
                         "every input")
    req = prepare(source, at, wrt)
    if req.vector is not None:
        raise DiffxError("diffx.hessian takes a scalar program; a program over vectors and "
                         "matrices is not supported yet")
    if req.arrays:
        raise DiffxError("diffx.hessian takes one point, not an array of points")
    assert req.point is not None  # at was given
    return req.graph, req.wrt, {k: float(v) for k, v in req.point.items()}


def _value(graph: Graph, point: dict[str, float]) -> float:
    from .evaluation import evaluate

    vals, _ = evaluate(graph, point, arrays=False)
    return float(vals[graph.output])


def _adjoint(graph: Graph, wrt: tuple[str, ...]) -> Any:
    """The adjoint program; its partials of kinks are written with ``sign``, whose own
    derivative is 0 (docs/conventions.md), so a second sweep gives relu'' = abs'' = 0 and
    max'' = 0, also at the kink."""
    from .adjoint import adjoint

    return adjoint(graph, wrt)


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
                h.warnings.append(f"row {w}: {msg}")
    h.matrix = out
    h.value = _value(graph, h.point)
    h.cost = {"sweeps": n, "adjoint_nodes": adj.graph.size}


def _tangent_sweep(graph: Graph, point: dict[str, float], seed: dict[str, float]) -> list[Any]:
    """Tangents of every node of ``graph`` along ``seed`` (input -> direction), one pass."""
    from . import engine
    from .evaluation import evaluate

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
        T = _tangent_sweep(g, h.point, {w: 1.0})
        for i, v in enumerate(h.wrt):
            out[i, j] = float(T[g.assigned[adj.partials[v]]])
    h.matrix = out
    h.value = _value(graph, h.point)
    h.cost = {"sweeps": n, "adjoint_nodes": g.size}


def hvp(source: Any, *, at: Any = None, v: Any = None, wrt: Any = None) -> dict[str, float]:
    """H·v at ``at`` by one tangent sweep over the adjoint program (forward-over-reverse);
    ``v`` maps each input of ``wrt`` to its component (or is a sequence in ``wrt`` order).

    >>> hvp("c = a + b; d = a * c", at={"a": 4, "b": 3}, v={"a": 1, "b": 0})
    {'a': 2.0, 'b': 1.0}
    """
    graph, names, point = _request(source, at, wrt)
    if isinstance(v, dict):
        unknown = sorted(set(v) - set(names))
        if unknown:
            raise DiffxError(f"v= names {', '.join(unknown)}, not among the inputs "
                             f"differentiated ({', '.join(names)})")
        direction = {w: float(v.get(w, 0.0)) for w in names}
    elif v is not None and hasattr(v, "__len__") and len(v) == len(names):
        direction = {w: float(x) for w, x in zip(names, v)}
    else:
        raise DiffxError(f"v= must give a component for each of {', '.join(names)} (a dict "
                         "or a sequence in that order)")
    adj = _adjoint(graph, names)
    T = _tangent_sweep(adj.graph, point, direction)
    return {w: float(T[adj.graph.assigned[adj.partials[w]]]) for w in names}
