"""Expression swell, measured: how formulas, trees, DAGs and routes grow with n.

A family builds one program per n; for each, diffx measures the function as a DAG and as a
tree, the symbolic derivative (``count_ops``, its tree, its DAG of distinct subexpressions,
its size after ``sympy.cse``, the expanded polynomial), the time ``sympy.diff`` took, the
reverse sweep's operations and time, the exact number of routes and the numeric method's
evaluations. Tree sizes are counted over the DAG, never by building the tree. Each sympy
cell has a time budget; a column that runs over it says so and is not attempted for larger n.

    >>> table = swell("logistic", n=range(1, 5))
    >>> [row.routes for row in table.rows]
    [1, 2, 4, 8]
    >>> table.rows[2].formula
    '16(1 - 10x + 24x^2 - 16x^3)'
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from .budget import BudgetExceeded, run_with_budget
from .swell_request import DEFAULT_BUDGET, FAMILIES, check_request, parse_range

OVER = "> budget"
SKIPPED = "skipped"


@dataclass
class SwellRow:
    """One n. Sympy cells hold a number, ``"> budget"`` or ``"skipped"``."""

    n: int | None
    source: str = field(repr=False)
    inputs: int
    dag_nodes: int
    tree_nodes: int
    routes: int | None
    routes_log10: float
    reverse_ops: int
    reverse_seconds: float
    numeric_evaluations: int
    diff_seconds: Any = None
    count_ops: Any = None
    derivative_tree: Any = None
    derivative_dag: Any = None
    cse_ops: Any = None
    expanded_ops: Any = None
    formula: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data; a count too long for ``str()`` (a :class:`~diffx.counts.Huge`) is
        written as text, ``"≈ 1.23e5000"``."""
        from .counts import Huge

        data = asdict(self)
        data.pop("source")
        return {k: str(v) if isinstance(v, Huge) else v for k, v in data.items()}


@dataclass
class SwellTable:
    name: str
    description: str
    budget: float
    rows: list[SwellRow]
    #: what a traced function's graph carries (the branch taken at the traced point)
    warnings: list[str] = field(default_factory=list)

    COLUMNS = ("n", "inputs", "dag_nodes", "tree_nodes", "routes", "reverse_ops",
               "reverse_seconds", "numeric_evaluations", "diff_seconds", "count_ops",
               "derivative_tree", "derivative_dag", "cse_ops", "expanded_ops")


def swell(family_or_expression: str, n: Any = None, *, budget: float = DEFAULT_BUDGET,
          formulas: bool = True, on_row: Callable[[SwellRow], None] | None = None,
          at: Any = None) -> SwellTable:
    """Measure swell for a family (``logistic``, ``logistic-expanded``, ``sigmoid-chain``,
    ``product``) over ``n`` (default 1..8), or for a single expression, or a Python function
    traced at ``at``. (``diffx.swell``, the package's, also takes ``plot=PATH`` to draw the
    sizes against n.)"""
    check_request(family_or_expression, n, budget)
    ns: list[int | None]
    sources: list[Any]  # source texts, or the Graph of a traced function
    if callable(family_or_expression):
        from .tracing import graph_of

        traced = graph_of(family_or_expression, at)
        ns, sources = [None], [traced]
        name, description = traced.title(), "a traced Python function"
    elif family_or_expression in FAMILIES:
        build, description = FAMILIES[family_or_expression]
        ns = list(parse_range(n, range(1, 9)))
        sources = [build(k) for k in ns]  # type: ignore[arg-type]
        name = family_or_expression
    else:
        ns, sources = [None], [family_or_expression]
        name, description = family_or_expression, "a single expression"
    table = SwellTable(name, description, float(budget), [],
                       [w for s in sources for w in getattr(s, "warnings", ())])
    stopped: set[str] = set()
    for k, source in zip(ns, sources):
        row = _measure(k, source, budget, stopped, formulas)
        table.rows.append(row)
        if on_row is not None:
            on_row(row)
    return table


def _measure(n: int | None, source: str, budget: float, stopped: set[str],
             want_formula: bool) -> SwellRow:
    from . import engine
    from .api import grad
    from .counts import tree_size
    from .program import parse_graph
    from .counts import count_routes

    graph = parse_graph(source)
    names = graph.inputs
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        grad(graph, at={w: 0.3 for w in names}, method="reverse")
        best = min(best, time.perf_counter() - start)
    counts = count_routes(graph)
    exact = [counts[w][0] for w in names]
    row = SwellRow(
        n=n, source=graph.source, inputs=len(names),
        dag_nodes=sum(graph.reachable_from_output()[: graph.output + 1]),
        tree_nodes=tree_size(graph),
        routes=None if None in exact else sum(exact),  # type: ignore[arg-type]
        routes_log10=max(counts[w][1] for w in names) if names else -math.inf,
        reverse_ops=graph.n_evaluated + engine.edge_count(graph, names),
        reverse_seconds=best,
        numeric_evaluations=numeric_evaluations(graph),
    )
    _symbolic(row, graph, budget, stopped, want_formula)
    return row


NUMERIC_WORK = 2_000_000  # inputs × nodes up to which the numeric method is run in full


