"""Gradient checking, as the lecture teaches it: a derivative derived by hand against the
reverse sweep and central differences, relative error |a − b| / (|a| + |b|) per input.

Central differences come from :mod:`diffx.finite`, the numeric method's own step control:
the step starts at ∛ε·max(1, |x|) and shrinks while the error estimate says so; each input
records that estimate (``central_error``), and the report warns when it is too large for
central differences to judge the gradient.

Two forms:

* a diffx program with claimed formulas, which may use the program's named intermediates::

    >>> r = check("z = w*x + b; y = sigmoid(z); L = 0.5*(y - t)^2",
    ...           at={"w": 0.8, "x": 1.5, "b": -0.3, "t": 1},
    ...           claims={"w": "(y - t)*y*(1 - y)*x", "b": "(y - t)*y*(1 - y)"})
    >>> r.passed, r.worst
    (True, 'b')

* plain Python callables, the way ``torch.autograd.gradcheck`` is used on derivative code::

    >>> import math
    >>> check(lambda x: math.sin(x[0]) * x[1], lambda x: [math.cos(x[0]) * x[1], math.sin(x[0])],
    ...       at=[0.3, 2.0]).passed
    True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import DiffxError, OptionError, ParseError, PointError, option
from .finite import EPS  # noqa: F401  (one machine epsilon for numeric and check)
DEFAULT_THRESHOLD = 1e-6  # the notes: "the relative error should be very small, e.g. 1e-6"
SWEEP_STEPS = tuple(10.0**-k for k in range(1, 14))  # 1e-1 ... 1e-13


def symmetric_relative_error(a: float, b: float) -> float:
    """The gradient check's error (the lecture's formula): |a − b| / (|a| + |b|), symmetric
    in a and b, at most 1; 0 when both are 0; 1 (the largest) when either is not finite,
    even when both are the same infinity: a non-finite derivative never agrees. (Errors
    against a reference, |v − r| / |r|, are :func:`diffx.result.errors_against_reference`.)"""
    if not (math.isfinite(a) and math.isfinite(b)):
        return 1.0
    if a == b:
        return 0.0
    return abs(a - b) / (abs(a) + abs(b))


@dataclass
class CheckedInput:
    name: str
    claimed: float | None  # the hand-derived value (a claim, or the callable's gradient)
    reverse: float | None  # the reverse sweep (programs only)
    central: float  # central differences in double precision
    error: float  # the worst relative error among the comparisons made
    errors: dict[str, float] = field(default_factory=dict)  # "claim vs reverse": 1e-17, ...
    passed: bool = True
    central_error: float | None = None  # the error estimate of the central difference


@dataclass
class SweepPoint:
    step: float
    error: float  # worst relative error over the inputs of central differences at this step


@dataclass
class CheckReport:
    what: str
    point: Any
    threshold: float
    inputs: list[CheckedInput]
    passed: bool
    worst: str | None
    advice: list[str] = field(default_factory=list)
    sweep: list[SweepPoint] | None = None
    best_step: float | None = None
    warnings: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed


# ---------------------------------------------------------------- shared pieces ----------------

def _along(f: Callable[[list[float]], float], x: list[float], k: int) -> Any:
    """f as a function of its k-th argument, the form :mod:`diffx.finite` calls."""
    import numpy as np

    def fn(xs: Any, idx: Any) -> Any:
        out = []
        for v in xs:
            moved = list(x)
            moved[k] = float(v)
            out.append(f(moved))
        return np.array(out, dtype=float)
    return fn


def _central(f: Callable[[list[float]], float], x: list[float], k: int, h: float) -> float:
    """One central difference at step h (exactly representable)."""
    import numpy as np

    from . import finite

    d, _, _ = finite.difference(_along(f, x, k), np.array([x[k]]), np.array([np.nan]),
                                np.array([h]), np.array([0]), "central")
    return float(d[0])


def _central_search(f: Callable[[list[float]], float], x: list[float], k: int,
                    f0: float) -> tuple[float, float]:
    """The central difference and its error estimate, by the numeric method's step rule."""
    import numpy as np

    from . import finite

    res = finite.search(_along(f, x, k), np.array([x[k]]), np.array([f0]), "central")
    return float(res.derivative[0]), float(res.error[0])


