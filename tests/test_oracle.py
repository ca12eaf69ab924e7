"""An independent oracle: mpmath at 40 digits differentiates each function written by hand.

Every case below gives the expression twice: as diffx source and as an mpmath lambda written
separately, so a mistake in diffx's parser or op table cannot hide in the reference.
"""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from mpmath import mp

import diffx

EXACT = 1e-9  # reverse and symbolic against the oracle (relative)
NUMERIC = 1e-6  # central differences against the oracle (relative, absolute near zero)

CASES = [
    ("a*(a+b)", lambda a, b: a * (a + b), {"a": 4, "b": 3}),
    ("sin(x)*cos(y) + x^3", lambda x, y: mp.sin(x) * mp.cos(y) + x**3, {"x": 0.7, "y": -1.3}),
    ("exp(x)/sqrt(sin(x)^3 + cos(x)^3)",
     lambda x: mp.exp(x) / mp.sqrt(mp.sin(x) ** 3 + mp.cos(x) ** 3), {"x": 1.5}),
    ("log(1 + x^2) * atan(y)", lambda x, y: mp.log(1 + x**2) * mp.atan(y), {"x": 2.0, "y": 0.4}),
    ("x^y", lambda x, y: x**y, {"x": 1.7, "y": 2.3}),
    ("2^x + x^2", lambda x: 2**x + x**2, {"x": -0.6}),
    ("x^x", lambda x: x**x, {"x": 1.3}),
    ("tanh(a*b - c)", lambda a, b, c: mp.tanh(a * b - c), {"a": 0.3, "b": -2, "c": 0.1}),
    ("sigmoid(3x - 1)", lambda x: 1 / (1 + mp.exp(-(3 * x - 1))), {"x": 0.25}),
    ("softplus(x) - relu(x)", lambda x: mp.log(1 + mp.exp(x)) - max(x, 0), {"x": 1.1}),
    ("asin(x/2) + acos(x/3)", lambda x: mp.asin(x / 2) + mp.acos(x / 3), {"x": 0.9}),
    ("sinh(x)*cosh(y) - tan(x*y)", lambda x, y: mp.sinh(x) * mp.cosh(y) - mp.tan(x * y),
     {"x": 0.4, "y": 0.8}),
    ("abs(x - y)^1.5", lambda x, y: abs(x - y) ** 1.5, {"x": 0.2, "y": 1.1}),
    ("max(x, y)*min(x, 2y)", lambda x, y: max(x, y) * min(x, 2 * y), {"x": 0.5, "y": 0.9}),
    ("-x^2 + 2x^-1", lambda x: -(x**2) + 2 * x ** (-1), {"x": 1.4}),
    ("pi*r^2*h/3", lambda r, h: mp.pi * r**2 * h / 3, {"r": 2.0, "h": 5.0}),
    ("e^(x*y)", lambda x, y: mp.e ** (x * y), {"x": 0.3, "y": 1.2}),
    ("u = x*y; v = u + sin(u); w = v*v - u", None, {"x": 0.6, "y": 1.9}),
    ("z = w*x + b; y = sigmoid(z); L = 0.5*(y - t)^2",
     lambda w, x, b, t: (1 / (1 + mp.exp(-(w * x + b))) - t) ** 2 / 2,
     {"w": 0.8, "x": 1.5, "b": -0.3, "t": 1.0}),
    ("sqrt(x^2 + y^2 + 1e-3)", lambda x, y: mp.sqrt(x**2 + y**2 + mp.mpf("1e-3")),
     {"x": -0.5, "y": 0.25}),
]


def _v_program(x, y):
    u = x * y
    v = u + mp.sin(u)
    return v * v - u


CASES[17] = (CASES[17][0], _v_program, CASES[17][2])


def oracle(fn, point, names):
    with mp.workdps(40):
        args = [mp.mpf(point[n]) for n in names]
        out = {}
        for k, n in enumerate(names):
            order = [0] * len(names)
            order[k] = 1
            out[n] = float(mp.diff(fn, args, tuple(order)))
        return float(fn(*args)), out


