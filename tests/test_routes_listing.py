"""Route counting and listing: exact counts, cost per distinct edge, array points, labels."""

import math

import pytest
import sympy
from conftest import logistic_program

import diffx
from diffx import listing as _listing
from diffx import node_labels as _labels
from diffx import route_formulas as _formulas
from diffx import routes as _routes
from diffx.counts import count_routes
from diffx.notation import formula_text


@pytest.mark.parametrize("n", range(1, 13))
def test_logistic_map_has_two_to_the_n_minus_1_routes(n):
    g = diffx.parse(logistic_program(n))
    assert count_routes(g)["x"] == (2 ** (n - 1), pytest.approx((n - 1) * math.log10(2)))
    found, complete = _routes.list_routes(g, "x", limit=10**6)
    assert complete and len(found) == 2 ** (n - 1)
    assert len({r.edges for r in found}) == len(found)  # all different
    for r in found[: 1 if n == 1 else None]:  # each is a chain from x to the output
        if n == 1:  # x is the output: the empty route
            assert r.edges == ()
            continue
        assert r.nodes[0] == g.input_nodes["x"] and r.nodes[-1] == g.output
        assert all(a.node == b.arg for a, b in zip(r.edges, r.edges[1:]))


def test_listing_stops_at_the_limit_and_says_so():
    g = diffx.parse(logistic_program(8))
    found, complete = _routes.list_routes(g, "x", limit=100)
    assert len(found) == 100 and not complete
    found, complete = _routes.list_routes(g, "x", limit=128)
    assert len(found) == 128 and complete


def test_listed_products_add_up_to_the_hand_derived_derivative():
    # l3 = 4 l2 (1 - l2), l2 = 4x(1 - x): d l3/dx = 16(1 - 10x + 24x^2 - 16x^3)
    x = 0.3
    r = diffx.grad(logistic_program(3), at={"x": x}, method="reverse", routes=True)
    info = r.details.route_listing["x"]
    assert info["complete"] and len(info["routes"]) == 4
    assert info["sum"] == pytest.approx(16 * (1 - 10 * x + 24 * x**2 - 16 * x**3), rel=1e-12)
    assert info["matches_sweep"] is True
    for row in info["routes"]:
        assert row["product"] == pytest.approx(math.prod(row["factors"]))


def test_formulas_and_values_are_made_once_per_distinct_edge(monkeypatch):
    n = 11  # 1024 routes over 4(n-1) = 40 distinct edges: l -> 4l, l -> 1-l, both -> product
    g = diffx.parse(logistic_program(n))
    calls = {"formula": 0, "value": 0, "sympy": 0}
    factor_text, local_value, edge = _formulas.factor_text, _routes.local_value, \
        _formulas.Formulas.edge

    def count(key, fn):
        def wrapped(*args, **kw):
            calls[key] += 1
            return fn(*args, **kw)
        return wrapped

    monkeypatch.setattr(_formulas, "factor_text", count("formula", factor_text))
    monkeypatch.setattr(_routes, "local_value", count("value", local_value))
    monkeypatch.setattr(_formulas.Formulas, "edge", count("sympy", edge))
    vals = diffx.grad(g, at={"x": 0.3}, method="reverse").details.values
    lists, _ = _listing.route_listing(g, ("x",), 10_000, vals, None)
    rows = lists["x"]["routes"]
    assert len(rows) == 2 ** (n - 1)
    distinct = {tuple(e) for row in rows for e in row["edges"]}
    assert len(distinct) == 4 * (n - 1)
    assert calls == {"formula": 4 * (n - 1), "value": 4 * (n - 1), "sympy": 4 * (n - 1)}
    assert all(len(row["formulas"]) == len(row["factors"]) == len(row["edges"]) for row in rows)


def test_array_points_list_routes_as_formulas():
    r = diffx.grad("a*(a+b)", at={"a": "0:1:5", "b": 1}, method="reverse", routes=True)
    info = r.details.route_listing["a"]
    assert [row["route"] for row in info["routes"]] == ["a → f", "a → a + b → f"]
    assert [row["formulas"] for row in info["routes"]] == [["(a + b)"], ["a", "1"]]
    assert info["routes"][0]["factors"] is None and info["sum"] is None and "note" in info
    assert list(r["a"]) == [1.0, 1.5, 2.0, 2.5, 3.0]  # 2a + b


