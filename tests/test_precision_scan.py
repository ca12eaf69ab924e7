"""The one-point precision scan (diffx.precision_scan) against the per-edge numpy scan.

The reference is :func:`diffx.precision._scan`, the whole-array audit (every edge's
contribution at once, summed with ``np.bincount``): the chunked scan must flag the same nodes
and sum the same magnitudes to the last bit, on random graphs at extreme points, in chunks so
small that every group and every sum crosses chunk boundaries. The compiled tier's kernel scan
(numba; skipped without it) must decide as the numpy scan does wherever it does not decline.
Hand-derived cases pin what the audit must conclude (``x/x + x`` at 1e-200 cancels:
1 + 1e200 - 1e200; ``x - x`` does not).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import diffx
from diffx import engine, evaluation, magnitudes, precision, precision_scan

# the sweeps are called directly, outside the methods' numpy error state: the overflow and
# division warnings they raise are the extreme points under test
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

UNARY = ["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "asin", "atan",
         "sigmoid", "relu", "softplus", "-"]
BINARY = ["+", "-", "*", "/", "^", "max", "min"]
POINTS = [0.0, 1.0, -1.0, 0.5, 3.0, 1e-200, -1e-200, 1e200, -8e-175, 1e-16, 20.0, 1e-310,
          5e-324, 1e308, -400.0, 2.0**31, 1e-154]


@st.composite
def programs(draw):
    """A random straight-line program over x and y: shared names (a node with many
    contributions), repeated arguments (``t - t``, ``t/t``), huge and tiny constants."""
    names = ["x", "y"]
    lines = []
    for k in range(draw(st.integers(1, 14))):
        a = draw(st.sampled_from(names))
        if draw(st.booleans()):
            f = draw(st.sampled_from(UNARY))
            expr = f"-{a}" if f == "-" else f"{f}({a})"
        else:
            b = draw(st.sampled_from(names + [a, a, "0.5", "2", "0", "1e200", "1e-200"]))
            f = draw(st.sampled_from(BINARY))
            expr = f"{f}({a}, {b})" if f in ("max", "min") else f"{a} {f} {b}"
        lines.append(f"t{k} = {expr}")
        names.append(f"t{k}")
    lines.append(" + ".join(names[-draw(st.integers(1, 4)):]))
    return "\n".join(lines)


def _one_point(graph, at):
    """The values array and, per sweep, (D as float64, wrt, reverse); None where the values
    are not real floats."""
    vals, ns = evaluation.evaluate(graph, at, False)
    V = precision.values_array(graph, vals)
    if V.dtype != np.float64:
        return None
    wrt = tuple(graph.inputs)
    G, _ = evaluation.sweep(graph, vals, wrt, ns, False)
    sweeps = [(precision.floats(graph, G), wrt, True)]
    for w in wrt:
        try:
            T = engine.tangents(graph, vals, w, ns)
        except (ArithmeticError, ValueError):  # as diffx's forward method: numpy then
            with np.errstate(all="ignore"):
                T = engine.tangents(graph, [np.asarray(v) for v in vals], w, "numpy")
        sweeps.append((precision.floats(graph, T), (w,), False))
    return V, sweeps


def _reference_audit(graph, V, Dm, wrt, reverse):
    """diffx.precision.audit as it was with the whole-array scan (the reference)."""
    found, total, _ = precision._scan(graph, V, Dm, wrt, reverse)
    if not found:
        return None
    node, kind = max(found) if reverse else min(found)
    sizes = np.concatenate([total, np.abs(Dm), np.abs(V)])
    sizes = sizes[np.isfinite(sizes) & (sizes > 0)]
    span = float(np.log10(sizes.max()) - np.log10(sizes.min())) if sizes.size else 0.0
    return node, kind, min(int(span) + 1, precision.MAX_SPAN)


def _same_bits(a, b):
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


def _compare(src, x, y, chunk, monkeypatch):
    graph = diffx.parse(src)
    at = {k: v for k, v in {"x": x, "y": y}.items() if k in graph.input_nodes}
    if not at:
        return
    got = _one_point(graph, at)
    if got is None:
        return
    V, sweeps = got
    monkeypatch.setattr(precision_scan, "CHUNK", chunk)
    for Dm, wrt, reverse in sweeps:
        want_found, want_total, _ = precision._scan(graph, V, Dm, wrt, reverse)
        found, total = precision_scan.scan_point(graph, V, Dm, wrt, reverse)
        assert found == want_found, (src, x, y, reverse)
        assert _same_bits(total, want_total), (src, x, y, reverse)
        assert precision.audit(graph, V, Dm, wrt, reverse) == \
            _reference_audit(graph, V, Dm, wrt, reverse), (src, x, y, reverse)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.sampled_from(POINTS), st.sampled_from(POINTS),
       st.sampled_from([1, 2, 3, 1 << 16]))
def test_the_chunked_scan_equals_the_whole_array_scan(src, x, y, chunk):
    with pytest.MonkeyPatch.context() as monkeypatch:
        _compare(src, x, y, chunk, monkeypatch)


@pytest.mark.parametrize("chunk", [1, 2, 5, 1 << 16])
def test_many_contributions_into_one_node_are_summed_in_the_reference_order(chunk,
                                                                            monkeypatch):
    """x gets 40 contributions of sizes 10^-8 .. 10^8: any other order (a chunk's partial
    sum added at once, a sort by node) changes the last bits of the sum."""
    rng = np.random.default_rng(7)
    terms = [f"{c:.17g}*exp(x*{e:.17g})" for c, e in
             zip(10.0 ** rng.uniform(-8, 8, 40), rng.uniform(-1, 1, 40))]
    _compare(" + ".join(terms), 0.3, 0.0, chunk, monkeypatch)


@pytest.mark.parametrize("src, x", [
    ("a = x*1e308\nb = 1e308*x\na - b", 1.0),  # |1e308| + |-1e308| overflows: not a loss
    ("u = x - x\nv = u*u + x/x\nv*sin(x) - v", 1e-300),
    ("a = exp(x)\nb = log(a)\na/a - b + x*0", 700.0),
])
@pytest.mark.parametrize("chunk", [1, 1 << 16])
def test_extreme_programs_scan_as_the_reference(src, x, chunk, monkeypatch):
    _compare(src, x, 0.0, chunk, monkeypatch)


@pytest.mark.parametrize("src, x, want", [
    ("x/x + x", 1e-200, "cancellation"),        # 1 + 1e200 - 1e200: every digit lost
    ("relu(1.25)/(2/x)", -8e-175, "underflow"),  # the partial -out/y underflows
    ("tan(sinh(x))", 416.0, "periodic"),         # an argument of 1.1e180: its period lost
])
def test_the_known_losses_are_named(src, x, want):
    graph = diffx.parse(src)
    V, sweeps = _one_point(graph, {"x": x})
    Dm, wrt, reverse = sweeps[0]  # the reverse sweep
    found = precision.audit(graph, V, Dm, wrt, reverse)
    assert found is not None and found[1] == want, (src, found)


def test_opposite_contributions_from_one_node_are_forgiven_others_are_not():
    """d/dx of (x - x) is 1 - 1 = 0 exactly: nothing lost. In ``a - b`` with a = x*1e20 and
    b = x*1e20 built separately the zero is the same float, but its two terms come from two
    nodes: flagged (the audit cannot know their true sum is 0)."""
    same = diffx.parse("u = x - x\nu + 1e-300")
    V, sweeps = _one_point(same, {"x": 3.0})
    assert all(precision.audit(same, V, Dm, w, r) is None for Dm, w, r in sweeps)
    two = diffx.parse("a = x*1e20\nb = 1e20*x\na - b")
    V, sweeps = _one_point(two, {"x": 3.0})
    Dm, wrt, _ = sweeps[0]
    assert Dm[two.input_nodes["x"]] == 0.0
    assert precision.audit(two, V, Dm, wrt, True)[:2] == (two.input_nodes["x"], "cancellation")


def test_the_scan_keeps_only_int32_nodes_per_edge_group():
    graph = diffx.parse("a = x*y\nb = sin(a) + a\nb*b - x")
    groups = precision_scan.point_edges(graph, ("x", "y"))
    assert all(nodes.dtype == np.int32 for *_, nodes in groups)
    assert precision_scan.n_edges(graph, ("x", "y")) == precision._edges(graph, ("x", "y"))[0].size
    assert magnitudes.EXACT_PARTIALS >= set(precision_scan.LINEAR)


# ---------------------------------------------------------------- the compiled tier's scan

def _kernel_pass(graph, at):
    """Values and adjoints from the compiled tier (None where it does not run the point)."""
    from diffx import compiled

    if compiled.kernel() is None or not compiled.supports(graph, at):
        return None
    vals = compiled.forward(graph, at)
    adj = compiled.sweep(graph, vals, tuple(graph.inputs)) if vals is not None else None
    return None if adj is None else (vals, adj)


def _kernel_against_numpy(src, at):
    """The kernel's scan decides as the numpy scan or declines (None); True if it decided."""
    graph = diffx.parse(src)
    at = {k: v for k, v in at.items() if k in graph.input_nodes}
    got = _kernel_pass(graph, at) if at else None
    if got is None:
        return False
    vals, adj = got
    wrt = tuple(graph.inputs)
    V = precision.values_array(graph, vals)
    Dm = precision.floats(graph, adj)
    kernel = precision_scan.scan_kernel(graph, V, adj, wrt)
    if kernel is None:
        return False
    found, total = precision_scan.scan_point(graph, V, Dm, wrt, True)
    assert kernel[0] == found, (src, at)
    if found:
        digits = precision_scan.span(total, Dm, V)
        assert int(kernel[1]) == int(digits) and abs(kernel[1] - digits) < 1e-9, (src, at)
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.sampled_from(POINTS), st.sampled_from(POINTS))
def test_the_kernel_scan_decides_as_the_numpy_scan(src, x, y):
    pytest.importorskip("numba")
    _kernel_against_numpy(src, {"x": x, "y": y})


