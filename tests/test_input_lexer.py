"""The lexer and parser at the edges: the number grammar, the Unicode math forms, BOM and
line ends, and property tests against an independent evaluator.

The property tests build random expression trees as plain data, write them out as text
(minimal parentheses, the documented precedences, implicit products, Unicode forms), parse the
text and compare the graph's value with a small float interpreter of the tree written here.
"""

import math

import pytest
from conftest import value
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from diffx import ParseError, engine, parse
from diffx.program import parse_expression


# ------------------------------------------------------------------ the number grammar -----

@pytest.mark.parametrize("src, shown, column", [
    ("1e", "'1e'", 1),
    ("2e", "'2e'", 1),
    ("2E", "'2E'", 1),
    ("x + 1.5e", "'1.5e'", 5),
    ("3e+x", "'3e'", 1),
    ("2e*x", "'2e'", 1),
    ("2e (x)", "'2e'", 1),
    ("x + 2e ^ 2", "'2e'", 5),                 # only e directly followed by a power
    ("y*.5E-x", "'.5E'", 3),
    ("0x10", "'0x10'", 1),
    ("0X1F + 1", "'0X1F'", 1),
    ("0b101", "'0b101'", 1),
    ("0o17", "'0o17'", 1),
    ("00x", "'00x'", 1),
    ("1_000", "'1_000'", 1),
    ("x*1_000_000", "'1_000_000'", 3),
    ("2_x", "'2_x'", 1),
])
def test_malformed_numbers_are_errors_with_the_column(src, shown, column):
    with pytest.raises(ParseError) as info:
        parse(src)
    assert str(info.value).startswith(f"malformed number {shown}")
    assert info.value.column == column
    # the caret covers the malformed literal
    caret = str(info.value).splitlines()[-1]
    assert caret.strip() == "^" * (len(shown) - 2)


def test_the_messages_say_what_to_write_instead():
    assert "write 2*e" in str(pytest.raises(ParseError, parse, "2e").value)
    assert "write 1000" in str(pytest.raises(ParseError, parse, "1_000").value)
    assert "hexadecimal" in str(pytest.raises(ParseError, parse, "0x10").value)


@pytest.mark.parametrize("src, point, expected", [
    ("2x", {"x": 3}, 6.0),
    ("2pi", {}, 2 * math.pi),
    ("3(x+1)", {"x": 1}, 6.0),
    ("2*e", {}, 2 * math.e),
    ("8e^(2x)", {"x": 0.5}, 8 * math.e),      # as the lecture notes write 8e^{2x}
    ("12x + 8e^(2x)", {"x": 0}, 8.0),
    ("2e^2", {}, 2 * math.e ** 2),
    ("2e**2", {}, 2 * math.e ** 2),
    ("2e²", {}, 2 * math.e ** 2),
    ("3E^x", {"E": 2, "x": 3}, 24.0),         # E is a name, as everywhere
    ("2exp(x)", {"x": 0}, 2.0),       # a longer name after the number still multiplies
    ("2ex", {"ex": 5}, 10.0),
    ("1e5x", {"x": 2}, 2e5),
    ("1.5e-3", {}, 1.5e-3),
    ("5.e2", {}, 500.0),
    ("10x", {"x": 2}, 20.0),          # only a lone 0 before x/b/o looks like a literal
    ("0.5x", {"x": 4}, 2.0),
    ("2b", {"b": 4}, 8.0),
])
def test_well_formed_numbers_and_implicit_products(src, point, expected):
    assert value(src, **point) == pytest.approx(expected, rel=1e-15)


# ------------------------------------------------------------------ Unicode forms ----------

