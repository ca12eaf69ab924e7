"""The parser's fast path (diffx.parse_fast) builds exactly the graph the general parser builds,
and leaves every error to it: compared node by node over random programs whose statement
shapes repeat (so that shapes are replayed), with unusual statements mixed in."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import diffx
from diffx.errors import DiffxError
from diffx.parse_fast import FastStatements
from diffx.parser import parse_text

FUNCS1 = ["sin", "exp", "log", "sqrt", "tanh", "relu", "abs"]
FUNCS2 = ["max", "min"]
BINOPS = ["+", "-", "*", "/", "^", "**"]
NUMBERS = ["1", "2", "4", "0.5", ".5", "3.", "10", "007", "1.0", "2.50"]


def _shape(rng: random.Random, size: int) -> str:
    """An expression template: ``N`` for a name slot, ``K`` for a number slot (built by
    repeated substitution, not recursion)."""
    expr = "N"
    for _ in range(size):
        holes = [i for i, c in enumerate(expr) if c in "NK"]
        at = rng.choice(holes)
        r = rng.random()
        if r < 0.5:
            sub = f"{rng.choice('NK')}{rng.choice(BINOPS)}{rng.choice('NK')}"
            if rng.random() < 0.4:
                sub = f"({sub})"
        elif r < 0.65:
            sub = f"-{rng.choice('NK')}" if rng.random() < 0.8 else f"+{rng.choice('NK')}"
        elif r < 0.85:
            sub = f"{rng.choice(FUNCS1)}({rng.choice('NK')})"
        else:
            sub = f"{rng.choice(FUNCS2)}({rng.choice('NK')}, {rng.choice('NK')})"
        expr = expr[:at] + sub + expr[at + 1:]
    return expr


def _fill(rng: random.Random, shape: str, names: list[str], numbers: list[str],
          spaced: bool) -> str:
    out = []
    for c in shape:
        if c == "N":
            out.append(rng.choice(names))
        elif c == "K":
            out.append(rng.choice(numbers))
        else:
            out.append(c)
            if c in "+-*/" and spaced:
                out.append(" ")
    return "".join(out)


UNUSUAL = ["q = 2x", "q = 1e-3*{n}", "q = {n} # a comment; with a ';'", "q = pi*{n}",
           "q = ({n} +\n 1)", "q = √{n}", "q = {n}²", "q = e^{n}", "q = ln({n})", "",
           "   ", "q = −{n}"]


def random_program(seed: int) -> str:
    rng = random.Random(seed)
    shapes = [_shape(rng, rng.randint(0, 5)) for _ in range(rng.randint(1, 3))]
    # half the programs keep every name and number one length, so that statements of a shape
    # share their skeleton and are replayed; the others vary, so that skeletons differ
    uniform = rng.random() < 0.5
    names = ["x00", "y00"] if uniform else ["x", "y"]
    numbers = ["1", "2", "4", "7"] if uniform else NUMBERS
    lines = []
    for k in range(rng.randint(1, 25)):
        if rng.random() < 0.1:
            template = rng.choice(UNUSUAL)
            if template.startswith("q ="):
                template = template.replace("q =", f"u{k} =")
                names_after = [f"u{k}"]
            else:
                names_after = []
            lines.append(template.replace("{n}", rng.choice(names)))
            names += names_after
            continue
        target = (f"v{k:02d}" if uniform else f"v{k}") if rng.random() < 0.9 else None
        expr = _fill(rng, rng.choice(shapes), names, numbers,
                     not uniform and rng.random() < 0.3)
        equals = " = " if uniform else rng.choice(["=", " = ", "  =  "])
        lines.append(f"{target}{equals}{expr}" if target else expr)
        if target:
            names.append(target)
    seps = ["\n", ";", "; ", " ;\n", "\n\n"]
    text = lines[0]
    for line in lines[1:]:
        text += rng.choice(seps) + line
    return text


def outcome(text: str, fast: bool) -> tuple:
    """What parsing gives: the graph's arrays and tables, or the error's message and place."""
    try:
        g = parse_text(text, fast=fast)
    except DiffxError as err:
        return ("error", type(err).__name__, str(err))
    except Exception as err:  # NeedsBlocks: vector notation, read again by diffx.parse
        return ("raised", type(err).__name__)
    names, nodes, offsets = g._statements
    return (bytes(g.op), list(g.a), list(g.b), dict(g._leaf), dict(g.assigned), g.output,
            g.n_statements, g.output_name, names, list(nodes), list(offsets), g.inputs)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_fast_path_builds_the_general_parsers_graph(seed):
    text = random_program(seed)
    assert outcome(text, True) == outcome(text, False), text


def test_the_fast_path_is_taken(monkeypatch):
    """The logistic map as a program: all but a few statements are replayed (a shape is
    learnt at its second sighting), in both forms."""
    calls: list[bytes] = []
    original = FastStatements._learn

    def learn(self, skel):
        calls.append(skel)
        return original(self, skel)

    monkeypatch.setattr(FastStatements, "_learn", learn)
    for sep in ("\n", "; "):
        text = sep.join(["l0 = x"] + [f"l{k + 1} = 4*l{k}*(1 - l{k})" for k in range(300)])
        calls.clear()
        g = parse_text(text)
        assert len(g) == 3 * 300 + 3
        # l0 = x; then each of the shapes with 1-, 2- and 3-digit indices twice (read once by
        # the general parser, compiled at the second sighting), and the two switch-overs
        # (l10 = 4*l9*(1 - l9), l100 = ...) once
        assert len(calls) == 9
        assert outcome(text, True) == outcome(text, False)


# statements whose shape is replayed, then one of the same shape that is wrong: the error
# must be the general parser's, word for word and at the same column
BAD = [
    "a = 2*x; b = 2*a; b = 2*a",        # assigned twice
    "a = 2*x; b = 2*a; c = 2*c",        # used in its own definition
    "a = 2*x; b = 2*a; sin = 2*b",      # a function name as target
    "a = 2*x; b = 2*a; pi = 2*b",       # a constant as target
    "a = 2*x; b = 2*a; c = 2*zz; zz = 2*c",  # used before assigned
    "a = sin(x); b = sin(a); c = foo(b)",     # unknown function
    "a = sin(x); b = sin(a); c = max(b)",     # wrong arity
    "a = max(x, x); b = max(a, a); c = sin(a, b)",
    "a = 2*x; b = 2*a; c = 2*sin",      # a function used as a value
    "a = 2*x; b = 2*a; c = 9" + "9" * 400 + "*b",  # a literal too large for a float
    "a = 2*x; b = 2*a; c = 2*(b",       # never closed
    "a = 2*x; b = 2*a; c = 2*b)",
    "a = 2*x; b = 2*a; c = ",
    "a = 2*x; b = 2*a; c = 2 b",
    "a = 2*x; b = 2*a; c = 2*a = 3",
    "a = 2*x; b = 2*a; c = sum(a)",     # vector notation
    "a = 2*x; b = 2*a; c = a[0]",
]


@pytest.mark.parametrize("text", BAD)
def test_errors_are_the_general_parsers(text):
    for sep in ("; ", "\n"):
        source = text.replace("; ", sep)
        fast, general = outcome(source, True), outcome(source, False)
        assert fast == general
        assert fast[0] in ("error", "raised")


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1), st.text(alphabet="xab12.()+-*/^,;=\n #e", max_size=12))
def test_mutated_programs_fail_or_parse_alike(seed, noise):
    """A random program with random characters spliced in: the same graph or the same error."""
    text = random_program(seed)
    at = random.Random(seed).randint(0, len(text))
    text = text[:at] + noise + text[at:]
    assert outcome(text, True) == outcome(text, False), text


def test_library_parse_uses_it_and_agrees_on_values():
    """diffx.grad reads its text through the fast path; the gradient of the finite map
    (r = 3) is the hand-derived chain-rule product prod(3 - 6 l_k)."""
    steps = 50
    text = "\n".join(["l0 = x"] + [f"l{k + 1} = 3*l{k}*(1 - l{k})" for k in range(steps)])
    r = diffx.grad(text, at={"x": 0.3}, method="reverse")
    x, d = 0.3, 1.0
    for _ in range(steps):
        d *= 3 - 6 * x
        x = 3 * x * (1 - x)
    assert r.gradient["x"] == pytest.approx(d, rel=1e-9)


def test_the_lexer_holds_one_token_at_a_time():
    """A long program on one line (';'-separated, as typed on a command line): reading all its
    tokens needs memory for a token or two, not for the line's tokens (about 100 bytes each)."""
    import tracemalloc

    from diffx.lexer import END, tokens

    source = "; ".join(f"y{k} = 2*x + y{k}" for k in range(20_000))
    tracemalloc.start()
    try:
        count = 0
        for tok in tokens(source):
            if tok[0] == END:
                break
            count += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 20_000 * 8 - 1
    assert peak < 20_000  # bytes: the line's 160,000 tokens would take megabytes


def test_unusual_statements_on_one_line_restart_the_general_parser_where_they_start():
    """Every statement unusual (an implicit product): each is read by the general parser from
    its own start, and the graph is the general parser's."""
    for sep in ("; ", "\n"):
        text = sep.join(["y0 = x"] + [f"y{k + 1} = 2y{k}" for k in range(300)])
        assert outcome(text, True) == outcome(text, False)
        assert len(parse_text(text)) == 1 + 1 + 300
