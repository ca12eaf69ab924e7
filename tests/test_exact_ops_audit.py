"""Ops that never round, in the value audit's error model (diffx.value_audit).

The audit's first-order error of a node is ``E = eps·|v| + Σ |∂v/∂arg|·E_arg``; the
``eps·|v|`` is the op's own rounding. neg, abs, relu, max, min, sign and heaviside have none
(their value is an argument's exactly, its negation, or a constant), so their E is their
arguments' alone and ``x + -x`` is 0 with no error -- not a "cancelled" value whose true size
could be anything. ``u + -u`` and ``-u + u`` of one node are exactly 0 in floats whatever
u's rounding, as ``u - u`` is. Ops that do round still carry their eps·|v| on through an
exact op (``-(1 + x) + 1`` at x = 1e-12 loses its digits as ``(1 + x) - 1`` does). Every path
of the recurrence (numpy at one point, the compiled kernel's ``condition``, numpy over many
points and the kernel's ``condition_many``) gives the same errors to the last bit.

The oracles are hand-derived: IEEE negation, abs, max and min return an operand (or its
negation) bit for bit, so their error is their argument's; the rounded ops' errors are
eps·|v| computed here.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

import diffx
from diffx import evaluation, exact, value_audit
from diffx import value_audit_points as points_audit
from diffx.exact_points import _value_rows

EPS = 2.0**-53
UNROUNDED = {"neg", "abs", "relu", "max", "min", "sign", "heaviside"}


def _values(text: str, at: dict[str, float]) -> tuple[diffx.Graph, np.ndarray]:
    graph = diffx.parse(text)
    vals, _ = evaluation.evaluate(graph, {k: v for k, v in at.items() if k in graph.inputs},
                                  False)
    return graph, np.array([*map(float, vals[:graph.output + 1]), 1.0])


def _node(graph: diffx.Graph, text: str) -> int:
    """The node that ``graph.describe`` names ``text``."""
    found = [i for i in range(graph.output + 1) if graph.describe(i) == text]
    assert len(found) == 1, (text, [graph.describe(i) for i in range(graph.output + 1)])
    return found[0]


@pytest.fixture(autouse=True)
def numpy_path(monkeypatch):
    """The numpy forms (the compiled tier off, even where an earlier test loaded it); the
    kernel's are compared explicitly below."""
    monkeypatch.setenv("DIFFX_COMPILED", "0")


def test_the_op_table_marks_exactly_the_unrounded_ops():
    assert {op.name for op in diffx.ops.OPS if op.exact} == UNROUNDED


# ------------------------------------------------------------ no false cancellation

ZEROS = [  # exactly 0 in floats and in truth at these points
    ("x + -x + y", {"x": 0.3, "y": 1.0}),
    ("-x + x + y", {"x": 0.3, "y": 1.0}),
    ("abs(x) - x + y", {"x": 0.3, "y": 1.0}),
    ("abs(x) + x + y", {"x": -0.3, "y": 1.0}),
    ("relu(x) - x + y", {"x": 0.3, "y": 1.0}),
    ("max(x, y) - x + y", {"x": 0.3, "y": 0.1}),
    ("min(x, y) - y + x", {"x": 0.3, "y": 0.1}),
    ("sign(x) - 1 + y", {"x": 0.3, "y": 1.0}),
    ("(x + -x)^(-x)", {"x": -0.5}),
    ("(x*y) + -(x*y) + y", {"x": 0.3, "y": 1.1}),  # u + -u of a rounded u
    ("-(x*y) + x*y + y", {"x": 0.3, "y": 1.1}),
    ("abs(x) - abs(x) + y", {"x": 0.3, "y": 1.0}),
    ("sin(x) + -sin(x) + y", {"x": 0.3, "y": 1.0}),
]


@pytest.mark.parametrize("text, at", ZEROS)
def test_an_exact_zero_is_not_flagged(text, at):
    graph, V = _values(text, at)
    assert value_audit.audit(graph, V) is None
    assert value_audit.conditioning(graph, V) is None


@pytest.mark.parametrize("text, at", ZEROS)
def test_no_warning_where_no_exact_rerun_can_be_made(monkeypatch, text, at):
    """Past the exact re-run's size (here every graph) a flagged value's warning would be
    all the user sees ("may have lost precision at x + -x (it is exactly 0 in floats, ...").
    (The sweeps' own audit, of contributions 1 and -1 meeting at x, is another matter.)"""
    monkeypatch.setattr(exact, "MAX_EXACT_NODES", 0)
    told = (exact.HOW_LOST["cancelled"], exact.HOW_LOST["conditioning"])
    for method in ("reverse", "forward"):
        got = diffx.grad(text, at=at, method=method)
        assert not any(how in w for w in got.warnings for how in told), (method, got.warnings)


