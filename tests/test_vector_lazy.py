"""A vector program's scalar expansion is built only when a method needs it: the matrix method
differentiates a 2000x2000 layer (an expansion of about 12 million nodes, over the limit)
on whole arrays, checked against a gradient derived by hand in numpy; the methods that run on
the expansion refuse with the size message. Also: the element names are one list per input,
shared by the expansion, the element point and the regrouping."""

from __future__ import annotations

import numpy as np
import pytest

import diffx
from diffx.methods import MethodError
from diffx.program import parse

SOURCE = "z = W @ x + b; L = sum(tanh(z)^2)"


@pytest.fixture(scope="module")
def layer():
    rng = np.random.default_rng(7)
    n = 2000
    return {"W": rng.normal(size=(n, n)) / np.sqrt(n), "x": rng.normal(size=n),
            "b": rng.normal(size=n)}


def hand_gradient(W, x, b):  # noqa: N803
    """L = sum(tanh(z)^2), z = W x + b: dL/dz = 2 tanh(z) (1 - tanh(z)^2)."""
    s = np.tanh(W @ x + b)
    dz = 2 * s * (1 - s ** 2)
    return float(np.sum(s ** 2)), {"W": np.outer(dz, x), "x": W.T @ dz, "b": dz}


def test_the_matrix_method_runs_where_the_expansion_would_be_too_large(layer):
    program = parse(SOURCE, shapes={k: v.shape for k, v in layer.items()})
    assert program.scalar_size() > 2_000_000  # the expansion is refused...
    result = diffx.grad(SOURCE, at=layer, method="matrix")  # ...and not needed here
    value, want = hand_gradient(**layer)
    assert result.value == pytest.approx(value, rel=1e-12)
    for name, g in want.items():
        got = np.asarray(result.gradient[name])
        assert got.shape == layer[name].shape
        assert np.max(np.abs(got - g)) <= 1e-12 * np.max(np.abs(g))
    assert result.shapes is not None and result.shapes.inputs["W"] == (2000, 2000)
    assert result.wrt == ("W", "x", "b") and result.inputs == ("W", "x", "b")


def test_an_element_of_a_large_program_by_the_matrix_method(layer):
    result = diffx.grad(SOURCE, at=layer, method="matrix", wrt="W[3,5],b")
    want = hand_gradient(**layer)[1]
    assert result.gradient["W[3,5]"] == pytest.approx(want["W"][3, 5], rel=1e-12)
    assert np.allclose(result.gradient["b"], want["b"], rtol=1e-12, atol=0)


@pytest.mark.parametrize("method", ["reverse", "forward", "numeric", "symbolic"])
def test_methods_on_the_expansion_refuse_with_the_size(layer, method):
    with pytest.raises(MethodError, match=r"scalar expansion would have up to [\d,]+ nodes, "
                                          r"over the limit of 2,000,000.*matrix"):
        diffx.grad(SOURCE, at=layer, method=method, wrt="W[0,1]")


def test_a_small_program_gives_the_same_gradient_by_matrix_and_reverse():
    at = {"W": np.array([[0.3, -1.2], [0.5, 0.7]]), "x": np.array([1.0, -2.0]),
          "b": np.array([0.1, 0.2])}
    value, want = hand_gradient(**at)
    for method in ("matrix", "reverse"):
        result = diffx.grad(SOURCE, at=at, method=method)
        assert result.value == pytest.approx(value, rel=1e-14)
        for name, g in want.items():
            assert np.allclose(result.gradient[name], g, rtol=1e-13, atol=1e-15), method


def test_element_names_are_stored_once():
    program = parse("y = W @ x; L = sum(y)", shapes={"W": (3, 4), "x": (4,)})
    graph = program.scalar
    names = program.elements("W")
    assert names == [f"W[{i},{j}]" for i in range(3) for j in range(4)]
    point = program.element_point({"W": np.arange(12.0).reshape(3, 4), "x": np.ones(4)})
    assert point["W[2,1]"] == 9.0 and isinstance(point["W[2,1]"], float)
    # the expansion's inputs and the element point's keys are the very same strings
    leaf = {graph.input_name(graph.input_nodes[n]) for n in names}
    assert all(any(k is s for s in leaf) for k in point if k.startswith("W["))
    batch = program.element_point({"W": np.arange(24.0).reshape(2, 3, 4), "x": np.ones(4)})
    assert np.array_equal(batch["W[2,1]"], [9.0, 21.0])
