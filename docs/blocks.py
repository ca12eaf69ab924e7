"""The executable blocks of the documentation pages, shared by docs/build.py (which writes
their output) and tests/test_docs_site.py (which reruns them and compares).

A page shows a command as a ```console block, `$ diffx ...` then its output (several commands
may share a block, each starting with `$ `), and Python code as a ```python block followed by a
```text block holding what the code prints. `same` compares real output with what a page
shows: line for line, except that timings ("32.9 ms", `"seconds": 0.0012`), which vary from
run to run, are masked (and rich tables may then wrap their cells differently, so such output
is compared as the multiset of its words).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path[:1]:
    sys.path.insert(0, str(ROOT))  # this checkout's diffx, not an installed one
ENV = {"COLUMNS": "110", "NO_COLOR": "1", "TERM": "dumb"}

CONSOLE = re.compile(r"^```console\n(.*?)\n```$", re.S | re.M)
PYTHON = re.compile(r"^```python\n(.*?)\n```\n\n```text\n(.*?)\n?```$", re.S | re.M)
TIME = re.compile(r"\b\d+(\.\d+)? ?(µs|ms|ns|s)\b|(\"seconds\": )[-0-9.e]+")


def console_commands(markdown: str) -> list[tuple[str, str]]:
    """(command, shown output) for every `$ diffx ...` line of the page's console blocks."""
    found = []
    for block in CONSOLE.findall(markdown):
        parts = re.split(r"^\$ ", block, flags=re.M)
        for part in parts[1:]:
            command, _, shown = part.partition("\n")
            if command.startswith("diffx "):
                found.append((command.strip(), shown))
    return found


def python_blocks(markdown: str) -> list[tuple[str, str]]:
    """(code, shown output) for every ```python block followed by its ```text output."""
    return PYTHON.findall(markdown)


def run_command(command: str, cwd: Path = ROOT) -> str:
    """The command's output as the page shows it (stdout then stderr)."""
    env = {**os.environ, **ENV}
    args = shlex.split(command)
    if args[0] == "diffx":  # in this process, as `diffx` (the help's usage line names it)
        from typer.testing import CliRunner

        from diffx.cli import app

        result = CliRunner().invoke(app, args[1:], env=ENV, prog_name="diffx")
        if result.exit_code not in (0, 1, 2):
            raise SystemExit(f"{command!r} failed ({result.exit_code}):\n{result.output}"
                             f"{result.exception!r}")
        return "\n".join(line.rstrip() for line in result.output.rstrip().splitlines())
    if args[0] == "python":  # an example script, run with this checkout's diffx
        args = [sys.executable, *args[1:]]
        env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=env, timeout=600)
    text = out.stdout + out.stderr
    if out.returncode not in (0, 1, 2):
        raise SystemExit(f"{command!r} failed ({out.returncode}):\n{text}")
    return text.rstrip()


def run_python(code: str) -> str:
    """What the code prints, saved as a script and run by this Python from the checkout's
    folder, with this checkout's diffx first on the path (as a file, not `python -c`, so that
    a message quoting a line of the code finds it, as it does for a reader's script)."""
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "example.py"
        script.write_text(code + "\n", encoding="utf-8")
        out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                             cwd=ROOT, env=env, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"a Python block failed:\n{code}\n{out.stderr}")
    return (out.stdout + out.stderr).rstrip()


#: an error of one rounding (up to 4.4e-16) or none: whether a product of matrices rounds once
#: more or less depends on the processor's BLAS kernel, so such an error reads as 0
ROUNDING = re.compile(r"(?<![\w.])(?:[1-4]\.\de-16|[1-9]\.\de-1[7-9])(?![\w.])")


def same(output: str, shown: str) -> bool:
    """Equal line for line; where timings appear, equal as the multiset of words with the
    timings masked. An error of one rounding equals 0 (:data:`ROUNDING`)."""
    output, shown = ROUNDING.sub("0", output), ROUNDING.sub("0", shown)
    if not TIME.search(shown):
        return [line.rstrip() for line in output.strip("\n").splitlines()] == \
            [line.rstrip() for line in shown.strip("\n").splitlines()]
    words = [sorted(re.sub(r"[━╇┃│]", " ", TIME.sub("T", text)).split())
             for text in (output, shown)]
    return words[0] == words[1]