LOSSES = [  # (text, point, node flagged, kind): rounded ops whose error is real
    ("(1 + x) - 1", {"x": 1e-12}, "1 + x - 1", "conditioning"),
    ("-(1 + x) + 1", {"x": 1e-12}, "-(1 + x) + 1", "conditioning"),
    ("abs(1 + x) - 1", {"x": 1e-12}, "abs(1 + x) - 1", "conditioning"),
    ("max(1 + x, y) - 1", {"x": 1e-12, "y": 0.0}, "max(1 + x, y) - 1", "conditioning"),
    ("-tanh(x) + 1", {"x": 20.0}, "-tanh(x) + 1", "cancelled"),
    ("relu(tanh(x)) - 1", {"x": 20.0}, "relu(tanh(x)) - 1", "cancelled"),
]


@pytest.mark.parametrize("text, at, where, kind", LOSSES)
def test_a_real_loss_through_an_exact_op_is_still_flagged(text, at, where, kind):
    """1 + 1e-12 rounds by up to eps·1 = 1.1e-16, 1e-4 of the difference 1e-12 (past 2^-23);
    tanh(20) rounds to 1, so 1 - tanh(20) is 0 in floats and 8.5e-18 in truth."""
    graph, V = _values(text, at)
    found = value_audit.audit(graph, V)
    assert found is not None and found[:2] == (_node(graph, where), kind)
    if kind == "conditioning":  # relative error (eps·(1 + 1e-12)) / |v|, v ~ 1e-12
        i, rel = value_audit.conditioning(graph, V)
        assert rel == pytest.approx(EPS * (1 + 1e-12) / abs(V[i]), rel=1e-12)


def test_a_real_loss_is_still_reported_with_its_exact_value():
    got = diffx.grad("-(1 + x) + 1", at={"x": 1e-12}, method="reverse")
    assert got.value == pytest.approx(-1e-12, rel=1e-15)  # not the float -1.000088900582341e-12
    assert any("lost precision at -(1 + x) + 1" in w for w in got.warnings)


# ------------------------------------------------------------ the errors, hand-derived


def test_an_exact_op_passes_its_arguments_error_on_unchanged():
    x, y, z = 3.0, -0.7, 0.1
    graph, V = _values("-(x*y) + abs(x*y) + max(x*y, z) + min(x*y, z) + relu(x*y) "
                       "+ sign(x*y) + max(x*z, z*x) + -x", {"x": x, "y": y, "z": z})
    E = value_audit.errors(graph, V)
    mul = EPS * abs(x * y)  # x*y = -2.1 rounds once
    assert E[_node(graph, "x*y")] == mul
    assert E[_node(graph, "-(x*y)")] == mul
    assert E[_node(graph, "abs(x*y)")] == mul
    assert E[_node(graph, "max(x*y, z)")] == 0.0  # z (exact input) is the max
    assert E[_node(graph, "min(x*y, z)")] == mul  # x*y is the min
    assert E[_node(graph, "relu(x*y)")] == 0.0  # 0 at a negative argument, exactly
    assert E[_node(graph, "sign(x*y)")] == 0.0  # -1 exactly
    assert E[_node(graph, "-x")] == 0.0  # of an input: no error at all
    # x*z and z*x: two nodes of equal value (each rounded once), a tie that splits 1/2 each
    assert E[_node(graph, "max(x*z, z*x)")] == 0.5 * EPS * abs(x * z) + 0.5 * EPS * abs(z * x)
    # a rounded op after them still rounds: -(x*y) + abs(x*y) is 4.2, its error eps·4.2 + 2E
    s = _node(graph, "-(x*y) + abs(x*y)")
    assert E[s] == EPS * abs(V[s]) + mul + mul


def test_u_plus_minus_u_has_no_error():
    graph, V = _values("(x*y) + -(x*y) + -(x*y) + x*y", {"x": 0.3, "y": 1.1})
    E = value_audit.errors(graph, V)
    i = _node(graph, "x*y + -(x*y)")
    assert V[i] == 0.0 and E[i] == 0.0


# ------------------------------------------------------------ every path, bit for bit

OPS1 = ["sin", "exp", "log", "sqrt", "tanh", "abs", "relu", "sign", "-", "heaviside"]
OPS2 = ["+", "-", "*", "/", "max", "min"]


