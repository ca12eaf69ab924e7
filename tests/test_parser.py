"""The expression language: grammar, sharing, programs, errors that point at the column."""

import math

import pytest
from conftest import LOGISTIC_LEAST_SQUARES, ROUTE_SUM, logistic_program, value
from hypothesis import given, settings
from hypothesis import strategies as st

import diffx
from diffx import ParseError, parse
from diffx.vectors import VectorProgram


@pytest.mark.parametrize("src, expected", [
    ("3", 3.0), ("2.5", 2.5), (".5", 0.5), ("1e-3", 1e-3), ("5.", 5.0), ("1E+2", 100.0),
    ("pi", math.pi), ("e", math.e),
    ("1 + 2 * 3", 7.0), ("(1 + 2) * 3", 9.0), ("8 / 4 / 2", 1.0), ("8 - 4 - 2", 2.0),
    ("2^3^2", 512.0), ("2**3**2", 512.0), ("-2^2", -4.0), ("(-2)^2", 4.0),
    ("2^-1", 0.5), ("2^-1^2", 0.5), ("-3", -3.0), ("--3", 3.0), ("+3", 3.0),
    ("2*-3", -6.0), ("1/2*4", 2.0), ("2(3+1)", 8.0), ("2pi", 2 * math.pi),
    ("max(1, 2)", 2.0), ("min(1, 2)", 1.0), ("sqrt(16)", 4.0), ("abs(-2)", 2.0),
    ("relu(-1)", 0.0), ("sigmoid(0)", 0.5), ("softplus(0)", math.log(2.0)),
    ("x = 2; y = x^2; y + 1", 5.0), ("x = 2\ny = x*3\n", 6.0),
    ("x = (1 +\n 2)\n x*2", 6.0), ("3 # a comment\n", 3.0),
])
def test_constant_values(src, expected):
    assert value(src) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("src, point, expected", [
    ("2x^2", {"x": 3}, 18.0),          # a number before a name multiplies the power
    ("-x^2", {"x": 3}, -9.0),          # unary minus binds looser than ^
    ("2^-x", {"x": 1}, 0.5),
    ("2x*(x+1)", {"x": 2}, 12.0),
    ("1/2x", {"x": 4}, 2.0),           # implicit * is an ordinary *, left to right
    ("x2 + 1", {"x2": 1}, 2.0),        # a name may contain digits
    ("2e1x", {"x": 1}, 20.0),          # 2e1 is twenty; a bare 2e is an error (test_input_lexer)
    ("2*e", {}, 2 * math.e),
])
def test_implicit_multiplication_and_precedence(src, point, expected):
    assert value(src, **point) == pytest.approx(expected)


def test_a_name_before_a_parenthesis_is_a_call_not_a_product():
    with pytest.raises(ParseError, match="to multiply write 'x\\*"):
        parse("2x(x+1)")


def test_sharing_one_node_per_subexpression():
    g = parse("a*(a+b)")
    assert g.inputs == ("a", "b")
    assert g.size == 4  # a, b, a+b, a*(a+b): a appears once with two uses
    g2 = parse("sin(x) + sin(x)")
    assert g2.size == 3  # x, sin(x) shared, the sum
    assert g2.a[g2.output] == g2.b[g2.output]


def test_x_times_x_has_two_edges():
    g = parse("x*x")
    assert g.size == 2
    assert g.nx.number_of_edges() == 2
    assert sorted(k for _, _, k in g.nx.edges(keys=True)) == [0, 1]


def test_program_names_and_output():
    g = parse(ROUTE_SUM)
    assert g.output_name == "d"
    assert g.name(g.assigned["c"]) == "c"
    assert g.inputs == ("a", "b")
    assert parse("a + b").output_name == "f"


def test_graph_is_topologically_ordered():
    g = parse(LOGISTIC_LEAST_SQUARES)
    for i in range(g.size):
        assert all(arg < i for arg in g.args(i))


def test_networkx_view():
    g = parse(ROUTE_SUM)
    nx = g.nx
    assert nx.number_of_nodes() == 4
    assert nx.nodes[g.output]["label"] == "d"
    assert nx.nodes[g.input_nodes["a"]]["kind"] == "input"
    assert {(u, v) for u, v, _ in nx.edges(keys=True)} == {
        (g.input_nodes["a"], g.assigned["c"]), (g.input_nodes["b"], g.assigned["c"]),
        (g.input_nodes["a"], g.output), (g.assigned["c"], g.output)}


