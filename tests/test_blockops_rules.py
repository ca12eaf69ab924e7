"""Every matrix rule (blockops' vector-Jacobian products, combined by the block sweep) against
two independent sources: the scalar reverse sweep on the program's expansion (each element a
scalar node, differentiated by the scalar op table's partials), and central differences.

Each case differentiates ``f = sum(c * op(...))`` (``c * op(...)`` for a scalar op) (``c`` random, so every output entry counts
with its own weight) on random shapes and values, seeded.
"""

from __future__ import annotations

import numpy as np
import pytest

import diffx
from diffx import blockops, blocksweep
from diffx.program import parse

RULE_RTOL = 1e-12
CENTRAL_RTOL = 1e-6
SEEDS = (0, 1, 2)

# name -> (expression over the inputs, their shapes over the dimensions m, k, n)
CASES: dict[str, tuple[str, dict[str, str]]] = {
    "matmul (m,k)@(k,n)": ("A @ B", {"A": "mk", "B": "kn"}),
    "matmul (m,k)@(k,)": ("A @ v", {"A": "mk", "v": "k"}),
    "matmul (k,)@(k,n)": ("v @ B", {"v": "k", "B": "kn"}),
    "matmul (k,)@(k,)": ("u @ v", {"u": "k", "v": "k"}),
    "transpose": ("A.T", {"A": "mk"}),
    "transpose of a vector": ("v.T", {"v": "k"}),
    "index an entry": ("A[0,-1]", {"A": "mk"}),
    "index a row": ("A[-1]", {"A": "mk"}),
    "index a vector": ("v[0]", {"v": "k"}),
    "sum": ("sum(A)", {"A": "mk"}),
    "mean": ("mean(A)", {"A": "mk"}),
    "dot": ("dot(u, v)", {"u": "k", "v": "k"}),
    "outer": ("outer(u, v)", {"u": "m", "v": "n"}),
    "softmax of a vector": ("softmax(v)", {"v": "k"}),
    "softmax of a matrix": ("softmax(A)", {"A": "mk"}),
    "logsumexp of a vector": ("logsumexp(v)", {"v": "k"}),
    "logsumexp of a matrix": ("logsumexp(A)", {"A": "mk"}),
    # elementwise scalar ops, with numpy broadcasting
    "vector + scalar": ("v + s", {"v": "k", "s": ""}),
    "matrix + row vector": ("A + r", {"A": "mk", "r": "k"}),
    "scalar - matrix": ("s - A", {"s": "", "A": "mk"}),
    "matrix * row vector": ("A * r", {"A": "mk", "r": "k"}),
    "vector / scalar": ("v / s", {"v": "k", "s": ""}),
    "vector ^ 3": ("v^3", {"v": "k"}),
    "sigmoid": ("sigmoid(A)", {"A": "mk"}),
    "tanh": ("tanh(v)", {"v": "k"}),
    "exp": ("exp(A)", {"A": "mk"}),
    "max of matrix and row": ("max(A, r)", {"A": "mk", "r": "k"}),
    "negation": ("-A", {"A": "mk"}),
}


def test_cases_cover_every_block_op():
    sources = " ".join(expr for expr, _ in CASES.values())
    for op in blockops.BLOCK_OPS:
        word = {"matmul": "@", "transpose": ".T", "index": "["}.get(op.name, op.name + "(")
        assert word in sources, op.name


def _problem(case: str, seed: int):
    expr, dims = CASES[case]
    rng = np.random.default_rng(seed)
    size = dict(zip("mkn", rng.integers(1, 5, size=3).tolist()))
    size["m"] = max(size["m"], 2)  # A[-1] and A[0,-1] need a row to choose from
    shapes = {name: tuple(size[d] for d in spec) for name, spec in dims.items()}
    out_shape = parse(f"f = {expr}", shapes=shapes).output_shape
    shapes["c"] = out_shape
    weighted = f"c * ({expr})"
    program = parse(f"f = sum({weighted})" if out_shape else f"f = {weighted}", shapes=shapes)
    point = {name: rng.uniform(0.3, 1.5, size=shape) * rng.choice([-1, 1], size=shape)
             for name, shape in shapes.items()}
    if case == "vector / scalar":
        point["s"] = np.asarray(1.7)
    return program, point, tuple(n for n in shapes if n != "c")


def _close(got, want, rtol):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    assert float(np.max(np.abs(got - want), initial=0.0)) <= rtol * scale, (got, want)


def _central(program, point, name, h=1e-6):
    base = np.asarray(point[name], dtype=float)
    out = np.zeros(base.shape)
    for idx in np.ndindex(*base.shape):
        values = []
        for sign in (1, -1):
            moved = base.copy()
            moved[idx] += sign * h
            vals = blocksweep.forward(program, {**point, name: moved})
            values.append(float(vals[program.blocks.output]))
        out[idx] = (values[0] - values[1]) / (2 * h)
    return out


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", list(CASES))
def test_matrix_rule_agrees_with_scalar_sweep_and_differences(case, seed):
    program, point, wrt = _problem(case, seed)
    values = blocksweep.forward(program, point)
    grads = blocksweep.input_adjoints(program, blocksweep.backward(program, values, wrt), wrt)
    assert blocksweep.finite_warnings(values, grads) == []

    scalar = diffx.grad(program.scalar, at=program.element_point(point), method="reverse",
                        wrt=program.element_wrt(wrt))
    _close(values[program.blocks.output], scalar.value, RULE_RTOL)
    regrouped = program.regroup(scalar.gradient, wrt)
    for name in wrt:
        assert grads[name].shape == program.shape_of(name)
        _close(grads[name], regrouped[name], RULE_RTOL)
        _close(grads[name], _central(program, point, name), CENTRAL_RTOL)


def test_backward_skips_nodes_that_do_not_depend_on_wrt():
    program, point, _ = _problem("matmul (m,k)@(k,)", 0)
    values = blocksweep.forward(program, point)
    adj = blocksweep.backward(program, values, ("A",))
    nodes = {program.blocks.attr[k]: k for k, c in enumerate(program.blocks.code) if c == 0}
    assert nodes["A"] in adj and nodes["v"] not in adj and nodes["c"] not in adj


def test_non_finite_values_give_the_warning():
    program = parse("f = sum(log(x))", shapes={"x": (2,)})
    values = blocksweep.forward(program, {"x": np.array([1.0, -1.0])})
    adj = blocksweep.backward(program, values)
    assert blocksweep.finite_warnings(values, adj) == [blocksweep.NOT_FINITE]
    assert "compare with the scalar sweep (method reverse)" in blocksweep.NOT_FINITE
