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
``hvp(source, at=..., v=...)`` is H·v by one tangent sweep over the adjoint program.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import DiffxError, OptionError
from .graph import Graph

METHODS = ("symbolic", "reverse", "forward", "numeric")
EPS = 2.0 ** -52
#: the numeric method warns when its error estimate passes this fraction of the largest entry
NUMERIC_TOLERANCE = 1e-5


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


def _request(source: Any, at: Any, wrt: Any) -> tuple[Graph, tuple[str, ...], dict[str, float]]:
    from .methods.run import prepare

    if at is None:
        raise DiffxError("a Hessian is computed at a point: give at={...} with a value for "
                         "every input")
    req = prepare(source, at, wrt)
    if req.vector is not None:
        raise DiffxError("diffx.hessian takes a scalar program; a program over vectors and "
                         "matrices is not supported yet")
    if req.arrays:
        raise DiffxError("diffx.hessian takes one point, not an array of points")
    assert req.point is not None  # at was given
    return req.graph, req.wrt, {k: float(v) for k, v in req.point.items()}


def hessian(source: Any, *, at: Any = None, wrt: Any = None,
            method: str = "reverse") -> Hessian:
    """The Hessian of a scalar program at a point by one method (see the module docstring).

    >>> h = hessian("c = a + b; d = a * c", at={"a": 4, "b": 3})
    >>> h.matrix.tolist(), h.cost
    ([[2.0, 1.0], [1.0, 0.0]], {'sweeps': 2, 'adjoint_nodes': 8})
    """
    if not isinstance(method, str) or method not in METHODS:
        raise OptionError(f"method= must be one of {', '.join(METHODS)}, not {method!r}")
    graph, names, point = _request(source, at, wrt)
    return _run(method, graph, names, point)


def hessian_all(source: Any, *, at: Any = None, wrt: Any = None,
                methods: Iterable[str] = METHODS) -> dict[str, Hessian]:
    """Every method's Hessian (a method that fails reports its error instead of raising)."""
    methods = tuple(methods)
    for m in methods:
        if m not in METHODS:
            raise OptionError(f"unknown Hessian method {m!r}; choose from {', '.join(METHODS)}")
    graph, names, point = _request(source, at, wrt)
    return {m: _run(m, graph, names, point) for m in methods}


def agreement(results: dict[str, Hessian]) -> dict[str, float | None]:
    """Per method, the largest difference from the first method with a Hessian, relative to
    max(1, that Hessian's largest entry) (None where a method gave none)."""
    ref = next((h.matrix for h in results.values() if h.matrix is not None), None)
    out: dict[str, float | None] = {}
    for m, h in results.items():
        if ref is None or h.matrix is None:
            out[m] = None
            continue
        scale = max(float(np.max(np.abs(ref))), 1.0) if ref.size else 1.0
        out[m] = float(np.max(np.abs(h.matrix - ref))) / scale if ref.size else 0.0
    return out


def _run(method: str, graph: Graph, wrt: tuple[str, ...], point: dict[str, float]) -> Hessian:
    h = Hessian(method, wrt, point)
    try:
        {"symbolic": _symbolic, "reverse": _reverse, "forward": _forward,
         "numeric": _numeric}[method](graph, h)
    except DiffxError as exc:
        h.error, h.matrix = str(exc), None
        return h
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
def _symbolic(graph: Graph, h: Hessian) -> None:
    import sympy

    from .sym import symbols, to_sympy, value_at

    syms = symbols(graph)
    expr = to_sympy(graph, chains=True)[graph.output]
    variables = [syms[w] for w in h.wrt]
    matrix = sympy.hessian(expr, variables) if variables else sympy.zeros(0, 0)
    matrix = matrix.replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)
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


# ---------------------------------------------------------------- over the adjoint -----------
#: sign(p) as step(p) - step(-p): the same values as diffx.adjoint's clamp, but its own
#: derivative is 0 everywhere (relu'(0) = 0 meets the overflowed ramp as a strong zero), so a
#: second sweep gives abs'' = 0 and max''= 0 at the kink, as docs/conventions.md says, not the
#: clamp's slope 2^1074
_STEP = "min(1, relu({}) * 2^537 * 2^537)"
_SIGN2 = "(" + _STEP.format("{0}") + " - " + _STEP.format("-{0}") + ")"


def _second_order_helpers() -> dict[str, tuple[tuple[str, ...], str]]:
    from .adjoint import HELPERS

    helpers = dict(HELPERS)
    helpers["sign"] = (("p",), _SIGN2.format("p"))
    helpers["ge"] = (("p", "q"), "0.5 * (1 + " + _SIGN2.format("(p - q)") + ")")
    helpers["le"] = (("p", "q"), "0.5 * (1 + " + _SIGN2.format("(q - p)") + ")")
    helpers["powdx"] = (("p", "q"), "q * p^(q - abs(" + _SIGN2.format("q") + "))")
    helpers["powlog"] = (("p", "o"), "o * log(p^abs(" + _SIGN2.format("o") + ")) + "
                         "sqrt(-relu(-p))")
    return helpers


