"""What the parser tells about a program: inputs in program order, unused statements."""

import json

import pytest

import diffx
from diffx import parse


@pytest.mark.parametrize("src, inputs", [
    ("b + a", ("b", "a")),
    ("z = w*x + b; y = sigmoid(z); L = 0.5*(y - t)^2", ("w", "x", "b", "t")),
    ("c + a·1", ("c", "a")),
    ("y1 = x^2*z; y2 = x^3", ("x", "z")),
    ("2zeta + alpha*zeta", ("zeta", "alpha")),
])
def test_inputs_are_listed_in_order_of_first_appearance(src, inputs):
    g = parse(src)
    assert g.inputs == inputs
    assert list(g.input_nodes) == list(inputs)


def test_the_json_report_lists_inputs_in_program_order(runner):
    from diffx.cli import app

    res = runner.invoke(app, ["grad", "y*x", "--at", "x=2,y=3", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["inputs"] == ["y", "x"]


@pytest.mark.parametrize("src, unused", [
    ("y1 = x^2*z; y2 = x^3", [("y1", 1)]),
    ("a = x\nb = 2*x\nc = sin(x)\nc + 1", [("b", 2)]),   # a is x itself: used
    ("k = 3\nx^2\nq = x + 1; r = q*2\ny = x", [("k", 1), (None, 2), ("q", 3), ("r", 3)]),
    ("a = x^2; b = x^2 + 1", []),                         # a's node is shared with b
    ("y1 = x; y2 = y1 + 1", []),
    ("x^2", []),
])
def test_unused_statements(src, unused):
    g = parse(src)
    assert g.unused == unused
    assert (g.unused_warning() is None) == (not unused)


def test_the_warning_names_the_statement_its_line_and_the_output():
    g = parse("y1 = x^2*z; y2 = x^3")
    assert g.unused_warning() == ("y1 (line 1) is not used by the output y2; input z is used "
                                  "only there")
    g = parse("a = 1\nb = x + 1\nx^2")
    assert g.unused_warning() == "a (line 1) and b (line 2) are not used by the output f"
    g = parse("u = 2*w\r\nw*3\r\nw")
    assert g.unused_warning() == ("u (line 1) and w*3 (line 2) are not used by the output f")


def test_many_unused_statements_are_summarised():
    src = "\n".join(f"u{k} = x + {k}" for k in range(8)) + "\nx^2"
    text = parse(src).unused_warning()
    assert text.startswith("u0 (line 1), u1 (line 2)")
    assert "3 more are not used by the output f" in text


def test_unused_statements_still_do_not_change_the_derivative():
    r = diffx.grad("y1 = x^2*z; y2 = x^3", at={"x": 2.0, "z": 5.0})
    assert r.gradient == {"x": 12.0, "z": 0.0}


def test_the_title_counts_statements_in_good_english():
    assert parse("x^2 + 1   # one statement with a comment").title() == "x^2 + 1   (1 statement)"
    assert parse("a = x^2\nb = a + 1").title() == "b = a + 1   (2 statements)"
