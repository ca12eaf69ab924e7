"""The expansion (diffx.expand) against numpy written out here, op by op.

Every block op of ``diffx.blockops.BY_CODE`` (and ``norm``, ``transpose(...)``, and the scalar
ops acting elementwise with numpy's broadcasting) on random shapes and values: the expansion's
value, made a scalar as ``sum(C * F)`` with a random ``C``, equals the same formula computed by
numpy. Then the names of the expansion's inputs and named elements, the node counts a person
writing the expansion out would get, and ``VectorProgram.scalar_size`` bounding them.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import diffx
from diffx import blockops, ops
from diffx.program import parse

DIM = st.integers(1, 4)


def scalar_value(source, values):
    """The expansion of ``source`` (shapes from ``values``) evaluated at ``values``."""
    shapes = {k: np.shape(v) for k, v in values.items()}
    program = parse(source, shapes=shapes)
    graph = program.scalar
    assert graph.size <= program.scalar_size()
    point = program.element_point({k: values[k] for k in program.inputs})
    value = diffx.evaluate(graph, at=point)
    reverse = diffx.grad(graph, at=point, method="reverse").value
    assert reverse == pytest.approx(value, rel=1e-15, abs=1e-300)
    return value


def check(expr, values, expected, rng):
    """``expr`` over ``values`` equals numpy's ``expected`` array, weighed by a random C."""
    expected = np.asarray(expected, dtype=float)
    if expected.shape:
        C = rng.normal(size=expected.shape)
        got = scalar_value(f"F = {expr}; sum(C * F)", {**values, "C": C})
        want = np.sum(C * expected)
    else:
        got, want = scalar_value(expr, values), float(expected)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


def _softmax(X):
    e = np.exp(X - X.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _logsumexp(X):
    return np.log(np.exp(X).sum(axis=-1))


# for each block op: (draw shapes) -> [(source, values-shapes, numpy forward)]
def _cases(name, m, k, n):
    if name == "matmul":
        return [("A @ B", {"A": (m, k), "B": (k, n)}, lambda A, B: A @ B),
                ("A @ v", {"A": (m, k), "v": (k,)}, lambda A, v: A @ v),
                ("u @ B", {"u": (k,), "B": (k, n)}, lambda u, B: u @ B),
                ("u @ v", {"u": (k,), "v": (k,)}, lambda u, v: u @ v),
                ("A.T @ A", {"A": (m, k)}, lambda A: A.T @ A)]
    if name == "transpose":
        return [("A.T", {"A": (m, k)}, lambda A: A.T), ("Aᵀ", {"A": (m, k)}, lambda A: A.T),
                ("transpose(A) + B", {"A": (m, k), "B": (k, m)}, lambda A, B: A.T + B),
                ("v.T", {"v": (k,)}, lambda v: v)]
    if name == "index":
        return [(f"A[{m - 1},{-k}]", {"A": (m, k)}, lambda A: A[m - 1, -k]),
                (f"A[{-1}]", {"A": (m, k)}, lambda A: A[-1]),
                (f"A.T[{k - 1}]", {"A": (m, k)}, lambda A: A[:, k - 1]),
                (f"v[{n - 1}] * v", {"v": (n,)}, lambda v: v[n - 1] * v)]
    if name in ("sum", "mean"):
        f = np.sum if name == "sum" else np.mean
        return [(f"{name}(A)", {"A": (m, k)}, f), (f"{name}(v)", {"v": (n,)}, f),
                (f"{name}(A @ v)", {"A": (m, k), "v": (k,)}, lambda A, v: f(A @ v))]
    if name == "dot":
        return [("dot(u, v)", {"u": (k,), "v": (k,)}, np.dot)]
    if name == "outer":
        return [("outer(u, v)", {"u": (m,), "v": (n,)}, np.outer)]
    if name == "softmax":  # a matrix: row by row
        return [("softmax(A)", {"A": (m, k)}, _softmax), ("softmax(v)", {"v": (n,)}, _softmax)]
    if name == "logsumexp":
        return [("logsumexp(A)", {"A": (m, k)}, _logsumexp),
                ("logsumexp(v)", {"v": (n,)}, _logsumexp)]
    if name == "norm":
        return [("norm(A)", {"A": (m, k)}, lambda A: np.sqrt(np.sum(A * A))),
                ("norm(v)", {"v": (n,)}, np.linalg.norm)]
    raise AssertionError(f"no test case for block op {name}")


@pytest.mark.parametrize("name", [op.name for op in blockops.BY_CODE.values()] + ["norm"])
@settings(max_examples=25, deadline=None)
@given(m=DIM, k=DIM, n=DIM, seed=st.integers(0, 2**32 - 1))
def test_block_op_expansion_matches_numpy(name, m, k, n, seed):
    rng = np.random.default_rng(seed)
    for source, shapes, forward in _cases(name, m, k, n):
        values = {v: rng.normal(size=s) * 2 for v, s in shapes.items()}
        check(source, values, forward(*values.values()), rng)


NUMPY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
         "pow": np.power, "max": np.maximum, "min": np.minimum, "neg": np.negative,
         "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log,
         "sqrt": np.sqrt, "abs": np.abs, "tanh": np.tanh, "sinh": np.sinh, "cosh": np.cosh,
         "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan,
         "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0),
         "softplus": lambda z: np.log1p(np.exp(z)), "sign": np.sign,
         "heaviside": lambda z: np.heaviside(z, 0.5)}
