"""Second derivatives: the Hessian of a scalar program by four methods, and Hessian-vector
products.

``hessian(source, at=..., wrt=None, method=...)`` gives a :class:`Hessian` (rows and columns in
``wrt`` order) by

* ``symbolic``: ``sympy.hessian`` of the graph's sympy form (:mod:`diffx.sym`), each entry
  evaluated at the point; the derivative of a kink's step (``DiracDelta``) is 0, so relu'' = 0
  and abs'' = 0 everywhere, as the reverse and forward sweeps give;
* ``reverse``: reverse-over-reverse: the adjoint program (:func:`diffx.adjoint`) has a
  statement per partial ``a_bar``; diffx's reverse method on the graph whose output is the
  partial of input w gives row w (one forward and one reverse sweep per input);
* ``forward``: forward-over-reverse: one forward pass over the adjoint program, then one
  tangent sweep per input w reads column w off every partial at once;
* ``numeric``: central second differences with their own step rule (docs/conventions.md):
  h = eps^(1/4)·max(1, |x|), and again at 2h; the difference between the two, with the
  rounding noise of f, is the error estimate, and a large one is a warning.

Each result carries its cost and warnings, and says how far the matrix is from symmetric.
``hvp(source, at=..., v=...)`` is H·v by one tangent sweep over the adjoint program. The two
sweeps over the adjoint program and ``hvp`` are in :mod:`diffx.hessian_sweeps`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import DiffxError, OptionError
from .methods.base import check_timeout
from .graph import Graph
from .hessian_defined import lost_value, undefined_entries
from .symfuncs import jump_derivatives
from .hessian_sweeps import _forward, _request, _reverse, _value, hvp  # noqa: F401

METHODS = ("symbolic", "reverse", "forward", "numeric")
EPS = 2.0 ** -52
#: the numeric method warns when its error estimate passes this fraction of the largest entry
NUMERIC_TOLERANCE = 1e-5
SYMBOLIC_TIMEOUT = 30.0  # seconds the symbolic method may take, as for the gradient
MAX_SYMBOLIC_GRAPH = 50_000  # nodes: larger graphs are not handed to sympy (as the gradient)


@dataclass
class Hessian:
    """What one method found: ``matrix[i][j]`` is d²f / d wrt[i] d wrt[j] at ``point``.

    ``cost`` counts sweeps or evaluations; ``asymmetry`` is max |H - Hᵀ| (a warning says when
    it is above rounding); ``error_estimate`` is the numeric method's estimate per entry.
    """

    method: str
    wrt: tuple[str, ...]
    point: dict[str, float]
    matrix: np.ndarray | None = None
    value: float | None = None
    cost: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    asymmetry: float = 0.0
    error_estimate: np.ndarray | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def __getitem__(self, pair: tuple[str, str]) -> float:
        if self.matrix is None:
            raise KeyError(f"{self.method} has no Hessian: {self.error}")
        i, j = (self.wrt.index(n) for n in pair)
        return float(self.matrix[i, j])


def hessian(source: Any, *, at: Any = None, wrt: Any = None,
            method: str = "reverse", timeout: float = SYMBOLIC_TIMEOUT) -> Hessian:
    """The Hessian of a scalar program at a point by one method (see the module docstring);
    ``timeout`` is the seconds the symbolic method may take (sympy's Hessian can swell).

    >>> h = hessian("c = a + b; d = a * c", at={"a": 4, "b": 3})
    >>> h.matrix.tolist(), h.cost
    ([[2.0, 1.0], [1.0, 0.0]], {'sweeps': 2, 'adjoint_nodes': 8})
    """
    if not isinstance(method, str) or method not in METHODS:
        raise OptionError(f"method= must be one of {', '.join(METHODS)}, not {method!r}")
    timeout = check_timeout(timeout)
    graph, names, point = _request(source, at, wrt)
    return _run(method, graph, names, point, timeout)


def hessian_all(source: Any, *, at: Any = None, wrt: Any = None,
                methods: Iterable[str] = METHODS,
                timeout: float = SYMBOLIC_TIMEOUT) -> dict[str, Hessian]:
    """Every method's Hessian (a method that fails reports its error instead of raising)."""
    timeout = check_timeout(timeout)
    methods = tuple(methods)
    for m in methods:
        if m not in METHODS:
            raise OptionError(f"unknown Hessian method {m!r}; choose from {', '.join(METHODS)}")
    graph, names, point = _request(source, at, wrt)
    return {m: _run(m, graph, names, point, timeout) for m in methods}


def agreement(results: dict[str, Hessian]) -> dict[str, float | None]:
    """Per method, the largest difference from the first method with a Hessian, relative to
    max(1, that Hessian's largest finite entry), over the entries finite in both (None where
    a method gave none, or no entry is finite in both: :func:`not_compared` names them)."""
    ref = next((h.matrix for h in results.values() if h.matrix is not None), None)
    out: dict[str, float | None] = {}
    for m, h in results.items():
        if ref is None or h.matrix is None:
            out[m] = None
            continue
        both = np.isfinite(ref) & np.isfinite(h.matrix)
        if ref.size and not both.any():
            out[m] = None
            continue
        finite_ref = np.abs(ref[np.isfinite(ref)])
        scale = max(float(finite_ref.max()), 1.0) if finite_ref.size else 1.0
        out[m] = float(np.max(np.abs(h.matrix[both] - ref[both]))) / scale if ref.size else 0.0
    return out


def not_compared(results: dict[str, Hessian]) -> dict[str, list[str]]:
    """Per method, the entries (``"x,y"``) that :func:`agreement` leaves out: not finite in
    that method's Hessian or in the first one's (a non-finite number agrees with nothing)."""
    ref = next((h for h in results.values() if h.matrix is not None), None)
    out: dict[str, list[str]] = {}
    for m, h in results.items():
        if ref is None or ref.matrix is None or h.matrix is None or h is ref:
            continue
        bad = ~(np.isfinite(ref.matrix) & np.isfinite(h.matrix))
        out[m] = [f"{h.wrt[i]},{h.wrt[j]}" for i, j in zip(*np.nonzero(bad))]
    return out


def _run(method: str, graph: Graph, wrt: tuple[str, ...], point: dict[str, float],
         timeout: float = SYMBOLIC_TIMEOUT) -> Hessian:
    h = Hessian(method, wrt, point)
    h.warnings.extend(getattr(graph, "warnings", ()))  # a traced function's branch taken
    try:
        if method == "symbolic":
            _symbolic_within(graph, h, timeout)
        else:
            {"reverse": _reverse, "forward": _forward, "numeric": _numeric}[method](graph, h)
    except DiffxError as exc:
        h.error, h.matrix = str(exc), None
        return h
    undefined_entries(graph, h)
    lost_value(graph, h)
    _finish(h)
    return h


def _finish(h: Hessian) -> None:
    m = h.matrix
    assert m is not None
    if not np.all(np.isfinite(m)):
        bad = [f"{h.wrt[i]},{h.wrt[j]}" for i, j in zip(*np.nonzero(~np.isfinite(m)))]
        h.warnings.append(f"the Hessian is not finite at ({', '.join(bad[:6])}): the second "
                          "derivative does not exist there or overflows")
    finite = np.where(np.isfinite(m), m, 0.0)
    h.asymmetry = float(np.max(np.abs(finite - finite.T))) if m.size else 0.0
    nodes = h.cost.get("adjoint_nodes", 1)
    allowed = 64 * nodes * EPS * (float(np.max(np.abs(finite))) if m.size else 0.0)
    if h.method == "numeric" and h.error_estimate is not None and m.size:
        allowed = max(allowed, float(np.max(h.error_estimate)))
    if h.asymmetry > allowed:
        i, j = np.unravel_index(int(np.argmax(np.abs(finite - finite.T))), m.shape)
        h.warnings.append(
            f"the {h.method} Hessian is not symmetric beyond rounding: H[{h.wrt[i]},{h.wrt[j]}]"
            f" = {m[i, j]:.17g} but H[{h.wrt[j]},{h.wrt[i]}] = {m[j, i]:.17g} (the function "
            "is not twice continuously differentiable here, e.g. at a kink)")


# ---------------------------------------------------------------- symbolic -------------------
def _symbolic_within(graph: Graph, h: Hessian, timeout: float) -> None:
    """The symbolic Hessian under a time budget, as the symbolic gradient has
    (:mod:`diffx.budget`): a swelling formula ends with a sentence, not a hang."""
    import sympy  # noqa: F401  (imported before the clock starts)

    from .budget import BudgetExceeded, run_with_budget

    if graph.size > MAX_SYMBOLIC_GRAPH:
        raise DiffxError(f"the graph has {graph.size:,} nodes, more than the symbolic Hessian "
                         f"takes ({MAX_SYMBOLIC_GRAPH:,}); the reverse and forward methods "
                         "differentiate the adjoint program instead")
    try:
        run_with_budget(lambda: _symbolic(graph, h), timeout)
    except BudgetExceeded:
        raise DiffxError(f"timed out after {timeout:g} s: sympy's Hessian of this formula "
                         "swells (each second derivative is a formula of its own); the "
                         "reverse and forward methods get the same values from the adjoint "
                         "program in a few sweeps") from None
    except RecursionError:
        raise DiffxError("the expression is too deeply nested for sympy (the reverse and "
                         "forward methods handle any depth)") from None


def _symbolic(graph: Graph, h: Hessian) -> None:
    import sympy

    from .sym import symbols, to_sympy, value_at

    syms = symbols(graph)
    expr = to_sympy(graph, chains=True)[graph.output]
    variables = [syms[w] for w in h.wrt]
    matrix = sympy.hessian(expr, variables) if variables else sympy.zeros(0, 0)
    matrix = jump_derivatives(matrix).replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)
    at = {syms[k]: v for k, v in h.point.items()}
    n = len(h.wrt)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            found = value_at(matrix[i, j], at)
            out[i, j] = found.value.real if isinstance(found.value, complex) else found.value
            if isinstance(found.value, complex) and found.value.imag != 0:
                out[i, j] = math.nan
            why = found.why or found.unresolved
            if why:
                h.warnings.append(f"H[{h.wrt[i]},{h.wrt[j]}]: {why}")
    h.matrix = out
    h.value = _value(graph, h.point)
    h.cost = {"formula_operations": int(sum(sympy.count_ops(e) for e in matrix))}


