"""diffx.backward: the backward pass in the lecture's matrix notation, derived from the block
ops' rules, each line's value checked against the scalar sweep and a hand-written backprop."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from diffx.backward import backward
from diffx.errors import DiffxError
from diffx.present.backward import backward_text
from oracle_vectors import MLP as SOURCE, POINT, mlp_backprop

GOLDEN = """\
L̄ = 1                             shape ()
ȳ = L̄ · (y − t)                   shape (2,)
W̄2 = ȳ hᵀ                         shape (2, 2)
b̄2 = ȳ                            shape (2,)
h̄ = W2ᵀ ȳ                         shape (2,)
z̄ = h̄ ∘ σ'(z) = h̄ ∘ h ∘ (1 − h)   shape (2,)
W̄1 = z̄ xᵀ                         shape (2, 2)
b̄1 = z̄                            shape (2,)"""


def _hand_backprop():
    _, inputs, inner = mlp_backprop(POINT)
    return {**inputs, **inner}


def test_the_mlp_backward_pass_in_the_lectures_notation():
    b = backward(SOURCE, at=POINT, wrt="W1,b1,W2,b2")
    assert backward_text(b) == unicodedata.normalize("NFD", GOLDEN)  # bars are combining marks
    hand = _hand_backprop()
    for line in b.lines:
        np.testing.assert_allclose(line.value, hand[line.name], rtol=1e-14, atol=1e-17)
    check = b.check()
    assert check.worst <= 1e-15 and set(check.per_line) == {"L", "y", "W2", "b2", "h", "z",
                                                            "W1", "b1"}


def test_without_wrt_the_inputs_x_and_t_follow():
    b = backward(SOURCE, at=POINT)
    text = {line.name: f"{line.symbol} = {line.text}" for line in b.lines}
    assert text["x"] == unicodedata.normalize("NFD", "x̄ = W1ᵀ z̄")
    assert text["t"] == unicodedata.normalize("NFD", "t̄ = L̄ · (t − y)")
    hand = _hand_backprop()
    np.testing.assert_allclose(b.lines[[ln.name for ln in b.lines].index("t")].value,
                               hand["t"], rtol=1e-14)
    assert b.check().worst <= 1e-15


@pytest.mark.parametrize("source, shapes, lines", [
    ("f = 2*dot(x, x)", {"x": (4,)}, {"x": "4 f̄ · x"}),
    ("q = x.T @ A @ x", {"x": (2,), "A": (2, 2)}, {"A": "q̄ · x xᵀ"}),
    ("f = sum(A + r)", {"A": (2, 3), "r": (3,)}, {"A": "f̄ 𝟙", "r": "2 f̄ 𝟙"}),
    ("z = W @ x; L = logsumexp(z) - z[1]", {"W": (3, 2), "x": (2,)},
     {"W": "z̄ xᵀ", "x": "Wᵀ z̄"}),
    ("f = mean(tanh(A) * r + s)", {"A": (2, 3), "r": (3,), "s": ()}, {}),
    ("f = sum(softmax(W @ x) * c)", {"W": (2, 3), "x": (3,), "c": (2,)}, {}),
    ("f = sum(outer(u, v) / s)", {"u": (2,), "v": (3,), "s": ()}, {}),
])
def test_every_line_agrees_with_the_scalar_sweep(source, shapes, lines):
    rng = np.random.default_rng(4)
    point = {k: rng.normal(size=v) for k, v in shapes.items()}
    b = backward(source, at=point)
    for name, text in lines.items():
        assert next(ln.text for ln in b.lines if ln.name == name) == \
            unicodedata.normalize("NFD", text)
    check = b.check()
    assert check.worst <= 1e-12, check


def test_values_are_printed_on_request():
    text = backward_text(backward(SOURCE, at=POINT, wrt="b2"), values=True)
    assert unicodedata.normalize("NFD", "b̄2 = ȳ") in text and "[-0.424761  1.014908]" in text


def test_bad_requests_are_clear_errors():
    with pytest.raises(DiffxError, match="needs a vector program"):
        backward("a * b", at={"a": 1.0, "b": 2.0})
    with pytest.raises(DiffxError, match="wrt q: not an input"):
        backward(SOURCE, at=POINT, wrt="q")
    with pytest.raises(DiffxError, match="needs a value for t"):
        backward(SOURCE, at={k: v for k, v in POINT.items() if k != "t"})


def test_cli_grad_backward_prints_the_golden_lines():
    from typer.testing import CliRunner

    from diffx.cli import app

    at = ("W1=[[0.1,0.2],[-0.3,0.4]], x=[1,-2], b1=[0.1,0], W2=[[0.5,-0.6],[0.7,0.8]], "
          "b2=[0,0], t=[0.5,-0.5]")
    res = CliRunner().invoke(app, ["grad", SOURCE, "--at", at, "--wrt", "W1,b1,W2,b2",
                                   "--backward"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert "\n".join(lines[:8]) == unicodedata.normalize("NFD", GOLDEN)
    assert lines[8].startswith("checked against the scalar sweep: every entry agrees within ")
    res = CliRunner().invoke(app, ["grad", "a*b", "--at", "a=1,b=2", "--backward"])
    assert res.exit_code == 2 and "needs a vector program" in res.output
    assert "Traceback" not in res.output
