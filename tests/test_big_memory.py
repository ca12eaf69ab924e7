"""What a one-point gradient's audits hold per node of a big program (the peak of
``diffx grad -f FILE --method reverse`` on 10^6 nodes): the value audit makes no index
array of the live nodes past its conditioning limit, the precision scan's transients do not
meet its per-node sums, and the reverse method's audits read the engine's values in place.
Memory is measured with tracemalloc (numpy reports its buffers to it), never with a clock.
"""

from __future__ import annotations

import math
import tracemalloc
from array import array

import numpy as np
import pytest

import diffx
from diffx import engine, evaluation, precision, precision_scan, value_audit, value_checks


def _logistic(steps: int, tail: str = "") -> str:
    lines = ["l0 = x"] + [f"l{k} = 3*l{k - 1}*(1 - l{k - 1})" for k in range(1, steps + 1)]
    return "\n".join(lines + ([tail] if tail else []))


def _traced_peak(fn):
    """``fn()``'s result and the most memory it held at once beyond what it started with."""
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = fn()
        return out, tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


def test_the_range_test_past_the_conditioning_limit_makes_no_index_of_the_live_nodes(
        monkeypatch):
    # 8 bytes a node (np.flatnonzero's int64), kept on the graph, was at the peak of a
    # 10^6-node gradient; read by mask a slice at a time, the test holds a slice
    monkeypatch.setattr(value_checks, "MAX_CONDITION_NODES", 1_000)
    monkeypatch.setattr(value_audit, "MAX_CONDITION_NODES", 1_000)
    monkeypatch.setattr(value_audit, "LIVE_SLICE", 512)
    monkeypatch.setattr(value_checks, "LIVE_SLICE", 512)
    g = diffx.parse(_logistic(10_000))
    vals, _ = evaluation.evaluate(g, {"x": 0.3}, False)
    V = precision.values_array(g, vals)
    g.reachable_from_output()  # (the graph's own liveness, cached: the sweep's set-up made it)
    found, peak = _traced_peak(lambda: value_audit.audit(g, V))
    assert found is None  # every value of the finite map is normal; too big to condition
    assert "value-audit-live" not in g._cache
    assert value_checks._live_count(g) == 3 * 10_000  # l*3, 1 - l, their product per step
    assert peak < 2 * g.size, f"{peak / g.size:.1f} bytes a node"


def test_the_range_test_by_slices_finds_the_fault(monkeypatch):
    # by hand: l2000 (about 0.67) * 1e308 is finite, times 10 it is not: the output, in the
    # last of the slices, is the first live node that overflowed at finite arguments
    monkeypatch.setattr(value_audit, "LIVE_SLICE", 512)
    g = diffx.parse(_logistic(2_000, "z = l2000*1e308*10"))
    vals, _ = evaluation.evaluate(g, {"x": 0.3}, False)
    V = precision.values_array(g, vals)
    assert math.isfinite(V[g.args(g.output)[0]]) and math.isinf(V[g.output])
    assert value_audit.range_faults(g, V) == (g.output, "overflow")


def test_the_scan_builds_its_edge_groups_before_its_sums(monkeypatch):
    # the groups' transients (bool masks, int64 indices) no longer meet the 8-byte sums:
    # the peak is the sums, the int32 groups (4 bytes an edge) and a chunk's temporaries
    monkeypatch.setattr(precision_scan, "CHUNK", 256)
    monkeypatch.setattr(engine, "PACK_NODES", 1)  # the values in array('d'), as at 10^6
    monkeypatch.setenv("DIFFX_COMPILED", "0")  # (the Python engine's sweep and its plan)
    g = diffx.parse(_logistic(20_000))
    vals, ns = evaluation.evaluate(g, {"x": 0.3}, False)
    adj, _ = evaluation.sweep(g, vals, ("x",), ns, False)
    V = precision.values_array(g, vals)
    Dm = evaluation.packed_view(adj, g.output + 1)
    precision_scan.swept_codes(g, ("x",))  # (the engine's plan, cached: the sweep made it)
    assert "audit-point-edges" not in str(list(g._cache))
    (found, total), peak = _traced_peak(
        lambda: precision_scan.scan_point(g, V, Dm, ("x",), True))
    edges = precision_scan.n_edges(g, ("x",))
    assert found == [] and total.size == g.output + 1
    assert edges == 4 * 20_000  # 3*l: one edge; 1 - l: one; the product: two
    held = 8 * total.size + 4 * edges  # what stays: the sums and the groups
    assert peak < held + 2 * g.size, f"{(peak - held) / g.size:.1f} bytes a node on top"


def test_the_reverse_audits_read_the_engines_values_in_place(monkeypatch):
    seen = []
    audit = precision.audit

    def spy(graph, V, D, wrt, reverse):
        seen.append(V)
        return audit(graph, V, D, wrt, reverse)

    monkeypatch.setattr(precision, "audit", spy)
    monkeypatch.setenv("DIFFX_COMPILED", "0")
    monkeypatch.setattr(engine, "PACK_NODES", 1)  # the values in array('d'), as at 10^6
    r = diffx.grad(_logistic(300), at={"x": 0.3}, method="reverse")
    (V,) = seen
    packed = V.base.obj  # (np.frombuffer's view: a memoryview of the engine's array)
    assert isinstance(packed, array) and packed.typecode == "d" and len(packed) == V.size
    assert not V.flags.owndata and not V.flags.writeable
    assert V.size == 3 * 300 + 3  # x, 3, 1 and three a step: no slot after the values
    assert np.array_equal(V, np.asarray(r.details.values))
    # the gradient is the hand recurrence's: d l_k = 3 (1 - 2 l_{k-1}) d l_{k-1}
    l, d = 0.3, 1.0
    for _ in range(300):
        l, d = 3 * l * (1 - l), 3 * (1 - 2 * l) * d
    assert r.gradient["x"] == pytest.approx(d, rel=1e-9)


@pytest.mark.parametrize("src, at", [
    ("x/x + x", {"x": 1e-200}),  # cancellation: 1 + 1e200 - 1e200
    ("relu(1.25)/(a/x)", {"x": -8e-175, "a": 1.0}),  # underflow of a product
    ("tan(sinh(x))", {"x": 416.0}),  # a periodic argument past 2^30
    ("x*1e30 + y*1e-30 - x*1e30", {"x": 3.0, "y": 7.0}),
])
def test_the_view_and_the_copy_give_the_same_audit(src, at, monkeypatch):
    # the view has no slot of 1 after the values; the scan's span takes that 1 as a
    # constant, so the node, the kind and the digits are the copy's
    monkeypatch.setattr(engine, "PACK_NODES", 1)
    g = diffx.parse(src)
    vals, ns = evaluation.evaluate(g, at, False)
    view = precision.values_view(g, vals)
    assert view is not None  # the engine's packed values
    copy = precision.values_array(g, vals)
    assert view.size == copy.size - 1 and copy[-1] == 1.0
    wrt = tuple(g.inputs)
    adj, _ = evaluation.sweep(g, vals, wrt, ns, False)
    got = precision.audit(g, view, adj, wrt, True)
    assert got == precision.audit(g, copy, adj, wrt, True)
    assert got is not None  # each of these loses digits in the float sweep

