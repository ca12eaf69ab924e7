"""The memory-saving forms of a one-point gradient give what the plain forms give, bit for bit:
forward values and adjoints packed in ``array('d')`` (engine.packs) against lists of floats,
and the sweep plan's numpy passes in many small chunks against the loop that defines the plan.
"""

from __future__ import annotations

import os
import struct
from array import array
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import diffx
from diffx import engine, evaluation, sweep_plan
from test_engine_fast_plan import programs as fast_plan_programs

@pytest.fixture(autouse=True, scope="module")
def _pure_python_engine() -> Iterator[None]:
    """The engine's own paths: the compiled tier (loaded once enough nodes went through the
    process, as in the full suite) would take the bigger programs here."""
    old = os.environ.get("DIFFX_COMPILED")
    os.environ["DIFFX_COMPILED"] = "0"  # read by diffx.compiled.worth_it on each call
    yield
    if old is None:
        del os.environ["DIFFX_COMPILED"]
    else:
        os.environ["DIFFX_COMPILED"] = old


PROGRAMS = [
    ("x*x*x", {"x": 2.0}),
    ("l1 = 4*x*(1 - x)\nl2 = 4*l1*(1 - l1)", {"x": 0.3}),
    pytest.param("\n".join(["l0 = x"] + [f"l{k + 1} = 4*l{k}*(1 - l{k})" for k in range(600)]),
                 {"x": 0.3}, id="logistic-600"),  # the adjoint overflows: warnings
    ("sqrt(x - x)", {"x": 1.5}),  # cancelled infinities: forward mode's value
    ("sqrt(relu(x))", {"x": -1.0}),  # strong zeros: the careful sweep
    ("log(x) + y", {"x": -1.0, "y": 2.0}),  # math raises: the numpy path
    ("max(x, y) * min(x, y) + abs(x - y)", {"x": 0.5, "y": 0.5}),  # kinks
    ("(x + 1e16) - 1e16", {"x": 0.1}),  # cancellation: the precision audit
    ("exp(x) * 0", {"x": 800.0}),  # overflow times zero
    ("x^y + tanh(y) / x", {"x": 1.7, "y": -0.4}),
]


def _bits(v: Any) -> Any:
    """A value compared bit for bit (nan equal to nan, -0.0 apart from 0.0)."""
    if isinstance(v, float):
        return struct.pack("<d", v)
    if isinstance(v, dict):
        return {k: _bits(x) for k, x in v.items()}
    if v is None or isinstance(v, str | int):
        return v
    if hasattr(v, "dtype"):  # numpy's (the numpy path's values)
        return str(v.dtype), np.asarray(v).tobytes()
    return [_bits(x) for x in v]


def _grad(source: str, at: dict[str, float], packed: bool, monkeypatch: Any) -> Any:
    # packed: every size packs (the default packs from PACK_NODES nodes); else none does
    monkeypatch.setattr(engine, "PACK_NODES", 0)
    monkeypatch.setattr(engine, "packs", engine.packs if packed else lambda *a: False)
    return diffx.grad(diffx.parse(source), at=at, method="reverse")


@pytest.mark.parametrize("source,at", PROGRAMS)
def test_packed_values_give_the_list_results(source: str, at: dict[str, float],
                                             monkeypatch: Any) -> None:
    packed = _grad(source, at, True, monkeypatch)
    plain = _grad(source, at, False, monkeypatch)
    assert packed.ok and plain.ok
    assert isinstance(plain.details.values, list)
    assert _bits(packed.gradient) == _bits(plain.gradient)
    assert _bits(packed.value) == _bits(plain.value)
    assert packed.warnings == plain.warnings
    assert _bits(packed.details.values) == _bits(plain.details.values)
    assert _bits(packed.details.adjoints) == _bits(plain.details.adjoints)
    assert packed.cost == plain.cost


def test_values_are_packed_and_right(monkeypatch: Any) -> None:
    # hand-derived: l1 = 4x(1-x) = 0.84 at 0.3; l2 = 4 l1 (1 - l1); dl2/dx = (4 - 8 l1)(4 - 8x)
    monkeypatch.setattr(engine, "PACK_NODES", 0)
    source = "l1 = 4*x*(1 - x)\nl2 = 4*l1*(1 - l1)"
    vals, _ = evaluation.evaluate(diffx.parse(source), {"x": 0.3}, False)
    assert isinstance(vals, array)  # what the engine keeps
    result = diffx.grad(source, at={"x": 0.3}, method="reverse")
    assert type(result.details.values) is list  # what a reader gets
    assert type(result.details.adjoints) is list
    l1 = 4 * 0.3 * (1 - 0.3)
    assert result.value == pytest.approx(4 * l1 * (1 - l1), rel=1e-15)
    assert result.gradient["x"] == pytest.approx((4 - 8 * l1) * (4 - 8 * 0.3), rel=1e-14)
    # the input's shown adjoint is its reported derivative
    graph = diffx.parse("l1 = 4*x*(1 - x)\nl2 = 4*l1*(1 - l1)")
    assert result.details.adjoints[graph.input_nodes["x"]] == result.gradient["x"]


