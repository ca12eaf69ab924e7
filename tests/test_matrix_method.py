"""The matrix method: block-shaped gradients from the block sweep, against a hand-written numpy
backprop of the issue's MLP and the scalar reverse sweep; clear usage errors elsewhere."""

from __future__ import annotations

import numpy as np
import pytest

import diffx
from diffx.methods import REGISTRY, MethodError
from diffx.program import parse

SOURCE = "z = W1 @ x + b1; h = sigmoid(z); y = W2 @ h + b2; L = 0.5*sum((t - y)^2)"
POINT = {"W1": np.array([[0.1, 0.2], [-0.3, 0.4]]), "x": np.array([1.0, -2.0]),
         "b1": np.array([0.1, 0.0]), "W2": np.array([[0.5, -0.6], [0.7, 0.8]]),
         "b2": np.array([0.0, 0.0]), "t": np.array([0.5, -0.5])}
SHAPES = {k: v.shape for k, v in POINT.items()}


def _numpy_backprop(p):
    """The lecture's vectorized backward pass, written out by hand."""
    z = p["W1"] @ p["x"] + p["b1"]
    h = 1 / (1 + np.exp(-z))
    y = p["W2"] @ h + p["b2"]
    y_bar = y - p["t"]
    h_bar = p["W2"].T @ y_bar
    z_bar = h_bar * h * (1 - h)
    return 0.5 * np.sum((p["t"] - y) ** 2), {
        "W1": np.outer(z_bar, p["x"]), "x": p["W1"].T @ z_bar, "b1": z_bar,
        "W2": np.outer(y_bar, h), "b2": y_bar, "t": -y_bar}


def test_matrix_method_on_the_program_gives_block_shaped_gradients():
    program = parse(SOURCE, shapes=SHAPES)
    result = REGISTRY["matrix"](program, program.inputs, POINT)
    value, want = _numpy_backprop(POINT)
    assert result.value == pytest.approx(0.605230169465567, rel=1e-15)
    assert result.value == pytest.approx(value, rel=1e-15)
    for name, grad in want.items():
        assert result.gradient[name].shape == grad.shape
        np.testing.assert_allclose(result.gradient[name], grad, rtol=1e-14, atol=1e-16)
    assert result.cost == {"evaluations": 1, "operations": 9, "sweeps": 1}
    assert result.warnings == []


def test_matrix_method_on_the_expansion_agrees_with_reverse_entry_by_entry():
    program = parse(SOURCE, shapes=SHAPES)
    graph, point = program.scalar, program.element_point(POINT)
    wrt = program.element_wrt(("W1", "b2"))
    got = REGISTRY["matrix"](graph, wrt, point)
    ref = diffx.grad(graph, at=point, wrt=wrt, method="reverse")
    assert set(got.gradient) == set(wrt)
    for w in wrt:
        assert got.gradient[w] == pytest.approx(ref.gradient[w], rel=1e-14, abs=1e-16)
    assert got.value == pytest.approx(ref.value, rel=1e-15)
    # block names on the expansion give arrays
    whole = REGISTRY["matrix"](graph, ("W2",), point)
    np.testing.assert_allclose(whole.gradient["W2"], _numpy_backprop(POINT)[1]["W2"],
                               rtol=1e-14)


def test_matrix_method_refuses_a_scalar_program():
    graph = diffx.parse("a * b")
    with pytest.raises(MethodError, match="the matrix method needs a vector program") as e:
        REGISTRY["matrix"](graph, ("a",), {"a": 1.0, "b": 2.0})
    assert e.value.usage


def test_matrix_method_refuses_a_batch_and_no_point():
    program = parse("f = sum(x * s)", shapes={"x": (2,)})
    point = program.element_point({"x": np.array([1.0, 2.0]), "s": np.arange(5.0)})
    with pytest.raises(MethodError, match=r"takes one point \(the other methods run on the "
                                          r"5 points\)") as e:
        REGISTRY["matrix"](program.scalar, ("s",), point, True)
    assert e.value.usage
    with pytest.raises(MethodError, match="computes values"):
        REGISTRY["matrix"](program, ("s",), None)


def test_matrix_method_warns_on_non_finite_values():
    program = parse("f = sum(sqrt(x))", shapes={"x": (2,)})
    result = REGISTRY["matrix"](program, ("x",), {"x": np.array([0.0, 4.0])})
    assert result.gradient["x"][1] == 0.25 and np.isinf(result.gradient["x"][0])
    assert result.warnings == ["the matrix sweep met inf/nan; compare with the scalar sweep "
                               "(method reverse)"]


def test_matrix_is_not_a_compare_row_for_scalar_programs():
    from diffx.compare import variants

    assert "matrix" in REGISTRY
    assert all(label != "matrix" for label, _, _ in variants())
