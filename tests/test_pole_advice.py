"""What the numeric method's pole warning advises: near a pole a smaller step, or the reverse
method, avoids spanning it; on the pole itself f has no derivative (atan(1/x) at 0 jumps from
-pi/2 to pi/2), so no step and no method gives one, and the warning does not send the user to
one."""

from __future__ import annotations

import math

import diffx


def _pole_warning(src: str, at: dict, **kw) -> str:
    r = diffx.grad(src, at=at, method="numeric", **kw)
    [said] = [m for m in r.warnings if "changes sign (a pole)" in m]
    return said


def test_near_a_pole_a_smaller_step_or_the_reverse_method_is_advised() -> None:
    said = _pole_warning("atan(1/x)", {"x": 1e-9}, step=1e-6)
    assert "a smaller" in said and "the reverse method, avoids it" in said
    # and the advice holds: the reverse method's slope there is -1/(1 + x^2)
    r = diffx.grad("atan(1/x)", at={"x": 1e-9}, method="reverse")
    assert math.isclose(r.gradient["x"], -1 / (1 + 1e-18), rel_tol=1e-12)


def test_on_the_pole_itself_no_step_or_method_is_advised() -> None:
    for src in ("atan(1/x)", "exp(-1/x^2)*0 + atan(2/x)"):
        said = _pole_warning(src, {"x": 0.0})
        assert "on the pole itself, where f has no derivative" in said, said
        assert "reverse method" not in said and "smaller" not in said
