"""docs/lecture.md is real diffx output, and its worked examples give the lecture's numbers.

Every ```console block of the page is rerun and compared with what the page shows (timings,
which vary from run to run, are masked), so a page that `python docs/build.py lecture` has not
regenerated after a change fails here. The key numbers of the classic examples (the route-sum,
CSC311's logistic least squares, CS2109S's PyTorch example, CS3244's δ recursion, CS231n's
staged gates and sigmoid neuron, colah's sum over paths, micrograd's L = −8) are checked against
derivations by hand written out below, independent of diffx, both in the library's results and
in the page's text.
"""

from __future__ import annotations

import importlib.util
import math
import re
import shlex
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import diffx
from diffx.cli import app

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))
from blocks import same  # noqa: E402  (the site's own comparison of output with a page)

PAGE = ROOT / "docs" / "lecture.md"
BLOCK = re.compile(r"```console\n\$ (diffx .+?)\n(.*?)\n```", re.S)
ENV = {"COLUMNS": "110", "NO_COLOR": "1", "TERM": "dumb"}


def page() -> str:
    return PAGE.read_text("utf-8")


def blocks() -> list[tuple[str, str]]:
    return BLOCK.findall(page())


def build_module():
    spec = importlib.util.spec_from_file_location("docs_build", ROOT / "docs" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_page_holds_every_command_of_its_build_script_in_order():
    build = build_module()
    wanted = [b[2:] for b in build.LECTURE if b.startswith("$ diffx ")]  # (scripts: elsewhere)
    assert [command for command, _ in blocks()] == wanted
    for block in build.CLASSICS:
        if not block.startswith("$ "):
            assert block.strip() in page(), block[:60]


@pytest.mark.parametrize("command", [c for c, _ in BLOCK.findall(PAGE.read_text("utf-8"))])
def test_every_command_block_is_the_commands_real_output(command, monkeypatch):
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    shown = dict(blocks())[command]
    result = CliRunner().invoke(app, shlex.split(command)[1:], env=ENV)
    assert result.exit_code in (0, 1), result.output
    assert same(result.output, shown), f"{command}\n{result.output}"


# ------------------------------------------------- the key numbers, derived by hand

def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def section(title: str) -> str:
    """The page's section under TITLE, in NFC (diffx writes ā as a and a combining macron)."""
    text = unicodedata.normalize("NFC", page())
    start = text.index(title)
    end = text.find("\n## ", start + 1)
    nxt = text.find("\n### ", start + 1)
    ends = [e for e in (end, nxt) if e != -1]
    return text[start:min(ends) if ends else len(text)]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def test_route_sum_a4_b3():
    a, b = 4.0, 3.0
    c = a + b
    want = {"a": c + a * 1, "b": a * 1}          # route-sum: c + a·1 = 11, a·1 = 4
    assert want["a"] == 11
    got = diffx.grad("c = a + b; d = a * c", at={"a": a, "b": b}).gradient
    assert got == pytest.approx(want)
    text = section("### The route-sum as trace tables")
    assert nfc("ā = 11   b̄ = 4") in text and nfc("sum: 7 + 4 = 11") in text
    assert nfc("dd/da = 2*a + b") in text


def test_csc311_logistic_least_squares():
    w, x, b, t, lam = 0.8, 1.5, -0.3, 1.0, 0.1
    z = w * x + b
    y = sig(z)
    zbar = (y - t) * y * (1 - y)                   # ȳ = y − t, z̄ = ȳ σ'(z)
    want = {"w": zbar * x + lam * w, "b": zbar, "x": zbar * w, "t": -(y - t), "lambda": w * w / 2}
    source = (ROOT / "examples" / "logistic_least_squares.dx").read_text()
    got = diffx.grad(source, at={"w": w, "x": x, "b": b, "t": t, "lambda": lam}).gradient
    assert got == pytest.approx(want, rel=1e-12)
    text = section("### CSC311")
    assert nfc(f"w̄ = {want['w']:.3f}   x̄ = {want['x']:.3f}   b̄ = {want['b']:.3f}") in text
    assert nfc(f"z̄ = −{abs(zbar):.4f}") in text
    assert nfc(f"= −{abs(want['w']):.4f}, b̄ = −{abs(zbar):.4f}") in text


def test_cs2109s_torch_example():
    got = diffx.grad("h = sigmoid(w1 * x); y = w2 * h", at={"x": 0, "w1": 0, "w2": 0}).gradient
    assert got == pytest.approx({"w1": 0.0, "x": 0.0, "w2": 0.5})   # torch prints 0 and 0.5
    assert nfc("w̄1 = 0   x̄ = 0   w̄2 = 0.5") in section("### CS2109S")


def test_cs3244_delta_recursion():
    W1 = np.array([[1, -1], [2, 0.5]])
    x = np.array([1.0, -2.0])
    w2 = np.array([0.5, -1.0])
    f1 = W1.T @ x
    a1 = 1 / (1 + np.exp(-f1))
    delta = a1 * (1 - a1) * w2                    # δ = g'(f) ∘ (w δ_out), δ_out = 1
    assert f1.tolist() == [-3.0, -2.0]
    result = diffx.grad("f1 = W1.T @ x; a1 = sigmoid(f1); y = w2 @ a1",
                        at={"W1": W1.tolist(), "x": x.tolist(), "w2": w2.tolist()}).gradient
    assert np.allclose(result["W1"], np.outer(x, delta), rtol=1e-12)   # a⁽ˡ⁻¹⁾ δᵀ
    assert np.allclose(result["x"], W1 @ delta, rtol=1e-12)
    assert np.allclose(result["w2"], a1, rtol=1e-12)
    text = section("### CS3244")
    assert nfc(f"[{delta[0]:.4f}, −{abs(delta[1]):.4f}]") in text
    assert nfc("[[ 0.0225883 -0.104994]") in text and nfc("[-0.0451767  0.209987]]") in text


def test_cs231n_add_and_multiply_gates():
    x, y, z = -2.0, 5.0, -4.0
    q = x + y
    want = {"x": z, "y": z, "z": q}                # the add gate passes z on; the product swaps
    assert want == {"x": -4, "y": -4, "z": 3}
    got = diffx.grad("q = x + y; f = q * z", at={"x": x, "y": y, "z": z}).gradient
    assert got == pytest.approx(want)
    assert nfc("x̄ = -4   ȳ = -4   z̄ = 3") in section("### CS231n: staged")


def test_cs231n_sigmoid_neuron():
    w = (2.0, -3.0, -3.0)
    x = (-1.0, -2.0)
    f = sig(w[0] * x[0] + w[1] * x[1] + w[2])
    local = f * (1 - f)                            # the sigmoid gate's f(1 − f) = 0.197
    dx = [w[0] * local, w[1] * local]
    dw = [x[0] * local, x[1] * local, local]
    assert [round(v, 3) for v in dx] == [0.393, -0.590]
    assert [round(v, 3) for v in dw] == [-0.197, -0.393, 0.197]
    at = {"w0": w[0], "w1": w[1], "w2": w[2], "x0": x[0], "x1": x[1]}
    got = diffx.grad("dot = w0*x0 + w1*x1 + w2; f = 1 / (1 + exp(-dot))", at=at).gradient
    assert got == pytest.approx({"w0": dw[0], "w1": dw[1], "w2": dw[2], "x0": dx[0],
                                 "x1": dx[1]}, rel=1e-12)
    vector = diffx.grad("f = sigmoid(w @ x + b)",
                        at={"w": [2, -3], "x": [-1, -2], "b": -3}).gradient
    assert np.allclose(vector["x"], dx, rtol=1e-12) and np.allclose(vector["w"], dw[:2])
    text = section("### CS231n: the sigmoid neuron")
    assert nfc("w̄0 = -0.197   x̄0 = 0.393   w̄1 = -0.393   x̄1 = -0.59   w̄2 = 0.197") in text
    assert nfc("[ 0.393224 -0.589836]") in text and nfc("[-0.196612 -0.393224]") in text


def test_colah_sum_over_paths():
    a, b = 2.0, 1.0
    c, d = a + b, b + 1
    want = {"a": d, "b": 1 * d + 1 * c}            # b: two paths, d + c = 5
    assert want == {"a": 2, "b": 5}
    got = diffx.grad("c = a + b; d = b + 1; c * d", at={"a": a, "b": b}).gradient
    assert got == pytest.approx(want)
    text = section("### colah")
    assert nfc("routes from b to f: 2") in text and nfc("sum: 2 + 3 = 5") in text


def test_micrograd_l_minus_8():
    a, b, c, f = 2.0, -3.0, 10.0, -2.0
    e = a * b
    d = e + c
    assert d * f == -8
    want = {"a": f * b, "b": f * a, "c": f, "f": d}  # dL/dd = f, then through e = ab
    assert want == {"a": 6, "b": -4, "c": -2, "f": 4}
    got = diffx.grad("e1 = a * b; d = e1 + c; L = d * f",
                     at={"a": a, "b": b, "c": c, "f": f}).gradient
    assert got == pytest.approx(want)
    assert nfc("ā = 6   b̄ = -4   c̄ = -2   f̄ = 4") in section("### micrograd")


def test_the_page_links_baydins_tables():
    assert "[trace.md](trace.md)" in page()
