"""The matrix method: block-shaped gradients from the block sweep, against a hand-written numpy
backprop of the issue's MLP and the scalar reverse sweep; clear usage errors elsewhere."""

from __future__ import annotations

import numpy as np
import pytest

import diffx
from diffx.methods import REGISTRY, MethodError
from diffx.program import parse
from oracle_vectors import MLP as SOURCE, POINT as ORACLE_POINT, mlp_backprop

POINT = {k: np.array(v, dtype=float) for k, v in ORACLE_POINT.items()}
SHAPES = {k: v.shape for k, v in POINT.items()}


def _numpy_backprop(p):
    value, inputs, _ = mlp_backprop(p)
    return value, inputs


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
