"""The symbolic method: the graph becomes one sympy expression, ``sympy.diff`` gives the formula.

Turning the DAG into an expression *is* the lesson: sharing is lost, and the formula for the
derivative can be far larger than the graph (expression swell). The method reports the
formula in diffx's notation (:mod:`diffx.notation`), its size (``count_ops`` and the number of
nodes in its tree) and, at a point, its value by mpmath at adaptive precision
(:mod:`diffx.symeval`: no float overflow, no unbounded exact arithmetic), with a sentence for
every value that is not finite. Kinks follow diffx's convention (relu'(0) = 0, abs'(0) = 0, a
max/min tie split in half; :mod:`diffx.symfuncs`). A time budget (``timeout``, 30 s by
default) ends a long run with an error saying what took the time: the conversion, the
differentiation (swell) or the evaluation at the point. Any error sympy raises becomes a
sentence, never a traceback.
"""

from __future__ import annotations

import math
import time
from typing import Any

from ..details import SymbolicDetails
from ..budget import BudgetExceeded, run_with_budget
from ..errors import DiffxError
from ..graph import Graph
from ..ops import CONST
from ..result import Gradient
from .base import Evaluated, MethodError, check_timeout, new_result, register, to_python

#: how this method's sentences about its own derivative's value begin (the runner drops them
#: where diffx.undefined made that derivative nan)
SAID = "the symbolic derivative with respect to"

MAX_GRAPH = 50_000  # graphs larger than this are not handed to sympy


@register("symbolic", {"timeout": 30.0},
          "sympy: graph to expression, sympy.diff per input")
def run(graph: Graph, wrt: tuple[str, ...], point: dict[str, Any] | None, arrays: bool,
        evaluated: Evaluated | None, timeout: float) -> Gradient:
    timeout = check_timeout(timeout)
    result = new_result("symbolic", graph, wrt, point)
    if point is None and not wrt:
        return result  # nothing to differentiate and no point to evaluate at
    import sympy  # noqa: F401  (imported before the clock starts: its import is not the method)

    start = time.perf_counter()
    phase = {"now": "converting the graph to a sympy expression"}
    try:
        out = run_with_budget(lambda: _work(graph, wrt, point, arrays, phase), timeout)
    except BudgetExceeded:
        raise MethodError(f"timed out after {timeout:g} s {phase['now']}"
                          f"{_WHY.get(phase['now'], '')} (the reverse method gets the same "
                          "values in one sweep)", usage=False) from None
    except RecursionError:
        raise MethodError("the expression is too deeply nested for sympy "
                          "(the reverse method handles any depth)", usage=False) from None
    except DiffxError:
        raise
    except Exception as exc:  # sympy's own errors: a sentence, never a traceback
        raise MethodError(f"sympy failed while {phase['now']}: {type(exc).__name__}: "
                          f"{str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ''}"
                          " (the reverse method does not use sympy)", usage=False) from None
    result.seconds = time.perf_counter() - start
    formulas, sizes, values, value = out
    result.formula = formulas
    if "note" in phase:
        result.warnings.append(phase["note"])
    if "unchecked" in phase:
        result.warnings.append(phase["unchecked"])
    from ..notation import legend

    result.details = SymbolicDetails(count_ops={w: s[0] for w, s in sizes.items()},
                                     tree_size={w: s[1] for w, s in sizes.items()},
                                     notation=legend(formulas.values()))
    counted = [s[0] for s in sizes.values()]
    result.cost = {"evaluations": 1 if point is not None else 0,
                   "operations": None if None in counted else sum(counted)}
    if point is None:
        result.gradient = dict(formulas)
        return result
    if arrays:
        import numpy as np

        undefined = np.isnan(np.asarray(value, dtype=float))  # no value, no derivative
        result.gradient = {w: to_python(np.where(undefined, np.nan, v))
                           for w, v in values.items()}
        result.value = to_python(value)
        _array_warnings(result)
    else:
        _scalar_results(result, values, value)
        if "note" in phase:  # already said: undefined everywhere
            result.warnings = [w for w in result.warnings
                               if not w.startswith("the function has no value")]
        _undefined_in_the_graph(result, graph, evaluated or Evaluated(graph, point, False))
    return result  # the runner adds the point's warnings (non-finite values, kinks)