@pytest.mark.parametrize("unicode, ascii_", [
    ("x²", "x^2"), ("x³ + y⁰", "x^3 + y^0"), ("x⁻¹", "x^-1"), ("x⁻²³", "x^-23"),
    ("2x²", "2x^2"), ("-x²", "-x^2"), ("x²y", "x^2*y"), ("(a+b)²", "(a+b)^2"), ("2^3²", "2^3^2"),
    ("a·b", "a*b"), ("a × b", "a * b"), ("a⋅b", "a*b"), ("a ÷ b", "a / b"), ("a − b", "a - b"),
    ("−a", "-a"), ("π", "pi"), ("2π", "2pi"), ("π/4·x", "pi/4*x"),
    ("√x", "sqrt(x)"), ("√(x + 1)", "sqrt(x + 1)"), ("√x^2", "sqrt(x)^2"), ("2√x", "2*sqrt(x)"),
    ("√√x", "sqrt(sqrt(x))"), ("√-x", "sqrt(-x)"), ("a^√x", "a^sqrt(x)"), ("√2x", "sqrt(2)*x"),
    ("c + a·1", "c + a*1"),                     # diffx's own output pastes back in
])
def test_unicode_forms_build_the_same_graph_as_ascii(unicode, ascii_):
    assert same_graph(parse(unicode), parse(ascii_))


@pytest.mark.parametrize("src, column, says", [
    ("x é", 3, "outside ASCII"),
    ("a–b", 2, "write '-' instead"),
    ("a∗b", 2, "write '*' instead"),
    ("a\u00a0+ b", 2, "write a space instead"),
    ("x⁻", 2, "needs superscript digits"),
    ("x^²", 3, "needs a value on its left"),
    ("√", 2, "needs an operand"),
    ("x√y", 2, "missing operator"),
    ("2πr", 3, "missing operator"),
    ("αβ", 1, "outside ASCII"),
    ("1 + σ(z)", 5, "write sigmoid(...) instead"),
    ("sin²(x)", 1, "write sin(x)^2"),
    ("2*tanh^2(x)", 3, "write tanh(x)^2"),
    ("x\ufeff", 2, "U+FEFF"),                    # a byte-order mark is only skipped at the start
])
def test_other_characters_are_errors_with_the_column(src, column, says):
    with pytest.raises(ParseError) as info:
        parse(src)
    assert info.value.column == column
    assert says in str(info.value)


# ------------------------------------------------------------------ BOM and line ends -----

@pytest.mark.parametrize("src", [
    "\ufeffa = 2*x\nb = a + 1\nb^2",
    "a = 2*x\r\nb = a + 1\r\nb^2\r\n",
    "a = 2*x\rb = a + 1\rb^2\r",
    "\ufeffa = 2*x\r\nb = a + 1\rb^2\n",
    "a = (2 *\r x)\rb = a + 1; b^2",
])
def test_a_bom_and_any_line_end_are_accepted(src):
    g = parse(src)
    assert g.n_statements == 3 and g.inputs == ("x",)
    assert engine.forward(g, {"x": 1.0})[g.output] == 9.0


def test_errors_after_a_lone_cr_report_the_right_line():
    with pytest.raises(ParseError) as info:
        parse("a = 1\rb = a +\rc = 2")
    assert info.value.line == 2


def test_parse_expression_allows_one_expression_only():
    assert parse_expression("max(1,\n 2) + pi").n_statements == 1
    for src, column in (("a=1", 2), ("1;2", 2), ("1\n2", 2), ("x = y", 3)):
        with pytest.raises(ParseError) as info:
            parse_expression(src)
        assert info.value.offset == column - 1


# ------------------------------------------------------------------ property tests --------
# A tree is a tuple: ("num", text) | ("name", n) | ("const", "pi"|"e") | (op, child, ...).

NAMES = ("x", "y", "w1", "b")
POINT = {"x": 0.7, "y": -1.3, "w1": 2.5, "b": 0.25}
NUMBERS = ("0", "1", "2", "3", "2.5", ".5", "5.", "1e-3", "2E+1", "0.125", "17")
PREC = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
SYMBOL = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "^"}
UNARY = ("sin", "cos", "exp", "log", "sqrt", "abs", "tanh", "atan", "sigmoid", "relu",
         "softplus")


def trees(names: tuple[str, ...] = NAMES) -> st.SearchStrategy:
    leaves = st.one_of(
        st.sampled_from(NUMBERS).map(lambda t: ("num", t)),
        st.sampled_from(names).map(lambda n: ("name", n)),
        st.sampled_from(("pi", "e")).map(lambda c: ("const", c)),
    )

    def extend(inner: st.SearchStrategy) -> st.SearchStrategy:
        return st.one_of(
            st.tuples(st.sampled_from(("add", "sub", "mul", "div", "pow")), inner, inner),
            st.tuples(st.just("neg"), inner),
            st.tuples(st.sampled_from(UNARY), inner),
            st.tuples(st.sampled_from(("max", "min")), inner, inner),
        )

    return st.recursive(leaves, extend, max_leaves=12)


