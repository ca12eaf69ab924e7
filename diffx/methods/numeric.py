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

import contextlib
import math
import time
from typing import Any

from .. import diagnose, evaluation
from ..details import NumericDetails
from ..errors import OptionError
from ..graph import Graph
from ..result import Gradient
from .base import Evaluated, MethodError, new_result, register, to_python

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
            raise OptionError(f"--step must be a number, got {step!r}") from None
        if not (math.isfinite(step) and step > 0):
            raise OptionError(f"--step must be a positive number, got {step!r}")
    if point is None:
        raise MethodError("needs a point: add --at "
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
                                          bool(kinks))
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
    return result


# ops whose derivative jumps where a branch indicator changes sign: relu/abs at 0, max/min
# at a tie (sqrt and asin/acos end their domain there instead: the step warnings say so)
_BRANCH = {"relu": lambda a: a[0], "abs": lambda a: a[0], "max": lambda a: a[0] - a[1],
           "min": lambda a: a[0] - a[1]}


def _kinks_within_steps(graph: Graph, point: dict[str, Any], wrt: tuple[str, ...],
                        steps: dict[str, Any], arrays: bool) -> list[str]:
    """A kink between x - h and x + h (not at x itself): the difference then averages two
    different slopes (``max(y, x)`` with x and y closer than h), so it says so."""
    import numpy as np

    nodes = [i for i in graph.nodes_with(diagnose.KINK_CODES)
             if graph.op_of(i).name in _BRANCH]  # type: ignore[union-attr]
    if not nodes:
        return []
    live = graph.reachable_from_output()
    found = []
    for w in wrt:
        h = np.asarray(steps[w], dtype=float)
        if not np.all(np.isfinite(h)):
            h = np.where(np.isfinite(h), h, 0.0)
        x = np.asarray(point[w], dtype=float)
        side = []
        for shift in (-h, h):
            at = dict(point)
            at[w] = x + shift if arrays else float(x + shift)
            side.append(evaluation.evaluate(graph, at, arrays)[0])
        for i in nodes:
            if not live[i] or graph.args(i)[0] == graph.args(i)[-1]:
                continue
            rule = _BRANCH[graph.op_of(i).name]  # type: ignore[union-attr]
            lo = np.sign(rule([np.asarray(side[0][a]) for a in graph.args(i)]))
            hi = np.sign(rule([np.asarray(side[1][a]) for a in graph.args(i)]))
            crossed = lo != hi
            if np.any(crossed):
                where = "" if np.ndim(crossed) == 0 else \
                    f" (at {int(np.sum(crossed)):,} of {np.size(crossed):,} points)"
                found.append(f"∂/∂{w}: {graph.describe(i)} has a kink between {w} - h and "
                             f"{w} + h{where}: the difference averages the slopes on its two "
                             "sides; a smaller --step, or the reverse method, avoids it")
                break
    return found


def _quiet() -> Any:
    """inf - inf near a singularity is reported by the warnings, not printed by numpy."""
    import numpy as np

    return np.errstate(all="ignore")


class _Counter:
    """Evaluates the output at a point and counts the evaluations."""

    def __init__(self, graph: Graph, arrays: bool) -> None:
        self.graph, self.arrays, self.count = graph, arrays, 0

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
                step: float | None, estimate: bool, kink: bool
                ) -> tuple[Any, Any, Any, list[str]]:
    import numpy as np

    from .. import finite

    x = point[w]
    shape = np.shape(x)
    if scheme == "complex":
        h = step or COMPLEX_STEP
        z = f.complex(_shift(point, w, np.asarray(x) + 1j * h))
        d = np.imag(z) / h
        err = EPS * np.abs(d)
        xs, f0s, ds, errs = (np.asarray(v, dtype=float).ravel() for v in (x, np.real(f0), d, err))
        f0s = np.broadcast_to(f0s, xs.shape)
        notes = _notes(xs, f0s, ds, scheme, None)
        notes += _large(finite, xs, f0s, ds, errs, scheme, None, False)
        return d, h, err, notes
    xs = np.asarray(x, dtype=float).ravel()
    f0s = np.broadcast_to(np.asarray(f0, dtype=float), shape).ravel()
    fn = f.along(point, w)
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
    notes = _notes(xs, f0s, res.derivative, scheme, res)
    sides = _Sides(fn, xs, res.step)
    notes += _large(finite, xs, f0s, res.derivative, res.error, scheme, sides, kink,
                    res.settled)
    notes += _unresolved(f, point, w, xs, f0s, res, sides, scheme)

    def back(a: Any) -> Any:
        return float(a[0]) if shape == () else np.reshape(a, shape)
    return back(res.derivative), back(res.step), back(res.error), notes


