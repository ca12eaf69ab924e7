"""docs/hessian.md and the section "A training step, traced" of docs/python-functions.md are
real diffx output, and their numbers are the derivation by hand.

Every command block of both is rerun and compared with what the page shows (timings masked, as
in tests/test_lecture_pages.py); the picture is redrawn into a temporary file. The gradient and
Hessian of logistic least squares (one example with the lecture's regulariser, and the traced
mini-batch of three) are computed here with plain floats from the formulas written on the page,
and checked against the library and against the numbers the page's text quotes.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import diffx
from diffx.cli import app
from test_lecture_pages import ENV, same

ROOT = Path(__file__).resolve().parent.parent
HESSIAN = ROOT / "docs" / "hessian.md"
FUNCTIONS = ROOT / "docs" / "python-functions.md"
BLOCK = re.compile(r"```console\n\$ ((?:diffx|python) .+?)\n(.*?)\n```", re.S)
EXAMPLES = ((1.5, 1.0), (-0.5, 0.0), (2.0, 1.0))
LAMBDA = 0.1


def section() -> str:
    text = FUNCTIONS.read_text("utf-8")
    return text[text.index("<!-- training-step"):text.index("<!-- /training-step -->")]


def blocks() -> list[tuple[str, str]]:
    return BLOCK.findall(HESSIAN.read_text("utf-8")) + BLOCK.findall(section())


def build_module():
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        import traced_pages
    finally:
        sys.path.remove(str(ROOT / "docs"))
    return traced_pages


# ------------------------------------------------------------------ by hand, plain floats -

def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def by_hand(w: float, b: float, examples, lam: float):
    """Mean over the examples of 1/2 (sigmoid(w x + b) - t)^2, plus lam w^2 / 2: its value,
    gradient (w, b) and Hessian, from dL/dz = (y - t) s' and d2L/dz2 = s'^2 + (y - t) s''."""
    value, grad, hess = 0.0, np.zeros(2), np.zeros((2, 2))
    for x, t in examples:
        y = sigmoid(w * x + b)
        s1 = y * (1 - y)
        s2 = s1 * (1 - 2 * y)
        q = s1 * s1 + (y - t) * s2
        dz = np.array([x, 1.0])
        value += 0.5 * (y - t) ** 2 / len(examples)
        grad += (y - t) * s1 * dz / len(examples)
        hess += q * np.outer(dz, dz) / len(examples)
    return value + lam * 0.5 * w * w, grad + [lam * w, 0], hess + [[lam, 0], [0, 0]]


ONE = by_hand(0.8, -0.3, [(1.5, 1.0)], LAMBDA)
BATCH = by_hand(0.8, -0.3, EXAMPLES, LAMBDA)


def test_the_hand_derivation_matches_the_library():
    h = diffx.hessian(ROOT.joinpath("examples/logistic_least_squares.dx").read_text(),
                      at={"w": 0.8, "x": 1.5, "b": -0.3, "t": 1.0, "lambda": 0.1}, wrt="w,b")
    assert np.allclose(np.asarray(h.matrix, dtype=float), ONE[2], rtol=1e-13)
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import logistic_training_step as ex
    finally:
        sys.path.remove(str(ROOT / "examples"))
    assert ex.EXAMPLES == EXAMPLES and ex.LAMBDA == LAMBDA
    quoted = re.search(r'```python title="examples/logistic_training_step.py"\n(.*?)\n```',
                       section(), re.S)  # the page quotes the file's function, from the file
    assert quoted and "def loss(w, b):" in quoted.group(1)
    assert quoted.group(1) in ROOT.joinpath("examples/logistic_training_step.py").read_text()
    assert ex.loss(0.8, -0.3) == pytest.approx(BATCH[0], rel=1e-14)  # it runs on floats
    g = diffx.grad(ex.loss, at={"w": 0.8, "b": -0.3})
    assert np.allclose([g["w"], g["b"]], BATCH[1], rtol=1e-13)
    hb = diffx.hessian(ex.loss, at={"w": 0.8, "b": -0.3})
    assert np.allclose(np.asarray(hb.matrix, dtype=float), BATCH[2], rtol=1e-13)


def _numbers(text: str) -> list[float]:
    return [float(m.replace("−", "-")) for m in re.findall(r"[−-]?\d+\.\d+", text)]


def _quoted(value: float, text: str) -> bool:
    """The page's prose quotes ``value`` (to the digits it gives)."""
    return any(abs(n - value) <= 1e-11 * max(1.0, abs(value)) for n in _numbers(text))