def interpret(tree, env: dict[str, float]) -> float:
    """The value of a tree with Python floats (raises on a domain error or overflow)."""
    kind = tree[0]
    if kind == "num":
        return float(tree[1])
    if kind == "name":
        return env[tree[1]]
    if kind == "const":
        return math.pi if tree[1] == "pi" else math.e
    args = [interpret(t, env) for t in tree[1:]]
    x = args[0]
    y = args[1] if len(args) > 1 else None
    result = {
        "add": lambda: x + y, "sub": lambda: x - y, "mul": lambda: x * y,
        "div": lambda: x / y, "pow": lambda: math.pow(x, y), "neg": lambda: -x,
        "sin": lambda: math.sin(x), "cos": lambda: math.cos(x), "exp": lambda: math.exp(x),
        "log": lambda: math.log(x), "sqrt": lambda: math.sqrt(x), "abs": lambda: abs(x),
        "tanh": lambda: math.tanh(x), "atan": lambda: math.atan(x),
        "sigmoid": lambda: 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x)),
        "relu": lambda: max(x, 0.0),
        "softplus": lambda: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
        "max": lambda: max(x, y), "min": lambda: min(x, y),
    }[kind]()
    if not math.isfinite(result) or abs(result) > 1e100:
        raise OverflowError(kind)
    return result


def write(tree, unicode: bool = False, implicit: bool = True) -> str:
    """Text for a tree with the fewest parentheses the documented precedences allow.

    Returns text only; the precedence of the text is tracked alongside.
    """
    return _write(tree, unicode, implicit)[0]


def _write(tree, uni: bool, implicit: bool) -> tuple[str, int]:
    kind = tree[0]
    if kind == "num":
        return tree[1], 9
    if kind == "name":
        return tree[1], 9
    if kind == "const":
        return ("π" if uni and tree[1] == "pi" else tree[1]), 9
    parts = [_write(t, uni, implicit) for t in tree[1:]]
    if kind == "neg":
        text, p = parts[0]
        minus = "−" if uni else "-"
        return minus + (f"({text})" if p < 3 else text), 3
    if kind in PREC:
        (left, lp), (right, rp) = parts
        p = PREC[kind]
        if kind == "pow":
            if lp <= p:
                left = f"({left})"
            if rp < 3:  # a unary minus may follow ^ directly: 2^-x
                right = f"({right})"
            if uni and right.isascii() and right.isdigit():
                return left + right.translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")), p
            if uni and right.startswith("-") and right.isascii() and right[1:].isdigit():
                return left + "⁻" + right[1:].translate(
                    str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")), p
            return f"{left}^{right}", p
        if lp < p:
            left = f"({left})"
        if rp <= p:  # the right operand of an equal precedence is always parenthesised
            right = f"({right})"
        symbol = SYMBOL[kind]
        if uni:
            symbol = {"*": "·", "/": "÷", "-": "−"}.get(symbol, symbol)
        if kind == "mul" and implicit and tree[1][0] == "num" and _may_follow_number(
                tree[1][1], right):
            return f"{left}{right}", p  # 2x, 3(x + 1): an implicit product
        spaced = p == 1
        return (f"{left} {symbol} {right}" if spaced else f"{left}{symbol}{right}"), p
    if uni and kind == "sqrt":
        text, p = parts[0]
        return ("√" + (text if p == 9 and not text.startswith("(") and "^" not in text
                       else f"({text})")), 9
    return f"{kind}({', '.join(text for text, _ in parts)})", 9


def _may_follow_number(number: str, right: str) -> bool:
    """Whether ``right`` may follow ``number`` directly as an implicit product."""
    if right.startswith("("):
        return True
    if not right[:1].isalpha() or not right.isascii():
        return False
    word = right.split("(")[0]
    if word in ("e", "E") or right[0] in "eE" and not right[1:2].isalpha():
        return False  # 2e is an error
    if set(number) == {"0"} and right[0] in "xXbBoO":
        return False  # 0x... is an error
    return True


def same_graph(g1, g2) -> bool:
    return (bytes(g1.op) == bytes(g2.op) and list(g1.a) == list(g2.a)
            and list(g1.b) == list(g2.b) and g1.output == g2.output
            and [g1.const_value(i) if g1.is_const(i) else g1.input_name(i) if g1.is_input(i)
                 else None for i in range(g1.size)]
            == [g2.const_value(i) if g2.is_const(i) else g2.input_name(i) if g2.is_input(i)
                else None for i in range(g2.size)])


def close(got: float, want: float) -> bool:
    return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees(), st.booleans())
