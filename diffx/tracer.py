"""The tracer: the value a traced Python function computes with, and ``name``.

:func:`diffx.tracing.trace` calls ``f`` once with one :class:`Tracer` per parameter. Each operation on a tracer
(``+ - * / **``, unary ``-``, ``abs``, numpy ufuncs through ``__array_ufunc__``, the functions
of ``diffx.math``) adds one node to the arrays of a :class:`~diffx.graph_builder.GraphBuilder`,
sharing identical subexpressions as the parser does (the trace keeps its own table for that,
so an operation costs no call beyond its operator method), so the result is the scalar Graph
a program would give. Python floats and ints become constant leaves; loops unroll by themselves. Nothing here
recurses: an operation is one dict lookup (hash-consing), values are computed by a forward loop.

A tracer has a value only where Python needs one: a comparison (``if x > 0``) is answered at
the traced point and recorded with its line, and the graph then carries a warning that it
holds for the branch taken there. What needs a plain float (``float(t)``, ``math.sin(t)``)
fails with a :class:`TraceError` that says what to use instead.
"""

from __future__ import annotations

import math
import numbers
import operator
import os
import sys
from collections.abc import Callable
from typing import Any

from . import ops as _ops
from .errors import DiffxError
from .graph_builder import GraphBuilder
from .ops import CONST, INPUT


class TraceError(DiffxError):
    """A Python function could not be traced (what failed, and where in the function)."""


# numpy ufunc name -> the op table's op; "positive", "square" and comparisons are handled apart
UFUNC_OPS = {"add": "add", "subtract": "sub", "multiply": "mul", "divide": "div",
             "true_divide": "div", "power": "pow", "float_power": "pow", "negative": "neg",
             "absolute": "abs", "fabs": "abs", "sin": "sin", "cos": "cos", "tan": "tan",
             "exp": "exp", "log": "log", "sqrt": "sqrt", "tanh": "tanh", "sinh": "sinh",
             "cosh": "cosh", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
             "maximum": "max", "minimum": "min"}
COMPARISONS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "greater": (">", operator.gt), "greater_equal": (">=", operator.ge),
    "less": ("<", operator.lt), "less_equal": ("<=", operator.le),
    "equal": ("==", operator.eq), "not_equal": ("!=", operator.ne)}
_BY_SYMBOL = {sym: fn for sym, fn in COMPARISONS.values()}
_PLAIN_FLOAT = ("code that needs a plain float cannot be traced: for a function, use np.sin(x) "
                "or diffx.math.sin(x) instead of math.sin(x) (likewise for the others), which "
                "trace; a check such as math.isnan(x) or a conversion such as float(x) or "
                "np.float64(x) has nothing to trace, so do it on the plain inputs outside the "
                "traced function")


def _user_line() -> tuple[str, int, str]:
    """(file, line, function) of the innermost frame outside diffx's tracing code."""
    frame = sys._getframe(1)
    here = (__name__, "diffx.math_functions", "diffx.tracing")
    while frame is not None and frame.f_globals.get("__name__") in here:
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "?", 0, "?"
    return frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name


