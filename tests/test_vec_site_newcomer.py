"""A newcomer's report on vectors and the docs site: a vector output's backward check compares
like with like and says when it disagrees, CSV points with the matrix method, a claim's error
position in the user's text, every link of the built site resolving, docstrings as text."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

import diffx
from diffx.cli import app


def _cli(*args: str):
    return CliRunner().invoke(app, list(args))


# -- 1. the backward check of a vector output --------------------------------------------------
def test_backward_check_of_a_vector_output_is_seeded_with_ones_like_the_pass():
    # L = W x, L̄ = 1: W̄ = 1 xᵀ = [[1,2],[1,2]], x̄ = Wᵀ 1 = [4, 6] (by hand)
    back = diffx.backward("L = W @ x", at={"W": [[1, 2], [3, 4]], "x": [1, 2]})
    values = {line.name: line.value for line in back.lines}
    assert np.array_equal(values["W"], [[1, 2], [1, 2]])
    assert np.array_equal(values["x"], [4, 6])
    check = back.check()
    assert check.worst < 1e-12 and check.agrees
    out = _cli("grad", "L = W @ x", "--at", "W=[[1,2],[3,4]], x=[1,2]", "--backward")
    assert out.exit_code == 0, out.output
    assert "L̄ = 1 (every entry: the gradient of sum(L))" in out.output
    assert "agrees within 0.0e+00" in out.output


def test_a_backward_check_past_its_tolerance_disagrees_and_the_command_fails(monkeypatch):
    from diffx.backward import Backward
    from diffx.present.backward import check_text

    back = diffx.backward("y = W @ x", at={"W": [[1, 2], [3, 4]], "x": [1, 2]})
    assert back.lines[1].name == "W"  # W̄ = 1 xᵀ = [[1, 2], [1, 2]]
    back.lines[1].value = back.lines[1].value + 2.0  # a wrong adjoint: 2 off in every entry
    check = back.check()
    assert check.worst == pytest.approx(2.0)  # |2| / max(1, |ref| = 1) at W[0,0]
    assert check.entry in ("W[0,0]", "W[1,0]")
    assert not check.agrees
    text = check_text(check)
    assert "DISAGREES" in text and "agrees within" not in text
    bad = check
    monkeypatch.setattr(Backward, "check", lambda self: bad)
    out = _cli("grad", "y = W @ x", "--at", "W=[[1,2],[3,4]], x=[1,2]", "--backward")
    assert out.exit_code == 1
    assert "DISAGREES" in out.output


# -- 2. CSV points with the matrix method ------------------------------------------------------
def _csv(tmp_path, rows):
    path = tmp_path / "pts.csv"
    path.write_text("x[0],x[1],a[0],a[1]\n" + "".join(r + "\n" for r in rows))
    return str(path)


def test_the_matrix_method_counts_the_points_of_a_csv_file_not_their_entries(tmp_path):
    out = _cli("grad", "sum(x*a)", "--at", _csv(tmp_path, ["1,2,3,4", "5,6,7,8"]),
               "--method", "matrix")
    assert out.exit_code == 2
    assert "the other methods run on the 2 points" in out.output


def test_a_csv_file_of_one_row_is_one_point(tmp_path):
    # sum(x*a) at x=[1,2], a=[3,4]: 1*3 + 2*4 = 11, ∂/∂x = a = [3 4], ∂/∂a = x = [1 2]
    path = _csv(tmp_path, ["1,2,3,4"])
    for method in ("matrix", "reverse"):
        out = _cli("grad", "sum(x*a)", "--at", path, "--method", method)
        assert out.exit_code == 0, out.output
        assert "points" not in out.output
        assert "f = 11\n" in out.output
        assert "[3 4]" in out.output and "[1 2]" in out.output
    scalar = tmp_path / "one.csv"
    scalar.write_text("x,y\n3,2\n")
    out = _cli("grad", "x*y", "--at", str(scalar), "--method", "reverse")
    assert out.exit_code == 0, out.output
    assert "at x=3, y=2" in out.output and "points" not in out.output


# -- 3. a claim's error is placed in the claim as typed ----------------------------------------
def test_a_claims_parse_error_names_the_column_in_the_claim_and_echoes_it():
    out = _cli("check", "L = sum(x*x)", "--at", "x=[1,2]", "--claim", "x = outer(x, x, x)")
    assert out.exit_code != 0
    text = out.output
    assert "claim_" not in text and "line 2" not in text
    # the third argument of outer(x, x, x) starts at column 13 of the formula; the parser
    # points at the separator before it, column 11 (as for the same formula alone)
    alone = _cli("grad", "outer(x, x, x)", "--at", "x=[1,2]")
    column = alone.output.split(" at column ")[1].split("\n")[0]
    assert f"at column {column}\n  outer(x, x, x)\n" in text
    lines = text.splitlines()
    caret = next(i for i, line in enumerate(lines) if line.strip().startswith("^"))
    assert lines[caret - 1] == "  outer(x, x, x)"
    assert lines[caret].index("^") == 2 + int(column) - 1


# -- 5. docstrings as the API page shows them --------------------------------------------------
def _public_docstrings():
    import inspect

    for name in diffx.__all__:
        obj = getattr(diffx, name)
        yield name, inspect.getdoc(obj) or ""
        if inspect.isclass(obj):
            for member, value in vars(obj).items():
                if not member.startswith("_") and callable(value):
                    yield f"{name}.{member}", inspect.getdoc(value) or ""


def test_public_docstrings_hold_no_control_characters():
    # a "\r\n" in a docstring that is not raw becomes a real CR LF on the API page
    assert "``\\r\\n``" in diffx.parse.__doc__
    bad = [name for name, doc in _public_docstrings()
           if any(ch in doc for ch in "\r\t\x0b\x0c\x00")]
    assert bad == []


def test_the_docs_hook_makes_sphinx_roles_cross_references():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "docs" / "hooks.py"
    spec = importlib.util.spec_from_file_location("docs_hooks", path)
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    html = ("<p>a :class:<code>~diffx.vectors.VectorProgram</code>, :func:<code>grad</code> "
            "and :mod:<code>diffx.engine</code></p>")
    out = hooks.on_page_content(html, None, None, None)
    assert out == (
        '<p>a <autoref identifier="diffx.vectors.VectorProgram" slug="diffx.VectorProgram" '
        'optional><code>VectorProgram</code></autoref>, <autoref identifier="grad" '
        'slug="diffx.grad" optional><code>grad</code></autoref> and <autoref '
        'identifier="diffx.engine" optional><code>diffx.engine</code></autoref></p>')


# -- 6. the docs extra is the site's tools only ------------------------------------------------
def test_the_docs_extra_holds_only_what_the_site_build_needs():
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml")
                            .read_text("utf-8"))["project"]
    extras = project["optional-dependencies"]

    def names(specs):
        return {spec.split(">")[0].split("=")[0].split("<")[0].split("[")[0] for spec in specs}

    assert names(extras["docs"]) == {"mkdocs", "mkdocs-material", "mkdocstrings",
                                     "mkdocs-jupyter"}
    assert "mkdocstrings[python]>=0.26" in extras["docs"]
    assert set(extras["docs"]) <= set(extras["test"])  # the site is built by the tests too
