"""diffx.hessian and diffx.hvp against hand-derived Hessians, mpmath and each other."""

from __future__ import annotations

import json
import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import diffx
from diffx.cli import app
from diffx.hessian import METHODS, agreement

EXACT = ("symbolic", "reverse", "forward")


@pytest.mark.parametrize("method", METHODS)
def test_lecture_program_by_hand(method):
    # d = a*(a + b) = a^2 + ab: d_aa = 2, d_ab = 1, d_bb = 0
    h = diffx.hessian("c = a + b; d = a * c", at={"a": 4, "b": 3}, method=method)
    assert h.ok and h.wrt == ("a", "b")
    np.testing.assert_allclose(h.matrix, [[2, 1], [1, 0]], atol=1e-6 if method == "numeric"
                               else 0)
    assert h.value == 28.0
    assert h.asymmetry == 0.0 and h.warnings == []


def _mpmath_hessian(f, point):
    with mpmath.workdps(40):
        n = len(point)
        out = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                order = [0] * n
                order[i] += 1
                order[j] += 1
                out[i, j] = float(mpmath.diff(f, point, tuple(order)))
    return out


def test_issue_example_against_mpmath():
    expected = _mpmath_hessian(lambda x, y: x**2 * y + mpmath.sin(x * y), (1, 2))
    for method in METHODS:
        h = diffx.hessian("x^2*y + sin(x*y)", at={"x": 1, "y": 2}, method=method)
        rtol = 1e-6 if method == "numeric" else 1e-14
        np.testing.assert_allclose(h.matrix, expected, rtol=rtol, atol=rtol)
    # hand: f_xx = 2y - y^2 sin(xy), f_xy = 2x + cos(xy) - xy sin(xy), f_yy = -x^2 sin(xy)
    s, c = np.sin(2.0), np.cos(2.0)
    np.testing.assert_allclose(expected, [[4 - 4 * s, 2 + c - 2 * s], [2 + c - 2 * s, -s]],
                               rtol=1e-14)


LOGISTIC = "z = w*x + b; y = sigmoid(z); L = 0.5*(y - t)^2; R = 0.5*w^2; Lreg = L + 0.01*R"


def test_logistic_least_squares_by_hand():
    # lecture notes' univariate logistic least squares with the w^2 regulariser:
    # dL/dz = (y - t) s with s = y(1 - y); d2L/dz2 = s^2 + (y - t) s (1 - 2y); z_w = x, z_b = 1
    w, b, x, t = 0.5, 0.1, 1.5, 1.0
    with mpmath.workdps(40):
        y = 1 / (1 + mpmath.exp(-(w * x + b)))
        s = y * (1 - y)
        lzz = float(s**2 + (y - t) * s * (1 - 2 * y))
    expected = np.array([[lzz * x * x + 0.01, lzz * x], [lzz * x, lzz]])
    at = {"w": w, "b": b, "x": x, "t": t}
    for method in METHODS:
        h = diffx.hessian(LOGISTIC, at=at, wrt=["w", "b"], method=method)
        assert h.wrt == ("w", "b")
        rtol = 1e-6 if method == "numeric" else 1e-13
        np.testing.assert_allclose(h.matrix, expected, rtol=rtol)


def test_kinks_follow_the_conventions():
    # relu'' = 0 and abs'' = 0 at the kink; a max tie splits 1/2 to each argument
    for method in EXACT:
        h = diffx.hessian("relu(x)*y + abs(x)", at={"x": 0, "y": 2}, method=method)
        np.testing.assert_array_equal(h.matrix, [[0, 0], [0, 0]])
        h = diffx.hessian("max(x, y)*x", at={"x": 1, "y": 1}, method=method)
        np.testing.assert_array_equal(h.matrix, [[1, 0.5], [0.5, 0]])
    numeric = diffx.hessian("relu(x)*y + abs(x)", at={"x": 0, "y": 2}, method="numeric")
    assert any("unreliable" in w for w in numeric.warnings)


def test_cost_counts_sweeps_and_evaluations():
    at = {"a": 1.0, "b": 2.0, "c": 3.0}
    assert diffx.hessian("a*b*c", at=at, method="reverse").cost["sweeps"] == 3
    assert diffx.hessian("a*b*c", at=at, method="forward").cost["sweeps"] == 3
    # f(x) once, then per step 2 per diagonal entry and 4 per pair above it: 1 + 2*(6 + 12)
    assert diffx.hessian("a*b*c", at=at, method="numeric").cost["evaluations"] == 37


def test_hvp_equals_h_times_v():
    src, at = "x^2*y + sin(x*y) + exp(y)/x", {"x": 1.3, "y": -0.4}
    matrix = diffx.hessian(src, at=at, method="symbolic").matrix
    v = np.array([0.7, -2.0])
    got = diffx.hvp(src, at=at, v={"x": 0.7, "y": -2.0})
    np.testing.assert_allclose([got["x"], got["y"]], matrix @ v, rtol=1e-14)
    assert diffx.hvp(src, at=at, v=[0.7, -2.0]) == got


