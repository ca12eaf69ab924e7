"""sympy expressions printed in diffx's own notation, the language a student types.

``^`` for powers, ``*`` for products, ``sqrt(x)``, ``max(a, b)``, ``abs``, ``relu``,
``sigmoid(z)`` (sympy's ``1/(1 + exp(-z))``), ``softplus(z)``, ``pi`` and ``e`` (an input named
``E`` stays ``E``). Formulas that use only the language's functions parse back with
``diffx.parse`` to the same function. The derivative-only pieces are written so that a student
reads them easily:

* ``[z > 0]`` -- 1 where z > 0, else 0 (relu'(z); sympy's ``Heaviside(z, 0)``);
* ``H(z)``    -- 1 where z > 0, 0 where z < 0 and 1/2 at 0 (a max/min tie split in half;
  sympy's ``Heaviside(z)``);
* ``sign(z)`` -- abs'(z), 0 at 0; ``δ(z)`` -- sympy's DiracDelta.

The printer walks the expression with an explicit stack (sympy trees can be deep) and prints
each distinct subexpression once.
"""

from __future__ import annotations

import math
from typing import Any

ATOM, POW, NEG, MUL, ADD = 9, 4, 3, 2, 1  # the language's precedences
ORDERED_TERMS = 100  # sums up to this many terms are printed in sympy's order
LONG_ROUTE = 12  # routes with more local derivatives than this leave out the factors of 1
_NAMES = {"Abs": "abs", "Max": "max", "Min": "min", "DiracDelta": "δ"}


def formula_text(expr: Any, inputs: Any = ()) -> str:
    """``expr`` in diffx's notation (``inputs`` is accepted for callers that know them)."""
    return _print(expr)[0]


LEGEND = {
    "[": "[z > 0] is 1 where z > 0 and 0 elsewhere (relu'(z); relu'(0) = 0)",
    "H(": "H(z) is 1 where z > 0, 0 where z < 0 and 1/2 at z = 0 (a max/min tie is split "
          "in half)",
    "sign(": "sign(z) is 1, 0 or -1 (abs'(z); abs'(0) = 0)",
    "δ(": "δ(z) is the Dirac delta: 0 except at z = 0",
}


def legend(texts: Any) -> dict[str, str]:
    """What the derivative-only notation in ``texts`` means: {mark: sentence}."""
    joined = " ".join(texts)
    return {mark.rstrip("("): text for mark, text in LEGEND.items() if mark in joined}


def product_text(factors: list[Any]) -> str:
    """``a·1``: a route's local derivatives, from the output down to the input (factors of
    1 are left out of routes longer than ``LONG_ROUTE``)."""
    if len(factors) > LONG_ROUTE:  # a long route: its factors of 1 say nothing
        factors = [f for f in factors if f != 1]
    if not factors:
        return "1"
    out = []
    for f in factors:
        text, prec = _print(f)
        out.append(text if prec == ATOM and not text.startswith("-") else f"({text})")
    return "·".join(out)


def _print(expr: Any) -> tuple[str, int]:
    done: dict[int, tuple[str, int]] = {}
    keep: list[Any] = []  # keeps derived subexpressions alive, so ids stay unique
    stack: list[tuple[Any, list[Any] | None]] = [(expr, None)]
    while stack:
        e, parts = stack.pop()
        if id(e) in done:
            continue
        if parts is None:
            parts = _parts(e)
            keep.append(e)
            keep.extend(parts)
            stack.append((e, parts))
            stack.extend((p, None) for p in parts if id(p) not in done)
            continue
        done[id(e)] = _combine(e, [done[id(p)] for p in parts])
    return done[id(expr)]


def _sigmoid_arg(e: Any) -> Any:
    """z when ``e`` is ``1 + exp(-z)`` (sympy's form of 1/sigmoid(z)), else None."""
    if e.is_Add and len(e.args) == 2 and e.args[0] == 1 and type(e.args[1]).__name__ == "exp":
        return -e.args[1].args[0]
    return None


def _parts(e: Any) -> list[Any]:
    """The subexpressions whose texts ``_combine`` needs, in order."""
    import sympy

    if e.is_Mul:
        num, den = _fraction(e)
        return num + den
    if e.is_Pow:
        b, x = e.args
        z = _sigmoid_arg(b)
        if z is not None and x.is_Integer and x < 0:
            return [z, -x]
        if x == sympy.Rational(1, 2) or x == sympy.Rational(-1, 2):
            return [b]
        if x.is_Number and x < 0:
            return [b, -x]
        return [b, x]
    if type(e).__name__ == "log" and e.args[0].is_Add and len(e.args[0].args) == 2 and \
            e.args[0].args[0] == 1 and type(e.args[0].args[1]).__name__ == "exp":
        return [e.args[0].args[1].args[0]]  # softplus
    if e.is_Rational and not e.is_Integer:
        return []
    if e.is_Add:
        return [-t if t.could_extract_minus_sign() else t for t in _terms(e)]
    return list(e.args)


