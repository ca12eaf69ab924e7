"""diffx check on vector programs: matrix claims evaluated at the block level, judged entry by
entry against a hand-written numpy backprop of the CSC311 two-layer perceptron."""

from __future__ import annotations

import numpy as np
import pytest

import diffx
from diffx.check_vectors import CENTRAL_CAP
from diffx.errors import DiffxError
from conftest import invoke, strict_json

SRC = "z = W1 @ x + b1; h = sigmoid(z); y = W2 @ h + b2; L = 0.5*sum((t - y)^2)"
AT = ("W1=[[0.1,0.2],[-0.3,0.4]], x=[1,-2], b1=[0.1,0], W2=[[0.5,-0.6],[0.7,0.8]], "
      "b2=[0,0], t=[0.5,-0.5]")
W2_RIGHT = "W2 = outer(y - t, h)"
B1_RIGHT = "b1 = (transpose(W2) @ (y - t)) * h * (1 - h)"


def backprop() -> dict[str, np.ndarray]:
    """The lecture's vectorized backward pass, by hand in numpy."""
    W1 = np.array([[0.1, 0.2], [-0.3, 0.4]])
    x, b1 = np.array([1.0, -2.0]), np.array([0.1, 0.0])
    W2, b2, t = np.array([[0.5, -0.6], [0.7, 0.8]]), np.zeros(2), np.array([0.5, -0.5])
    h = 1 / (1 + np.exp(-(W1 @ x + b1)))
    y = W2 @ h + b2
    y_bar = y - t
    z_bar = (W2.T @ y_bar) * h * (1 - h)
    return {"W2": np.outer(y_bar, h), "b1": z_bar, "W1": np.outer(z_bar, x), "h": h,
            "y_bar": y_bar}


def by_name(report):
    return {c.name: c for c in report.inputs}


def test_right_matrix_claims_pass_with_the_hand_backprop_values():
    r = diffx.check(SRC, at=AT, claims=[W2_RIGHT, B1_RIGHT])
    bp = backprop()
    assert r.passed
    got = by_name(r)
    assert list(got) == ["W2", "b1"]
    for name in ("W2", "b1"):
        c = got[name]
        assert c.passed and c.shape == bp[name].shape
        np.testing.assert_allclose(c.claimed, bp[name], rtol=1e-14)
        np.testing.assert_allclose(c.reverse, bp[name], rtol=1e-14)
        np.testing.assert_allclose(c.central, bp[name], rtol=1e-8)
        assert c.sampled == bp[name].size and c.failed == 0
    assert got["W2"].errors["claim vs reverse"] < 1e-15


def test_transposed_outer_fails_naming_the_worst_entry():
    r = diffx.check(SRC, at=AT, claims={"W2": "outer(h, y - t)"})
    bp = backprop()
    c = by_name(r)["W2"]
    assert not r.passed and not c.passed
    # the diagonal agrees; the off-diagonal entries are swapped with opposite signs
    assert c.failed == 2
    assert c.worst_entry in ("W2[0,1]", "W2[1,0]")
    i, j = (0, 1) if c.worst_entry == "W2[0,1]" else (1, 0)
    assert c.claimed[i, j] == pytest.approx(bp["W2"][j, i], rel=1e-14)
    assert c.error == pytest.approx(
        abs(bp["W2"][j, i] - bp["W2"][i, j]) / (abs(bp["W2"][j, i]) + abs(bp["W2"][i, j])))
    assert r.worst == c.worst_entry
    assert "transpose" in r.advice[0]


def test_missing_sigmoid_factor_fails():
    r = diffx.check(SRC, at=AT, claims=["b1 = (transpose(W2) @ (y - t)) * h"])
    bp = backprop()
    c = by_name(r)["b1"]
    assert not r.passed and c.failed == 2
    wrong = (np.array([[0.5, -0.6], [0.7, 0.8]]).T @ bp["y_bar"]) * bp["h"]
    np.testing.assert_allclose(c.claimed, wrong, rtol=1e-14)
    k = int(np.argmax(np.abs(wrong - bp["b1"]) / (np.abs(wrong) + np.abs(bp["b1"]))))
    assert c.worst_entry == f"b1[{k}]"


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(DiffxError, match=r"claim W2: shape \(2,\) but W2 has shape \(2, 2\)"):
        diffx.check(SRC, at=AT, claims={"W2": "y - t"})
    with pytest.raises(DiffxError, match=r"W1\[0,1\]: shape \(2,\) but W1\[0,1\] has a number"):
        diffx.check(SRC, at=AT, claims={"W1[0,1]": "h"})
    with pytest.raises(DiffxError, match="'q', which is neither an input"):
        diffx.check(SRC, at=AT, claims={"W2": "outer(q, h)"})
    with pytest.raises(DiffxError, match="'h' is assigned|assigned in the program"):
        diffx.check(SRC, at=AT, claims={"h": "y"})
    with pytest.raises(DiffxError, match="out of range"):
        diffx.check(SRC, at=AT, claims={"W1[2,0]": "h[0]"})
    with pytest.raises(DiffxError, match="one formula"):
        diffx.check(SRC, at=AT, claims={"W2": "outer(y - t, h); q = 1"})


