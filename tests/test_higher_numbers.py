"""Issue 11's numbers and the pieces behind them: the ``sign`` op, the adjoint program's compact
kink partials (readable, exact at the kinks, small), the Hessian's helper warnings found by
node, the symbolic Hessian's time budget, and ``swell --order 2``. Oracles are hand
derivations and mpmath, never diffx itself."""

from __future__ import annotations

import importlib
import re

import mpmath
import pytest

import diffx
from diffx.errors import DiffxError

H = importlib.import_module("diffx.hessian")


# ---------------------------------------------------------------- the sign op

@pytest.mark.parametrize("x, expected", [(-2.5, -1.0), (-1e-320, -1.0), (0.0, 0.0),
                                         (1e-320, 1.0), (7.0, 1.0)])
def test_sign_value_and_zero_derivative(x, expected):
    g = diffx.grad("sign(x)", at={"x": x}, method="reverse")
    assert g.value == expected == float(mpmath.sign(mpmath.mpf(x)))
    assert g["x"] == 0.0
    sym = diffx.grad("sign(x)*x", at={"x": x}, method="symbolic")
    assert sym["x"] == expected  # d/dx sign(x)*x = sign(x) + x*0: |x|' = sign(x)


def test_sign_at_zero_is_reported_as_a_jump():
    g = diffx.grad("sign(x)", at={"x": 0}, method="reverse")
    assert any("sign jumps" in w for w in g.warnings)


def test_sign_formula_is_sympy_sign():
    import sympy

    f = diffx.grad("x*sign(x)", wrt="x", method="symbolic").formula
    assert f is not None and "sign" in f["x"]
    x = sympy.Symbol("x", real=True)
    assert sympy.sign(x).subs(x, 0) == 0  # the documented sign(0) = 0 (H(x) - H(-x), H(0) = ½)


# ---------------------------------------------------------------- the adjoint's kink partials

def _hand(expr_point):
    """Hand-derived gradients at kinks and off them (docs/conventions.md)."""
    return expr_point


KINK_CASES = [
    # y = relu(x)*w: dy/dx = [x > 0] w, dy/dw = relu(x); relu'(0) = 0
    ("relu(x)*w", {"x": 0.0, "w": 3.0}, {"x": 0.0, "w": 0.0}),
    ("relu(x)*w", {"x": 2.0, "w": 3.0}, {"x": 3.0, "w": 2.0}),
    ("relu(x)*w", {"x": -2.0, "w": 3.0}, {"x": 0.0, "w": 0.0}),
    # abs'(0) = 0, abs'(-1e-300) = -1
    ("abs(x)*w", {"x": 0.0, "w": 3.0}, {"x": 0.0, "w": 0.0}),
    ("abs(x)*w", {"x": -1e-300, "w": 3.0}, {"x": -3.0, "w": 1e-300}),
    # a max/min tie splits ½ each; off the tie all goes to the larger (smaller) argument
    ("max(x, w)", {"x": 1.5, "w": 1.5}, {"x": 0.5, "w": 0.5}),
    ("max(x, w)", {"x": 1.5, "w": 1.0}, {"x": 1.0, "w": 0.0}),
    ("min(x, w)", {"x": 1.5, "w": 1.0}, {"x": 0.0, "w": 1.0}),
    ("min(x, w)", {"x": -4.0, "w": -4.0}, {"x": 0.5, "w": 0.5}),
    # max(x, x) is x: ½ + ½ = 1
    ("max(x, x)*w", {"x": 2.0, "w": 3.0}, {"x": 3.0, "w": 2.0}),
    # nested ties split in turn: ¼, ¼, ½
    ("max(max(x, w), 1)", {"x": 1.0, "w": 1.0}, {"x": 0.25, "w": 0.25}),
]


@pytest.mark.parametrize("source, point, expected", KINK_CASES)
def test_adjoint_program_gives_the_conventions_values(source, point, expected):
    adj = diffx.adjoint(source)
    _, grad = adj.evaluate(point)
    assert grad == pytest.approx(expected, abs=0, rel=0)
    # the printed program parses back and computes the same
    again = diffx.evaluate(adj.text(), at=point)
    assert again is not None