# ---------------------------------------------------------------- numeric --------------------
def _second_differences(f: Any, x: np.ndarray, steps: np.ndarray, fx: float) -> np.ndarray:
    n = len(x)
    out = np.zeros((n, n))
    for i in range(n):
        e_i = np.zeros(n)
        e_i[i] = steps[i]
        out[i, i] = (f(x + e_i) - 2 * fx + f(x - e_i)) / steps[i] ** 2
        for j in range(i + 1, n):
            e_j = np.zeros(n)
            e_j[j] = steps[j]
            out[i, j] = out[j, i] = (f(x + e_i + e_j) - f(x + e_i - e_j) - f(x - e_i + e_j)
                                     + f(x - e_i - e_j)) / (4 * steps[i] * steps[j])
    return out


def _inside_the_domain(f: Any, x: np.ndarray, steps: np.ndarray, fx: float
                       ) -> tuple[list[int], list[int]]:
    """Shrink each input's step (in place, by 4 at a time) until f is finite at x ± 2h
    along it, where f is finite at x (log(x) at 1e-6: the standard step 1.2e-4 crosses 0);
    the inputs whose step was reduced and stayed inside, and those where none did (sqrt(x)
    at 0: every x - h is outside)."""
    if not math.isfinite(fx):
        return [], []
    shrunk, outside = [], []
    with np.errstate(all="ignore"):
        for i in range(len(x)):
            e = np.zeros(len(x))
            for _ in range(40):
                e[i] = 2 * steps[i]
                if math.isfinite(f(x + e)) and math.isfinite(f(x - e)):
                    break
                steps[i] /= 4
            else:
                outside.append(i)
                continue
            if steps[i] < EPS ** 0.25 * max(1.0, abs(x[i])):
                shrunk.append(i)
    return shrunk, outside


