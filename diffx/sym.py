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


MAX_TREE = 100_000  # sympy walks trees: beyond this, sympy.diff would run for minutes
MAX_PRINTED = 20_000  # formulas whose tree is larger are measured but not printed
EXACT_VALUE_TREE = 2_000  # formulas up to this size are evaluated exactly with evalf


def sizes(expr: Any) -> tuple[int, int]:
    """(distinct subexpressions, nodes of the expression tree), counted over the DAG.

    sympy shares identical subexpressions in memory, so an expression whose tree has 2**60
    nodes can have a few hundred distinct ones; both are counted without walking the tree.
    """
    tree: dict[int, int] = {}
    keep = []  # keep every visited object alive so that ids stay unique
    stack: list[tuple[Any, bool]] = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        key = id(e)
        if key in tree:
            continue
        if ready:
            tree[key] = 1 + sum(tree[id(a)] for a in e.args)
            keep.append(e)
        else:
            stack.append((e, True))
            stack.extend((a, False) for a in e.args if id(a) not in tree)
    return len(tree), tree[id(expr)]


def substitute(expr: Any, mapping: dict[Any, Any]) -> Any:
    """``expr.xreplace(mapping)`` over the DAG: each distinct subexpression is rebuilt once.

    (sympy's xreplace walks the tree, which is exponential for a swollen expression.)
    """
    done: dict[int, Any] = {}
    keep = []
    stack: list[tuple[Any, bool]] = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        key = id(e)
        if key in done:
            continue
        if e in mapping:
            done[key] = mapping[e]
            keep.append(e)
            continue
        if not e.args:
            done[key] = e
            continue
        if ready:
            args = [done[id(a)] for a in e.args]
            changed = any(x is not y for x, y in zip(args, e.args))
            done[key] = e.func(*args) if changed else e
            keep.append(e)
        else:
            stack.append((e, True))
            stack.extend((a, False) for a in e.args if id(a) not in done)
    return done[id(expr)]


def tree_size(expr: Any) -> int:
    """Nodes in the expression tree (shared subexpressions counted every time they occur)."""
    return sizes(expr)[1]


def value_at(expr: Any, subs: dict[Any, Any], tree: int | None = None) -> complex | float:
    """The value of a formula at a point.

    Small formulas are evaluated exactly with sympy's evalf. Large ones, and any that evalf
    gives up on (mpmath overflows on exp(exp(exp(exp(10))))), are evaluated in floating point
    after common-subexpression elimination, so the cost follows the DAG, not the tree; they
    give inf or nan as IEEE arithmetic would.
    """
    import sympy

    if tree is None:
        tree = sizes(expr)[1]
    if tree > EXACT_VALUE_TREE:
        return _float_value(expr, subs)
    quick = _float_value(expr, subs)
    if isinstance(quick, float) and not math.isfinite(quick):
        return quick  # evalf of an overflowing formula can take very long; floats cannot
    try:
        if _small_powers(expr):
            # exact: substitute the (exactly representable) point, so that Heaviside(1 - 1)
            # is Heaviside(0) = 1/2 and not Heaviside of a rounding error
            v = expr.xreplace(subs).evalf(17)
        else:
            v = expr.evalf(17, subs=subs)  # x^(9^9) at an exact point: too many digits
    except (ArithmeticError, ValueError, TypeError, RecursionError):
        return quick
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


def _small_powers(expr: Any, limit: int = 64) -> bool:
    """No power in ``expr`` has a constant exponent larger than ``limit`` in size."""
    seen: set[int] = set()
    stack = [expr]
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if e.is_Pow and e.exp.is_Number and abs(e.exp) > limit:
            return False
        stack.extend(e.args)
    return True


def _heaviside(x: float, at_zero: float = 0.5) -> float:
    return 1.0 if x > 0 else (0.0 if x < 0 else float(at_zero))  # sympy: Heaviside(0) = 1/2


def _float_value(expr: Any, subs: dict[Any, Any]) -> float:
    """Floating-point value of a formula (symbols dummified: no user text is generated)."""
    import sympy

    names = list(subs)
    fn = sympy.lambdify(names, expr, modules=[{"Heaviside": _heaviside}, "math"], cse=True,
                        dummify=True)
    try:
        return float(fn(*[float(subs[k]) for k in names]))
    except OverflowError:
        return math.inf
    except (ArithmeticError, ValueError, TypeError, NameError):
        return math.nan
