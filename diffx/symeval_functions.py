"""The functions symbolic evaluation applies to mpmath numbers, with the limits the float
range cannot hold: exp and powers of huge numbers become inf or 0 without building their
digits, Heaviside and sign of nan are nan, relu and max/min pass nan through, and a value is
described by its size (``1.2e+4000``) without converting it digit by digit.
"""

from __future__ import annotations

from typing import Any

import mpmath

HUGE = 2.0**40  # sinh/cosh/tanh beyond this are ±inf or ±1 (mpmath would build 2^40-bit integers)
# exp is computed up to here (any double and then some: softplus(1e300) = log(1 + exp(1e300))
# is 1e300, and its slope exp(1e300)/(1 + exp(1e300)) is 1); mpmath keeps the exponent as an
# integer of about 1,100 bits, so this costs about as much as a 1,100-bit argument reduction
EXP_HUGE = mpmath.ldexp(1, 1100)


def about(v: Any) -> str:
    """``1.2e+4000``-style text for a number of any size (no digit-by-digit conversion)."""
    if not mpmath.isfinite(v) or v == 0:
        return str(float(v))
    with mpmath.workprec(64):
        exponent = int(mpmath.floor(mpmath.log10(abs(v))))
        mantissa = float(v / mpmath.power(10, exponent))
    if abs(round(mantissa, 1)) >= 10:  # 9.99... rounds up: 1e+400, not 10e+399
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.2g}e{exponent:+d}"


def real(v: Any) -> Any:
    """The real number ``v`` stands for, or nan when it is not real."""
    if isinstance(v, mpmath.mpc):
        return v.real if v.imag == 0 else mpmath.nan
    return v


def heaviside(z: Any, at_zero: Any) -> Any:
    z = real(z)
    return mpmath.nan if mpmath.isnan(z) else mpmath.mpf(1) if z > 0 else \
        mpmath.mpf(0) if z < 0 else at_zero


def sign(z: Any) -> Any:
    z = real(z)
    return mpmath.nan if mpmath.isnan(z) else mpmath.mpf((z > 0) - (z < 0))


def pick(values: list[Any], larger: bool) -> Any:
    vals = [real(v) for v in values]
    if any(mpmath.isnan(v) for v in vals):
        return mpmath.nan
    return max(vals) if larger else min(vals)


def exp_limited(z: Any, why: list[str]) -> Any:
    r = real(z)
    if not mpmath.isnan(r):
        if r > EXP_HUGE:
            why.append(f"it takes exp of {about(r)}, a number far beyond the float range")
            return mpmath.inf
        if r < -EXP_HUGE:
            return mpmath.mpf(0)
    return mpmath.exp(z)


def power(b: Any, x: Any, why: list[str]) -> Any:
    if mpmath.isnan(b) or mpmath.isnan(x):
        return mpmath.nan
    if b == 0:
        if real(x) > 0:
            return mpmath.mpf(0)
        if x == 0:
            return mpmath.mpf(1)
        why.append("the formula divides by zero at this point (a negative power of 0)")
        return mpmath.inf
    if isinstance(x, mpmath.mpf) and mpmath.isint(x):
        if abs(x) * abs(mpmath.log(abs(b), 2)) > EXP_HUGE:  # 2^(2^1100) or beyond: inf or 0
            big = (abs(b) > 1) == (x > 0)
            if big:
                why.append("it raises to a power far beyond the float range")
            return mpmath.inf if big else mpmath.mpf(0)
        return mpmath.power(b, int(x))
    if isinstance(b, mpmath.mpf) and b < 0:
        b = mpmath.mpc(b)
    size = real(x * mpmath.log(b)) if not mpmath.isinf(b) else None
    if size is not None and not mpmath.isnan(size) and abs(size) > EXP_HUGE:
        if size > 0:
            why.append("it raises to a power far beyond the float range")
        return mpmath.inf if size > 0 else mpmath.mpf(0)
    return mpmath.power(b, x)


UNARY = {
    "sin": mpmath.sin, "cos": mpmath.cos, "tan": mpmath.tan, "sinh": mpmath.sinh,
    "cosh": mpmath.cosh, "tanh": mpmath.tanh, "asin": mpmath.asin, "acos": mpmath.acos,
    "atan": mpmath.atan, "sec": mpmath.sec, "csc": mpmath.csc, "cot": mpmath.cot,
    "re": lambda z: z.real if isinstance(z, mpmath.mpc) else z,
    "im": lambda z: z.imag if isinstance(z, mpmath.mpc) else mpmath.mpf(0),
    "sign": sign, "Abs": abs, "abs": abs,
    "relu": lambda z: pick([mpmath.mpf(0), z], True),
}
