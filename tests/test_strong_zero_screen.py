"""Whether a sweep at one point may have hidden a strong zero (0 times inf), answered from
the compiled tier's own finding that every op's value is finite and normal: the leaves are
then what is left to look at, and the answer is the whole-array test's. And the sweep's own
screen, whose sums are kept between sweeps, starts each sweep from zero."""

from __future__ import annotations

import pytest

import diffx
from diffx import compiled, evaluation


def _program(steps: int = 1200, zero: bool = False) -> str:
    lines = ["v0 = exp(x) + 2*y" + (" - 0" if zero else "")] + [f"v{k} = v{k - 1}*1.0001 + 0.5*y + {k}"
                                      for k in range(1, steps)]
    return "\n".join(lines)


@pytest.mark.parametrize("point, zero, hidden", [
    ({"x": 0.3, "y": 1.5}, False, False),
    ({"x": 0.0, "y": 1.5}, False, True),  # an input exactly 0: x*0 partials may meet inf
    ({"x": 0.3, "y": 1.5}, True, True),   # a constant 0
])
def test_the_kernels_normal_values_leave_the_leaves_to_look_at(point, zero, hidden) -> None:
    pytest.importorskip("numba")
    if compiled.kernel() is None:
        pytest.skip("the compiled kernel cannot be built here")
    graph = diffx.parse(_program(zero=zero))
    vals = compiled.forward(graph, point)
    assert vals is not None and evaluation.known_normal(vals)
    assert evaluation.may_hide_strong_zero(graph, vals) is hidden
    # the whole-array test on the same values as a plain list
    assert evaluation.may_hide_strong_zero(graph, vals.array.tolist()) is hidden


def test_the_sweeps_scratch_sums_start_from_zero_at_each_sweep() -> None:
    """The sweep sums its contributions' sizes in an array kept on the graph: a sweep whose
    contributions into x cancel (y = z: x*y - x*z + x) is screened, and the next sweep, at a
    point where nothing cancels, is not, as on a graph that never swept."""
    pytest.importorskip("numba")
    if compiled.kernel() is None:
        pytest.skip("the compiled kernel cannot be built here")
    src = "x*y - x*z + x"
    cancel, plain = {"x": 2.0, "y": 1e10, "z": 1e10}, {"x": 2.0, "y": 1.0, "z": 3.0}

    def screened(graph, point) -> bool:
        out = compiled.sweep(graph, compiled.forward(graph, point), ("x", "y", "z"))
        return out.screened

    graph = diffx.parse(src)
    assert screened(graph, cancel) is True
    assert screened(graph, plain) is False
    assert screened(diffx.parse(src), plain) is False
