"""Terms of the backward program's matrix notation (``diffx.backward``): the little algebra that
keeps ``L̄ · (y − t)`` readable.

A ``Factor`` is one written value (``ȳ``, ``hᵀ``, ``(t − y)``), knowing whether it needs
parentheses next to others and whether it is a difference. A ``Term`` is a number, scalar
factors (adjoints of scalars, such as ``L̄``, which commute with everything) and array factors
joined by matrix products (a space) or elementwise products (``∘``), in order. Multiplying
folds the numbers (0.5 · 2 = 1), drops a factor 1 and 𝟙 next to ``∘``, and rendering writes
−(t − y) as (y − t). ``elementwise_rule`` gives an elementwise op's share as a term, from the
op table's partials as shown (taken by sympy with the constants put in), and ``unbroadcast``
sums a share that broadcasting stretched; ``index_term`` writes an indexed entry's share
with one-hot vectors (``ḡ e₁``).
"""

from __future__ import annotations

from dataclasses import dataclass

from typing import Any

import numpy as np

from . import ops as _ops
from .shapes import Shape, size

_BAR = "\u0304"


def bar(name: str) -> str:
    """The adjoint's symbol: ``W1`` -> ``W̄1``, ``L`` -> ``L̄`` (a bar over the last letter
    before trailing digits)."""
    end = len(name)
    while end > 1 and (name[end - 1].isdigit() or name[end - 1] == "_"):
        end -= 1
    return name[:end] + _BAR + name[end:]


@dataclass(frozen=True)
class Factor:
    text: str
    atomic: bool | None = None  # None: atomic when the text has no space
    const: float | None = None  # the value of a constant
    diff: tuple[str, str] | None = None  # (a, b) when the text is a − b

    @property
    def alone(self) -> bool:
        return (" " not in self.text) if self.atomic is None else self.atomic

    @property
    def wrapped(self) -> str:
        return self.text if self.alone else f"({self.text})"

    @property
    def transposed(self) -> str:
        if self.alone and self.text.endswith("ᵀ"):
            return self.text[:-1]
        return self.wrapped + "ᵀ"

    def transposed_factor(self) -> Factor:
        return Factor(self.transposed, atomic=True)

    def flipped(self) -> Factor:
        a, b = self.diff or ("", "")
        return Factor(f"{b} − {a}", atomic=False, diff=(b, a))


@dataclass(frozen=True)
class Term:
    coef: float = 1.0
    scalars: tuple[str, ...] = ()
    factors: tuple[tuple[str, Factor], ...] = ()  # (separator before it, factor)

    def joined(self) -> str:
        """The array factors alone, as written (each wrapped when it has neighbours)."""
        many = len(self.factors) > 1
        return "".join(sep + (f.wrapped if many else f.text) for sep, f in self.factors)

    def block(self) -> Factor | None:
        """The array factors as one factor (None for a term of scalars)."""
        if not self.factors:
            return None
        if len(self.factors) == 1:
            return self.factors[0][1]
        return Factor(self.joined(), atomic=False)

    def times(self, factor: Factor, sep: str) -> Term:
        """This term followed by ``factor`` (``sep``: " " matrix product, " ∘ " elementwise)."""
        factors = self.factors
        if any(s != sep for s, _ in factors[1:]):
            factors = (("", Factor(self.joined(), atomic=False)),)
        if factor.const is not None:
            return Term(self.coef * factor.const, self.scalars, factors)
        return Term(self.coef, self.scalars, factors + ((sep if factors else "", factor),))

    def elementwise(self, factor: Factor) -> Term:
        if factor.text == "𝟙":
            return self
        if len(self.factors) == 1 and self.factors[0][1].text == "𝟙":  # 𝟙 ∘ F = F
            return Term(self.coef, self.scalars, ((("", factor),)))
        return self.times(factor, " ∘ ")


def _number(c: float) -> str:
    """``0.5``, ``2``, ``1/6`` (a short fraction where the decimal is long)."""
    from fractions import Fraction

    text = f"{c:.15g}"
    if len(text) > 6:
        frac = Fraction(c).limit_denominator(1000)
        if float(frac) == c:
            return f"{frac.numerator}/{frac.denominator}"
    return text


def render(term: Term, shape: Shape = ()) -> str:
    """``0.5 L̄ · (y − t)``; a term of scalars only with an array shape is written with 𝟙."""
    coef, factors = term.coef, term.factors
    if coef < 0 and len(factors) == 1 and factors[0][1].diff is not None:
        coef, factors = -coef, (("", factors[0][1].flipped()),)
        term = Term(coef, term.scalars, factors)
    if not term.scalars and not factors:
        return _number(coef) + (" 𝟙" if shape else "")
    # a scalar divisor ("/ p[1]") is written last: L̄ a / p[1]; alone it is 1 / p[1]
    divisors = [s for s in term.scalars if s.startswith("/ ")]
    words = [s for s in term.scalars if not s.startswith("/ ")]
    number = [_number(abs(coef))] if abs(coef) != 1 or (divisors and not words) else []
    head = " ".join(number + words + divisors)
    if factors:
        body = term.joined()
        if head and len(factors) == 1:
            body = factors[0][1].wrapped
        text = f"{head} · {body}" if head else body
    else:
        text = head + (" 𝟙" if shape else "")
    return ("−" + text) if coef < 0 else text


