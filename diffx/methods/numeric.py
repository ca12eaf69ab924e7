"""The numeric method: finite differences, one input at a time.

Schemes (``scheme=``), with the default step for an input of size x (``step=`` overrides):

* ``central``   (f(x+h) - f(x-h)) / 2h, h = ∛ε·max(1, |x|): error O(h²) + O(ε/h);
* ``forward``   (f(x+h) - f(x)) / h,   h = √ε·max(1, |x|): error O(h) + O(ε/h);
* ``backward``  (f(x) - f(x-h)) / h,   likewise;
* ``richardson`` Ridders' extrapolation of central differences over shrinking steps, which
  cancels the h², h⁴, ... error terms and estimates the error from the tableau;
* ``complex``   Im f(x + ih) / h with h = 1e-20: no subtraction, so no cancellation, but only
  for complex-analytic functions (it refuses abs, relu, max, min).

Steps are rounded so that x + h is exactly representable. The error estimate of the plain
schemes compares the result at h with the result at 2h (``estimate=False`` skips those extra
evaluations).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from typing import Any

from .. import diagnose
from ..errors import OptionError
from ..graph import Graph
from ..result import Gradient
from . import MethodError, new_result, register, to_python

EPS = 2.0**-52
SCHEMES = ("central", "forward", "backward", "richardson", "complex")
COMPLEX_STEP = 1e-20
RIDDERS_SHRINK = 1.4  # step ratio between tableau rows
RIDDERS_ROWS = 12
RIDDERS_SAFE = 2.0  # stop when the error grows by this factor
RIDDERS_FIRST = 0.1  # first step, relative to max(1, |x|)


@register("numeric", {"scheme": "central", "step": None, "estimate": True},
          "finite differences: forward, backward, central, Richardson, complex step")
def run(graph: Graph, wrt: tuple[str, ...], point: dict[str, Any] | None, arrays: bool,
        scheme: str, step: float | None, estimate: bool) -> Gradient:
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
    result = new_result("numeric", graph, wrt, point)
    counter = _Counter(graph, arrays)
    start = time.perf_counter()
    with _quiet(arrays or scheme in ("complex", "richardson")):
        f0 = counter(point)
        gradient: dict[str, Any] = {}
        steps: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for w in wrt:
            d, h, err = _derivative(counter, point, w, f0, scheme, step, estimate)
            gradient[w], steps[w], errors[w] = to_python(d), to_python(h), to_python(err)
    result.seconds = time.perf_counter() - start
    result.gradient = gradient
    result.value = to_python(f0.real if isinstance(f0, complex) else f0)
    result.cost = {"evaluations": counter.count, "operations": counter.count * graph.n_evaluated}
    result.details = {"scheme": scheme, "step": steps, "error_estimate": errors}
    vals, _ = diagnose.evaluate(graph, point, arrays)
    result.warnings += diagnose.value_warnings(graph, vals)
    result.warnings += diagnose.kink_warnings(graph, vals, wrt)
    if counter.nonfinite and all(diagnose._all(diagnose._finite(v)) for v in [vals[graph.output]]):
        result.warnings.append("a finite-difference step left the domain of the function "
                               "(an evaluation near the point was not finite); try a smaller "
                               "--step")
    return result


def _quiet(numpy_values: bool) -> Any:
    """inf - inf near a singularity is reported by the warnings, not printed by numpy."""
    if not numpy_values:
        return contextlib.nullcontext()  # Python floats: numpy need not even be imported
    import numpy as np

    return np.errstate(all="ignore")


class _Counter:
    """Evaluates the output at a point and counts the evaluations."""

    def __init__(self, graph: Graph, arrays: bool) -> None:
        self.graph, self.arrays, self.count, self.nonfinite = graph, arrays, 0, False

    def __call__(self, point: dict[str, Any]) -> Any:
        self.count += 1
        vals, ns = diagnose.evaluate(self.graph, point, self.arrays)
        out = vals[self.graph.output]
        if ns == "numpy" and not self.arrays:
            out = float(out)  # keep the scalar path in Python floats
        if not diagnose._all(diagnose._finite(out)):
            self.nonfinite = True
        return out

    def complex(self, point: dict[str, Any]) -> Any:
        import numpy as np

        from .. import engine

        self.count += 1
        cpoint = {k: np.asarray(v, dtype=complex) for k, v in point.items()}
        with np.errstate(all="ignore"):
            return engine.forward(self.graph, cpoint, "numpy")[self.graph.output]


def _scale(x: Any) -> Any:
    if isinstance(x, float):
        return max(1.0, abs(x))
    import numpy as np

    return np.maximum(1.0, np.abs(x))


def _exact_step(x: Any, h: Any) -> Any:
    return (x + h) - x  # x + h is then exactly representable


def _shift(point: dict[str, Any], w: str, x: Any) -> dict[str, Any]:
    p = dict(point)
    p[w] = x
    return p


def _derivative(f: _Counter, point: dict[str, Any], w: str, f0: Any, scheme: str,
                step: float | None, estimate: bool) -> tuple[Any, Any, Any]:
    x = point[w]
    if scheme == "complex":
        h = step or COMPLEX_STEP
        import numpy as np

        z = f.complex(_shift(point, w, np.asarray(x) + 1j * h))
        d = np.imag(z) / h
        return d, h, EPS * np.abs(d)
    if scheme == "richardson":
        return _ridders(f, point, w, x, step)
    base = (EPS ** (1 / 3) if scheme == "central" else EPS**0.5) * _scale(x)
    h = _exact_step(x, step if step is not None else base)
    d = _difference(f, point, w, x, f0, h, scheme)
    err = _rounding(f0, h)
    if estimate:
        d2 = _difference(f, point, w, x, f0, _exact_step(x, 2 * h), scheme)
        order = 2 if scheme == "central" else 1
        err = abs(d - d2) / (2**order - 1) + err
    return d, h, err


def _difference(f: _Counter, point: dict[str, Any], w: str, x: Any, f0: Any, h: Any,
                scheme: str) -> Any:
    if scheme == "central":
        return (f(_shift(point, w, x + h)) - f(_shift(point, w, x - h))) / (2 * h)
    if scheme == "forward":
        return (f(_shift(point, w, x + h)) - f0) / h
    return (f0 - f(_shift(point, w, x - h))) / h


def _rounding(f0: Any, h: Any) -> Any:
    return EPS * abs(f0) / h


def _ridders(f: _Counter, point: dict[str, Any], w: str, x: Any,
             step: float | None) -> tuple[Any, Any, Any]:
    """Ridders' method: a Neville tableau of central differences over steps h, h/1.4, ..."""
    import numpy as np

    if not isinstance(x, float):  # arrays of points: one tableau per point
        results = [_ridders_point(f, _at_index(point, i), w, float(xi), step)
                   for i, xi in enumerate(np.asarray(x).ravel())]
        shape = np.shape(x)
        return tuple(np.reshape([r[k] for r in results], shape) for k in range(3))  # type: ignore
    return _ridders_point(f, point, w, x, step)