@pytest.mark.parametrize("src, fn, point", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("method", ["reverse", "symbolic", "forward", "numeric"])
def test_against_mpmath(src, fn, point, method):
    g = diffx.parse(src)
    names = list(point)
    value, want = oracle(fn, point, names)
    got = diffx.grad(g, at=point, method=method)
    tol = NUMERIC if method == "numeric" else EXACT
    assert got.value == pytest.approx(value, rel=EXACT)
    for n in names:
        assert got[n] == pytest.approx(want[n], rel=tol, abs=tol * 1e-3), n


@pytest.mark.parametrize("scheme, tol", [("richardson", 1e-11), ("complex", 1e-13)])
def test_accurate_schemes_against_mpmath(scheme, tol):
    for src, fn, point in CASES:
        if scheme == "complex" and any(f in src for f in ("abs", "max", "relu")):
            continue
        _, want = oracle(fn, point, list(point))
        got = diffx.grad(src, at=point, method="numeric", scheme=scheme)
        for n, w in want.items():
            assert got[n] == pytest.approx(w, rel=tol, abs=1e-13), (src, n)


# ---------------------------------------------------------------- random expressions ---------

SMOOTH_UNARY = ["sin", "cos", "tanh", "atan", "sigmoid", "softplus"]
MP_UNARY = {"sin": mp.sin, "cos": mp.cos, "tanh": mp.tanh, "atan": mp.atan,
            "sigmoid": lambda z: 1 / (1 + mp.exp(-z)), "softplus": lambda z: mp.log(1 + mp.exp(z))}


def expressions():
    """Random smooth expressions over x, y, as (diffx text, mpmath function)."""
    leaves = st.sampled_from([("x", lambda x, y: x), ("y", lambda x, y: y),
                              ("2", lambda x, y: 2), ("0.5", lambda x, y: mp.mpf("0.5"))])

    def extend(children):
        def unary(c, name):
            text, f = c
            fn = MP_UNARY[name]
            return (f"{name}({text})", lambda x, y: fn(f(x, y)))

        def binary(left, right, op):
            (lt, lf), (rt, rf) = left, right
            if op == "+":
                return (f"({lt} + {rt})", lambda x, y: lf(x, y) + rf(x, y))
            if op == "-":
                return (f"({lt} - {rt})", lambda x, y: lf(x, y) - rf(x, y))
            if op == "*":
                return (f"({lt})*({rt})", lambda x, y: lf(x, y) * rf(x, y))
            return (f"({lt})/(1 + ({rt})^2)", lambda x, y: lf(x, y) / (1 + rf(x, y) ** 2))

        return st.one_of(
            st.builds(unary, children, st.sampled_from(SMOOTH_UNARY)),
            st.builds(binary, children, children, st.sampled_from("+-*/")),
        )

    return st.recursive(leaves, extend, max_leaves=8)


@settings(max_examples=60, deadline=None)
@given(expressions(), st.floats(-1.5, 1.5), st.floats(-1.5, 1.5))
def test_random_smooth_expressions_all_methods_agree(expr, x, y):
    text, fn = expr
    g = diffx.parse(text)
    point = {n: v for n, v in (("x", x), ("y", y)) if n in g.inputs}
    assume(point)
    names = list(point)
    value, want = oracle(lambda *a: fn(*(dict(zip(names, a)).get(n, 0) for n in "xy")),
                         point, names)
    report = diffx.grad_all(g, at=point)
    for method, tol in (("reverse", EXACT), ("symbolic", EXACT), ("numeric", NUMERIC)):
        r = report.results[method]
        assert r.ok, r.error
        for n in names:
            if method == "numeric" and r[n] != pytest.approx(want[n], rel=tol, abs=tol * 1e-2):
                # cancellation in f can defeat finite differences: then the method's own error
                # estimate must cover the miss, and it must say so
                estimate = r.details.error_estimate[n]
                assert abs(r[n] - want[n]) <= 2 * estimate, (method, text, n, estimate)
                assert any(f"∂/∂{n}" in w and "error estimate" in w for w in r.warnings), \
                    (text, r.warnings)
                continue
            assert r[n] == pytest.approx(want[n], rel=tol, abs=tol * 1e-2), (method, text, n)
