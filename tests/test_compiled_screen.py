"""The compiled tier's precision screen (``compiled.screen``) against the full audit.

After a one-point sweep by the kernel, the screen decides whether the precision audit
(:func:`diffx.precision.audit`) needs to run at all. Its promise is one-sided: where it says
nothing could be flagged, the full audit (run here on the same values as plain lists, which
bypasses the screen) finds nothing. Each known kind of loss is also shown to pass it: a
cancellation, an underflowed product, a lost partial and a periodic argument, whose lost
digits are hand-checked or checked by mpmath at 50 digits.
"""

from __future__ import annotations

import math


import mpmath
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import diffx
from diffx import exact, precision, value_audit

pytest.importorskip("numba")

from diffx import compiled  # noqa: E402
from test_compiled_tier import programs  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def kernel_loaded():
    if compiled.kernel() is None:
        pytest.skip("the compiled kernel cannot be built here")


def swept(src: str, point: dict[str, float], wrt: tuple[str, ...]):
    graph = diffx.parse(src)
    vals = compiled.forward(graph, point)
    if vals is None:
        return None
    adj = compiled.sweep(graph, vals, wrt)
    return None if adj is None else (graph, vals, adj)


def full_audit(graph, vals, adj, wrt):
    """The audit on plain lists: no compiled marks, so the screen is not consulted."""
    V = exact.point_values(graph, list(vals))
    return precision.audit(graph, V, list(adj), wrt, True)


POINTS = [0.0, 0.5, -0.5, 1.0, 2.0, 0.3, 1e-200, -1e-170, 1e200, 1e16, 416.0, 3e8]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.sampled_from(POINTS), st.sampled_from(POINTS + [-3.0, 1e-300]))
def test_a_clear_screen_means_the_audit_finds_nothing(src, x, y):
    graph = diffx.parse(src)
    wrt = tuple(graph.input_nodes)
    done = swept(src, {"x": x, "y": y}, wrt)
    if done is None:  # not finite: the pure-Python engine reports it, unscreened
        return
    graph, vals, adj = done
    V = exact.point_values(graph, vals)
    if not compiled.screen(graph, V, adj, wrt):
        assert full_audit(graph, vals, adj, wrt) is None


@pytest.mark.parametrize("src, at, kind", [
    # the adjoint of x is 1 + 1e200 - 1e200: 0 in floats, 1 in truth (hand-derived)
    ("x/x + x", {"x": 1e-200}, "cancellation"),
    # d/dx of a product whose factors' product underflows: 1e-200 * 1e-200 is 0
    ("(x*1e-200)*1e-200 + 1", {"x": 1.0}, "underflow"),
    # tanh' = 1/cosh(x)^2 underflows to 0 at 400 (truly 4*exp(-800), 1.2e-347)
    ("tanh(x)", {"x": 400.0}, "underflow"),
    # tan of a computed argument past 2^30: its rounding error is not small against the period
    ("tan(sinh(x))", {"x": 416.0}, "periodic"),
])
def test_each_kind_of_loss_passes_the_screen(src, at, kind):
    done = swept(src, at, ("x",))
    assert done is not None
    graph, vals, adj = done
    V = exact.point_values(graph, vals)
    found = full_audit(graph, vals, adj, ("x",))
    assert found is not None and found[1] == kind
    assert compiled.screen(graph, V, adj, ("x",))


def test_tanh_slope_recovered_through_the_compiled_tier(monkeypatch):
    """A big graph whose derivative the float sweep loses (tanh' underflows): with the tier
    on, the screen sends it to the audit, and the exact re-run gives mpmath's value."""
    src = "\n".join(["s0 = 0"] + [f"s{k} = s{k - 1} + {k}e-9*x" for k in range(1, 400)]
                    + ["tanh(x) + s399"])
    graph = diffx.parse(src)
    assert graph.output >= 1000
    monkeypatch.setenv("DIFFX_COMPILED", "1")
    got = diffx.grad(graph, at={"x": 400.0}, method="reverse")["x"]
    monkeypatch.setenv("DIFFX_COMPILED", "0")
    want_python = diffx.grad(graph, at={"x": 400.0}, method="reverse")["x"]
    mpmath.mp.dps = 60
    x = mpmath.mpf(400)
    want = 1 / mpmath.cosh(x) ** 2 + sum(mpmath.mpf(k) * mpmath.mpf("1e-9")
                                           for k in range(1, 400))
    assert got == want_python
    assert abs(got - float(want)) <= 1e-15 * abs(float(want))


