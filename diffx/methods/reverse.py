"""The reverse method: the route-sum, computed in its factored form (the reverse sweep).

With a point: one forward pass stores every node's value, one backward pass accumulates
``adjoint[arg] += adjoint[node] * local partial`` over the edges, giving d output / d node for
every node at once. Routes are counted (never enumerated) in one more linear pass; with
``routes=True`` up to ``route_limit`` of them are listed with their local derivatives and
products, and their sum is checked against the sweep.

Without a point: the route-sum as a formula, each route's product of symbolic local
derivatives (written with the program's names), and its simplified form. When there are more
routes than the limit, the formula is the sweep's factored form instead.
"""

from __future__ import annotations

import math
import time
from array import array
from collections.abc import Sequence
from typing import Any

from .. import diagnose_adjoints, engine, evaluation, exact, exact_points, precision, strong_zeros
from .. import routes as _routes
from ..counts import count_routes
from ..route_formulas import Formulas
from ..budget import BudgetExceeded, run_with_budget
from ..details import SweepDetails
from ..errors import DiffxError
from ..graph import Graph
from ..result import Gradient
from .base import (
    Evaluated,
    MethodError,
    check_route_limit,
    check_timeout,
    new_result,
    register,
    to_python,
    use_other_mode_where_nan,
)

SIMPLIFY_MAX_OPS = 60  # sympy.simplify only small route-sums; larger ones are left evaluated


@register("reverse", {"routes": False, "route_limit": _routes.DEFAULT_LIMIT, "timeout": 30.0},
          "route-sum: reverse sweep (backprop), all inputs in one pass")
def run(graph: Graph, wrt: tuple[str, ...], point: dict[str, Any] | None, arrays: bool,
        evaluated: Evaluated | None, routes: bool, route_limit: int, timeout: float
        ) -> Gradient:
    route_limit = check_route_limit(route_limit)
    timeout = check_timeout(timeout)
    result = new_result("reverse", graph, wrt, point)
    details = result.details = SweepDetails()  # typed here: result.details is any Details
    if point is None:
        if wrt:
            _formulas(graph, wrt, route_limit, timeout, result, details)
        else:
            result.gradient = result.formula = {}
    else:
        count_routes(graph)  # (cached) counted before the values exist: a lower memory peak
        _values(graph, wrt, point, arrays, evaluated or Evaluated(graph, point, arrays), result,
                details)
    if routes:
        _listing(graph, wrt, route_limit, result, details, arrays)
    _route_counts(graph, wrt, result, details)
    return result


def _values(graph: Graph, wrt: tuple[str, ...], point: dict[str, Any], arrays: bool,
            evaluated: Evaluated, result: Gradient, details: SweepDetails) -> None:
    import numpy as np

    start = time.perf_counter()
    vals, ns = evaluated.forward()
    adj, ns = evaluation.sweep(graph, vals, wrt, ns, arrays)
    result.seconds = time.perf_counter() - start
    value = vals[graph.output]
    result.gradient = {w: to_python(undefined_where_nan(adj[graph.input_nodes[w]], value))
                       for w in wrt}
    result.value = to_python(value)
    n_ops = graph.n_evaluated
    edges = engine.edge_count(graph, wrt)
    result.cost = {"evaluations": 1, "operations": n_ops + edges, "forward_ops": n_ops,
                   "backward_ops": edges}
    details.values = vals
    result.warnings += _cancelled_infinities(graph, vals, wrt, result.gradient, arrays)
    fixed: dict[str, float] = {}
    V = None  # the values the audits read: in place where they can be (no copy of them all)
    if exact.auditable(graph, wrt, result.gradient, arrays):
        V = precision.values_view(graph, vals)
        V = exact.point_values(graph, vals) if V is None else V
    if V is not None:  # (spares the runner's value warnings a pass over the values)
        evaluated.finite = evaluation.known_normal(vals) or bool(np.isfinite(V).all())
    result.warnings += strong_zeros.hidden_zero_warnings(
        graph, vals, {w: adj for w in wrt}, wrt, "reverse", arrays)
    if V is not None and wrt:
        checked = exact.check_point(graph, point, V, {w: adj for w in wrt}, wrt,
                                    result.gradient, True, evaluation.known_normal(vals))
        fixed = checked.fixed
        result.gradient.update(fixed)
        result.warnings += checked.warnings
        if checked.value is not None:
            result.value = checked.value
    if arrays and wrt:
        result.warnings += exact_values(result, exact_points.check_points(
            graph, point, vals, adj, wrt, result.gradient, True))
    # the runner adds the point's warnings (non-finite values, kinks)
    still = tuple(w for w in wrt if not (math.isfinite(result.gradient[w])
                                          if isinstance(result.gradient[w], float)
                                          else np.all(np.isfinite(result.gradient[w]))))
    if still and not fixed:
        result.warnings += diagnose_adjoints.adjoint_warnings(graph, vals, adj, still)
    details.adjoints = shown_adjoints(graph, adj, value, result.gradient)


