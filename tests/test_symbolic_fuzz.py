"""Random programs through the symbolic method against an mpmath oracle (50 digits).

Each random expression is built twice from the same random choices: as diffx source text and
as an mpmath function (an independent evaluator). The symbolic method must never crash, must
agree with the oracle where both are finite, and must explain every non-finite value.
"""

from __future__ import annotations

import math
import random

import mpmath
import pytest
from conftest import random_source

import diffx

M = mpmath
UNARY = {
    "sin": M.sin, "cos": M.cos, "exp": M.exp, "log": M.log, "sqrt": M.sqrt, "tanh": M.tanh,
    "atan": M.atan, "sigmoid": lambda t: 1 / (1 + M.exp(-t)),
    "softplus": lambda t: M.log(1 + M.exp(t)), "abs": abs, "relu": lambda t: max(t, 0),
    "asin": M.asin, "cosh": M.cosh,
}
BINARY = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "max": lambda a, b: max(a, b), "min": lambda a, b: min(a, b),
}


def random_program(rng: random.Random, size: int):
    leaves = [("x", lambda v: v["x"]), ("y", lambda v: v["y"]),
              ("2", lambda v: M.mpf(2)), ("0.5", lambda v: M.mpf(1) / 2),
              ("3", lambda v: M.mpf(3))]
    pool = [rng.choice(leaves) for _ in range(size + 1)]
    for _ in range(size):
        if rng.random() < 0.45:
            name = rng.choice(sorted(UNARY))
            src, fn = pool.pop(rng.randrange(len(pool)))
            pool.append((f"{name}({src})", lambda v, f=UNARY[name], g=fn: f(g(v))))
        else:
            op = rng.choice(sorted(BINARY))
            (sa, fa), (sb, fb) = pool.pop(rng.randrange(len(pool))), pool.pop(
                rng.randrange(len(pool)))
            text = f"{op}({sa}, {sb})" if op in ("max", "min") else f"({sa}) {op} ({sb})"
            pool.append((text, lambda v, f=BINARY[op], a=fa, b=fb: f(a(v), b(v))))
    src = " + ".join(s for s, _ in pool)
    fns = [f for _, f in pool]
    return src, lambda v: M.fsum(f(v) for f in fns)


def oracle(fn, point, wrt):
    """d fn / d wrt by mpmath, with 50 digits to spare beyond the function's magnitude."""
    try:
        with M.workdps(50):
            size = fn({k: M.mpf(x) for k, x in point.items()})
        extra = int(max(0, M.log10(abs(size)))) if M.isfinite(size) and size != 0 else 0
    except (ZeroDivisionError, ValueError, TypeError):
        extra = 0
    with M.workdps(50 + min(extra, 2000)):
        def along(t):
            v = {k: M.mpf(x) for k, x in point.items()}
            v[wrt] = t
            return fn(v)
        try:
            d = M.diff(along, M.mpf(point[wrt]))
        except (ZeroDivisionError, ValueError, TypeError):
            return None
    if isinstance(d, M.mpc):
        return None if abs(d.imag) > 1e-30 * max(1, abs(d.real)) else float(d.real)
    return float(d)


POINTS = [0.3, -0.7, 1.5, 2.0, -3.0, 1e-8, 40.0, -40.0, 300.0]


@pytest.mark.parametrize("seed", range(int(__import__("os").environ.get("FUZZ_N", "60"))))
def test_random_programs_against_mpmath(seed):
    rng = random.Random(seed)
    src, fn = random_program(rng, rng.randrange(1, 6))
    point = {"x": rng.choice(POINTS), "y": rng.choice(POINTS)}
    graph = diffx.parse(src)
    point = {k: v for k, v in point.items() if k in graph.inputs}
    if not point:
        return
    try:
        r = diffx.grad(graph, at=point, method="symbolic", timeout=20)
    except diffx.DiffxError:
        return  # a clear refusal (too large, timed out) is allowed; a traceback is not
    for w in r.wrt:
        got = r[w]
        if not math.isfinite(got):
            assert r.warnings, (src, point, w, got)
            continue
        want = oracle(fn, point, w)
        if want is None or not math.isfinite(want) or abs(want) > 1e250:
            continue
        assert got == pytest.approx(want, rel=1e-8, abs=1e-12), (src, point, w)


HOSTILE = ["x", "y", "E", "0", "1e-300", "1e300", "(x-x)", "log(-2)", "sqrt(-1)", "(0*x)",
           "0.5", "2"]
HOSTILE_POINTS = [0.0, 1.0, -1.0, 1e300, -1e-300, 0.5, -1e300]


def hostile_source(rng: random.Random, size: int) -> str:
    return random_source(rng, size, HOSTILE, sorted(UNARY) + ["-"], sorted(BINARY) + ["^"])


@pytest.mark.parametrize("seed", range(int(__import__("os").environ.get("FUZZ_N", "40"))))
def test_hostile_programs_never_crash_and_explain_non_finite_values(seed):
    """Undefined constants, huge and tiny numbers, domain edges: symbolic (at a point and
    without) and the route-sum formula answer or refuse in a sentence, never with sympy's
    own exception, and every non-finite value comes with a warning."""
    rng = random.Random(10_000 + seed)
    graph = diffx.parse(hostile_source(rng, rng.randrange(1, 7)))
    for method in ("symbolic", "reverse"):
        try:
            diffx.grad(graph, method=method, timeout=15)
        except diffx.DiffxError as exc:
            assert "sympy failed" not in str(exc)
    if not graph.inputs:
        return
    point = {k: rng.choice(HOSTILE_POINTS) for k in graph.inputs}
    try:
        r = diffx.grad(graph, at=point, method="symbolic", timeout=15)
    except diffx.DiffxError as exc:
        assert "sympy failed" not in str(exc)
        return
    for w in r.wrt:
        if not math.isfinite(r[w]):
            assert r.warnings
