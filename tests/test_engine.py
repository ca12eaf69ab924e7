"""The sweep engine: forward values, adjoints, tangents, route counts, many points, big graphs."""

import builtins
import math

import numpy as np
import pytest
from conftest import ROUTE_SUM, logistic_program
from hypothesis import given, settings
from hypothesis import strategies as st

import diffx
from diffx import engine
from diffx.counts import count_routes
from diffx.methods import run


def test_forward_and_sweep_match_a_hand_written_loop():
    n = 20  # (300 chaotic steps lose every float digit: diffx then reports exact values)
    g = diffx.parse(logistic_program(n))
    x, dx = 0.3, 1.0
    for _ in range(n - 1):  # value and derivative by hand, step by step
        x, dx = 4 * x * (1 - x), (4 - 8 * x) * dx
    r = diffx.grad(g, at={"x": 0.3})
    assert r.value == pytest.approx(x, rel=1e-9)
    assert r["x"] == pytest.approx(dx, rel=1e-6)


def test_adjoints_of_every_node_seed_004():
    g = diffx.parse(ROUTE_SUM)
    vals = engine.forward(g, {"a": 4.0, "b": 3.0})
    adj = engine.sweep(g, vals, ("a", "b"))
    by_name = {g.name(i): (vals[i], adj[i]) for i in range(g.size)}
    assert by_name == {"a": (4.0, 11.0), "b": (3.0, 4.0), "c": (7.0, 4.0), "d": (28.0, 1.0)}