def exact_values(result: Gradient, checked: exact_points.PointsChecked) -> list[str]:
    """Put f's exact values (at the points re-run exactly) into ``result.value``; returns the
    warnings."""
    if checked.values:
        import numpy as np

        value = np.array(result.value, dtype=float)
        flat = value.reshape(-1)
        for i, v in checked.values.items():
            flat[i] = v
        result.value = value
    return checked.warnings


def shown_adjoints(graph: Graph, adj: Sequence[Any], value: Any, gradient: dict[str, Any]
                   ) -> Sequence[Any]:
    """The adjoints as a report shows them (per node in JSON, on the picture), told as the
    gradient is: nan wherever f itself is undefined (``log(x)`` at -1 has no ∂f/∂x, though the
    sweep multiplied 1/x = -1), and an input's adjoint is its reported derivative (where the
    sweep's was replaced: by forward mode, or by the exact re-run). A list or ``array('d')``
    of the sweep's is changed in place where f is defined (the caller's last use of it)."""
    defined = isinstance(value, float) and not math.isnan(value)
    kernel = getattr(adj, "array", None)
    shown: Any
    if defined and kernel is not None:  # the compiled tier's: its array (a new one each
        from ..float_values import FloatValues  # sweep) changed in place, no list of floats made

        shown = adj if getattr(adj, "_list", 0) is None and kernel.flags.writeable else \
            FloatValues(kernel.copy(), len(kernel))  # (or a copy, where a list was made)
        into = shown.array
    elif defined and isinstance(adj, list | array):
        shown = into = adj  # the sweep's own, changed in place: no copy (undefined_where_nan
        # changes nothing where f is defined, and nothing reads the sweep's after this)
    elif defined:
        shown = into = list(adj)
    else:
        shown = into = [undefined_where_nan(a, value) for a in adj]
    for w, g in gradient.items():
        if isinstance(g, float) and isinstance(into[graph.input_nodes[w]], float | int):
            into[graph.input_nodes[w]] = g
    return shown


def _cancelled_infinities(graph: Graph, vals: Sequence[Any], wrt: tuple[str, ...],
                          gradient: dict[str, Any], arrays: bool) -> list[str]:
    """Adjoints that are nan where f is defined (``sqrt(x - x)``): forward mode adds the
    routes' tangents first (1 - 1 = 0); its value is used."""
    return use_other_mode_where_nan(
        graph, vals, wrt, gradient, lambda w: _tangent(graph, vals, w, arrays),
        "the reverse sweep gave nan for ∂/∂{w}: infinite local derivatives on routes that "
        "cancel (inf - inf); forward mode, which adds the routes first, gives the value "
        "reported")


