"""The point-level warnings (a value that is not finite, a node at a kink) are computed once, in
the runner, from one forward pass that the sweeps share; every method's result carries them,
after its own sentences, and the methods keep only what is theirs to say."""

import math
import re

import pytest

import diffx
from diffx import evaluation, methods

METHODS = ("symbolic", "numeric", "reverse", "forward")
LOG = "log(y) is nan (not a number) at y = -1: log needs a positive argument"


@pytest.mark.parametrize("method", METHODS)
def test_every_method_carries_the_point_warnings_once(method):
    g = diffx.grad("relu(x) + log(y)", at={"x": 0.0, "y": -1.0}, method=method)
    assert g.warnings.count(LOG) == 1
    kinks = [w for w in g.warnings if w.startswith("relu(x) is at a kink at x = 0")]
    assert len(kinks) == 1
    # the point's warnings come after the method's own, value before kink
    assert g.warnings[-2:] == [LOG, kinks[0]]
    assert math.isnan(g.value)  # log(-1): no real value


@pytest.mark.parametrize("method", METHODS)
def test_a_clean_point_warns_of_nothing(method):
    assert diffx.grad("x*sin(y)", at={"x": 1.0, "y": 2.0}, method=method).warnings == []


@pytest.mark.parametrize("method", ["reverse", "forward", "symbolic"])
def test_one_forward_pass_serves_the_method_and_its_warnings(monkeypatch, method):
    calls = []
    real = evaluation.evaluate
    monkeypatch.setattr(evaluation, "evaluate", lambda *a, **k: calls.append(1) or real(*a, **k))
    g = diffx.grad("relu(x) + log(y)", at={"x": 0.0, "y": -1.0}, method=method)
    assert len(calls) == 1 and LOG in g.warnings


def test_many_points_in_chunks_say_each_warning_once(monkeypatch):
    from diffx.methods import run

    monkeypatch.setattr(run, "CHUNK_VALUES", 20)
    source = "relu(x) + log(y)"
    per_chunk = 20 // diffx.parse(source).size
    g = diffx.grad(source, at={"x": "-1:1:5", "y": -1.0}, method="reverse")
    assert per_chunk < 5 and g.details.chunks == math.ceil(5 / per_chunk)
    # each chunk says its own points (the counts add up to all 5); the kink is at x = 0 only
    logs = [w for w in g.warnings if w.startswith("log(y) is nan")]
    assert sum(int(re.search(r"at (\d+) of \1 points", w).group(1)) for w in logs) == 5
    assert sum(w.startswith("relu(x) is at a kink at x = 0 (at 1 of") for w in g.warnings) == 1


def test_a_kink_inside_the_step_stays_the_numeric_methods_own():
    # max(y, x) with x and y closer than the step: no node is at a kink at the point, but the
    # central difference straddles one (hand-derived: it averages slopes 0 and 1 into 1/2)
    at = {"x": -9e-70, "y": -3.6e-156}
    num = diffx.grad("max(y, x)", at=at, method="numeric")
    assert num["x"] == 0.5 and any("kink between x - h and x + h" in w for w in num.warnings)
    rev = diffx.grad("max(y, x)", at=at, method="reverse")
    assert rev["x"] == 0.0 and rev.warnings == []


def test_a_method_called_directly_still_shares_its_pass():
    spec = methods.get("reverse")
    graph = diffx.parse("x^2")
    ev = methods.base.Evaluated(graph, {"x": 3.0}, False)
    r = spec(graph, ("x",), {"x": 3.0}, False, evaluated=ev)
    assert r["x"] == 6.0 and r.details.values is ev.values