def test_random_expressions_evaluate_as_the_interpreter_says(tree, implicit):
    try:
        want = interpret(tree, POINT)
    except (ArithmeticError, ValueError):
        assume(False)
    text = write(tree, implicit=implicit)
    g = parse(text)
    got = engine.forward(g, {k: POINT[k] for k in g.inputs})[g.output]
    assert close(got, want), text


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_unicode_forms_equal_their_ascii_forms(tree):
    ascii_text, unicode_text = write(tree), write(tree, unicode=True)
    assert same_graph(parse(unicode_text), parse(ascii_text)), (unicode_text, ascii_text)


TARGETS = ("t0", "t1", "t2", "t3")
PROGRAM_TREES = trees(NAMES + TARGETS)


def _only_earlier(tree, k: int):
    """The tree with the names of statements k and later replaced by the input x."""
    if tree[0] == "name":
        return ("name", "x") if tree[1] in TARGETS[k:] else tree
    if tree[0] in ("num", "const"):
        return tree
    return (tree[0], *(_only_earlier(t, k) for t in tree[1:]))


@st.composite
def programs(draw):
    """A program of 1-4 statements, each using inputs and the names assigned before it."""
    n = draw(st.integers(1, 4))
    statements = [(TARGETS[k], _only_earlier(draw(PROGRAM_TREES), k)) for k in range(n)]
    separators = draw(st.lists(st.sampled_from(["; ", "\n", "\r\n", "\r", " ;\n"]),
                               min_size=n, max_size=n))
    bom = draw(st.booleans())
    return statements, separators, bom


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.booleans())
def test_random_programs_evaluate_as_the_interpreter_says(program, unicode):
    statements, separators, bom = program
    env = dict(POINT)
    try:
        for target, tree in statements:
            env[target] = interpret(tree, env)
    except (ArithmeticError, ValueError):
        assume(False)
    text = "\ufeff" * bom + "".join(f"{target} = {write(tree, unicode)}{sep}"
                                    for (target, tree), sep in zip(statements, separators))
    g = parse(text)
    assert g.n_statements == len(statements)
    assert g.output_name == statements[-1][0]
    got = engine.forward(g, {k: POINT[k] for k in g.inputs})[g.output]
    assert close(got, env[statements[-1][0]]), text
    # inputs are listed in the order of their first appearance in the text
    positions = [min(i for i in range(len(text)) if _name_at(text, i, name))
                 for name in g.inputs]
    assert positions == sorted(positions)


def _name_at(text: str, i: int, name: str) -> bool:
    if not text.startswith(name, i):
        return False
    before = text[i - 1] if i else " "
    after = text[i + len(name)] if i + len(name) < len(text) else " "
    # a name ends at anything but an ASCII letter, digit or underscore (x⁰ is x, then ⁰)
    return not (before.isalpha() or before == "_") and not (
        (after.isascii() and after.isalnum()) or after == "_")


TOKEN_ALPHABET = st.sampled_from(list("abxy0129.eE+-*/^(),=; \t\n\r#_") + [
    "π", "²", "⁻", "¹", "√", "·", "×", "÷", "−", "sin", "0x", "1e", "**"])


@settings(max_examples=300, deadline=None)
@given(st.lists(TOKEN_ALPHABET, max_size=30).map("".join))
def test_tokens_point_at_their_own_text(text):
    from diffx.lexer import END, NAME, NUM, tokens

    last = 0
    try:
        for kind, tok, start, end in tokens(text):
            if kind == END:
                break
            assert last <= start <= end <= len(text)
            last = start
            if kind in (NAME, NUM) and text[start:end].isascii():
                assert text[start:end] == tok
            if kind == NAME and tok == "pi" and text[start:end] != "pi":
                assert text[start:end] == "π"
    except ParseError as exc:
        assert 0 <= exc.offset <= len(text)