def _tangent(graph: Graph, vals: Sequence[Any], w: str, arrays: bool) -> Any:
    """d output / d ``w`` by forward mode (math first, numpy where math raises)."""
    import numpy as np

    if not arrays and type(vals[graph.output]) is float:  # (numpy's float64 is a float too,
        # but divides by zero with a warning where math raises: numpy's branch takes it)
        try:
            return engine.tangents(graph, vals, w, "math")[graph.output]
        except (ArithmeticError, ValueError):
            pass
    with np.errstate(all="ignore"):
        nvals = [np.asarray(v) if not arrays else v for v in vals]
        return engine.tangents(graph, nvals, w, "numpy")[graph.output]


def undefined_where_nan(derivative: Any, value: Any) -> Any:
    """Where the function itself is undefined (nan), so is its derivative."""
    if isinstance(value, float):
        return math.nan if math.isnan(value) else derivative
    import numpy as np

    nan = np.isnan(value)
    if not np.any(nan):
        return derivative
    return np.where(nan, np.nan, derivative)


def _route_counts(graph: Graph, wrt: tuple[str, ...], result: Gradient,
                  details: SweepDetails) -> None:
    counts = count_routes(graph)
    details.routes = {w: counts[w][0] for w in wrt}
    # (no route: no logarithm; null in JSON, not -inf turned into null with a warning)
    details.routes_log10 = {w: None if counts[w][0] == 0 else counts[w][1] for w in wrt}
    exact = [counts[w][0] for w in wrt]
    if None not in exact:
        result.cost["routes"] = sum(exact)
    else:
        result.cost["routes"] = None
        result.cost["routes_log10"] = max(counts[w][1] for w in wrt)


def _listing(graph: Graph, wrt: tuple[str, ...], limit: int, result: Gradient,
             details: SweepDetails, arrays: bool) -> None:
    """Up to ``limit`` routes per input (see :mod:`diffx.listing`)."""
    from ..listing import route_listing

    listing, legend = route_listing(graph, wrt, limit, details.values,
                                    result.gradient if result.point is not None else None,
                                    arrays=arrays)
    details.route_listing = listing
    details.route_legend = legend


def _formulas(graph: Graph, wrt: tuple[str, ...], limit: int, timeout: float,
              result: Gradient, details: SweepDetails) -> None:
    import sympy  # noqa: F401  (imported before the clock starts)

    start = time.perf_counter()
    try:
        out = run_with_budget(lambda: _route_sum(graph, wrt, limit), timeout)
    except BudgetExceeded:
        raise MethodError(f"timed out after {timeout:g} s building the route-sum formula",
                          usage=False) from None
    except RecursionError:
        raise MethodError("the formula is too deeply nested for sympy", usage=False) from None
    except DiffxError:
        raise
    except Exception as exc:  # sympy's own errors: a sentence, never a traceback
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
        raise MethodError(f"sympy failed while building the route-sum formula: "
                          f"{type(exc).__name__}: {first} (give a point, at=..., for values)",
                          usage=False) from None
    result.seconds = time.perf_counter() - start
    result.formula = {w: text for w, (text, _, _) in out.items()}
    result.gradient = {w: simplified for w, (_, simplified, _) in out.items()}
    details.route_sum = {w: text for w, (text, _, _) in out.items()}
    details.simplified = {w: s for w, (_, s, _) in out.items()}
    details.form = {w: form for w, (_, _, form) in out.items()}
    result.cost = {"evaluations": 0, "operations": graph.n_evaluated
                   + engine.edge_count(graph, wrt)}


