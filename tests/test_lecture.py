"""Every worked example of the lecture notes (shared/seeds), with the notes' own numbers.

Each expected value below is derived by hand, as the notes derive it, not by diffx.
"""

import math

import numpy as np
import pytest
import sympy
from conftest import (
    LOGISTIC_LEAST_SQUARES,
    MLP,
    MULTIVARIATE_CHAIN,
    ROUTE_SUM,
    TWO_PATHS,
    logistic_program,
)

import diffx

METHODS = ("reverse", "symbolic", "forward")
EXACT = 1e-12


def sigma(z):
    return 1.0 / (1.0 + math.exp(-z))


@pytest.mark.parametrize("method", METHODS + ("numeric",))
def test_seed_004_route_sum_a4_b3(method):
    """a = 4, b = 3, c = a + b = 7, d = a * c = 28: dd/da = c + a*1 = 11, dd/db = a = 4."""
    g = diffx.grad(ROUTE_SUM, at={"a": 4, "b": 3}, method=method)
    tol = 1e-9 if method == "numeric" else EXACT
    assert g.value == pytest.approx(28.0)
    assert g["a"] == pytest.approx(11.0, rel=tol)
    assert g["b"] == pytest.approx(4.0, rel=tol)


def test_seed_004_routes_and_formulas():
    sym = diffx.grad(ROUTE_SUM, method="symbolic")
    assert sym.gradient == {"a": "2*a + b", "b": "a"}
    rev = diffx.grad(ROUTE_SUM, method="reverse")
    assert rev.details.route_sum == {"a": "c + a·1", "b": "a·1"}
    assert rev.details.simplified == {"a": "2*a + b", "b": "a"}
    assert rev.details.routes == {"a": 2, "b": 1}
    listed = diffx.grad(ROUTE_SUM, at="a=4,b=3", routes=True)
    routes_a = listed.details.route_listing["a"]["routes"]
    assert [r["route"] for r in routes_a] == ["a → d", "a → c → d"]
    assert [r["product"] for r in routes_a] == [7.0, 4.0]  # c, then a·1
    assert listed.details.route_listing["a"]["sum"] == 11.0
    same = diffx.grad("a*(a+b)", method="reverse", wrt="a")
    assert same.details.route_sum["a"] == "(a + b) + a·1"
    assert same.gradient["a"] == "2*a + b"


@pytest.mark.parametrize("x", [-1.0, 0.0, 0.3, 1.7])
@pytest.mark.parametrize("method", METHODS)
def test_seed_001_two_paths(x, method):
    """y1 = 2x² + e^{2x}, y2 = e^x, z = 3y1 + y2² gives dz/dx = 12x + 8e^{2x}."""
    src = TWO_PATHS
    g = diffx.grad(src, at={"x": x}, method=method)
    assert g["x"] == pytest.approx(12 * x + 8 * math.exp(2 * x), rel=EXACT)


def test_seed_001_formula():
    src = TWO_PATHS
    assert diffx.grad(src, method="symbolic").gradient == {"x": "12*x + 8*exp(2*x)"}
    assert diffx.grad(src, method="reverse").gradient == {"x": "12*x + 8*exp(2*x)"}


@pytest.mark.parametrize("t", [-2.0, 0.5, 1.0, 3.0])
@pytest.mark.parametrize("method", METHODS)
def test_seed_002_multivariate_chain_rule(t, method):
    """f = y + e^{xy}, x = cos t, y = t²: df/dt = (y e^{xy})(−sin t) + (1 + x e^{xy}) 2t."""
    x, y = math.cos(t), t * t
    want = (y * math.exp(x * y)) * (-math.sin(t)) + (1 + x * math.exp(x * y)) * 2 * t
    g = diffx.grad(MULTIVARIATE_CHAIN, at={"t": t}, method=method)
    assert g["t"] == pytest.approx(want, rel=EXACT)


@pytest.mark.parametrize("method", METHODS)
def test_seed_002_logistic_least_squares(method):
    """z = wx + b, y = σ(z), L = ½(y − t)²: w̄ = (y − t)σ'(z)x, b̄ = (y − t)σ'(z)."""
    w, x, b, t = 0.8, 1.5, -0.3, 1.0
    z = w * x + b
    y = sigma(z)
    zbar = (y - t) * y * (1 - y)
    g = diffx.grad(LOGISTIC_LEAST_SQUARES, at={"w": w, "x": x, "b": b, "t": t}, method=method)
    assert g.value == pytest.approx(0.5 * (y - t) ** 2, rel=EXACT)
    assert g["w"] == pytest.approx(zbar * x, rel=EXACT)
    assert g["b"] == pytest.approx(zbar, rel=EXACT)
    assert g["x"] == pytest.approx(zbar * w, rel=EXACT)
    assert g["t"] == pytest.approx(-(y - t), rel=EXACT)


@pytest.mark.parametrize("method", METHODS)
def test_seed_002_regularised(method):
    """L_reg = L + λR with R = ½w²: w̄ = z̄ x + R̄ dR/dw = (y − t)σ'(z)x + λw."""
    w, x, b, t, lam = 0.8, 1.5, -0.3, 1.0, 0.1
    y = sigma(w * x + b)
    src = ("z = w*x + b; y = sigmoid(z); L = 0.5*(y - t)^2; R = 0.5*w^2; "
           "Lreg = L + lambda*R")
    g = diffx.grad(src, at={"w": w, "x": x, "b": b, "t": t, "lambda": lam}, method=method)
    assert g["w"] == pytest.approx((y - t) * y * (1 - y) * x + lam * w, rel=EXACT)
    assert g["lambda"] == pytest.approx(0.5 * w * w, rel=EXACT)


