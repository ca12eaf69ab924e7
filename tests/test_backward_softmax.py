"""The backward pass's lines for softmax, logsumexp and indexing read as the lectures write
them (``z̄ = p ∘ (p̄ − (p · p̄))``, the one-hot ``e₁``, ``−L̄ / p[1]``), and what each printed
formula says, computed here with numpy from the forward values, is each line's value and
agrees with the matrix method's gradient."""

from __future__ import annotations

import unicodedata

import numpy as np

import diffx
from diffx.backward import backward
from diffx.present.backward import backward_text

W = np.array([[0.2, -0.5], [0.1, 0.4], [-0.3, 0.6]])
X = np.array([1.5, -2.0])


def _lines(b):
    return {line.name: line for line in b.lines}


def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def test_softmax_cross_entropy_reads_like_the_lecture_and_means_it():
    src = "z = W @ x; p = softmax(z); L = -log(p[1])"
    b = backward(src, at={"W": W, "x": X})
    text = backward_text(b)
    assert _nfd("p̄ = (−L̄ log'(p[1])) e₁ = (−L̄ / p[1]) e₁") in text
    assert _nfd("z̄ = p ∘ (p̄ − (p · p̄))") in text
    lines = _lines(b)
    z = W @ X
    p = _softmax(z)
    e1 = np.eye(3)[1]
    p_bar = (-1.0 / p[1]) * e1  # the printed p̄, L̄ = 1
    z_bar = p * (p_bar - p @ p_bar)  # the printed z̄
    np.testing.assert_allclose(lines["p"].value, p_bar, rtol=1e-14)
    np.testing.assert_allclose(lines["z"].value, z_bar, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(z_bar, p - e1, rtol=1e-13, atol=1e-16)  # the lecture's y − t
    matrix = diffx.grad(src, at={"W": W, "x": X}, method="matrix").gradient
    np.testing.assert_allclose(matrix["W"], np.outer(z_bar, X), rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(matrix["x"], W.T @ z_bar, rtol=1e-13, atol=1e-16)
    assert b.check().worst <= 1e-14


def test_logsumexp_minus_an_entry_is_softmax_minus_the_one_hot():
    src = "z = W @ x; L = logsumexp(z) - z[2]"
    b = backward(src, at={"W": W, "x": X})
    assert _lines(b)["z"].text == _nfd("−L̄ e₂ + L̄ softmax(z)")
    z_bar = -np.eye(3)[2] + _softmax(W @ X)  # the printed line, L̄ = 1
    np.testing.assert_allclose(_lines(b)["z"].value, z_bar, rtol=1e-14, atol=1e-16)
    matrix = diffx.grad(src, at={"W": W, "x": X}, method="matrix").gradient
    np.testing.assert_allclose(matrix["W"], np.outer(z_bar, X), rtol=1e-13, atol=1e-16)


def test_matrix_and_negative_indices_are_one_hot_products():
    src = "a = W[1,0] * x[-1]; L = a ^ 2 + W[0,1]"
    b = backward(src, at={"W": W[:2], "x": X})
    lines = _lines(b)
    assert lines["W"].text == _nfd("L̄ e₀ e₁ᵀ + (ā x[-1]) e₁ e₀ᵀ")
    assert lines["x"].text == _nfd("(ā W[1,0]) e₁")  # x[-1] of a 2-vector is x[1]
    a = W[1, 0] * X[-1]
    a_bar = 2 * a
    e = np.eye(2)
    want_w = np.outer(e[0], e[1]) + a_bar * X[-1] * np.outer(e[1], e[0])
    np.testing.assert_allclose(lines["W"].value, want_w, rtol=1e-15)
    np.testing.assert_allclose(lines["x"].value, a_bar * W[1, 0] * e[1], rtol=1e-15)
    matrix = diffx.grad(src, at={"W": W[:2], "x": X}, method="matrix").gradient
    np.testing.assert_allclose(matrix["W"], want_w, rtol=1e-14)


def test_a_scalar_divisor_is_written_last():
    b = backward("s = sum(x); L = log(s) * c", at={"x": X + 3, "c": 2.0})
    assert _lines(b)["s"].text == _nfd("L̄ c · log'(s)")
    assert _lines(b)["s"].shown == _nfd("L̄ c / s")
    np.testing.assert_allclose(_lines(b)["s"].value, 2.0 / np.sum(X + 3), rtol=1e-15)