class Trace:
    """One run of a traced function: the builder, values computed on demand, the
    comparisons met (by line) and the names given with :func:`name`."""

    def __init__(self, point: dict[str, float]) -> None:
        self.builder = GraphBuilder("")
        # the trace's own hash-consing over the builder's arrays, as GraphBuilder.node does
        # it (the same op on the same arguments is one node): an operation on a tracer then
        # costs no call beyond its operator method, which was most of tracing's time
        self.ops: dict[tuple[int, int, int], int] = {}
        self.point = point
        self.values: list[float] = []  # values of nodes 0..len-1, extended on demand
        self.branches: dict[tuple[str, int, str], list[Any]] = {}  # line -> [True n, False n, op]
        self.names: list[tuple[str, int]] = []
        self._plain: dict[tuple[type, float], int] = {}  # constant -> node, for speed only
        self.open = True

    # ------------------------------------------------------------ building ---------------
    def node_of(self, x: Any, what: str) -> int | None:
        """The node of a tracer of this trace, or a new constant for a number; None for
        anything else (the operator then returns NotImplemented)."""
        cls = x.__class__
        if cls is float or cls is int:  # the common constants, found without the ABCs
            node = self._plain.get((cls, x))
            if node is None:
                node = self._plain[(cls, x)] = self.const(x)
            return node
        if cls is Tracer:
            if x._trace is not self or not self.open:
                raise TraceError(f"{what}: a traced value from another trace (one kept from an "
                                 "earlier call of diffx.trace) cannot be used in this one")
            return x._node
        if isinstance(x, numbers.Real):
            return self.const(x)
        if getattr(x, "shape", None) == () and getattr(x, "dtype", None) == object:
            return self.node_of(x.item(), what)  # a 0-d object array holding a tracer
        return None

    def const(self, x: numbers.Real) -> int:
        try:
            value = float(x)
        except OverflowError:
            raise TraceError(f"the constant {x} is too large for a float") from None
        if not math.isfinite(value):
            file, line, fn = _user_line()
            raise TraceError(f"line {line} of {fn}: the constant {value} is not a finite "
                             "number; a traced graph holds finite constants")
        text = str(int(x)) if isinstance(x, numbers.Integral) else repr(value)
        return self.builder.const(value, text)

    def apply(self, op: _ops.Op, args: tuple[Any, ...], what: str) -> Any:
        nodes = []
        for x in args:
            node = self.node_of(x, what)
            if node is None:
                raise TraceError(f"{what} cannot be traced with an argument of type "
                                 f"{type(x).__name__} (traced values and numbers only)")
            nodes.append(node)
        return self.node(op.code, nodes[0], nodes[1] if len(nodes) > 1 else -1)

    def node(self, code: int, a: int, b: int) -> Tracer:
        """The tracer of ``code(a, b)``: an existing node for the same op on the same
        arguments, else a new one (the operators inline this)."""
        key = (code, a, b)
        node = self.ops.get(key)
        if node is None:
            node = self.ops[key] = len(self.builder.op)
            self.builder.op.append(code)
            self.builder.a.append(a)
            self.builder.b.append(b)
        out = _new_tracer(Tracer)
        out._trace, out._node = self, node
        return out

    # ------------------------------------------------------------ values -----------------
    def value(self, node: int) -> float:
        """The node's value at the traced point (nodes up to it are evaluated once, in order)."""
        vals, b = self.values, self.builder
        for i in range(len(vals), node + 1):
            code = b.op[i]
            if code == INPUT:
                vals.append(self.point[b.leaf[i]])
            elif code == CONST:
                vals.append(b.leaf[i][0])
            else:
                op = _ops.BY_CODE[code]
                args = (vals[b.a[i]],) if op.arity == 1 else (vals[b.a[i]], vals[b.b[i]])
                vals.append(evaluate(op, args))
        return vals[node]

    def compare(self, left: Any, right: Any, symbol: str) -> bool:
        """A comparison answered at the traced point, and recorded with the line asking it."""
        values = []
        for x in (left, right):
            node = self.node_of(x, f"the comparison {symbol}") if isinstance(x, Tracer) else None
            values.append(self.value(node) if node is not None else float(x))
        result = bool(_BY_SYMBOL[symbol](*values))
        record = self.branches.setdefault(_user_line(), [0, 0, symbol])
        record[0 if result else 1] += 1
        return result


def evaluate(op: _ops.Op, args: tuple[Any, ...]) -> float:
    """One op on floats: math first, numpy (inf and nan instead of errors) where math fails."""
    try:
        return float(op.evaluate(*args, ns="math"))
    except (ArithmeticError, ValueError):
        import numpy as np

        with np.errstate(all="ignore"):
            return float(op.evaluate(*(np.float64(a) for a in args), ns="numpy"))


