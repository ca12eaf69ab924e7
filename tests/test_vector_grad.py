"""Vector programs through the library: gradients shaped like the inputs by every method,
against hand-written numpy (never diffx's own rules), batches of points, element wrt, the
worst entry per method, and the errors of shapes that do not fit."""

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import diffx
from diffx.errors import DiffxError, OptionError, PointError
from diffx.methods.vector_request import split_names
from oracle_vectors import MLP, POINT, mlp_backprop

METHODS = ("reverse", "forward", "numeric", "symbolic")
# central differences on these smooth small programs; the sweeps agree to rounding
TOLERANCE = {"reverse": 1e-13, "forward": 1e-13, "symbolic": 1e-12, "numeric": 1e-7}


def close(got, want, method):
    np.testing.assert_allclose(got, want, rtol=TOLERANCE[method], atol=TOLERANCE[method])


@pytest.mark.parametrize("method", METHODS)
def test_mlp_gradients_are_shaped_like_the_inputs_and_match_numpy(method):
    r = diffx.grad(MLP, at=POINT, method=method)
    value, expected, _ = mlp_backprop(POINT)
    assert r.value == pytest.approx(0.605230169465567, rel=1e-14)
    assert r.inputs == ("W1", "x", "b1", "W2", "b2", "t") and r.wrt == r.inputs
    assert r.shapes.inputs["W1"] == (2, 2) and r.shapes.output == "L"
    assert r.shapes.vector_inputs == r.inputs
    for name, g in expected.items():
        assert r.gradient[name].shape == np.shape(POINT[name])
        close(r.gradient[name], g, method)
    # the lecture's numbers (plan §5), to the digits printed there
    assert r.gradient["W1"][0, 0] == pytest.approx(0.123277, abs=1e-6)
    assert r.gradient["b2"][1] == pytest.approx(1.014908, abs=1e-6)


@pytest.mark.parametrize("method", METHODS)
def test_d2l_dot_gradient_by_every_method(method):
    r = diffx.grad("y = 2*dot(x, x)", at={"x": [0, 1, 2, 3]}, method=method)
    close(r.gradient["x"], [0, 4, 8, 12], method)


@pytest.mark.parametrize("method", METHODS)
def test_quadratic_form_gives_a_plus_a_transpose_times_x(method):
    rng = np.random.default_rng(3)
    A, x = rng.normal(size=(3, 3)), rng.normal(size=3)
    r = diffx.grad("x.T @ A @ x", at={"A": A, "x": x}, method=method)
    close(r.gradient["x"], (A + A.T) @ x, method)
    close(r.gradient["A"], np.outer(x, x), method)  # d(xᵀAx)/dA = x xᵀ


@pytest.mark.parametrize("method", METHODS)
def test_softmax_cross_entropy_gives_softmax_minus_one_hot_times_x(method):
    rng = np.random.default_rng(5)
    W, x = rng.normal(size=(3, 4)), rng.normal(size=4)
    r = diffx.grad("z = W @ x; L = logsumexp(z) - z[1]", at={"W": W, "x": x}, method=method)
    z = W @ x
    s = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    close(r.gradient["W"], np.outer(s - np.eye(3)[1], x), method)
    close(r.gradient["x"], W.T @ (s - np.eye(3)[1]), method)


def test_a_batch_of_vector_points_equals_single_runs():
    rng = np.random.default_rng(7)
    W1, b1 = rng.normal(size=(2, 2)), rng.normal(size=2)
    xs = rng.normal(size=(5, 2))
    source = "h = sigmoid(W1 @ x + b1); L = sum(h^2)"
    batch = diffx.grad(source, at={"W1": diffx.Value(W1), "b1": diffx.Value(b1), "x": xs},
                       shapes={"x": (2,)})
    assert batch.gradient["W1"].shape == (5, 2, 2) and batch.gradient["x"].shape == (5, 2)
    assert np.shape(batch.value) == (5,)
    for k in range(5):
        one = diffx.grad(source, at={"W1": W1, "b1": b1, "x": xs[k]})
        assert batch.value[k] == pytest.approx(one.value, rel=1e-15)
        for name in ("W1", "b1", "x"):
            np.testing.assert_allclose(batch.gradient[name][k], one.gradient[name],
                                       rtol=1e-14, atol=1e-16)