@pytest.mark.parametrize("src, x", [
    ("a = x*1e20\nb = 1e20*x\na - b + 1e-300*x", 3.0),  # cancellation at x
    ("u = x - x\nu*u + x", 2.0),                          # forgiven: nothing to find
    ("y = x*1e-200\ny*1e-200 + x", 0.5),                  # 1e-400: the product underflows
    ("relu(1.25)/(a/x)", -8e-175),
])
def test_the_kernel_scan_decides_the_clear_cases(src, x):
    pytest.importorskip("numba")
    assert _kernel_against_numpy(src, {"x": x, "a": 2.0})


def test_a_gradient_audited_in_the_kernel_adds_no_signature(monkeypatch):
    """A big graph with a real cancellation, the tier forced on: the kernel's scan names the
    node the numpy scan names, and runs with the signature warmed at load."""
    pytest.importorskip("numba")
    from diffx import compiled

    module = compiled.kernel()
    if module is None:
        pytest.skip("the compiled tier does not load here")
    before = list(module.audit.signatures)
    decided = []
    scan = precision_scan.scan_kernel
    monkeypatch.setattr(precision_scan, "scan_kernel",
                        lambda *a: decided.append(scan(*a)) or decided[-1])
    monkeypatch.setenv("DIFFX_COMPILED", "1")
    src = "\n".join(["s0 = x"] + [f"s{k} = sin(s{k - 1})*0.5 + x" for k in range(1, 600)]
                    + ["a = s599*1e20", "b = 1e20*s599", "a - b + 1e-300*s599"])
    graph = diffx.parse(src)
    result = diffx.grad(graph, at={"x": 0.3}, method="reverse")
    assert list(module.audit.signatures) == before
    assert decided and decided[0] is not None
    node = max(decided[0][0])[0]
    assert graph.describe(node).startswith("s599") and result.warnings


def test_the_kernel_scan_decides_steps_and_ieee_partials_at_extreme_points():
    """relu, abs, max and min (steps) and division (IEEE arithmetic) have partials numpy
    gives to the last bit: an underflowed partial there is decided in the kernel."""
    pytest.importorskip("numba")
    assert _kernel_against_numpy("relu(x)*1e-300 + max(x, 0)/(x*1e300)", {"x": 1e-10})
    assert _kernel_against_numpy("abs(x)/(x*x*1e300) + min(x, x)", {"x": 3e-5})