def _ridders_point(f: _Counter, point: dict[str, Any], w: str, x: float,
                   step: float | None) -> tuple[float, float, float]:
    h = step if step is not None else RIDDERS_FIRST * _scale(x)
    central: Callable[[float], float] = lambda hh: (  # noqa: E731
        f(_shift(point, w, x + hh)) - f(_shift(point, w, x - hh))) / (2 * hh)
    first = central(h)
    tries = 0
    while not math.isfinite(first) and tries < 40:  # the first step left the domain
        h /= 4
        first = central(h)
        tries += 1
    table = [[first]]
    best, err, best_h = first, math.inf, h
    for i in range(1, RIDDERS_ROWS):
        h /= RIDDERS_SHRINK
        row = [central(h)]
        fac = RIDDERS_SHRINK**2
        for j in range(1, i + 1):
            row.append((row[j - 1] * fac - table[i - 1][j - 1]) / (fac - 1))
            fac *= RIDDERS_SHRINK**2
            errt = max(abs(row[j] - row[j - 1]), abs(row[j] - table[i - 1][j - 1]))
            if errt <= err:
                best, err, best_h = row[j], errt, h
        table.append(row)
        if abs(row[i] - table[i - 1][i - 1]) >= RIDDERS_SAFE * err:
            break
    return best, best_h, err


def _at_index(point: dict[str, Any], i: int) -> dict[str, float]:
    import numpy as np

    return {k: float(np.asarray(v).ravel()[i]) for k, v in point.items()}


def _check_analytic(graph: Graph, wrt: tuple[str, ...]) -> None:
    live = graph.reachable_from_output()
    active = graph.depends_on([graph.input_nodes[w] for w in wrt])
    for i in range(graph.output + 1):
        op = graph.op_of(i)
        if op is not None and not op.analytic and live[i] and active[i]:
            raise MethodError(
                f"the complex step cannot differentiate {op.name} (at {graph.describe(i)}): "
                f"{op.name} is not complex-analytic; use the central or richardson scheme")
