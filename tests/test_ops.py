"""The op table, checked record by record against sympy and against itself.

Parametrised over ``OPS``: a new op is tested here without touching this file.
"""

import math
import random

import numpy as np
import pytest
import sympy

from diffx import ops
from diffx.ops import OPS

REL = 1e-12  # partials and values agree with sympy to this relative tolerance
ABS = 1e-12
POINTS = 12


def sample(op: ops.Op, rng: random.Random) -> tuple[float, ...]:
    """Random arguments inside the op's domain and away from its kinks."""
    while True:
        args = tuple(rng.uniform(-2.5, 2.5) for _ in range(op.arity))
        if op.name in ("log", "sqrt"):
            args = (abs(args[0]) + 0.05,)
        if op.name in ("asin", "acos"):
            args = (args[0] / 2.6,)
        if op.name == "pow":
            args = (abs(args[0]) + 0.1, args[1])
        if op.name == "div" and abs(args[1]) < 0.1:
            continue
        if op.kink:
            cond = ops.condition(op, "kink", "math")
            near_tie = op.arity == 2 and abs(args[0] - args[1]) < 1e-3
            if any(abs(a) < 1e-3 for a in args) or near_tie:
                continue
            assert cond is not None and not cond(*args)
        return args


def sympy_partials(op: ops.Op) -> tuple[list[sympy.Symbol], sympy.Expr, list[sympy.Expr]]:
    xs = sympy.symbols("x y", real=True)[: op.arity]
    f = op.evaluate(*xs, ns="sympy")
    return list(xs), f, [sympy.diff(f, x) for x in xs]


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_partials_match_sympy(op):
    rng = random.Random(op.name)
    xs, f, dfs = sympy_partials(op)
    for _ in range(POINTS):
        args = sample(op, rng)
        subs = dict(zip(xs, args))
        want_value = float(f.evalf(30, subs=subs))
        want = [float(d.evalf(30, subs=subs)) for d in dfs]
        for ns in ("math", "numpy"):
            out = op.evaluate(*args, ns=ns)
            assert float(out) == pytest.approx(want_value, rel=REL, abs=ABS), (ns, args)
            got = op.local_partials(args, out, ns=ns)
            assert len(got) == op.arity
            for g, w in zip(got, want):
                assert float(g) == pytest.approx(w, rel=1e-10, abs=1e-10), (ns, args)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_numpy_evaluation_works_on_arrays(op):
    rng = random.Random(1)
    points = [sample(op, rng) for _ in range(5)]
    arrays = [np.array(col) for col in zip(*points)]
    out = op.evaluate(*arrays, ns="numpy")
    partials = op.local_partials(tuple(arrays), out, ns="numpy")
    for k, args in enumerate(points):
        scalar = op.evaluate(*args, ns="math")
        assert out[k] == pytest.approx(scalar, rel=1e-13, abs=1e-15)
        for p, q in zip(partials, op.local_partials(args, scalar, ns="math")):
            assert np.broadcast_to(p, out.shape)[k] == pytest.approx(q, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("op", [op for op in OPS if op.analytic], ids=lambda op: op.name)
def test_analytic_ops_take_complex_arguments(op):
    """The complex step needs every analytic op to extend to complex numbers."""
    rng = random.Random(2)
    args = sample(op, rng)
    h = 1e-20
    z = op.evaluate(*(complex(a, h if k == 0 else 0.0) for k, a in enumerate(args)), ns="numpy")
    out = op.evaluate(*args, ns="math")
    d0 = op.local_partials(args, out, ns="math")[0]
    assert np.real(z) == pytest.approx(out, rel=1e-13)
    assert np.imag(z) / h == pytest.approx(d0, rel=1e-12, abs=1e-14)


def test_table_is_consistent():
    names = [op.name for op in OPS]
    assert len(names) == len(set(names))
    assert all(op.code == i + 2 for i, op in enumerate(OPS))
    assert set(ops.FUNCTIONS) == {
        "sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "asin",
        "acos", "atan", "sigmoid", "relu", "softplus", "max", "min", "sign", "heaviside"}
    assert {op.name for op in OPS if not op.analytic} == {"abs", "relu", "max", "min", "sign", "heaviside"}


def test_stable_sigmoid_and_softplus_at_extremes():
    for ns in ("math", "numpy"):
        sig = ops.BY_NAME["sigmoid"]
        assert float(sig.evaluate(-800.0, ns=ns)) == 0.0
        assert float(sig.evaluate(800.0, ns=ns)) == 1.0
        assert float(sig.evaluate(-40.0, ns=ns)) == pytest.approx(math.exp(-40), rel=1e-12)
        sp = ops.BY_NAME["softplus"]
        assert float(sp.evaluate(800.0, ns=ns)) == 800.0
        assert float(sp.evaluate(-800.0, ns=ns)) == pytest.approx(math.exp(-800), rel=1e-12)


def test_power_partial_in_the_exponent_at_zero_base():
    pw = ops.BY_NAME["pow"]
    # d/dy 0^y = 0 for y > 0 (not 0 * log 0 = nan)
    assert pw.local_partials((0.0, 2.0), 0.0, ns="math")[1] == 0.0
    assert float(pw.local_partials((0.0, 2.0), 0.0, ns="numpy")[1]) == 0.0