def _terms(e: Any) -> list[Any]:
    """A sum's terms, a positive one first when there is one (``asin(x) - y``)."""
    # sympy's printing order (2*a + b, 12*x + 8*exp(2*x)); a long sum keeps its stored
    # order, as sorting it for print costs seconds
    terms = list(e.as_ordered_terms() if len(e.args) <= ORDERED_TERMS else e.args)
    for k, t in enumerate(terms):
        if not t.could_extract_minus_sign():
            return [t] + terms[:k] + terms[k + 1:]
    return terms


def _add(e: Any, texts: list[tuple[str, int]]) -> tuple[str, int]:
    out = []
    for k, (t, part) in enumerate(zip(_terms(e), texts)):
        text = _wrap(part, ADD)
        if t.could_extract_minus_sign():
            out.append(("-" if k == 0 else " - ") + text)
        else:
            out.append(("" if k == 0 else " + ") + text)
    return "".join(out), ADD


def _fraction(e: Any) -> tuple[list[Any], list[Any]]:
    """A product's factors above and below the line (the sign and numeric coefficient are
    read again by ``_combine``)."""
    import sympy

    coeff = e.as_coeff_Mul()[0]  # a Rational or a Float
    factors = [f for f in e.as_ordered_factors() if not f.is_Number]
    num: list[Any] = []
    den: list[Any] = []
    if coeff.is_Rational:
        if abs(coeff.p) != 1:
            num.append(sympy.Integer(abs(coeff.p)))
        if coeff.q != 1:
            den.append(sympy.Integer(coeff.q))
    else:
        num.append(abs(coeff))
    for f in factors:
        if f.is_Pow and f.exp.is_Number and f.exp < 0 and _sigmoid_arg(f.base) is None:
            den.append(f.base if f.exp == -1 else sympy.Pow(f.base, -f.exp))
        else:
            num.append(f)
    return num, den


def _wrap(part: tuple[str, int], below: int) -> str:
    text, prec = part
    return f"({text})" if prec <= below else text


def _combine(e: Any, texts: list[tuple[str, int]]) -> tuple[str, int]:
    import sympy

    name = type(e).__name__
    if e.is_Symbol:
        return e.name, ATOM
    if e is sympy.zoo:
        return "1/0", MUL  # sympy's complex infinity: a division by zero
    if e is sympy.I:
        return "sqrt(-1)", ATOM  # not a real number: the language leaves it undefined
    if e.is_Number:
        return _number(e)
    if e is sympy.pi:
        return "pi", ATOM
    if e is sympy.E:
        return "e", ATOM
    if e.is_Add:
        return _add(e, texts)
    if e.is_Mul:
        num, den = _fraction(e)
        negative = e.as_coeff_Mul()[0] < 0
        top = "*".join(_wrap(t, NEG) for t in texts[:len(num)]) or "1"
        if den:
            below = texts[len(num):]
            bottom = _wrap(below[0], MUL) if len(below) == 1 else \
                "(" + "*".join(_wrap(t, NEG) for t in below) + ")"
            top = f"{top}/{bottom}"
        prec = MUL if (den or len(num) > 1) else (texts[0][1] if num else ATOM)
        if negative:
            return "-" + (f"({top})" if prec < MUL else top), NEG
        return top, prec
    if e.is_Pow:
        b, x = e.args
        if _sigmoid_arg(b) is not None and x.is_Integer and x < 0:
            base = f"sigmoid({texts[0][0]})"
            return (base, ATOM) if x == -1 else (f"{base}^{_wrap(texts[1], NEG)}", POW)
        if x == sympy.Rational(1, 2):
            return f"sqrt({texts[0][0]})", ATOM
        if x == sympy.Rational(-1, 2):
            return f"1/sqrt({texts[0][0]})", MUL
        if x.is_Number and x < 0:
            inner = texts[0] if x == -1 else (f"{_wrap(texts[0], POW)}^{_wrap(texts[1], NEG)}",
                                              POW)
            return f"1/{_wrap(inner, MUL)}", MUL
        return f"{_wrap(texts[0], POW)}^{_wrap(texts[1], NEG)}", POW
    if name == "log" and len(texts) == 1 and texts[0] is not None and e.args and \
            e.args[0].is_Add and len(e.args[0].args) == 2 and e.args[0].args[0] == 1 and \
            type(e.args[0].args[1]).__name__ == "exp":
        return f"softplus({texts[0][0]})", ATOM
    if name == "Heaviside":
        z = texts[0][0]
        if len(e.args) > 1 and e.args[1] == 0:
            return f"[{z} > 0]", ATOM
        return f"H({z})", ATOM
    if name in _CONDITIONS:  # a piecewise formula (a power rule's zero base): in words
        return _condition(name, texts)
    if name in ("Max", "Min") and len(texts) > 2:  # sympy's n-ary max: nested pairs
        fn = _NAMES[name]
        text = texts[-1][0]
        for t in reversed(texts[:-1]):
            text = f"{fn}({t[0]}, {text})"
        return text, ATOM
    fn = _NAMES.get(name, name)
    return f"{fn}({', '.join(t[0] for t in texts)})", ATOM


