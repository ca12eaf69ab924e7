"""``DIFFX_COMPILED=0`` turns the compiled tier off everywhere: with a kernel loaded in the
process, no pass (parse, values, sweep, counts, audits) may call into it."""

from __future__ import annotations

import math
import sys

import pytest

import diffx
from diffx import compiled, tier_slot


class Untouchable:
    """A loaded kernel that fails the test on any use."""

    def __getattr__(self, name: str):
        raise AssertionError(f"the kernel's {name} was used with DIFFX_COMPILED=0")


def _program(steps: int) -> str:  # the finite logistic map: values and audits all run
    lines = ["l0 = x"] + [f"l{i} = 3*l{i - 1}*(1 - l{i - 1})" for i in range(1, steps + 1)]
    return "\n".join(lines) + f"\nl{steps}"


@pytest.mark.parametrize("steps", [400, 30_000])  # past the kernel's sizes (1,000 nodes, 64 KiB)
def test_no_kernel_call_when_turned_off(monkeypatch, steps):
    monkeypatch.setattr(compiled, "_kernel", Untouchable())
    monkeypatch.setattr(tier_slot, "kernel", Untouchable())
    monkeypatch.setenv("DIFFX_COMPILED", "0")
    source = _program(steps)
    got = diffx.grad(source, at={"x": 0.3}, method="reverse")
    # the map's derivative, by the chain rule in plain Python: a reference independent of diffx
    x, d = 0.3, 1.0
    for _ in range(steps):
        x, d = 3 * x * (1 - x), d * (3 - 6 * x)
    assert math.isclose(got["x"], d, rel_tol=1e-6)
    assert diffx.evaluate(source, at={"x": 0.3}) == pytest.approx(x, rel=1e-9)
    many = diffx.grad(source, at={"x": [0.3, 0.31]}, method="reverse")
    assert many["x"][0] == pytest.approx(d, rel=1e-6)


def test_the_untouchable_kernel_is_used_otherwise(monkeypatch):
    """The check above can fail: without ``DIFFX_COMPILED=0`` the same loaded kernel is
    called."""
    monkeypatch.setattr(compiled, "_kernel", Untouchable())
    monkeypatch.setattr(tier_slot, "kernel", Untouchable())
    monkeypatch.delenv("DIFFX_COMPILED", raising=False)
    with pytest.raises(AssertionError, match="DIFFX_COMPILED=0"):
        diffx.grad(_program(30_000), at={"x": 0.3}, method="reverse")


@pytest.mark.parametrize("mode, said", [("1", True), ("", False)])
def test_a_tier_asked_for_but_not_installed_says_so(monkeypatch, capsys, mode, said):
    # numba missing (a plain `pip install .`): DIFFX_COMPILED=1 ran the pure-Python engine
    # without a word; the default mode stays quiet
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba fails
    monkeypatch.setattr(compiled, "_kernel", None)
    monkeypatch.setattr(tier_slot, "kernel", None)
    monkeypatch.setenv("DIFFX_COMPILED", mode)
    assert compiled.kernel() is None
    err = capsys.readouterr().err
    assert ("DIFFX_COMPILED=1, but the compiled tier cannot load" in err) is said
    assert ("pip install 'diffx[fast]'" in err) is said