def render_sum(terms: list[Term], shape: Shape = ()) -> str:
    """Contributions joined: ``a + b``, ``a − b``."""
    merged: dict[tuple, Term] = {}  # equal terms (x∘x's two shares) add their numbers
    for term in terms:
        key = (term.scalars, term.factors)
        if key in merged:
            term = Term(merged[key].coef + term.coef, term.scalars, term.factors)
        merged[key] = term
    out = ""
    for i, term in enumerate(merged.values()):
        text = render(term, shape)
        if i == 0:
            out = text
        elif text.startswith("−"):
            out += " − " + text[1:]
        else:
            out += " + " + text
    return out


# -- the shares of an elementwise op's arguments --------------------------------------------
def elementwise_rule(code: int, i: int, g: Term, args: list[Factor], out: Factor,
                      concrete: bool, scalar: list[bool]) -> Term:
    """``ḡ ∘ f'(...)`` for argument ``i`` of an elementwise op; ``scalar`` tells which
    arguments (and, last, the output) are scalars, whose factors commute."""
    import sympy as sp

    op = _ops.BY_CODE[code]
    if not concrete and op.symbol is None and op.arity == 1:
        return g.elementwise(Factor(f"{op.label}'({args[0].text})"))
    symbols: list[Any] = []
    for j, a in enumerate(args):
        if a.const is not None:
            v = a.const
            symbols.append(sp.Integer(int(v)) if float(v).is_integer() else sp.Float(v))
        else:
            symbols.append(sp.Symbol(f"_a{j}"))
    partial = op.local_partials(tuple(symbols), sp.Symbol("_out"), ns="sympy")[i]
    if isinstance(partial, int | float):
        partial = sp.Integer(partial) if float(partial).is_integer() else sp.Float(partial)
    coef, rest = partial.as_coeff_Mul()
    term = Term(g.coef * float(coef), g.scalars, g.factors)
    names = {f"_a{j}": a for j, a in enumerate(args)}
    names["_out"] = out
    is_scalar = {f"_a{j}": flag for j, flag in enumerate(scalar[:-1])}
    is_scalar["_out"] = scalar[-1]
    for factor in sp.Mul.make_args(rest):
        if factor == 1:
            continue
        if isinstance(factor, sp.Symbol):
            made = names[factor.name]
        elif (isinstance(factor, sp.Pow) and factor.exp == -1 and
              isinstance(factor.base, sp.Symbol) and is_scalar[factor.base.name]):
            # a scalar's reciprocal divides: −L̄ / p[1], not −L̄ (1/p[1])
            term = Term(term.coef, term.scalars + (f"/ {names[factor.base.name].wrapped}",),
                        term.factors)
            continue
        else:
            text = sp.sstr(factor)
            for key in sorted(names, key=len, reverse=True):
                text = text.replace(key, names[key].wrapped)
            text = text.replace("**", "^").replace(" - ", " − ").replace("*", " ∘ ")
            made = Factor(text, atomic=isinstance(factor, sp.Function))
        if all(is_scalar[s.name] for s in factor.free_symbols):
            term = Term(term.coef, term.scalars + (made.wrapped,), term.factors)
        else:
            term = term.elementwise(made)
    return term


def unbroadcast(term: Term, arg: Shape, node: Shape) -> Term:
    """The adjoint share of an argument that broadcasting stretched: summed back."""
    if tuple(arg) == tuple(node):
        return term
    if not term.factors:  # scalars times 𝟙: the sum counts the entries
        n = size(node) // size(arg)
        return Term(term.coef * n, term.scalars, ())
    inner = term.joined()
    if not arg:
        return Term(term.coef, term.scalars, (("", Factor(f"sum({inner})")),))
    if len(node) == 2 and tuple(arg) == node[1:]:
        return Term(term.coef, term.scalars, (("", Factor(f"𝟙ᵀ {Factor(inner).wrapped}",
                                                          atomic=False)),))
    return Term(term.coef, term.scalars, (("", Factor(f"unbroadcast({inner}, {arg})")),))


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def index_term(g: Term, index: tuple[int, ...], shape: Shape) -> Term:
    """``v[1]``'s share: the scalar adjoint times the unit vector, ``ḡ e₁``; ``W[1,0]``'s
    ``ḡ e₁ e₀ᵀ`` (the lectures' one-hot vectors; negative indices counted from the end)."""
    at = [int(i) % n for i, n in zip(index, shape)]
    units = " ".join(f"e{str(i).translate(_SUB)}{'ᵀ' if pos else ''}"
                     for pos, i in enumerate(at))
    block = g.block()
    scalar = render(Term(g.coef, g.scalars + ((block.wrapped,) if block else ())))
    if scalar == "1":
        return Term(factors=(("", Factor(units, atomic=len(at) == 1)),))
    if " " in scalar.lstrip("−") or "/" in scalar:
        scalar = f"({scalar})"
    return Term(factors=(("", Factor(f"{scalar} {units}", atomic=False)),))
