"""The numeric method: finite differences, one input at a time.

Schemes (``scheme=``); the step control is in :mod:`diffx.finite` (its docstring states the
rule, which ``diffx.check`` uses too):

* ``central``   (f(x+h) - f(x-h)) / 2h: error O(h²) + O(ε/h); the step starts at
  h = ∛ε·max(1, |x|) and shrinks while the Richardson estimate of the error says so;
* ``forward``   (f(x+h) - f(x)) / h, from h = √ε·max(1, |x|): error O(h) + O(ε/h);
* ``backward``  (f(x) - f(x-h)) / h, likewise;
* ``richardson`` Ridders' extrapolation of central differences over shrinking steps, which
  cancels the h², h⁴, ... error terms and estimates the error from the tableau; it starts
  at the length scale the central search measured;
* ``complex``   Im f(x + ih) / h with h = 1e-20: no subtraction, so no cancellation, but only
  for complex-analytic functions (it refuses abs, relu, max, min).

``step=`` fixes the step (no search); its error estimate compares the result at h with the
result at 2h (``estimate=False`` skips those extra evaluations: one step, rounding error
only). A step below the resolution of x is an error. Every scheme reports its error
estimate (``details.error_estimate``) and warns when it is large.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from .. import evaluation
from ..details import NumericDetails
from ..errors import OptionError, option
from ..graph import Graph
from ..result import Gradient
from .base import Evaluated, MethodError, new_result, register, to_python
from .numeric_noise import cancellation, noise_at_ends, rounding_noise, tangent_rounding
from .numeric_warnings import Sides, at_points, large, past_period, unresolved
from .numeric_warnings import kinks_within_steps as _kinks_within_steps

EPS = 2.0**-52
SCHEMES = ("central", "forward", "backward", "richardson", "complex")
COMPLEX_STEP = 1e-20


@register("numeric", {"scheme": "central", "step": None, "estimate": True},
          "finite differences: forward, backward, central, Richardson, complex step",
          variants=tuple({"scheme": s} for s in ("forward", "backward", "central", "richardson",
                                                  "complex")))
def run(graph: Graph, wrt: tuple[str, ...], point: dict[str, Any] | None, arrays: bool,
        evaluated: Evaluated | None, scheme: str, step: float | None, estimate: bool
        ) -> Gradient:
    if scheme not in SCHEMES:
        raise OptionError(f"unknown scheme {scheme!r}; the schemes are: {', '.join(SCHEMES)}")
    if step is not None:
        try:
            step = float(step)
        except (TypeError, ValueError):
            raise OptionError(f"{option('step')} must be a number, got {step!r}",
                              param="step") from None
        if not (math.isfinite(step) and step > 0):
            raise OptionError(f"{option('step')} must be a positive number, got {step!r}",
                              param="step")
    if point is None:
        raise MethodError(f"needs a point: add {option('at')} "
                          + (",".join(f"{k}=..." for k in graph.inputs) or "..."))
    if scheme == "complex":
        _check_analytic(graph, wrt)
    elif step is not None:
        _check_resolution(point, wrt, step)
    result = new_result("numeric", graph, wrt, point)
    counter = _Counter(graph, arrays)
    start = time.perf_counter()
    shared = evaluated or Evaluated(graph, point, arrays)  # the runner's pass, if it made one
    with _quiet():
        vals, ns = shared.forward()  # f and every node, once
        counter.count += 1
        f0 = float(vals[graph.output]) if ns == "numpy" and not arrays else vals[graph.output]
        kinks = shared.kinks(wrt)
        gradient: dict[str, Any] = {}
        steps: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        notes: list[str] = []
        for w in wrt:
            d, h, err, more = _derivative(counter, point, w, f0, scheme, step, estimate,
                                          bool(kinks), (vals, ns, wrt))
            gradient[w], steps[w], errors[w] = to_python(d), to_python(h), to_python(err)
            notes += [f"∂/∂{w}: {m}" for m in more]
    result.seconds = time.perf_counter() - start
    result.gradient = gradient
    result.value = to_python(f0.real if isinstance(f0, complex) else f0)
    result.cost = {"evaluations": counter.count, "operations": counter.count * graph.n_evaluated}
    result.details = NumericDetails(scheme=scheme, step=steps, error_estimate=errors)
    # the runner adds the point's warnings (non-finite values, kinks); a kink within a step
    # of the point, not at it, is this method's to say
    if scheme != "complex" and not kinks:
        with _quiet():
            result.warnings += _kinks_within_steps(graph, point, wrt, steps, arrays)
    result.warnings += notes
    blind = _blind_to_the_point(gradient, f0, arrays, scheme)  # every derivative nan there
    if not arrays and isinstance(f0, float) and math.isinf(f0) and _value_overflowed(graph, vals):
        # one sentence for it, the overflow's, beside the overflow's own warning
        blind = [f"∂/∂{', ∂/∂'.join(wrt)}: finite differences need f's values near the point, "
                 f"and f is {f0} there in floats (an intermediate value is past the float "
                 "range), so the differences are not finite; the reverse method re-runs such a "
                 "point in high-precision arithmetic"]
    result.warnings += blind
    return result



def _blind_to_the_point(gradient: dict[str, Any], f0: Any, arrays: bool,
                        scheme: str) -> list[str]:
    """Where f is not finite at the point itself, no difference is a derivative there
    (:func:`diffx.finite.blind`): each becomes nan, and a warning says why."""
    import numpy as np

    from .. import finite

    if np.iscomplexobj(f0):
        return []
    blind = finite.blind(f0)
    if not np.any(blind):
        return []
    told = []
    for w, d in gradient.items():
        got = np.asarray(d, dtype=float)
        mask = np.broadcast_to(blind, np.broadcast_shapes(blind.shape, got.shape)) & \
            ~np.isnan(got)
        if not np.any(mask):
            continue
        fixed = np.where(mask, np.nan, got)
        gradient[w] = to_python(fixed) if arrays else math.nan
        where = f" at {int(mask.sum()):,} of {mask.size:,} points" if arrays else ""
        told.append(f"∂/∂{w} ({scheme} differences): f is not finite at the point "
                    f"itself{where}, so no difference gives a derivative there (one through "
                    "f(x) is infinite by that alone, one across it sees only f at x ± h): nan")
    return told


def _value_overflowed(graph: Graph, vals: Sequence[Any]) -> bool:
    """Whether a value overflowed at finite, nonzero arguments (not a pole: log(0))."""
    from .. import value_audit
    from ..exact import point_values

    V = point_values(graph, vals)
    fault = value_audit.range_faults(graph, V) if V is not None else None
    return fault is not None and fault[1] == "overflow"


def _quiet() -> Any:
    """inf - inf near a singularity is reported by the warnings, not printed by numpy."""
    import numpy as np

    return np.errstate(all="ignore")


class _Counter:
    """Evaluates the output at a point and counts the evaluations."""

    def __init__(self, graph: Graph, arrays: bool) -> None:
        self.graph, self.arrays, self.count = graph, arrays, 0
        self.cache: dict[str, Any] = {}  # what every input's derivative shares (adjoints)

    def __call__(self, point: dict[str, Any]) -> Any:
        self.count += 1
        vals, ns = evaluation.evaluate(self.graph, point, self.arrays)
        out = vals[self.graph.output]
        if ns == "numpy" and not self.arrays:
            out = float(out)  # keep the scalar path in Python floats
        return out

    def complex(self, point: dict[str, Any]) -> Any:
        import numpy as np

        from .. import engine

        self.count += 1
        cpoint = {k: np.asarray(v, dtype=complex) for k, v in point.items()}
        with np.errstate(all="ignore"):
            return engine.forward(self.graph, cpoint, "numpy")[self.graph.output]

    def along(self, point: dict[str, Any], w: str) -> Any:
        """The function of input ``w`` alone, as :mod:`diffx.finite` calls it: ``fn(xs, idx)``
        at the flat points ``idx``. A scalar point is evaluated in Python floats."""
        import numpy as np

        if not self.arrays:
            def fn(xs: Any, idx: Any) -> Any:
                return np.array([self({**point, w: float(v)}) for v in xs], dtype=float)
            return fn
        flat = {k: np.asarray(v, dtype=float).ravel() for k, v in point.items()}

        def fn_arrays(xs: Any, idx: Any) -> Any:
            sub = {k: v[idx] for k, v in flat.items()}
            sub[w] = xs
            return np.broadcast_to(np.asarray(self(sub), dtype=float), xs.shape)
        return fn_arrays


def _shift(point: dict[str, Any], w: str, x: Any) -> dict[str, Any]:
    p = dict(point)
    p[w] = x
    return p


def _check_resolution(point: dict[str, Any], wrt: tuple[str, ...], step: float) -> None:
    """A step below half an ulp of x does not move x at all: say so, and what would."""
    import numpy as np

    from .. import finite

    for w in wrt:
        x = np.asarray(point[w], dtype=float)
        with np.errstate(over="ignore"):  # a step past the float range is not stuck
            stuck = (x + step) - (x - step) <= 0
        if np.any(stuck):
            xs = float(x.ravel()[np.flatnonzero(stuck.ravel())[0]])
            ulp = float(finite.resolution(np.array(xs)))
            useful = float(finite.standard_step(np.array(xs), "central"))
            raise OptionError(
                f"step={step:g} is below the resolution of {w} at {w}={xs:g}: x ± step rounds "
                f"back to x. The smallest step that changes x there is {ulp:.3g} (an ulp); a "
                f"useful step is much larger, e.g. the standard {useful:.3g} (leave step unset "
                "to have it chosen)")


def _derivative(f: _Counter, point: dict[str, Any], w: str, f0: Any, scheme: str,
                step: float | None, estimate: bool, kink: bool, at: tuple[Any, str, Any]
                ) -> tuple[Any, Any, Any, list[str]]:
    """One input's derivatives, step, error estimate and warnings; ``at``: the values of
    every node at the point, their namespace and all inputs asked for, for the rounding
    noise of f."""
    import numpy as np

    from .. import finite

    x = point[w]
    shape = np.shape(x)
    if scheme == "complex":
        h = step or COMPLEX_STEP
        z = f.complex(_shift(point, w, np.asarray(x) + 1j * h))
        d = np.imag(z) / h
        err = EPS * np.abs(d)
        spread = tangent_rounding(f, at, w, int(np.size(d)))
        if spread is not None:  # the imaginary parts round at every node, as values do
            err = np.maximum(err, np.reshape(spread, np.shape(err)) if np.ndim(err) else
                             float(np.max(spread)))
        xs, f0s, ds, errs = (np.asarray(v, dtype=float).ravel() for v in (x, np.real(f0), d, err))
        f0s = np.broadcast_to(f0s, xs.shape)
        notes = domain_notes(xs, f0s, ds, scheme, None, w)
        notes += large(finite, xs, f0s, ds, errs, scheme, None, False, name=w)
        return d, h, err, notes
    xs = np.asarray(x, dtype=float).ravel()
    f0s = np.broadcast_to(np.asarray(f0, dtype=float), shape).ravel()
    fn = f.along(point, w)
    fnoise, top = rounding_noise(f.graph, *at[:2], w, f.arrays, xs.size, at[2], f.cache)
    res = finite.search(fn, xs, f0s, "central" if scheme == "richardson" else scheme, step,
                        estimate)
    if scheme == "richardson":
        first = res.first if step is None else np.full(xs.size, step)
        rid = finite.ridders(fn, xs, f0s, first, res.noise)
        keep = ~(rid.error <= res.error) & np.isfinite(res.derivative) if step is None \
            else np.zeros(xs.size, bool)
        res.left_domain |= rid.left_domain
        res = finite.Estimate(np.where(keep, res.derivative, rid.derivative),
                              np.where(keep, res.step, rid.step),
                              np.where(keep, res.error, rid.error),
                              np.where(keep, res.settled, rid.settled), first, res.left_domain,
                              res.noise)
    res = finite.noise_floor(res, fnoise, scheme)
    ends = noise_at_ends(f.graph, point, w, xs, res.step, scheme, shape, at[1:])
    if ends is not None:  # f's rounding where it was evaluated, not only at the point
        fnoise = np.maximum(fnoise, ends)
        res = finite.noise_floor(res, fnoise, scheme)
    spent = f.count  # the overflow diagnosis is not the method's cost
    over = _overflowed(fn, xs, f0s, step, scheme) if np.any(res.left_domain) else None
    steep = _quotient_overflowed(fn, xs, f0s, res.derivative, res.step, scheme)
    f.count = spent
    notes = domain_notes(xs, f0s, res.derivative, scheme, res, w, over, steep)
    sides = Sides(fn, xs, res.step)
    def cause(k: int) -> str:
        return cancellation(f0s, res.step, fnoise, top, k)
    notes += large(finite, xs, f0s, res.derivative, res.error, scheme, sides, kink,
                   res.settled, cause, name=w, analytic=_not_analytic(f.graph, (w,)) is None)
    notes += unresolved(f, point, w, xs, f0s, res, sides, scheme, cause)
    notes += past_period(f.graph, point, w, np.reshape(res.step, shape), f.arrays)

    def back(a: Any) -> Any:
        return float(a[0]) if shape == () else np.reshape(a, shape)
    return back(res.derivative), back(res.step), back(res.error), notes



def domain_notes(xs: Any, f0s: Any, d: Any, scheme: str, res: Any, name: str = "x",
                 overflow: Any = None, steep: Any = None) -> list[str]:
    """Warnings about one input's derivatives: a difference that is not finite, a step that
    left the domain, or one that overflowed (``overflow``: per point, x ± h or f there was
    beyond the float range, not outside the function's domain; ``steep``: per point, f was
    finite at the final step's x ± h but their difference over the step was not)."""
    import numpy as np

    out = []
    fine = np.isfinite(f0s)

    def where(mask: Any) -> str:
        return at_points(xs, mask, name)
    bad_d = fine & ~np.isfinite(d)
    if steep is not None and np.any(bad_d) and np.all(steep[bad_d]):
        return [f"the {scheme} difference overflowed{where(bad_d)}: f is finite at the "
                "points of the smallest step tried, but their difference over the step is "
                "beyond the largest float (1.8e308): the derivative is too large for floats "
                "here"]
    if res is not None and np.any(fine & res.left_domain):
        mask = fine & res.left_domain
        over = overflow is not None and np.all(overflow[mask])
        what = ("a finite-difference step overflowed (x ± h, or f there, is beyond the float "
                "range, about 1.8e308)" if over else
                "a finite-difference step left the domain of the function (an evaluation "
                "near the point was not finite)")
        if np.any(bad_d):
            out.append(f"{what}{where(bad_d)}; even the smallest step tried did not stay "
                       f"{'finite' if over else 'inside'}: try a smaller {option('step')} "
                       "or the reverse method")
        else:
            out.append(f"{what}{where(mask)}; the step was reduced until it stayed "
                       f"{'finite' if over else 'inside'}")
    elif np.any(bad_d):
        out.append(f"the {scheme} difference is not finite{where(bad_d)}")
    return out


def _quotient_overflowed(fn: Any, xs: Any, f0s: Any, d: Any, h: Any, scheme: str) -> Any:
    """Per point, whether the difference ``d`` is infinite though f is finite at the point
    and at both ends of its step ``h`` (the quotient overflowed, not f); None where no
    difference is infinite."""
    import numpy as np

    idx = np.flatnonzero(np.isinf(d) & np.isfinite(f0s) & (np.asarray(h) > 0))
    if idx.size == 0:
        return None
    steep = np.zeros(xs.size, bool)
    step = np.broadcast_to(np.asarray(h, dtype=float), xs.shape)[idx]
    with np.errstate(all="ignore"):
        up = xs[idx] + step if scheme != "backward" else xs[idx]
        down = xs[idx] - step if scheme != "forward" else xs[idx]
        ends = np.isfinite(fn(up, idx)) & np.isfinite(fn(down, idx))
    steep[idx] = ends
    return steep


def _overflowed(fn: Any, xs: Any, f0s: Any, step: float | None, scheme: str) -> Any:
    """Per point, whether the first steps (h and 2h) put x ± h, or f there, past the float
    range (an infinity, not a nan: a nan is outside the domain)."""
    import numpy as np

    from .. import finite

    h = finite.standard_step(xs, scheme) if step is None else np.full(xs.size, float(step))
    over = np.zeros(xs.size, bool)
    every = np.arange(xs.size)
    with np.errstate(all="ignore"):
        for m in (2.0, 1.0):
            for sign in (1.0, -1.0):
                moved = xs + sign * m * h
                far = ~np.isfinite(moved) | ~np.isfinite(m * h)
                ok = np.flatnonzero(~far)
                vals = np.full(xs.size, np.inf)
                if ok.size:
                    vals[ok] = fn(moved[ok], every[ok])
                over |= far | (np.isinf(vals) & np.isfinite(f0s))
    return over


def _not_analytic(graph: Graph, wrt: tuple[str, ...]) -> int | None:
    """The first node on a route from ``wrt`` to the output whose op is not
    complex-analytic (abs, relu, max, ...), or None."""
    live = graph.reachable_from_output()
    active = graph.depends_on([graph.input_nodes[w] for w in wrt])
    for i in range(graph.output + 1):
        op = graph.op_of(i)
        if op is not None and not op.analytic and live[i] and active[i] and \
                i not in graph.shifts:  # (a softmax's shift cancels from the function)
            return i
    return None


def _check_analytic(graph: Graph, wrt: tuple[str, ...]) -> None:
    i = _not_analytic(graph, wrt)
    if i is not None:
        op = graph.op_of(i)
        assert op is not None
        raise MethodError(
            f"the complex step cannot differentiate {op.name} (at {graph.describe(i)}): "
            f"{op.name} is not complex-analytic; use the central or richardson scheme")
