"""What the test modules share: the lecture's example programs, the logistic-map program
generator, random expressions, float comparison, the command-line runner and a strict JSON
reader.

The programs are written out here once, from the lecture notes (shared/seeds), with the values
the notes derive by hand beside them. Modules import the programs and helpers (they are needed
at import time, in parametrize lists): ``from conftest import ROUTE_SUM, logistic_program``;
typer's CliRunner comes as the fixture ``runner`` too.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence

import pytest
from typer.testing import CliRunner

# ------------------------------------------------------------------ the lecture's programs -

#: seed 004: at a = 4, b = 3: c = 7, d = 28, ∂d/∂a = c + a·1 = 11, ∂d/∂b = a = 4 (3 routes).
ROUTE_SUM = "c = a + b; d = a * c"

#: seed 001: dz/dx = 12x + 8e^{2x} along two paths.
TWO_PATHS = "y1 = 2*x^2 + exp(2*x); y2 = exp(x); z = 3*y1 + y2^2"

#: seed 002: x = cos t, y = t²: df/dt = (y e^{xy})(−sin t) + (1 + x e^{xy}) 2t.
MULTIVARIATE_CHAIN = "x = cos(t); y = t^2; f = y + exp(x*y)"

#: seed 002: z = wx + b, y = σ(z), L = ½(y − t)²: w̄ = (y − t)σ'(z)x, b̄ = (y − t)σ'(z).
LOGISTIC_LEAST_SQUARES = "z = w*x + b; y = sigmoid(z); L = 0.5*(y - t)^2"
LOGISTIC_LEAST_SQUARES_AT = {"w": 0.8, "x": 1.5, "b": -0.3, "t": 1.0}

#: seed 002: the two-layer perceptron with a squared loss.
MLP = """
z1 = w11*x1 + w12*x2 + b1
z2 = w21*x1 + w22*x2 + b2
h1 = sigmoid(z1)
h2 = sigmoid(z2)
y1 = v11*h1 + v12*h2 + c1
y2 = v21*h1 + v22*h2 + c2
L = 0.5*((y1 - t1)^2 + (y2 - t2)^2)
"""


def logistic_program(n: int) -> str:
    """The logistic map as n statements, numbered as the lecture table numbers them (seed 003):
    l1 = x, l(k+1) = 4 l_k (1 − l_k); its output l_n has 2^(n−1) routes from x."""
    return "\n".join(["l1 = x"] + [f"l{k + 1} = 4*l{k}*(1 - l{k})" for k in range(1, n)])


def logistic_slope(x: float, n: int) -> float:
    """d l_n / dx of :func:`logistic_program` by the chain rule by hand: l' ← 4(1 − 2l)·l'."""
    value, slope = x, 1.0
    for _ in range(n - 1):
        value, slope = 4 * value * (1 - value), 4 * (1 - 2 * value) * slope
    return slope


# ------------------------------------------------------------- values and random programs -

def value(src: str, **point: float) -> float:
    """The value of the program ``src`` at ``point``, by a forward pass over its graph."""
    from diffx import engine, parse

    g = parse(src)
    return engine.forward(g, {k: float(v) for k, v in point.items()})[g.output]


def same_float(a: float, b: float) -> bool:
    """Equal to 1e-9 relative (absolute below 1), nan only with nan, ±inf only with itself."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def random_source(rng: random.Random, size: int, leaves: Sequence[str],
                  unary: Sequence[str], binary: Sequence[str]) -> str:
    """A random expression with ``size`` operations, built bottom-up (no recursion): leaves are
    drawn from ``leaves``, then joined by functions of ``unary`` ("-" negates) and operators
    of ``binary`` (max and min written as calls)."""
    pool = [rng.choice(leaves) for _ in range(size + 1)]
    for _ in range(size):
        if rng.random() < 0.4:
            fn = rng.choice(unary)
            a = pool.pop(rng.randrange(len(pool)))
            pool.append(f"-({a})" if fn == "-" else f"{fn}({a})")
        else:
            op = rng.choice(binary)
            a = pool.pop(rng.randrange(len(pool)))
            b = pool.pop(rng.randrange(len(pool)))
            pool.append(f"{op}({a}, {b})" if op in ("max", "min") else f"({a}) {op} ({b})")
    return " + ".join(pool)


# ---------------------------------------------------------------------- the command line -

def invoke(*args: str, input: str | None = None, columns: int | None = None):
    """``diffx ARGS`` in-process (typer's CliRunner); ``columns`` fixes the screen width.
    The result has ``exit_code``, ``stdout``, ``stderr`` and ``output``."""
    from diffx.cli import app

    env = None if columns is None else {"COLUMNS": str(columns)}
    return CliRunner().invoke(app, list(args), input=input, env=env)


def strict_json(text: str):
    """``json.loads`` that refuses the non-strict constants NaN, Infinity and -Infinity."""
    def refuse(name: str):
        raise ValueError(f"not strict JSON: the constant {name}")
    return json.loads(text, parse_constant=refuse)


# ------------------------------------------------------------------------------ fixtures -

@pytest.fixture
def runner() -> CliRunner:
    """A fresh typer CliRunner (invoke it with ``diffx.cli.app``)."""
    return CliRunner()


def expression_strategy(leaves: Sequence[str], unary: Sequence[str], max_leaves: int):
    """Hypothesis: random expressions over ``leaves`` built with the functions ``unary``
    (``"-"`` is negation) and + - * / max min ^, mentioning x or y."""
    from hypothesis import strategies as st

    binary = ["+", "-", "*", "/", "max", "min", "^"]

    def extend(children):
        one = st.tuples(st.sampled_from(list(unary)), children).map(
            lambda t: f"-({t[1]})" if t[0] == "-" else f"{t[0]}({t[1]})")
        two = st.tuples(st.sampled_from(binary), children, children).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})" if t[0] in ("max", "min")
            else f"({t[1]}) {t[0]} ({t[2]})")
        return one | two

    return st.recursive(st.sampled_from(list(leaves)), extend, max_leaves=max_leaves).filter(
        lambda s: "x" in s or "y" in s)
