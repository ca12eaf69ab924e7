"""Route listings: each route from an input to the output, its local derivatives and product.

What ``diffx routes`` and ``grad --routes`` show, computed once per *distinct edge*: a route of
a DAG reuses edges that many other routes share (the logistic map's 2^(n-1) routes run over
3(n-1) edges), so each edge's symbol, formula (built lazily, only for edges on listed routes)
and value at the point are made once and every route row only points at them. Listing costs
about the total length of the routes listed, not a sympy call per edge per route; so a listing
stops at ``routes.MAX_LISTED_FACTORS`` factors in all as well as at the route limit (1,000
routes of a 10^5-statement logistic map would hold 2·10^8 factors, gigabytes), and its
``stopped`` says which limit ended it.

At many points (a range, a CSV) the routes are listed with their formulas only: a value per
route per point would hold routes × points numbers, while the reverse sweep's gradient
already covers every point.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from typing import Any

from . import node_labels as _labels
from . import route_formulas as _formulas
from . import routes as _routes
from .graph import Graph

FORMULA_NODES = 5_000  # route listings spell local derivatives as formulas up to this size


def route_listing(graph: Graph, wrt: tuple[str, ...], limit: int, vals: Sequence[Any] | None,
                  gradient: dict[str, Any] | None, arrays: bool = False,
                  ) -> tuple[dict[str, Any], dict[str, str]]:
    """Up to ``limit`` routes per input in ``wrt``, and the legend of the labels they use.

    Each input maps to ``{"routes": rows, "complete", "sum", "matches_sweep"}``; a row holds
    the route's text, its local derivatives from the output down (``partials`` by name,
    ``formulas`` as sympy writes them, ``factors`` as values at the point), their ``product``
    and the ``edges`` as ``[argument, node, position]``. ``vals`` are the forward values at one
    point (None: no values); ``gradient`` the sweep's, that the sum of the products is checked
    against when every route is listed. ``stopped`` is None when every route is listed, else
    why the listing stopped: ``"the limit"`` (``limit`` routes) or a sentence on the factors.
    """
    import gc

    paused = gc.isenabled()
    if paused:  # rows are plain lists and dicts, never cycles: the collector's passes over
        gc.disable()  # hundreds of thousands of new lists would cost more than the listing
    try:
        if not arrays:
            return _listing(graph, wrt, limit, vals, gradient, arrays)
        key = ("route_listing", tuple(wrt), limit)  # formulas only: the same for every chunk
        cached = graph._cache.get(key)
        if cached is None:
            cached = graph._cache[key] = _listing(graph, wrt, limit, vals, gradient, arrays)
        return cached
    finally:
        if paused:
            gc.enable()


def _listing(graph: Graph, wrt: tuple[str, ...], limit: int, vals: Sequence[Any] | None,
             gradient: dict[str, Any] | None, arrays: bool
             ) -> tuple[dict[str, Any], dict[str, str]]:
    from .methods.base import to_python

    shown: set[str] = set()
    labels = _labels.labels(graph)
    out_label = labels(graph.output)
    listing: dict[str, Any] = {}
    formulas: list[Any] = [None]  # one Formulas for every input, made on first use
    with _EdgeCache.context(graph):
        for w in wrt:
            edges, found, complete, next_factors = _routes.walk_routes(
                graph, w, limit, _routes.MAX_LISTED_FACTORS)
            cache = _EdgeCache(graph, labels, edges, None if arrays else vals, formulas)
            steps = [labels(e.arg) + " → " for e in edges]  # a route's text, edge by edge
            rows = []
            total: Any = 0.0
            partials, triples, values = cache.partials, cache.triples, cache.values
            for ids in found:
                pick = _picker(ids)  # the route's entries of a per-edge list, output down
                row: dict[str, Any] = {
                    "route": "".join(pick(steps)[::-1]) + out_label if ids
                    else labels(graph.input_nodes[w]),
                    "partials": pick(partials), "formulas": cache.formulas_of(ids, pick),
                    "factors": None, "product": None, "edges": pick(triples)}
                if values is not None:
                    factors = pick(values)
                    product = math.prod(factors, start=1.0)
                    total = total + product
                    row["factors"], row["product"] = factors, product
                rows.append(row)
            listed_sum = to_python(total) if complete and cache.values is not None else None
            info: dict[str, Any] = {
                "routes": rows, "complete": complete,
                "stopped": None if complete else _stopped(found, next_factors),
                "sum": listed_sum,
                "matches_sweep": None if listed_sum is None or gradient is None else
                _close(listed_sum, gradient.get(w))}
            if arrays and vals is not None:
                info["note"] = ("at many points the routes are listed as formulas; the reverse "
                                "sweep's gradient gives their sum at every point")
            listing[w] = info
            shown.update(cache.shown())
    return listing, _legend(labels, shown)


class _EdgeCache:
    """For the distinct edges of one input's routes: their ``[arg, node, position]``, symbols
    and values (made at once), and formula texts (made when a listed route first needs one)."""

    def __init__(self, graph: Graph, labels: _labels.Labels, edges: list[_routes.Edge],
                 vals: Sequence[Any] | None, formulas: list[Any]) -> None:
        from .methods.base import to_python

        self.graph, self.labels, self.edges = graph, labels, edges
        self.triples = [[e.arg, e.node, e.position] for e in edges]
        self.partials = [_labels.partial_symbol(labels, e) for e in edges]
        self.values = None if vals is None else [
            to_python(_routes.local_value(graph, vals, e)) for e in edges]
        self._texts: list[str | None] = [None] * len(edges)
        self._formulas = formulas  # [Formulas or None], shared by every input's cache
        self._ok = graph.size <= FORMULA_NODES

    @staticmethod
    def context(graph: Graph) -> Any:
        """Local derivatives are built as the op table writes them (one toggle of sympy's
        ``distribute``, which clears sympy's cache, for the whole listing)."""
        import contextlib

        if graph.size > FORMULA_NODES:
            return contextlib.nullcontext()
        return _formulas.Formulas.as_written()

    def formulas_of(self, ids: tuple[int, ...], pick: Callable[[list[Any]], list[Any]]
                    ) -> list[str] | None:
        if not self._ok:
            return None
        texts = self._texts
        row = pick(texts)
        if None not in row:
            return row
        for i in ids:
            if texts[i] is None:
                text = self._formula(i)
                if text is None:
                    return None
                texts[i] = text
        return [texts[i] for i in ids]  # type: ignore[misc]

    def _formula(self, i: int) -> str | None:
        from .sym import TooLarge

        try:
            if self._formulas[0] is None:
                self._formulas[0] = _formulas.Formulas(self.graph, self.labels)
            return _formulas.factor_text(self._formulas[0].edge(self.edges[i]))
        except (TooLarge, RecursionError):  # sympy builds and prints recursively
            self._ok = False
            return None

    def shown(self) -> set[str]:
        """The labels of the nodes on these routes and the formula texts made."""
        nodes = {e.arg for e in self.edges} | {e.node for e in self.edges}
        return {self.labels(n) for n in nodes} | {t for t in self._texts if t is not None}


def _stopped(found: list[tuple[int, ...]], next_factors: int) -> str:
    """Why a listing stopped short of every route, in words (``next_factors``: the factors of
    the route it stopped before for their total, 0 when it stopped at the route limit)."""
    if not next_factors:
        return "the limit"
    cap = f"a listing stops at {_routes.MAX_LISTED_FACTORS:,} factors in all"
    if all(len(ids) == next_factors for ids in found):
        return f"each route has {_factors(next_factors)} and {cap}"
    held = sum(len(ids) for ids in found)
    return (f"the next route has {_factors(next_factors)}, the {len(found):,} listed have "
            f"{held:,}, and {cap}")


def _factors(n: int) -> str:
    return f"{n:,} factor" if n == 1 else f"{n:,} factors"


def _picker(ids: tuple[int, ...]) -> Callable[[list[Any]], list[Any]]:
    """A function giving ``[items[i] for i in ids]``, made in C by ``operator.itemgetter``."""
    if len(ids) > 1:
        get = operator.itemgetter(*ids)
        return lambda items: list(get(items))
    if ids:
        only = ids[0]
        return lambda items: [items[only]]
    return lambda items: []


def _legend(labels: _labels.Labels, shown: set[str]) -> dict[str, str]:
    """The labels a listing shows (on its routes or in its formulas), with their meanings;
    a meaning that uses another label (``v3 = v2 + x``) brings that one in too."""
    legend = labels.legend  # (labels are words: v1, v2, ...; each text is split once)
    used = {k for text in shown for k in _WORD.findall(text) if k in legend}
    todo = list(used)
    while todo:
        for k in _WORD.findall(legend[todo.pop()]):
            if k in legend and k not in used:
                used.add(k)
                todo.append(k)
    return {k: v for k, v in legend.items() if k in used}


_WORD = re.compile(r"\w+")


def _close(a: Any, b: Any) -> bool:
    """The routes' sum and the sweep agree (to rounding; nan only with nan)."""
    import numpy as np

    try:
        return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))
    except (TypeError, ValueError):
        return False
