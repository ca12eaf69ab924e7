"""The value audit over many points (diffx.value_audit) against a reference implementation.

``conditioning_points`` and ``range_fault_points`` run the one-point audit's tests over arrays
of points with few passes and temporaries (and, where the compiled tier is loaded, the error
recurrence in machine code). The oracle is the straightforward numpy form they replaced, kept
here: every node's |partials| at every point into full arrays, then the recurrence row by row
with ``np.where`` for the terms whose error is exactly 0, then the test of every row. The new
paths must flag exactly the same points, on random programs (every op of the table, shared
subexpressions, inexact literals) at random points and at points where values overflow,
underflow or lose their digits (``1 - tanh(x)`` at x ~ 20, ``x - y`` at x ≈ y). A mutated
audit (a looser limit, a term dropped) must be caught by the same comparison.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

import diffx
from diffx import evaluation, exact_points, value_audit
from diffx import value_audit_points as points_audit
from diffx.magnitudes import SMALLEST_NORMAL

EPS, LIMIT = 2.0**-53, 2.0**-23

UNARY = ["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "asin",
         "acos", "atan", "sigmoid", "relu", "softplus", "-"]
BINARY = ["+", "-", "*", "/", "^", "max", "min"]
LITERALS = ["0.5", "2", "0", "1", "0.1", "pi", "1e300", "1e-300"]
# ops whose value is an argument's, its negation or a constant: never rounded (no eps·|v|)
UNROUNDED = {"neg", "abs", "relu", "max", "min", "sign", "heaviside"}


# ---------------------------------------------------------------- the reference


def reference_conditioning(graph, V):
    """Per point: a live node's estimated relative error past the limit (the first-order
    recurrence E = eps·|v| + Σ |∂v/∂arg|·E_arg, a term adding nothing where E_arg is 0, no
    eps·|v| where the op never rounds)."""
    nodes = value_audit._live_ops(graph)
    bad = np.zeros(V.shape[1], dtype=bool)
    if not nodes.size:
        return bad
    a, b = value_audit._operands(graph, nodes)
    literal = value_audit._literal_errors(graph)
    erring = np.zeros(graph.output + 2, dtype=bool)
    erring[nodes] = True
    erring[[node for node, _ in literal]] = True
    with np.errstate(all="ignore"):
        # (the one-point audit's coefficients, per point: a row is read only where an
        # argument errs)
        c0, c1 = value_audit._coefficients(graph, V)
        E = np.zeros((graph.output + 2, V.shape[1]))
        for node, e in literal:
            E[node] = e
        for i, ai, bi in zip(nodes.tolist(), a.tolist(), b.tolist()):
            unrounded = diffx.ops.BY_CODE[graph.op[i]].name in UNROUNDED
            e = np.zeros(V.shape[1]) if unrounded else np.abs(V[i]) * EPS
            for c, k in ((c0, ai), (c1, bi)):
                if erring[k]:
                    e = e + np.where(E[k] != 0, c[i] * E[k], 0.0)
            E[i] = e
        v = np.abs(V[nodes])
        e = E[nodes]
        lost = (e < math.inf) & (((e > LIMIT * v) & (0 < v) & (v < math.inf))
                                 | ((v == 0) & (e > 0)))
    return lost.any(axis=0)


def reference_range(graph, V):
    """Per point: a live node overflowed; one overflowed or underflowed (finite arguments)."""
    over = np.zeros(V.shape[1], dtype=bool)
    under = np.zeros(V.shape[1], dtype=bool)
    with np.errstate(all="ignore"):
        for op, nodes, a, b in value_audit._groups(graph):
            args = (V[a],) if op.arity == 1 else (V[a], V[b])
            out = V[nodes]
            finite = np.logical_and.reduce([np.isfinite(v) for v in args])
            nonzero = np.logical_and.reduce([v != 0 for v in args])
            normal = np.logical_and.reduce([np.abs(v) >= SMALLEST_NORMAL for v in args])
            over |= (np.isinf(out) & finite & nonzero).any(axis=0)
            if op.name not in value_audit.TRUE_ZEROS:
                under |= ((np.abs(out) < SMALLEST_NORMAL) & finite & normal).any(axis=0)
    return over, over | under


# ---------------------------------------------------------------- programs and points


def program(rng: random.Random) -> str:
    """A random straight-line program over x and y: every op of the table, shared
    subexpressions, repeated arguments (t*t, t - t), inexact literals."""
    names = ["x", "y"]
    lines = []
    for k in range(rng.randint(1, 14)):
        a = rng.choice(names)
        if rng.random() < 0.45:
            f = rng.choice(UNARY)
            expr = f"-{a}" if f == "-" else f"{f}({a})"
        else:
            b = rng.choice(names + LITERALS)
            if rng.random() < 0.5:
                a, b = b, a
            f = rng.choice(BINARY)
            expr = f"{f}({a}, {b})" if f in ("max", "min") else f"{a} {f} {b}"
        lines.append(f"t{k} = {expr}")
        names.append(f"t{k}")
    lines.append(" + ".join(names[-3:]))
    return "\n".join(lines)


def points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Random points, and extreme ones: huge, tiny, zero, x ≈ y, tanh's tails."""
    x = rng.uniform(-3, 3, n)
    y = rng.uniform(-3, 3, n)
    special = np.array([0.0, 1.0, -1.0, 20.0, -20.0, 60.0, 1e300, -1e300, 1e-300, 5e-324,
                        1e154, 1e-160, 416.0, 0.5, 2.0, math.pi])
    k = n // 3
    x[:k] = rng.choice(special, k) * rng.choice([1.0, 1.0 + 2.0**-40, 1.0 - 2.0**-52], k)
    y[:k] = rng.choice(special, k)
    x[k:2 * k] = y[k:2 * k] * (1 + rng.choice([0.0, 2.0**-52, 2.0**-30, -2.0**-45], k))
    return x, y