def test_pictures_with_routes_at_array_points():
    src = diffx.render("a*(a+b)", at={"a": "0:1:5", "b": 1}, wrt="a").source
    assert "∂f/∂a = (a + b) + a·1 = [1, 1.5, 2, …] (5 points)" in src
    src = diffx.render("a*(a+b)", at={"a": "0:1:5", "b": 1}, wrt="a", route=2).source
    assert "route 2 of 2: a → a + b → f: a·1" in src


def test_the_cli_lists_routes_at_array_points():
    from typer.testing import CliRunner

    from diffx.cli import app

    res = CliRunner().invoke(app, ["routes", "a*(a+b)", "--at", "a=0:1:5,b=1"])
    assert res.exit_code == 0, res.output
    assert "a → a + b → f" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(app, ["graph", "a*(a+b)", "--at", "a=0:1:5,b=1", "--wrt", "a"])
    assert res.exit_code == 0 and "digraph" in res.output


COLLIDE = "v1 = x*x*x*x*x*x*x; w = sin(x+x+x+x+x+x+x+x); v1*w + v1"


def test_labels_never_take_a_name_the_program_uses():
    g = diffx.parse(COLLIDE)
    labels = _labels.labels(g)
    assert set(labels.legend).isdisjoint({"v1", "w", "x", g.output_name})
    assert labels.legend == {"v2": "x + x + x + x", "v3": "v2 + x + x + x"}
    g = diffx.parse("v1 = 1; v2 = 2; x = sin(y+y+y+y+y+y+y+y); n4 = x; v3 = y; n4*v1*v2*v3")
    legend = _labels.labels(g).legend
    assert "v1" not in legend and "v2" not in legend and "v3" not in legend and legend


def test_a_program_name_like_a_label_gives_the_right_route_sum():
    # f = x^7 sin(8x) + x^7: f' = 7x^6 sin(8x) + 8x^7 cos(8x) + 7x^6 (by hand)
    g = diffx.parse(COLLIDE)
    formulas = _formulas.Formulas(g)
    assert len(set(formulas.named.values())) == len(formulas.named)  # distinct symbols
    with formulas.as_written():
        total = formulas.expand(formulas.sweep("x"))
    x = sympy.Symbol("x", real=True)
    at = sympy.Rational(7, 10)
    want = 7 * at**6 * sympy.sin(8 * at) + 8 * at**7 * sympy.cos(8 * at) + 7 * at**6
    assert float(total.subs(x, at)) == pytest.approx(float(want), rel=1e-12)
    r = diffx.grad(COLLIDE, method="reverse")  # no point: the route-sum formula
    listed = r.details.route_sum["x"]
    assert "cos(v3 + x)" in listed and "v1·cos" in listed
    legend = diffx.grad(COLLIDE, at={"x": 0.7}, method="reverse", routes=True).details.route_legend
    assert legend == {"v2": "x + x + x + x", "v3": "v2 + x + x + x"}


def test_an_input_named_E_is_not_eulers_number():
    # f = E*exp(x) + x*e: df/dx = E*exp(x) + e, df/dE = exp(x)
    g = diffx.parse("E*exp(x) + x*e")
    formulas = _formulas.Formulas(g)
    with formulas.as_written():
        dx = formulas.expand(formulas.sweep("x"))
    E, x = sympy.Symbol("E", real=True), sympy.Symbol("x", real=True)
    assert E in dx.free_symbols
    value = float(dx.subs({E: 2, x: sympy.Rational(1, 2)}))
    assert value == pytest.approx(2 * math.exp(0.5) + math.e, rel=1e-14)
    assert formula_text(sympy.E * E) == "e*E"
    src = diffx.render("E*x + e*x", wrt="x").source
    assert "∂(E*x)/∂x = E" in src and "∂(e*x)/∂x = e" in src