def test_adjoint_text_shows_sign_not_ramps():
    text = diffx.adjoint("h = relu(w*x + b); y = max(h, 0.5*x)", wrt="w,b").text()
    assert "2^537" not in text
    assert "v2_bar = h_bar * sign(h)" in text
    assert "h_bar = y_bar * heaviside(h - v3)" in text


def test_max_second_argument_gets_the_rest():
    text = diffx.adjoint("y = max(a, b)").text()
    assert "b_bar = y_bar - y_bar * heaviside(a - b)" in text
    adj = diffx.adjoint("y = max(a, b)")
    assert adj.evaluate({"a": 1.0, "b": 2.0})[1] == {"a": 0.0, "b": 1.0}


def test_adjoint_text_round_trips_with_every_kink():
    source = "h = relu(x); y = max(h, x*w) + min(abs(w), h) + max(x, x)"
    adj = diffx.adjoint(source)
    program = diffx.parse(adj.text())
    assert program.size == adj.graph.size  # the text is exactly the graph
    for point in ({"x": 0.0, "w": 0.0}, {"x": 1.0, "w": -2.0}, {"x": 2.0, "w": 1.0}):
        value, grad = adj.evaluate(point)
        # hand: y = max(relu x, x w) + min(|w|, relu x) + x, at each point
        ref = diffx.grad(source, at=point, method="reverse")
        assert grad == {k: float(v) for k, v in ref.gradient.items()}


def test_python_emit_defines_sign():
    text = diffx.adjoint("y = abs(x)").python()
    space: dict = {}
    code = compile(text, "<adjoint>", "exec")
    exec(code, space)  # diffx's own generated text, not user input
    assert space["y_and_gradient"](-3.0) == (3.0, {"x": -1.0})
    assert space["y_and_gradient"](0.0) == (0.0, {"x": 0.0})


def test_power_partials_exact_at_zero():
    adj = diffx.adjoint("y = x^w")
    # d/dx 0^0 = 0 (x^0 is 1 everywhere); d/dw 0^2 = 0 (limit of x^w log x is 0)
    assert adj.evaluate({"x": 0.0, "w": 0.0})[1]["x"] == 0.0
    assert adj.evaluate({"x": 0.0, "w": 2.0})[1] == {"x": 0.0, "w": 0.0}
    # hand: d/dx x^w = w x^(w-1), d/dw = x^w log x, at x = 2, w = 3
    _, grad = adj.evaluate({"x": 2.0, "w": 3.0})
    assert grad["x"] == 12.0
    assert grad["w"] == pytest.approx(float(8 * mpmath.log(2)), rel=1e-15)


def test_adjoint_sizes_of_kink_programs_are_small():
    # hand count for relu: copy x, relu, the seed 1, sign(h) and h_bar*sign(h): 5 nodes
    assert diffx.adjoint("y = relu(x)").graph.size == 5
    # max(a, b): a, b, max, seed, a - b, heaviside, g*p, g - g*p: 8 nodes
    assert diffx.adjoint("y = max(a, b)").graph.size == 8
    # the logistic map: 3 forward and 5 adjoint nodes per step (docs/adjoint.md)
    steps = 200
    src = "\n".join(["l0 = x"] + [f"l{k + 1} = 4*l{k}*(1 - l{k})" for k in range(steps)])
    adj = diffx.adjoint(src)
    assert adj.ratio <= 4
    assert adj.graph.size - adj.original.size == 5 * steps  # the seed 1 is the literal 1


# ---------------------------------------------------------------- Hessian over the sign form

def test_hessian_of_kinks_is_zero_without_helper_warnings():
    for m in ("reverse", "forward"):
        h = H.hessian("relu(x)*y + abs(y)*x + max(x, y)", at={"x": -1.0, "y": 2.0}, method=m)
        # hand: d2/dxdy = relu'(x) + abs'(y) = 0 + 1; every other entry 0
        assert h.matrix.tolist() == [[0.0, 1.0], [1.0, 0.0]], m
        assert h.warnings == [], m  # sign(relu(x)) = sign(0) is the helper's, not a kink of f


def test_hessian_keeps_the_users_kink_warning():
    h = H.hessian("relu(x)*y", at={"x": 0.0, "y": 2.0}, method="reverse")
    assert any("relu(x) is at a kink" in w or "relu" in w and "kink" in w for w in h.warnings)
    assert not any(re.search(r"sign\(", w) for w in h.warnings)