def _adjoint(graph: Graph, wrt: tuple[str, ...]) -> Any:
    from .adjoint import adjoint

    return adjoint(graph, wrt, helpers=_second_order_helpers())


def _reverse(graph: Graph, h: Hessian) -> None:
    from .api import grad

    adj = _adjoint(graph, h.wrt)
    n = len(h.wrt)
    out = np.zeros((n, n))
    seen: set[str] = set()
    for i, w in enumerate(h.wrt):
        row = grad(adj.partial_graph(w), at=h.point, wrt=h.wrt, method="reverse")
        if not row.ok:
            raise DiffxError(f"reverse over the adjoint program, row {w}: {row.error}")
        gradient = row.gradient
        assert gradient is not None  # ok at a point
        out[i] = [float(gradient[v]) for v in h.wrt]
        for msg in row.warnings:  # the helpers' own nodes (the 2^537 ramps) are not the user's
            if "2^537" not in msg and "relu(-" not in msg and msg not in seen:
                seen.add(msg)
                h.warnings.append(f"row {w}: {msg}")
    h.matrix = out
    h.value = _value(graph, h.point)
    h.cost = {"sweeps": n, "adjoint_nodes": adj.graph.size}


def _tangent_sweep(graph: Graph, point: dict[str, float], seed: dict[str, float]) -> list[Any]:
    """Tangents of every node of ``graph`` along ``seed`` (input -> direction), one pass."""
    from . import engine
    from .evaluation import evaluate

    vals, ns = evaluate(graph, point, arrays=False)
    names = tuple(seed)
    with np.errstate(all="ignore"):
        for space in dict.fromkeys((ns, "numpy")):
            program = engine.Compiled(graph, names, space, arrays=False)
            T: list[Any] = [0.0] * len(graph.op)
            for w, d in seed.items():
                T[graph.input_nodes[w]] = d
            try:
                use = vals if space == ns else [np.float64(v) if isinstance(v, float) else v
                                                for v in vals]
                return program.tangent_fn(use, T, program.codes, graph.a, graph.b,
                                          graph.output)
            except (ArithmeticError, ValueError):
                continue
    raise DiffxError("the tangent sweep over the adjoint program failed")


def _forward(graph: Graph, h: Hessian) -> None:
    adj = _adjoint(graph, h.wrt)
    g = adj.graph
    n = len(h.wrt)
    out = np.zeros((n, n))
    for j, w in enumerate(h.wrt):
        T = _tangent_sweep(g, h.point, {w: 1.0})
        for i, v in enumerate(h.wrt):
            out[i, j] = float(T[g.assigned[adj.partials[v]]])
    h.matrix = out
    h.value = _value(graph, h.point)
    h.cost = {"sweeps": n, "adjoint_nodes": g.size}


def hvp(source: Any, *, at: Any = None, v: Any = None, wrt: Any = None) -> dict[str, float]:
    """H·v at ``at`` by one tangent sweep over the adjoint program (forward-over-reverse);
    ``v`` maps each input of ``wrt`` to its component (or is a sequence in ``wrt`` order).

    >>> hvp("c = a + b; d = a * c", at={"a": 4, "b": 3}, v={"a": 1, "b": 0})
    {'a': 2.0, 'b': 1.0}
    """
    graph, names, point = _request(source, at, wrt)
    if isinstance(v, dict):
        unknown = sorted(set(v) - set(names))
        if unknown:
            raise DiffxError(f"v= names {', '.join(unknown)}, not among the inputs "
                             f"differentiated ({', '.join(names)})")
        direction = {w: float(v.get(w, 0.0)) for w in names}
    elif v is not None and hasattr(v, "__len__") and len(v) == len(names):
        direction = {w: float(x) for w, x in zip(names, v)}
    else:
        raise DiffxError(f"v= must give a component for each of {', '.join(names)} (a dict "
                         "or a sequence in that order)")
    adj = _adjoint(graph, names)
    T = _tangent_sweep(adj.graph, point, direction)
    return {w: float(T[adj.graph.assigned[adj.partials[w]]]) for w in names}


# ---------------------------------------------------------------- numeric --------------------
def _value(graph: Graph, point: dict[str, float]) -> float:
    from .evaluation import evaluate

    vals, _ = evaluate(graph, point, arrays=False)
    return float(vals[graph.output])


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


def _numeric(graph: Graph, h: Hessian) -> None:
    names = h.wrt
    count = [0]

    def f(x: np.ndarray) -> float:
        count[0] += 1
        point = dict(h.point)
        point.update({w: float(x[k]) for k, w in enumerate(names)})
        return _value(graph, point)

    x = np.array([h.point[w] for w in names])
    fx = f(x)
    steps = EPS ** 0.25 * np.maximum(1.0, np.abs(x))
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