def value_rows(graph, x, y):
    """The values up to the output as a (nodes + 1) × points array (a last row of 1)."""
    vals, _ = evaluation.evaluate(graph, {"x": x, "y": y}, True)
    hi = graph.output + 1
    V = np.ones((hi + 1, x.size))
    for i in range(hi):
        V[i] = vals[i]
    return V


def corpus():
    """Fixed random programs with their values at random and extreme points."""
    rng = random.Random(14)
    nrng = np.random.default_rng(14)
    out = []
    for _ in range(60):
        graph = diffx.parse(program(rng))
        out.append((graph, value_rows(graph, *points(nrng, 300))))
    for src, x, y in [
        ("1 - tanh(x)", np.array([0.5, 18.0, 19.5, 20.0, 25.0, 60.0]), np.zeros(6)),
        ("(x - y) * 1e10", np.array([1.0, 1.0 + 2.0**-52, 3.0, 1.0 + 2**-20]),
         np.array([1.0, 1.0, 1.0 + 2.0**-51, 1.0])),
        ("tan(sinh(x))", np.array([1.0, 416.0, 300.0, 30.0]), np.zeros(4)),
        ("sqrt(x*x + y*y)", np.array([1e300, 3.0, 1e-200, 0.0]),
         np.array([1e300, 4.0, 1e-200, 0.0])),
        ("exp(x) - exp(y)", np.array([1.0, 700.0, 710.0, -750.0]),
         np.array([1.0 + 2.0**-50, 700.0, 0.0, -750.0])),
        ("x * 0.1 - y", np.array([10.0, 3.0, 1e-310]), np.array([1.0, 0.3, 1e-311])),
        ("(sin(x) - y) * 2", np.full(40, 0.5),  # cancellation graded by 2^-14 .. 2^-53
         math.sin(0.5) * (1 + 2.0 ** -np.arange(14, 54))),
    ]:
        graph = diffx.parse(src)
        out.append((graph, value_rows(graph, x, y)))
    return out


CORPUS = corpus()


def mismatches() -> int:
    """How many of the corpus's graphs the audits over many points flag differently from
    the reference (conditioning, overflow, any fault)."""
    wrong = 0
    for graph, V in CORPUS:
        over, faulty = value_audit.range_fault_points(graph, V)
        want_over, want_faulty = reference_range(graph, V)
        cond = value_audit.conditioning_points(graph, V)
        want_cond = reference_conditioning(graph, V)
        # and as a gradient's audit runs them: from the rows of values, both at once
        rows = list(V[:graph.output + 1])
        at_over, at_faulty = exact_points.value_faults(graph, rows, (V.shape[1],))
        wrong += not (np.array_equal(cond, want_cond)
                      and np.array_equal(over, want_over)
                      and np.array_equal(faulty, want_faulty)
                      and np.array_equal(at_over, np.flatnonzero(want_over))
                      and np.array_equal(at_faulty, np.flatnonzero(want_faulty | want_cond)))
    return wrong


# ---------------------------------------------------------------- the tests


@pytest.fixture(autouse=True)
def numpy_path(monkeypatch):
    """The numpy form (the compiled tier off, even where an earlier test loaded it)."""
    monkeypatch.setenv("DIFFX_COMPILED", "0")


def test_the_corpus_has_points_of_every_kind():
    """The comparison means something: the reference flags lost digits, overflow and
    underflow somewhere in the corpus, and leaves most points alone."""
    cond = np.concatenate([reference_conditioning(g, V) for g, V in CORPUS])
    over = np.concatenate([reference_range(g, V)[0] for g, V in CORPUS])
    faulty = np.concatenate([reference_range(g, V)[1] for g, V in CORPUS])
    assert 0 < cond.sum() < cond.size / 2
    assert 0 < over.sum() < faulty.sum() < faulty.size / 2