def test_element_claims():
    bp = backprop()
    right = "W1[0,1] = ((transpose(W2) @ (y - t)) * h * (1 - h))[0] * x[1]"
    r = diffx.check(SRC, at=AT, claims=[right, "b1[-1] = 0.2"])
    got = by_name(r)
    assert got["W1[0,1]"].passed and got["W1[0,1]"].shape == ()
    assert got["W1[0,1]"].claimed == pytest.approx(bp["W1"][0, 1], rel=1e-14)
    assert got["W1[0,1]"].reverse == pytest.approx(bp["W1"][0, 1], rel=1e-14)
    assert not got["b1[1]"].passed  # 0.2 is near, not equal: b1[1] = 0.19988...
    assert got["b1[1]"].reverse == pytest.approx(bp["b1"][1], rel=1e-14)


def test_no_claims_checks_every_input_by_reverse_against_central():
    r = diffx.check(SRC, at=AT)
    assert r.passed
    assert [c.name for c in r.inputs] == ["W1", "x", "b1", "W2", "b2", "t"]
    np.testing.assert_allclose(by_name(r)["W1"].reverse, backprop()["W1"], rtol=1e-14)


def test_central_differences_capped_at_a_seeded_sample():
    n = 300
    src = "L = 0.5*sum(w^2)"
    w = np.linspace(-1, 1, n)
    r1 = diffx.check(src, at={"w": w}, claims={"w": "w"})
    r2 = diffx.check(src, at={"w": w}, claims={"w": "w"})
    c = r1.inputs[0]
    assert r1.passed and c.sampled == CENTRAL_CAP
    taken = ~np.isnan(c.central)
    assert taken.sum() == CENTRAL_CAP
    np.testing.assert_array_equal(taken, ~np.isnan(r2.inputs[0].central))  # seeded
    # round-off of a sum of 300 squares (about 50) at the step: ~ε·50/h
    np.testing.assert_allclose(c.central[taken], w[taken], rtol=0, atol=1e-8)


def test_batch_refused():
    with pytest.raises(DiffxError, match="one point"):
        diffx.check("L = sum(w^2)", at={"w": np.ones((3, 2))}, shapes={"w": (2,)})


def cli(*args):
    return invoke("check", SRC, "--at", AT, *args)


def test_cli_lines_and_exit_codes():
    ok = cli("--claim", W2_RIGHT, "--claim", B1_RIGHT)
    assert ok.exit_code == 0, ok.output
    assert "W2 (2, 2)  PASS  worst" in ok.output and "b1 (2,)  PASS" in ok.output
    bad = cli("--claim", "W2 = outer(h, y - t)")
    assert bad.exit_code == 1
    assert "W2 (2, 2)  FAIL  worst W2[0,1]: claim 0.4569 vs reverse -0.1061 (rel 1.0)" \
        in bad.output
    wrong_shape = cli("--claim", "W2 = y - t")
    assert wrong_shape.exit_code == 2
    assert "claim W2: shape (2,) but W2 has shape (2, 2)" in wrong_shape.output
    assert "Traceback" not in wrong_shape.output


def test_cli_json_is_strict_with_shapes_worst_and_verdict():
    res = cli("--claim", "W2 = outer(h, y - t)", "--claim", B1_RIGHT, "--json")
    assert res.exit_code == 1
    text = res.stdout
    data = strict_json(text)
    assert data["passed"] is False and data["worst"] == "W2[0,1]"
    w2, b1 = data["inputs"]
    assert w2["shape"] == [2, 2] and b1["shape"] == [2]
    assert w2["passed"] is False and b1["passed"] is True
    assert w2["worst"]["entry"] == "W2[0,1]"
    assert w2["worst"]["reverse"] == pytest.approx(backprop()["W2"][0, 1], rel=1e-14)
    np.testing.assert_allclose(b1["claimed"], backprop()["b1"], rtol=1e-14)


def test_cli_json_unsampled_entries_are_null():
    res = invoke("check", "L = sum(w^2)", "--at", "w=[" + ",".join(["1"] * 250) + "]",
                 "--json")
    assert res.exit_code == 0, res.output
    data = strict_json(res.stdout)
    central = data["inputs"][0]["central"]
    assert sum(v is None for v in central) == 50
    assert data["inputs"][0]["central_entries"] == CENTRAL_CAP


def test_scalar_programs_keep_their_path():
    r = diffx.check("z = w*x + b; y = sigmoid(z); L = 0.5*(y - t)^2",
                    at={"w": 0.8, "x": 1.5, "b": -0.3, "t": 1},
                    claims={"w": "(y - t)*y*(1 - y)*x"})
    assert r.passed and r.worst == "w" and not hasattr(r.inputs[0], "worst_entry")


def test_sweep_measures_central_differences_against_the_reference():
    r = diffx.check("L = sum(exp(w))", at={"w": np.array([0.0, 1.0])}, sweep=True)
    assert r.passed and len(r.sweep) == 13
    # truncation error of a central difference of exp: h²/6 relative; at h = 1e-2, 1.7e-5
    # (halved by the symmetric error), so the sweep's error there is near 8e-6
    at_1e2 = next(p.error for p in r.sweep if p.step == 1e-2)
    assert at_1e2 == pytest.approx(1e-4 / 6 / 2, rel=0.05)
    assert r.best_step in (1e-4, 1e-5, 1e-6)


def test_cli_says_when_central_differences_are_a_sample():
    res = invoke("check", "L = sum(w^2)", "--at", "w=[" + ",".join(["1"] * 250) + "]",
                 "--claim", "w = 2*w")
    assert res.exit_code == 0, res.output
    assert "w (250,)  PASS  worst w[" in res.output
    assert "central differences at 200 of 250 entries of w (a sample of at most 200, seed 0)" \
        in res.output
