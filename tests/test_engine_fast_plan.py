"""The sweep plan and active codes found by numpy passes (sweep_plan._plan_arrays,
sweep_plan._active_arrays) against the plain backward and forward loops that define them, on
random graphs, programs whose output uses everything, and traced loops."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import diffx
from diffx import engine, sweep_plan

UNARY = ["sin", "exp", "log", "sqrt", "-", "abs", "tanh"]
BINARY = ["+", "-", "*", "/", "^"]


@st.composite
def programs(draw: st.DrawFn, statements: int = 12, all_used: bool = False) -> str:
    """Random straight-line programs over x, y (and constants) of up to ``statements``
    statements, some unused unless ``all_used`` (then a last one adds them all up)."""
    names = ["x", "y", "2", "3.5"]
    lines = []
    for k in range(draw(st.integers(1, statements))):
        if draw(st.booleans()):
            fn = draw(st.sampled_from(UNARY))
            arg = draw(st.sampled_from(names))
            expr = f"-({arg})" if fn == "-" else f"{fn}({arg})"
        else:
            left, right = draw(st.sampled_from(names)), draw(st.sampled_from(names))
            expr = f"({left}) {draw(st.sampled_from(BINARY))} ({right})"
        lines.append(f"v{k} = {expr}")
        names.append(f"v{k}")
    if all_used or draw(st.booleans()):  # an output that uses more of them
        lines.append("out = " + " + ".join(names[4:]))
    return "\n".join(lines)


def _reference(graph: diffx.Graph, wrt: tuple[str, ...]) -> tuple:
    codes, edges = sweep_plan._active_loop(graph, wrt)
    plan, variants = sweep_plan._plan_loop(graph, codes)
    return bytes(codes), edges, list(plan), variants


def _fast(graph: diffx.Graph, wrt: tuple[str, ...]) -> tuple:
    codes, edges = engine._active_codes(graph, wrt)
    plan, variants, _ = engine._sweep_plan(graph, wrt)
    return bytes(codes), edges, list(plan), variants


@settings(max_examples=300, deadline=None)
@given(programs(), st.sampled_from([("x",), ("y",), ("x", "y"), ()]))
def test_plan_matches_the_loops(source: str, wrt: tuple[str, ...]) -> None:
    graph = diffx.parse(source)
    wrt = tuple(w for w in wrt if w in graph.inputs)
    assert _fast(graph, wrt) == _reference(graph, wrt)


def test_fast_paths_taken_on_a_traced_loop() -> None:
    def f(x, y):
        for _ in range(50):
            x = 3.7 * x * (1 - x) + y * x
        return x

    graph = diffx.trace(f, x=0.3, y=0.1)
    for wrt in (("x",), ("x", "y")):  # (wrt y: 3.7*x at the first step is not active)
        assert sweep_plan._active_arrays(graph, wrt) is not None
        codes = sweep_plan._active_arrays(graph, wrt)[0]
        assert sweep_plan._plan_arrays(graph, codes) is not None
        assert _fast(graph, wrt) == _reference(graph, wrt)
    assert sweep_plan._active_arrays(graph, ("y",)) is None
    assert _fast(graph, ("y",)) == _reference(graph, ("y",))


def test_shared_argument_assigned_once() -> None:
    """x*x: the first argument's contribution is assigned, the second's added."""
    graph = diffx.parse("y = x * x")
    plan, variants, _ = engine._sweep_plan(graph, ("x",))
    vid = plan[graph.output]
    assert variants[vid][1:] == (3, 1)
    assert diffx.grad("y = x * x", at={"x": 3.0}, method="reverse")["x"] == 6.0


@pytest.mark.parametrize("source", ["a = 2 * 3\nb = a * x", "u = sin(x)\nv = x + 1",
                                    "c = exp(2)\nd = c + x * y"])
def test_loops_used_where_the_arrays_do_not_apply(source: str) -> None:
    graph = diffx.parse(source)
    assert _fast(graph, ("x",)) == _reference(graph, ("x",))


def test_gradient_of_the_logistic_loop_against_the_chain_rule() -> None:
    steps, r, x0 = 200, 3.0, 0.3
    graph = diffx.trace(lambda x: _logistic(x, steps, r), x=x0)
    x, d = x0, 1.0
    for _ in range(steps):  # d/dx0 of x_{k+1} = r x_k (1 - x_k), by hand
        d *= r * (1 - 2 * x)
        x = r * x * (1 - x)
    got = diffx.grad(graph, at={"x": x0}, method="reverse")["x"]
    assert math.isclose(got, d, rel_tol=1e-9)


def _logistic(x, steps, r):
    for _ in range(steps):
        x = r * x * (1 - x)
    return x


@settings(max_examples=200, deadline=None)
@given(programs())
def test_liveness_matches_the_backward_pass(source: str) -> None:
    graph = diffx.parse(source)
    out = graph.output
    live = bytearray(len(graph.op) + 1)  # the definition: a backward pass from the output
    live[out] = 1
    for i in range(out, -1, -1):
        if live[i]:
            live[graph.a[i]] = 1
            live[graph.b[i]] = 1
    del live[len(graph.op)]
    assert graph.reachable_from_output() == live