def _numeric(graph: Graph, h: Hessian) -> None:
    names = h.wrt
    count = [0]
    seen: dict[bytes, float] = {}  # (the domain check's f(x ± 2h) are the 2h differences')

    def f(x: np.ndarray) -> float:
        key = x.tobytes()
        if key not in seen:
            count[0] += 1
            point = dict(h.point)
            point.update({w: float(x[k]) for k, w in enumerate(names)})
            seen[key] = _value(graph, point)
        return seen[key]

    x = np.array([h.point[w] for w in names])
    fx = f(x)
    steps = EPS ** 0.25 * np.maximum(1.0, np.abs(x))
    shrunk, outside = _inside_the_domain(f, x, steps, fx)
    if shrunk:
        h.warnings.append(
            f"a second-difference step left the domain of the function (an evaluation near the "
            f"point was not finite) for {', '.join(names[k] for k in shrunk)}: the step was "
            "reduced until it stayed inside")
    if outside:
        h.warnings.append(
            f"every second-difference step for {', '.join(names[k] for k in outside)} left "
            "the domain of the function (the point is on its edge): no second difference "
            "exists here")
    with np.errstate(all="ignore"):
        small = _second_differences(f, x, steps, fx)
        large = _second_differences(f, x, 2 * steps, fx)
        # truncation is O(h²): H(h) - H(2h) is about 3 times H(h)'s error; rounding noise of
        # f, ε|f| per evaluation, enters divided by h_i·h_j
        noise = 4 * EPS * max(abs(fx), 1e-300) / np.outer(steps, steps)
        estimate = np.abs(small - large) / 3 + noise
    h.matrix, h.value, h.error_estimate = small, fx, estimate
    h.cost = {"evaluations": count[0]}
    finite = np.isfinite(small)
    scale = float(np.max(np.abs(small[finite]))) if finite.any() else 0.0
    bound = NUMERIC_TOLERANCE * max(scale, 1e-10)
    if small.size and float(np.max(np.where(finite, estimate, 0.0))) > bound:
        i, j = np.unravel_index(int(np.argmax(np.where(finite, estimate, 0.0))), small.shape)
        h.warnings.append(
            f"the second differences are unreliable here: H[{names[i]},{names[j]}] = "
            f"{small[i, j]:.6g} ± {estimate[i, j]:.2g} (steps h and 2h disagree; a kink, "
            "a discontinuity or rounding noise within the step)")
