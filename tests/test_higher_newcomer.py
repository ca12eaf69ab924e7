"""A newcomer's path through traced functions, the adjoint program, Hessians and several
outputs (issue 11): the branch warning of a traced function reaches every second-order entry,
``adjoint`` traces a callable, ``--order 2`` honours ``--method`` and has the first order's
header, a repeated ``--of`` name is refused, and the messages name what the user wrote.

Oracles are hand derivations: g(x, y) = x*x*y on the branch x > y, so at (2, 1) the value is
4, the gradient (2xy, x^2) = (4, 4) and the Hessian [[2y, 2x], [2x, 0]] = [[2, 4], [4, 0]].
"""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest
from typer.testing import CliRunner

import diffx
from diffx.cli import app

AT = {"x": 2.0, "y": 1.0}
HESSIAN = [[2.0, 4.0], [4.0, 0.0]]

SOURCE = textwrap.dedent("""\
    import numpy as np

    def g(x, y):
        if x > y:
            return x * x * y
        return np.sin(x) * y

    def rounded(x):
        return round(x) * x
    """)


def g(x, y):
    if x > y:
        return x * x * y
    return x + y


@pytest.fixture
def mine(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text(SOURCE, "utf-8")
    return path


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def _branch(text: str) -> bool:
    return "branches on traced values" in text and "x > y" in text


# ---------------------------------------------------------------- 1. the branch warning

def test_hessian_of_a_branching_function_carries_the_branch_warning():
    for method in ("symbolic", "reverse", "forward", "numeric"):
        h = diffx.hessian(g, at=AT, method=method)
        np.testing.assert_allclose(h.matrix, HESSIAN, atol=1e-6)
        assert any(_branch(w) for w in h.warnings), method
    v = diffx.hvp(g, at=AT, v={"x": 1, "y": 0})
    assert v == pytest.approx({"x": 2.0, "y": 4.0})
    assert any(_branch(w) for w in v.warnings)
    # a program has no branch: nothing is said
    assert diffx.hessian("x*x*y", at=AT).warnings == []
    assert diffx.hvp("x*x*y", at=AT, v=[1, 0]).warnings == []


def test_order_two_prints_the_branch_warning_and_puts_it_in_json(mine):
    out = invoke("grad", f"{mine}:g", "--order", "2", "--at", "x=2,y=1")
    assert out.exit_code == 0, out.output
    assert out.output.count("branches on traced values") == 1  # once, in the header
    data = json.loads(invoke("grad", f"{mine}:g", "--order", "2", "--at", "x=2,y=1",
                             "--json").output)
    assert _branch(data["warnings"][0])
    for method in ("symbolic", "reverse", "forward", "numeric"):
        assert any(_branch(w) for w in data[method]["warnings"])
        np.testing.assert_allclose(data[method]["hessian"], HESSIAN, atol=1e-6)


def test_adjoint_says_which_branch_its_program_holds_for(mine):
    adj = diffx.adjoint(diffx.trace(g, **AT))
    assert any(_branch(w) for w in adj.warnings)
    text = adj.text()
    assert "# warning: g branches on traced values" in text
    assert adj.evaluate(AT) == (4.0, {"x": 4.0, "y": 4.0})
    program = adj.python()
    assert "    # warning: g branches on traced values" in program
    compile(program, "<adjoint>", "exec")  # the comment keeps it valid Python
    for emit in ("diffx", "python"):
        out = CliRunner().invoke(app, ["adjoint", f"{mine}:g", "--at", "x=2,y=1",
                                       "--emit", emit])
        assert out.exit_code == 0, out.output
        assert _branch(out.stderr)
        assert "# warning: g branches on traced values" in out.stdout
    # a program's adjoint says nothing of branches
    assert diffx.adjoint("c = a + b; d = a * c").warnings == ()
    assert "warning" not in diffx.adjoint("c = a + b; d = a * c").text()


def test_the_adjoint_text_with_the_warning_parses_back():
    adj = diffx.adjoint(g, at=AT)
    assert diffx.parse(adj.text()).inputs == ("x", "y")  # the comments parse as comments


# ---------------------------------------------------------------- 2. adjoint of a callable

def test_adjoint_traces_a_callable_at_the_point():
    adj = diffx.adjoint(lambda x, y: x * x * y, at=AT)
    assert adj.evaluate(AT) == (4.0, {"x": 4.0, "y": 4.0})
    with pytest.raises(diffx.DiffxError, match="point"):
        diffx.adjoint(lambda x, y: x * y)


# ---------------------------------------------------------------- 3, 4. --order 2 output

def test_order_two_honours_method_and_has_the_header():
    out = invoke("grad", "c = a + b; d = a * c", "--order", "2", "--at", "a=4,b=3",
                 "--method", "reverse")
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    # d = a(a + b): at (4, 3) d = 28, H = [[2, 1], [1, 0]]
    assert lines[:3] == ["c = a + b; d = a * c", "at a=4, b=3", "d = 28"]
    assert "reverse" in out.output
    for other in ("symbolic", "forward", "numeric"):
        assert other not in out.output
    data = json.loads(invoke("grad", "c = a + b; d = a * c", "--order", "2", "--at", "a=4,b=3",
                             "--method", "forward", "--json").output)
    assert set(data) == {"expression", "point", "value", "warnings", "forward", "agreement"}
    assert data["value"] == 28.0 and data["point"] == {"a": 4.0, "b": 3.0}
    assert data["forward"]["hessian"] == [[2.0, 1.0], [1.0, 0.0]]
    bad = invoke("grad", "a*b", "--order", "2", "--at", "a=4,b=3", "--method", "matrix")
    assert bad.exit_code != 0 and "--method matrix" in bad.output and "Hessian" in bad.output


# ---------------------------------------------------------------- 5. --of names each output once

def test_a_repeated_output_name_is_an_error():
    src = "y1 = x*z; y2 = x + z"
    out = invoke("grad", src, "--of", "y1,y1", "--at", "x=2,z=3")
    assert out.exit_code != 0 and "--of names y1 more than once" in out.output
    with pytest.raises(diffx.DiffxError, match="y1 more than once"):
        diffx.grad(src, of=["y1", "y2", "y1"], at={"x": 2, "z": 3})
    # each once is still the Jacobian: d(xz, x + z)/d(x, z) = [[z, x], [1, 1]] = [[3, 2], [1, 1]]
    j = diffx.grad(src, of="y1,y2", at={"x": 2, "z": 3})
    assert j.gradient["x"].tolist() == [3.0, 1.0] and j.gradient["z"].tolist() == [2.0, 1.0]


# ---------------------------------------------------------------- 6. messages name what was written

@pytest.mark.parametrize("call, name", [("round(x)", "round()"), ("int(x)", "int()"),
                                        ("math.floor(x)", "math.floor()")])
def test_rounding_a_traced_value_names_the_call(tmp_path, call, name):
    path = tmp_path / "r.py"
    path.write_text(f"import math\n\ndef f(x):\n    return {call} * x\n", "utf-8")
    out = invoke("grad", f"{path}:f", "--at", "x=1.2")
    assert out.exit_code != 0
    assert f"line 4 of f (r.py): {name} was given a traced value" in out.output
    assert "step function" in out.output and "math.sin" not in out.output


def test_a_python_file_without_a_function_gets_the_function_hint(tmp_path, mine):
    marker = tmp_path / "ran"
    mine.write_text(SOURCE + f"\nopen({str(marker)!r}, 'w').close()\n", "utf-8")
    out = invoke("grad", str(mine), "--at", "x=1")
    assert out.exit_code != 0
    assert f"{mine}:FUNCTION (its functions: g, rounded)" in out.output
    assert "-f" not in out.output
    assert not marker.exists()  # the file was read, never run


def test_swell_and_the_graph_command_carry_the_branch_warning(mine):
    assert any(_branch(w) for w in diffx.swell(g, at=AT).warnings)
    assert diffx.swell("x*x*y").warnings == []
    out = invoke("graph", f"{mine}:g", "--at", "x=2,y=1")
    assert out.exit_code == 0 and _branch(out.stderr)
    assert out.stdout.lstrip().startswith("digraph")  # the DOT text stays clean
    # compare, check, render already carried it (the runner adds it to every result)
    assert all(any(_branch(w) for w in r.warnings)
               for r in diffx.compare(g, at=AT).results.values())
    assert any(_branch(w) for w in diffx.check(g, at=AT).warnings)