def test_hessian_of_power_matches_mpmath():
    x, w = mpmath.mpf("1.5"), mpmath.mpf("2.5")
    f = lambda a, b: a ** b  # noqa: E731
    exact = [[mpmath.diff(f, (x, w), (2, 0)), mpmath.diff(f, (x, w), (1, 1))],
             [mpmath.diff(f, (x, w), (1, 1)), mpmath.diff(f, (x, w), (0, 2))]]
    for m in ("reverse", "forward"):
        h = H.hessian("x^w", at={"x": 1.5, "w": 2.5}, method=m)
        for i in range(2):
            for j in range(2):
                assert h.matrix[i, j] == pytest.approx(float(exact[i][j]), rel=1e-13), m


def test_symbolic_hessian_has_a_time_budget():
    steps = 14  # the logistic map's second derivative swells far past a tenth of a second
    src = "\n".join(["l0 = x"] + [f"l{k + 1} = 4*l{k}*(1 - l{k})" for k in range(steps)])
    h = H.hessian(src, at={"x": 0.3}, method="symbolic", timeout=0.1)
    assert h.matrix is None and h.error is not None
    assert h.error.startswith("timed out after 0.1 s") and "reverse and forward" in h.error
    with pytest.raises(DiffxError, match="timeout"):
        H.hessian("x^2", at={"x": 1}, timeout=-1)


# ---------------------------------------------------------------- H·v by the dual pass

def test_hvp_matches_mpmath():
    f = lambda x, w: x ** w * mpmath.sin(x) - w * mpmath.exp(-x) + mpmath.tanh(x * w)  # noqa: E731
    x, w = mpmath.mpf("1.5"), mpmath.mpf("2.5")
    hxx, hxw, hww = (mpmath.diff(f, (x, w), n) for n in ((2, 0), (1, 1), (0, 2)))
    got = diffx.hvp("y = x^w*sin(x) - w*exp(-x) + tanh(x*w)", at={"x": 1.5, "w": 2.5},
                    v={"x": 1.0, "w": -2.0})
    assert got["x"] == pytest.approx(float(hxx - 2 * hxw), rel=1e-12)
    assert got["w"] == pytest.approx(float(hxw - 2 * hww), rel=1e-12)


def test_hvp_by_hand():
    # the dual pass and the careful sweep agree where everything is finite
    got = diffx.hvp("y = sqrt(x)*w", at={"x": 4.0, "w": 3.0}, v={"x": 0.0, "w": 1.0})
    assert got == {"x": 0.25, "w": 0.0}  # hand: d/dw (w/(2√x)) = 1/4; d/dw √x = 0
    h = H.hessian("y = relu(x)*x", at={"x": -1.0}, method="forward")
    assert h.matrix.tolist() == [[0.0]]  # hand: relu(x)*x = 0 for x < 0


# ---------------------------------------------------------------- swell --order 2

def test_swell_order2_formulas_swell_while_sweeps_grow_linearly():
    from diffx.swell_order2 import swell_order2

    t = swell_order2("logistic", n=range(2, 7))
    rows = t.rows
    # hand count: each step adds 3 forward and 5 adjoint nodes (the seed 1 is the step's 1)
    assert [r.adjoint_nodes for r in rows] == [11, 19, 27, 35, 43]
    fwd = [r.forward_over_reverse_ops for r in rows]
    assert len({b - a for a, b in zip(fwd, fwd[1:])}) == 1  # linear in n
    ops = [r.hessian_count_ops for r in rows]
    assert all(isinstance(o, int) for o in ops)
    assert all(b > 3 * a for a, b in zip(ops[1:], ops[2:]))  # exponential: more than 3x a step
    # l2 = 4x(1 - x): its second derivative is the constant -8 (one op: the sign)
    assert rows[0].hessian_count_ops == 1


def test_swell_order2_cli():
    from typer.testing import CliRunner

    from diffx.cli import app

    out = CliRunner().invoke(app, ["swell", "logistic", "--n", "1..3", "--order", "2",
                                   "--json"])
    assert out.exit_code == 0
    import json

    data = json.loads(out.output)
    assert [r["adjoint_nodes"] for r in data["rows"]] == [2, 11, 19]
    bad = CliRunner().invoke(app, ["swell", "logistic", "--order", "2", "--csv"])
    assert bad.exit_code == 2 and "--order 2" in bad.output
