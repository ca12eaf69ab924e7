"""The vector program's core: parse at the block level, shapes, and the scalar expansion.

The lecture's two-layer perceptron (CSC311) at the issue's point, against a hand-written
numpy backprop (the vectorized formulas of the lecture, not diffx's rules)."""

import re

import numpy as np
import pytest

import diffx
from diffx.errors import ParseError
from diffx.graph import Graph
from diffx.program import parse
from diffx.vectors import VectorProgram
from oracle_vectors import MLP, POINT, mlp_backprop


def test_scalar_programs_stay_graphs():
    assert isinstance(parse("c = a + b; d = a * c"), Graph)
    assert isinstance(parse("sum = a + b; sum * 2"), Graph)  # block words are not reserved


def test_mlp_expansion_matches_numpy_backprop():
    arrays = {k: np.array(v, dtype=float) for k, v in POINT.items()}
    program = parse(MLP, shapes={k: v.shape for k, v in arrays.items()})
    assert isinstance(program, VectorProgram)
    graph = program.scalar
    assert graph.inputs[:3] == ("W1[0,0]", "W1[0,1]", "W1[1,0]")
    result = diffx.grad(graph, at=program.element_point(arrays), method="reverse")
    value, expected, _ = mlp_backprop(arrays)
    assert result.value == pytest.approx(value, rel=1e-15)
    assert result.value == pytest.approx(0.605230169465567, rel=1e-14)
    got = program.regroup(result.gradient, program.inputs)
    for name, g in expected.items():
        assert got[name].shape == arrays[name].shape
        np.testing.assert_allclose(got[name], g, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("source, shapes, message, column", [
    ("W1 @ x", {"W1": (2, 3), "x": (2,)}, "W1 @ x: shapes (2, 3) and (2,) do not match", 4),
    ("y = t - x; y", {"t": (3,), "x": (2,)}, "t - x: shapes (3,) and (2,) cannot be broadcast",
     7),
    ("W[2,0]", {"W": (2, 2)}, "W[2,0]: index 2 is out of range for shape (2, 2)", 2),
    ("dot(x, W)", {"x": (2,), "W": (2, 2)}, "dot takes two vectors of one length", 1),
    ("x @ y", {"y": (2,)}, "no shape was given for x", 3),
])
def test_shape_errors_name_the_operation_and_column(source, shapes, message, column):
    with pytest.raises(ParseError) as err:
        parse(source, shapes=shapes).node_shapes
    assert message in str(err.value)
    assert f"column {column}" in str(err.value)


@pytest.mark.parametrize("source, message", [
    ("W[i]", "index takes whole numbers, got the name 'i'"),
    ("W[0:1]", "slices are not supported"),
    ("W[0", "'[' is never closed"),
    ("x.y", "the only attribute is .T"),
])
def test_bad_vector_syntax_is_a_parse_error(source, message):
    with pytest.raises(ParseError, match=re.escape(message)):
        parse(source)


def test_precedence_of_matmul_transpose_and_index():
    shapes = {"W": (2, 3), "x": (3,), "b": (2,), "A": (3, 3)}
    p = parse("W @ x + b", shapes=shapes)
    assert p.output_shape == (2,)
    q = parse("x.T @ A @ x", shapes=shapes)
    assert q.output_shape == ()
    r = parse("-W.T[0]", shapes=shapes)  # -(W.T[0]): the first column of W, negated
    assert r.output_shape == (2,)
    rng = np.random.default_rng(1)
    W, x, A = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=(3, 3))
    for prog, expected in ((q, x @ A @ x), ):
        value = diffx.grad(prog.scalar, at=prog.element_point({"x": x, "A": A}),
                           method="reverse").value
        assert value == pytest.approx(expected, rel=1e-13)
    s = parse("W[1,2] * x[-1]", shapes=shapes)
    value = diffx.grad(s.scalar, at=s.element_point({"W": W, "x": x}), method="reverse").value
    assert value == pytest.approx(W[1, 2] * x[-1], rel=1e-15)


def test_a_bare_output_takes_no_name_the_vector_program_uses():
    # the user's f is the vector W @ x; the output sum(f) was labelled f (and "shapes" said f
    # is a scalar)
    r = diffx.grad("f = W @ x; sum(f)", at={"W": [[1.0, 2.0], [3.0, 4.0]], "x": [0.1, -0.2]})
    assert r.value == pytest.approx(-0.8)  # (1*0.1 - 2*0.2) + (3*0.1 - 4*0.2), by hand
    from diffx.methods.vector_request import parse_program

    program, _ = parse_program("f = W @ x; sum(f)", None, {"W": (2, 2), "x": (2,)})
    assert program.output_name == "out"


def test_the_trace_of_a_bare_output_takes_no_user_name():
    from typer.testing import CliRunner

    from diffx.cli import app

    out = CliRunner().invoke(app, ["trace", "f = W @ x; sum(f)", "--at",
                                   "W=[[1,2],[3,4]], x=[0.1,-0.2]"]).output
    assert "out     f[0] + f[1]" in out and "\nf       f[0] + f[1]" not in out


def test_softmax_and_logsumexp_shifts_are_no_kinks():
    # logsumexp is smooth: at tied logits its gradient is [1/2, 1/2] (by hand) and no kink is
    # said; the shift's max was warned about, and the complex step refused it
    x = np.array([1.0, 1.0])
    r = diffx.grad("logsumexp(x)", at={"x": x}, method="reverse")
    assert r["x"].tolist() == [0.5, 0.5] and not any("kink" in w for w in r.warnings)
    n = diffx.grad("logsumexp(x)", at={"x": x}, method="numeric")
    assert not any("kink" in w for w in n.warnings)
    at = {"W": np.array([[0.2, -0.5, 0.3], [0.1, 0.1, -0.7]])}
    rev = diffx.grad("sum(softmax(W) * W)", at=at, method="reverse")["W"]
    cpx = diffx.grad("sum(softmax(W) * W)", at=at, method="numeric", scheme="complex")["W"]
    assert np.allclose(cpx, rev, rtol=1e-13, atol=1e-15)
    # a max the program writes itself is still a kink at a tie
    own = diffx.grad("max(x[0], x[1]) + logsumexp(x)", at={"x": x}, method="reverse")
    assert any("kink" in w for w in own.warnings)