def _route_sum(graph: Graph, wrt: tuple[str, ...], limit: int) -> dict[str, tuple[str, str,
                                                                                   str]]:
    import sympy

    from ..notation import formula_text
    from ..sym import MAX_PRINTED, TooLarge, sizes

    try:
        formulas = Formulas(graph)
    except TooLarge as exc:
        raise MethodError(str(exc), usage=False) from None
    out = {}
    for w in wrt:
        factors = _route_factors(graph, w)
        if factors <= MAX_ROUTE_FACTORS:
            found, complete = _routes.list_routes(graph, w, limit)
        else:  # too many routes, or routes too long, to write out: the factored form
            found, complete = [], False
        if not complete and engine.edge_count(graph, (w,)) > MAX_SWEEP_EDGES:
            raise MethodError(
                f"the route-sum formula for {w} is too large to build: its factored form has "
                f"{engine.edge_count(graph, (w,)):,} edges (the limit is {MAX_SWEEP_EDGES:,}) "
                "and more routes than can be listed. Give a point (at=...) to get the "
                "derivative's value in one sweep", usage=False)
        with formulas.as_written():
            total, text, form = _route_formula(graph, formulas, w, found, complete, limit)
        if not complete and len(found) == 0 and factors > MAX_ROUTE_FACTORS:
            form = (f"factored (the routes have more than {MAX_ROUTE_FACTORS:,} local "
                    "derivatives in all)")
        expanded = formulas.expand(total)  # sympy's automatic evaluation combines terms
        dag, tree = sizes(expanded)
        if tree > MAX_PRINTED:
            out[w] = (text, f"<in terms of the inputs: a formula of {tree:,} tree nodes "
                      f"({dag:,} distinct), too large to print>", form)
            continue
        if sympy.count_ops(expanded) <= SIMPLIFY_MAX_OPS and _plain_numbers(expanded):
            simpler = sympy.simplify(expanded)
            if sympy.count_ops(simpler) < sympy.count_ops(expanded):
                expanded = simpler
        out[w] = (text, formula_text(expanded), form)
    return out


def _plain_numbers(expr: Any) -> bool:
    """Only modest numbers (no nan, no 1e300 and no 300-digit fractions): sympy.simplify's
    trigonometric rules can run for seconds on sin(10^300/...)."""
    seen: set[int] = set()
    stack = [expr]
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if e.is_Number and (not e.is_finite or e.is_Float or (e.is_Rational and max(
                abs(int(e.p)), int(e.q)).bit_length() > 64)):
            return False
        stack.extend(e.args)
    return True


MAX_ROUTE_FACTORS = 50_000  # route-sums with more local derivatives in all are factored
MAX_SWEEP_EDGES = 10_000  # a factored form past this many edges is refused (sympy: ~5 s)


def _route_factors(graph: Graph, w: str) -> int:
    """How many local derivatives the route-sum for ``w`` writes out: the routes' total
    length, in one pass from the output down (a node passes on its routes and their length;
    each edge adds one factor to each route through it). Capped just past the limit."""
    a, b, out = graph.a, graph.b, graph.output
    cap = MAX_ROUTE_FACTORS + 1
    routes = [0] * (out + 1)
    length = [0] * (out + 1)
    routes[out] = 1
    for i in range(out, -1, -1):
        r = routes[i]
        if not r or a[i] < 0:
            continue
        for arg in (a[i], b[i]):
            if arg < 0:
                break
            routes[arg] = min(cap, routes[arg] + r)
            length[arg] = min(cap, length[arg] + length[i] + r)
    return length[graph.input_nodes[w]]


def _route_formula(graph: Graph, formulas: Formulas, w: str, found: list,
                   complete: bool, limit: int) -> tuple[Any, str, str]:
    """The route-sum as listed routes, or the sweep's factored form past the limit."""
    import sympy

    from ..notation import formula_text, product_text
    from ..sym import MAX_PRINTED, sizes

    if not complete:
        total = formulas.sweep(w)
        dag, tree = sizes(total)
        text = formula_text(total) if tree <= MAX_PRINTED else (
            f"<factored form of {tree:,} tree nodes ({dag:,} distinct)>")
        return total, text, f"factored (more than {limit:,} routes)"
    terms = []
    total = sympy.Integer(0)
    for route in found:
        factors = [formulas.edge(e) for e in reversed(route.edges)]
        terms.append(product_text(factors))
        product = sympy.Integer(1)
        for f in factors:
            product = product * f
        total = total + product
    return total, " + ".join(terms) if terms else "0", "route-sum"
