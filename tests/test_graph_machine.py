"""The graph's set-up passes in machine code (diffx.graph_machine: the output's liveness and
the sweep's active codes) give the answers of the loops that define them, on random graphs:
run as plain Python (the module standing in for the kernel) and as the kernel compiled by
numba, on graphs with int64 and int32 index arrays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import diffx
from diffx import graph_machine, node_arrays, ops, parse_big, parse_machine, sweep_plan
from diffx import tier_slot
from test_engine_fast_plan import programs


def kernels():
    out = [pytest.param(graph_machine, id="python")]
    from diffx import compiled

    kernel = compiled.kernel()
    out.append(pytest.param(kernel, id="compiled", marks=pytest.mark.skipif(
        kernel is None, reason="numba cannot build the kernel here")))
    return out


@pytest.fixture(scope="module", params=kernels())
def kernel(request):
    return request.param


def graphs(source: str) -> list[diffx.Graph]:
    """The program's graph as the parser builds it, and as the machine parser does (its
    index arrays are int32)."""
    out = [diffx.parse(source)]
    with np.errstate(all="ignore"):
        parsed = parse_big.parse(source, parse_machine.parse_program)
    if parsed is not None:
        out.append(parsed)
    return out


def _live(graph: diffx.Graph) -> list[int]:
    """The nodes the output depends on, by a backward pass written out here."""
    live, stack = {graph.output}, [graph.output]
    while stack:
        i = stack.pop()
        for arg in (graph.a[i], graph.b[i]):
            if arg >= 0 and arg not in live:
                live.add(arg)
                stack.append(arg)
    return sorted(live)


def _with(kernel, fn, *args):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tier_slot, "kernel", kernel)
        mp.setattr(tier_slot, "MIN_NODES", 0)
        return fn(*args)


@settings(max_examples=200, deadline=None)
@given(st.one_of(programs(), programs(all_used=True)))
def test_liveness_is_the_backward_passs(kernel, source: str) -> None:
    for graph in graphs(source):
        got = _with(kernel, node_arrays.all_used, graph)
        hi = graph.output + 1
        used = {arg for i in range(hi) for arg in (graph.a[i], graph.b[i]) if arg >= 0}
        assert (got is not None) == (hi >= 2 and set(range(hi - 1)) <= used), source
        if got is not None:
            assert [i for i, flag in enumerate(got) if flag] == _live(graph) == list(range(hi))
        assert got == _with(None, node_arrays.all_used, graph)  # the numpy passes


@settings(max_examples=200, deadline=None)
@given(programs(), st.sampled_from([("x",), ("y",), ("x", "y"), ()]))
def test_active_codes_are_the_forward_loops(kernel, source: str, wrt: tuple[str, ...]) -> None:
    for graph in graphs(source):
        w = tuple(name for name in wrt if name in graph.inputs)
        codes, edges = _with(kernel, sweep_plan._active_machine, graph, w)
        want_codes, want_edges = sweep_plan._active_loop(graph, w)
        assert (bytes(codes), edges) == (bytes(want_codes), want_edges), source


def test_a_node_of_constants_is_not_active(kernel) -> None:
    """2*3 depends on no input (code 0), and x*(2*3) has x active on its first side only."""
    graph = diffx.parse("c = 2 * 3\nf = x * c")
    codes, edges = _with(kernel, sweep_plan._active_machine, graph, ("x",))
    c, f = graph.assigned["c"], graph.assigned["f"]
    assert codes[c] == 0 and codes[f] == 4 * graph.op[f] + 1 and edges == 1


def test_the_machine_files_op_codes_are_the_op_tables() -> None:
    assert graph_machine.CONST_OP == ops.CONST
    assert (parse_machine.INPUT_CODE, parse_machine.CONST_CODE) == (ops.INPUT, ops.CONST)
