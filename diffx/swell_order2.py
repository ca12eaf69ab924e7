"""Expression swell one order up (``diffx swell FAMILY --order 2``): the second derivatives'
formulas against the cost of the sweeps that compute them.

For each n: the function's DAG, the symbolic Hessian (``sympy.hessian`` of the graph's sympy
form: ``count_ops`` over its entries, their tree size counted over the DAG, and the seconds
sympy took, under the same per-cell budget as the first-order table), and the sweeps over the
adjoint program (:func:`diffx.adjoint`): its nodes, reverse-over-reverse's operations (the
adjoint program of each partial's program, one per input) and forward-over-reverse's (one
pass over the adjoint program and one tangent sweep per input: nodes plus multiply-adds).
The formulas grow exponentially for the logistic map; the sweeps grow linearly.

    >>> t = swell_order2("logistic", n=range(1, 4))
    >>> [r.hessian_count_ops for r in t.rows]
    [0, 1, 15]
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Any

from .swell import OVER, SKIPPED, _cell
from .swell_request import DEFAULT_BUDGET, FAMILIES, check_request, parse_range


@dataclass
class Order2Row:
    n: int | None
    inputs: int
    dag_nodes: int
    hessian_seconds: float | str = SKIPPED
    hessian_count_ops: int | str = SKIPPED
    hessian_tree: int | str = SKIPPED  # tree nodes of the entries, counted over their DAG
    adjoint_nodes: int = 0
    reverse_over_reverse_ops: int = 0
    forward_over_reverse_ops: int = 0


@dataclass
class Order2Table:
    name: str
    description: str
    budget: float
    rows: list[Order2Row]

    COLUMNS = ("n", "inputs", "dag_nodes", "hessian_count_ops", "hessian_tree",
               "hessian_seconds", "adjoint_nodes", "reverse_over_reverse_ops",
               "forward_over_reverse_ops")

    def text(self) -> str:
        """The table as plain text, one row per n."""
        heads = ("n", "inputs", "f DAG", "H count_ops", "H tree", "sympy s", "adjoint",
                 "rev-over-rev ops", "fwd-over-rev ops")
        cells = [[_show(getattr(r, c)) for c in self.COLUMNS] for r in self.rows]
        widths = [max(len(h), *(len(row[k]) for row in cells)) for k, h in enumerate(heads)]
        lines = [f"{self.name}: {self.description}",
                 "second derivatives: the symbolic Hessian's formulas against the sweeps over "
                 "the adjoint program",
                 "  ".join(h.rjust(w) for h, w in zip(heads, widths))]
        lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
        lines.append(f"(sympy cells over {self.budget:g} s say '{OVER}' and are not attempted "
                     "for larger n)")
        return "\n".join(lines)

    def json(self) -> str:
        """Strict JSON: the rows as objects (seconds as numbers, budget marks as strings)."""
        return json.dumps({"name": self.name, "description": self.description, "order": 2,
                           "budget": self.budget, "rows": [asdict(r) for r in self.rows]},
                          allow_nan=False)


def _show(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return "" if v is None else str(v)


def swell_order2(family_or_expression: str, n: Any = None, *,
                 budget: float = DEFAULT_BUDGET) -> Order2Table:
    """The second-order swell table for a family over ``n`` (default 1..8) or one expression."""
    check_request(family_or_expression, n, budget)
    if callable(family_or_expression):
        raise_callable()
    if family_or_expression in FAMILIES:
        build, description = FAMILIES[family_or_expression]
        ns: list[int | None] = list(parse_range(n, range(1, 9)))
        sources = [build(k) for k in ns]  # type: ignore[arg-type]
        name = family_or_expression
    else:
        ns, sources = [None], [family_or_expression]
        name, description = family_or_expression, "a single expression"
    table = Order2Table(name, description, float(budget), [])
    stopped: set[str] = set()
    for k, source in zip(ns, sources):
        table.rows.append(_measure(k, source, budget, stopped))
    return table


def raise_callable() -> None:
    from .errors import OptionError

    raise OptionError("the second-order swell table measures a family or one expression "
                      "(trace a Python function with diffx.trace and pass its Graph's source)")


def _measure(n: int | None, source: str, budget: float, stopped: set[str]) -> Order2Row:
    from . import engine
    from .adjoint import adjoint
    from .program import parse_graph

    graph = parse_graph(source)
    names = graph.inputs
    row = Order2Row(n, len(names), sum(graph.reachable_from_output()[: graph.output + 1]))
    adj = adjoint(graph, names, text=False)
    row.adjoint_nodes = adj.graph.size
    ops = 0
    for w in names:  # reverse over the program of each partial: its own adjoint program
        part = adj.partial_graph(w)
        ops += part.n_evaluated + engine.edge_count(part, names)
    row.reverse_over_reverse_ops = ops
    row.forward_over_reverse_ops = adj.graph.n_evaluated + len(names) * engine.edge_count(
        adj.graph, names)
    _symbolic(row, graph, budget, stopped)
    return row


def _symbolic(row: Order2Row, graph: Any, budget: float, stopped: set[str]) -> None:
    import sympy

    from .counts import structural_sizes
    from .sym import TooLarge, symbols, to_sympy

    if "hessian" in stopped:
        return
    syms = symbols(graph)

    def work() -> tuple[list[Any], float]:
        start = time.perf_counter()
        f = to_sympy(graph, chains=True)[graph.output]
        variables = [syms[w] for w in graph.inputs]
        h = sympy.hessian(f, variables) if variables else sympy.zeros(0, 0)
        h = h.replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)
        return list(h), time.perf_counter() - start

    try:
        out = _cell("hessian", stopped, budget, work)
    except TooLarge:
        stopped.add("hessian")
        out = OVER
    if isinstance(out, str):
        row.hessian_seconds = out
        return
    entries, row.hessian_seconds = out
    row.hessian_tree = sum(structural_sizes(e)[1] for e in entries)
    row.hessian_count_ops = _cell("hessian count_ops", stopped, budget,
                                  lambda: sum(int(sympy.count_ops(e)) for e in entries))