def test_the_logistic_map_gradient_is_the_same_with_and_without_the_tier(monkeypatch):
    """r = 3 at 3,000 steps: the tier's gradient (screen clear, no audit) equals the
    pure-Python engine's (audited) to the last bit, with the same warnings."""
    steps = 3000
    src = "\n".join(["l0 = x"] + [f"l{k} = 3*l{k - 1}*(1 - l{k - 1})"
                                    for k in range(1, steps + 1)])
    graph = diffx.parse(src)
    results = {}
    for mode in ("1", "0"):
        monkeypatch.setenv("DIFFX_COMPILED", mode)
        r = diffx.grad(graph, at={"x": 0.3}, method="reverse")
        results[mode] = (r["x"].hex(), r.value.hex(), r.warnings)
    assert results["1"] == results["0"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.sampled_from(POINTS), st.sampled_from(POINTS + [-3.0, 1e-300]))
def test_the_error_recurrence_in_the_kernel_is_the_python_loop(src, x, y):
    """value_audit.conditioning: the kernel's loop (partials from the op table, in the
    kernel's own math) flags the same node as the Python loop over numpy's partials, with the
    same estimated error to rounding."""
    graph = diffx.parse(src)
    vals = compiled.forward(graph, {"x": x, "y": y})
    if vals is None:
        return
    V = exact.point_values(graph, vals)
    saved = value_audit.KERNEL_NODES
    try:
        value_audit.KERNEL_NODES = 0
        got = value_audit.conditioning(graph, V)
    finally:
        value_audit.KERNEL_NODES = saved
    value_audit.KERNEL_NODES, kernel = 0, compiled._kernel
    try:
        compiled._kernel = None  # (not loaded: the Python loop)
        want = value_audit.conditioning(graph, V)
    finally:
        compiled._kernel, value_audit.KERNEL_NODES = kernel, saved
    if want is None:
        assert got is None
    else:
        assert got is not None and got[0] == want[0]
        assert got[1] == pytest.approx(want[1], rel=1e-12) or got[1] == want[1]


def test_the_error_recurrence_flags_the_logistic_map_as_python_does():
    """3,000 steps of the logistic map at r = 3 (9,000 live ops, the kernel's loop): the
    bound multiplies by 3 per step (|3(1 - l)| + |3l|), so 1 - l18 is the first node past
    2^-23 in both loops."""
    src = "\n".join(["l0 = x"] + [f"l{k} = 3*l{k - 1}*(1 - l{k - 1})" for k in range(1, 3001)])
    graph = diffx.parse(src)
    V = exact.point_values(graph, compiled.forward(graph, {"x": 0.3}))
    got = value_audit.conditioning(graph, V)
    kernel = compiled._kernel
    try:
        compiled._kernel = None
        want = value_audit.conditioning(graph, V)
    finally:
        compiled._kernel = kernel
    assert got is not None and got == want
    assert got[1] > value_audit.CONDITION_LIMIT
    # node 58 is 1 - l18: l0 = x (0), the literal 3 (1), 1 (2), then three ops per step
    assert got[0] == 3 + 3 * 18 + 1 and graph.op_of(got[0]).name == "sub"