@pytest.mark.parametrize("src, message, column", [
    ("foo(x)", "unknown function 'foo'", 1),
    ("sn(x)", "did you mean 'sin'", 1),
    ("a + (b", "'(' is never closed", 5),
    ("a + b)", "unmatched ')'", 6),
    ("a +", "ends after '+'", 4),
    ("a b", "missing operator", 3),
    ("2 x", "missing operator", 3),
    ("(a)(b)", "missing operator before '('", 4),
    ("max(1)", "max takes 2 arguments, got 1", 1),
    ("sin(1, 2)", "sin takes 1 argument", 6),
    ("sin x", "needs its argument in parentheses", 1),
    ("x ? 1", "unexpected character '?'", 3),
    ("1e999", "too large", 1),
    ("a, b", "',' is only allowed", 2),
    ("*3", "needs a value on its left", 1),
    ("", "empty expression", 1),
    ("max(1,)", "argument is missing", 7),
])
def test_errors_name_the_problem_and_the_column(src, message, column):
    with pytest.raises(ParseError) as info:
        parse(src)
    err = info.value
    assert message in str(err)
    assert err.column == column
    assert "^" in str(err).splitlines()[-1]


@pytest.mark.parametrize("src, message, line", [
    ("c = a + b\nd = a * c\nc = 2", "'c' is assigned twice (first at line 1, column 1)", 3),
    ("c = a + 1\na = 2", "'a' is used at line 1, column 5 before it is assigned", 2),
    ("l = 4*l*(1-l)", "'l' is used in its own definition", 1),
    ("x = 1\nsin = 2", "cannot assign to 'sin'", 2),
    ("pi = 3", "cannot assign to 'pi'", 1),
    ("x = 1\nx(2)", "'x' is not a function", 2),
    ("y = 2\nz = y(3)", "'y' is not a function", 2),
    ("a = \nb", "nothing after '='", 1),
    # a '(' left open: the new line continued the statement, and the next line's first name
    # was called a missing operator on that line; the '(' is named, where it is
    ("l0 = x\nl1 = sin (l0\nl2 = l1 * 2\nl2", "inside parentheses a new line continues the "
     "statement, so the name 'l2' on the next line was read as more of it: the '(' is never "
     "closed at line 2, column 10", 2),
    ("a = (x +\n  # a comment\n\n  (y\nb = a", "'(' is never closed", 4),
])
def test_program_errors(src, message, line):
    with pytest.raises(ParseError) as info:
        parse(src)
    assert message in str(info.value)
    assert info.value.line == line


def test_a_new_line_inside_parentheses_still_continues_the_statement():
    g = parse("a = (x +\n  x)\nb = sin (a\n  * 2)\nb")
    assert diffx.evaluate(g, at={"x": 0.25}) == math.sin(1.0)  # a = 0.5, sin(a * 2)


def test_deep_nesting_parses_without_recursion():
    n = 100_000
    g = parse("(" * n + "x" + ")" * n)
    assert g.size == 1
    g = parse("sin(" * n + "x" + ")" * n)
    assert g.size == n + 1
    g = parse("-" * n + "x")
    assert g.size == n + 1
    with pytest.raises(ParseError) as info:
        parse("(" * n + "x")
    assert "never closed" in str(info.value)


def test_long_program():
    n = 20_000
    g = parse(logistic_program(n))
    assert g.output_name == f"l{n}"
    assert g.inputs == ("x",)


def test_parse_accepts_a_graph_and_rejects_other_types():
    g = parse("x + 1")
    assert parse(g) is g
    with pytest.raises(diffx.DiffxError):
        parse(42)  # type: ignore[arg-type]


ALPHABET = st.sampled_from(list("abxy0123456789.+-*/^()=,; \n\t#eE") + ["sin", "max", "**", "pi"])


@settings(max_examples=400, deadline=None)
@given(st.lists(ALPHABET, max_size=30).map("".join))
def test_random_text_raises_only_parse_errors(text):
    try:
        g = parse(text)
    except ParseError as exc:
        assert 0 <= exc.offset <= len(text)
        assert exc.line == text.count("\n", 0, exc.offset) + 1
        assert str(exc).splitlines()[-1].strip().startswith("^")
        return
    # a graph: topologically ordered, its inputs are names that occur in the text
    for i in range(g.size):
        assert all(arg < i for arg in g.args(i))
    assert all(name in text for name in g.inputs)
    assert g.output < g.size


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_arbitrary_unicode_raises_only_parse_errors(text):
    try:
        g = parse(text)
    except ParseError as exc:
        assert 1 <= exc.column <= len(exc.source_line) + 1
        return
    if isinstance(g, VectorProgram):  # vector notation with inputs of unknown shape (a@b)
        assert g.inputs and all(name not in g.given for name in g.inputs)
        assert len(g.blocks.code) >= 3
        return
    assert g.size >= 1 and all(name.isidentifier() for name in g.inputs)


@pytest.mark.parametrize("tail", ["", "\n", "\n\n", " \n  \n"])
def test_a_statement_cut_short_is_shown_where_it_ends_not_on_the_empty_line_after(tail):
    """A file ending in a new line, its last statement cut short inside '(': the error names
    the statement's line, just past its last character, as on a one-line program."""
    with pytest.raises(ParseError) as info:
        diffx.parse("b = 2\na = 3*x*(1 - " + tail)
    err = info.value
    assert (err.line, err.column) == (2, 13)
    assert "ends after '-'" in err.reason and "a = 3*x*(1 -" in str(err)