@pytest.mark.parametrize("method", METHODS)
def test_seed_002_two_layer_mlp_backprop(method):
    """The notes' MLP backward pass, in numpy: ȳ = y − t, W̄2 = ȳ hᵀ, h̄ = W2ᵀ ȳ,
    z̄ = h̄ ∘ σ'(z), W̄1 = z̄ xᵀ, b̄1 = z̄, b̄2 = ȳ."""
    rng = np.random.default_rng(3244)
    W1, b1 = rng.normal(size=(2, 2)), rng.normal(size=2)
    W2, b2 = rng.normal(size=(2, 2)), rng.normal(size=2)
    xv, tv = rng.normal(size=2), rng.normal(size=2)
    z = W1 @ xv + b1
    h = 1 / (1 + np.exp(-z))
    y = W2 @ h + b2
    ybar = y - tv
    W2bar, hbar = np.outer(ybar, h), W2.T @ ybar
    zbar = hbar * h * (1 - h)
    W1bar = np.outer(zbar, xv)
    point = {"x1": xv[0], "x2": xv[1], "t1": tv[0], "t2": tv[1], "b1": b1[0], "b2": b1[1],
             "c1": b2[0], "c2": b2[1]}
    for i in range(2):
        for j in range(2):
            point[f"w{i+1}{j+1}"] = W1[i, j]
            point[f"v{i+1}{j+1}"] = W2[i, j]
    g = diffx.grad(MLP, at=point, method=method)
    assert g.value == pytest.approx(0.5 * np.sum((y - tv) ** 2), rel=EXACT)
    for i in range(2):
        assert g[f"b{i+1}"] == pytest.approx(zbar[i], rel=1e-11)
        assert g[f"c{i+1}"] == pytest.approx(ybar[i], rel=1e-11)
        for j in range(2):
            assert g[f"w{i+1}{j+1}"] == pytest.approx(W1bar[i, j], rel=1e-11)
            assert g[f"v{i+1}{j+1}"] == pytest.approx(W2bar[i, j], rel=1e-11)


LECTURE_TABLE = {  # seed 003: d/dx l_n, simplified: (factor, coefficients from x^0 up)
    1: (1, [1]),
    2: (1, [4, -8]),
    3: (16, [1, -10, 24, -16]),
    4: (64, [1, -42, 504, -2640, 7040, -9984, 7168, -2048]),
}


def formula(text: str) -> sympy.Expr:
    """A formula diffx printed, read back with diffx's own parser."""
    from diffx.sym import to_sympy

    g = diffx.parse(text)
    return to_sympy(g)[g.output]


@pytest.mark.parametrize("n", sorted(LECTURE_TABLE))
def test_seed_003_logistic_map_table(n):
    x = sympy.Symbol("x", real=True)
    factor, coefficients = LECTURE_TABLE[n]
    want = sympy.expand(factor * sum(c * x**k for k, c in enumerate(coefficients)))
    for method in ("symbolic", "reverse"):
        got = diffx.grad(logistic_program(n), method=method).gradient["x"]
        assert sympy.expand(formula(got) - want) == 0, (method, got)
    routes = diffx.grad(logistic_program(n), at={"x": 0.3}).details.routes["x"]
    assert routes == 2 ** (n - 1)


def test_seed_003_torch_example():
    """y = w2 σ(w1 x) at x = w1 = w2 = 0: w1.grad = 0, w2.grad = 0.5 (as PyTorch prints)."""
    g = diffx.grad("y = w2 * sigmoid(w1 * x)", at={"x": 0, "w1": 0, "w2": 0}, wrt="w1,w2")
    assert g.gradient == {"w1": 0.0, "w2": 0.5}


def test_seed_003_abs_from_relus():
    """|x − 1| = max(0, x − 1) + max(0, 1 − x): slope −1 left of 1, +1 right of 1."""
    src = "max(0, x - 1) + max(0, 1 - x)"
    assert diffx.grad(src, at={"x": 0.2})["x"] == -1.0
    assert diffx.grad(src, at={"x": 2.5})["x"] == 1.0


def test_seed_004_circle_boundary():
    """z = (x1 − w1)² + (x2 − w2)² − w0²: ∂z/∂w0 = −2w0, ∂z/∂wi = −2(xi − wi)."""
    p = {"x1": 0.5, "x2": -1.0, "w0": 1.2, "w1": 0.3, "w2": 0.4}
    g = diffx.grad("z = (x1 - w1)^2 + (x2 - w2)^2 - w0^2", at=p, wrt="w0,w1,w2")
    assert g.gradient == pytest.approx({"w0": -2.4, "w1": -0.4, "w2": 2.8}, rel=EXACT)


@pytest.mark.parametrize("src, z, want", [
    ("sigmoid(z)", 0.7, sigma(0.7) * (1 - sigma(0.7))),   # seed 000: σ' = (1 − g) g
    ("tanh(z)", 0.7, 1 - math.tanh(0.7) ** 2),             # tanh' = 1 − g²
    ("relu(z)", 0.7, 1.0), ("relu(z)", -0.7, 0.0),          # relu' = [f > 0]
    ("softplus(z)", 0.7, sigma(0.7)),                      # seed 002: soft ReLU' = σ
])
def test_seed_000_activation_derivatives(src, z, want):
    for method in METHODS:
        assert diffx.grad(src, at={"z": z}, method=method)["z"] == pytest.approx(want, rel=EXACT)