def test_a_results_values_and_adjoints_are_lists_with_the_tier_as_without(monkeypatch):
    """The tier keeps values and adjoints in float64 arrays, but a result's details give
    the lists the pure-Python engine gives: equal element for element (float.hex), JSON
    serialisable, comparable with a list."""
    import json

    src = "\n".join(["l0 = x"] + [f"l{k} = 3*l{k - 1}*(1 - l{k - 1})" for k in range(1, 1001)])
    graph = diffx.parse(src)
    got = {}
    for mode in ("1", "0"):
        monkeypatch.setenv("DIFFX_COMPILED", mode)
        d = diffx.grad(graph, at={"x": 0.3}, method="reverse").details
        assert type(d.values) is list and type(d.adjoints) is list
        assert json.loads(json.dumps(d.values)) == d.values
        got[mode] = ([v.hex() for v in d.values], [a.hex() for a in d.adjoints])
    assert got["1"] == got["0"]


def _report(src: str, point: dict[str, float]) -> tuple[str, str, list[str]]:
    r = diffx.grad(src, at=point, method="reverse")
    return repr({w: float(g).hex() for w, g in r.gradient.items()}), repr(r.value), r.warnings


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.sampled_from(POINTS + [700.0, -800.0]),
       st.sampled_from(POINTS + [-3.0, 1e-300, 1e-310]))
def test_the_gradient_and_its_warnings_are_the_same_with_and_without_the_tier(src, x, y):
    """Small graphs sent through the tier (its size thresholds lowered): where the kernel's
    forward pass finds every value finite and normal the value audit's range pass is skipped,
    and the sweep screens as it goes; the report (derivatives to the last bit, f's value,
    every warning, the exact re-runs' included) is the pure-Python engine's."""
    from diffx import evaluation

    inputs = diffx.parse(src).inputs
    point = {k: v for k, v in (("x", x), ("y", y)) if k in inputs}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DIFFX_COMPILED", "0")
        want = _report(src, point)
        mp.setenv("DIFFX_COMPILED", "1")
        mp.setattr(evaluation, "MIN_COMPILED", 0)
        mp.setattr(compiled, "MIN_NODES", 0)
        assert _report(src, point) == want


def _chaotic(step: str, steps: int = 1100) -> str:
    return "\n".join(["l0 = x"] + [f"l{k} = " + step.replace("l", f"l{k - 1}")
                                    for k in range(1, steps + 1)])


@pytest.mark.parametrize("step, plain", [
    ("4*l*(1 - l)", True),  # add, sub, mul: the kernel's inf and nan stand
    ("4*sqrt(l*l)*(1 - l)", False),  # sqrt: the pure-Python engine redoes the sweep
])
def test_an_adjoint_that_overflows_inside_the_graph(monkeypatch, step, plain):
    """The chaotic logistic map (r = 4): its values stay in [0, 1] but the adjoints double
    each step, past the largest double after about 1,024 steps, inside the graph (the input's
    own adjoint is not finite either). Where the graph's arithmetic is plain the kernel's
    sweep is the pure-Python engine's to the last bit and is kept, else the kernel hands
    the sweep back; either way the report is the pure-Python engine's: the derivative is
    not finite, with its warnings."""
    from diffx import engine

    graph = diffx.parse(_chaotic(step))
    vals = compiled.forward(graph, {"x": 0.3})
    assert vals is not None  # the values are finite
    adj = compiled.sweep(graph, vals, ("x",))
    if plain:
        assert adj is not None and adj.screened  # audited in full, as without the tier
        python = engine.sweep(graph, list(vals), ("x",), "math", arrays=False)
        assert [v.hex() for v in adj] == [float(v).hex() for v in python]
        assert not math.isfinite(adj[graph.input_nodes["x"]])
    else:
        assert adj is None
    results = {}
    for mode in ("1", "0"):
        monkeypatch.setenv("DIFFX_COMPILED", mode)
        r = diffx.grad(graph, at={"x": 0.3}, method="reverse")
        results[mode] = (repr(r["x"]), r.value.hex(), r.warnings)
    assert results["1"] == results["0"]
    assert results["0"][2]  # told why
