"""Several named outputs (``--of y1,y2``, ``grad(..., of=[...])``): the Jacobian by every
method against hand derivations and mpmath, the layouts, JSON, warnings and errors."""

from __future__ import annotations

import random

import mpmath
import numpy as np
import pytest

import diffx
from diffx.errors import DiffxError
from diffx.methods.outputs import jacobian_matrix

from conftest import invoke, strict_json

SRC = "y1 = x^2*z; y2 = x^3"
AT = {"x": 2, "z": 3}
# by hand: y1 = x^2 z -> (2xz, x^2) = (12, 4); y2 = x^3 -> (3x^2, 0) = (12, 0)
HAND = [[12.0, 4.0], [12.0, 0.0]]
METHODS = ("symbolic", "numeric", "reverse", "forward")


@pytest.mark.parametrize("method", METHODS)
def test_each_method_gives_the_hand_derived_jacobian(method):
    g = diffx.grad(SRC, of=["y1", "y2"], at=AT, method=method)
    assert np.allclose(jacobian_matrix(g), HAND, rtol=1e-8, atol=1e-9)
    assert np.allclose(g.gradient["x"], [12, 12], rtol=1e-8)  # a column: one entry per output
    assert np.allclose(g.value, [12, 8])  # (y1, y2) = (4*3, 8)


def test_formulas_without_a_point():
    g = diffx.grad(SRC, of="y1,y2", method="symbolic")
    assert list(g.gradient["x"]) == ["2*x*z", "3*x^2"]
    assert list(g.gradient["z"]) == ["x^2", "0"]


def test_the_order_of_the_outputs_is_the_order_asked():
    g = diffx.grad(SRC, of=["y2", "y1"], at=AT)
    assert np.allclose(jacobian_matrix(g), [HAND[1], HAND[0]])


def test_grad_all_runs_every_method_and_they_agree():
    r = diffx.grad_all(SRC, of=["y1", "y2"], at=AT, methods=list(METHODS))
    assert set(r.results) == set(METHODS) and r.reference == "reverse"
    for name in METHODS:
        assert r.worst[name].relative_error < 1e-8, name
    assert r.worst["numeric"].entry in {"∂y1/∂x", "∂y1/∂z", "∂y2/∂x", "∂y2/∂z"}
    assert "matrix" not in diffx.grad_all(SRC, of=["y1", "y2"], at=AT).results


def test_reverse_sweeps_once_per_output_forward_once_per_input():
    src = "y1 = x*z*w; y2 = x + z + w"  # 2 outputs, 3 inputs
    rev = diffx.grad(src, of="y1,y2", at={"x": 1, "z": 2, "w": 3})
    fwd = diffx.grad(src, of="y1,y2", at={"x": 1, "z": 2, "w": 3}, method="forward")
    assert rev.cost["sweeps"] == 2 and fwd.cost["sweeps"] == 3
    assert np.allclose(jacobian_matrix(rev), [[6, 3, 2], [1, 1, 1]])
    assert np.allclose(jacobian_matrix(fwd), [[6, 3, 2], [1, 1, 1]])
    out = invoke("grad", src, "--of", "y1,y2", "--at", "x=1,z=2,w=3", "-m", "all",
                 columns=200)
    assert out.exit_code == 0, out.output
    assert "2 sweeps (one per output)" in out.stdout
    assert "reverse 2 sweeps (one per output), forward 3 sweeps (one per input)" in out.stdout
    fwd_out = invoke("grad", src, "--of", "y1,y2", "--at", "x=1,z=2,w=3", "-m", "forward",
                     columns=200)
    assert "3 tangent sweeps (one per input)" in fwd_out.stdout


def test_many_points_give_a_jacobian_per_point():
    at = {"x": np.array([1.0, 2.0]), "z": np.array([3.0, 3.0])}
    for method in ("reverse", "forward"):
        m = jacobian_matrix(diffx.grad(SRC, of=["y1", "y2"], at=at, method=method))
        assert np.allclose(m, [[[6, 1], [3, 0]], HAND])  # at x=1: (2xz, x^2), (3x^2, 0)


def test_cli_table_and_denominator_layout():
    out = invoke("grad", SRC, "--of", "y1,y2", "--at", "x=2,z=3", columns=200)
    assert out.exit_code == 0, out.output
    assert "y1 = 12, y2 = 8" in out.stdout
    rows = [line.split() for line in out.stdout.splitlines() if line.strip().startswith("∂y")]
    assert rows[:2] == [["∂y1", "12", "4"], ["∂y2", "12", "0"]]
    out = invoke("grad", SRC, "--of", "y1,y2", "--at", "x=2,z=3", "--layout", "denominator",
                 "-m", "reverse", columns=200)
    rows = [line.split() for line in out.stdout.splitlines() if line.strip()[:2] in ("x ", "z ")]
    assert rows == [["x", "12", "12"], ["z", "4", "0"]]


def test_json_is_strict_and_names_the_jacobian():
    out = invoke("grad", SRC, "--of", "y1,y2", "--at", "x=2,z=3", "--json")
    data = strict_json(out.stdout)
    assert data["outputs"] == ["y1", "y2"]
    jac = data["results"]["reverse"]["jacobian"]
    assert jac["rows"] == ["y1", "y2"] and jac["columns"] == ["x", "z"]
    assert jac["value"] == HAND
    assert data["jacobian_cost"]["reverse_sweeps"] == 2
    out = invoke("grad", SRC, "--of", "y1,y2", "--at", "x=2,z=3", "--json",
                 "--layout", "denominator", "-m", "symbolic")
    jac = strict_json(out.stdout)["results"]["symbolic"]["jacobian"]
    assert jac["rows"] == ["x", "z"] and jac["value"] == [[12.0, 12.0], [4.0, 0.0]]