def test_bad_requests_are_clear_errors():
    with pytest.raises(diffx.DiffxError, match="at a point"):
        diffx.hessian("x*y")
    with pytest.raises(diffx.OptionError, match="method="):
        diffx.hessian("x*y", at={"x": 1, "y": 1}, method="magic")
    with pytest.raises(diffx.DiffxError, match="v= names z"):
        diffx.hvp("x*y", at={"x": 1, "y": 1}, v={"z": 1})
    with pytest.raises(diffx.DiffxError, match="component for each"):
        diffx.hvp("x*y", at={"x": 1, "y": 1}, v=[1])


def test_not_finite_is_reported():
    h = diffx.hessian("sqrt(x)*y", at={"x": 0, "y": 1}, method="forward")
    assert any("not finite" in w for w in h.warnings)


_LEAF = st.sampled_from(["x", "y", "0.5", "2"])
_EXPR = st.recursive(
    _LEAF,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*"]), inner, inner).map(
            lambda t: f"({t[1]} {t[0]} {t[2]})"),
        st.tuples(st.sampled_from(["sin", "cos", "tanh", "sigmoid", "atan"]), inner).map(
            lambda t: f"{t[0]}({t[1]})")),
    max_leaves=6)


@settings(max_examples=25, deadline=None)
@given(_EXPR, st.floats(-1.5, 1.5), st.floats(-1.5, 1.5))
def test_every_method_agrees_on_random_expressions(expr, x, y):
    src = f"{expr} + x*y"  # both inputs always present
    found = diffx.hessian_all(src, at={"x": x, "y": y})
    assert all(h.ok for h in found.values())
    ref = found["symbolic"].matrix
    scale = max(1.0, float(np.max(np.abs(ref))))
    for method in ("reverse", "forward"):
        assert np.max(np.abs(found[method].matrix - ref)) <= 1e-12 * scale, method
        assert found[method].asymmetry <= 1e-12 * scale
    assert np.max(np.abs(found["numeric"].matrix - ref)) <= 1e-5 * scale
    assert agreement(found)["symbolic"] == 0.0


def test_cli_order_two_prints_every_method_and_their_agreement():
    import json

    from typer.testing import CliRunner

    from diffx.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["grad", "c = a + b; d = a * c", "--order", "2", "--at", "a=4,b=3"])
    assert out.exit_code == 0, out.output
    for method in METHODS:
        assert method in out.output
    assert "reverse 0, forward 0, numeric" in out.output
    out = runner.invoke(app, ["grad", "x^2*y + sin(x*y)", "--order", "2", "--at", "x=1,y=2",
                              "--json"])
    data = json.loads(out.output)
    assert data["forward"]["hessian"][1][1] == pytest.approx(-np.sin(2.0), rel=1e-14)
    assert data["agreement"]["numeric"] < 1e-6
    out = runner.invoke(app, ["grad", "x*y", "--order", "2"])
    assert out.exit_code != 0 and "--at" in out.output


def test_a_python_function_is_traced():
    # f = sin(x) y^2: f_xx = -sin(x) y^2, f_xy = 2y cos(x), f_yy = 2 sin(x)
    x, y = 0.3, 2.0
    h = diffx.hessian(lambda x, y: np.sin(x) * y * y, at={"x": x, "y": y}, method="forward")
    np.testing.assert_allclose(h.matrix, [[-np.sin(x) * y * y, 2 * y * np.cos(x)],
                                          [2 * y * np.cos(x), 2 * np.sin(x)]], rtol=1e-14)


