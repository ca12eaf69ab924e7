"""The op table: the only place that knows an operation.

Each op is one record. Its value and its local partial derivatives are written once, as small
expressions over the argument names ``x`` and ``y`` and the op's own output ``out`` (a partial
may reuse the output: exp' = out, tan' = 1 + out*out); ``shown`` gives the lecture's form of
a partial when the computed one differs for precision's sake (sigma' = out*(1 - out) is shown,
e/(1 + e)^2 with e = exp(-|x|) computed). Those expressions are diffx's own text,
never the user's; they are compiled once against three namespaces:

* ``math``  -- Python floats, the fast path for one point (domain errors raise, then diffx
  re-evaluates with numpy to report inf/nan and where they came from);
* ``numpy`` -- float64 or complex128 scalars and arrays (many points, complex step);
* ``sympy`` -- symbols, for formulas and for drawing the local derivative on each edge.

The chain rule is not here: the methods combine these local partials. Adding an op is one
``Op(...)`` entry below; the parser, the engine, the methods and the tests all read this table.
"""

from __future__ import annotations

import math
import operator
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Op codes 0 and 1 are the graph's leaves; real ops follow in table order.
INPUT = 0
CONST = 1


@dataclass(frozen=True)
class Op:
    """One operation: how to evaluate it, its local partials, its sympy form and its label."""

    name: str
    arity: int
    value: str  # expression over x, y
    partials: tuple[str, ...]  # one expression over x, y, out per argument
    sympy: str  # expression over x, y in the sympy namespace
    label: str  # how a picture or a table shows the op
    symbol: str | None = None  # infix symbol for operators, None for calls
    precedence: int = 9  # how tightly an operator binds (calls and leaves: 9)
    right: bool = False  # right-associative (only the power)
    analytic: bool = True  # False: not complex-differentiable, the complex step refuses it
    kink: str | None = None  # condition (over x, y) where the op has no derivative
    kink_note: str = ""
    kink_arg: int | None = None  # the kink counts only where this argument depends on wrt
    # How formulas and pictures show the partials, when the computed form differs (the
    # lecture's sigma(1 - sigma) while the sweep computes sigma(x)*sigma(-x), which keeps its
    # precision in the tails). Same little language as ``partials``; None: as computed.
    shown: tuple[str, ...] | None = None
    domain: str | None = None  # condition (over x, y) where the op is defined on the reals
    domain_note: str = ""
    code: int = field(default=-1, compare=False)

    def __post_init__(self) -> None:
        if len(self.partials) != self.arity:
            raise ValueError(f"op {self.name}: {self.arity} arguments need {self.arity} partials")
        if self.shown is not None and len(self.shown) != self.arity:
            raise ValueError(f"op {self.name}: {self.arity} arguments need {self.arity} shown")

    @property
    def shown_partials(self) -> tuple[str, ...]:
        """The partials as formulas and pictures show them (the lecture's form)."""
        return self.shown or self.partials

    # Callables compiled from the expressions above, one set per namespace.
    def evaluate(self, *args: Any, ns: str = "numpy") -> Any:
        """The op's value at ``args`` (floats, arrays or complex numbers)."""
        return _compiled(self, ns)[0](*args)

    def local_partials(self, args: tuple[Any, ...], out: Any, ns: str = "numpy") -> tuple:
        """One local partial derivative per argument, at ``args`` with output ``out``."""
        return _compiled(self, ns)[1](*args, out)


def _op(name: str, arity: int, value: str, partials: tuple[str, ...], sympy: str,
        label: str | None = None, **kw: Any) -> Op:
    return Op(name, arity, value, partials, sympy, label or name, **kw)