def _binary(name: str, reflected: bool = False) -> Callable[[Tracer, Any], Any]:
    """The operator method: the common cases (another tracer of this trace, a float met
    before) are read inline and the node is hash-consed inline (:meth:`Trace.node`), since
    this runs once per traced operation."""
    op = _ops.BY_NAME[name]
    code, what = op.code, f"the operator {'**' if name == 'pow' else op.symbol}"

    def method(self: Tracer, other: Any) -> Any:
        run = self._trace
        if not run.open:
            run.node_of(self, what)  # raises: the trace has finished
        cls = other.__class__
        if cls is Tracer and other._trace is run:
            b = other._node
        else:
            found = run._plain.get((cls, other)) if cls is float or cls is int else None
            if found is None:
                found = run.node_of(other, what)
                if found is None:
                    return NotImplemented
            b = found
        if reflected:
            key = (code, b, self._node)
        else:
            key = (code, self._node, b)
        node = run.ops.get(key)
        if node is None:
            ops = run.builder.op
            node = run.ops[key] = len(ops)
            ops.append(code)
            run.builder.a.append(key[1])
            run.builder.b.append(key[2])
        out = _new_tracer(Tracer)
        out._trace, out._node = run, node
        return out
    return method


def _comparison(symbol: str) -> Callable[[Tracer, Any], Any]:
    def method(self: Tracer, other: Any) -> Any:
        if not isinstance(other, Tracer | numbers.Real):
            return NotImplemented
        return self._trace.compare(self, other, symbol)
    return method


def _needs_float(what: str, hint: str = _PLAIN_FLOAT) -> Callable[..., Any]:
    def method(self: Tracer, *args: Any) -> Any:
        file, line, fn = _user_line()
        raise TraceError(f"line {line} of {fn} ({os.path.basename(file)}): {what} was given a "
                         f"traced value, which is not a plain number; {hint}")
    return method


_ROUNDING = ("{name} is a step function (its derivative is 0 wherever it exists), so diffx "
             "has no op for it: round plain numbers before or after the traced call, or leave "
             "{name} out")
_NO_OP = ("diffx traces + - * / **, abs, numpy ufuncs and diffx.math, and has no op for this "
          "one (it has no derivative)")