def _judge(name: str, claimed: float, central: float, c_err: float, threshold: float,
           errors: dict[str, float]) -> bool:
    """A comparison with central differences passes when the relative error is within the
    threshold, or when the two differ by no more than the central difference's own error
    estimate: central differences cannot refute what they cannot resolve."""
    err = errors[name]
    return err <= threshold or (math.isfinite(claimed) and math.isfinite(central)
                                and abs(claimed - central) <= c_err)


def _central_warning(report: CheckReport) -> None:
    for c in report.inputs:
        err = c.central_error if c.central_error is not None else math.nan
        if not (math.isfinite(c.central) and err <= report.threshold * abs(c.central)):
            report.warnings.append(
                f"input {c.name}: central differences give {_g(c.central)} with an error "
                f"estimate of {err:.2g}, more than the threshold {report.threshold:g} allows "
                "(relative): they cannot judge the gradient here; compare with the reverse "
                "sweep, or check at another point")


def _finish(report: CheckReport, f: Callable[[list[float]], float], x: list[float],
            names: list[str], sweep: bool) -> CheckReport:
    report.passed = all(c.passed for c in report.inputs)
    if report.inputs:
        report.worst = max(report.inputs, key=lambda c: c.error).name
    # the sweep is measured against the exact reverse sweep when there is one
    references = [c.reverse if c.reverse is not None else c.claimed for c in report.inputs]
    if sweep or not report.passed:
        spread = _step_spread(f, x, names, report)
        if not report.passed:
            report.advice = _advice(report, spread)
    if sweep:
        points = []
        for h in SWEEP_STEPS:
            worst = 0.0
            for k, c in enumerate(report.inputs):
                idx = names.index(c.name)
                ref = references[k]
                if ref is None:
                    continue
                d = _central(f, x, idx, h * max(1.0, abs(x[idx])))
                worst = max(worst, symmetric_relative_error(d, ref))
            points.append(SweepPoint(h, worst))
        report.sweep = points
        best = min(points, key=lambda p: p.error)
        report.best_step = best.step
    return report


def _step_spread(f: Callable[[list[float]], float], x: list[float], names: list[str],
                 report: CheckReport) -> dict[str, float]:
    """How much central differences move when the step is 10× larger or smaller."""
    import numpy as np

    from . import finite

    spread = {}
    for c in report.inputs:
        k = names.index(c.name)
        h = float(finite.standard_step(np.array(x[k]), "central"))
        values = [_central(f, x, k, h * s) for s in (10.0, 1.0, 0.1)]
        spread[c.name] = max(symmetric_relative_error(a, b) for a in values for b in values)
    return spread


def _advice(report: CheckReport, spread: dict[str, float]) -> list[str]:
    out = []
    for c in report.inputs:
        if c.passed:
            continue
        said = c.claimed if c.claimed is not None else c.reverse
        lines = [f"input {c.name}: the gradient says {_g(said)}, central differences say "
                 f"{_g(c.central)}"]
        if c.reverse is not None and c.claimed is not None:
            lines.append(f"the reverse sweep says {_g(c.reverse)}")
        text = ", ".join(lines) + f" (relative error {c.error:.1e})."
        moved = spread.get(c.name, 0.0)
        if moved < c.error / 100:
            text += (f" The step is not the problem: central differences agree with themselves "
                     f"to {moved:.0e} at 10× larger and smaller steps, so the gradient is likely "
                     "wrong.")
        else:
            text += (f" The step may be the problem: central differences change by {moved:.0e} "
                     f"when the step changes 10×; look at the sweep ({option('sweep')}) for a "
                     "better step.")
        out.append(text)
    return out


def _g(x: float | None) -> str:
    return "nothing" if x is None else f"{x:.10g}"


# ---------------------------------------------------------------- programs --------------------

