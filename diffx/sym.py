"""The bridge to sympy: a graph becomes sympy expressions, node by node, without recursion.

Constants keep their exact decimal value (``0.5`` becomes 1/2, ``pi`` stays pi), inputs are
real symbols. An exact integer power whose result would be astronomically large (``9^9^9^9``)
is refused before sympy tries to compute it; a constant that is not real (``sqrt(-1)``) or
undefined (``1/0``) becomes nan. Sums and products can be converted in linear time
(``chains=True``). Values at a point come from :mod:`diffx.symeval`, the kink-convention
functions from :mod:`diffx.symfuncs`. sympy is imported lazily, on first use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, Protocol

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
    if m and (m.group(1) is None or abs(int(m.group(1))) <= 400) and \
            not 0 < abs(value) < 2.2250738585072014e-308:  # every normal double (a
        return sympy.Rational(text)  # subnormal is far from its decimal: 1e-320 is 9.99989e-321)
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


MAX_CONSTANT_BITS = 2**20  # exp, sin, ... of a constant beyond 2^(2^20) is refused
_EXPLOSIVE = {"exp", "sinh", "cosh", "tanh", "sigmoid", "softplus", "sin", "cos", "tan"}


def _check_constant(arg: Any, graph: Graph, node: int, memo: tuple[dict, list]) -> None:
    """Refuse exp, sin, ... of an astronomically large constant (sinh(pi^1e10)): sympy may
    decide its sign with mpmath, which then builds integers of 2^33 bits, unstoppably."""
    bits = _log2_size(arg, memo)
    if bits > MAX_CONSTANT_BITS:  # (inf too; nan compares False)
        size = "beyond every bound" if math.isinf(bits) else f"about 2^{bits:.3g}"
        raise TooLarge(
            f"{graph.describe(node)} applies a function to a constant {size}; sympy would "
            f"evaluate it numerically for minutes, so the symbolic method refuses constants "
            f"beyond 2^{MAX_CONSTANT_BITS:,} (the numeric and reverse methods use floats)")


def _log2_size(expr: Any, memo: tuple[dict, list]) -> float:
    """log2 of the size of a constant formula (64 bits; inf beyond every bound, nan when
    undefined or not constant), each subexpression once across calls sharing ``memo``."""
    import mpmath

    from .symeval import _walk
    from .symeval_functions import real as _real

    with mpmath.workprec(64):
        try:
            v = _real(_walk(expr, {}, [], [0, None], memo))
        except KeyError:  # a symbol (a named intermediate): not a constant after all
            return math.nan
        return math.nan if mpmath.isnan(v) else -math.inf if v == 0 else \
            math.inf if mpmath.isinf(v) else float(mpmath.mag(v))


def to_sympy(graph: Graph, names: dict[int, Any] | None = None,
             upto: int | None = None, chains: bool = False) -> list[Any]:
    """A sympy expression for every node up to ``upto`` (default: the output), in order.

    ``names`` optionally replaces some nodes by given expressions (a symbol per named
    intermediate, for route formulas written with the program's names).

    With ``chains`` (for a caller that reads only the last node), the conversion is linear: a
    chain of sums (``x1 + x2 + ... + xn``) or of products is handed to sympy as one ``Add`` or
    ``Mul`` of all its terms, not built one binary step at a time (each step would copy the
    whole sum so far, quadratic in n); a link of a chain used only by the next link is left
    as None. A constant that sympy cannot use as a real number
    (``log(-2)`` inside ``max``, ``atan(1/0)``) becomes nan: the function is undefined there.
    """
    import sympy

    syms = symbols(graph)
    last = graph.output if upto is None else upto
    exprs: list[Any] = [None] * (last + 1)
    constant_only = _constant_only(graph, last)
    links = _chain_links(graph, last, names, constant_only) if chains else [False] * (last + 1)
    value_fns: dict[int, Callable[..., Any]] = {}  # op code -> its sympy builder
    memo: tuple[dict, list] = ({}, [])  # constants' sizes, each subexpression once
    for i in range(last + 1):
        if names is not None and i in names:
            exprs[i] = names[i]
            continue
        code = graph.op[i]
        if code == INPUT:
            exprs[i] = syms[graph.input_name(i)]
            continue
        if code == CONST:
            exprs[i] = constant(graph.const_text(i), graph.const_value(i))
            continue
        if links[i]:
            continue  # built as part of the chain it belongs to
        op = _ops.BY_CODE[code]
        if chains and op.name in _CHAIN:
            exprs[i] = _chain(graph, i, exprs, links)
        else:
            args = [exprs[a] for a in graph.args(i)]
            if op.name == "pow":
                _check_power(args[0], args[1], graph, i)
            elif constant_only[i] and op.name in _EXPLOSIVE:
                _check_constant(args[0], graph, i, memo)
            elif op.name in ("max", "min"):  # ties are decided on the doubles, as in floats
                args = [sympy.Float(graph.const_value(a)) if graph.op[a] == CONST and
                        e.is_Rational and e != sympy.Rational(graph.const_value(a)) else e
                        for a, e in zip(graph.args(i), args)]
            fn = value_fns.get(code)
            if fn is None:
                fn = value_fns[code] = _ops.compile_function(
                    "x" if op.arity == 1 else "x, y", op.sympy, "sympy")
            try:
                exprs[i] = fn(*args)
            except (ValueError, TypeError, ArithmeticError) as exc:
                raise SymbolicError(f"sympy cannot build {graph.describe(i)}: "
                                    f"{_sentence(exc)}") from None
        e = exprs[i]
        if code != INPUT and code != CONST and _ops.BY_CODE[code].name == "pow" \
                and args[0] == 0 and not args[1].is_number:
            # 0^y is 0 for every y > 0, so its slope there is 0; sympy's 0**y·log(0) is nan
            y = args[1]
            e = exprs[i] = sympy.Piecewise((sympy.Integer(0), y > 0),
                                           (sympy.Integer(1), sympy.Eq(y, 0)), (sympy.oo, True))
        if isinstance(e, sympy.AccumBounds) or any(e is u for u in _UNDEFINED()):
            exprs[i] = sympy.nan  # 1/0, log(0), atan(1/0): undefined for every input value
        elif constant_only[i] and e.is_extended_real is False:
            exprs[i] = sympy.nan  # sqrt(-1), log(-2): the language's numbers are real
    return exprs


class SymbolicError(DiffxError):
    """sympy could not build, differentiate or evaluate a formula (said in a sentence)."""


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip().split("\n")[0][:200] or type(exc).__name__
    return text


def undefined_everywhere(f: Any) -> bool:
    """Whether a formula from :func:`to_sympy` is undefined for every value of its inputs:
    nan (a node such as 1/0 or log(-2) is nan, and nan spreads) or holding nan or complex
    infinity (``x/0`` is ``zoo*x``). The one test of the symbolic method and the steps:
    sympy would call such a function's derivative 0 (or zoo); diffx's is nan."""
    import sympy

    return isinstance(f, sympy.Basic) and (f is sympy.nan or f.has(sympy.nan, sympy.zoo))


def _UNDEFINED() -> tuple[Any, ...]:
    import sympy

    return (sympy.zoo, sympy.oo, -sympy.oo)


_CHAIN = {"add": "add", "sub": "add", "neg": "add", "mul": "mul"}


def _constant_only(graph: Graph, last: int) -> list[bool]:
    """Nodes that depend on no input (``sqrt(-1)``, ``2^10``)."""
    const = [False] * (last + 1)
    for i in range(last + 1):
        code = graph.op[i]
        const[i] = code == CONST or (code != INPUT and all(const[a] for a in graph.args(i)))
    return const


def _chain_links(graph: Graph, last: int, names: dict[int, Any] | None,
                 constant_only: list[bool]) -> list[bool]:
    """Nodes that are an inner link of an add/sub/neg or mul chain: used exactly once, by a
    node of the same kind, and not replaced by a name. Their parent gathers their terms."""
    uses = [0] * (last + 1)
    user = [-1] * (last + 1)
    for i in range(last + 1):
        for a in graph.args(i):
            uses[a] += 1
            user[a] = i
    links = [False] * (last + 1)
    for i in range(last + 1):
        op = graph.op_of(i) if graph.op[i] > CONST else None
        if op is None or op.name not in _CHAIN or uses[i] != 1 or i == last or \
                constant_only[i]:
            continue
        if names is not None and i in names:
            continue
        parent = graph.op_of(user[i])
        if parent is not None and _CHAIN.get(parent.name) == _CHAIN[op.name]:
            links[i] = True
    return links


def _chain(graph: Graph, root: int, exprs: list[Any], links: list[bool]) -> Any:
    """One sympy Add (or Mul) of every term of the chain ending at ``root`` (explicit stack:
    a term carries its sign, -1 or +1, through sub and neg)."""
    import sympy

    kind = _CHAIN[_ops.BY_CODE[graph.op[root]].name]
    terms: list[Any] = []
    stack = [(root, 1)]
    while stack:
        node, sign = stack.pop()
        if node != root and not links[node]:
            e = exprs[node]
            terms.append(e if sign == 1 else -e)
            continue
        name = _ops.BY_CODE[graph.op[node]].name
        args = graph.args(node)
        if name == "neg":
            stack.append((args[0], -sign))
        elif name == "sub":
            stack.append((args[1], -sign))
            stack.append((args[0], sign))
        else:  # add or mul: both terms keep the sign (a product's sign rides on one factor)
            stack.append((args[1], sign if kind == "add" else 1))
            stack.append((args[0], sign))
    return sympy.Add(*terms) if kind == "add" else sympy.Mul(*terms)


MAX_TREE = 100_000  # sympy walks trees: beyond this, sympy.diff would run for minutes
MAX_PRINTED = 20_000  # formulas whose tree is larger are measured but not printed


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


class Replacements(Protocol):
    """What :func:`substitute` asks of its mapping: a dict, or an :class:`Expansion`."""

    def __contains__(self, e: Any) -> bool: ...

    def __getitem__(self, e: Any) -> Any: ...


def substitute(expr: Any, mapping: Replacements) -> Any:
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
            try:
                done[key] = e.func(*args) if changed else e
            except (ValueError, TypeError):  # Max/Heaviside of a non-real number: undefined
                import sympy

                done[key] = sympy.nan
            keep.append(e)
        else:
            stack.append((e, True))
            stack.extend((a, False) for a in e.args if id(a) not in done)
    return done[id(expr)]


class Expansion:
    """Named intermediates (symbols) and what they stand for in terms of the inputs, for
    :func:`substitute`. The expressions are built only when a formula contains one of the
    names: a long sum's route-sum (all factors 1) never needs the quadratic expansion."""

    def __init__(self, graph: Graph, named: dict[int, Any]) -> None:
        self.graph = graph
        self.node_of = {sym: node for node, sym in named.items()}
        self._full: list[Any] | None = None

    def __bool__(self) -> bool:
        return bool(self.node_of)

    def __contains__(self, e: Any) -> bool:
        try:
            return e in self.node_of
        except TypeError:
            return False

    def __getitem__(self, e: Any) -> Any:
        if self._full is None:
            self._full = to_sympy(self.graph)
        return self._full[self.node_of[e]]


def formula_tree_size(expr: Any) -> int:
    """Nodes in a sympy formula's expression tree (shared subexpressions counted every time
    they occur); :func:`diffx.counts.tree_size` counts a graph unfolded into a tree."""
    return sizes(expr)[1]


def value_at(expr: Any, point: dict[Any, float]) -> Any:
    """The value of a formula at a point (symbol -> float), as a :class:`symeval.Value`:
    mpmath at adaptive precision over the formula's DAG (see :mod:`diffx.symeval`)."""
    from .symeval import evaluate

    return evaluate(expr, point)