def _undefined_in_the_graph(result: Gradient, graph: Graph, evaluated: Evaluated) -> None:
    """Where the function itself has no value (0/0 at finite arguments, reaching f), the
    derivative is nan, although sympy's formula may have cancelled the fault away
    (``(x-1)^2/(x-1)`` is ``x - 1`` to sympy): one convention for every method. A nan that
    floats made (an underflow to 0/0) is not such a fault."""
    vals = evaluated.values
    out = vals[graph.output]
    if not (isinstance(out, float) and math.isnan(out)) or not isinstance(result.value, float) \
            or math.isnan(result.value):
        return
    from .. import value_audit
    from ..exact import point_values

    V = point_values(graph, vals)
    if V is None or value_audit.range_faults(graph, V) is not None:
        return
    live = graph.reachable_from_output()
    for i in range(graph.output + 1):
        if live[i] and graph.op[i] > CONST and math.isnan(vals[i]) and \
                all(math.isfinite(vals[a]) for a in graph.args(i)):
            result.value = math.nan
            result.gradient = {w: math.nan for w in result.gradient or ()}
            result.warnings.append(
                f"the function has no value at this point ({graph.describe(i)} is nan at "
                "finite arguments), though sympy's formula, which simplified that away, has "
                "one; so the symbolic derivative is nan, as the sweeps give it")
            return


_WHY = {
    "converting the graph to a sympy expression": "",
    "differentiating": ": the symbolic derivative swells",
    "evaluating the formula at the point": " (high-precision arithmetic on huge or tiny "
    "numbers)",
}


def _scalar_results(result: Gradient, values: dict[str, Any], value: Any) -> None:
    """Values at one point, each with a sentence when it is not a finite real number."""
    fv = value.value
    if value.unresolved:  # its derivatives may still be known (or say so themselves)
        result.value = math.nan
        result.warnings.append("the function's value at this point is unknown (nan): "
                               f"{value.unresolved}")
    elif isinstance(fv, complex) or math.isnan(fv):
        why = "is not real" if isinstance(fv, complex) else "has no value"
        result.value = math.nan
        result.gradient = {w: math.nan for w in values}
        result.warnings.append(f"the function {why} at this point{_because(value)}: it leaves "
                               "its real domain here, so the symbolic derivative is nan")
        return
    else:
        result.value = fv
    if math.isinf(fv):
        result.warnings.append(f"the function's value is {fv} at this point"
                               f"{_because(value)}")
    result.gradient = {}
    for w, v in values.items():
        d = v.value
        if v.unresolved:
            result.gradient[w] = math.nan
            result.warnings.append(f"{SAID} {w} is unknown "
                                   f"(nan) at this point: {v.unresolved}")
            continue
        if isinstance(d, complex):
            result.gradient[w] = math.nan
            result.warnings.append(f"{SAID} {w} is not real "
                                   "at this point: its formula leaves the real domain here")
            continue
        result.gradient[w] = d
        if not math.isfinite(d):
            what = "nan (not a number)" if math.isnan(d) else f"{d}"
            result.warnings.append(
                f"{SAID} {w} is {what} at this point: "
                + (v.why or "its formula is undefined here (for example it divides by zero or "
                   "takes an infinite slope)"))


def _because(value: Any) -> str:
    return f": {value.why}" if value.why else ""


def _array_warnings(result: Gradient) -> None:
    import numpy as np

    for w, v in (result.gradient or {}).items():
        bad = ~np.isfinite(np.asarray(v, dtype=float))
        if np.any(bad):
            result.warnings.append(
                f"{SAID} {w} is not finite at "
                f"{int(bad.sum()):,} of {bad.size:,} points: its formula is undefined there "
                "(for example it divides by zero) or too large for floating point")


