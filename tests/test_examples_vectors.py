"""The vector examples: mlp_vectorized.dx against its scalar twin mlp.dx entry by entry, the
lecture's vector examples against hand-written numpy, and the circle classifier script."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

import diffx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# mlp.dx's point (docs/lecture.md), and the same numbers as whole arrays
SCALAR_AT = dict(x1=1, x2=-2, t1=0.5, t2=-0.5, w11=0.1, w12=0.2, w21=-0.3, w22=0.4, b1=0,
                 b2=0.1, v11=0.5, v12=-0.6, v21=0.7, v22=0.8, c1=0, c2=0)
ARRAYS = {"W1": [[0.1, 0.2], [-0.3, 0.4]], "x": [1, -2], "b1": [0, 0.1],
          "W2": [[0.5, -0.6], [0.7, 0.8]], "b2": [0, 0], "t": [0.5, -0.5]}
# mlp.dx's scalar names as entries of the vectorized program's inputs (0-based)
ENTRY = {"w11": ("W1", (0, 0)), "w12": ("W1", (0, 1)), "w21": ("W1", (1, 0)),
         "w22": ("W1", (1, 1)), "b1": ("b1", (0,)), "b2": ("b1", (1,)),
         "v11": ("W2", (0, 0)), "v12": ("W2", (0, 1)), "v21": ("W2", (1, 0)),
         "v22": ("W2", (1, 1)), "c1": ("b2", (0,)), "c2": ("b2", (1,)),
         "x1": ("x", (0,)), "x2": ("x", (1,)), "t1": ("t", (0,)), "t2": ("t", (1,))}


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _read(name: str) -> str:
    return (EXAMPLES / name).read_text("utf-8")


@pytest.mark.parametrize("method", ["reverse", "forward", "numeric", "symbolic", "matrix"])
def test_the_vectorized_mlp_gives_mlp_dx_value_and_gradients_entry_by_entry(method):
    scalar = diffx.grad(_read("mlp.dx"), at=SCALAR_AT, method="reverse")
    vector = diffx.grad(_read("mlp_vectorized.dx"), at=ARRAYS, method=method)
    assert vector.value == pytest.approx(scalar.value, rel=1e-15)
    assert sorted(ENTRY) == sorted(scalar.gradient)
    tol = 1e-8 if method == "numeric" else 1e-14
    for name, (array, index) in ENTRY.items():
        assert vector.gradient[array].shape == np.shape(ARRAYS[array])
        assert vector.gradient[array][index] == pytest.approx(scalar.gradient[name], rel=tol,
                                                               abs=tol), (name, method)


def test_the_vectorized_mlp_against_the_notes_backward_pass_in_numpy():
    W1, x, b1, W2, b2, t = (np.array(ARRAYS[k], dtype=float)
                            for k in ("W1", "x", "b1", "W2", "b2", "t"))
    z = W1 @ x + b1
    h = _sigmoid(z)
    y = W2 @ h + b2
    y_bar = y - t
    h_bar = W2.T @ y_bar
    z_bar = h_bar * h * (1 - h)
    expected = {"W2": np.outer(y_bar, h), "b2": y_bar, "W1": np.outer(z_bar, x), "b1": z_bar}
    back = diffx.backward(_read("mlp_vectorized.dx"), at=ARRAYS)
    lines = {line.name: line for line in back.lines}
    texts = {name: _nfd(line.text) for name, line in lines.items()}
    assert texts["W2"] == _nfd("ȳ hᵀ") and texts["W1"] == _nfd("z̄ xᵀ")
    assert texts["h"] == _nfd("W2ᵀ ȳ") and _nfd(lines["z"].shown) == _nfd("h̄ ∘ h ∘ (1 − h)")
    for name, value in expected.items():
        np.testing.assert_allclose(lines[name].value, value, rtol=1e-14, atol=1e-16)
    assert back.check().worst < 1e-14
    assert diffx.evaluate(_read("mlp_vectorized.dx"), at=ARRAYS) == pytest.approx(
        0.5 * np.sum((t - y) ** 2), rel=1e-15)


def test_d2l_two_dot_x_x_at_0123_is_0_4_8_12_by_every_method():
    report = diffx.grad_all("y = 2*dot(x, x)", at={"x": [0, 1, 2, 3]})
    assert report.results.keys() >= {"symbolic", "numeric", "reverse"}
    for name, result in report.results.items():
        np.testing.assert_allclose(result.gradient["x"], [0, 4, 8, 12], rtol=1e-9, atol=1e-9,
                                   err_msg=name)
    assert diffx.grad("y = 2*dot(x, x)", at={"x": [0, 1, 2, 3]}).gradient["x"].tolist() == \
        [0, 4, 8, 12]


CS3244 = "yhat = sigmoid(W.T @ x); L = 0.5*sum((yhat - t)^2)"
CS3244_AT = {"W": [[0.5, -1], [0.25, 0.5], [-0.5, 1]], "x": [1, 2, -1], "t": [1, 0]}


@pytest.mark.parametrize("method", ["reverse", "symbolic", "matrix"])
def test_cs3244_g_of_w_transpose_x_gradients_have_the_inputs_shapes(method):
    W, x, t = (np.array(CS3244_AT[k], dtype=float) for k in ("W", "x", "t"))
    yhat = _sigmoid(W.T @ x)
    delta = (yhat - t) * yhat * (1 - yhat)  # dL/d(W^T x), a vector like W^T x
    r = diffx.grad(CS3244, at=CS3244_AT, method=method)
    # scalar-by-matrix: a matrix like W; scalar-by-vector: a vector like x
    assert r.gradient["W"].shape == (3, 2) and r.gradient["x"].shape == (3,)
    np.testing.assert_allclose(r.gradient["W"], np.outer(x, delta), rtol=1e-13)
    np.testing.assert_allclose(r.gradient["x"], W @ delta, rtol=1e-13)
    np.testing.assert_allclose(r.gradient["t"], t - yhat, rtol=1e-13)


SOFTMAX = "z = W @ x; L = logsumexp(z) - z[1]"
SOFTMAX_AT = {"W": [[0.2, -0.5], [0.1, 0.4], [-0.3, 0.6]], "x": [1.5, -2]}


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic", "matrix"])
def test_softmax_cross_entropy_gradient_is_softmax_minus_e_k_times_x_transpose(method):
    W, x = (np.array(SOFTMAX_AT[k], dtype=float) for k in ("W", "x"))
    z = W @ x
    s = np.exp(z - z.max()) / np.sum(np.exp(z - z.max()))
    e_k = np.eye(3)[1]
    r = diffx.grad(SOFTMAX, at=SOFTMAX_AT, method=method)
    assert r.value == pytest.approx(-np.log(s[1]), rel=1e-14)
    np.testing.assert_allclose(r.gradient["W"], np.outer(s - e_k, x), rtol=1e-13)
    np.testing.assert_allclose(r.gradient["x"], W.T @ (s - e_k), rtol=1e-13)


# ------------------------------------------------------------------ the circle classifier ------

def _circle():
    sys.path.insert(0, str(EXAMPLES))
    try:
        import circle_classifier
    finally:
        sys.path.remove(str(EXAMPLES))
    return circle_classifier


def test_circle_classifier_gradient_is_the_mean_of_the_hand_derived_per_sample_ones():
    cc = _circle()
    X, y = cc.data()
    c, r = np.array([0.3, -0.1]), 0.8
    loss, grad_c, grad_r = cc.loss_and_gradient(c, r, X, y)
    z = np.sum((X - c) ** 2, axis=1) - r**2
    p = _sigmoid(z)
    assert loss == pytest.approx(np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p)), rel=1e-13)
    # dLoss/dz = p - y; dz/dc = -2 (x - c); dz/dr = -2 r
    np.testing.assert_allclose(grad_c, np.mean((p - y)[:, None] * -2 * (X - c), axis=0),
                               rtol=1e-12)
    assert grad_r == pytest.approx(np.mean((p - y) * -2 * r), rel=1e-12)
    assert 0 < y.sum() < len(y)  # both classes are present


def test_circle_classifier_training_lowers_the_loss_every_step_and_prints_it():
    history = _circle().train()
    losses = [loss for loss, _, _ in history]
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    assert losses[-1] < 0.7 * losses[0]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, str(EXAMPLES / "circle_classifier.py")], env=env,
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    printed = [float(line.split("loss")[1].split()[0]) for line in out.stdout.splitlines()]
    assert printed == pytest.approx(losses, abs=5e-7)