def test_what_is_not_packed(monkeypatch: Any) -> None:
    graph = diffx.parse("y = x*x + 1\nunused = sin(x)\nout = y")
    graph_used = diffx.parse("y = x*x\nout = y + 1")
    assert not engine.packs(graph_used, {"x": 2.0}, "math")  # small graphs keep lists
    monkeypatch.setattr(engine, "PACK_NODES", 0)
    assert not engine.packs(graph_used, {"x": 2}, "math")  # an int stays an int in a list
    assert not engine.packs(graph_used, {"x": 2.0}, "numpy")
    assert engine.packs(graph_used, {"x": 2.0}, "math")
    assert graph.output != len(graph.op) - 1  # a statement after the output has no value
    assert not engine.packs(graph, {"x": 2.0}, "math")
    found = diffx.grad(graph, at={"x": 2.0}, method="reverse")
    assert isinstance(found.details.values, list) and found.details.values[-1] is None
    assert found.value == 5.0 and found.gradient["x"] == 4.0
    ints = diffx.grad("x^3 + x", at={"x": 2}, method="reverse")  # read as the float 2.0
    assert ints.value == 10.0 and ints.gradient["x"] == 13.0


def programs() -> st.SearchStrategy[str]:
    """Straight-line programs over x and y whose output uses every statement (the packed
    path needs the output to be the last node)."""
    return fast_plan_programs(statements=15, all_used=True)


@settings(max_examples=150, deadline=None)
@given(programs(), st.integers(1, 9), st.sampled_from([("x",), ("y",), ("x", "y")]))
def test_plan_in_small_chunks_matches_the_loop(source: str, chunk: int,
                                               wrt: tuple[str, ...]) -> None:
    graph = diffx.parse(source)
    wrt = tuple(w for w in wrt if w in graph.inputs)
    codes, _ = sweep_plan._active_loop(graph, wrt)
    old = sweep_plan._CHUNK
    sweep_plan._CHUNK = chunk
    try:
        found = sweep_plan._plan_arrays(graph, codes)
    finally:
        sweep_plan._CHUNK = old
    if found is not None:
        plan, variants = sweep_plan._plan_loop(graph, codes)
        assert (list(found[0]), found[1]) == (list(plan), variants)


@settings(max_examples=100, deadline=None)
@given(programs(), st.floats(-3, 3), st.floats(-3, 3))
def test_packed_random_programs(source: str, x: float, y: float) -> None:
    graph = diffx.parse(source)
    at = {k: v for k, v in (("x", x), ("y", y)) if k in graph.inputs}
    real, size = engine.packs, engine.PACK_NODES
    engine.PACK_NODES = 0  # every size packs
    try:
        packed = diffx.grad(graph, at=at, method="reverse")
        engine.packs = lambda *a: False  # type: ignore[assignment]
        plain = diffx.grad(diffx.parse(source), at=at, method="reverse")
    finally:
        engine.packs, engine.PACK_NODES = real, size  # type: ignore[assignment]
    assert packed.ok == plain.ok
    if packed.ok:
        assert _bits(packed.gradient) == _bits(plain.gradient)
        assert packed.warnings == plain.warnings
        assert _bits(packed.details.adjoints) == _bits(plain.details.adjoints)


def test_plan_in_chunks_on_a_long_program() -> None:
    graph = diffx.parse("\n".join(["l0 = x"] + [f"l{k + 1} = 4*l{k}*(1 - l{k}) + sin(l{k})"
                                                 for k in range(300)]))
    codes, _ = sweep_plan._active_loop(graph, ("x",))
    old = sweep_plan._CHUNK
    sweep_plan._CHUNK = 64
    try:
        found = sweep_plan._plan_arrays(graph, codes)
    finally:
        sweep_plan._CHUNK = old
    assert found is not None  # the numpy passes apply here, in many chunks
    plan, variants = sweep_plan._plan_loop(graph, codes)
    assert (list(found[0]), found[1]) == (list(plan), variants)
