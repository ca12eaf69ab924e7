"""The rooms split out of the graph, the parser, the op table and the check: each holds what its
name says, each is small, and the pieces behave as they did together."""

import ast
import math
from pathlib import Path

import mpmath
import numpy as np
import pytest

from diffx import ops
from diffx.check_verdict import judge, symmetric_relative_error
from diffx.errors import ParseError
from diffx.graph import Graph
from diffx.graph_builder import GraphBuilder
from diffx.op_namespaces import compile_function, namespace
from diffx.parse_errors import fresh, where
from diffx.program import parse_expression
from diffx.program import parse

ROOT = Path(__file__).resolve().parent.parent / "diffx"
SPLIT = ("graph", "graph_builder", "parser", "parse_errors", "lexer", "ops", "op_namespaces",
         "check", "check_verdict")


@pytest.mark.parametrize("name", SPLIT)
def test_each_room_is_small_and_says_what_it_holds(name):
    text = (ROOT / f"{name}.py").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 350
    assert ast.get_docstring(ast.parse(text))


def test_only_the_builder_shares_nodes():
    # the graph itself has no way to add a node; the builder gives one node per subexpression
    assert not any(hasattr(Graph, m) for m in ("node", "input", "const", "statement"))
    b = GraphBuilder("a*(a+b)")
    a, bb = b.input("a"), b.input("b")
    s1, s2 = b.node(ops.BY_NAME["add"].code, a, bb), b.node(ops.BY_NAME["add"].code, a, bb)
    assert s1 == s2 and b.input("a") == a
    assert b.node(ops.BY_NAME["add"].code, bb, a) != s1  # b + a is another node
    b.statement(None, b.node(ops.BY_NAME["mul"].code, a, s1))
    g = b.finish()
    assert (g.size, g.inputs, g.text(g.output)) == (5, ("a", "b"), "a*(a + b)")  # b+a kept


@pytest.mark.parametrize("x", [-40.0, -3.0, -0.5, 0.0, 0.25, 2.0, 30.0, 1e200])
def test_the_namespaces_helpers_agree_with_mpmath(x):
    mpmath.mp.dps = 50
    mx = mpmath.mpf(x)
    exact = {
        "dsigmoid": mpmath.exp(-mx) / (1 + mpmath.exp(-mx)) ** 2,
        "datan": 1 / (1 + mx * mx),
        "dtanh": mpmath.sech(mx) ** 2,
        "sigmoid": 1 / (1 + mpmath.exp(-mx)),
    }
    for ns, arg in (("math", x), ("numpy", np.float64(x))):
        space = namespace(ns)
        for name, want in exact.items():
            assert float(space[name](arg)) == pytest.approx(float(want), rel=1e-14, abs=1e-300)


def test_compile_function_builds_from_the_namespace_and_the_table_uses_it():
    f = compile_function("x, y", "powdx(x, y) + ge(x, y)", "math")
    assert f(0.0, 0.0) == 0.5  # d/dx x^0 is 0 also at 0; a tie gives 1/2
    assert f(2.0, 3.0) == 12.0 + 0.0
    assert ops.namespace("math") is namespace("math")  # one namespace, not a copy
    assert ops.BY_NAME["pow"].local_partials((2.0, 3.0), 8.0, ns="math") == (
        12.0, pytest.approx(8.0 * math.log(2.0), rel=1e-15))


def test_the_parse_error_words():
    assert where("a = 1\nb = a +\n", 12) == "line 2, column 7"
    assert where("x + y", 4) == "column 5"
    assert fresh("y2", {"y2": 0, "y3": 1}) == "y4" and fresh("a", {}) == "a2"
    cases = {
        "sin()": "sin takes 1 argument, got none",
        "(x +": "the expression ends after '+', which needs an operand",
        "x **": "the expression ends after '**', which needs an operand",
        "max(x, )": "a function argument is missing before ')'",
        "x y": "missing operator before",
        "a = 1; a = 2": "'a' is assigned twice (first at column 1)",
        "sinn(x)": "did you mean 'sin'?",
        "sin²(x)": "write sin(x)^2",
    }
    for source, words in cases.items():
        with pytest.raises(ParseError) as err:
            parse(source)
        assert words in str(err.value), source
    with pytest.raises(ParseError, match="not a program of statements"):
        parse_expression("x; y")


def test_the_verdict_pieces():
    assert symmetric_relative_error(1.0, 3.0) == 0.5  # |1-3| / (1+3)
    assert symmetric_relative_error(0.0, 0.0) == 0.0
    assert symmetric_relative_error(math.inf, math.inf) == 1.0
    errors = {"c": symmetric_relative_error(1.0, 1.001)}
    assert not judge("c", 1.0, 1.001, 1e-4, 1e-6, errors)  # outside the estimate: refuted
    assert judge("c", 1.0, 1.001, 2e-3, 1e-6, errors)  # within it: cannot refute
