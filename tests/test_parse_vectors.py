"""The vector notation's grammar: precedence, the shape errors' wording and column, malformed
syntax, and never a traceback.

Precedence is read off the block program (a fully parenthesised rendering built in node
order) and checked by value against numpy written out here. Error texts are golden: the
reason and the column are asserted exactly.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import diffx
from conftest import expression_strategy
from diffx import blockops
from diffx import ops
from diffx.engine import forward
from diffx.errors import DiffxError, ParseError
from diffx.expand import element_names
from diffx.graph import Graph
from diffx.program import parse, parse_expression
from diffx.vectors import VectorProgram

SHAPES = {"W": (2, 3), "x": (3,), "b": (2,), "A": (3, 3), "v": (3,)}
RNG = np.random.default_rng(10)
VALUES = {name: RNG.normal(size=shape) for name, shape in SHAPES.items()}
VALUES["a"] = 1.7


def tree(program: VectorProgram) -> str:
    """The output node, fully parenthesised: ``((W @ x) + b)``; one loop in node order."""
    blocks = program.blocks
    text: list[str] = []
    for k, code in enumerate(blocks.code):
        args = [text[a] for a in blocks.args[k]]
        attr = blocks.attr[k]
        if code == ops.INPUT:
            text.append(str(attr))
        elif code == ops.CONST:
            text.append(attr[1])
        elif code == blockops.TRANSPOSE:
            text.append(f"{args[0]}.T")
        elif code == blockops.INDEX:
            text.append(f"{args[0]}[{','.join(map(str, attr))}]")
        elif code == blockops.MATMUL:
            text.append(f"({args[0]} @ {args[1]})")
        elif code in blockops.BY_CODE:
            text.append(f"{blockops.BY_CODE[code].name}({', '.join(args)})")
        elif ops.BY_CODE[code].symbol and len(args) == 2:
            text.append(f"({args[0]} {ops.BY_CODE[code].symbol} {args[1]})")
        else:
            text.append(f"{ops.BY_CODE[code].name}({', '.join(args)})")
    return text[blocks.output]


def value_of(program: VectorProgram) -> np.ndarray:
    """The expansion's value at VALUES, shaped like the output: a scalar output by
    ``diffx.evaluate``, a vector's elements (``f[0]``, ... in graph.assigned) from the
    forward pass."""
    graph = program.scalar
    point = program.element_point({k: VALUES[k] for k in program.inputs})
    shape = program.output_shape
    if not shape:
        return np.array(diffx.evaluate(graph, at=point))
    values = forward(graph, point)
    names = element_names(program.output_name, shape)
    return np.array([values[graph.assigned[n]] for n in names]).reshape(shape)


W, x, b, A, v, a = (VALUES[k] for k in ("W", "x", "b", "A", "v", "a"))


@pytest.mark.parametrize("source, expected_tree, expected", [
    ("W @ x + b", "((W @ x) + b)", W @ x + b),
    ("-W.T @ b", "(neg(W.T) @ b)", -W.T @ b),   # unary minus binds like numpy's: (-W.T) @ b
    ("x.T @ A @ x", "((x.T @ A) @ x)", x @ A @ x),
    ("a*W@x", "((a * W) @ x)", (a * W) @ x),    # @ and * share a level, left to right
    ("W@x*a", "((W @ x) * a)", (W @ x) * a),
    ("W.T[0]", "W.T[0]", W[:, 0]),             # .T first, then the index: a column
    ("2*W[0,1]^2", "(2 * (W[0,1] ^ 2))", 2 * W[0, 1] ** 2),
    ("x[-1]^2", "(x[-1] ^ 2)", x[-1] ** 2),
    ("-x[0]^2", "neg((x[0] ^ 2))", -x[0] ** 2),
    ("xᵀ @ A @ x", "((x.T @ A) @ x)", x @ A @ x),
    ("(W @ x)[1]", "(W @ x)[1]", (W @ x)[1]),
    ("W @ (x[0] * v)", "(W @ (x[0] * v))", W @ (x[0] * v)),
    ("softmax(W)[1]", "softmax(W)[1]", np.exp(W[1]) / np.exp(W[1]).sum()),
])
def test_precedence(source, expected_tree, expected):
    program = parse(source, shapes=SHAPES)
    assert tree(program) == expected_tree
    np.testing.assert_allclose(value_of(program), expected, rtol=1e-14)


def test_matmul_and_times_go_left_to_right():
    """``W @ x[0] * v`` is ``(W @ x[0]) * v``, as ``a * b / c`` is: W @ (a scalar) fails."""
    assert tree(parse("W @ x[0] * v")) == "((W @ x[0]) * v)"  # (shapes not known yet)
    with pytest.raises(ParseError) as err:  # every shape known: refused by parse itself
        parse("W @ x[0] * v", shapes=SHAPES)
    assert err.value.reason == ("W @ x[0]: @ needs vectors or matrices, got shapes (2, 3) "
                                "and ()")
    assert err.value.column == 3


def test_implicit_products_are_errors_that_offer_at():
    """``xᵀ A x`` is not read as a product (juxtaposition is only ``2x``): the error says
    where the operator is missing and offers ``@``."""
    with pytest.raises(ParseError) as err:
        parse("xᵀ A x", shapes=SHAPES)
    assert err.value.reason == ("missing operator before the name 'A'; write '@' for a matrix "
                                "product or '*' for an elementwise one, or ';' to start a new "
                                "statement")
    assert err.value.column == 4
    # 2W is 2*W, as 2x is in a scalar program
    assert tree(parse("2W @ x", shapes=SHAPES)) == "((2 * W) @ x)"


HINT = "(no shape was given for {}; give it a vector or matrix value in at or a shape in shapes)"


@pytest.mark.parametrize("source, reason, column", [
    ("W @ v + A @ W", "A @ W: shapes (3, 3) and (2, 3) do not match (the left side has 3 "
     "columns, the right side 2 rows)", 11),
    ("W @ b", "W @ b: shapes (2, 3) and (2,) do not match (the left side has 3 columns, the "
     "right side 2 entries)", 3),
    ("x + b", "x + b: shapes (3,) and (2,) cannot be broadcast together", 3),
    ("z = W * A; z", "W * A: shapes (2, 3) and (3, 3) cannot be broadcast together", 7),
    ("W[0,3]", "W[0,3]: index 3 is out of range for shape (2, 3)", 2),
    ("x[-4]", "x[-4]: index -4 is out of range for shape (3,)", 2),
    ("W[0,1,0]", "W[0,1,0]: too many indices: 3 for shape (2, 3), which has 2 axes", 2),
    ("x[0][0]", "x[0][0]: a scalar cannot be indexed", 5),
    ("1 + dot(W, x)", "dot(W, x): dot takes two vectors of one length, got shapes (2, 3) and "
     "(3,) (W is a matrix: write W @ v for a matrix times a vector)", 5),
    ("dot(x, b)", "dot(x, b): dot takes two vectors of one length, got shapes (3,) and (2,)", 1),
    ("outer(x, A)", "outer(x, A): outer takes two vectors, got shapes (3,) and (3, 3)", 1),
    ("sum(s)", "sum(s): sum takes a vector or a matrix, got a scalar " + HINT.format("s"), 1),
    ("softmax(s)", "softmax(s): softmax takes a vector or a matrix, got a scalar "
     + HINT.format("s"), 1),
    ("norm(s)", "norm(s): norm takes a vector or a matrix, got a scalar " + HINT.format("s"), 1),
    ("W @ u", "W @ u: @ needs vectors or matrices, got shapes (2, 3) and () "
     + HINT.format("u"), 3),
    ("u @ W", "u @ W: @ needs vectors or matrices, got shapes () and (2, 3) "
     + HINT.format("u"), 3),
    ("W @ sin(u)", "W @ (…): @ needs vectors or matrices, got shapes (2, 3) and () "
     + HINT.format("u"), 3),
    ("x @ 2", "x @ 2: @ needs vectors or matrices, got shapes (3,) and ()", 3),
])
def test_shape_errors_are_golden(source, reason, column):
    with pytest.raises(ParseError) as err:
        parse(source, shapes=SHAPES).node_shapes
    assert err.value.reason == reason
    assert err.value.column == column


def test_no_shapes_at_all_names_the_first_input():
    with pytest.raises(ParseError) as err:
        parse("y = W1 @ x").node_shapes
    assert err.value.reason == ("W1 @ x: @ needs vectors or matrices, got shapes () and () "
                                + HINT.format("W1"))
    assert err.value.column == 8


@pytest.mark.parametrize("source, reason, column", [
    ("W[", "'[' is never closed", 2),
    ("W[]", "an index needs a whole number here", 3),
    ("W[1,]", "an index needs a whole number here", 5),
    ("W[1.5]", "index takes whole numbers, got the number 1.5 (slices are not supported; "
     "write W[1] for a row or W.T[0] for a column)", 3),
    ("W[i]", "index takes whole numbers, got the name 'i' (slices are not supported; write "
     "W[1] for a row or W.T[0] for a column)", 3),
    ("W[0:1]", "unexpected ':': slices are not supported; write W[1] for a row or W.T[0] for "
     "a column", 4),
    ("x.y", "unexpected '.': the only attribute is .T (transpose)", 2),
    ("x.", "unexpected '.': the only attribute is .T (transpose)", 2),
    ("x.T2", "unexpected '.': the only attribute is .T (transpose)", 2),
    (".T", "unexpected the transpose '.T'", 1),
    ("@ x", "unexpected '@'", 1),
    ("x @", "the expression ends after '@', which needs an operand", 4),
    ("W @@ x", "unexpected '@'", 4),
    ("]", "unexpected ']'", 1),
    ("[1]", "unexpected '['", 1),
    ("x[0] = 3", "'=' must follow a name at the start of a statement (statements are "
     "separated by ';' or new lines)", 6),
    ("sum(x, x)", "sum takes 1 argument, got more than 1", 6),
    ("dot(x)", "dot takes 2 arguments, got 1", 1),
])
def test_malformed_vector_syntax(source, reason, column):
    for shapes in (None, SHAPES):
        with pytest.raises(ParseError) as err:
            parse(source, shapes=shapes)
        assert (err.value.reason, err.value.column) == (reason, column)


TOKENS = ["W", "x", "a", "b", "1", "2", "0", "-1", "0.5", "+", "-", "*", "/", "^", "(", ")",
          ",", ";", "\n", "=", "@", "[", "]", ".T", "ᵀ", ":", ".", "sum", "dot", "outer",
          "norm", "softmax", "logsumexp", "mean", "transpose", "sin", "exp", "max", "z = ",
          "W[0]", "W[1,0]", "x[-1]", "W.T", "W @ x", "√", "²", "pi"]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(TOKENS), st.sampled_from(["", " "])),
                min_size=1, max_size=14),
       st.sampled_from([None, {"W": (2, 2), "x": (2,)}, {"W": (2, 3), "x": (3,), "a": (3,)},
                        {"x": (1,)}]))
def test_random_token_strings_never_raise_a_traceback(parts, shapes):
    source = "".join(t + s for t, s in parts)
    try:
        program = parse(source, shapes=shapes)
        if isinstance(program, VectorProgram):
            program.node_shapes
            graph = program.scalar
            assert graph.size <= program.scalar_size()
    except DiffxError:
        pass


EXPRESSIONS = expression_strategy(["x", "y", "0", "1", "0.5", "2"],
                                  ["sin", "exp", "log", "sqrt", "abs", "tanh", "-"],
                                  max_leaves=10)


@settings(max_examples=300, deadline=None)
@given(EXPRESSIONS)
def test_scalar_programs_parse_as_before(source):
    """Scalar text never becomes a VectorProgram, and the block route (shapes given, every
    input a scalar) expands to the very Graph the scalar parser builds: the same nodes in the
    same order."""
    graph = parse(source)
    assert isinstance(graph, Graph)
    again = parse(source, shapes={})
    assert isinstance(again, Graph)
    program = parse(source, shapes={"x": ()})
    assert isinstance(program, VectorProgram)
    expanded = program.scalar
    assert bytes(expanded.op) == bytes(graph.op)
    assert list(expanded.a) == list(graph.a) and list(expanded.b) == list(graph.b)
    assert expanded._leaf == graph._leaf
    assert expanded.assigned == graph.assigned
    assert (expanded.output, expanded.inputs) == (graph.output, graph.inputs)
    assert expanded.size <= program.scalar_size()


def test_the_language_docs_vector_examples_run():
    """docs/language.md, "Vectors and matrices": its ``>>>`` examples run as written, and the
    error shown in its console block is the one diffx gives."""
    import doctest
    import pathlib

    text = (pathlib.Path(__file__).parent.parent / "docs" / "language.md").read_text()
    section = text[text.index("## Vectors and matrices"):text.index("## Errors")]
    examples = section[section.index("```python") + len("```python\n"):]
    examples = examples[:examples.index("```")]
    test = doctest.DocTestParser().get_doctest(examples, {}, "language.md vectors",
                                               "docs/language.md", 0)
    assert len(test.examples) >= 8
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
    shown = section[section.index("```console") + len("```console\n"):]
    command, _, shown = shown[:shown.index("```")].partition("\n")
    assert command == '$ diffx grad "W1 @ x" --shape W1=2x3,x=2'
    with pytest.raises(ParseError) as err:
        parse("W1 @ x", shapes={"W1": (2, 3), "x": (2,)}).node_shapes
    assert "error: " + str(err.value) == shown.rstrip("\n")
    for source in ("z = W1 @ x + b1\nh = sigmoid(z)\ny = W2 @ h + b2\nL = 0.5*sum((t - y)^2)",
                   "x.T @ A @ x", "a*W @ x", "-W.T", "W.T[0]", "x[-1]"):
        assert source.split("\n")[0] in section
        assert isinstance(parse(source), VectorProgram)


@pytest.mark.parametrize("text, column", [("1[", 2), ("1 @ 2", 3), ("2ᵀ", 2), ("pi.T", 3),
                                          ("sum(1)", 1), ("x + dot(x, x)", 5)])
def test_one_expression_refuses_vector_notation_with_a_parse_error(text, column):
    """A point's value or a claim is one scalar expression: vector notation there is a
    ParseError at its column (it escaped as an internal signal before)."""
    with pytest.raises(ParseError) as err:
        parse_expression(text)
    assert "cannot appear here: this must be one scalar expression" in err.value.reason
    assert err.value.column == column


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=10))
def test_one_expression_never_raises_a_traceback(parts):
    try:
        parse_expression(" ".join(parts))
    except DiffxError:
        pass


def test_a_new_line_inside_brackets_continues_the_index():
    program = parse("y = W[1,\n  0] * W[\n0, 2\n]", shapes=SHAPES)
    assert tree(program) == "(W[1,0] * W[0,2])"
    with pytest.raises(ParseError) as err:
        parse("W[0\n")
    assert (err.value.reason, err.value.column) == ("'[' is never closed", 2)


@pytest.mark.parametrize("src, column", [("0@0", 2), ("x = 2; x @ 3", 10)])
def test_a_program_whose_shapes_are_all_known_is_checked_by_parse(src, column):
    """No input without a shape (constants only): the mismatch is a ParseError at once, as
    the random-text parser test expects of everything parse returns."""
    with pytest.raises(ParseError) as err:
        parse(src)
    assert "@ needs vectors or matrices" in err.value.reason and err.value.column == column
