"""The op table: the only place that knows an operation.

Each op is one record. Its value and its local partial derivatives are written once, as small
expressions over the argument names ``x`` and ``y`` and the op's own output ``out`` (a partial
may reuse the output: exp' = out, tan' = 1 + out*out); ``shown`` gives the lecture's form of
a partial when the computed one differs for precision's sake (sigma' = out*(1 - out) is shown,
e/(1 + e)^2 with e = exp(-|x|) computed). Those expressions are diffx's own text,
never the user's; they are compiled once against the namespaces of ``diffx.op_namespaces``
(``math`` for one point, ``numpy`` for arrays and the complex step, ``mpmath`` for high
precision, ``sympy`` for formulas), which supply the functions they call.

The chain rule is not here: the methods combine these local partials. Adding an op is one
``Op(...)`` entry below; the parser, the engine, the methods and the tests all read this table.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# ``ops.namespace`` stays part of this module's interface: the functions its expressions call
from .op_namespaces import compile_function, namespace  # noqa: F401

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
    # The value is never rounded: an argument's value exactly or its negation (neg, abs, relu,
    # max, min), or a constant (sign's -1, 0, 1; heaviside's 0, 1/2, 1). The value audit
    # charges such an op no rounding of its own, only its arguments' errors
    # (docs/conventions.md); an op whose result is rounded must not set it.
    exact: bool = False
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
    _op("neg", 1, "-x", ("-1",), "-x", "−", symbol="-", precedence=3, exact=True),
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
    _op("abs", 1, "abs(x)", ("sign(x)",), "abs(x)", analytic=False, exact=True,
        kink="x == 0", kink_note="abs has a corner at 0; its derivative there is taken as 0 "
        "(sign(0) = 0, as in PyTorch; JAX takes 1)"),
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
    _op("relu", 1, "relu(x)", ("step(x)",), "relu(x)", analytic=False, exact=True,
        kink="x == 0", kink_note="relu has a corner at 0; its derivative there is taken as 0 "
        "(as in PyTorch and JAX)"),
    _op("softplus", 1, "softplus(x)", ("sigmoid(x)",), "log(1 + exp(x))"),
    # ge(x, y) is Heaviside(x - y) with the value 1/2 at 0: a tie splits the derivative
    _op("max", 2, "max(x, y)", ("ge(x, y)", "ge(y, x)"), "Max(x, y)", analytic=False,
        exact=True,
        kink="x == y", kink_note="max has a corner where its arguments tie; "
        "the derivative there is split 1/2 to each argument (as in PyTorch and JAX)"),
    _op("min", 2, "min(x, y)", ("le(x, y)", "le(y, x)"), "Min(x, y)", analytic=False,
        exact=True,
        kink="x == y", kink_note="min has a corner where its arguments tie; "
        "the derivative there is split 1/2 to each argument (as in PyTorch and JAX)"),
    # sign(x) = [x > 0] - [x < 0], sign(0) = 0 (sympy's sign; Heaviside(x, 0) - Heaviside(-x, 0)):
    # abs' and the adjoint program's form of relu', max' and min' ([x > 0] is sign(relu(x)),
    # max's tie split 0.5 + 0.5*sign(x - y)); its derivative is 0 off 0 and taken as 0 at the
    # jump, as the second derivatives of relu, abs, max and min are (docs/conventions.md)
    _op("sign", 1, "sign(x)", ("0",), "sign(x)", analytic=False, exact=True,
        kink="x == 0", kink_note="sign jumps from -1 to 1 at 0 (sign(0) = 0); its derivative "
        "there is taken as 0, as everywhere else"),
    # heaviside(x) = [x > 0] with the value 1/2 at 0 (sympy's Heaviside(x), numpy's
    # heaviside(x, 0.5)): max's and min's share of the adjoint, heaviside(x - y), which splits
    # a tie 1/2 each; its derivative is 0 off 0 and taken as 0 at the jump
    _op("heaviside", 1, "ge(x, 0)", ("0",), "ge(x, 0)", analytic=False, exact=True,
        kink="x == 0", kink_note="heaviside jumps from 0 to 1 at 0 (heaviside(0) = 1/2); its "
        "derivative there is taken as 0, as everywhere else"),
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


# Memoisation only: compiled forms of the (immutable) op table, built on first use.
_compiled_cache: dict[tuple[str, str], tuple[Callable, Callable]] = {}
_condition_cache: dict[tuple[str, str, str], Callable] = {}


def _args(op: Op) -> str:
    return "x" if op.arity == 1 else "x, y"


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


def js_source() -> str:
    """The op table in JavaScript, for the interactive page
    (:mod:`diffx.present.explore_page`): one ``function`` expression per op's value and one
    per its local partials, compiled from the same expression text as the Python, numpy,
    mpmath and sympy forms, over the JavaScript namespace of :mod:`diffx.op_namespace_js` (which follows the ``math`` namespace's kink
    conventions: relu'(0) = 0, abs'(0) = 0, a max/min tie split 1/2). The text defines
    ``DIFFX_OPS``: op code -> ``{name, arity, value(x, y), partials(x, y, out)}``."""
    import json

    from .op_namespace_js import JS_NAMESPACE

    rows = []
    for op in OPS:
        args = _args(op).replace(" ", "")
        rows.append(f"  {op.code}: {{name: {json.dumps(op.name)}, arity: {op.arity}, "
                    f"value: function ({args}) {{ return {op.value}; }}, "
                    f"partials: function ({args}, out) {{ return [{', '.join(op.partials)}]; }}}}")
    table = ",\n".join(rows)
    return (f"var DIFFX_OPS = (function () {{\n\"use strict\";\n{JS_NAMESPACE}\n"
            f"return {{\n{table}\n}};\n}})();\n")
