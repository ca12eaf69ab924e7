"""Vector programs on the command line: the issue's MLP command (text and JSON) against a
hand-written numpy backprop, --shape, element --wrt, elided matrices, the disagreeing
method's matrices, malformed brackets and shapes (exit 2, a message, no traceback), and the
JSON of scalar programs byte for byte as before vector programs existed."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from diffx.cli import app

from oracle_vectors import MLP, POINT, mlp_backprop

AT = ("W1=[[0.1,0.2],[-0.3,0.4]], x=[1,-2], b1=[0.1,0], W2=[[0.5,-0.6],[0.7,0.8]], b2=[0,0], "
      "t=[0.5,-0.5]")
GOLDEN = Path(__file__).parent / "golden" / "scalar_json_main.json"


def run(*args):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})


def test_issue_mlp_command_prints_matrices_shaped_like_the_inputs():
    result = run("grad", MLP, "--at", AT)
    assert result.exit_code == 0, result.output
    out = result.output
    value, expected, _ = mlp_backprop(POINT)
    assert "at W1 (2, 2), x (2,), b1 (2,), W2 (2, 2), b2 (2,), t (2,)" in out
    assert f"L = {value:.15g}" in out
    assert "∂L/∂W1  shape (2, 2)\n" in out
    w1 = expected["W1"]
    assert f"  [[ {w1[0, 0]:.6g} {w1[0, 1]:.6g}]\n   [ {w1[1, 0]:.6g} {w1[1, 1]:.6g}]]" in out
    b2 = expected["b2"]
    assert f"∂L/∂b2  shape (2,)  [{b2[0]:.6g}  {b2[1]:.6g}]" in out  # room for the sign
    assert re.search(r"numeric\s*│\s*\d\.\de-1[01] \((W1|x|b1|W2|b2|t)(\[[0-9,]+\])?\)", out)
    assert re.search(r"reverse\s*│\s*\(reference\)", out)
    assert "Traceback" not in out


def test_issue_mlp_json_gives_shapes_and_nested_lists():
    result = run("grad", MLP, "--at", AT, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    _, expected, _ = mlp_backprop(POINT)
    assert data["inputs"] == ["W1", "x", "b1", "W2", "b2", "t"]
    assert data["shapes"] == {"W1": [2, 2], "x": [2], "b1": [2], "W2": [2, 2], "b2": [2],
                              "t": [2], "L": []}
    assert data["point"]["W1"] == [[0.1, 0.2], [-0.3, 0.4]]
    for method in ("symbolic", "numeric", "reverse"):
        grads = data["results"][method]["gradient"]
        for name, g in expected.items():
            assert grads[name]["shape"] == list(g.shape)
            np.testing.assert_allclose(grads[name]["value"], g, rtol=1e-7, atol=1e-9)
    worst = data["results"]["numeric"]["worst"]
    assert re.fullmatch(r"(W1|x|b1|W2|b2|t)(\[\d(,\d)?\])?", worst["entry"])
    assert 0 < worst["relative_error"] < 1e-7
    assert "worst" not in data["results"]["reverse"]


def test_d2l_dot_prints_the_gradient_vector():
    result = run("grad", "y = 2*dot(x, x)", "--at", "x=[0,1,2,3]")
    assert result.exit_code == 0, result.output
    assert "∂y/∂x  shape (4,)  [0 4 8 12]" in result.output


def test_shape_option_gives_formulas_without_values():
    result = run("grad", "y = 2*dot(x, x)", "--shape", "x=3", "--method", "symbolic")
    assert result.exit_code == 0, result.output
    assert "[4*x[0] 4*x[1] 4*x[2]]" in result.output


def test_element_wrt_on_the_command_line():
    result = run("grad", MLP, "--at", AT, "--wrt", "W1[0,1],b2", "--json", "-m", "reverse")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    _, expected, _ = mlp_backprop(POINT)
    grads = data["results"]["reverse"]["gradient"]
    assert set(grads) == {"W1[0,1]", "b2"}
    assert grads["W1[0,1]"]["shape"] == []
    assert grads["W1[0,1]"]["value"] == pytest.approx(expected["W1"][0, 1], rel=1e-13)


def test_large_matrices_are_elided():
    result = run("grad", "sum(W @ x)", "--shape", "W=10x12,x=12", "--at",
                 "W=" + str(np.arange(120).reshape(10, 12).tolist()).replace(" ", "") +
                 ",x=" + str(list(range(12))).replace(" ", ""), "-m", "reverse")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "∂f/∂W  shape (10, 12)" in out or re.search(r"∂\w+/∂W  shape \(10, 12\)", out)
    rows = [line for line in out.splitlines() if line.startswith(("  [", "   [", "   …"))]
    assert len(rows) == 8  # 4 rows, the elision, 3 rows
    assert "…" in rows[0] and rows[4].strip() == "…"
    assert "shape (12,)  [0 0 0 0 … 0 0 0]" not in out  # x's gradient is W's column sums
    assert "∂f/∂x  shape (12,)  [540 550 560 570 … 630 640 650]" in out


def test_a_method_that_disagrees_shows_its_matrices():
    result = run("grad", MLP, "--at", AT, "--step", "0.3", "--scheme", "forward")
    assert result.exit_code == 0, result.output
    out = result.output
    assert re.search(r"numeric \(worst entry \S+, relative error \d\.\de[-+]\d\d\):", out)
    below = out.split("numeric (worst entry")[1]
    assert "  ∂L/∂W1  shape (2, 2)" in below


@pytest.mark.parametrize("args, message", [
    (["--at", "x=[1,2"], "'[' is never closed"),
    (["--at", "x=[[1,2],[3]]"], "row 1 has 1 entr"),
    (["--shape", "x=2y3"], "is not a whole number"),
    (["--shape", "x=3", "--at", "x=[1,2]"], "declares x with shape (3,)"),
    (["--at", "x=[1,2,3], W=[[1,2],[3,4]]"], "W @ x: shapes (2, 2) and (3,) do not match"),
    (["--at", "x=[1,2], W=[[1,2],[3,4]]", "--wrt", "W[0,5]"], "not an element of W"),
])
def test_malformed_brackets_and_shapes_exit_2_without_traceback(args, message):
    result = run("grad", "sum(W @ x)", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit)


def test_vector_output_gives_its_jacobian_on_the_command_line():
    result = run("grad", "y = W @ x", "--at", "x=[1,2], W=[[1,2],[3,4]]", "--wrt", "x")
    assert result.exit_code == 0, result.output
    assert "∂y/∂x  shape (2, 2) (numerator layout: rows are y, columns are x)\n" \
        "  [[1 2]\n   [3 4]]" in result.output


def test_routes_and_check_take_vector_points_at_the_element_level():
    result = run("routes", "y = 2*dot(x, x)", "--at", "x=[0,1,2,3]", "--wrt", "x[2]")
    assert result.exit_code == 0, result.output
    assert "routes from x[2] to y" in result.output
    result = run("check", "y = 2*dot(x, x)", "--at", "x=[0,1,2,3]")
    assert result.exit_code == 0, result.output
    assert "x (4,)  PASS  worst x[" in result.output  # block level: one line per input
    result = run("check", "y = 2*dot(x, x)", "--at", "x=[0,1,2,3]", "--claim", "x[3] = 12")
    assert result.exit_code == 0, result.output
    assert "x[3]  PASS  worst x[3]: claim 12 vs reverse 12 (rel 0)" in result.output


def test_compare_prints_vector_programs_with_worst_entries():
    result = run("compare", "y = 2*dot(x, x)", "--at", "x=[0,1,2,3]")
    assert result.exit_code == 0, result.output
    assert "∂y/∂x  shape (4,)  [0 4 8 12]" in result.output
    assert re.search(r"numeric complex\s*│\s*0 \(x\[0\]\)", result.output)


def _without_times(text):
    return re.sub(r'"seconds": [0-9.e-]+', '"seconds": 0', text)


@pytest.mark.parametrize("case", json.loads(GOLDEN.read_text()) if GOLDEN.exists() else [])
def test_scalar_json_is_byte_identical_to_before_vector_programs(case):
    golden = json.loads(GOLDEN.read_text())[case]
    result = run(*golden["argv"])
    assert result.exit_code == golden["code"]
    assert _without_times(result.stdout) == _without_times(golden["stdout"])


def test_a_range_beside_a_vector_is_a_batch_of_points():
    result = run("grad", "sum(x*a)", "--at", "x=[1,2], a=0:1:3", "-m", "reverse", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    grads = data["results"]["reverse"]["gradient"]
    assert grads["x"] == {"shape": [3, 2], "value": [[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]]}
    assert grads["a"] == {"shape": [3], "value": [3.0, 3.0, 3.0]}  # x[0] + x[1]
    assert data["value"] == [0.0, 1.5, 3.0]
    text = run("grad", "sum(x*a)", "--at", "x=[1,2], a=0:1:3", "-m", "reverse").output
    assert "at x (2,), a (3 points)" in text
    assert "∂f/∂x  shape (2,)  (at the first of 3 points, batch shape (3,))  [0 0]" in text


def test_formulas_of_scalar_and_vector_inputs_and_the_point_hint_in_block_words():
    result = run("grad", "y = lr*dot(x, x) + sum(W)", "--shape", "x=3,W=2x2")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "  ∂y/∂lr  x[0]^2 + x[1]^2 + x[2]^2" in out
    assert "  ∂y/∂x  shape (3,)  [2*lr*x[0] 2*lr*x[1] 2*lr*x[2]]" in out
    assert "  ∂y/∂W  shape (2, 2)\n    [[1 1]\n     [1 1]]" in out
    assert "needs a point: add --at lr=...,x=[...],W=[[...]]" in out
