"""diffx's notation for formulas: what it prints, and that printed formulas parse back."""

from __future__ import annotations

import math
import random

import pytest
import sympy
from conftest import random_source, same_float

import diffx
from diffx.notation import formula_text
from diffx.sym import symbols, to_sympy
from diffx.symeval import evaluate as sym_value

UNARY = ["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "asin",
         "acos", "atan", "sigmoid", "relu", "softplus", "-"]
BINARY = ["+", "-", "*", "/", "^", "max", "min"]
LEAVES = ["x", "y", "E", "2", "0.5", "3", "pi", "e", "1e-3", "7"]

NOTATION = (LEAVES, UNARY, BINARY)  # a random expression's leaves, functions, operators


def value(src_or_graph, point):
    try:
        v = diffx.evaluate(src_or_graph, at=point)
    except diffx.DiffxError:
        return math.nan
    return float(v)


@pytest.mark.parametrize("seed", range(40))
def test_printed_functions_parse_back_to_the_same_function(seed):
    rng = random.Random(seed)
    src = random_source(rng, rng.randrange(1, 7), *NOTATION)
    g = diffx.parse(src)
    f = to_sympy(g)[g.output]
    text = formula_text(f)
    assert "**" not in text and "Heaviside" not in text and "Max" not in text
    g2 = diffx.parse(text)
    for _ in range(5):
        point = {name: rng.choice([rng.uniform(-3, 3), rng.uniform(0.01, 1)])
                 for name in g.inputs}
        p2 = {k: v for k, v in point.items() if k in g2.inputs}
        if not g.inputs:
            point = p2 = {}
        a, b = value(g, point) if point else value(g, {}), value(g2, p2)
        # the sympy form may be finite where floats overflow in another arrangement: compare
        # only where both are moderate
        if all(math.isfinite(v) and abs(v) < 1e100 for v in (a, b)):
            assert same_float(a, b), (src, text, point, a, b)


@pytest.mark.parametrize("seed", range(30))
def test_printed_derivatives_parse_back(seed):
    """A derivative formula with only language functions pastes back as the same function
    (checked against the formula's own value by mpmath)."""
    rng = random.Random(1000 + seed)
    src = random_source(rng, rng.randrange(1, 6), *NOTATION)
    g = diffx.parse(src)
    if "x" not in g.inputs:
        return
    syms = symbols(g)
    d = sympy.diff(to_sympy(g)[g.output], syms["x"])
    text = formula_text(d)
    if any(mark in text for mark in ("[", "H(", "sign(", "δ(")):
        return  # the derivative-only notation does not parse (by design)
    g2 = diffx.parse(text)
    for _ in range(4):
        point = {name: rng.uniform(0.05, 0.95) for name in g.inputs}
        want = sym_value(d, {syms[k]: v for k, v in point.items()}).value
        got = value(g2, {k: v for k, v in point.items() if k in g2.inputs})
        if isinstance(want, float) and math.isfinite(want) and abs(want) < 1e100 and \
                math.isfinite(got):
            assert same_float(got, want), (src, text, point, got, want)


@pytest.mark.parametrize("src, wrt, formula", [
    ("x^3", "x", "3*x^2"),
    ("relu(x)", "x", "[x > 0]"),
    ("max(x, y)", "x", "H(x - y)"),
    ("abs(x)", "x", "sign(x)"),
    ("sqrt(x)", "x", "1/(2*sqrt(x))"),
    ("sigmoid(x)", "x", "sigmoid(x)^2*exp(-x)"),
    ("E*x + e*x", "x", "E + e"),  # an input E and Euler's number e print differently
    ("pi*x", "x", "pi"),
    ("x^y", "y", "x^y*log(x)"),
    ("1/x", "x", "-1/x^2"),
])
def test_symbolic_formulas_are_in_the_language_notation(src, wrt, formula):
    assert diffx.grad(src, wrt=wrt, method="symbolic").formula[wrt] == formula


def test_route_sum_formulas_use_the_notation():
    r = diffx.grad("c = x^3; d = c*y", method="reverse", wrt="x")
    assert r.formula["x"] == "y·(3*x^2)"
    assert r.gradient["x"] == "3*x^2*y"


def test_deep_formulas_print_without_recursion():
    x = sympy.Symbol("x", real=True)
    e = x
    for k in range(3000):
        e = sympy.sin(e, evaluate=False)
    assert formula_text(e).count("sin(") == 3000


@pytest.mark.parametrize("src, formula", [
    ("relu(x)", "[x > 0]"), ("max(x, y)", "H(x - y)"), ("abs(x)", "sign(x)"),
    ("min(x, 2)", "H(2 - x)"),
])
def test_route_sum_formulas_of_kinks(src, formula):
    r = diffx.grad(src, method="reverse", wrt="x")
    assert r.gradient["x"] == formula


def test_the_derivative_only_notation_is_explained():
    r = diffx.grad("relu(x) + max(x, y)", method="symbolic")
    assert set(r.details.notation) == {"[", "H"}
    assert "1/2" in r.details.notation["H"]
    assert diffx.grad("x^2", method="symbolic").details.notation == {}


@pytest.mark.parametrize("seed", range(40))
def test_linear_conversion_builds_the_same_expression(seed):
    rng = random.Random(5000 + seed)
    src = random_source(rng, rng.randrange(1, 9), *NOTATION)
    g = diffx.parse(src)
    a = to_sympy(g)[g.output]
    b = to_sympy(g, chains=True)[g.output]
    assert a == b or sympy.simplify(a - b) == 0, (src, a, b)


def test_numbers_with_thousands_of_digits_print_approximately():
    src = "*".join(["1.1^3000"] * 12) + "*x"
    text = diffx.grad(src, method="symbolic").formula["x"]
    mantissa, exponent = text.split("e+")
    # 1.1^36000 = 10^(36000*log10(1.1)), by mpmath
    import mpmath

    with mpmath.workdps(40):
        want = mpmath.mpf("1.1") ** 36000
    assert int(exponent) == int(mpmath.floor(mpmath.log10(want)))
    assert float(mantissa) == pytest.approx(float(want / mpmath.mpf(10) ** int(exponent)),
                                            rel=1e-15)


def test_float_coefficients_print():
    x = sympy.Symbol("x", real=True)
    assert formula_text(sympy.Float(-2.5) * x / (x + 1)) == "-2.5*x/(x + 1)"
    assert formula_text(x - sympy.Float(2.5) * x**2) == "x - 2.5*x^2"
    assert formula_text(sympy.Float("1e400") * x) == "1.0e+400*x"
    assert diffx.grad("x*1e308*10", method="symbolic").formula["x"] == "1e309"