def test_hand_derived_points():
    """1 - tanh(x): tanh(x) rounds with error eps·tanh(x) ≈ 1.1e-16 and 1 - tanh(x) ≈
    2·e^(-2x), so the relative error passes 2^-23 ≈ 1.2e-7 once 2·e^(-2x) < 9.3e-10, at
    x > 10.7; at x ≥ 19.1 tanh rounds to 1 and the result is exactly 0 (all digits lost).
    (x - y)·1e10 at x = 1 + 2^-52, y = 1: exact inputs, no error: not flagged."""
    graph = diffx.parse("1 - tanh(x)")
    x = np.array([0.5, 5.0, 10.0, 11.5, 20.0])
    got = value_audit.conditioning_points(graph, value_rows(graph, x, np.zeros(5)))
    assert got.tolist() == [False, False, False, True, True]
    graph = diffx.parse("(x - y) * 1e10")
    x = np.array([1.0 + 2.0**-52, 1.0])
    got = value_audit.conditioning_points(graph, value_rows(graph, x, np.ones(2)))
    assert got.tolist() == [False, False]
    graph = diffx.parse("(sin(x) - y) * 2")  # sin's rounding, cancelled against y
    x = np.array([0.5, 0.5])
    y = np.array([math.sin(0.5) * (1 + 2.0**-40), 0.1])
    got = value_audit.conditioning_points(graph, value_rows(graph, x, y))
    assert got.tolist() == [True, False]


def test_same_points_as_the_reference():
    assert mismatches() == 0


def test_slices_do_not_change_the_answer(monkeypatch):
    """A slice of points at a time (here 7) flags what the whole array flags."""
    monkeypatch.setattr(points_audit, "POINT_STEP", 7)
    assert mismatches() == 0


@pytest.mark.parametrize("mutation", ["limit", "eps", "zero-term", "second-term",
                                      "skip-quiet-rows", "normal", "normal-on-the-way"])
def test_a_mutated_audit_is_caught(monkeypatch, mutation):
    if mutation == "limit":
        monkeypatch.setattr(points_audit, "CONDITION_LIMIT", LIMIT * 4)
    elif mutation == "eps":
        monkeypatch.setattr(points_audit, "EPS", EPS / 64)
    elif mutation == "zero-term":  # inf·0 where the error is 0 left as nan
        real = np.copyto
        monkeypatch.setattr(np, "copyto", lambda dst, src, where=True, **kw: None)
        try:
            assert mismatches() > 0
        finally:
            monkeypatch.setattr(np, "copyto", real)
        return
    elif mutation == "second-term":  # the second argument's error dropped
        plan = points_audit._point_plan

        def dropped(graph):
            p = plan(graph)
            return p._replace(rows=[(i, a, -1) for i, a, _ in p.rows])
        monkeypatch.setattr(points_audit, "_point_plan", dropped)
    elif mutation == "skip-quiet-rows":  # every row treated as one carrying no error
        plan = points_audit._point_plan
        monkeypatch.setattr(points_audit, "_point_plan",
                            lambda g: plan(g)._replace(rows=[(i, -1, -1)
                                                             for i, _, _ in plan(g).rows]))
    elif mutation == "normal":
        monkeypatch.setattr(points_audit, "_all_normal", lambda values: True)
    elif mutation == "normal-on-the-way":  # zeros and subnormals taken for normal values
        monkeypatch.setattr(points_audit, "SMALLEST_NORMAL", 0.0)
    for graph, _ in CORPUS:
        graph._cache.pop("value-audit-point-plan", None)
    assert mismatches() > 0


def test_the_compiled_recurrence_flags_the_same_points(monkeypatch):
    """Where the compiled tier is loaded, ``conditioning_points`` runs its batch recurrence
    (its partials from the op table's text, in machine code): the same points as the
    reference, and a mutated limit is caught there too."""
    pytest.importorskip("numba")
    from diffx import compiled

    if compiled.kernel() is None:
        pytest.skip("the compiled kernel cannot be built here")
    calls = []
    real = points_audit._points_kernel
    monkeypatch.setattr(points_audit, "_points_kernel",
                        lambda graph: calls.append(real(graph)) or calls[-1])
    monkeypatch.delenv("DIFFX_COMPILED", raising=False)
    monkeypatch.setattr(points_audit, "KERNEL_WORK", 0)  # (the corpus's arrays are small)
    assert mismatches() == 0
    assert all(k is compiled.kernel() for k in calls) and len(calls) == 2 * len(CORPUS)
    monkeypatch.setattr(points_audit, "POINT_STEP", 7)  # slices of 7 points, and a rest
    assert mismatches() == 0
    monkeypatch.setattr(points_audit, "CONDITION_LIMIT", LIMIT * 4)
    assert mismatches() > 0


def test_the_compiled_recurrence_compiles_nothing_after_warming(monkeypatch):
    """The tier's load compiles ``condition_many`` with the argument types the audit passes
    it: a gradient at many points afterwards (slices, and a shorter last one) adds none."""
    pytest.importorskip("numba")
    from diffx import compiled

    compiled.warm()
    module = compiled.kernel()
    before = list(module.condition_many.signatures)
    assert before
    monkeypatch.setenv("DIFFX_COMPILED", "1")
    monkeypatch.setattr(points_audit, "POINT_STEP", 1000)
    x = np.linspace(-3, 3, 2500)
    diffx.grad("sin(x)*exp(-(y*y)) + tanh(x*y)/(1 + x*x) + 0.5*cos(x - y)",
               at={"x": x, "y": x[::-1].copy()})
    assert list(module.condition_many.signatures) == before