_TABLE: tuple[Op, ...] = (
    # operators
    _op("add", 2, "x + y", ("1", "1"), "x + y", "+", symbol="+", precedence=1),
    _op("sub", 2, "x - y", ("1", "-1"), "x - y", "−", symbol="-", precedence=1),
    _op("mul", 2, "x * y", ("y", "x"), "x * y", "×", symbol="*", precedence=2),
    _op("div", 2, "x / y", ("1 / y", "-out / y"), "x / y", "÷", symbol="/", precedence=2,
        domain="y != 0", domain_note="division by zero"),
    _op("pow", 2, "pow(x, y)", ("powdx(x, y)", "powlog(x, out)"), "x ** y", "^", symbol="^",
        precedence=4, right=True, domain="powok(x, y)",
        domain_note="a power needs a positive base unless the exponent is an integer",
        kink="x < 0", kink_arg=1, kink_note="a power with a negative base is defined only at "
        "whole exponents, so it has no derivative with respect to its exponent (taken as nan)"),
    _op("neg", 1, "-x", ("-1",), "-x", "−", symbol="-", precedence=3),
    # functions
    _op("sin", 1, "sin(x)", ("cos(x)",), "sin(x)"),
    _op("cos", 1, "cos(x)", ("-sin(x)",), "cos(x)"),
    _op("tan", 1, "tan(x)", ("1 + out * out",), "tan(x)"),
    _op("exp", 1, "exp(x)", ("out",), "exp(x)"),
    _op("log", 1, "log(x)", ("1 / x",), "log(x)",
        domain="x > 0", domain_note="log needs a positive argument"),
    _op("sqrt", 1, "sqrt(x)", ("0.5 / out",), "sqrt(x)",
        domain="x >= 0", domain_note="sqrt needs a non-negative argument",
        kink="x == 0", kink_note="sqrt has an infinite slope at 0"),
    _op("abs", 1, "abs(x)", ("sign(x)",), "abs(x)", analytic=False,
        kink="x == 0", kink_note="abs has a corner at 0; its derivative there is taken as 0 "
        "(sign(0) = 0, as in PyTorch and JAX)"),
    # sech^2 x = 1/cosh^2 x: 1 - tanh^2 loses every digit in the tails
    _op("tanh", 1, "tanh(x)", ("dtanh(x)",), "tanh(x)", shown=("1 - out * out",)),
    _op("sinh", 1, "sinh(x)", ("cosh(x)",), "sinh(x)"),
    _op("cosh", 1, "cosh(x)", ("sinh(x)",), "cosh(x)"),
    # (1 - x)(1 + x) keeps its precision near ±1, where 1 - x*x loses it
    _op("asin", 1, "asin(x)", ("1 / sqrt((1 - x) * (1 + x))",), "asin(x)",
        shown=("1 / sqrt(1 - x * x)",),
        domain="abs(x) <= 1", domain_note="asin needs an argument in [-1, 1]",
        kink="abs(x) == 1", kink_note="asin has an infinite slope at ±1"),
    _op("acos", 1, "acos(x)", ("-1 / sqrt((1 - x) * (1 + x))",), "acos(x)",
        shown=("-1 / sqrt(1 - x * x)",),
        domain="abs(x) <= 1", domain_note="acos needs an argument in [-1, 1]",
        kink="abs(x) == 1", kink_note="acos has an infinite slope at ±1"),
    _op("atan", 1, "atan(x)", ("datan(x)",), "atan(x)", shown=("1 / (1 + x * x)",)),
    # sigma(x) sigma(-x) = e/(1 + e)^2 with e = exp(-|x|): 1 - sigma(x) is 0 for x > 37
    _op("sigmoid", 1, "sigmoid(x)", ("dsigmoid(x)",), "1 / (1 + exp(-x))", "σ",
        shown=("out * (1 - out)",)),
    _op("relu", 1, "relu(x)", ("step(x)",), "relu(x)", analytic=False,
        kink="x == 0", kink_note="relu has a corner at 0; its derivative there is taken as 0 "
        "(as in PyTorch and JAX)"),
    _op("softplus", 1, "softplus(x)", ("sigmoid(x)",), "log(1 + exp(x))"),
    # ge(x, y) is Heaviside(x - y) with the value 1/2 at 0: a tie splits the derivative
    _op("max", 2, "max(x, y)", ("ge(x, y)", "ge(y, x)"), "Max(x, y)", analytic=False,
        kink="x == y", kink_note="max has a corner where its arguments tie; "
        "the derivative there is split 1/2 to each argument (as in PyTorch and JAX)"),
    _op("min", 2, "min(x, y)", ("le(x, y)", "le(y, x)"), "Min(x, y)", analytic=False,
        kink="x == y", kink_note="min has a corner where its arguments tie; "
        "the derivative there is split 1/2 to each argument (as in PyTorch and JAX)"),
)

OPS: tuple[Op, ...] = tuple(
    Op(**{**op.__dict__, "code": i + 2}) for i, op in enumerate(_TABLE)
)
BY_NAME: dict[str, Op] = {op.name: op for op in OPS}
BY_CODE: dict[int, Op] = {op.code: op for op in OPS}
BY_SYMBOL: dict[str, Op] = {op.symbol: op for op in OPS if op.symbol and op.arity == 2}
BY_SYMBOL["**"] = BY_SYMBOL["^"]  # the language writes the power both ways
UNARY_PRECEDENCE = BY_NAME["neg"].precedence
FUNCTIONS: dict[str, Op] = {op.name: op for op in OPS if op.symbol is None}
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}