def test_the_pages_text_quotes_the_hand_numbers():
    page = HESSIAN.read_text("utf-8")
    prose = BLOCK.sub("", page)
    for v in (*ONE[2].ravel(), *BATCH[2].ravel()):
        assert _quoted(float(v), prose), v
    step = BLOCK.sub("", section())
    for v in BATCH[1]:
        assert _quoted(float(v), step), v


def test_the_tables_show_the_hand_numbers():
    shown = dict(blocks())
    one = shown["diffx grad -f examples/logistic_least_squares.dx --order 2 --wrt w,b --at "
                "w=0.8,x=1.5,b=-0.3,t=1,lambda=0.1"]
    for v in ONE[2].ravel():
        assert f"{v:.10g}" in one
    batch = shown["diffx grad examples/logistic_training_step.py:loss --order 2 --at w=0.8,b=-0.3"]
    for v in BATCH[2].ravel():
        assert f"{v:.10g}" in batch
    grad = shown["diffx grad examples/logistic_training_step.py:loss --at w=0.8,b=-0.3"]
    assert all(_quoted(float(v), grad) for v in BATCH[1])


def test_the_adjoint_program_shown_parses_back_to_the_gradient():
    text = dict(blocks())["diffx adjoint examples/logistic_training_step.py:loss --at w=0.8,b=-0.3"]
    program = diffx.parse("\n".join(line for line in text.splitlines()
                                    if not line.startswith("#")))
    at = {"w": 0.8, "b": -0.3}
    assert diffx.evaluate(program, at=at) == pytest.approx(BATCH[1][0], rel=1e-14)  # w_bar4
    b_bar = program.view(program.assigned["b_bar3"], "b_bar3")
    assert diffx.evaluate(b_bar, at=at) == pytest.approx(BATCH[1][1], rel=1e-14)


def test_the_pages_hold_every_command_of_the_build_script_in_order():
    traced = build_module()
    wanted = [b[2:] for b in traced.HESSIAN + traced.TRAINING_STEP if b.startswith("$ ")]
    assert sorted(command for command, _ in blocks()) == sorted(wanted)
    assert [c for c, _ in BLOCK.findall(section())] == \
        [b[2:] for b in traced.TRAINING_STEP if b.startswith("$ ")]


@pytest.mark.parametrize("command", [c for c, _ in blocks()])
def test_every_command_block_is_the_commands_real_output(command, monkeypatch, tmp_path):
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(ROOT)
    shown = dict(blocks())[command]
    args = shlex.split(command)
    if args[0] == "python":
        env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, *args[1:]], capture_output=True, text=True,
                             cwd=ROOT, env=env, timeout=300)
        assert out.returncode == 0, out.stderr
        assert same(out.stdout, shown)
        return
    picture = "-o" in args
    if picture:  # redraw into a temporary file: the same graph
        target = args[args.index("-o") + 1]
        args[args.index("-o") + 1] = str(tmp_path / "step.svg")
    result = CliRunner().invoke(app, args[1:], env=ENV)
    assert result.exit_code in (0, 1), result.output
    if picture:
        assert result.output.strip() == f"wrote {tmp_path / 'step.svg'}"
        assert shown.strip() == f"wrote {target}"
        drawn = (tmp_path / "step.svg").read_text("utf-8")
        kept = (ROOT / target).read_text("utf-8")
        assert drawn.count('class="node"') == kept.count('class="node"') == 35
        return
    assert same(result.output, shown), f"{command}\n{result.output}"