def test_non_finite_entries_are_null_with_a_warning():
    out = invoke("grad", "y1 = log(x)*z; y2 = x^3", "--of", "y1,y2", "--at", "x=-2,z=3",
                 "--json")
    data = strict_json(out.stdout)
    assert data["results"]["reverse"]["jacobian"]["value"] == [[None, None], [12.0, 0.0]]
    assert any("log needs a positive argument" in w for w in data["warnings"])


def test_one_name_differentiates_that_statement_not_the_last():
    g = diffx.grad(SRC, of="y1", at=AT)
    assert g.gradient == {"x": 12.0, "z": 4.0} and g.value == 12.0
    out = invoke("grad", SRC, "--of", "y1", "--at", "x=2,z=3", columns=200)
    assert "y1 = 12" in out.stdout
    assert "y2 (line 1) is not used by the output y1 (only y1, and what it uses, is " \
           "differentiated)" in " ".join(out.stdout.split())


def test_unused_statements_consider_every_output():
    src = "y1 = x^2*z\nt = sin(w)\ny2 = x^3"
    out = invoke("grad", src, "--of", "y1,y2", "--at", "x=2,z=3,w=1", columns=200)
    text = " ".join(out.stdout.split())
    assert "t (line 2) is not used by the outputs y1 and y2; input w is used only there" in text
    out = invoke("grad", SRC, "--of", "y1,y2", "--at", "x=2,z=3", columns=200)
    assert "not used" not in out.stdout  # z is used by y1, although y2 does not use it
    plain = invoke("grad", SRC, "--at", "x=2,z=3", columns=200)
    assert "y1 (line 1) is not used by the output y2" in " ".join(plain.stdout.split())


def test_unknown_names_are_told_with_a_suggestion():
    with pytest.raises(DiffxError, match=r"no statement assigns 'Y1' .*did you mean 'y1'"):
        diffx.grad(SRC, of=["Y1", "y2"], at=AT)
    out = invoke("grad", "loss = x^2; out = loss*3", "--of", "los", "--at", "x=2")
    assert out.exit_code != 0 and "Traceback" not in out.output
    assert "--of los: no statement assigns 'los'" in out.stderr
    assert "did you mean 'loss'?" in out.stderr
    with pytest.raises(DiffxError, match="'x' is an input of the program, not a statement"):
        diffx.grad(SRC, of="x", at=AT)
    with pytest.raises(DiffxError, match="of must be"):
        diffx.grad(SRC, of=3, at=AT)


def test_vector_programs_and_other_modes_refuse_clearly():
    at = {"W": [[1.0, 2.0], [3.0, 4.0]], "x": [1.0, -1.0]}
    g = diffx.grad("y = W @ x", of="y", at=at)  # the output itself: allowed
    assert np.allclose(g.gradient["x"], [[1, 2], [3, 4]])
    with pytest.raises(DiffxError, match="in a vector program the last statement is the output"):
        diffx.grad("h = W @ x; y = sum(h)", of="h", at=at)
    with pytest.raises(Exception, match="the matrix method needs a vector program"):
        diffx.grad(SRC, of="y1,y2", at=AT, method="matrix")
    out = invoke("grad", SRC, "--of", "y1,y2", "--at", "x=2,z=3", "--order", "2")
    assert out.exit_code != 0 and "does not combine with --order 2" in out.stderr


# ---------------------------------------------------------------- random programs, mpmath -

UNARY = {"sin": mpmath.sin, "cos": mpmath.cos, "exp": mpmath.exp, "tanh": mpmath.tanh}


def _random_program(rng: random.Random):
    """Four statements over x and z, each from earlier names; returns the source and an
    mpmath evaluator of every statement (an independent oracle: no diffx involved)."""
    names, lines, steps = ["x", "z"], [], []
    for k in range(4):
        a, b = ("x", "z") if k == 0 else (rng.choice(names), rng.choice(names))
        kind = rng.choice(["+", "*", "-", "u"])
        target = f"s{k}"
        if kind == "u":
            fn = rng.choice(sorted(UNARY))
            lines.append(f"{target} = {fn}({a}) * {b}")
            steps.append((target, lambda e, a=a, b=b, fn=fn: UNARY[fn](e[a]) * e[b]))
        else:
            lines.append(f"{target} = {a} {kind} {b}")
            op = {"+": lambda p, q: p + q, "*": lambda p, q: p * q,
                  "-": lambda p, q: p - q}[kind]
            steps.append((target, lambda e, a=a, b=b, op=op: op(e[a], e[b])))
        names.append(target)
    return "\n".join(lines), steps


def _oracle(steps, outputs, x, z):
    mpmath.mp.dps = 40

    def value(name, xv, zv):
        env = {"x": xv, "z": zv}
        for target, fn in steps:
            env[target] = fn(env)
        return env[name]

    return [[float(mpmath.diff(lambda t: value(o, t, mpmath.mpf(z)), mpmath.mpf(x))),
             float(mpmath.diff(lambda t: value(o, mpmath.mpf(x), t), mpmath.mpf(z)))]
            for o in outputs]


@pytest.mark.parametrize("seed", range(12))
def test_random_programs_against_mpmath(seed):
    rng = random.Random(seed)
    src, steps = _random_program(rng)
    outputs = rng.sample([t for t, _ in steps], 2)
    x, z = rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5)
    want = np.array(_oracle(steps, outputs, x, z))
    r = diffx.grad_all(src, of=outputs, at={"x": x, "z": z}, methods=list(METHODS))
    for name in METHODS:
        got = jacobian_matrix(r.results[name])
        tol = 1e-6 if name == "numeric" else 1e-10
        assert np.allclose(got, want, rtol=tol, atol=tol), (name, src, outputs)
