"""A picture asks the reverse method once: its values, adjoints and route listing come from
one run, and the caption is the same as the route-sum worked out by hand."""

import pytest
from conftest import ROUTE_SUM, logistic_program

import diffx
from diffx import picture as picture_module
from diffx.draw import render


@pytest.fixture
def calls(monkeypatch):
    seen = []
    real = picture_module.grad

    def counted(*args, **kw):
        seen.append(kw)
        return real(*args, **kw)

    monkeypatch.setattr(picture_module, "grad", counted)
    return seen


@pytest.mark.parametrize("options, listed", [
    ({"at": {"a": 4, "b": 3}, "wrt": "a"}, True),
    ({"at": {"a": 4, "b": 3}, "wrt": "a", "route": 2}, True),
    ({"wrt": "a"}, True),
    ({"at": {"a": 4, "b": 3}, "wrt": "a", "tree": True}, True),
    ({"at": {"a": 4, "b": 3}}, False),
])
def test_one_picture_is_one_reverse_run(calls, options, listed):
    render(ROUTE_SUM, **options)
    assert len(calls) == 1
    assert calls[0]["method"] == "reverse" and calls[0].get("routes", False) is listed
    assert "wrt" not in calls[0]  # every input swept: every node gets its adjoint


def test_a_picture_without_a_point_or_an_input_runs_no_method(calls):
    assert "∂d/∂c = a" in render(ROUTE_SUM).source
    assert calls == []


def test_the_caption_is_the_route_sum_by_hand(calls):
    # c = a + b = 7, d = a*c: the routes a -> d and a -> c -> d carry c and a*1
    source = render(ROUTE_SUM, at={"a": 4, "b": 3}, wrt="a").source
    assert "∂d/∂a = 7 + 4·1 = 11" in source
    assert "∂d/∂c = 4" in source  # the adjoint of c is a
    source = render(ROUTE_SUM, wrt="a").source  # no point: the formula c + a·1 = 2a + b
    assert "c + a·1" in source and "2*a + b" in source
    assert len(calls) == 2


def test_a_route_past_the_caption_is_listed_in_the_same_run(calls):
    # the logistic map l5 has 2^4 = 16 routes from x; the product of the last one, and the
    # derivative of all, by hand: l' = 4(1 - 2l) l' step by step
    g = diffx.parse(logistic_program(5))
    source = render(g, at={"x": 0.3}, wrt="x", route=16).source
    assert len(calls) == 1 and calls[0]["route_limit"] >= 16
    assert "route 16 of 16:" in source
    value, slope = 0.3, 1.0
    for _ in range(4):
        value, slope = 4 * value * (1 - value), 4 * (1 - 2 * value) * slope
    assert f"∂l5/∂x = {slope:.6g} (all 16 routes)" in source