# ---------------------------------------------------------------- namespaces -------------
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
    # sech^2 x; past |x| = 356 it is below the smallest normal float (cosh^2 would overflow)
    return 0.0 if abs(x) > 356.0 else 1.0 / math.cosh(x) ** 2


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
        "pow": math.pow, "max": _max, "min": _min,
        "sigmoid": _sigmoid, "softplus": _softplus,
        "relu": lambda x: 0.0 if x <= 0 else x,
        "step": lambda x: 1.0 if x > 0 else 0.0,
        "sign": lambda x: float((x > 0) - (x < 0)) if x == x else x,
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
            return 1.0 / np.cosh(x) ** 2

    def dsigmoid(x: Any) -> Any:
        if np.iscomplexobj(x):
            s = sigmoid(x)
            return s * (1.0 - s)
        e = np.exp(-np.abs(x))
        return e / ((1.0 + e) * (1.0 + e))

    def powdx(x: Any, y: Any) -> Any:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(y == 0, 0.0, y * x ** (y - 1))

    def szmul(t: Any, p: Any) -> Any:  # a strong zero: 0 * anything is 0, also 0 * inf
        with np.errstate(invalid="ignore"):
            return np.where((t == 0) | (p == 0), 0.0, t * p)

    return {
        "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
        "sqrt": np.sqrt, "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh,
        "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "abs": np.abs,
        "pow": operator.pow,  # ndarray ** 2 takes numpy's fast square path; np.power does not
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
    """mpmath numbers (unbounded exponent, any precision): the sweeps' 50-digit re-run."""
    import mpmath as mp

    zero = mp.mpf(0)

    def powlog(x: Any, out: Any) -> Any:
        return mp.nan if x < 0 else zero if out == 0 else out * mp.log(x)

    def powdx(x: Any, y: Any) -> Any:
        return zero if y == 0 else y * mp.power(x, y - 1)

    space = dict(_math_namespace())
    space.update({
        "sin": mp.sin, "cos": mp.cos, "tan": mp.tan, "exp": mp.exp, "log": mp.log,
        "sqrt": mp.sqrt, "tanh": mp.tanh, "sinh": mp.sinh, "cosh": mp.cosh,
        "asin": mp.asin, "acos": mp.acos, "atan": mp.atan, "pow": mp.power,
        "sigmoid": lambda x: 1 / (1 + mp.exp(-x)), "softplus": lambda x: mp.log1p(mp.exp(x)),
        "relu": lambda x: zero if x <= 0 else x, "datan": lambda x: 1 / (1 + x * x),
        "dtanh": lambda x: mp.sech(x) ** 2,
        "dsigmoid": lambda x: 1 / ((1 + mp.exp(-x)) * (1 + mp.exp(x))),
        "powlog": powlog, "powdx": powdx,
        "szmul": lambda t, p: zero if t == 0 or p == 0 else t * p,
    })
    return space


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
# Memoisation only: compiled forms of the (immutable) op table, built on first use.
_compiled_cache: dict[tuple[str, str], tuple[Callable, Callable]] = {}
_condition_cache: dict[tuple[str, str, str], Callable] = {}


def namespace(ns: str) -> dict[str, Any]:
    """The functions the op expressions call, for ``ns`` in ``math``, ``numpy``, ``sympy``,
    ``mpmath``."""
    if ns not in _namespace_cache:
        _namespace_cache[ns] = _NAMESPACES[ns]()
    return _namespace_cache[ns]


def _args(op: Op) -> str:
    return "x" if op.arity == 1 else "x, y"


def compile_function(params: str, body: str, ns: str, name: str = "f") -> Callable:
    """Build ``def name(params): return body`` from diffx's own op text, in namespace ``ns``.

    Only the op table's expressions and diffx's identifiers reach here, never user input.
    """
    module = compile(f"def {name}({params}):\n    return {body}\n", f"<diffx op {body}>", "exec")
    code = next(c for c in module.co_consts if isinstance(c, types.CodeType))
    return types.FunctionType(code, dict(namespace(ns)), name)


def _compiled(op: Op, ns: str) -> tuple[Callable, Callable]:
    key = (op.name, ns)
    if key not in _compiled_cache:
        value_src = op.sympy if ns == "sympy" else op.value
        value = compile_function(_args(op), value_src, ns)
        # formulas show the lecture's form of a partial; numbers use the precise form
        texts = op.shown_partials if ns == "sympy" else op.partials
        partials = compile_function(f"{_args(op)}, out", "(" + ", ".join(texts) + ",)", ns)
        _compiled_cache[key] = (value, partials)
    return _compiled_cache[key]


def condition(op: Op, which: str, ns: str = "numpy") -> Callable | None:
    """The op's ``kink`` or ``domain`` condition as a callable over its arguments, or None."""
    text = getattr(op, which)
    if text is None:
        return None
    key = (op.name, ns, which)
    if key not in _condition_cache:
        _condition_cache[key] = compile_function(_args(op), text, ns)
    return _condition_cache[key]


def spell(op: Op, parts: list[tuple[str, int]]) -> tuple[str, int]:
    """How the language writes ``op`` applied to argument texts (each with its precedence):
    ``a + b``, ``2*x``, ``(a + b)*c``, ``-x^2``, ``sin(x)``. Returns the text and its
    precedence, so that the caller can parenthesise it in turn."""
    p = op.precedence
    if op.arity == 1 and op.symbol:  # unary minus
        text, q = parts[0]
        return "-" + (f"({text})" if q < p else text), p
    if op.symbol:
        (left, lp), (right, rp) = parts
        if lp < p or (op.right and lp == p):
            left = f"({left})"
        if rp < p or (not op.right and rp == p and op.name in ("sub", "div")):
            right = f"({right})"
        return (f"{left} {op.symbol} {right}" if p == 1 else f"{left}{op.symbol}{right}"), p
    return f"{op.name}({', '.join(text for text, _ in parts)})", 9
