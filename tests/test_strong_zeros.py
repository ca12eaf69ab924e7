"""Strong zeros that may hide the derivative (docs/conventions.md, "Strong zeros"): reverse and
forward say so when the zero moves with the input, and stay silent when it is flat.

True values by hand, checked with mpmath one-sided difference quotients beside the point."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import diffx

HIDDEN = "cannot decide"


def _quotient(fn, h: str = "1e-30") -> mpmath.mpf:
    with mpmath.workdps(60):
        step = mpmath.mpf(h)
        return (fn(step) - fn(mpmath.mpf(0))) / step


MOVING = [
    # source, point, input, the true right derivative at 0 (by hand), mpmath f(y) beside 0
    ("y^x*y^x", {"y": 0.0, "x": 0.25}, "y", mpmath.inf, lambda t: t ** mpmath.mpf("0.5")),
    ("sqrt(y)*sqrt(y)", {"y": 0.0}, "y", 1, lambda t: t),
    ("(y^0.3)*(y^0.3)", {"y": 0.0}, "y", mpmath.inf, lambda t: t ** mpmath.mpf("0.6")),
    ("sqrt(y)^2", {"y": 0.0}, "y", 1, lambda t: t),
]


@pytest.mark.parametrize("source,point,w,true,fn", MOVING)
@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_a_moving_zero_is_said(source, point, w, true, fn, method) -> None:
    q = _quotient(fn)
    assert (q > 10 ** 5) if true == mpmath.inf else abs(q - true) < mpmath.mpf("1e-6")
    one = diffx.grad(source, at=point, method=method)
    assert one.gradient[w] == 0.0  # the convention's answer, not the true one
    said = [t for t in one.warnings if HIDDEN in t]
    assert len(said) == 1 and said[0].startswith(f"∂/∂{w}:"), one.warnings
    word = "reverse sweep" if method == "reverse" else "forward mode"
    assert word in said[0] and "moves with y" in said[0]
    many = diffx.grad(source, at={k: np.array([v, 1.0, v]) for k, v in point.items()},
                      method=method)
    told = [t for t in many.warnings if HIDDEN in t]
    assert len(told) == 1 and "(at 2 of 3 points)" in told[0]
    assert told[0].replace(" (at 2 of 3 points)", "") == said[0]


def test_the_reverse_message_names_node_factor_and_input() -> None:
    r = diffx.grad("y^x*y^x", at={"y": 0.0, "x": 0.25}, method="reverse")
    said = [t for t in r.warnings if HIDDEN in t]
    assert said == ["∂/∂y: the reverse sweep took 0 × ∞ as 0 at y^x (its slope is infinite "
                    "at y = 0, x = 0.25) because another factor, y^x = 0, is zero here; that "
                    "factor moves with y, so the true derivative is a limit the reverse sweep "
                    "cannot decide (it may be infinite)"]
    # d/dx: y^(2x) is 0 for every x > 0 at y = 0, a true 0; no hidden zero said for x
    assert r.gradient["x"] == 0.0 and not any(t.startswith("∂/∂x") for t in said)


FLAT = [
    ("sqrt(relu(x))", {"x": -1.0}),       # relu is 0 all around -1
    ("sqrt(x)*y", {"x": 0.0, "y": 0.0}),  # for x: y is held, f = 0 along x
    ("y*sqrt(relu(y-5))", {"y": 0.0}),    # relu(y - 5) is 0 all around 0
    ("sqrt(max(x, -1) + 1)", {"x": -3.0}),  # max on its losing side
    ("sqrt(x)*0", {"x": 0.0}),            # a constant zero factor
    ("sqrt(x)-sqrt(x)", {"x": 0.0}),      # u - u is 0 everywhere
]


@pytest.mark.parametrize("source,point", FLAT)
@pytest.mark.parametrize("method", ["reverse", "forward"])
def test_a_flat_zero_is_not_said(source, point, method) -> None:
    for at in (point, {k: np.array([v, v]) for k, v in point.items()}):
        r = diffx.grad(source, at=at, method=method)
        assert not any(HIDDEN in t for t in r.warnings), r.warnings
        for g in r.gradient.values():  # and the convention's 0 is the true derivative here
            assert np.all(np.asarray(g) == 0.0)


def test_an_overflowed_partial_is_no_hidden_infinity() -> None:
    # log(tanh(x) * 1e-310) at 1000: 1/(tanh c) overflows, tanh' underflows; d/dx < 1e-400
    r = diffx.grad("log(tanh(x) * c)", at={"x": 1000.0, "c": 1e-310}, method="reverse")
    assert not any(HIDDEN in t for t in r.warnings)


def test_the_screen_ignores_partials_towards_constants():
    """d/dy x^y is nan for a negative base, but towards the constant exponent 2 it is never
    used: a squared error with a negative difference must not start the per-input check."""
    from diffx import strong_zeros

    from diffx import engine

    graph = diffx.parse("(a - 3)^2 + b")
    vals = engine.forward(graph, {"a": 1.0, "b": 2.0})  # a - 3 = -2: d/dy (-2)^y is nan
    assert not strong_zeros._screen(graph, vals, ("a", "b"))
    # where the exponent moves with the input the same partial is looked at
    moving = diffx.parse("(a - 3)^b")
    assert strong_zeros._screen(moving, engine.forward(moving, {"a": 1.0, "b": 2.0}), ("b",))


def test_the_per_input_check_has_a_budget(monkeypatch):
    from diffx import strong_zeros

    monkeypatch.setattr(strong_zeros, "TRACE_BUDGET", 1)
    r = diffx.grad("y^x*y^x", at={"y": 0.0, "x": 0.25}, method="reverse")
    assert any("so it was not done" in w for w in r.warnings)
