"""docs/vectors.md and the vector sections of docs/lecture.md are the real output of their
commands: every command block is rerun and compared line by line (timings aside)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
ENV = {**os.environ, "COLUMNS": "110", "NO_COLOR": "1", "TERM": "dumb",
       "PYTHONPATH": str(ROOT)}
TIME = re.compile(r"\d[\d,]*(?:\.\d+)? ?(?:ms|µs|ns|s)(?![\w])")
sys.path.insert(0, str(DOCS))
from blocks import ROUNDING  # noqa: E402  (an error of one rounding reads as 0)


def _blocks(page: str) -> list[tuple[str, str]]:
    text = (DOCS / page).read_text("utf-8")
    return re.findall(r"```console\n\$ (.*?)\n(.*?)\n```", text, re.S)


def _run(command: str) -> str:
    args = shlex.split(command)
    assert args[0] in ("diffx", "python"), command
    args = [sys.executable, *(["-m", "diffx"] if args[0] == "diffx" else []), *args[1:]]
    out = subprocess.run(args, capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=300)
    assert out.returncode in (0, 2), (command, out.stderr)
    return (out.stdout + out.stderr).rstrip()


def _without_times(text: str) -> list[str]:
    """Each line with its timings blanked and runs of blanks and table rules squeezed (a
    different time changes a column's width)."""
    return [re.sub(r"[ ━]+", " ", TIME.sub("T", ROUNDING.sub("0", line))).strip()
            for line in text.splitlines()]


VECTOR_BLOCKS = _blocks("vectors.md")
LECTURE_BLOCKS = [b for b in _blocks("lecture.md")
                  if "mlp_vectorized" in b[0] or "@" in b[0] or "dot(" in b[0]
                  or "circle_classifier" in b[0]]


def test_the_page_has_every_block_it_promises():
    commands = " ".join(command for command, _ in VECTOR_BLOCKS)
    for needle in ("--backward", "--shape", "mlp_vectorized.dx", "2*dot(x, x)",
                   "logsumexp(z) - z[1]", "W.T @ x", "circle_classifier.py", "a=0:1:3"):
        assert needle in commands, needle
    assert len(VECTOR_BLOCKS) >= 12 and len(LECTURE_BLOCKS) >= 5


@pytest.mark.parametrize("command, shown", VECTOR_BLOCKS + LECTURE_BLOCKS,
                         ids=[c[:60] for c, _ in VECTOR_BLOCKS + LECTURE_BLOCKS])
def test_every_command_block_is_the_commands_real_output(command, shown):
    assert _without_times(_run(command)) == _without_times(shown)


def test_the_numbers_the_text_quotes_are_in_the_outputs():
    shown = {command: out for command, out in VECTOR_BLOCKS}
    twin = next(out for command, out in shown.items()
                if "mlp_vectorized" in command and "--backward" not in command)
    assert "L = 0.613743189741058" in twin  # mlp.dx's value, quoted in the text
    d2l = next(out for command, out in shown.items() if "2*dot(x, x)\" --at" in command)
    assert "∂y/∂x  shape (4,)  [0 4 8 12]" in d2l
    losses = [float(line.split("loss")[1].split()[0])
              for line in shown["python examples/circle_classifier.py"].splitlines()]
    assert len(losses) >= 5 and all(b < a for a, b in zip(losses, losses[1:]))


def test_the_json_layout_the_page_quotes():
    out = _run('diffx grad "y = 2*dot(x, x)" --at "x=[0,1,2,3]" --method reverse --json')
    data = json.loads(out)
    assert data["results"]["reverse"]["gradient"]["x"] == {"shape": [4],
                                                           "value": [0.0, 4.0, 8.0, 12.0]}
    assert '`{"shape": [2, 2], "value": [[...], [...]]}`' in (DOCS / "vectors.md").read_text()


def test_the_normalisation_still_sees_a_wrong_number():
    right = "∂y/∂x  shape (4,)  [0 4 8 12]\n symbolic │ 65.7 ms │ formulas"
    assert _without_times(right) == _without_times(right.replace("65.7 ms", "1.2 s"))
    assert _without_times(right) != _without_times(right.replace("12]", "13]"))


def test_the_readme_section_shows_the_issue_command_and_its_real_output():
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## Vectors and matrices\n", 1)[1].split("\n## ", 1)[0]
    assert "[docs/vectors.md](docs/vectors.md)" in section
    block = re.search(r"```console\n\$ (.*?\\\n.*?)\n(.*?)\n```", section, re.S)
    assert block is not None
    command = block.group(1).replace("\\\n", " ")
    assert command.startswith('diffx grad "z = W1 @ x + b1; h = sigmoid(z); y = W2 @ h + b2; '
                              'L = 0.5*sum((t - y)^2)"')
    shown = block.group(2)
    assert "L = 0.605230169465567" in shown  # tests/test_vector_core.py's numpy backprop value
    assert _without_times(_run(command)) == _without_times(shown)