def test_a_batch_shape_that_fits_no_declared_shape_names_both():
    with pytest.raises(PointError, match=r"x: shape \(3, 5\) is neither \(2,\) nor a batch"):
        diffx.grad("sum(x*x)", at={"x": np.ones((3, 5))}, shapes={"x": (2,)})
    with pytest.raises(PointError, match=r"a batch of points has one shape"):
        diffx.grad("dot(x, y)", at={"x": np.ones((3, 2)), "y": np.ones((4, 2))},
                   shapes={"x": (2,), "y": (2,)})


def test_scalar_programs_keep_arrays_as_many_points():
    r = diffx.grad("x^2", at={"x": [1.0, 2.0, 3.0]})
    assert r.shapes is None
    np.testing.assert_allclose(r.gradient["x"], [2, 4, 6])


def test_a_scalar_program_given_a_value_becomes_a_vector_program():
    r = diffx.grad("sum(x*x)", at={"x": diffx.Value(np.array([1.0, -2.0]))})
    np.testing.assert_allclose(r.gradient["x"], [2, -4])
    j = diffx.grad("L = a*b", at={"a": diffx.Value(np.array([1.0, 2.0])), "b": 3.0})
    np.testing.assert_allclose(j.gradient["a"], 3 * np.eye(2))  # a vector output: a Jacobian


def test_vector_output_gives_its_jacobian_by_every_entry_point():
    g = diffx.grad("y = W @ x", at={"W": np.eye(2), "x": [1.0, 2.0]})
    np.testing.assert_allclose(g.gradient["x"], np.eye(2))
    r = diffx.grad_all("y = W @ x", at={"W": np.eye(2), "x": [1.0, 2.0]})
    np.testing.assert_allclose(r.results["numeric"].gradient["W"],
                               [[[1, 2], [0, 0]], [[0, 0], [1, 2]]], atol=1e-9)
    np.testing.assert_allclose(diffx.evaluate("y = W @ x", at={"W": [[1, 2], [3, 4]],
                                                               "x": [1, 1]}), [3, 7])


def test_wrt_takes_block_and_element_names():
    r = diffx.grad(MLP, at=POINT, wrt="W1[0,1],b2")
    _, expected, _ = mlp_backprop(POINT)
    assert set(r.gradient) == {"W1[0,1]", "b2"}
    assert r.gradient["W1[0,1]"] == pytest.approx(expected["W1"][0, 1], rel=1e-13)
    np.testing.assert_allclose(r.gradient["b2"], expected["b2"], rtol=1e-13)
    assert split_names("W1[0,1], b") == ["W1[0,1]", "b"]
    with pytest.raises(OptionError, match=r"not an element of W1, whose shape is \(2, 2\)"):
        diffx.grad(MLP, at=POINT, wrt="W1[2,0]")
    with pytest.raises(OptionError, match=r"'z' is assigned in the program"):
        diffx.grad(MLP, at=POINT, wrt="z")


def test_formulas_without_a_point_are_shaped_like_the_inputs():
    r = diffx.grad("y = 2*dot(x, x)", method="symbolic", shapes={"x": (3,)})
    assert r.gradient["x"].tolist() == ["4*x[0]", "4*x[1]", "4*x[2]"]


def test_report_names_the_worst_entry_of_each_method():
    report = diffx.grad_all(MLP, at=POINT)
    assert report.shapes.inputs["W2"] == (2, 2)
    for label in ("symbolic", "numeric"):
        worst = report.worst[label]
        name, _, index = worst.entry.partition("[")
        assert name in report.inputs
        errors = report.relative_errors[label]
        assert worst.relative_error == max(float(np.max(e)) for e in errors.values())
        if index:
            idx = tuple(int(i) for i in index.rstrip("]").split(","))
            assert errors[name][idx] == worst.relative_error
    assert report.worst["numeric"].relative_error < 1e-7


