"""Every local partial of the op table against mpmath at 50 digits, tails included.

The oracle writes each derivative in closed form with mpmath (independently of the op table's
own text) and evaluates it at the exact binary value of each float argument. A partial may
lose nothing beyond a few ulps: ``1 - tanh^2`` at 20 (0 instead of 1.7e-17) or ``sigma(1 -
sigma)`` at 40 fail here.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from diffx import ops

mpmath.mp.dps = 50
REL = 1e-14  # a few ulps of float64
TINY = 1e-300  # results below this may underflow into the subnormals (absolute check)


def _sig(x):
    return 1 / (1 + mpmath.exp(-x))


def _step(d):  # Heaviside with the convention: 1/2 at a tie
    return mpmath.mpf(1) if d > 0 else mpmath.mpf(0.5) if d == 0 else mpmath.mpf(0)


ORACLE = {
    "add": lambda x, y: (1, 1), "sub": lambda x, y: (1, -1), "mul": lambda x, y: (y, x),
    "div": lambda x, y: (1 / y, -x / y**2),
    "pow": lambda x, y: (0 if y == 0 else y * x ** (y - 1),
                         0 if x == 0 else x**y * mpmath.log(x) if x > 0 else None),
    "neg": lambda x: (-1,), "sin": lambda x: (mpmath.cos(x),), "cos": lambda x: (-mpmath.sin(x),),
    "tan": lambda x: (mpmath.sec(x) ** 2,), "exp": lambda x: (mpmath.exp(x),),
    "log": lambda x: (1 / x,), "sqrt": lambda x: (1 / (2 * mpmath.sqrt(x)) if x else mpmath.inf,),
    "abs": lambda x: (mpmath.sign(x),), "tanh": lambda x: (mpmath.sech(x) ** 2,),
    "sinh": lambda x: (mpmath.cosh(x),), "cosh": lambda x: (mpmath.sinh(x),),
    "asin": lambda x: (1 / mpmath.sqrt(1 - x**2),), "acos": lambda x: (-1 / mpmath.sqrt(1 - x**2),),
    "atan": lambda x: (1 / (1 + x**2),), "sigmoid": lambda x: (_sig(x) * _sig(-x),),
    "relu": lambda x: (1 if x > 0 else 0,), "softplus": lambda x: (_sig(x),),
    "max": lambda x, y: (_step(x - y), _step(y - x)),
    "min": lambda x, y: (_step(y - x), _step(x - y)),
    "sign": lambda x: (0,),  # a jump: 0 off 0, and 0 at 0 by the convention
    "heaviside": lambda x: (0,),
}

TAILS = [-1000.0, -710.0, -400.0, -40.0, -20.0, -14.5, -3.0, -1.0, -0.5, -1e-8, -1e-300, 0.0,
         1e-300, 1e-8, 0.5, 1.0, 3.0, 14.5, 20.0, 37.0, 40.0, 400.0, 710.0, 1000.0, 2e154,
         1e200, -1e200]
NEAR_ONE = [1 - 2.0**-52, 1 - 2.0**-40, 1 - 1e-9, 0.999, -(1 - 2.0**-52), -(1 - 1e-12)]
PAIRS = [(2.0, 3.0), (0.5, -2.5), (1e-200, 1e-200), (3.0, 3.0), (-2.0, 3.0), (1e150, 1e-150),
         (7.0, 0.0), (0.0, 2.0), (-1.5, 1.5), (1e-5, 40.5), (1.0 + 2.0**-50, 1e10)]


def _domain_ok(op, args):
    if op.domain is None:
        return True
    return bool(ops.condition(op, "domain", "math")(*args))


def _cases():
    for op in ops.OPS:
        grid = [(x,) for x in TAILS + NEAR_ONE] if op.arity == 1 else PAIRS
        for args in grid:
            if op.name == "pow" and args[0] <= 0 and not float(args[1]).is_integer():
                continue
            if _domain_ok(op, args) and not (op.name in ("asin", "acos") and abs(args[0]) == 1):
                yield pytest.param(op, args, id=f"{op.name}{args}")


def _close(got, true) -> bool:
    if true is None:  # no real derivative (d/dy x^y at x < 0)
        return math.isnan(got)
    true = mpmath.mpf(true)
    if not mpmath.isfinite(true) or abs(true) > 1.7e308:
        return math.isinf(got) and (got > 0) == (true > 0)
    if abs(true) < TINY:
        return abs(got - float(true)) <= TINY * REL * 10 + abs(true) * REL
    return abs(mpmath.mpf(got) - true) <= REL * abs(true)


@pytest.mark.parametrize("op, args", list(_cases()))
def test_local_partial_matches_mpmath(op, args):
    true = ORACLE[op.name](*[mpmath.mpf(a) for a in args])
    # numpy: the array and fallback path; it must always be right
    with np.errstate(all="ignore"):
        nargs = tuple(np.float64(a) for a in args)
        out = op.evaluate(*nargs)
        if not np.isfinite(out):
            pytest.skip("the value itself is not finite here")
        got = op.local_partials(nargs, out)
    for k in range(op.arity):
        assert _close(float(got[k]), true[k]), (op.name, args, k, got[k], true[k])
    # math: the scalar fast path; it may raise (then diffx falls back to numpy), not be wrong
    try:
        got = op.local_partials(args, op.evaluate(*args, ns="math"), ns="math")
    except (ArithmeticError, ValueError):
        return
    for k in range(op.arity):
        assert _close(float(got[k]), true[k]), (op.name, args, k, got[k], true[k])


def test_every_op_has_an_oracle():
    assert set(ORACLE) == {op.name for op in ops.OPS}


@pytest.mark.parametrize("name, shown", [("sigmoid", "out * (1 - out)"),
                                         ("tanh", "1 - out * out")])
def test_formulas_show_the_lecture_form(name, shown):
    import sympy

    op = ops.BY_NAME[name]
    assert op.shown_partials == (shown,)
    x, out = sympy.symbols("x out")
    assert op.local_partials((x,), out, ns="sympy")[0] == sympy.sympify(shown.replace(" ", ""))