def _work(graph: Graph, wrt: tuple[str, ...], point: dict[str, Any] | None,
          arrays: bool, phase: dict[str, str]) -> tuple[dict, dict, dict, Any]:
    import sympy

    from ..notation import formula_text
    from ..sym import (MAX_PRINTED, MAX_TREE, TooLarge, sizes, symbols, to_sympy,
                       undefined_everywhere, value_at)

    if graph.size > MAX_GRAPH:
        raise MethodError(f"the graph has {graph.size:,} nodes; the symbolic method stops at "
                          f"{MAX_GRAPH:,} (the reverse method handles any size)", usage=False)
    try:
        f = to_sympy(graph, chains=True)[graph.output]
    except TooLarge as exc:
        raise MethodError(str(exc), usage=False) from None
    dag, tree = sizes(f)
    if tree > MAX_TREE:
        raise MethodError(
            f"expression swell: written as a tree the function has {tree:,} nodes (as a DAG, "
            f"{dag:,}); sympy differentiates trees, so it would run for a very long time. "
            "The reverse method works on the DAG", usage=False)
    syms = symbols(graph)
    phase["now"] = "differentiating"
    if undefined_everywhere(f):  # sympy would call the derivative of nan 0
        phase["note"] = ("the function is undefined for every value of its inputs (it "
                         "divides by zero or takes a log, root or power of a negative "
                         "constant), so its derivative is nan")
        derivs = {w: sympy.nan for w in wrt}
    else:
        from ..symfuncs import jump_derivatives

        derivs = {w: jump_derivatives(sympy.diff(f, syms[w])) for w in wrt}
    formulas: dict[str, str] = {}
    measured: dict[str, tuple[int | None, int]] = {}
    for w, d in derivs.items():
        d_dag, d_tree = sizes(d)
        if d_tree <= MAX_PRINTED:
            formulas[w] = formula_text(d, graph.inputs)
            measured[w] = (int(sympy.count_ops(d)), d_tree)
        else:
            formulas[w] = (f"<a formula of {d_tree:,} tree nodes ({d_dag:,} distinct): "
                           "too large to print>")
            measured[w] = (None, d_tree)
    values: dict[str, Any] = {}
    value: Any = None
    if point is not None:
        phase["now"] = "evaluating the formula at the point"
        if arrays:
            values, value = _lambdified(f, derivs, syms, point, graph, phase)
        else:
            at = {syms[k]: float(v) for k, v in point.items()}
            values = {w: value_at(d, at) for w, d in derivs.items()}
            value = value_at(f, at)
    return formulas, measured, values, value


def _lambdified(f: Any, derivs: dict[str, Any], syms: dict[str, Any], point: dict[str, Any],
                graph: Graph, phase: dict[str, str]) -> tuple[dict[str, Any], Any]:
    """Many points: the formulas become numpy functions (symbols dummified, so no user text
    reaches the generated code)."""
    import numpy as np
    import sympy

    args = [syms[k] for k in graph.inputs]
    from ..symfuncs import kink_functions

    relu, absolute = kink_functions()
    def delta(z: Any, *order: Any) -> Any:  # a jump's derivative: 0 (nan where z is)
        return np.where(np.isnan(z), np.nan, 0.0)

    fns = {relu.__name__: lambda z: np.maximum(z, 0.0), "abs": np.abs, "DiracDelta": delta}
    shape = np.shape(point[graph.inputs[0]]) if graph.inputs else ()
    try:
        fn = sympy.lambdify(args, [f, *derivs.values()], modules=[fns, "numpy"],
                            dummify=True, cse=True)
        with np.errstate(all="ignore"):
            outs = fn(*[np.asarray(point[k], dtype=float) for k in graph.inputs])
    except Exception:  # noqa: BLE001 - a formula numpy cannot hold (zoo, 10^600): mpmath
        outs = _pointwise([f, *derivs.values()], syms, point, graph, shape)
    outs = [np.broadcast_to(_real(np.asarray(o)), shape).copy() for o in outs]
    unchecked = _exact_where_not_finite(outs, [f, *derivs.values()], syms, point, graph, shape)
    if unchecked:
        phase["unchecked"] = (
            f"the symbolic formulas' float values are exactly 0 at {unchecked:,} points that "
            "were not checked in high precision, while some checked zeros were not 0 (a "
            "formula like 1 - tanh(x)^2 cancels in floats): the zeros there are unreliable; "
            "the reverse method, or fewer points, resolves them")
    return dict(zip(derivs, outs[1:])), outs[0]