class Tracer:
    """A value being traced: a node of the trace's graph. Use it as a float in arithmetic,
    numpy ufuncs and ``diffx.math``; comparisons are answered at the traced point."""

    __slots__ = ("_trace", "_node")

    def __init__(self, trace: Trace, node: int) -> None:
        self._trace = trace
        self._node = node

    __add__, __radd__ = _binary("add"), _binary("add", True)
    __sub__, __rsub__ = _binary("sub"), _binary("sub", True)
    __mul__, __rmul__ = _binary("mul"), _binary("mul", True)
    __truediv__, __rtruediv__ = _binary("div"), _binary("div", True)
    __pow__, __rpow__ = _binary("pow"), _binary("pow", True)
    __gt__, __ge__, __lt__, __le__ = (_comparison(">"), _comparison(">="), _comparison("<"),
                                      _comparison("<="))
    __eq__, __ne__ = _comparison("=="), _comparison("!=")
    __hash__ = object.__hash__
    __float__ = _needs_float("float() (or a math.* function)")
    __int__ = _needs_float("int()", _ROUNDING.format(name="int()"))
    __index__ = _needs_float("an index (a list, range or slice)", "a traced value cannot "
                             "choose an element; index with plain whole numbers")
    __complex__ = _needs_float("complex()", "diffx traces real numbers only")
    __round__ = _needs_float("round()", _ROUNDING.format(name="round()"))
    __trunc__, __floor__, __ceil__ = (
        _needs_float("math.trunc()", _ROUNDING.format(name="math.trunc()")),
        _needs_float("math.floor()", _ROUNDING.format(name="math.floor()")),
        _needs_float("math.ceil()", _ROUNDING.format(name="math.ceil()")))
    __floordiv__ = __rfloordiv__ = _needs_float("// (floor division)", _NO_OP)
    __mod__ = __rmod__ = _needs_float("% (the remainder)", _NO_OP)

    def __neg__(self) -> Tracer:
        return self._trace.apply(_ops.BY_NAME["neg"], (self,), "unary -")

    def __pos__(self) -> Tracer:
        return self

    def __abs__(self) -> Tracer:
        return self._trace.apply(_ops.BY_NAME["abs"], (self,), "abs")

    def __bool__(self) -> bool:
        return self._trace.compare(self, 0.0, "!=")

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        name = getattr(ufunc, "__name__", str(ufunc))
        if method != "__call__" or kwargs:
            raise TraceError(f"np.{name}.{method} (or its keyword arguments) cannot be traced; "
                             f"call np.{name}(...) on traced values")
        if name in COMPARISONS:
            return self._trace.compare(inputs[0], inputs[1], COMPARISONS[name][0])
        if name == "positive":
            return inputs[0]
        if name == "square":
            return self._trace.apply(_ops.BY_NAME["pow"], (inputs[0], 2), "np.square")
        if name not in UFUNC_OPS:
            known = ", ".join(f"np.{u}" for u in [*UFUNC_OPS, "positive", "square",
                                                   *COMPARISONS])
            raise TraceError(f"np.{name} has no op in diffx, so it cannot be traced; the numpy "
                             f"functions that trace are {known} (and diffx.math has "
                             "sigmoid, relu, softplus)")
        return self._trace.apply(_ops.BY_NAME[UFUNC_OPS[name]], inputs, f"np.{name}")

    def __repr__(self) -> str:
        if not self._trace.open:
            return f"<traced value, node {self._node}>"
        return f"<traced value {self._trace.value(self._node)!r}, node {self._node}>"


def _elementwise(ufunc: str, op: str) -> Callable[[Any], Any]:
    def method(self: Any) -> Any:
        return self._trace.apply(_ops.BY_NAME[op], (self,), f"np.{ufunc}")
    method.__name__ = ufunc
    return method


# numpy applies a ufunc to an array of objects (np.exp(np.array([x, y]))) by calling each
# element's method of the ufunc's name: a tracer has one for every unary op numpy traces to
for _ufunc, _op in UFUNC_OPS.items():
    if _ops.BY_NAME[_op].arity == 1 and not hasattr(Tracer, _ufunc):
        setattr(Tracer, _ufunc, _elementwise(_ufunc, _op))

_new_tracer = object.__new__  # a Tracer without calling __init__: the operators' fast path


def name(value: Any, label: str) -> Any:
    """Name an intermediate of a traced function: ``h = diffx.name(x * w, "h")`` becomes the
    statement ``h = x*w`` of the traced graph. Returns ``value``; on plain numbers (the
    function called without tracing) it does nothing."""
    if not isinstance(value, Tracer):
        return value
    if not isinstance(label, str) or not _is_name(label):
        raise TraceError(f"diffx.name: {label!r} is not a name (letters, digits and _, not "
                         "starting with a digit)")
    if label in _ops.FUNCTIONS or label in _ops.CONSTANTS:
        kind = "a function name" if label in _ops.FUNCTIONS else "a constant"
        raise TraceError(f"diffx.name: cannot name a value {label!r}: it is {kind} in diffx "
                         f"programs; choose another name (such as {label}1)")
    trace = value._trace
    trace.node_of(value, "diffx.name")
    trace.names.append((label, value._node))
    return value


def _is_name(text: str) -> bool:
    return text.isascii() and text.isidentifier()


def _fname(f: Any) -> str:
    """How messages name a function: ``loss``, ``Model.loss``, ``<lambda>``."""
    name = getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or repr(f)
    return name.rpartition("<locals>.")[2]


__all__ = ["COMPARISONS", "Trace", "TraceError", "Tracer", "UFUNC_OPS", "evaluate", "name"]
