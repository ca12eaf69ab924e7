"""Gradient checking, as the lecture teaches it: a derivative derived by hand against the
reverse sweep and central differences, relative error |a − b| / (|a| + |b|) per input.

Central differences come from :mod:`diffx.finite`, the numeric method's own step control:
the step starts at ∛ε·max(1, |x|) and shrinks while the error estimate says so; each input
records that estimate (``central_error``), and the report warns when it is too large for
central differences to judge the gradient. The report, the verdict and the advice are
diffx.check_verdict's; here are the two ways in.

Two forms:

* a diffx program with claimed formulas, which may use the program's named intermediates::

    >>> r = check("z = w*x + b; y = sigmoid(z); L = 0.5*(y - t)^2",
    ...           at={"w": 0.8, "x": 1.5, "b": -0.3, "t": 1},
    ...           claims={"w": "(y - t)*y*(1 - y)*x", "b": "(y - t)*y*(1 - y)"})
    >>> r.passed, r.worst, r.inputs[0].by
    (True, 'w', 'claim vs reverse')

  A claim is judged against the reverse sweep, the reference (recomputed exactly where the
  float sweep lost digits), and evaluated in mpmath from the same floats, so that its own
  rounding is not blamed on it (``1 - tanh(x)^2`` at 14.5 is 2.8e-5 off in floats; a warning
  says so); central differences can still refute it where they resolve the derivative.

* plain Python callables, the way ``torch.autograd.gradcheck`` is used on derivative code::

    >>> import math
    >>> check(lambda x: math.sin(x[0]) * x[1], lambda x: [math.cos(x[0]) * x[1], math.sin(x[0])],
    ...       at=[0.3, 2.0]).passed
    True
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

from .check_claims import parse_scalar_claims
from .check_verdict import (CheckedInput, CheckReport, central_search, central_warning, finish,
                            beyond, judge, symmetric_relative_error, too_large,
                            verdict_error)
from .errors import DiffxError, OptionError, ParseError, PointError, option
from .methods.numeric_noise import f_noise
from .finite import EPS  # noqa: F401  (one machine epsilon for numeric and check)

DEFAULT_THRESHOLD = 1e-6  # the notes: "the relative error should be very small, e.g. 1e-6"


# ---------------------------------------------------------------- programs --------------------

def check(f_or_source: Any, grad: Callable[..., Any] | None = None, at: Any = None, *,
          claims: Mapping[str, str] | list[str] | None = None,
          threshold: float = DEFAULT_THRESHOLD, sweep: bool = False,
          shapes: Any = None) -> CheckReport:
    """Check a gradient; see the module docstring for the two forms. A vector program
    (vectors and matrices, ``shapes=`` as in :func:`diffx.grad`) takes matrix claims: see
    :mod:`diffx.check_vectors`."""
    if not isinstance(threshold, int | float) or not threshold > 0:
        raise OptionError(f"{option('threshold')} must be a positive number, got "
                          f"{threshold!r}", param="threshold")
    if callable(f_or_source) and (grad is not None or claims is None and at is None):
        if grad is None or not callable(grad):
            raise OptionError("check(f, grad, at): grad must be a callable returning the "
                              "gradient (or, to check the traced function, give at= alone "
                              "or with claims=)")
        return _check_callables(f_or_source, grad, at, threshold, sweep)
    # a function without grad is traced at ``at`` and checked as a program
    if at is None:
        raise OptionError(f"a gradient check needs a point: give {option('at')}", param="at")
    from .check_vectors import check_vector_program, vector_program

    vector = vector_program(f_or_source, at, shapes)
    if vector is not None:
        program, declared = vector
        return check_vector_program(program, declared, at, claims, threshold, sweep)
    return _check_program(f_or_source, at, claims, threshold, sweep)


def _check_program(source: Any, at: Any, claims: Any, threshold: float,
                   sweep: bool) -> CheckReport:
    from . import api, evaluation
    from .tracing import graph_of

    graph = graph_of(source, at)  # a Python function is traced at ``at``
    claimed = parse_scalar_claims(claims)
    for name in claimed:
        if name not in graph.input_nodes:
            raise OptionError(f"{option('claims')} {name}: '{name}' is not an input of the "
                              f"program (the inputs are: {', '.join(graph.inputs) or 'none'})",
                              param="claims")
    reverse = api.grad(graph, at=at, method="reverse")
    if reverse.point is None or any(not isinstance(v, float) for v in reverse.point.values()):
        raise PointError(f"a gradient check works at one point: give single values in "
                         f"{option('at')}")
    point: dict[str, float] = reverse.point
    names = list(graph.inputs)
    x = [point[n] for n in names]

    def f(values: list[float]) -> float:
        vals, _ = evaluation.evaluate(graph, dict(zip(names, values)), False)
        return float(vals[graph.output])

    floats: dict[str, float] = {}
    values: dict[str, float] = {}
    for name, formula in claimed.items():
        floats[name], values[name] = _claim_value(graph, name, formula, point)
    checked = []
    f0 = f(x)
    exact_f = reverse.value  # (the exact re-run's, where f's floats lost precision)
    off = isinstance(exact_f, float) and math.isfinite(exact_f) and math.isfinite(f0) and \
        symmetric_relative_error(f0, exact_f) > threshold
    from .diagnose import kink_warnings

    # at a kink central differences average the one-sided slopes (relu at 0: 1/2), where
    # every other method takes the convention's value (0): they cannot judge it there
    swept = getattr(reverse.details, "values", None)  # (the sweep's forward values)
    kink = bool(kink_warnings(graph, swept if swept is not None else
                              evaluation.evaluate(graph, point, False)[0], tuple(names)))
    for name in (list(claimed) or names):
        k = names.index(name)
        c, c_err = central_search(f, x, k, f0, functools.partial(f_noise, graph, point, name))
        if off or kink:  # they differentiate f as the floats compute it, which is off
            c_err = math.inf  # here, or straddle a kink
        rev = reverse[name]  # grad raised if the sweep gave no gradient
        errors: dict[str, float] = {}
        if name in values:
            errors["claim vs reverse"] = symmetric_relative_error(values[name], rev)
            errors["claim vs central"] = symmetric_relative_error(values[name], c)
            # the reverse sweep (exact where the float sweep lost digits) is the reference;
            # central differences can still refute a claim where they resolve the derivative
            ok, by, worst = errors["claim vs reverse"] <= threshold, "claim vs reverse", \
                errors["claim vs reverse"]
            if ok and not judge("claim vs central", values[name], c, c_err, threshold, errors):
                ok, by, worst = False, "claim vs central", errors["claim vs central"]
        else:
            errors["reverse vs central"] = symmetric_relative_error(rev, c)
            ok = judge("reverse vs central", rev, c, c_err, threshold, errors)
            worst = verdict_error(rev, c, c_err, errors, threshold)
            by = "reverse vs central" + beyond(errors, worst, c_err)
        checked.append(CheckedInput(name, values.get(name), rev, c, worst, errors, ok, c_err,
                                    by))
    from .compare import masked_singularities

    report = CheckReport(graph.source, point, threshold, checked, True, None,
                         warnings=list(reverse.warnings),
                         doubtful=masked_singularities(graph, point))
    if kink:
        report.warnings.append(
            "at a kink central differences average the one-sided slopes, while the gradient "
            "takes the convention's value (docs/conventions.md): they cannot judge it at "
            "this point; the reverse sweep is the reference")
    if off:
        report.warnings.append(
            f"central differences differentiate f as the floats compute it, and those are off "
            f"here (f = {f0:.10g} in floats, {exact_f:.10g} in exact arithmetic): they cannot "
            "judge the gradient at this point; the reverse sweep, re-run exactly, is the "
            "reference")
    for name in values:
        if math.isfinite(values[name]) and \
                symmetric_relative_error(floats[name], values[name]) > threshold / 10:
            report.warnings.append(
                f"input {name}: the claimed formula loses digits in floats here: it gives "
                f"{floats[name]:.10g} in double precision, {values[name]:.10g} in exact "
                "arithmetic (mpmath); the check uses the exact value")
    from . import undefined

    state = undefined.status(graph, point, f0)  # (one exact pass, when f is not finite)
    said = undefined.warning(state, graph, f0)
    report.no_derivative = said if state == "undefined" else None
    if report.no_derivative is None:
        if said:  # (too big to check exactly: it may have no derivative)
            report.warnings.append(said)
        too_large(report, state, lambda: kink)
        central_warning(report)
        return finish(report, f, x, names, sweep)
    # nothing to check: no input's derivative exists (central differences straddle the pole,
    # and what they give is no derivative either); every input fails, said once
    report.warnings = [w for w in report.warnings if w != report.no_derivative]
    for entry in report.inputs:
        entry.passed, entry.central, entry.error = False, math.nan, math.nan
        entry.errors = {k: math.nan for k in entry.errors}
    report = finish(report, f, x, names, False)  # (no step sweep: no derivative to meet)
    report.passed = False
    return report


def _claim_value(graph: Any, name: str, formula: str, point: dict[str, float]
                 ) -> tuple[float, float]:
    """A claimed formula evaluated in the program's context (its names are usable): in
    floats, and in mpmath from the same floats (the formula's own rounding is no error of the
    claim: ``1 - tanh(x)^2`` at 14.5 is 2.8e-5 off in floats)."""
    from . import evaluation
    from .program import parse_graph

    try:
        alone = parse_graph(formula)
    except ParseError as exc:
        raise DiffxError(f"{option('claims')} {name}: {exc}", param="claims") from None
    if alone.n_statements != 1 or alone.assigned:
        raise OptionError(f"{option('claims')} {name}: a claim is one formula, without '=' "
                          f"or ';' (got {formula!r})", param="claims")
    unknown = [n for n in alone.inputs if n not in graph.input_nodes and n not in graph.assigned]
    if unknown:
        raise OptionError(f"{option('claims')} {name} uses '{unknown[0]}', which is neither an "
                          "input nor a name assigned in the program", param="claims")
    label = "claim_"
    while label in graph.assigned or label in graph.input_nodes:
        label += "_"
    combined = parse_graph(f"{graph.source}\n{label} = {formula}")
    used = {n: point[n] for n in combined.inputs}
    vals, _ = evaluation.evaluate(combined, used, False)
    value = float(vals[combined.output])
    return value, exact_value(combined, used, value)


def exact_value(graph: Any, point: dict[str, float], fallback: float) -> float:
    """The output at ``point`` in mpmath, at 50, 100, ... digits until two runs agree to 25
    digits; ``fallback`` (the float value) when they do not or mpmath cannot."""
    import mpmath

    from . import engine

    previous = None
    for digits in (50, 100, 200, 400, 800):
        try:
            with mpmath.workdps(digits):
                v = engine.forward(graph, {k: mpmath.mpf(x) for k, x in point.items()},
                                   "mpmath")[graph.output]
        except (ArithmeticError, ValueError, TypeError):
            return fallback
        if not isinstance(v, mpmath.mpf) or not mpmath.isfinite(v):
            return fallback
        if previous is not None and abs(v - previous) <= mpmath.mpf(10) ** -25 * abs(v):
            return float(v)
        previous = v
    return fallback


# ---------------------------------------------------------------- plain callables -------------

def _check_callables(f: Callable[..., Any], grad: Callable[..., Any], at: Any, threshold: float,
                     sweep: bool) -> CheckReport:
    import numpy as np

    if at is None:
        raise OptionError("check(f, grad, at): give the point at which to check")
    if isinstance(at, Mapping):
        names = list(at)
        try:
            x = [float(at[n]) for n in names]
        except (TypeError, ValueError):
            raise OptionError(f"check(f, grad, at): the values of at must be numbers, got "
                              f"{at!r}") from None

        def call(fn: Callable[..., Any], values: list[float]) -> Any:
            return fn(**dict(zip(names, values)))

        def as_list(g: Any) -> list[float]:
            if isinstance(g, Mapping):
                return [float(g[n]) for n in names]
            return [float(v) for v in np.ravel(g)]
    else:
        try:
            arr = np.asarray(at, dtype=float)
        except (TypeError, ValueError):
            raise OptionError(f"check(f, grad, at): at must be a number, a sequence of numbers "
                              f"or a dict of them, not {at!r}") from None
        scalar = arr.ndim == 0
        if scalar:
            _refuse_one_number(f, at)
        names = ["x"] if scalar else [f"x[{i}]" for i in range(arr.size)]
        x = [float(v) for v in arr.ravel()]
        shape = arr.shape

        def call(fn: Callable[..., Any], values: list[float]) -> Any:
            return fn(values[0] if scalar else np.asarray(values).reshape(shape))

        def as_list(g: Any) -> list[float]:
            return [float(v) for v in np.ravel(np.asarray(g, dtype=float))]

    def f_list(values: list[float]) -> float:
        return float(call(f, values))

    try:
        analytic = as_list(call(grad, x))
    except (TypeError, ValueError, KeyError) as exc:
        if not isinstance(at, Mapping) and len(x) == 1 and _indexes(exc):
            raise _one_number(at, f"grad indexes its argument ({exc})") from None
        raise OptionError(f"grad(at) did not give one number per input: {exc}") from None
    if len(analytic) != len(x):
        raise OptionError(f"grad(at) gave {len(analytic)} numbers for {len(x)} inputs")
    checked = []
    try:
        f0 = f_list(x)
    except TypeError as exc:
        if not isinstance(at, Mapping) and len(x) == 1 and _indexes(exc):
            raise _one_number(at, f"f indexes its argument ({exc})") from None
        raise
    for k, name in enumerate(names):
        c, c_err = central_search(f_list, x, k, f0)
        errors = {"gradient vs central": symmetric_relative_error(analytic[k], c)}
        ok = judge("gradient vs central", analytic[k], c, c_err, threshold, errors)
        checked.append(CheckedInput(name, analytic[k], None, c, verdict_error(
            analytic[k], c, c_err, errors, threshold), errors, ok, c_err, "gradient vs central"))
        checked[-1].by += beyond(errors, checked[-1].error, c_err)
    what = getattr(f, "__name__", "f")
    report = CheckReport(what, at, threshold, checked, True, None)
    central_warning(report)
    return finish(report, f_list, x, names, sweep)


def _refuse_one_number(f: Callable[..., Any], at: Any) -> None:
    """A bare number ``at`` for an ``f`` of several required arguments cannot work: say what
    to pass instead, before calling anything."""
    import inspect

    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):  # builtins without a signature: let the call decide
        return
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    needed = [p.name for p in params if p.kind in kinds and p.default is p.empty]
    if len(needed) > 1:
        raise _one_number(at, f"f takes {len(needed)} arguments ({', '.join(needed)})",
                          {n: "<value>" for n in needed})


def _indexes(exc: BaseException) -> bool:
    """Whether ``exc`` is a number being indexed or unpacked like a list of inputs."""
    text = str(exc)
    return "subscriptable" in text or "not iterable" in text or "has no len" in text


def _one_number(at: Any, why: str, by_name: dict[str, str] | None = None) -> OptionError:
    example = ("{" + ", ".join(f"{n!r}: {v}" for n, v in by_name.items()) + "}"
               if by_name else "[x0, x1, ...]")
    kind = "a dict of values by argument name" if by_name else "a list of values, one per input"
    return OptionError(f"check(f, grad, at): at={at!r} is one number, but {why}; for a "
                       f"function of several inputs pass {kind}: at={example}", param="at")