MAX_POINTWISE = 1_000  # points evaluated one by one in mpmath where numpy cannot


def _pointwise(exprs: list[Any], syms: dict[str, Any], point: dict[str, Any], graph: Graph,
               shape: tuple[int, ...]) -> list[Any]:
    """The formulas at every point, one point at a time in mpmath (as at one point), where
    their numpy form fails (sympy's ``zoo`` has no numpy printer; ``1e300^2`` is an integer
    past the floats); up to ``MAX_POINTWISE`` points."""
    import numpy as np

    from ..sym import value_at

    n = int(np.prod(shape))
    if n > MAX_POINTWISE:
        raise MethodError(
            f"the symbolic formulas cannot be evaluated by numpy (they hold an infinity or a "
            f"number past the floats), and {n:,} points are more than the {MAX_POINTWISE:,} "
            "evaluated one by one; the reverse method gives every point", usage=False)
    flat = {k: np.broadcast_to(np.asarray(v, dtype=float), shape).ravel()
            for k, v in point.items()}
    outs = [np.empty(n, dtype=complex) for _ in exprs]
    for i in range(n):
        at = {syms[k]: float(flat[k][i]) for k in graph.inputs}
        for out, e in zip(outs, exprs):
            out[i] = value_at(e, at).value
    return [o.reshape(shape) for o in outs]


def _real(values: Any) -> Any:
    """A lambdified formula's values as floats: a complex value is a real number only where
    its imaginary part is 0 (log(-2) is log(2) + iπ to sympy: (-2)^(x-1)'s derivative at an
    integer x is no real number, nan as at one point), never its real part alone."""
    import numpy as np

    if not np.iscomplexobj(values):
        return np.asarray(values, dtype=float)
    return np.where(values.imag == 0, values.real, np.nan)


MAX_REEVALUATED = 2_000  # non-finite float values re-evaluated with mpmath, per formula
MAX_ZEROS = 200  # float zeros re-evaluated with mpmath, per formula


def _exact_where_not_finite(outs: list[Any], exprs: list[Any], syms: dict[str, Any],
                            point: dict[str, Any], graph: Graph, shape: tuple) -> int:
    """Where floats overflowed (sigmoid'(800) is inf/inf = nan in floats, 0 exactly) or gave
    exactly 0 (1.5 - 1.5·tanh(90)^2 cancels to 0 in floats, 4e-78 exactly), the formula is
    evaluated again with mpmath at those points (see :mod:`diffx.symeval`). Returns how many
    float zeros went unchecked in a formula where a checked one was not 0 (else 0)."""
    import numpy as np

    from ..symeval import evaluate

    grids = {k: np.broadcast_to(np.asarray(point[k], dtype=float), shape) for k in graph.inputs}
    unchecked = 0
    for out, expr in zip(outs, exprs):
        if getattr(expr, "is_zero", False):
            continue  # the formula is 0 itself
        zeros = np.argwhere(out == 0)
        bad = np.argwhere(~np.isfinite(out))[:MAX_REEVALUATED]
        wrong_zero = False
        for n, idx in enumerate(map(tuple, [*bad, *zeros[:MAX_ZEROS]])):
            v = evaluate(expr, {syms[k]: float(grids[k][idx]) for k in graph.inputs}).value
            out[idx] = v if isinstance(v, float) else np.nan
            wrong_zero |= n >= len(bad) and out[idx] != 0
        if wrong_zero and len(zeros) > MAX_ZEROS:
            unchecked = max(unchecked, len(zeros) - MAX_ZEROS)
    return unchecked