def numeric_evaluations(graph: Any) -> int:
    """Evaluations the numeric method (its default scheme) needs for the whole gradient, as
    the method itself counts them. For many inputs on a large graph the method is run for
    one input and the count scaled: one evaluation at the point plus the same number per
    input (the default scheme's cost does not depend on the input)."""
    from .api import grad

    names = graph.inputs
    if not names:
        return 0
    at = {w: 0.3 for w in names}
    if len(names) * max(1, graph.size) <= NUMERIC_WORK or len(names) == 1:
        return int(grad(graph, at=at, method="numeric").cost["evaluations"])
    one = int(grad(graph, at=at, wrt=[names[0]], method="numeric").cost["evaluations"])
    return 1 + (one - 1) * len(names)


def _cell(column: str, stopped: set[str], budget: float, work: Callable[[], Any]) -> Any:
    if column in stopped:
        return SKIPPED
    try:
        return run_with_budget(work, budget)
    except BudgetExceeded:
        stopped.add(column)
        return OVER
    except RecursionError:
        stopped.add(column)
        return OVER


def _symbolic(row: SwellRow, graph: Any, budget: float, stopped: set[str],
              want_formula: bool) -> None:
    import sympy

    from .counts import printable, structural_sizes
    from .sym import TooLarge, symbols, to_sympy

    if "diff" in stopped:
        row.diff_seconds = row.count_ops = row.derivative_tree = SKIPPED
        row.derivative_dag = row.cse_ops = row.expanded_ops = SKIPPED
        return
    syms = symbols(graph)

    def differentiate() -> tuple[list[Any], float]:
        start = time.perf_counter()
        f = to_sympy(graph)[graph.output]
        ds = [sympy.diff(f, syms[w]) for w in graph.inputs]
        return ds, time.perf_counter() - start

    try:
        out = _cell("diff", stopped, budget, differentiate)
    except TooLarge:
        out = OVER
        stopped.add("diff")
    if isinstance(out, str):  # no derivative: the columns that need it are not attempted
        row.diff_seconds = out
        row.count_ops = row.derivative_tree = SKIPPED
        row.derivative_dag = row.cse_ops = row.expanded_ops = SKIPPED
        return
    derivs, row.diff_seconds = out
    measured = [structural_sizes(d) for d in derivs]  # over the DAG: linear, never the tree
    row.derivative_dag = sum(m[0] for m in measured)
    row.derivative_tree = printable(sum(m[1] for m in measured))
    row.count_ops = _cell("count_ops", stopped, budget,
                          lambda: sum(int(sympy.count_ops(d)) for d in derivs))
    row.cse_ops = _cell("cse", stopped, budget, lambda: _cse_ops(derivs))
    row.expanded_ops = _cell("expand", stopped, budget,
                             lambda: sum(int(sympy.count_ops(sympy.expand(d))) for d in derivs))
    if want_formula and len(derivs) == 1:
        row.formula = _cell("formula", stopped, budget,
                            lambda: lecture_form(derivs[0], syms[graph.inputs[0]]))


def _cse_ops(derivs: list[Any]) -> int:
    import sympy

    replacements, reduced = sympy.cse(derivs)
    return sum(int(sympy.count_ops(e)) for _, e in replacements) + sum(
        int(sympy.count_ops(e)) for e in reduced)


def lecture_form(expr: Any, x: Any, max_terms: int = 16) -> str:
    """A univariate polynomial as the lecture table writes it: ``16(1 - 10x + 24x^2 - 16x^3)``,
    the common factor outside, powers ascending; other formulas as sympy prints them."""
    import sympy

    from .counts import big_count
    from .sym import sizes

    if not expr.is_polynomial(x):
        tree = sizes(expr)[1]
        return str(expr) if tree <= 200 else f"(a formula of {big_count(tree)} tree nodes)"
    expanded = sympy.expand(expr)
    coeffs = sympy.Poly(expanded, x).all_coeffs()[::-1]  # ascending
    if len(coeffs) > max_terms:
        return f"a polynomial of degree {len(coeffs) - 1} ({len(coeffs)} coefficients)"
    ints = [c for c in coeffs if c != 0]
    if not all(c.is_Integer for c in ints) or not ints:
        return str(expanded)
    g = int(sympy.igcd(*[int(c) for c in ints])) if len(ints) > 1 else abs(int(ints[0]))
    if ints[0] < 0:
        g = -g
    terms = []
    for k, c in enumerate(coeffs):
        c = int(c) // g
        if c == 0:
            continue
        mag = abs(c)
        body = ("x" if k == 1 else f"x^{k}") if k else ""
        text = f"{mag}{body}" if (mag != 1 or not body) else body
        terms.append((c < 0, text))
    inner = ""
    for i, (neg, text) in enumerate(terms):
        inner += (("-" if neg else "") + text) if i == 0 else ((" - " if neg else " + ") + text)
    if g == 1:
        return inner
    if len(terms) == 1 and not terms[0][1].startswith("x"):
        return str(g * (int(inner) if inner.lstrip("-").isdigit() else 1))
    return f"{g}({inner})"