def _random_program(rng, n_statements):
    """A random program over x and y with shared names, and an mpmath evaluator for it."""
    import mpmath

    names, lines, defs = ["x", "y"], [], []
    for k in range(n_statements):
        a, b = rng.choice(names), rng.choice(names)
        op = rng.choice(["+", "-", "*", "sin", "exp", "cos"])
        text = f"{a} {op} {b}" if op in "+-*" else f"{op}(0.5*{a})"
        lines.append(f"t{k} = {text}")
        defs.append((f"t{k}", op, a, b))
        names.append(f"t{k}")

    def value(x, y):
        env = {"x": x, "y": y}
        for name, op, a, b in defs:
            env[name] = {"+": lambda: env[a] + env[b], "-": lambda: env[a] - env[b],
                         "*": lambda: env[a] * env[b],
                         "sin": lambda: mpmath.sin(env[a] / 2),
                         "cos": lambda: mpmath.cos(env[a] / 2),
                         "exp": lambda: mpmath.exp(env[a] / 2)}[op]()
        return env[defs[-1][0]]

    return "\n".join(lines), value


@pytest.mark.parametrize("seed", range(25))
def test_route_products_add_up_to_the_derivative_mpmath_finds(seed):
    import random

    import mpmath

    rng = random.Random(seed)
    source, value = _random_program(rng, rng.randint(2, 9))
    full = {"x": 0.3 + seed / 50, "y": -0.7}
    at = {k: v for k, v in full.items() if k in diffx.parse(source).inputs}
    r = diffx.grad(source, at=at, method="reverse", routes=True, route_limit=100_000)
    with mpmath.workdps(40):
        x, y = mpmath.mpf(full["x"]), mpmath.mpf(full["y"])
        want = {"x": mpmath.diff(lambda t: value(t, y), x),
                "y": mpmath.diff(lambda t: value(x, t), y)}
    for w in r.wrt:
        info = r.details.route_listing[w]
        assert info["complete"]
        assert len(info["routes"]) == r.details.routes[w]
        assert info["sum"] == pytest.approx(float(want[w]), rel=1e-9, abs=1e-12), source


def test_a_route_number_is_checked_against_the_count():
    with pytest.raises(diffx.DiffxError, match=r"^route 999999: there are only 2 "
                       "routes from a to f"):
        diffx.render("a*(a+b)", wrt="a", route=999999)
    with pytest.raises(diffx.DiffxError, match="there is only 1 route from b"):
        diffx.render("a*(a+b)", wrt="b", route=2)
    with pytest.raises(diffx.DiffxError, match="listed in order up to the 100,000th"):
        diffx.render(logistic_program(18), wrt="x", route=120_000, max_nodes=1000)


def test_many_points_in_chunks_list_the_routes_once(monkeypatch):
    from diffx.methods import run

    monkeypatch.setattr(run, "CHUNK_VALUES", 40)  # 10 nodes: 4 points per chunk
    calls = []
    original = _listing._listing
    monkeypatch.setattr(_listing, "_listing", lambda *a: calls.append(1) or original(*a))
    r = diffx.grad(logistic_program(3), at={"x": "0:1:20"}, method="reverse", routes=True)
    assert r.details.chunks > 1 and len(calls) == 1
    assert len(r.details.route_listing["x"]["routes"]) == 4


def test_a_long_legend_is_written_a_line_each():
    # x*1 + ... + x*40: its partial sums are labelled v1, v2, ..., each defined by the one
    # before (v19 = v18 + x*38 + x*39), so every label the routes show brings the rest in
    from typer.testing import CliRunner

    from diffx.cli import app

    source = " + ".join(f"x*{k}" for k in range(1, 41))
    res = CliRunner().invoke(app, ["routes", source, "--at", "x=0.5"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    where = lines.index("  where")
    legend = [line.strip() for line in lines[where + 1:]]
    assert legend[-1] == "v19 = v18 + x*38 + x*39" and len(legend) == 19
    assert all(line.startswith("v") and " = " in line for line in legend)
    short = CliRunner().invoke(app, ["routes", COLLIDE, "--at", "x=0.7"]).output
    assert "  where v2 = x + x + x + x, v3 = v2 + x + x + x" in short


def test_a_legend_of_thousands_writes_its_last_entries_and_counts_the_rest():
    from typer.testing import CliRunner

    from diffx.cli import app

    source = " + ".join(f"x*{k}" for k in range(1, 201))  # labels v1 ... v99
    out = CliRunner().invoke(app, ["routes", source, "--at", "x=0.5"]).output
    lines = out.splitlines()
    where = lines.index("  where")
    assert lines[where + 1] == "    (59 more labels that these use; --json lists every one)"
    assert len(lines) - where - 2 == 40 and lines[-1].startswith("    v99 = v98 + ")
