"""Jacobians of vector outputs: every method against hand-derived Jacobians (W @ x by x is W,
softmax's diag(s) - s sᵀ, x*x's diag(2x), outer(u, v)'s entries), the two layouts, the cost
line, the JSON keys, the size limit and the command line."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

import diffx
from diffx.cli import app
from diffx.errors import OptionError
from diffx.methods import jacobian

METHODS = ("reverse", "symbolic", "numeric", "forward", "matrix")
W = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
AT = {"W": W, "x": [1.0, 0.0, -1.0]}


def close(method: str) -> dict[str, float]:
    return {"atol": 1e-7, "rtol": 1e-7} if method == "numeric" else {"atol": 1e-14, "rtol": 0}


@pytest.mark.parametrize("method", METHODS)
def test_w_at_x_by_x_is_w_and_its_transpose_in_denominator_layout(method):
    g = diffx.grad("y = W @ x", at=AT, wrt="x", method=method)
    np.testing.assert_allclose(g.gradient["x"], W, **close(method))
    assert g.gradient["x"].shape == (2, 3)
    np.testing.assert_allclose(g.value, [-2.0, -2.0])
    d = diffx.grad("y = W @ x", at=AT, wrt="x", method=method, layout="denominator")
    np.testing.assert_allclose(d.gradient["x"], np.transpose(W), **close(method))
    assert g.shapes.layout == "numerator" and d.shapes.layout == "denominator"


@pytest.mark.parametrize("method", METHODS)
def test_w_at_x_by_w_puts_x_in_row_i_of_slice_i(method):
    # y_i = sum_j W_ij x_j: dy_i/dW_kj = [i == k] x_j
    g = diffx.grad("y = W @ x", at=AT, wrt="W", method=method)
    want = np.zeros((2, 2, 3))
    want[0, 0], want[1, 1] = AT["x"], AT["x"]
    np.testing.assert_allclose(g.gradient["W"], want, **close(method))


@pytest.mark.parametrize("method", METHODS)
def test_softmax_jacobian_is_diag_s_minus_s_st(method):
    z = np.array([0.5, -1.0, 2.0, 0.25])
    s = np.exp(z) / np.exp(z).sum()
    g = diffx.grad("s = softmax(z)", at={"z": z}, method=method)
    np.testing.assert_allclose(g.gradient["z"], np.diag(s) - np.outer(s, s),
                               **close(method))


@pytest.mark.parametrize("method", METHODS)
def test_x_times_x_is_diag_2x(method):
    # (a list for a scalar program is many points; a Value, or [1,2] on the CLI, is one)
    g = diffx.grad("y = x*x", at={"x": diffx.Value([1.0, 2.0])}, method=method)
    np.testing.assert_allclose(g.gradient["x"], [[2.0, 0.0], [0.0, 4.0]], **close(method))
    if method != "matrix":  # (which takes one point of a vector program)
        assert diffx.grad("y = x*x", at={"x": [1.0, 2.0]}, method=method).gradient["x"] == \
            pytest.approx([2.0, 4.0])  # the two points' derivatives


def test_cli_x_times_x_is_diag_2x():
    result = run("grad", "y = x*x", "--at", "x=[1,2]", "-m", "forward")
    assert result.exit_code == 0, result.output
    assert "∂y/∂x  shape (2, 2) (numerator layout: rows are y, columns are x)\n" \
        "  [[2 0]\n   [0 4]]\n" in result.output
    assert "Jacobian ∂y/∂x is 2 × 2: reverse 2 sweeps (one per output), forward 2 sweeps " \
        "(one per input) — they cost the same here" in result.output


@pytest.mark.parametrize("method", METHODS)
def test_a_matrix_output_has_the_output_axes_first_in_numerator_layout(method):
    u, v = np.array([1.0, -2.0]), np.array([3.0, 0.5, 4.0])
    g = diffx.grad("y = outer(u, v)", at={"u": u, "v": v}, method=method)
    # y[a,b] = u[a] v[b]: dy[a,b]/du[i] = [a == i] v[b], dy[a,b]/dv[j] = u[a] [b == j]
    du = np.einsum("ai,b->abi", np.eye(2), v)
    dv = np.einsum("a,bj->abj", u, np.eye(3))
    assert g.gradient["u"].shape == (2, 3, 2) and g.gradient["v"].shape == (2, 3, 3)
    np.testing.assert_allclose(g.gradient["u"], du, **close(method))
    np.testing.assert_allclose(g.gradient["v"], dv, **close(method))
    d = diffx.grad("y = outer(u, v)", at={"u": u, "v": v}, method=method, layout="denominator")
    assert d.gradient["u"].shape == (2, 2, 3) and d.gradient["v"].shape == (3, 2, 3)
    np.testing.assert_allclose(d.gradient["u"], np.transpose(du, (2, 0, 1)), **close(method))
    np.testing.assert_allclose(d.gradient["v"], np.transpose(dv, (2, 0, 1)), **close(method))


def test_every_method_agrees_in_one_report_with_matrix_among_the_defaults():
    r = diffx.grad_all("h = sigmoid(W @ x)", at=AT)
    assert tuple(r.results) == ("symbolic", "numeric", "reverse", "matrix")
    x = np.array(AT["x"])
    h = 1 / (1 + np.exp(-np.array(W) @ x))
    want = (h * (1 - h))[:, None] * np.array(W)  # diag(h(1-h)) W
    for name, res in r.results.items():
        assert res.ok, res.error
        np.testing.assert_allclose(res.gradient["x"], want, **close(name))
        assert r.worst[name].relative_error < (1e-7 if name == "numeric" else 1e-13)
    assert r.worst["numeric"].entry.startswith("∂h[")  # ∂h[i]/∂W[k,j] or ∂h[i]/∂x[j]


def test_costs_are_m_reverse_sweeps_and_n_forward_sweeps():
    r = diffx.grad_all("y = W @ x", at=AT, wrt="x", methods=["reverse", "forward", "matrix"])
    assert r.results["reverse"].cost["sweeps"] == 2
    assert r.results["forward"].cost["sweeps"] == 3
    assert r.results["matrix"].cost["sweeps"] == 2
    assert jacobian.cost_text("y", 2, ("x",), 3) == (
        "Jacobian ∂y/∂x is 2 × 3: reverse 2 sweeps (one per output), forward 3 sweeps (one "
        "per input) — reverse is cheaper here")
    assert jacobian.cost_text("y", 6, ("u", "v"), 5).endswith(
        "∂y/∂(u, v) is 6 × 5: reverse 6 sweeps (one per output), forward 5 sweeps (one per "
        "input) — forward is cheaper here")


def test_a_batch_of_points_puts_its_axes_first_and_skips_the_matrix_method():
    # a declared shape makes the extra leading axis a batch of two points
    r = diffx.grad_all("y = x*x", at={"x": np.array([[1.0, 2.0], [3.0, -1.0]])},
                       shapes={"x": (2,)})
    g = r.results["reverse"].gradient["x"]
    assert g.shape == (2, 2, 2)
    np.testing.assert_allclose(g[0], np.diag([2.0, 4.0]))
    np.testing.assert_allclose(g[1], np.diag([6.0, -2.0]))
    matrix = r.results["matrix"]
    assert matrix.error_kind == "usage" and "takes one point" in matrix.error


def test_formulas_without_a_point_are_arrays_of_text():
    g = diffx.grad("y = W @ x", shapes={"W": (2, 3), "x": (3,)}, wrt="x", method="symbolic")
    assert g.gradient["x"].tolist() == [["W[0,0]", "W[0,1]", "W[0,2]"],
                                        ["W[1,0]", "W[1,1]", "W[1,2]"]]


def test_views_share_the_expansion_and_compile_nothing_new_per_element():
    from diffx import engine

    program = diffx.parse("y = W @ x", shapes={"W": (2, 3), "x": (3,)})
    graph, _ = program.expansion
    view = jacobian.view(graph, graph.output - 1, "y[0]")
    assert view.op is graph.op and view.a is graph.a and view._leaf is graph._leaf
    assert view.output == graph.output - 1 and graph.output_name != "y[0]" == view.output_name
    at = {"W": np.arange(6.0).reshape(2, 3), "x": [1.0, 2.0, 3.0]}
    diffx.grad("y = W @ x", at=at, method="reverse")
    before = engine._build.cache_info().misses
    big = {"W": np.arange(20.0).reshape(5, 4), "x": [1.0, 2.0, 3.0, 4.0]}
    g = diffx.grad("y = W @ x", at=big, method="reverse")  # 5 views, the same loops
    np.testing.assert_allclose(g.gradient["x"], big["W"])
    assert engine._build.cache_info().misses == before


def test_too_big_a_jacobian_is_a_usage_error_naming_wrt():
    with pytest.raises(OptionError, match=r"400 × 400 = 160,000 entries, more than 100,000; "
                                          r"choose fewer inputs with wrt") as err:
        diffx.grad("y = 2*x", shapes={"x": (400,)})
    assert err.value.param == "wrt"
    with pytest.raises(OptionError, match=r"layout must be 'numerator'"):
        diffx.grad("y = 2*x", at={"x": [1.0, 2.0]}, layout="rows")


def run(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


def test_cli_prints_the_jacobian_with_its_layout_and_denominator_transposes_it():
    at = "W=[[1,2,3],[4,5,6]], x=[1,0,-1]"
    result = run("grad", "y = W @ x", "--at", at)
    assert result.exit_code == 0, result.output
    assert "y = [-2 -2]\n" in result.output
    assert "∂y/∂x  shape (2, 3) (numerator layout: rows are y, columns are x)\n" \
        "  [[1 2 3]\n   [4 5 6]]\n" in result.output
    assert "∂y/∂W  shape (2, 2, 3) (numerator layout: rows are y, columns are W)" in \
        result.output
    assert " matrix " in result.output
    assert "Jacobian ∂y/∂(W, x) is 2 × 9: reverse 2 sweeps (one per output), forward 9 " \
        "sweeps (one per input) — reverse is cheaper here" in result.output
    result = run("grad", "y = W @ x", "--at", at, "--wrt", "x", "--layout", "denominator")
    assert result.exit_code == 0, result.output
    assert "∂y/∂x  shape (3, 2) (denominator layout: rows are x, columns are y)\n" \
        "  [[1 4]\n   [2 5]\n   [3 6]]\n" in result.output
    assert "Jacobian ∂y/∂x is 2 × 3: reverse 2 sweeps (one per output), forward 3 sweeps " \
        "(one per input) — reverse is cheaper here" in result.output
    result = run("grad", "y = W @ x", "--at", at, "--layout", "rows")
    assert result.exit_code == 2 and "--layout must be 'numerator'" in result.output
    result = run("grad", "y = 2*x", "--shape", "x=400")
    assert result.exit_code == 2 and "choose fewer inputs with --wrt" in result.output


def test_json_names_the_layout_and_gives_each_jacobian_its_shape():
    at = "W=[[1,2,3],[4,5,6]], x=[1,0,-1]"
    for layout, shape, value in (("numerator", [2, 3], W),
                                 ("denominator", [3, 2], np.transpose(W).tolist())):
        result = run("grad", "y = W @ x", "--at", at, "--wrt", "x", "--layout", layout,
                     "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.output, parse_constant=pytest.fail)  # strict: no NaN
        assert data["layout"] == layout and data["output"] == "y"
        assert data["shapes"]["y"] == [2] and data["value"] == [-2.0, -2.0]
        assert data["jacobian_cost"]["reverse_sweeps"] == 2
        assert data["jacobian_cost"]["forward_sweeps"] == 3
        for name in ("symbolic", "numeric", "reverse", "matrix"):
            entry = data["results"][name]["gradient"]["x"]
            assert entry["shape"] == shape
            np.testing.assert_allclose(entry["value"], value, atol=1e-7)
    scalar = run("grad", "L = sum(W @ x)", "--at", at, "--json")
    assert "layout" not in json.loads(scalar.output)


@pytest.mark.parametrize("method", ["matrix", "symbolic", "numeric", "forward", "reverse"])
def test_the_report_shows_every_output_element_whatever_method_runs(method):
    # W @ x at W = [[1, 2], [3, 4]], x = [1, 1] is [3, 7] (by hand); one method alone showed 7,
    # the last element's value
    done = CliRunner().invoke(app, ["grad", "y = W @ x", "--at", "W=[[1,2],[3,4]],x=[1,1]",
                                    "--method", method, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["value"] == [3.0, 7.0]
    report = diffx.grad_all("y = x * 2", at={"x": np.array([1.0, 3.0])}, methods=[method])
    assert np.array_equal(report.value, [2.0, 6.0])
    several = CliRunner().invoke(app, ["grad", "y1 = x*2; y2 = x*y1", "--at", "x=2", "--of",
                                       "y1,y2", "--method", method, "--json"])
    if method != "matrix":  # (several outputs of a scalar program: not the matrix method's)
        assert json.loads(several.stdout)["value"] == [4.0, 8.0]


def test_a_batch_of_points_gives_every_output_at_every_point():
    report = diffx.grad_all("y = x * 2", at={"x": np.array([[1.0, 3.0], [2.0, 5.0]])},
                            methods=["symbolic"], shapes={"x": (2,)})
    assert np.array_equal(report.value, [[2.0, 6.0], [4.0, 10.0]])


def test_the_matrix_jacobian_at_a_point_without_a_value_follows_the_scalar_sweep():
    # log(x) at x = [1, -1]: y[1] has no value, so no derivative (nan row); y[0]'s row is
    # [1/x[0], 0] = [1, 0] (by hand). The block sweep gave [0, -1] for the y[1] row.
    g = diffx.grad("y = log(x)", at={"x": np.array([1.0, -1.0])}, shapes={"x": (2,)},
                   method="matrix")["x"]
    assert g[0].tolist() == [1.0, 0.0] and np.isnan(g[1]).all()
    # 1/x at [0, 4]: y[0] is a pole (nan row); y[1]'s row is [0, -1/16]
    g = diffx.grad("y = 1/x", at={"x": np.array([0.0, 4.0])}, shapes={"x": (2,)},
                   method="matrix")["x"]
    assert np.isnan(g[0]).all() and g[1].tolist() == [0.0, -0.0625]
    told = diffx.grad("y = log(x)", at={"x": np.array([1.0, -1.0])}, shapes={"x": (2,)},
                      method="matrix").warnings
    assert not any("norm'(0)" in w for w in told)  # (no norm in this program)


def test_the_worst_entry_leaves_out_entries_no_method_has_a_number_for():
    done = CliRunner().invoke(app, ["grad", "y = log(x)", "--at", "x=[1,-1]"],
                              env={"COLUMNS": "200"})
    assert "0 (∂y[0]/∂x[0]); not finite: 2 entries" in done.output
    assert "nan (∂y" not in done.output
    done = CliRunner().invoke(app, ["grad", "y = log(x)", "--at", "x=[-1,-2]"],
                              env={"COLUMNS": "200"})
    assert re.search(r"symbolic\s*│\s*not finite\s*│", done.output)  # nothing to compare
    data = json.loads(CliRunner().invoke(app, ["grad", "y = log(x)", "--at", "x=[1,-1]",
                                               "--json"]).stdout)
    assert data["results"]["symbolic"]["worst"] == {
        "entry": "∂y[0]/∂x[0]", "relative_error": 0.0, "not_finite": 2}


def test_the_backward_pass_prints_strict_json_when_asked():
    # L = sum(W @ x) at W = [[1, 2], [3, 4]], x = [1, 1]: W̄ = 1 xᵀ = [[1, 1], [1, 1]] and
    # x̄ = Wᵀ 1 = [4, 6] (by hand); --json was ignored and text printed
    done = CliRunner().invoke(app, ["grad", "L = sum(W @ x)", "--at", "W=[[1,2],[3,4]], x=[1,1]",
                                    "--backward", "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout, parse_constant=lambda c: pytest.fail(c))
    values = {line["name"]: line["value"] for line in data["lines"]}
    assert values["W"] == [[1.0, 1.0], [1.0, 1.0]] and values["x"] == [4.0, 6.0]
    assert data["check"]["agrees"] is True
    both = CliRunner().invoke(app, ["swell", "logistic", "--json", "--csv"])
    assert both.exit_code == 2 and "choose one" in both.output


def test_a_jacobians_route_counts_cover_every_output():
    # y = W @ x, W 2x3: W[i,j] has one route (to y[i]); x[j] two (through W[0,j] and W[1,j])
    done = CliRunner().invoke(app, ["grad", "y = W @ x", "--at", "W=[[1,2,3],[4,5,6]],x=[1,0,-1]",
                                    "--method", "reverse", "--json"])
    data = json.loads(done.stdout)
    routes = data["results"]["reverse"]["details"]["routes"]
    assert routes == {"W[0,0]": 1, "W[0,1]": 1, "W[0,2]": 1, "W[1,0]": 1, "W[1,1]": 1,
                      "W[1,2]": 1, "x[0]": 2, "x[1]": 2, "x[2]": 2}
    assert data["warnings"] == []  # no "routes_log10 ... was -inf" for an input without a route
    none = json.loads(CliRunner().invoke(app, ["grad", "c = x*2; d = y*3", "--at", "x=1,y=2",
                                               "--method", "reverse", "--json"]).stdout)
    assert none["results"]["reverse"]["details"]["routes_log10"]["x"] is None
    assert not any("was -inf" in w for w in none["warnings"])
