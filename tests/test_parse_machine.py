"""The machine parser (diffx.parse_machine, compiled in the tier's kernel) builds exactly the
graph of the general parser, node for node, and refuses everything else: compared over random
programs, run as plain Python and as the kernel compiled by numba."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import diffx
from diffx import parse_big, parse_machine
from test_parse_fast import BAD, outcome, random_program

# what the machine parser leaves to the general parser (diffx.parse_machine's docstring)
REFUSED = ["2x", "1e-3", "√", "²", "ln(", "−", "sum(", "[0]"]


def machine(text: str, run) -> tuple | None:
    with np.errstate(all="ignore"):  # (as plain Python, numpy's scalars warn of wrap-around)
        g = parse_big.parse(text, run)
    if g is None:
        return None
    names, nodes, offsets = g._statements
    return (bytes(g.op), list(g.a), list(g.b), dict(g._leaf), dict(g.assigned), g.output,
            g.n_statements, g.output_name, list(names), list(nodes), list(offsets), g.inputs)


def runners():
    out = [pytest.param(parse_machine.parse_program, id="python")]
    from diffx import compiled

    kernel = compiled.kernel()
    out.append(pytest.param(kernel.parse_program if kernel is not None else None,
                            id="compiled", marks=pytest.mark.skipif(
                                kernel is None, reason="numba cannot build the kernel here")))
    return out


@pytest.fixture(scope="module", params=runners())
def run(request):
    return request.param


def check(text: str, run, must_accept: bool) -> None:
    general = outcome(text, False)
    got = machine(text, run)
    if got is None:
        assert not must_accept or general[0] in ("error", "raised"), text
    else:
        assert general[0] not in ("error", "raised"), (text, general)
        assert got == general, text


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_random_programs_give_the_general_parsers_graph(run, seed):
    text = random_program(seed)
    check(text, run, must_accept=not any(r in text for r in REFUSED))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1), st.text(alphabet="xab12.()+-*/^,;=\n #e", max_size=12))
def test_mutated_programs_parse_alike_or_are_refused(run, seed, noise):
    """Random characters spliced in: the same graph, or a refusal (then the general parser
    reads the program and gives its own graph or error)."""
    text = random_program(seed)
    at = random.Random(seed).randint(0, len(text))
    text = text[:at] + noise + text[at:]
    check(text, run, must_accept=False)


@pytest.mark.parametrize("text", BAD)
def test_every_error_is_refused(run, text):
    for sep in ("; ", "\n"):
        assert machine(text.replace("; ", sep), run) is None


CASES = [
    # (program, what the graph must show)
    ("-0 + x + 0", "-0 and 0 are one constant, written as first met"),
    ("--3*x + 3*x", "a double negation folds back into the constant 3"),
    ("2.50*x + 2.5*x", "2.50 and 2.5 are one constant"),
    ("x^-2^3 - -x^2 + x**2**3", "right associative powers, unary minus below ^"),
    ("a = (x +\n y) # a comment (with a paren\nb = a*a # another\n\nb", "new line in ( )"),
    ("max(x, y) + min(x*y, 2) - sin(cos(x))", "calls"),
    ("0.1*x + 123456789012345*x + 0.0000000000000000000001*x", "15 digits, 22 decimals"),
    ("-pi*x + pi + e^x - -e + 3.14159265358979*x + sin(pi)", "named constants, not folded"),
]


@pytest.mark.parametrize("text,why", CASES)
def test_cases_are_read_alike(run, text, why):
    check(text, run, must_accept=True)


@pytest.mark.parametrize("text", ["1234567890123456*x", "0.00000000000000000000001*x",
                                  "x = x + 1", "ln(x)", "pi(x)", "e = 2", "2(x)", "x.T",
                                  "sum(x)",
                                  "sin x", "f(x)", "", " ; \n", "x = 1; x = 2", "(x", "x)"])
def test_unusual_programs_are_refused(run, text):
    assert machine(text, run) is None


def test_tables_grow(run):
    """More names, constants and third users of a node than the first tables hold."""
    lines = []
    for k in range(700):
        lines += [f"s{k} = x{k} + y{k % 7}", f"t{k} = x{k} - y{k % 7}", f"u{k} = x{k}*y{k % 7}",
                  f"v{k} = max(x{k}, y{k % 7}) + {k}.5 + {k}", f"w{k} = s{k}*t{k}*u{k}/v{k}"]
    lines.append(" + ".join(f"w{k}" for k in range(700)))
    text = "\n".join(lines)
    check(text, run, must_accept=True)


def test_a_statement_that_outgrows_the_arrays_is_read_again_to_the_same_graph(run):
    """A long statement after short ones runs out of room part-way, after making new inputs,
    constants, negated constants and calls; it is read again from its start once the arrays
    have grown, and the graph is the general parser's."""
    terms = [f"-{k}.25*x{k} + sin(x{k % 5} - {k}) + (x{k}*y)^2" for k in range(300)]
    text = "\n".join([f"a{k} = y*{k}" for k in range(40)] + [" + ".join(terms) + " + a39"])
    check(text, run, must_accept=True)
    if run is parse_machine.parse_program:  # (as plain Python: the restart is seen)
        calls = []
        original = parse_machine._statements

        def counted(src, pos, *rest):
            calls.append((pos, int(rest[-1][0])))  # where it starts, the nodes made before
            return original(src, pos, *rest)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(parse_machine, "_statements", counted)
            check(text, run, must_accept=True)
        long_at = text.index("-0.25")
        short = len(diffx.parse(text[:long_at]).op)  # the nodes of the short statements
        # the last call starts at the long statement, whose reading before had made nodes
        assert calls[-1][0] == long_at and calls[-1][1] > short, (calls, short)


def test_the_logistic_map_is_read_alike(run):
    text = "\n".join(["l0 = x"] + [f"l{k + 1} = 4*l{k}*(1 - l{k})" for k in range(3000)])
    check(text, run, must_accept=True)
    check(text.replace("\n", "; "), run, must_accept=True)


def test_a_big_program_is_parsed_by_the_kernel_with_the_same_gradient(monkeypatch):
    from diffx import compiled

    if compiled.kernel() is None:
        pytest.skip("numba cannot build the kernel here")
    text = "\n".join(["l0 = x"] + [f"l{k + 1} = 3*l{k}*(1 - l{k})" for k in range(4000)])
    assert len(text) >= parse_big.MIN_BYTES
    g = diffx.parse(text)
    assert isinstance(g, parse_big.ParsedGraph)
    monkeypatch.setenv("DIFFX_COMPILED", "0")
    h = diffx.parse(text)
    assert not isinstance(h, parse_big.ParsedGraph)
    # names: the first look-ups from the statements' arrays, the later ones from the table
    nodes = [0, 1, 2, 5, 6, 7, g.output, *range(100, 160)]
    assert [g.name(n) for n in nodes] == [h.name(n) for n in nodes]
    assert g._assigned is not None  # (past the scanned look-ups, the table is made)
    assert g.assigned == h.assigned and g.unused == h.unused and g.title() == h.title()
    r, s = diffx.grad(g, at={"x": 0.3}), diffx.grad(h, at={"x": 0.3})
    assert r.gradient["x"].hex() == s.gradient["x"].hex()
    assert r.warnings == s.warnings
