"""The gradient check's verdict: its report, the relative error it is judged by, central
differences along one input, and the warning and advice a failed check gives.

A comparison passes when the symmetric relative error |a − b| / (|a| + |b|) is within the
threshold, or when a hand-derived value and central differences differ by no more than the
central difference's own error estimate (the error reported is then the part beyond that
estimate: a PASS never shows an error above the threshold). A claim is judged against the
reverse sweep, the reference. A failed check says whether the step or the gradient
is to blame: central differences that agree with themselves at 10× larger and smaller steps
point at the gradient. With ``sweep``, the error at each step 1e-1 ... 1e-13 is measured
against the exact reverse sweep (or the claim) and the best step is kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import option

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
    by: str = ""  # the comparison that decided (its relative error is ``error``)
    #: the derivative (or f) is beyond the float range here: floats cannot check it
    too_large: bool = False


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
    #: what makes the point doubtful (:func:`diffx.compare.masked_singularities`): a value not
    #: finite at a singularity that a later operation masks, so the derivative there may not
    #: exist; ``passed`` then says only that the comparisons agree, which is no evidence
    doubtful: list[str] = field(default_factory=list)
    #: where f has no value at the point, in exact arithmetic too (:mod:`diffx.undefined`):
    #: the sentence that says so; there is no gradient to check, and the check fails
    no_derivative: str | None = None
    #: where f or a derivative is beyond the float range at the point (defined in exact
    #: arithmetic, an infinity in floats): the sentence that says so; those inputs cannot be
    #: checked in floats, and the check fails (:func:`too_large`)
    too_large: str | None = None

    def __bool__(self) -> bool:
        return self.passed


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


def central_search(f: Callable[[list[float]], float], x: list[float], k: int,
                    f0: float, noise: Callable[[float], float] | None = None
                    ) -> tuple[float, float]:
    """The central difference and its error estimate, by the numeric method's step rule (nan
    where f is not finite at the point: :func:`diffx.finite.blind`); ``noise(h)``: f's known
    rounding error at the step h chosen (a program's: :func:`diffx.methods.numeric_noise.f_noise`),
    which the estimate is raised to cover, as the numeric method's is."""
    import numpy as np

    from . import finite

    if finite.blind(f0):
        return math.nan, math.nan
    res = finite.search(_along(f, x, k), np.array([x[k]]), np.array([f0]), "central")
    if noise is not None and res.step[0] > 0:
        res = finite.noise_floor(res, np.array([noise(float(res.step[0]))]), "central")
    return float(res.derivative[0]), float(res.error[0])


def judge(name: str, claimed: float, central: float, c_err: float, threshold: float,
           errors: dict[str, float]) -> bool:
    """A comparison with central differences passes when the relative error is within the
    threshold, or when the two differ by no more than the central difference's own error
    estimate: central differences cannot refute what they cannot resolve."""
    err = errors[name]
    return err <= threshold or (math.isfinite(claimed) and math.isfinite(central)
                                and abs(claimed - central) <= c_err)


def verdict_error(value: float, central: float, c_err: float, errors: dict[str, float],
                  threshold: float) -> float:
    """The relative error a comparison with central differences is judged by: the plain one,
    except where the two differ by no more than the central difference's own error estimate
    (it passes then): the part of the difference beyond that estimate, which is within the
    threshold. A PASS never shows an error above the threshold."""
    err = max(errors.values())
    if err <= threshold or not (math.isfinite(value) and math.isfinite(central)):
        return err
    if abs(value - central) > c_err:
        return err
    return min(err, max(0.0, abs(value - central) - c_err) / (abs(value) + abs(central)))


def beyond(errors: dict[str, float], error: float, c_err: float) -> str:
    """What the verdict's error measures when :func:`verdict_error` discounted the estimate."""
    if error == max(errors.values()):
        return ""
    if c_err == math.inf:  # (they could not judge: a warning says why)
        return ", which cannot judge it here"
    return f", beyond the central difference's error estimate ±{c_err:.2g}"


def too_large(report: CheckReport, state: str, at_kink: Callable[[], bool]) -> None:
    """Mark the inputs floats cannot check: every one where f is not finite in floats but is
    in exact arithmetic (``state`` ``"defined"``, :func:`diffx.undefined.status`), else each
    whose reverse-sweep derivative is infinite while f is finite: an overflow, unless the
    point is at a kink (``at_kink()``: sqrt at 0, whose slope is truly infinite)."""
    if report.doubtful:
        return
    if state == "defined":
        marked = report.inputs
        report.too_large = ("f is not finite in floats at this point, though it is in exact "
                            "arithmetic (it overflows, or infinities cancel): floats cannot "
                            "check its derivatives here")
    else:
        marked = [c for c in report.inputs if c.reverse is not None and math.isinf(c.reverse)]
        if marked and at_kink():
            marked = []
        if marked:
            names = ", ".join(c.name for c in marked)
            report.too_large = (f"the derivative with respect to {names} is beyond the float "
                                "range at this point (the reverse sweep overflowed to "
                                f"{_g(marked[0].reverse)}): floats cannot check it here")
    for c in marked:  # (no error is measured: nan, null in JSON)
        c.too_large, c.passed, c.error = True, False, math.nan
        c.errors = {k: math.nan for k in c.errors}


def central_warning(report: CheckReport) -> None:
    for c in report.inputs:
        if c.too_large or c.central_error == math.inf and math.isfinite(c.central):
            continue  # (the verdict, or the caller's warning, says why)
        err = c.central_error if c.central_error is not None else math.nan
        if not math.isfinite(c.central):
            report.warnings.append(
                f"input {c.name}: central differences are not finite here ({_g(c.central)}: "
                "f is not finite at the point or beside it), so they cannot judge the gradient; "
                "compare with the reverse sweep, or check at another point")
        elif not err <= report.threshold * abs(c.central):
            report.warnings.append(
                f"input {c.name}: central differences give {_g(c.central)} with an error "
                f"estimate of {err:.2g}, more than the threshold {report.threshold:g} allows "
                "(relative): they cannot judge the gradient here; compare with the reverse "
                "sweep, or check at another point")


def finish(report: CheckReport, f: Callable[[list[float]], float], x: list[float],
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
    if report.doubtful or report.no_derivative:  # no derivative (may) exist here: neither a
        return []  # step nor the claim is to blame (the point's own line says so)
    out = []
    for c in report.inputs:
        if c.passed or c.too_large:
            continue
        said = c.claimed if c.claimed is not None else c.reverse
        if c.by != "claim vs reverse" and not math.isfinite(c.central):
            continue  # central differences cannot judge here (their warning says so)
        if c.by == "claim vs reverse":  # the reference disagrees: central differences aside
            out.append(f"input {c.name}: the claim says {_g(c.claimed)}, the reverse sweep (the "
                       f"reference, recomputed exactly where floats lose digits) says "
                       f"{_g(c.reverse)} (relative error {c.error:.1e} > "
                       f"{report.threshold:g}), so the gradient is likely wrong: check the claimed "
                       "formula.")
            continue
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
