"""The command line, as a newcomer and as a script use it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROUTE_SUM, invoke


def test_formulas_without_a_point():
    res = invoke("grad", "a*(a+b)", "--wrt", "a")
    assert res.exit_code == 0, res.output
    assert "2*a + b" in res.output  # symbolic, and the reverse route-sum simplified
    assert "(a + b) + a·1" in res.output  # the route-sum itself
    assert "needs a point" in res.output  # numeric says what it needs


def test_values_at_a_point():
    res = invoke("grad", ROUTE_SUM, "--at", "a=4,b=3")
    assert res.exit_code == 0, res.output
    lines = {line.split("│")[0].strip(): line for line in res.output.splitlines() if "│" in line}
    for method in ("symbolic", "numeric", "reverse"):
        assert method in lines
    assert "│ 11 " in lines["reverse"] and "│ 4 " in lines["reverse"]
    assert "│ 11 " in lines["symbolic"]
    assert "d = 28" in res.output
    assert "3 routes" in res.output


def test_json_is_strict_and_complete():
    res = invoke("grad", ROUTE_SUM, "--at", "a=4,b=3", "--json")
    assert res.exit_code == 0
    data = json.loads(res.output)
    assert data["expression"] == ROUTE_SUM
    assert data["inputs"] == ["a", "b"] and data["wrt"] == ["a", "b"]
    assert data["point"] == {"a": 4.0, "b": 3.0} and data["value"] == 28.0
    for method in ("symbolic", "numeric", "reverse"):
        r = data["results"][method]
        assert r["gradient"]["a"] == pytest.approx(11.0, rel=1e-9)
        assert r["gradient"]["b"] == pytest.approx(4.0, rel=1e-9)
        assert isinstance(r["seconds"], float)
    assert data["results"]["symbolic"]["formula"] == {"a": "2*a + b", "b": "a"}
    assert data["results"]["numeric"]["relative_error"]["a"] < 1e-9
    assert data["warnings"] == []


def test_json_failed_method_has_null_gradient_and_error():
    res = invoke("grad", "a*b", "--json")
    data = json.loads(res.output)
    assert data["point"] is None and data["value"] is None
    assert data["results"]["numeric"]["gradient"] is None
    assert "needs a point" in data["results"]["numeric"]["error"]
    assert data["results"]["symbolic"]["formula"] == {"a": "b", "b": "a"}


def test_json_non_finite_becomes_null():
    res = invoke("grad", "log(x)", "--at", "x=-1", "--json")
    assert res.exit_code == 0
    assert "NaN" not in res.output
    data = json.loads(res.output)
    assert data["value"] is None
    assert any("log needs a positive argument" in w for w in data["warnings"])


def test_routes_listing():
    res = invoke("grad", ROUTE_SUM, "--wrt", "a", "--at", "a=4,b=3", "--routes",
                 "--method", "reverse")
    assert res.exit_code == 0, res.output
    assert "a → d:      ∂d/∂a = c = 7" in res.output
    assert "a → c → d:  ∂d/∂c · ∂c/∂a = a · 1 = 4 · 1 = 4" in res.output
    assert "sum: 7 + 4 = 11; the reverse sweep got 11" in res.output


@pytest.mark.parametrize("args, message", [
    (["grad", "a +"], "error: the expression ends after '+'"),
    (["grad", "foo(x)"], "unknown function 'foo'"),
    (["grad", "a*b", "--at", "a=1"], "no value for input 'b'"),
    (["grad", "a*b", "--at", "a=1,b=2,c=3"], "'c', which is not an input"),
    (["grad", "a*b", "--at", "a=1,b=x"], "not a number"),
    (["grad", "a*b", "--at", "a=1,b"], "has no value"),
    (["grad", "a*b", "--wrt", "z"], "not an input"),
    (["grad", "c = 2; d = c*x", "--wrt", "c"], "'c' is assigned in the program"),
    (["grad", "a*b", "--method", "numeric"], "needs a point"),
    (["grad", "abs(x)", "--at", "x=1", "--method", "numeric", "--scheme", "complex"],
     "not complex-analytic"),
    (["grad"], "no expression"),
    (["grad", "-f", "/nonexistent/file.dx"], "cannot read"),
])
def test_bad_input_exits_2_with_a_message(args, message):
    res = invoke(*args)
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert "Traceback" not in res.output


def test_bad_option_is_a_usage_error():
    res = invoke("grad", "x", "--method", "magic")
    assert res.exit_code == 2
    assert "Traceback" not in res.output


def test_reads_files_and_standard_input(tmp_path):
    prog = tmp_path / "prog.dx"
    prog.write_text("# the lecture's example\nc = a + b\nd = a * c\n")
    res = invoke("grad", "-f", str(prog), "--at", "a=4,b=3", "--json", "--method", "reverse")
    assert json.loads(res.output)["results"]["reverse"]["gradient"] == {"a": 11.0, "b": 4.0}
    res = invoke("grad", "-", "--at", "a=4,b=3", "--json", "--method", "reverse",
                 input=ROUTE_SUM)
    assert json.loads(res.output)["results"]["reverse"]["gradient"] == {"a": 11.0, "b": 4.0}


def test_point_values_may_be_constant_expressions():
    res = invoke("grad", "sin(x)", "--at", "x=pi/2", "--json", "--method", "reverse")
    data = json.loads(res.output)
    assert data["value"] == 1.0
    assert abs(data["results"]["reverse"]["gradient"]["x"]) < 1e-15


def test_installed_console_script_runs():
    # next to this interpreter (a venv's bin/ need not be on PATH); this checkout first on
    # the path, so that the script runs the code under test, not another installed copy
    exe = Path(sys.executable).parent / ("diffx.exe" if os.name == "nt" else "diffx")
    assert exe.exists(), f"the diffx console script is not installed next to {sys.executable}" \
        " (pip install -e .)"
    env = {**os.environ, "COLUMNS": "120", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([exe, "grad", ROUTE_SUM, "--at", "a=4,b=3", "--json"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["results"]["reverse"]["gradient"] == {"a": 11.0, "b": 4.0}
    bad = subprocess.run([exe, "grad", "sin(", "--at", "x=1"], capture_output=True, text=True,
                         timeout=120, env=env)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: ") and "Traceback" not in bad.stderr
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=120,
                             env=env)
    assert version.returncode == 0 and version.stdout.startswith("diffx "), version.stderr


def test_python_dash_m_runs():
    out = subprocess.run([sys.executable, "-m", "diffx", "grad", "x^2", "--at", "x=3",
                          "--method", "reverse", "--json"], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["results"]["reverse"]["gradient"] == {"x": 6.0}
