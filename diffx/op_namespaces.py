"""The functions the op table's expressions call, one namespace per kind of number, and the
compiler that turns diffx's own expression text into Python functions over a namespace.

* ``math``   -- Python floats, the fast path for one point (domain errors raise, then diffx
  re-evaluates with numpy to report inf/nan and where they came from);
* ``numpy``  -- float64 or complex128 scalars and arrays (many points, complex step);
* ``mpmath`` -- mpmath numbers at any precision (the sweeps' 50-digit re-run);
* ``sympy``  -- symbols, for formulas and the local derivative on each edge.

Each namespace spells the same names (``sin``, ``pow``, ``sigmoid``, ``powlog``, ``ge`` ...);
what an op computes is written once, in ``diffx.ops``. Helpers with no single library function
(a stable sigmoid, the power's partials at a zero base, the tie-splitting step of max and min)
are defined here per kind of number.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import Any


# Helpers that have no single library function. Scalar versions work on Python floats;
# numpy versions on float64/complex128 scalars and arrays.

def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _datan(x: float) -> float:
    # 1 / (1 + x^2), without overflowing x^2 for |x| > 1e154
    if abs(x) <= 1.0:
        return 1.0 / (1.0 + x * x)
    t = 1.0 / x
    return t * t / (1.0 + t * t)


def _dtanh(x: float) -> float:
    # sech^2 x; past |x| = 356 it is below the smallest normal float (cosh^2 would overflow).
    # c * c, not c ** 2: CPython's float ** 2 calls pow, which may round the square
    # differently from the product numpy, numba and JavaScript's forms compute
    if abs(x) > 356.0:
        return 0.0
    c = math.cosh(x)
    return 1.0 / (c * c)


def _dsigmoid(x: float) -> float:
    e = math.exp(-abs(x))  # sigma' is even: sigma(x) sigma(-x) = e / (1 + e)^2
    return e / ((1.0 + e) * (1.0 + e))


def _powdx(x: float, y: float) -> float:
    # d/dx x^y = y x^(y-1); for y = 0 it is 0 everywhere, also at x = 0 (not 0 * inf)
    return 0.0 if y == 0 else y * math.pow(x, y - 1)


def _powlog(x: float, out: float) -> float:
    # d/dy x^y = x^y log x; where x^y is 0 (x = 0, y > 0) the limit is 0, not 0 * -inf;
    # a negative base has no power near a whole exponent: no derivative (nan, with a warning)
    if x < 0:
        return math.nan
    return 0.0 if out == 0 else out * math.log(x)


def _pow(x: float, y: float) -> float:
    # a negative base has a power only at whole exponents, -inf too (IEEE's pow(-inf, 0.5)
    # is inf, numpy's sqrt(-inf) nan: one answer, the domain's)
    if x == -math.inf and y != math.floor(y):
        return math.nan
    return math.pow(x, y)


def _powok(x: float, y: float) -> bool:
    return x > 0 or float(y).is_integer() or (x == 0 and y > 0)


def _max(x: float, y: float) -> float:
    return x if x >= y or x != x else y


def _min(x: float, y: float) -> float:
    return x if x <= y or x != x else y


def _math_namespace() -> dict[str, Any]:
    return {
        "sin": math.sin, "cos": math.cos, "tan": math.tan, "exp": math.exp, "log": math.log,
        "sqrt": math.sqrt, "tanh": math.tanh, "sinh": math.sinh, "cosh": math.cosh,
        "asin": math.asin, "acos": math.acos, "atan": math.atan, "abs": abs,
        # nan propagates through max, min, relu and sign as in numpy (Python's max(1, nan)
        # is 1), so that one point and many points agree
        "pow": _pow, "max": _max, "min": _min,
        "sigmoid": _sigmoid, "softplus": _softplus,
        "relu": lambda x: 0.0 if x <= 0 else x,
        "step": lambda x: 1.0 if x > 0 else 0.0,
        "sign": lambda x: 1.0 if x > 0 else -1.0 if x < 0 else (0.0 if x == x else x),
        # ge(x, y) = Heaviside(x - y), le(x, y) = Heaviside(y - x), both 1/2 at a tie
        # (max and min split a tie between their arguments); lt, gt have no tie share
        "ge": lambda x, y: 1.0 if x > y else 0.5 if x == y else 0.0,
        "lt": lambda x, y: 1.0 if x < y else 0.0,
        "le": lambda x, y: 1.0 if x < y else 0.5 if x == y else 0.0,
        "gt": lambda x, y: 1.0 if x > y else 0.0,
        "powlog": _powlog, "powok": _powok, "powdx": _powdx, "datan": _datan,
        "dtanh": _dtanh, "dsigmoid": _dsigmoid,
        "szmul": lambda t, p: 0.0 if t == 0 or p == 0 else t * p,
    }


def _numpy_namespace() -> dict[str, Any]:
    import numpy as np

    def sigmoid(x: Any) -> Any:
        if np.iscomplexobj(x):
            return 1.0 / (1.0 + np.exp(-x))
        return np.exp(-np.logaddexp(0.0, -x))

    def softplus(x: Any) -> Any:
        if np.iscomplexobj(x):
            return np.log(1.0 + np.exp(x))
        return np.logaddexp(0.0, x)

    def where(c: Any) -> Any:
        return np.where(c, 1.0, 0.0)

    def powlog(x: Any, out: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x < 0, np.nan, np.where(out == 0, 0.0, out * np.log(x)))

    def powok(x: Any, y: Any) -> Any:
        return (x > 0) | (np.floor(y) == y) | ((x == 0) & (y > 0))

    def half(above: Any, tie: Any) -> Any:
        return np.where(above, 1.0, np.where(tie, 0.5, 0.0))

    def datan(x: Any) -> Any:
        if np.iscomplexobj(x):
            return 1.0 / (1.0 + x * x)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            t = 1.0 / x
            return np.where(np.abs(x) <= 1.0, 1.0 / (1.0 + x * x), t * t / (1.0 + t * t))

    def dtanh(x: Any) -> Any:
        with np.errstate(over="ignore"):  # cosh^2 overflows where sech^2 underflows: 0
            c = np.cosh(x)
            return 1.0 / (c * c)

    def dsigmoid(x: Any) -> Any:
        if np.iscomplexobj(x):
            s = sigmoid(x)
            return s * (1.0 - s)
        e = np.exp(-np.abs(x))
        return e / ((1.0 + e) * (1.0 + e))

    def powdx(x: Any, y: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(y == 0, 0.0, y * x ** (y - 1))

    def power(x: Any, y: Any) -> Any:
        # ndarray ** 2 takes numpy's fast square path (np.power does not); -inf to an
        # exponent that is not whole is nan, as every namespace gives (``_pow``)
        out = x ** y
        if np.iscomplexobj(x) or np.iscomplexobj(y) or \
                np.ndim(y) == 0 and float(y).is_integer():  # (the complex step's, as given)
            return out
        bad = np.isneginf(x) & (np.floor(y) != y)
        return np.where(bad, np.nan, out) if np.any(bad) else out

    def szmul(t: Any, p: Any) -> Any:  # a strong zero: 0 * anything is 0, also 0 * inf
        with np.errstate(invalid="ignore"):
            return np.where((t == 0) | (p == 0), 0.0, t * p)

    return {
        "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
        "sqrt": np.sqrt, "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh,
        "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "abs": np.abs,
        "pow": power,
        "max": np.maximum, "min": np.minimum,
        "sigmoid": sigmoid, "softplus": softplus,
        "relu": lambda x: np.maximum(x, 0.0),
        "step": lambda x: where(x > 0),
        "sign": np.sign,
        "ge": lambda x, y: half(x > y, x == y),
        "lt": lambda x, y: where(x < y),
        "le": lambda x, y: half(x < y, x == y),
        "gt": lambda x, y: where(x > y),
        "powlog": powlog, "powok": powok, "powdx": powdx, "szmul": szmul, "datan": datan,
        "dtanh": dtanh, "dsigmoid": dsigmoid,
    }


def _mpmath_namespace() -> dict[str, Any]:
    from .op_namespace_mp import mpmath_namespace

    return mpmath_namespace(_math_namespace())


def _sympy_namespace() -> dict[str, Any]:
    import sympy as sp

    from .symfuncs import kink_functions, real_or_nan

    relu, absolute = kink_functions()
    # the kink convention: relu'(0) = 0 and abs'(0) = 0 (step(0) = 0, sign(0) = 0); a max/min
    # tie splits 1/2-1/2 (sympy's Heaviside(0) = 1/2 in ge/lt/le/gt and in Max'/Min')
    smax, smin, heaviside = real_or_nan(sp.Max), real_or_nan(sp.Min), real_or_nan(sp.Heaviside)
    return {
        "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "exp": sp.exp, "log": sp.log,
        "sqrt": sp.sqrt, "tanh": sp.tanh, "sinh": sp.sinh, "cosh": sp.cosh,
        "asin": sp.asin, "acos": sp.acos, "atan": sp.atan, "abs": absolute, "Abs": absolute,
        "pow": lambda x, y: x**y, "max": smax, "min": smin, "Max": smax, "Min": smin,
        "sigmoid": lambda x: 1 / (1 + sp.exp(-x)),
        "softplus": lambda x: sp.log(1 + sp.exp(x)),
        "relu": relu, "Relu": relu,
        "step": lambda x: heaviside(x, 0),
        "sign": sp.sign,
        "ge": lambda x, y: heaviside(x - y),
        "lt": lambda x, y: heaviside(y - x),
        "le": lambda x, y: heaviside(y - x),
        "gt": lambda x, y: heaviside(x - y),
        "tie": lambda x, y: heaviside(x - y),
        "powlog": lambda x, out: out * sp.log(x),
        "powdx": lambda x, y: y * x ** (y - 1),
    }


_NAMESPACES: dict[str, Callable[[], dict[str, Any]]] = {
    "math": _math_namespace, "numpy": _numpy_namespace, "sympy": _sympy_namespace,
    "mpmath": _mpmath_namespace,
}
_namespace_cache: dict[str, dict[str, Any]] = {}


def namespace(ns: str) -> dict[str, Any]:
    """The functions the op expressions call, for ``ns`` in ``math``, ``numpy``, ``sympy``,
    ``mpmath``."""
    if ns not in _namespace_cache:
        _namespace_cache[ns] = _NAMESPACES[ns]()
    return _namespace_cache[ns]


def compile_source(source: str, name: str, space: dict[str, Any],
                   filename: str | None = None) -> Callable:
    """The function ``name`` defined by ``source`` (diffx's own generated text, one ``def``),
    with ``space`` as its globals; tracebacks show ``filename`` (``<diffx name>``)."""
    module = compile(source, filename or f"<diffx {name}>", "exec")
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    return types.FunctionType(code, space, name)


def compile_function(params: str, body: str, ns: str, name: str = "f") -> Callable:
    """Build ``def name(params): return body`` from diffx's own op text, in namespace ``ns``.

    Only the op table's expressions and diffx's identifiers reach here, never user input.
    """
    return compile_source(f"def {name}({params}):\n    return {body}\n", name,
                          dict(namespace(ns)), f"<diffx op {body}>")


# ---------------------------------------------------------------- mpmath with IEEE infinities

def ieee_division(source: str) -> str:
    """``a / b`` in diffx's generated source becomes ``div(a, b)`` (an iterative walk over the
    source's syntax tree; the source holds only op-table text and diffx's names)."""
    import ast

    tree = ast.parse(source)
    stack: list[Any] = [tree]
    while stack:  # children are read after the replacement, so nested divisions are found
        node = stack.pop()
        for field, value in ast.iter_fields(node):
            items = value if isinstance(value, list) else [value]
            new = [ast.Call(ast.Name("div", ast.Load()), [v.left, v.right], [])
                   if isinstance(v, ast.BinOp) and isinstance(v.op, ast.Div) else v
                   for v in items]
            if any(a is not b for a, b in zip(new, items)):
                setattr(node, field, new if isinstance(value, list) else new[0])
        stack.extend(ast.iter_child_nodes(node))
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def mpmath_ieee() -> dict[str, Any]:
    """Division and powers in mpmath with IEEE's infinities (mpmath raises on 1/0 and on
    0^-1): a nonzero number over 0 is inf with its sign, 0/0 is nan; 0 to a negative power
    is inf. mpmath's zero has no sign, so 1/0 is +inf (the float sweep's 1/-0.0 is -inf)."""
    import mpmath as mp

    mp_power = namespace("mpmath")["pow"]  # bounded: no power of a number past 10^616

    def div(a: Any, b: Any) -> Any:
        if b == 0:
            return mp.nan if a == 0 or mp.isnan(a) else mp.inf if a > 0 else -mp.inf
        return a / b

    def power(x: Any, y: Any) -> Any:
        if x == 0 and y < 0:
            return mp.inf
        return mp_power(x, y)

    def powdx(x: Any, y: Any) -> Any:
        return mp.mpf(0) if y == 0 else y * power(x, y - 1)

    return {"div": div, "pow": power, "powdx": powdx}
