"""The structure passes a one-shot gradient runs after parsing (active codes, sweep plan,
liveness, route counts), rewritten for speed, give exactly what the straightforward passes
give: compared with reference implementations (the earlier code, kept here as the oracle) on
random programs, and the route counts with exact integer counting."""

from __future__ import annotations

import math
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

import diffx
from diffx import counts, engine
from diffx.ops import CONST, INPUT
from diffx.parser import parse_text
from test_parse_fast import random_program


def active_reference(graph, wrt):
    n = len(graph.op)
    active = bytearray(n)
    for w in wrt:
        active[graph.input_nodes[w]] = 1
    codes = bytearray(n)
    edges = 0
    for i, code, a, b in zip(range(n), graph.op, graph.a, graph.b):
        if code <= CONST:
            continue
        mask = (1 if active[a] else 0) | (2 if b >= 0 and active[b] else 0)
        if mask:
            active[i] = 1
            codes[i] = 4 * code + mask
            edges += (mask & 1) + (mask >> 1)
    return codes, edges


def plan_reference(graph, wrt):
    codes, _ = active_reference(graph, wrt)
    a, b = graph.a, graph.b
    written = bytearray(len(a))
    written[graph.output] = 1
    ids, variants, plan = {}, [(0, 0, 0)], bytearray(len(a))
    for i in range(graph.output, -1, -1):
        c = codes[i]
        if not c or not written[i]:
            continue
        active, assign = c & 3, 0
        if active & 1 and not written[a[i]]:
            assign |= 1
            written[a[i]] = 1
        if active & 2 and not written[b[i]]:
            assign |= 2
            written[b[i]] = 1
        variant = (c >> 2, active, assign)
        vid = ids.get(variant)
        if vid is None:
            vid = ids[variant] = len(variants)
            variants.append(variant)
        plan[i] = vid
    order = [vid for vid, _ in Counter(plan).most_common() if vid]
    return plan, variants, order


def live_reference(graph):
    live = bytearray(len(graph.op))
    live[graph.output] = 1
    for i in range(graph.output, -1, -1):
        if live[i]:
            for x in graph.args(i):
                live[x] = 1
    return live


def routes_reference(graph):
    """Routes by exact integers over the whole graph (no cut-off)."""
    R = [0] * len(graph.op)
    R[graph.output] = 1
    for i in range(graph.output, -1, -1):
        for x in graph.args(i):
            R[x] += R[i]
    return {name: R[node] for name, node in graph.input_nodes.items()}


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_passes_match_the_reference(seed):
    try:
        g = parse_text(random_program(seed))
    except Exception:
        return  # an invalid random program: nothing to compare
    for wrt in (tuple(g.inputs), tuple(g.inputs[:1])):
        assert engine._active_codes(g, wrt) == active_reference(g, wrt)
        assert engine._sweep_plan(g, wrt) == plan_reference(g, wrt)
    assert g.reachable_from_output() == live_reference(g)
    assert g.n_ops == sum(1 for code in g.op if code > CONST)
    assert g.n_evaluated == sum(1 for code in g.op[: g.output + 1] if code > CONST)
    assert g.n_edges == sum(len(g.args(i)) for i in range(len(g)))
    exact = routes_reference(g)
    for name, (count, log10) in counts.count_routes(g).items():
        assert count == exact[name]
        assert log10 == (math.log10(exact[name]) if exact[name] else -math.inf)


def test_log_route_counts_match_exact_counting():
    """Past 2**4096 routes the counts are logarithms: the logistic map has 2^n routes after n
    steps, checked against the exact integer's logarithm."""
    steps = 5000
    g = diffx.parse("\n".join(["l0 = x"] + [f"l{k + 1} = 4*l{k}*(1 - l{k})"
                                             for k in range(steps)]))
    count, log10 = counts.count_routes(g)["x"]
    assert count is None
    exact = routes_reference(g)["x"]
    assert exact == 2**steps
    assert abs(log10 - steps * math.log10(2)) < 1e-9 * steps


def test_names_are_the_first_assigned():
    """Graph.name answers its first look-ups by a scan and later ones from a table: the
    same first name either way."""
    g = diffx.parse("a = x*y; b = a; c = a + 1; d = c*c")
    first = [g.name(i) for i in range(len(g))]
    for _ in range(40):  # past the scanned look-ups: the table answers
        g.name(0)
    assert [g.name(i) for i in range(len(g))] == first
    names = {}
    for name, node in g.assigned.items():
        names.setdefault(node, name)
    assert first == [g.input_name(i) if g.op[i] == INPUT else names.get(i)
                     for i in range(len(g))]