_RELATIONS = {"Equality": " = ", "Unequality": " != ", "StrictGreaterThan": " > ",
              "GreaterThan": " >= ", "StrictLessThan": " < ", "LessThan": " <= "}
_CONDITIONS = {*_RELATIONS, "Or", "And", "BooleanTrue", "ExprCondPair", "Piecewise"}


def _condition(name: str, texts: list[tuple[str, int]]) -> tuple[str, int]:
    """sympy's Piecewise and its conditions as words: ``(0 if u' = 0 or u > 0 else nan)``."""
    if name in _RELATIONS:
        return _RELATIONS[name].join(_wrap(t, ADD) for t in texts), ADD
    if name in ("Or", "And"):
        word = f" {name.lower()} "
        return word.join(f"({t})" if p < ADD else t for t, p in texts), ADD - 1
    if name == "BooleanTrue":
        return "", ATOM  # (the last piece's "otherwise")
    if name == "ExprCondPair":
        value, cond = texts
        return (value[0] if not cond[0] else f"{value[0]} if {cond[0]}"), ADD
    return "(" + " else ".join(t for t, _ in texts) + ")", ATOM


def _number(e: Any) -> tuple[str, int]:
    import sympy

    if e is sympy.nan:
        return "nan", ATOM
    if e is sympy.zoo or e is sympy.oo:
        return "inf", ATOM
    if e is sympy.S.NegativeInfinity:
        return "-inf", NEG
    if e.is_Rational and max(abs(int(e.p)), int(e.q)).bit_length() > HUGE_BITS:
        return _approximate(e)
    if e.is_Integer:
        n = int(e)
        text = str(abs(n))
        if len(text) > 15 and text.rstrip("0") and len(text.rstrip("0")) <= 15:
            short = text.rstrip("0")  # 10^300 from a literal 1e300 reads as 1e300
            mant = short[0] + ("." + short[1:] if len(short) > 1 else "")
            text = f"{mant}e{len(text) - 1}"
        return ("-" + text, NEG) if n < 0 else (text, ATOM)
    if e.is_Rational:
        text = f"{abs(int(e.p))}/{int(e.q)}"
        return ("-" + text, NEG) if e < 0 else (text, MUL)
    value = float(e)
    if math.isinf(value) or (value == 0 and not e.is_zero):  # beyond the double range
        import mpmath

        with mpmath.workprec(80):
            v = mpmath.mpf(e._mpf_)
            exponent = int(mpmath.floor(mpmath.log10(abs(v))))
            text = f"{float(abs(v) / mpmath.power(10, exponent))!r}e{exponent:+d}"
        return ("-" + text, NEG) if v < 0 else (text, ATOM)
    text = repr(abs(value))
    return ("-" + text, NEG) if value < 0 else (text, ATOM)


HUGE_BITS = 10_000  # exact numbers past this size print as 17 significant digits


def _approximate(e: Any) -> tuple[str, int]:
    """An exact number with thousands of digits (1.1^30000) as ``1.2345678901234567e+1241``
    (Python refuses to turn ints past 4,300 digits into text, and nobody reads them)."""
    import mpmath

    with mpmath.workprec(80):
        v = mpmath.mpf(int(e.p)) / int(e.q)
        exponent = int(mpmath.floor(mpmath.log10(abs(v))))
        mantissa = float(abs(v) / mpmath.power(10, exponent))
    text = f"{mantissa!r}e{exponent:+d}"
    return ("-" + text, NEG) if e < 0 else (text, ATOM)