def _notes(xs: Any, f0s: Any, d: Any, scheme: str, res: Any) -> list[str]:
    """Warnings about one input's derivatives: a difference that is not finite, a step that
    left the domain."""
    import numpy as np

    out = []
    fine = np.isfinite(f0s)

    def where(mask: Any) -> str:
        return _where(xs, mask)
    bad_d = fine & ~np.isfinite(d)
    if res is not None and np.any(fine & res.left_domain):
        mask = fine & res.left_domain
        if np.any(bad_d):
            out.append("a finite-difference step left the domain of the function (an "
                       f"evaluation near the point was not finite){where(bad_d)}; even the "
                       "smallest step tried did not stay inside: try a smaller --step or the "
                       "reverse method")
        else:
            out.append("a finite-difference step left the domain of the function (an "
                       f"evaluation near the point was not finite){where(mask)}; the step "
                       "was reduced until it stayed inside")
    elif np.any(bad_d):
        out.append(f"the {scheme} difference is not finite{where(bad_d)}")
    return out


FLAT_HIDDEN = 1e-8  # past EXACT_CHECKS points, a flat f hiding a slope below this is flat
EXACT_CHECKS = 20  # points of an array whose symmetry is checked in mpmath
EXACT_DIGITS = 50  # digits beyond those that hold x ± h exactly
MAX_SPAN = 700  # decimal range of node magnitudes past which the symmetry is not checked


def _where(xs: Any, mask: Any) -> str:
    import numpy as np

    k = int(np.flatnonzero(mask)[0])
    return f" at x = {xs[k]:.6g}" if xs.size == 1 else \
        f" at {int(mask.sum()):,} of {xs.size:,} points (the first at x = {xs[k]:.6g})"


class _Sides:
    """f(x + h) and f(x − h) at the steps the method chose, evaluated only at the points
    asked for, and each at most once."""

    def __init__(self, fn: Any, xs: Any, h: Any) -> None:
        import numpy as np

        self.fn, self.xs, self.h = fn, xs, h
        self.up, self.down = np.full(xs.size, np.nan), np.full(xs.size, np.nan)
        self.done = np.zeros(xs.size, bool)

    def at(self, idx: Any) -> tuple[Any, Any]:
        import numpy as np

        need = idx[~self.done[idx]]
        if need.size:
            with np.errstate(all="ignore"):
                self.up[need] = self.fn(self.xs[need] + self.h[need], need)
                self.down[need] = self.fn(self.xs[need] - self.h[need], need)
            self.done[need] = True
        return self.up[idx], self.down[idx]


def _within(d: Any, err: Any) -> Any:
    """|D| is not above its own error estimate (and that estimate is not 0)."""
    import numpy as np

    with np.errstate(all="ignore"):
        return (np.abs(d) <= err) & (err > 0)


def _large(finite: Any, xs: Any, f0s: Any, d: Any, err: Any, scheme: str, sides: Any,
           kink: bool, settled: Any = None) -> list[str]:
    """An error estimate too large for the derivative (``finite.large_error``). Where |D| is
    not above its estimate ``_unresolved`` speaks instead. At a kink the scale of the
    derivative is the slopes on either side, not the average the central difference gives
    (abs(x − 1) at 1: 0 between −1 and 1): the estimate is judged against them, and the kink
    warning says the rest."""
    import numpy as np

    large = np.isfinite(f0s) & np.isfinite(d) & ~_within(d, err) & \
        finite.large_error(d, err, f0s, xs)
    if kink and sides is not None and np.any(large):
        idx = np.flatnonzero(large)
        up, down = sides.at(idx)
        with np.errstate(all="ignore"):
            slope = np.maximum(np.abs(up - f0s[idx]), np.abs(f0s[idx] - down)) / sides.h[idx]
        large[idx] = finite.large_error(d[idx], err[idx], f0s[idx], xs[idx], slope)
    if not np.any(large):
        return []
    k = int(np.flatnonzero(large)[0])
    rel = abs(err[k] / d[k]) if d[k] != 0 else math.inf
    why = (" (the differences never settled as the step shrank, so even this estimate "
           "is unreliable)") if settled is not None and not bool(settled[k]) else ""
    others = " or ".join(s for s in ("richardson", "complex") if s != scheme)
    return [f"the {scheme} difference {d[k]:.6g} has an error estimate of {err[k]:.2g} "
            f"(relative {rel:.1g}, above {finite.ESTIMATE_TOL:g}){_where(xs, large)}{why}: "
            f"finite differences cannot resolve this derivative well; try --scheme {others}, "
            "another --step, or the reverse method"]