@pytest.mark.parametrize("source, at", [
    ("log(x)*y", "x=-1,y=1"), ("1/x", "x=0"), ("sqrt(x)*y", "x=0,y=1"), ("exp(x)", "x=1000"),
    ("x^3", "x=1e200"),
])
def test_order_two_json_stays_strict_where_an_entry_is_not_finite(source, at):
    # these crashed with an internal error (nan in the agreement); a non-finite entry is null
    # and is named among the entries not compared, never counted as agreement
    done = CliRunner().invoke(app, ["grad", source, "--at", at, "--order", "2", "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert "RuntimeWarning" not in done.output
    for method, value in data["agreement"].items():
        if value is not None:
            assert math.isfinite(value)
    if source == "x^3":  # H = 6x = 6e200 (finite): the sweeps agree exactly; the second
        assert data["symbolic"]["hessian"] == [[6e200]]  # differences overflow to nan
        assert data["agreement"]["reverse"] == 0.0 and data["agreement"]["numeric"] is None
        assert data["not_compared"] == {"numeric": ["x,x"]}


def test_order_two_table_says_which_entries_were_not_compared():
    # sqrt(x)*y at (0, 1): H[x,x] = -y/(4 x^1.5) and H[x,y] = 1/(2 sqrt x) are infinite,
    # H[y,y] = 0 is compared
    done = CliRunner().invoke(app, ["grad", "sqrt(x)*y", "--at", "x=0,y=1", "--order", "2"])
    assert "reverse 0 (not finite at x,x; x,y; y,x)" in done.output


def test_a_hessian_of_a_function_whose_floats_are_off_says_so():
    # (3 + 1e8)(3 - 1e8) + 1e8^2 is 9 exactly, 8 in floats: f = 9x^2 (0.09 at 0.1, H = 18 by
    # hand) is computed as 8x^2, whose float Hessian is 16
    found = diffx.hessian_all("x^2*((3+1e8)*(3-1e8)+1e8^2)", at={"x": 0.1})
    assert found["symbolic"].matrix.tolist() == [[18.0]]
    for method in ("forward", "numeric"):
        h = found[method]
        assert h.value == pytest.approx(0.09, rel=1e-15)
        assert any(w.startswith("f lost precision in floats") for w in h.warnings), method
        assert any("may be off by more than any estimate" in w for w in h.warnings)
    assert found["numeric"].error_estimate is None  # (its ±5e-9 measured the steps only)
    told = " ".join(found["reverse"].warnings)  # the row's function is ∂f/∂x
    assert "∂²f/∂x∂x: got 16, 100-digit arithmetic gives 18; ∂f/∂x: got 1.6" in told


@pytest.mark.parametrize("source, at, exact", [
    ("log(x) + y^2", {"x": 1e-6, "y": 1.0}, [[-1e12, 0.0], [0.0, 2.0]]),  # -1/x^2, by hand
    ("sqrt(x)", {"x": 1e-8}, [[-0.25 * 1e-8 ** -1.5]]),  # -x^(-3/2)/4
])
def test_second_differences_keep_their_steps_inside_the_domain(source, at, exact):
    # the standard step (1.2e-4) crossed x = 0: H was nan, "does not exist there"
    h = diffx.hessian(source, at=at, method="numeric")
    assert np.all(np.isfinite(h.matrix))
    assert np.all(np.abs(h.matrix - np.array(exact)) <= h.error_estimate)
    assert any("step was reduced until it stayed inside" in w for w in h.warnings)


def test_the_hessian_of_a_vector_program_is_over_its_elements():
    # L = sum(W @ x) = Σ W_ij x_j: ∂²L/∂W_ij ∂x_j = 1, every other entry 0 (by hand)
    found = diffx.hessian_all("L = sum(W @ x)", at={"W": np.array([[1.0, 2.0], [3.0, 4.0]]),
                                                    "x": np.array([1.0, 1.0])},
                              methods=("symbolic", "reverse", "forward"))
    names = ("W[0,0]", "W[0,1]", "W[1,0]", "W[1,1]", "x[0]", "x[1]")
    want = np.zeros((6, 6))
    for w, j in (("W[0,0]", 4), ("W[0,1]", 5), ("W[1,0]", 4), ("W[1,1]", 5)):
        want[names.index(w), j] = want[j, names.index(w)] = 1.0
    for h in found.values():
        assert h.wrt == names and np.array_equal(h.matrix, want), h.method
    with pytest.raises(diffx.DiffxError, match="a Hessian is of a number"):
        diffx.hessian("y = W @ x", at={"W": np.eye(2), "x": np.ones(2)})


def test_where_the_first_derivative_is_infinite_no_method_shows_a_second():
    # sqrt(x) at 0: f' = 1/(2 sqrt x) is infinite there, so f'' does not exist; symbolic and
    # forward said -inf, reverse nan, and the numeric method claimed its step stayed inside
    found = diffx.hessian_all("sqrt(x)", at={"x": 0.0})
    for h in found.values():
        assert np.isnan(h.matrix).all(), h.method
    assert any("the first derivative is not finite here" in w
               for w in found["symbolic"].warnings)
    told = " ".join(found["numeric"].warnings)
    assert "no second difference exists here" in told and "stayed inside" not in told
    assert "row x: ∂f/∂x has no derivative at this point" in " ".join(found["reverse"].warnings)


def test_the_exact_rerun_settles_a_true_zero_and_keeps_a_tiny_number():
    # w = (u^2 + x)/u with u = xy is xy + 1/y: ∂²w/∂x² = 0 (by hand). The float sweep gives
    # -4.4e-16; runs at 50, 100, ... digits shrink towards 0 and never "agreed"
    h = diffx.hessian("u = x*y; v = u^2 + x; w = v/u", at={"x": 1.3, "y": 0.7})
    assert h.matrix[0, 0] == 0.0 and h.matrix[0, 1] == pytest.approx(1.0, rel=1e-14)
    assert not any("did not agree" in w for w in h.warnings)
    # (1 + x)^2 - 1 - 2x has the derivative 2x: 2e-70 at 1e-70, not 0 (0 at 50 digits)
    g = diffx.grad("(1 + x)^2 - 1 - 2*x", at={"x": 1e-70}, method="reverse")
    assert g["x"] == pytest.approx(2e-70, rel=1e-12)