def test_only_the_requested_inputs_are_swept():
    g = diffx.parse("x^2 + y^3")
    assert engine.edge_count(g, ("x",)) == 2  # x^2 and the sum; nothing towards y
    assert diffx.grad(g, at={"x": -2, "y": 1}, wrt="x").gradient == {"x": -4.0}


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 5), st.floats(-1.5, 1.5), st.floats(-1.5, 1.5))
def test_forward_mode_equals_reverse_mode(depth, x, y):
    src = "u = x*y; v = sin(u) + x; w = tanh(v)*u - y^2"
    for k in range(depth):  # a deeper program each time
        src += f"; w{k} = w{k - 1 if k else ''}*x + sin(w{k - 1 if k else ''})"
    fwd = diffx.grad(src, at={"x": x, "y": y}, method="forward")
    rev = diffx.grad(src, at={"x": x, "y": y}, method="reverse")
    for name in ("x", "y"):
        assert fwd[name] == pytest.approx(rev[name], rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("n", [1, 2, 5, 30, 200])
def test_route_counts_of_the_logistic_map(n):
    counts = count_routes(diffx.parse(logistic_program(n)))
    assert counts["x"][0] == 2 ** (n - 1)


def test_route_counts_past_the_exact_limit_are_logarithms():
    n = 5000  # 2**4999 routes: carried as a logarithm
    exact, log10 = count_routes(diffx.parse(logistic_program(n)))["x"]
    assert exact is None
    assert log10 == pytest.approx((n - 1) * math.log10(2), rel=1e-9)


def test_route_counts_with_shared_and_repeated_edges():
    g = diffx.parse("y = x*x; z = y + x; z*y")
    # z*y: through z (y via x*x: 2, x directly: 1) and through y (x*x: 2) = 5
    assert count_routes(g)["x"][0] == 5


def test_many_points_are_chunked_with_the_same_result(monkeypatch):
    g = diffx.parse(logistic_program(40))
    xs = np.linspace(0.05, 0.95, 1001)
    whole = diffx.grad(g, at={"x": xs})
    monkeypatch.setattr(run, "CHUNK_VALUES", 40 * 100)  # 1001 points in chunks of ~ 33
    chunked = diffx.grad(g, at={"x": xs})
    assert chunked.details.chunks > 10
    assert np.array_equal(whole["x"], chunked["x"])
    assert np.array_equal(whole.value, chunked.value)
    small = diffx.parse(logistic_program(6))
    reference = diffx.grad(small, at={"x": xs})
    for method, tol in (("numeric", 1e-4), ("forward", 1e-12), ("symbolic", 1e-9)):
        other = diffx.grad(small, at={"x": xs}, method=method)  # a degree-32 polynomial
        assert np.allclose(other["x"], reference["x"], rtol=tol, atol=tol), method


def test_many_points_match_one_point_at_a_time():
    src = "sin(x)*exp(-y^2) + tanh(x*y)/(1 + x^2) - log(1 + y^2)*cos(x - y)"
    rng = np.random.default_rng(0)
    xs, ys = rng.uniform(-2, 2, 50), rng.uniform(-2, 2, 50)
    many = diffx.grad(src, at={"x": xs, "y": ys})
    for k in range(50):
        one = diffx.grad(src, at={"x": float(xs[k]), "y": float(ys[k])})
        assert many["x"][k] == pytest.approx(one["x"], rel=1e-13, abs=1e-15)
        assert many["y"][k] == pytest.approx(one["y"], rel=1e-13, abs=1e-15)


def test_a_long_program_differentiates_without_recursion():
    n = 60_000  # 180,000 nodes
    src = "\n".join(["l1 = 0.5 + 0.1*x"] + [f"l{k+1} = 0.9*l{k} + 0.05*sin(l{k})"
                                               for k in range(1, n)])
    r = diffx.grad(src, at={"x": 0.2})
    assert math.isfinite(r["x"])
    assert r.cost["routes"] is None  # 2**59999 routes, counted as a logarithm
    assert r.cost["routes_log10"] == pytest.approx((n - 1) * math.log10(2))


def test_compiled_loops_are_cached_on_the_graph(monkeypatch):
    """A second gradient of a parsed graph, at another point, compiles no Python: the loops
    built for the first are kept with the graph (seen at Python's own compile)."""
    g = diffx.parse("a*(a+b)")
    diffx.grad(g, at={"a": 1, "b": 2})
    compiled = []
    real = builtins.compile

    def counting(source, filename, *args, **kw):
        compiled.append(filename)
        return real(source, filename, *args, **kw)

    monkeypatch.setattr(builtins, "compile", counting)
    again = diffx.grad(g, at={"a": 3, "b": 4})
    assert compiled == []
    assert again.gradient == {"a": 10.0, "b": 3.0}  # d/da a(a + b) = 2a + b, d/db = a
    # the loops depend only on the ops a graph uses: another graph of the same ops reuses them,
    # a graph with an op not seen before compiles its own
    diffx.grad(diffx.parse("b*(b+a)"), at={"a": 3, "b": 4})
    assert compiled == []
    rare = "sinh(sinh(sinh(sinh(a/9))))*cosh(cosh(cosh(b/9))) + atan(atan(a)) - softplus(b)"
    diffx.grad(diffx.parse(rare), at={"a": 3, "b": 4})  # an op mix no other test uses
    assert any(name.startswith("<diffx") for name in compiled), compiled


@st.composite
def programs(draw):
    """Random programs whose statements reuse earlier names (shared nodes, dead statements)."""
    names = ["x", "y"]
    lines = []
    for k in range(draw(st.integers(1, 12))):
        a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        expr = draw(st.sampled_from([f"{a}*{b}", f"{a} + {b}", f"{a} - 0.5*{b}", f"sin({a})",
                                     f"tanh({a})*{b}", f"{a}*{a}", f"exp(-{a}*{a})",
                                     f"{a}/(1 + {b}*{b})", f"max({a}, {b})", f"2*{a}"]))
        names.append(f"v{k}")
        lines.append(f"v{k} = {expr}")
    last = draw(st.sampled_from(names[2:]))  # maybe not the last statement: dead code
    lines.append(f"out = {last} + x*0.25")
    return "\n".join(lines)


@settings(max_examples=80, deadline=None)
@given(programs(), st.floats(-1.2, 1.2), st.floats(-1.2, 1.2))
def test_reverse_sweep_equals_forward_mode_on_random_programs(src, x, y):
    g = diffx.parse(src)
    point = {k: v for k, v in (("x", x), ("y", y)) if k in g.input_nodes}
    rev = diffx.grad(g, at=point, method="reverse")
    fwd = diffx.grad(g, at=point, method="forward")
    many = diffx.grad(g, at={k: np.array([v, v]) for k, v in point.items()})
    for name in point:
        assert rev[name] == pytest.approx(fwd[name], rel=1e-12, abs=1e-12), src
        assert many[name][1] == pytest.approx(rev[name], rel=1e-12, abs=1e-12), src