def _program(rng: random.Random) -> str:
    """A random straight-line program, heavy in the exact ops, with u + -u and shared
    subexpressions."""
    names = ["x", "y"]
    lines = []
    for k in range(rng.randint(2, 12)):
        a = rng.choice(names)
        r = rng.random()
        if r < 0.15:
            expr = f"{a} + -{a}" if rng.random() < 0.5 else f"-{a} + {a}"
        elif r < 0.55:
            f = rng.choice(OPS1)
            expr = f"-{a}" if f == "-" else f"{f}({a})"
        else:
            b = rng.choice(names + ["0.1", "1", "2"])
            f = rng.choice(OPS2)
            expr = f"{f}({a}, {b})" if f in ("max", "min") else f"{a} {f} {b}"
        lines.append(f"t{k} = {expr}")
        names.append(f"t{k}")
    lines.append(" + ".join(names[-3:]))
    return "\n".join(lines)


def _cases():
    rng = random.Random(7)
    nrng = np.random.default_rng(7)
    out = []
    for _ in range(40):
        graph = diffx.parse(_program(rng))
        x = nrng.uniform(-3, 3, 12)
        y = nrng.uniform(-3, 3, 12)
        x[:3], y[:3] = [0.0, 1e300, -2.0], [0.0, -1e300, -2.0]
        at = {k: v for k, v in {"x": x, "y": y}.items() if k in graph.inputs}
        if not at:
            continue
        with np.errstate(all="ignore"):
            vals, _ = evaluation.evaluate(graph, at, True)
        out.append((graph, _value_rows(graph, vals, (12,))))
    return out


CASES = _cases()


def _many_errors(graph, V, kernel=None):
    """The many-points recurrence's errors (every row filled: no early stop), numpy or the
    kernel's ``condition_many``."""
    hi = graph.output + 1
    n = V.shape[1]
    E = np.zeros((hi + 1, n))
    for node, e in value_audit._literal_errors(graph):
        E[node] = e
    plan = points_audit._point_plan(graph)
    bad = np.zeros(n, dtype=bool)
    with np.errstate(all="ignore"):
        if kernel is None:
            W = points_audit._Slice(list(V[:hi]), 0, n)
            scratch = np.empty((2, n)), np.empty(n, dtype=bool)
            points_audit._condition_slice(plan, W, E, scratch, bad, False)
        else:
            op, A, B, _ = points_audit._arrays(graph)
            kernel.condition_many(np.ascontiguousarray(V), E, op, A, B,
                                  value_audit._live_ops(graph), plan.ea, plan.eb,
                                  value_audit.CONDITION_LIMIT, bad)
    return E[:hi]


def _same(a, b) -> bool:
    return bool(np.array_equal(a, b, equal_nan=True))


def test_numpy_one_point_and_many_points_agree_bit_for_bit():
    assert len(CASES) > 30
    exact_zero = 0
    for graph, V in CASES:
        nodes = value_audit._live_ops(graph)
        many = _many_errors(graph, V)
        for j in range(V.shape[1]):
            one = value_audit.errors(graph, V[:, j].copy())
            assert _same(one[nodes], many[nodes, j]), (graph.describe(graph.output), j)
            unrounded = [i for i in nodes.tolist()
                         if diffx.ops.BY_CODE[graph.op[i]].name in UNROUNDED]
            exact_zero += sum(one[i] == 0 and V[i, j] != 0 for i in unrounded)
    assert exact_zero > 100  # the comparison covers exact ops with no error of their own


def test_the_kernel_agrees_bit_for_bit():
    pytest.importorskip("numba")
    from diffx import compiled

    kernel = compiled.kernel()
    if kernel is None:
        pytest.skip("the compiled tier cannot be built here")
    for graph, V in CASES:
        nodes = value_audit._live_ops(graph)
        many = _many_errors(graph, V)
        assert _same(_many_errors(graph, V, kernel)[nodes], many[nodes])
        for j in range(V.shape[1]):
            col = V[:, j].copy()
            one = value_audit.errors(graph, col)
            assert _same(value_audit.errors(graph, col, kernel)[nodes], one[nodes])


def test_charging_exact_ops_a_rounding_is_caught(monkeypatch):
    """The comparison above can fail: the many-points path charging neg, abs... eps·|v|
    again differs from the one-point path (and flags abs(x) - x)."""
    plan = points_audit._point_plan

    def charged(graph):
        p = plan(graph)
        return p._replace(exact=[False] * len(p.exact))
    monkeypatch.setattr(points_audit, "_point_plan", charged)
    graph, V = _values("abs(x) - x + y", {"x": 0.3, "y": 1.0})
    M = np.repeat(V[:, None], 2, axis=1)
    assert value_audit.conditioning_points(graph, M).all()
    assert value_audit.conditioning(graph, V) is None
    assert math.isfinite(V[graph.output])