def _unresolved(f: _Counter, point: dict[str, Any], w: str, xs: Any, f0s: Any, res: Any,
                sides: Any, scheme: str) -> list[str]:
    """A derivative no larger than its own error estimate (rounding + truncation) cannot be
    told from 0 at this resolution: say so, with the resolution, unless the 0 is exact.

    A symmetric difference is exactly 0 when f(x + h) == f(x − h) in floats. That happens for
    a function symmetric about x (x² or cos(x) at 0, abs(x − 1) at 1, the constant max(x, 5)
    at 1: the derivative is 0, or 0 by the kink convention) and just as well for one whose
    asymmetry is below the rounding of f (cos(x − 1) at 1 + 2⁻⁵², sin at the double nearest
    π/2: derivatives 2e-16 and 6e-17). The two floats cannot tell these apart; the same two
    evaluations in mpmath can, at x ± h exactly and EXACT_DIGITS digits beyond: equal there
    too, the 0 is exact by symmetry and goes without saying. Otherwise (or when mpmath cannot
    evaluate f there) the 0 is reported: as "f did not change at all" when f(x ± h) == f(x)
    in floats, else as below the resolution. A nonzero D within its estimate is always
    reported. Past EXACT_CHECKS points of an array, a flat f whose rounding hides a slope
    below FLAT_HIDDEN is taken as flat (the losing side of max)."""
    import numpy as np

    d, err, h = res.derivative, res.error, res.step
    # an estimate of 0 (f = 0 near x) does not prove a 0: (1e30 + x) - 1e30 rounds x away
    mask = np.isfinite(f0s) & np.isfinite(d) & (_within(d, err) | (d == 0))
    if not np.any(mask):
        return []
    out = []
    zero = np.flatnonzero(mask & (d == 0) & (h > 0))
    flat = np.zeros(xs.size, bool)
    if zero.size:
        up, down = sides.at(zero)
        same = up == down
        flat[zero] = same & (up == f0s[zero])
        with np.errstate(all="ignore"):
            hidden = EPS * np.abs(f0s) / h
        for n, k in enumerate(zero[same]):
            if n < EXACT_CHECKS:
                mask[k] = not _symmetric(f.graph, point, w, int(k), float(xs[k]), float(h[k]))
            else:
                mask[k] = not flat[k] or hidden[k] > FLAT_HIDDEN
        flat &= mask
        if np.any(flat):
            k = int(np.flatnonzero(flat)[0])
            size = (f"a derivative smaller than about {hidden[k]:.2g}" if hidden[k] > 0
                    else "a change lost in the rounding of an intermediate value")
            out.append(f"the difference is exactly 0 at x = {xs[k]:.6g} because f did not "
                       f"change at all at x ± {h[k]:.2g} (f = {f0s[k]:.6g}): {size} cannot "
                       "be seen by finite differences here; use the reverse method")
    mask &= ~flat
    if np.any(mask):
        k = int(np.flatnonzero(mask)[0])
        asym = (" (f(x + h) and f(x − h) are equal in floats but not in exact arithmetic)"
                if d[k] == 0 else "")
        out.append(f"the {scheme} difference {d[k]:.3g} is below the numeric method's "
                   f"resolution here (±{err[k]:.2g}){_where(xs, mask)}{asym}: the derivative "
                   "may be 0 or anything of that size; the reverse method resolves it")
    return out


def _symmetric(graph: Graph, point: dict[str, Any], w: str, k: int, x: float,
               h: float) -> bool:
    """f(x + h) == f(x − h) in mpmath, with x ± h exact and EXACT_DIGITS digits beyond the
    range of magnitudes f's nodes span at x (1e300 + x needs 300 digits to see x)."""
    import mpmath
    import numpy as np

    from .. import engine

    spread = max(0, math.frexp(x)[1] - math.frexp(h)[1]) if x != 0 else 0
    at = {}
    for name, v in point.items():
        a = np.asarray(v, dtype=float).ravel()
        at[name] = float(a[k] if a.size > 1 else a[0])
    try:
        with mpmath.workdps(30):
            sizes = [abs(v) for v in engine.forward(graph, {n: mpmath.mpf(v) for n, v in
                                                             at.items()}, "mpmath")
                     if isinstance(v, mpmath.mpf) and v != 0 and mpmath.isfinite(v)]
        span = int(mpmath.log10(max(sizes) / min(sizes))) if sizes else 0
        if span > MAX_SPAN:
            return False  # beyond doubles (or far past them): no proof, the warning stays
        with mpmath.workdps(int((53 + spread) * 0.302) + 1 + span + EXACT_DIGITS):
            p = {name: mpmath.mpf(v) for name, v in at.items()}
            both = []
            for sign in (1, -1):
                p[w] = mpmath.mpf(x) + sign * mpmath.mpf(h)
                both.append(engine.forward(graph, p, "mpmath")[graph.output])
    except (ArithmeticError, ValueError, TypeError):
        return False
    up, down = both
    return isinstance(up, mpmath.mpf) and mpmath.isfinite(up) and up == down


def _check_analytic(graph: Graph, wrt: tuple[str, ...]) -> None:
    live = graph.reachable_from_output()
    active = graph.depends_on([graph.input_nodes[w] for w in wrt])
    for i in range(graph.output + 1):
        op = graph.op_of(i)
        if op is not None and not op.analytic and live[i] and active[i]:
            raise MethodError(
                f"the complex step cannot differentiate {op.name} (at {graph.describe(i)}): "
                f"{op.name} is not complex-analytic; use the central or richardson scheme")