SHAPE_PAIRS = [((), (3,)), ((3,), ()), ((2, 3), ()), ((), (2, 3)), ((2, 3), (3,)),
               ((3,), (2, 3)), ((1, 3), (2, 3)), ((2, 1), (2, 3)), ((2, 1), (3,)),
               ((1, 3), (2, 1)), ((3,), (3,)), ((2, 3), (2, 3))]


def test_every_scalar_op_has_a_numpy_twin_here():
    assert set(NUMPY) == {op.name for op in ops.OPS}


@pytest.mark.parametrize("op", [op for op in ops.OPS if op.arity == 2], ids=lambda o: o.name)
@pytest.mark.parametrize("left, right", SHAPE_PAIRS)
def test_elementwise_binary_ops_broadcast_like_numpy(op, left, right):
    rng = np.random.default_rng(len(left) * 7 + len(right))
    # positive bases for ^ so that every power is real
    p = np.abs(rng.normal(size=left)) + 0.5 if op.name == "pow" else rng.normal(size=left)
    q = rng.normal(size=right) + (3.0 if op.name == "div" else 0.0)
    expr = f"p {op.symbol} q" if op.symbol else f"{op.name}(p, q)"
    check(expr, {"p": p, "q": q}, NUMPY[op.name](p, q), rng)


@pytest.mark.parametrize("op", [op for op in ops.OPS if op.arity == 1], ids=lambda o: o.name)
@pytest.mark.parametrize("shape", [(3,), (2, 3), (1, 2)])
def test_elementwise_unary_ops_act_on_each_element(op, shape):
    rng = np.random.default_rng(3)
    p = rng.uniform(0.1, 0.9, size=shape)  # inside every domain (asin, acos, log, sqrt)
    expr = f"-p" if op.name == "neg" else f"{op.name}(p)"
    check(expr, {"p": p}, NUMPY[op.name](p), rng)


def test_names_of_inputs_and_named_elements():
    program = parse("z = W @ x + b; h = sigmoid(z); s = sum(h)",
                    shapes={"W": (2, 3), "x": (3,), "b": (2,)})
    graph = program.scalar
    assert graph.inputs == ("W[0,0]", "W[0,1]", "W[0,2]", "W[1,0]", "W[1,1]", "W[1,2]",
                            "x[0]", "x[1]", "x[2]", "b[0]", "b[1]")
    assert {"z[0]", "z[1]", "h[0]", "h[1]"} <= set(graph.assigned)
    assert graph.output_name == "s"
    assert program.elements("W") == ["W[0,0]", "W[0,1]", "W[0,2]", "W[1,0]", "W[1,1]",
                                     "W[1,2]"]
    rng = np.random.default_rng(0)
    W, x, b = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=2)
    from diffx.engine import forward
    values = forward(graph, program.element_point({"W": W, "x": x, "b": b}))
    z = W @ x + b
    for i in range(2):
        assert values[graph.assigned[f"z[{i}]"]] == pytest.approx(z[i], rel=1e-15)
        assert values[graph.assigned[f"h[{i}]"]] == pytest.approx(1 / (1 + np.exp(-z[i])))


def _count(graph, name):
    code = ops.BY_NAME[name].code
    return sum(1 for c in graph.op if c == code)


@pytest.mark.parametrize("m, k", [(1, 1), (3, 1), (1, 4), (3, 4), (5, 2)])
def test_matmul_node_counts_are_the_written_out_ones(m, k):
    program = parse("W @ x", shapes={"W": (m, k), "x": (k,)})
    graph = program.scalar
    assert _count(graph, "mul") == m * k
    assert _count(graph, "add") == m * (k - 1)
    assert graph.size == m * k + k + m * k + m * (k - 1)
    assert graph.size <= program.scalar_size()


@pytest.mark.parametrize("source, shapes, counts", [
    ("sum(v)", {"v": (5,)}, {"add": 4}),
    ("mean(A)", {"A": (2, 3)}, {"add": 5, "div": 1}),
    ("dot(u, v)", {"u": (4,), "v": (4,)}, {"mul": 4, "add": 3}),
    ("outer(u, v)", {"u": (2,), "v": (3,)}, {"mul": 6}),
    # a row of n: n-1 max, n sub, n exp, n-1 add, n div
    ("softmax(v)", {"v": (4,)}, {"max": 3, "sub": 4, "exp": 4, "add": 3, "div": 4}),
    ("softmax(A)", {"A": (2, 3)}, {"max": 4, "sub": 6, "exp": 6, "add": 4, "div": 6}),
    ("logsumexp(A)", {"A": (2, 3)}, {"max": 4, "sub": 6, "exp": 6, "add": 6, "log": 2}),
    ("norm(v)", {"v": (3,)}, {"pow": 3, "add": 2, "sqrt": 1}),
])
def test_block_op_node_counts(source, shapes, counts):
    program = parse(source, shapes=shapes)
    graph = program.scalar
    for name, n in counts.items():
        assert _count(graph, name) == n, name
    assert graph.size <= program.scalar_size()


@settings(max_examples=40, deadline=None)
@given(m=DIM, k=DIM, n=DIM)
def test_scalar_size_bounds_an_mlp_and_a_softmax_head(m, k, n):
    program = parse("h = tanh(W1 @ x + b1); y = softmax(W2 @ h); L = -log(y[0]) + norm(W1)",
                    shapes={"W1": (m, k), "x": (k,), "b1": (m,), "W2": (n, m)})
    assert program.scalar.size <= program.scalar_size() <= 3 * program.scalar.size + 10