def check(f_or_source: Any, grad: Callable[..., Any] | None = None, at: Any = None, *,
          claims: Mapping[str, str] | list[str] | None = None,
          threshold: float = DEFAULT_THRESHOLD, sweep: bool = False) -> CheckReport:
    """Check a gradient; see the module docstring for the two forms."""
    if not isinstance(threshold, int | float) or not threshold > 0:
        raise OptionError(f"{option('threshold')} must be a positive number, got "
                          f"{threshold!r}", param="threshold")
    if callable(f_or_source):
        if grad is None or not callable(grad):
            raise OptionError("check(f, grad, at): grad must be a callable returning the "
                              "gradient")
        return _check_callables(f_or_source, grad, at, threshold, sweep)
    if at is None:
        raise OptionError(f"a gradient check needs a point: give {option('at')}", param="at")
    return _check_program(f_or_source, at, claims, threshold, sweep)


def _parse_claims(claims: Mapping[str, str] | list[str] | None) -> dict[str, str]:
    if claims is None:
        return {}
    if isinstance(claims, Mapping):
        return dict(claims)
    out: dict[str, str] = {}
    for text in claims:
        name, eq, formula = str(text).partition("=")
        name, formula = name.strip(), formula.strip()
        if not eq or not name.isidentifier() or not formula:
            raise OptionError(f"{option('claims')} {text!r}: write it as input = formula, "
                              f"e.g. {option('claims')} \"w = (y - t)*y*(1 - y)*x\"",
                              param="claims")
        if name in out:
            raise OptionError(f"{option('claims')} gives {name!r} twice", param="claims")
        out[name] = formula
    return out


def _check_program(source: Any, at: Any, claims: Any, threshold: float,
                   sweep: bool) -> CheckReport:
    from . import api, evaluation
    from .parser import parse

    graph = parse(source)
    claimed = _parse_claims(claims)
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

    values = {name: _claim_value(graph, name, formula, point)
              for name, formula in claimed.items()}
    checked = []
    f0 = f(x)
    for name in (list(claimed) or names):
        k = names.index(name)
        c, c_err = _central_search(f, x, k, f0)
        rev = reverse.gradient[name]
        errors: dict[str, float] = {}
        if name in values:
            errors["claim vs reverse"] = symmetric_relative_error(values[name], rev)
            errors["claim vs central"] = symmetric_relative_error(values[name], c)
            ok = errors["claim vs reverse"] <= threshold and _judge(
                "claim vs central", values[name], c, c_err, threshold, errors)
        else:
            errors["reverse vs central"] = symmetric_relative_error(rev, c)
            ok = _judge("reverse vs central", rev, c, c_err, threshold, errors)
        worst = max(errors.values())
        checked.append(CheckedInput(name, values.get(name), rev, c, worst, errors, ok, c_err))
    report = CheckReport(graph.source, point, threshold, checked, True, None,
                         warnings=list(reverse.warnings))
    _central_warning(report)
    return _finish(report, f, x, names, sweep)


def _claim_value(graph: Any, name: str, formula: str, point: dict[str, float]) -> float:
    """A claimed formula evaluated in the program's context (its names are usable)."""
    from . import evaluation
    from .parser import parse

    try:
        alone = parse(formula)
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
    combined = parse(f"{graph.source}\n{label} = {formula}")
    used = {n: point[n] for n in combined.inputs}
    vals, _ = evaluation.evaluate(combined, used, False)
    return float(vals[combined.output])


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
        raise OptionError(f"grad(at) did not give one number per input: {exc}") from None
    if len(analytic) != len(x):
        raise OptionError(f"grad(at) gave {len(analytic)} numbers for {len(x)} inputs")
    checked = []
    f0 = f_list(x)
    for k, name in enumerate(names):
        c, c_err = _central_search(f_list, x, k, f0)
        errors = {"gradient vs central": symmetric_relative_error(analytic[k], c)}
        ok = _judge("gradient vs central", analytic[k], c, c_err, threshold, errors)
        checked.append(CheckedInput(name, analytic[k], None, c, errors["gradient vs central"],
                                    errors, ok, c_err))
    what = getattr(f, "__name__", "f")
    report = CheckReport(what, at, threshold, checked, True, None)
    _central_warning(report)
    return _finish(report, f_list, x, names, sweep)