def test_compare_takes_vector_programs():
    report = diffx.compare("y = 2*dot(x, x)", at={"x": [0, 1, 2, 3]})
    assert report.shapes is not None and not report.warnings
    np.testing.assert_allclose(report.results["numeric complex"].gradient["x"], [0, 4, 8, 12])
    assert report.worst["numeric central"].relative_error < 1e-8


def test_shapes_errors_are_clear():
    with pytest.raises(OptionError, match=r"'q', which is not an input"):
        diffx.grad("sum(x)", at={"x": [1.0, 2.0]}, shapes={"x": (2,), "q": (3,)})
    with pytest.raises(OptionError, match=r"is not a shape"):
        diffx.grad("sum(x)", at={"x": [1.0, 2.0]}, shapes={"x": (0,)})
    with pytest.raises(PointError, match=r"x: shape \(\) is neither \(2,\)"):
        diffx.grad("sum(x)", at={"x": 1.0}, shapes={"x": (2,)})


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2**31 - 1))
@example(3, 2, 1, 519918)  # cancellation in f: numeric is off by 2e-6 and says so
def test_every_method_agrees_per_entry_on_random_mlps(n_in, n_hidden, n_out, seed):
    rng = np.random.default_rng(seed)
    point = {"W1": rng.normal(size=(n_hidden, n_in)), "x": rng.normal(size=n_in),
             "b1": rng.normal(size=n_hidden), "W2": rng.normal(size=(n_out, n_hidden)),
             "b2": rng.normal(size=n_out), "t": rng.normal(size=n_out)}
    _, expected, _ = mlp_backprop(point)
    report = diffx.grad_all(MLP, at=point, methods=["numeric", "reverse", "forward"])
    for label in ("numeric", "reverse", "forward"):
        for name, g in expected.items():
            got = report.results[label].gradient[name]
            assert got.shape == g.shape
            if label != "numeric":
                np.testing.assert_allclose(got, g, rtol=TOLERANCE[label], atol=1e-13)
                continue
            # central differences: within 1e-6, or within their own error estimate, which then
            # is reported (cancellation in f can swamp the difference quotient)
            estimate = report.results[label].details.error_estimate
            for index in np.ndindex(g.shape):
                entry = f"{name}[{','.join(map(str, index))}]"
                miss = abs(got[index] - g[index])
                if miss > 1e-7 + 1e-6 * abs(g[index]):
                    assert miss <= 3 * estimate[entry], (entry, got[index], g[index])
                    assert any(w.startswith(f"∂/∂{entry}: ") for w in report.warnings)
    assert report.worst["forward"].relative_error < 1e-12


def test_shapes_given_to_parse_declare_a_batch_too():
    program = diffx.parse("sum(x*x)", shapes={"x": (2,)})
    xs = np.arange(6.0).reshape(3, 2)
    r = diffx.grad(program, at={"x": xs})
    np.testing.assert_allclose(r.gradient["x"], 2 * xs)
    with pytest.raises(PointError, match=r"shape \(3,\) is neither \(2,\)"):
        diffx.grad(program, at={"x": np.ones(3)})


@pytest.mark.parametrize("hidden, n_in", [(2, 2), (3, 5), (4, 7)])
def test_the_expansion_size_bound_holds_and_admits_the_digits_network(hidden, n_in):
    shapes = {"W1": (hidden, n_in), "x": (n_in,), "b1": (hidden,), "W2": (2, hidden),
              "b2": (2,), "t": (2,)}
    program = diffx.parse(MLP, shapes=shapes)
    assert program.scalar.size <= program.scalar_size()  # an upper bound on what is built
    big = diffx.parse(MLP, shapes={"W1": (100, 784), "x": (784,), "b1": (100,),
                                   "W2": (10, 100), "b2": (10,), "t": (10,)})
    assert big.scalar_size() < 300_000  # about 239,000 nodes: under the 2,000,000 limit
