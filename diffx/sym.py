"""The bridge to sympy: a graph becomes sympy expressions, node by node, without recursion.

Constants keep their exact decimal value (``0.5`` becomes 1/2, ``pi`` stays pi), inputs are
real symbols. An exact integer power whose result would be astronomically large (``9^9^9^9``)
is refused before sympy tries to compute it. sympy is imported only here, on first use.
"""

from __future__ import annotations

import math
import re
from typing import Any

from . import ops as _ops
from .errors import DiffxError
from .graph import Graph
from .ops import CONST, INPUT

MAX_EXACT_DIGITS = 4000  # exact integers beyond this many digits are refused
_DECIMAL = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE]([-+]?[0-9]+))?$")


class TooLarge(DiffxError):
    """An exact number the symbolic method would have to build is astronomically large."""


def symbols(graph: Graph) -> dict[str, Any]:
    import sympy

    return {name: sympy.Symbol(name, real=True) for name in graph.inputs}


def constant(text: str, value: float) -> Any:
    """The exact sympy number for a literal (``2.5`` is 5/2), or pi and e."""
    import sympy

    if text == "pi":
        return sympy.pi
    if text == "e":
        return sympy.E
    m = _DECIMAL.match(text)
    if m and (m.group(1) is None or abs(int(m.group(1))) <= 300):
        return sympy.Rational(text)
    return sympy.Float(value)


def _check_power(base: Any, exponent: Any, graph: Graph, node: int) -> None:
    """Refuse exact powers like 9^387420489 before sympy computes their millions of digits."""
    if not (base.is_Rational and exponent.is_Integer):
        return
    p, q = abs(int(base.p)), abs(int(base.q))
    big = max(p, q)
    if big <= 1:
        return
    digits = abs(int(exponent)) * math.log10(big)
    if digits > MAX_EXACT_DIGITS:
        raise TooLarge(
            f"{graph.describe(node)} is an exact power with about {digits:.3g} digits; the "
            f"symbolic method works with exact numbers and refuses results beyond "
            f"{MAX_EXACT_DIGITS:,} digits (the numeric and reverse methods use floats)")


def to_sympy(graph: Graph, names: dict[int, Any] | None = None,
             upto: int | None = None) -> list[Any]:
    """A sympy expression for every node up to ``upto`` (default: the output), in order.

    ``names`` optionally replaces some nodes by given expressions (a symbol per named
    intermediate, for route formulas written with the program's names).
    """
    syms = symbols(graph)
    last = graph.output if upto is None else upto
    exprs: list[Any] = [None] * (last + 1)
    value_fns = {}
    for i in range(last + 1):
        if names is not None and i in names:
            exprs[i] = names[i]
            continue
        code = graph.op[i]
        if code == INPUT:
            exprs[i] = syms[graph.input_name(i)]
        elif code == CONST:
            exprs[i] = constant(graph.const_text(i), graph.const_value(i))
        else:
            op = _ops.BY_CODE[code]
            args = [exprs[a] for a in graph.args(i)]
            if op.name == "pow":
                _check_power(args[0], args[1], graph, i)
            fn = value_fns.get(code)
            if fn is None:
                fn = value_fns[code] = _ops.compile_function(
                    "x" if op.arity == 1 else "x, y", op.sympy, "sympy")
            exprs[i] = fn(*args)
    return exprs


def tree_size(expr: Any) -> int:
    """Nodes in the expression tree (shared subexpressions counted every time they occur)."""
    count = 0
    stack = [expr]
    while stack:
        e = stack.pop()
        count += 1
        stack.extend(e.args)
    return count


def value_at(expr: Any, subs: dict[Any, Any]) -> complex | float:
    """Evaluate a sympy expression at exact point values with sympy's evalf."""
    import sympy

    v = expr.evalf(17, subs=subs) if subs else expr.evalf(17)
    if v is sympy.zoo or v is sympy.nan or v.has(sympy.zoo, sympy.nan):
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        pass
    try:
        c = complex(v)
    except (TypeError, ValueError):
        return math.nan
    return c if c.imag != 0 else c.real
