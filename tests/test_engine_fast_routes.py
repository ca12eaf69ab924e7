"""Route counts past the exact range (counts._count_log, which leaves the constants' routes
out) against the full backward pass over every edge, and the logarithm against an exact
count."""

from __future__ import annotations

import math

from hypothesis import given, settings

import diffx
from diffx import counts, tier_slot

from test_engine_fast_plan import programs


def _full_log_pass(graph: diffx.Graph) -> dict[str, float]:
    """The definition: every node passes log10 of its routes to each argument it uses."""
    a, b, out = graph.a, graph.b, graph.output
    L = [-math.inf] * len(a)
    L[out] = 0.0
    for i in range(out, -1, -1):
        r = L[i]
        if r == -math.inf or a[i] < 0:
            continue
        for arg in ((a[i],) if b[i] < 0 else (a[i], b[i])):
            cur = L[arg]
            if cur == -math.inf:
                L[arg] = r
            elif cur >= r:
                L[arg] = cur + math.log10(1.0 + 10.0 ** (r - cur)) if r - cur > -30 else cur
            else:
                L[arg] = r + math.log10(1.0 + 10.0 ** (cur - r)) if cur - r > -30 else r
    return {name: L[node] for name, node in graph.input_nodes.items()}


@settings(max_examples=200, deadline=None)
@given(programs())
def test_log_counts_match_the_full_pass_bit_for_bit(source: str) -> None:
    graph = diffx.parse(source)
    got = {w: log for w, (_, log) in counts._count_log(graph)[0].items()}
    assert got == _full_log_pass(graph)


def test_log_counts_of_a_deep_traced_loop() -> None:
    steps = 5000  # x = 3*x*(1 - x): x used twice a step, 2**5000 routes (past the exact range)
    graph = diffx.trace(lambda x: _logistic(x, steps), x=0.3)
    exact, log10 = counts.count_routes(graph)["x"]
    assert exact is None
    assert log10 == _full_log_pass(graph)["x"]
    assert math.isclose(log10, steps * math.log10(2), rel_tol=1e-12)


def test_log_counts_with_constant_only_nodes() -> None:
    graph = diffx.parse("c = 2 * 3\nd = c * x + exp(2) * x\nf = d * d + c")
    got = {w: log for w, (_, log) in counts._count_log(graph)[0].items()}
    assert got == _full_log_pass(graph)
    assert math.isclose(10 ** got["x"], counts._count_exact(graph)["x"][0])


def _logistic(x, steps):
    for _ in range(steps):
        x = 3.0 * x * (1 - x)
    return x


@settings(max_examples=200, deadline=None)
@given(programs())
def test_the_compiled_tiers_log_counts_are_the_same_bit_for_bit(source: str) -> None:
    """Where the tier is loaded its loop counts (here on small graphs too): the same
    operations in the same order as the Python loop and the definition."""
    import pytest

    pytest.importorskip("numba")
    from diffx import compiled

    if compiled.kernel() is None:
        pytest.skip("the compiled kernel cannot be built here")
    graph = diffx.parse(source)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tier_slot, "MIN_NODES", 0)
        got = {w: log for w, (_, log) in counts._count_log(graph)[0].items()}
    assert got == _full_log_pass(graph)


def test_the_compiled_tier_counts_a_deep_loop_as_python_does() -> None:
    import pytest

    pytest.importorskip("numba")
    from diffx import compiled

    if compiled.kernel() is None:
        pytest.skip("the compiled kernel cannot be built here")
    graph = diffx.trace(lambda x: _logistic(x, 5000), x=0.3)
    assert graph.output >= tier_slot.MIN_NODES
    assert counts._count_log(graph)[0]["x"][1] == _full_log_pass(graph)["x"]


def test_where_the_tier_counts_first_the_counts_are_those_of_the_exact_pass() -> None:
    """With the tier loaded the logarithms come first and the exact pass runs only where it
    may succeed: just below, at and just above 2**4096 routes (and where only a node of
    constants passes that many on), the counts are those of the pure-Python passes."""
    import pytest

    pytest.importorskip("numba")
    from diffx import compiled

    if compiled.kernel() is None:
        pytest.skip("the compiled kernel cannot be built here")
    for steps in (4094, 4095, 4096, 4097, 4098):
        for extra in ("", " + 0*(2*3)"):
            lines = ["d0 = x"] + [f"d{k + 1} = d{k} + d{k}" for k in range(steps)]
            graph = diffx.parse("\n".join(lines) + extra)
            assert graph.output >= tier_slot.MIN_NODES
            fresh = diffx.parse(graph.source)
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(tier_slot, "MIN_NODES", 10**9)  # the pure-Python passes
                want = counts.count_routes(fresh)
            got = counts.count_routes(graph)
            assert got == want, steps
            assert (got["x"][0] is None) == (steps > 4096)  # d1 passes on 2**(steps-1)
