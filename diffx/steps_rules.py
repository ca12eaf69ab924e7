"""The rules of :mod:`diffx.steps`: each op's local partials read from the op table with
diffx's own parser, the rule's name and its written form, and the check against sympy.

A partial in the op table is diffx's own text over ``x``, ``y`` and the op's output ``out``
(``cos(x)``, ``1 + out * out``, ``out * (1 - out)``). It is parsed by the language's parser into
a small graph, which becomes sympy through :func:`diffx.sym.to_sympy` (its inputs replaced by
the arguments) and text through :func:`diffx.ops.spell`; nothing is evaluated. The helpers
the language has no word for (relu's ``step``, abs's ``sign``, max/min's ``ge``/``le``, the
power's ``powdx``/``powlog``) take their sympy form from the op namespaces and are written as
:mod:`diffx.notation` writes them: ``[z > 0]``, ``sign(z)``, ``H(z)``.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from . import ops as _ops
from .errors import DiffxError
from .graph import Graph
from .ops import CONST, INPUT

Text = tuple[str, int]  # a text and its precedence (9: an atom)
_HELPER = re.compile(r"([a-z]+)\(([a-z, ]*)\)$")
# how the derivative-only helpers are written (diffx.notation's legend)
_HELPER_TEXT: dict[str, Callable[..., Text]] = {
    "step": lambda x: (f"[{x[0]} > 0]", 9),
    "sign": lambda x: (f"sign({x[0]})", 9),
    "ge": lambda x, y: (f"H({spell('sub', x, y)[0]})", 9),
    "le": lambda x, y: (f"H({spell('sub', y, x)[0]})", 9),
}
_NAMES = {"add": "sum rule", "sub": "difference rule", "neg": "constant multiple rule (-1)"}
CHECK_POINTS = 5  # random points where the formula and sympy's are compared
CHECK_TOLERANCE = 1e-9  # relative
SIMPLIFY_LIMIT = 200  # nodes of the difference up to which sympy.simplify is asked


def spell(name: str, *parts: Text) -> Text:
    """``name`` (an op of the table) applied to texts, parenthesised as the language needs."""
    return _ops.spell(_ops.BY_NAME[name], list(parts))


def _times(p: Text, q: Text) -> Text:
    """``p*q``; a factor 1 is left out, and a sum left alone keeps its parentheses, so that
    ``(x' = 1)*(1 + x)`` reads ``(1 + x)`` inside a quotient rule."""
    if p[0] == "1" or q[0] == "1":
        t = q if p[0] == "1" else p
        return (f"({t[0]})", 9) if t[1] < 2 else t
    return spell("mul", p, q)


def _plus(terms: list[Text]) -> Text:
    if not terms:
        return "0", 9
    out = terms[0]
    for t in terms[1:]:
        out = spell("sub", out, (t[0][1:], 9 if t[1] == 3 else t[1])) if t[0].startswith("-") \
            and t[1] in (3, 9) else spell("add", out, t)
    return out


@lru_cache(maxsize=None)
def _partial(text: str) -> Graph | tuple[str, tuple[str, ...]]:
    """An op-table partial as a graph over x, y, out (diffx's parser), or a helper call."""
    from .errors import ParseError
    from .parser import parse_text

    try:
        return parse_text(text)
    except ParseError:
        m = _HELPER.match(text)
        if m is None or m.group(1) not in _ops.namespace("sympy"):
            raise DiffxError(f"the op table's partial {text!r} is neither in the language "
                             "nor a helper call") from None
        return m.group(1), tuple(a.strip() for a in m.group(2).split(","))


def _spell_graph(pg: Graph, leaves: dict[str, Text]) -> Text:
    """A parsed partial spelled with its inputs replaced by texts (loops, no recursion)."""
    memo: dict[int, Text] = {}
    for n in range(pg.output + 1):
        if pg.op[n] == INPUT:
            memo[n] = leaves[pg.input_name(n)]
        elif pg.op[n] == CONST:
            t = pg.const_text(n)
            memo[n] = (t, 3 if t.startswith("-") else 9)
        else:
            memo[n] = _ops.spell(_ops.BY_CODE[pg.op[n]], [memo[a] for a in pg.args(n)])
    return memo[pg.output]


class Rules:
    """The rules of one graph's ops: partials as sympy and as text, names, written forms."""

    def __init__(self, g: Graph) -> None:
        self.g = g

    def value(self, i: int, args: list[Any]) -> Any:
        """The sympy value of node ``i`` over the given arguments (the op's sympy form)."""
        return _ops.BY_CODE[self.g.op[i]].evaluate(*args, ns="sympy")

    def partials(self, i: int, args: list[Any], out: Any,
                 full: list[Any] | None = None) -> list[Any]:
        """One sympy partial per argument, from the op table's shown partials. ``full``: the
        arguments written out in the inputs, where ``args`` name shared parts by symbols (a
        base is identically 0 by what it is, not by how it is named)."""
        from .sym import to_sympy

        vals = dict(zip(("x", "y"), args), out=out)
        result = []
        for text in _ops.BY_CODE[self.g.op[i]].shown_partials:
            pg = _partial(text)
            if isinstance(pg, Graph):
                result.append(to_sympy(pg, names={n: vals[name] for name, n in
                                                  pg.input_nodes.items()})[pg.output])
            else:
                fn, names = pg
                result.append(_ops.namespace("sympy")[fn](*[vals[a] for a in names]))
        base = (full or args)[0]
        if _ops.BY_CODE[self.g.op[i]].name == "pow" and getattr(base, "is_zero", False):
            import sympy

            # a base that is identically 0: 0^y is 0 for y > 0 (so d/dy is 0, powlog's
            # convention), and inf or 1 elsewhere, where it has no derivative in y
            result[1] = sympy.Piecewise((0, args[1] > 0), (sympy.nan, True))
        return result


    def apply(self, i: int, args: list[Text], primes: list[Text], active: list[bool],
              is_x: list[bool], me: Text) -> tuple[str, str, str]:
        """(the rule's name, the rule written with primed derivatives, a convention note)."""
        op = _ops.BY_CODE[self.g.op[i]]
        name = op.name
        if name in ("add", "sub", "neg"):
            terms = [p for p, on in zip(primes, active) if on]
            if name == "neg":
                text = spell("neg", primes[0])
            elif name == "sub" and not active[0]:
                text = spell("neg", primes[1])
            else:
                text = spell(name, *primes) if all(active) else terms[0]
            rule = _NAMES[name] + ("" if all(active) else " and constant rule")
            return rule, text[0], ""
        a, b = (args + [("", 9)])[:2]
        da, db = (primes + [("0", 9)])[:2]
        chain = any(on and not x for on, x in zip(active, is_x))
        if name == "mul":
            if all(active):
                return "product rule", spell("add", _times(da, b), _times(a, db))[0], ""
            return "constant multiple rule", (_times(da, b) if active[0] else _times(a, db))[0], ""
        if name == "div":
            if not active[1]:
                return "constant multiple rule", spell("div", da, b)[0], ""
            top = spell("sub", _times(da, b), _times(a, db)) if active[0] \
                else spell("neg", _times(a, db))
            return "quotient rule", spell("div", top, spell("pow", b, ("2", 9)))[0], ""
        if name == "pow":
            return self._power(a, b, da, db, active, chain)
        rule = self._function_rule(op)
        parts = self.partial_texts(op, args, me)
        text = _plus([_times(p, d) for p, d, on in zip(parts, primes, active) if on])
        note = f"{op.kink_note}; see docs/conventions.md" if op.kink else ""
        return ("chain rule; " if chain else "") + rule, text[0], note

    def _power(self, a: Text, b: Text, da: Text, db: Text, active: list[bool],
               chain: bool) -> tuple[str, str, str]:
        power = spell("pow", a, b)
        if not active[1]:  # u^c: c*u^(c - 1)*u'
            text = _times(_times(b, spell("pow", a, spell("sub", b, ("1", 9)))), da)
            return ("chain rule; " if chain else "") + "power rule", text[0], ""
        log_a = (f"log({a[0]})", 9)
        if not active[0]:  # c^u: c^u*log(c)*u'
            rule = ("chain rule; " if chain else "") + "exponential rule"
            return rule, _times(_times(power, log_a), db)[0], ""
        inner = spell("add", _times(db, log_a), spell("div", _times(b, da), a))
        return "general power rule", _times(power, (f"({inner[0]})", 9))[0], ""

    def _function_rule(self, op: _ops.Op) -> str:
        """'the derivative of sin(x) is cos(x)', read from the op table."""
        xs = [("x", 9), ("y", 9)][:op.arity]
        texts = self.partial_texts(op, xs, _ops.spell(op, xs))
        of = _ops.spell(op, xs)[0]
        if op.arity == 1:
            return f"the derivative of {of} is {texts[0][0]}"
        return f"the derivative of {of} is {texts[0][0]} in x and {texts[1][0]} in y"

    def partial_texts(self, op: _ops.Op, args: list[Text], out: Text) -> list[Text]:
        """The op table's partials written with the arguments' texts (``out``: the op's)."""
        leaves = dict(zip(("x", "y"), args), out=out)
        texts = []
        for text in op.shown_partials:
            pg = _partial(text)
            texts.append(_spell_graph(pg, leaves) if isinstance(pg, Graph)
                         else _HELPER_TEXT[pg[0]](*[leaves[a] for a in pg[1]]))
        return texts


@dataclass(frozen=True)
class Check:
    """The end formula against ``sympy.diff``: ``how`` says how they were compared."""

    reference: str
    agrees: bool | None  # None: could not be decided
    how: str


def check(final: Any, value: Any, x: Any, show: Callable[[Any], str]) -> Any:
    """``final`` against ``sympy.diff(value, x)``: identical, simplified to 0, or equal at
    random points (mpmath at adaptive precision, :mod:`diffx.symeval`)."""
    import sympy

    from .sym import sizes, value_at

    try:
        reference = sympy.diff(value, x)
    except RecursionError:
        return Check("", None, "sympy.diff could not differentiate so deep an expression")
    difference = final - reference
    if difference == 0:
        return Check(show(reference), True, "identical to sympy.diff")
    if sizes(difference)[1] <= SIMPLIFY_LIMIT:
        try:
            if sympy.simplify(difference) == 0:
                return Check(show(reference), True, "simplify(steps - sympy.diff) = 0")
        except Exception:  # noqa: BLE001  (sympy's own failures: the numbers decide)
            pass
    symbols = sorted(difference.free_symbols | reference.free_symbols | final.free_symbols,
                     key=str)
    rng = random.Random(7)
    compared = 0
    for k in range(2 * CHECK_POINTS):  # small points, then larger ones (log(x - 2))
        if k >= CHECK_POINTS and compared:
            break
        scale = 1.0 if k < CHECK_POINTS else 10.0
        point = {s: scale * rng.uniform(0.15, 0.85) * rng.choice((1, -1)) for s in symbols}
        u, v = value_at(final, point).value, value_at(reference, point).value
        if isinstance(u, complex) or isinstance(v, complex) or \
                not (math.isfinite(u) and math.isfinite(v)):
            continue
        compared += 1
        if abs(u - v) > CHECK_TOLERANCE * max(1.0, abs(u), abs(v)):
            at = ", ".join(f"{s} = {point[s]:.6g}" for s in symbols)
            return Check(show(reference), False, f"differs from sympy.diff at {at}: "
                         f"{u:.12g} against {v:.12g}")
    if not compared:
        return Check(show(reference), None, "no random point where both are finite")
    return Check(show(reference), True, f"equal to sympy.diff at {compared} random points "
                 f"(to {CHECK_TOLERANCE:g} relative)")
