"""The traced graph's costs a gradient must not pay: its program text is written only when
read, and the result still gives the same text when asked."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

import diffx


def logistic(x):
    for _ in range(40):
        x = 3.0 * x * (1 - x)
    return x


def test_gradient_of_a_traced_graph_does_not_write_its_program_text():
    graph = diffx.trace(logistic, x=0.3)
    result = diffx.grad(graph, at={"x": 0.3}, method="reverse")
    assert graph._program is None  # the text was not written
    # hand-derived: d/dx of the map is the product of r*(1 - 2 x_k) over the steps
    x, slope = 0.3, 1.0
    for _ in range(40):
        slope *= 3.0 * (1 - 2 * x)
        x = 3.0 * x * (1 - x)
    assert result["x"] == pytest.approx(slope, rel=1e-13)  # products in another order
    assert result.value == x


def test_the_result_reads_the_same_text_when_asked():
    graph = diffx.trace(lambda x, y: np.sin(x) * y + x, x=0.3, y=2.0)
    result = diffx.grad(graph, at={"x": 0.3, "y": 2.0})
    assert result.expression == "sin(x)*y + x"
    assert result.expression == graph.source
    assert dataclasses.replace(result).expression == "sin(x)*y + x"
    result.expression = "given"
    assert result.expression == "given"


def test_parsed_and_chunked_results_keep_their_expression():
    assert diffx.grad("a*(a+b)", at={"a": 4, "b": 3}).expression == "a*(a+b)"
    xs = np.linspace(0.1, 0.9, 5)
    many = diffx.grad(lambda x: x * x, at={"x": 0.5}, method="forward")
    assert many.expression == "x*x"
    every = diffx.grad("x*x", at={"x": xs})
    assert every.expression == "x*x"
    np.testing.assert_array_equal(every["x"], 2 * xs)


@pytest.mark.parametrize("f, text", [
    (lambda x, y: x * y + x * y, "x*y + x*y"),
    (lambda x, y: np.sin(x * 2) * np.sin(x * 2) + np.multiply(x, 2) * y,
     "sin(x*2)*sin(x*2) + x*2*y"),
    (lambda x, y: 2 * x - (2 * x) / y + abs(2 * x) ** 2, "2*x - 2*x/y + abs(2*x)^2"),
    (lambda x, y: diffx.math.tanh(y - 1) + (y - 1) * np.tanh(y - 1) * x,
     "tanh(y - 1) + (y - 1)*tanh(y - 1)*x"),
])
def test_the_trace_shares_subexpressions_as_the_parser_does(f, text):
    traced = diffx.trace(f, x=0.5, y=2.0)
    parsed = diffx.parse(text)
    assert traced.size == parsed.size
    assert sorted(traced.op) == sorted(parsed.op)
    point = {"x": 0.5, "y": 2.0}
    assert diffx.grad(traced, at=point).gradient == diffx.grad(parsed, at=point).gradient


def _random_program(rng) -> str:
    """A seeded random program over a, b, c: named statements, every op kind (unary minus,
    left- and right-associative operators, calls of one and two arguments), negative
    constants, so parentheses of every kind appear."""
    pool = ["a", "b", "c", "2", "0.5", "pi"]
    lines = []
    for k in range(rng.randint(1, 5)):
        for _ in range(rng.randint(1, 6)):
            x, y = rng.choice(pool), rng.choice(pool)
            form = rng.choice(["({x} + {y})", "({x} - {y})", "({x} * {y})", "({x} / {y})",
                               "({x} ^ {y})", "(-{x})", "sin({x})", "max({x}, {y})",
                               "({x} * -3)", "(-2 - {x})", "tanh({x} - {y})"])
            pool.append(form.format(x=x, y=y))
        lines.append(f"t{k} = {pool[-1]}")
        pool.append(f"t{k}")
    lines.append(f"{pool[-1]} * {rng.choice(pool)} - {rng.choice(pool)}")
    return "\n".join(lines)


def test_bounded_text_is_the_graph_text():
    import random

    from diffx.graph import Graph
    from diffx.traced_graph import bounded_text

    rng = random.Random(11)
    for _ in range(60):
        g = diffx.parse(_random_program(rng))
        for node in range(g.size):
            for limit in (3, 7, 12, 48, 400):
                for names in (True, False):
                    assert bounded_text(g, node, limit, names) == Graph.text(g, node, limit,
                                                                             names)


def test_a_traced_chain_is_described_as_the_graph_would():
    from diffx.graph import Graph

    g = diffx.trace(logistic, x=0.3)
    chain = diffx.trace(lambda x: _chain(x, 3000), x=0.3)
    for graph in (g, chain):
        for node in (graph.output, graph.output - 1, graph.size // 2, 0):
            assert graph.text(node) == Graph.text(graph, node)
            assert graph.describe(node) == Graph.describe(graph, node)
    assert chain.text(chain.output).endswith("…")


def _chain(x, n):
    for k in range(n):
        x = np.sin(x) * 2 - x / 3 if k % 2 else -x ** 2 + 1.5
    return x


def test_the_chaotic_map_names_where_the_adjoint_overflowed():
    def chaotic(x):
        for _ in range(20000):
            x = 4.0 * x * (1 - x)
        return x

    result = diffx.grad(diffx.trace(chaotic, x=0.3), at={"x": 0.3})
    # the derivative doubles each step and overflows: the warning names the node, written as
    # the graph writes it (the first 47 characters of its text)
    assert math.isnan(result["x"])
    assert result.warnings == [
        "the gradient with respect to x is not finite: the adjoint overflowed at 1 - "
        "4.0*4.0*4.0*4.0… (the derivative of the output with respect to it is a product of "
        "local derivatives larger than the largest float; it was finite at "
        "4.0*4.0*4.0*4.0*4.0*4.0*4.0*4.0*4.0*4.0*4.0*4.0…)"]
