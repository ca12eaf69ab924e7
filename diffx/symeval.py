"""The value of a sympy formula at a point, with mpmath at adaptive precision.

The symbolic method's formulas are evaluated here, not with floats and not with sympy's exact
arithmetic: floats overflow in intermediate steps (sigmoid'(-400) = exp(400)/(1 + exp(400))^2
is 1.9e-174, not inf/inf), and exact rationals grow without bound (0.5^(10^10) has ten billion
bits). mpmath numbers have an unbounded exponent and a bounded mantissa, so every step costs
about the same. The formula is walked once per precision over its DAG (each distinct
subexpression once, explicit stack), at 128 bits, then 256, ... until two precisions agree as
doubles, at most 16,384 bits. Sums whose terms differ in size or cancel, and sin, tan, ... of
a huge number (needed to its last unit: sin(1e300 + x) takes ~1,060 bits) ask for more bits.
A value the cap cannot resolve (sin(exp(exp(10))): 31,778 bits before the point) is nan with
a sentence saying so, never a silent wrong number.

A value that turns complex on the way (log of a negative number, asin past 1) means the
formula leaves the real numbers, where the language's functions are undefined: it becomes
nan, with a sentence saying where.
A zero factor times an infinite one is 0 (a strong zero, as in the reverse sweep: x^y·log x at
x = 0 is 0 for y > 0), except where the two are powers of 0 that sympy split apart (x·y^x/y
for x·y^(x-1)): those are combined again, or the value is nan with a sentence. The result
says why it is not finite, when it is not.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath

from .symeval_functions import HUGE, UNARY, about, exp_limited, heaviside, pick, power, real

PRECISIONS = (128,)  # bits of the first pass; each further pass doubles (or more)
MAX_PREC = 16_384  # bits: a value two passes cannot agree on by here is unknown (nan)


class Value:
    """A value (float, complex, or nan) and, when it is not finite, a sentence saying why;
    ``unresolved`` says why the precision cap left it unknown (the value is then nan)."""

    def __init__(self, value: float | complex, why: str | None = None,
                 unresolved: str | None = None) -> None:
        self.value = value
        self.why = why
        self.unresolved = unresolved


def evaluate(expr: Any, point: dict[Any, float]) -> Value:
    """``expr`` at ``point`` (sympy symbol -> float), as a double."""
    previous, was_enough = None, False
    prec = before = PRECISIONS[0]
    while True:
        why: list[str] = []
        # bits the formula needs, a sentence when beyond reach, the size (in bits) of the
        # largest terms of a sum that cancelled exactly (or None), the largest value's size
        need: list[Any] = [0, None, None, 0]
        with mpmath.workprec(prec):
            v = _walk(expr, point, why, need)
            _resolve_cancelled(need)
            result = _to_double(v, prec)
            if not why and isinstance(result, float) and math.isinf(result) and \
                    mpmath.isfinite(v):
                why.append(f"its exact value, about {about(v)}, is beyond the "
                           "largest float (1.8e308)")
                return Value(result, why[0])  # more digits cannot bring it into range
        if need[1] is not None:  # a periodic function of a number beyond the cap
            return Value(math.nan, unresolved=need[1])
        enough = prec >= min(need[0], MAX_PREC)
        if previous is not None and enough and _same(result, previous):
            return Value(result, why[0] if why else None)
        if prec >= MAX_PREC:  # a pass below the bits needed cannot contradict the cap's
            if previous is None or not was_enough or _same(result, previous, 1e-10):
                return Value(result, why[0] if why else None)
            return Value(math.nan, unresolved=(
                f"its value could not be resolved: evaluated with {before:,} and "
                f"{prec:,} bits it is {previous!r} and {result!r} (the formula loses more "
                f"digits than {MAX_PREC:,} bits can hold)"))
        previous, before, was_enough = result, prec, enough
        prec = min(MAX_PREC, max(2 * prec, need[0] + 64))


ZERO_BITS = 1074 + 64  # below 2^-1074 relative to the largest term a sum is 0 as a double


def _resolve_cancelled(need: list[Any]) -> None:
    """A sum that cancelled to exactly 0 (1.5 - 1.5·tanh(90)^2 at 128 bits) may be tiny
    rather than 0: it is resolved down to the smallest double below its largest term, times
    the largest value in the formula (which may multiply it), within the cap. (A zero that
    the cap cannot resolve stays 0: sech^2 of 2^(8e9) times 2^(8e9) is 0 to every digit.)"""
    if need[2] is not None:
        need[0] = max(need[0], min(need[2] + ZERO_BITS + max(0, need[3]), MAX_PREC))


def _same(a: float | complex, b: float | complex, rel: float = 0.0) -> bool:
    """Equal to 4 units in the last place, or to ``rel`` relative."""
    if type(a) is not type(b):
        return False
    if isinstance(a, complex) or isinstance(b, complex):  # then both are, by the line above
        return (isinstance(a, complex) and isinstance(b, complex)
                and _same(a.real, b.real, rel) and _same(a.imag, b.imag, rel))
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    big = max(abs(a), abs(b))
    return a == b or abs(a - b) <= max(4 * math.ulp(big), rel * big)


def _to_double(v: Any, prec: int) -> float | complex:
    if isinstance(v, mpmath.mpc):
        re, im = v.real, v.imag
        if mpmath.isnan(re) or mpmath.isnan(im):
            return math.nan
        if im == 0 or (mpmath.isfinite(re) and abs(im) <= abs(re) * mpmath.ldexp(1, -prec // 2)):
            v = re
        else:
            return complex(float(re), float(im))
    return float(v)


def _walk(expr: Any, point: dict[Any, float], why: list[str], need: list[Any],
          memo: tuple[dict, list] | None = None) -> Any:
    done: dict[int, Any]
    done, keep = memo if memo is not None else ({}, [])  # keep: objects stay alive, ids unique
    stack: list[tuple[Any, bool]] = [(expr, False)]
    sized = len(need) > 3  # callers that only ask for the bits pass [bits, sentence]
    while stack:
        e, ready = stack.pop()
        if id(e) in done:
            continue
        if not e.args:
            done[id(e)] = leaf_value(e, point)
            keep.append(e)
            continue
        if not ready:
            stack.append((e, True))
            stack.extend((a, False) for a in e.args if id(a) not in done)
            continue
        try:
            args = [done[id(a)] for a in e.args]
            v = _mul(e, args, done, why) if e.is_Mul else _node(e, args, point, why, need)
        except Exception:  # noqa: BLE001  (mpmath or sympy: the formula has no value here)
            why.append(f"the formula has no value at this point ({type(e).__name__})")
            v = mpmath.nan
        if isinstance(v, mpmath.mpc):
            if v.imag != 0 and not mpmath.isnan(v.imag):
                why.append(f"{_short(e)} is not a real number at this point (the formula "
                           "takes a log, root or power of a negative number, or asin/acos "
                           "beyond ±1)")
                v = mpmath.nan
            else:
                v = v.real
        done[id(e)] = v
        keep.append(e)
        if sized and isinstance(v, mpmath.mpf) and v != 0 and mpmath.isfinite(v):
            need[3] = max(need[3], int(mpmath.mag(v)))
    return done[id(expr)]


def _short(e: Any) -> str:
    from .notation import formula_text

    text = formula_text(e) if len(e.args) < 20 else type(e).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def leaf_value(e: Any, point: dict[Any, float]) -> Any:
    """A formula's leaf in mpmath: a symbol's value at ``point``, a number exactly (a rational
    at the working precision), pi and e."""
    import sympy

    if e in point:
        return mpmath.mpf(point[e])
    if e.is_Rational:
        return mpmath.mpf(int(e.p)) / int(e.q)
    if e.is_Float:
        return mpmath.mpf(e._mpf_)
    if e is sympy.pi or e is sympy.E:
        return +mpmath.pi if e is sympy.pi else +mpmath.e
    if e is sympy.oo or e is sympy.S.NegativeInfinity:
        return mpmath.inf if e is sympy.oo else -mpmath.inf
    if e is sympy.I:
        return mpmath.mpc(0, 1)
    if e.is_Symbol:
        raise KeyError(f"no value for {e}")
    return mpmath.nan  # nan, zoo (1/0 of sympy's), and anything else undefined


def _precision_needed(terms: list[Any], total: Any, need: list[Any]) -> None:
    """Bits a sum needs: terms of very different sizes (1 + 1e-300 loses the small one) or
    cancelling terms (1 - tanh(20)^2 loses the leading digits) need more than 53 bits."""
    mags = [mpmath.mag(t) for t in terms if t != 0 and mpmath.isfinite(t)]
    if len(mags) < 2:
        return
    spread = max(mags) - min(mags)
    lost = max(mags) - mpmath.mag(total) if total != 0 and mpmath.isfinite(total) else 0
    need[0] = max(need[0], int(max(spread, lost)) + 64)
    if total == 0 and len(need) > 2:  # cancelled to the last bit: maybe tiny, not 0
        need[2] = int(max(mags)) if need[2] is None else max(need[2], int(max(mags)))


def _product(args: list[Any]) -> Any:
    if any(mpmath.isnan(a) for a in args):
        return mpmath.nan
    if any(a == 0 for a in args):
        return mpmath.mpf(0)  # a strong zero: 0 times anything (also inf) is 0
    return mpmath.fprod(args)


def _mul(e: Any, args: list[Any], done: dict[int, Any], why: list[str]) -> Any:
    """A product, where 0·inf from powers of one base (sympy's x·y^x·y^-1 for x·y^(x-1) at
    y = 0) is the power of the summed exponents, 0·inf from powers of different zero bases
    is nan with a sentence, and any other 0·inf a strong zero."""
    if not (any(a == 0 for a in args) and any(mpmath.isinf(a) for a in args)) or \
            any(mpmath.isnan(a) for a in args):
        return _product(args)
    args = list(args)
    groups: dict[Any, list[tuple[int, Any]]] = {}  # base -> (index in args, exponent)
    of_zero: set[int] = set()
    for i, a in enumerate(e.args):
        base, x = (a.base, done[id(a.exp)]) if a.is_Pow else (a, mpmath.mpf(1))
        b = done[id(base)]
        if b == 0 or mpmath.isinf(b):
            groups.setdefault(base, []).append((i, x))
            if a.is_Pow and b == 0:
                of_zero.add(i)
    for base, members in groups.items():
        if len(members) > 1:
            for i, _ in members:
                args[i] = mpmath.mpf(1)
                of_zero.discard(i)
            args[members[0][0]] = power(done[id(base)], mpmath.fsum(x for _, x in members),
                                         why)
    if any(args[i] == 0 for i in of_zero) and any(mpmath.isinf(args[i]) for i in of_zero):
        why.insert(0, f"{_short(e)} is 0 times inf at this point, both powers of 0: the limit "
                   "the formula stands for is not decided by its value here")
        return mpmath.nan
    if any(args[i] == 0 for i in of_zero) and any(
            mpmath.isinf(args[j]) and a.is_Add for j, a in enumerate(e.args)):
        # x^cosh(x)·(log(x)·sinh(x) + cosh(x)/x) at 0: the sum's 1/x meets the power's 0
        # (their product is cosh(x)·x^(cosh(x) - 1), 1 there), so 0 is not the limit
        why.insert(0, f"{_short(e)} is 0 times inf at this point, a power of 0 times a sum "
                   "that is infinite there: the limit the formula stands for is not decided "
                   "by its value here")
        return mpmath.nan
    return _product(args)


def _periodic_argument(name: str, z: Any, need: list[Any]) -> bool:
    """A periodic function's argument must be known to well below 1, so a huge argument
    needs all its bits before the point and 64 after; False when that is beyond the cap
    (mpmath would also spend minutes reducing it by pi)."""
    z = real(z)
    if not mpmath.isfinite(z) or z == 0:
        return True
    bits = int(mpmath.mag(z)) + 64
    if bits > MAX_PREC:
        if need[1] is None:
            need[1] = (f"{name} of a number about {about(z)} could not be resolved: its "
                       f"value depends on that number's last units, which need about "
                       f"{bits:,} bits of precision (diffx stops at {MAX_PREC:,})")
        return False
    need[0] = max(need[0], bits)
    return True


_PERIODIC = ("sin", "cos", "tan", "sec", "csc", "cot")


def _node(e: Any, args: list[Any], point: dict[Any, float], why: list[str],
          need: list[Any]) -> Any:
    name = type(e).__name__
    if name == "Add":
        if any(mpmath.isnan(a) for a in args):
            return mpmath.nan
        total = mpmath.fsum(args)
        _precision_needed(args, total, need)
        return total
    if name == "Mul":
        return _product(args)
    if name == "Pow":
        return power(args[0], args[1], why)
    if name == "exp":
        return exp_limited(args[0], why)
    if name in ("sinh", "cosh", "tanh") and not mpmath.isnan(real(args[0])) and \
            abs(real(args[0])) > HUGE:  # (mpmath would build 2^|x|-bit integers)
        big = mpmath.mpf(1) if name == "tanh" else mpmath.inf
        return big if name == "cosh" or real(args[0]) > 0 else -big
    if name == "log":
        z = args[0]
        if z == 0:
            why.append("the formula takes log(0) at this point")
            return -mpmath.inf
        if isinstance(z, mpmath.mpf) and z < 0:
            z = mpmath.mpc(z)
        return mpmath.log(z)
    if name == "Heaviside":
        return heaviside(args[0], args[1] if len(args) > 1 else mpmath.mpf(0.5))
    if name in ("Max", "Min"):
        return pick(args, name == "Max")
    if name == "atan2":
        return mpmath.atan2(real(args[0]), real(args[1]))
    if name == "DiracDelta":  # a jump's derivative (sign', heaviside'; relu'', abs''): 0,
        z = real(args[0])       # at the jump too, by the convention every method shares
        return mpmath.nan if mpmath.isnan(z) else mpmath.mpf(0)
    if name in _PERIODIC and not _periodic_argument(name, args[0], need):
        return mpmath.nan
    fn = UNARY.get(name)
    if fn is not None and len(args) == 1:
        try:
            return fn(args[0])
        except ZeroDivisionError:
            why.append(f"{name}({e.args[0]}) is infinite at this point")
            return mpmath.inf
    return _fallback(e, point)


def _fallback(e: Any, point: dict[Any, float]) -> Any:
    """A function this module does not know (an unevaluated Derivative, say): sympy's evalf
    with the point substituted, at the working precision."""
    import sympy

    dps = mpmath.mp.dps
    try:
        v = e.evalf(dps, subs={k: sympy.Float(v, dps) for k, v in point.items()})
        v = complex(v)
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return mpmath.nan
    return mpmath.mpc(v) if v.imag else mpmath.mpf(v.real)
