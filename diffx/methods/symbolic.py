"""The symbolic method: the graph becomes one sympy expression, ``sympy.diff`` gives the formula.

Turning the DAG into an expression *is* the lesson: sharing is lost, and the formula for the
derivative can be far larger than the graph (expression swell). The method reports the
formula, its size (``count_ops`` and the number of nodes in its tree) and, at a point, its
value computed exactly by sympy's ``evalf``. A time budget (``timeout``, 30 s by default) ends
a run that swells, with a "timed out" error instead of a hang.
"""

from __future__ import annotations

import math
import time
from typing import Any

from .. import diagnose
from ..budget import BudgetExceeded, run_with_budget
from ..graph import Graph
from ..result import Gradient
from . import MethodError, check_timeout, new_result, register, to_python

MAX_GRAPH = 50_000  # graphs larger than this are not handed to sympy


@register("symbolic", {"timeout": 30.0},
          "sympy: graph to expression, sympy.diff per input")
def run(graph: Graph, wrt: tuple[str, ...], point: dict[str, Any] | None, arrays: bool,
        timeout: float) -> Gradient:
    timeout = check_timeout(timeout)
    result = new_result("symbolic", graph, wrt, point)
    if point is None and not wrt:
        return result  # nothing to differentiate and no point to evaluate at
    import sympy  # noqa: F401  (imported before the clock starts: its import is not the method)

    start = time.perf_counter()
    try:
        out = run_with_budget(lambda: _work(graph, wrt, point, arrays), timeout)
    except BudgetExceeded:
        raise MethodError(f"timed out after {timeout:g} s: the symbolic derivative swells "
                          "(the reverse method gets the same values in one sweep)",
                          usage=False) from None
    except RecursionError:
        raise MethodError("the expression is too deeply nested for sympy "
                          "(the reverse method handles any depth)", usage=False) from None
    result.seconds = time.perf_counter() - start
    formulas, sizes, values, value = out
    result.formula = formulas
    result.details = {"count_ops": {w: s[0] for w, s in sizes.items()},
                      "tree_size": {w: s[1] for w, s in sizes.items()}}
    counted = [s[0] for s in sizes.values()]
    result.cost = {"evaluations": 1 if point is not None else 0,
                   "operations": None if None in counted else sum(counted)}
    if point is None:
        result.gradient = dict(formulas)
        return result
    result.gradient = {w: to_python(v) for w, v in values.items()}
    result.value = to_python(value)
    bad = [w for w, v in values.items() if isinstance(v, complex)]
    if bad or isinstance(value, complex):
        result.warnings.append("the symbolic formula is not real at this point "
                               f"({', '.join(bad) or 'value'}): the function leaves its real "
                               "domain here")
        result.gradient = {w: (math.nan if isinstance(v, complex) else v)
                           for w, v in result.gradient.items()}
        if isinstance(value, complex):
            result.value = math.nan
    vals, _ = diagnose.evaluate(graph, point, arrays)
    result.warnings += diagnose.value_warnings(graph, vals)
    result.warnings += diagnose.kink_warnings(graph, vals, wrt)
    return result


def _work(graph: Graph, wrt: tuple[str, ...], point: dict[str, Any] | None,
          arrays: bool) -> tuple[dict, dict, dict, Any]:
    import sympy

    from ..sym import MAX_PRINTED, MAX_TREE, TooLarge, sizes, symbols, to_sympy, value_at

    if graph.size > MAX_GRAPH:
        raise MethodError(f"the graph has {graph.size:,} nodes; the symbolic method stops at "
                          f"{MAX_GRAPH:,} (the reverse method handles any size)", usage=False)
    try:
        f = to_sympy(graph)[graph.output]
    except TooLarge as exc:
        raise MethodError(str(exc), usage=False) from None
    dag, tree = sizes(f)
    if tree > MAX_TREE:
        raise MethodError(
            f"expression swell: written as a tree the function has {tree:,} nodes (as a DAG, "
            f"{dag:,}); sympy differentiates trees, so it would run for a very long time. "
            "The reverse method works on the DAG", usage=False)
    syms = symbols(graph)
    derivs = {w: sympy.diff(f, syms[w]) for w in wrt}
    formulas: dict[str, str] = {}
    measured: dict[str, tuple[int | None, int]] = {}
    for w, d in derivs.items():
        d_dag, d_tree = sizes(d)
        if d_tree <= MAX_PRINTED:
            formulas[w] = str(d)
            measured[w] = (int(sympy.count_ops(d)), d_tree)
        else:
            formulas[w] = (f"<a formula of {d_tree:,} tree nodes ({d_dag:,} distinct): "
                           "too large to print>")
            measured[w] = (None, d_tree)
    values: dict[str, Any] = {}
    value: Any = None
    if point is not None:
        if arrays:
            values, value = _lambdified(f, derivs, syms, point, graph)
        else:
            subs = {syms[k]: sympy.Rational(v) for k, v in point.items()}  # exact doubles
            values = {w: value_at(d, subs, measured[w][1]) for w, d in derivs.items()}
            value = value_at(f, subs, tree)
    return formulas, measured, values, value


def _lambdified(f: Any, derivs: dict[str, Any], syms: dict[str, Any], point: dict[str, Any],
                graph: Graph) -> tuple[dict[str, Any], Any]:
    """Many points: the formulas become numpy functions (symbols dummified, so no user text
    reaches the generated code)."""
    import numpy as np
    import sympy

    args = [syms[k] for k in graph.inputs]
    fn = sympy.lambdify(args, [f, *derivs.values()], modules="numpy", dummify=True, cse=True)
    with np.errstate(all="ignore"):
        outs = fn(*[np.asarray(point[k], dtype=float) for k in graph.inputs])
    shape = np.shape(point[graph.inputs[0]]) if graph.inputs else ()
    outs = [np.broadcast_to(np.asarray(o, dtype=float), shape).copy() for o in outs]
    return dict(zip(derivs, outs[1:])), outs[0]
