"""Every fenced block of the documentation site is run, or is a listing of a file, or says what
it is; and the commands the byte-for-byte rerun in tests/test_docs_site.py leaves out are run
here in their own way.

A block is a console block whose every `$` line is rerun (`$ diffx`, `$ python examples/...`),
Python that is run with its output shown, a doctest, a listing titled with a file's path
(```python title="examples/model.py"`) that is that file's text, or one of the few
illustrations and shell instructions named below (the page says why they are not run). A
command that writes a picture (`-o`, `--plot`) is rerun into a temporary folder and its picture
compared with the one the page shows; docs/quiz.md, whose commands write files that later ones
read, runs in order in a fresh folder.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from test_docs_site import (COVERED, DOCS, EXCLUDED, NOT_RUN_CODE, ROOT, SLOW, all_commands,
                            commands, pages, svg_text)

from blocks import ENV, python_blocks, run_command, same  # docs/: test_docs_site put it on the path

# a block titled with a file's path (```python title="examples/model.py"): the file's text
LISTING = re.compile(r'^```\w* title="([^"]+)"\n(.*?)\n```$', re.S | re.M)
WRITES = ("-o", "--plot")  # the options that name a file a command writes


def plot_text(svg: str) -> list[str]:
    """The words of a matplotlib picture (it draws its text as paths, each after a comment
    holding the text): title, axis labels, legend, tick labels."""
    return sorted(set(re.findall(r"<!-- (.*?) -->", svg)))


def writing_commands() -> list[tuple[str, str, str]]:
    return [(page, command, shown) for page, command, shown in all_commands()
            if any(f" {key} " in command for key in WRITES) and command not in SLOW]


# ------------------------------------------------------------- every block is accounted for -

FENCE = re.compile(r"^(`{3,})([^\n`]*)$")
# blocks that are neither commands nor code: what they are (they show no output to go stale)
ILLUSTRATIONS = {
    "design.md": "the data-flow diagram",
    "language.md": "the grammar of numbers and two example programs the page explains",
}
SHELL = {  # ```sh blocks: instructions that are not rerun, and where the page says why
    "start/install.md": "pip installs: they would change the environment the tests run in",
    "performance.md": "the benchmark runs that write the page's figures (minutes, one machine)",
}
SESSION = {"quiz.md"}  # pages whose console blocks run in order in one folder ($ cat, $ echo $?)


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(info string, body) of every top-level fenced block, a block of four backticks holding
    blocks of three as its body."""
    found, lines, k = [], text.splitlines(), 0
    while k < len(lines):
        match = FENCE.match(lines[k])
        if not match:
            k += 1
            continue
        fence, end = match.group(1), k + 1
        while end < len(lines) and lines[end] != fence:
            end += 1
        found.append((match.group(2).strip(), "\n".join(lines[k + 1:end])))
        k = end + 1
    return found


def test_the_block_reader_sees_nested_blocks_as_one():
    text = "a\n````console\n$ diffx quiz\n```\nc = a\n```\n````\n\n```text\nout\n```\n"
    assert fenced_blocks(text) == [("console", "$ diffx quiz\n```\nc = a\n```"), ("text", "out")]


def test_every_block_of_the_site_is_run_or_a_listing_or_says_what_it_is():
    """Each fenced block is a console block whose every `$` line is rerun by a test here (or by
    tests/test_lecture_pages.py for docs/lecture.md), Python that is run, a doctest, the output
    of the Python block before it, a listing of a file (checked below), or one of the few
    illustrations and shell instructions named above with what they are."""
    rerun = {c for _, c, _ in commands()} | {c for _, c, _ in writing_commands()} | SLOW
    problems = []
    for page in sorted(DOCS.rglob("*.md")):
        name = page.relative_to(DOCS).as_posix()
        if name in EXCLUDED or "examples" in page.relative_to(DOCS).parts:
            continue
        text = page.read_text("utf-8")
        run, previous = {code for code, _ in python_blocks(text)}, ""
        for info, body in fenced_blocks(text):
            language = info.split(" ")[0]
            if 'title="' in info:
                pass  # a listing: test_every_listing_is_its_files_text
            elif language == "console":
                lines = [line[2:].strip() for line in body.splitlines() if line.startswith("$ ")]
                if not lines:
                    problems.append(f"{name}: a console block with no command:\n{body}")
                for line in lines:
                    command = line.split("  #")[0].strip()
                    if name in COVERED or (name in SESSION and command.startswith(
                            ("diffx ", "cat ", "echo $?"))) or command in rerun or (
                            command.startswith("python examples/") and command in
                            {c for _, c, _ in scripts()}):
                        continue
                    problems.append(f"{name}: `$ {command}` is not rerun")
            elif language == "python":
                if not (body in run or ">>> " in body or name in NOT_RUN_CODE):
                    problems.append(f"{name}: a Python block that is not run:\n{body}")
            elif language == "text":
                if previous != "python":
                    problems.append(f"{name}: a text block that is no Python block's output")
            elif language == "sh":
                if name not in SHELL:
                    problems.append(f"{name}: a shell block that is not run:\n{body}")
            elif language == "" and name in ILLUSTRATIONS:
                assert not body.startswith("$ "), f"{name}: a command in an illustration"
            else:
                problems.append(f"{name}: a ```{info} block that nothing runs:\n{body}")
            previous = language
    assert not problems, "\n\n".join(problems)


def test_every_listing_is_its_files_text():
    found = 0
    for page in pages():
        for path, body in LISTING.findall(page.read_text("utf-8")):
            text = (ROOT / path).read_text("utf-8")
            lines = body.splitlines()
            assert body in text and any(line == lines[0] for line in text.splitlines()), (
                f"docs/{page.relative_to(DOCS)} shows {path} as it is not: "
                "rerun `python docs/traced_pages.py`")
            found += 1
    assert found >= 4


# ---------------------------------------------------------- commands that write or read files -

def scripts() -> list[tuple[str, str, str]]:
    """The `$ python examples/...` commands of the pages, with what the page shows."""
    found = []
    for page in pages():
        text = page.read_text("utf-8")
        for block in re.findall(r"^```console\n(.*?)\n```$", text, re.S | re.M):
            for part in re.split(r"^\$ ", block, flags=re.M)[1:]:
                command, _, shown = part.partition("\n")
                if command.startswith("python "):
                    found.append((page.relative_to(DOCS).as_posix(), command.strip(), shown))
    return found


@pytest.mark.parametrize("page, command, shown", scripts(),
                         ids=[f"{p}:{c}" for p, c, _ in scripts()])
def test_every_script_command_prints_what_its_page_shows(page, command, shown):
    assert same(run_command(command), shown), f"docs/{page} is stale:\n$ {command}"


@pytest.mark.parametrize("page, command, shown", writing_commands(),
                         ids=[f"{p}:{c[:60]}" for p, c, _ in writing_commands()])
def test_every_file_writing_command_draws_what_its_page_shows(page, command, shown,
                                                              monkeypatch, tmp_path):
    """The command, run from the checkout as shown but with the file it writes put in a
    temporary folder: it prints what the page shows (with the page's file name), and where the
    page shows the picture next (an SVG graph), the picture has the same labels."""
    from typer.testing import CliRunner

    from diffx.cli import app

    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(ROOT)
    args = shlex.split(command)
    option = next(k for k, a in enumerate(args) if a in WRITES)
    target = args[option + 1]
    args[option + 1] = str(tmp_path / Path(target).name)
    result = CliRunner().invoke(app, args[1:], env=ENV, prog_name="diffx")
    assert result.exit_code in (0, 1), result.output
    output = result.output.replace(args[option + 1], target)
    assert same(output, shown), f"docs/{page} is stale:\n$ {command}\n{output}"
    text = (DOCS / page).read_text("utf-8")
    after = text[text.index(f"$ {command}\n"):]
    picture = re.search(r"!\[[^\]]*\]\(([^)]+)\)", after)
    assert picture, f"docs/{page}: no picture after `$ {command}`"
    shown_file = (DOCS / page).parent / picture.group(1)
    if target.endswith(".svg"):  # a graph's labels, or a plot's (title, axes, legend, ticks)
        words = svg_text if "graph" in args else plot_text
        assert words((tmp_path / Path(target).name).read_text("utf-8")) == \
            words(shown_file.read_text("utf-8")), f"docs/{page}: {picture.group(1)} is stale"
    if target.startswith("docs/img/"):
        assert (ROOT / target).resolve() == shown_file.resolve(), (page, target)


def test_the_quiz_page_runs_as_a_session(tmp_path, monkeypatch):
    """docs/quiz.md's console blocks, in order, in a fresh folder: `$ cat FILE` blocks write the
    file they show, `$ echo $?` shows the last exit status, each `diffx` command prints what
    the page shows (a trailing ` > FILE` writes its output there instead)."""
    from typer.testing import CliRunner

    from diffx.cli import app

    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    text = (DOCS / "quiz.md").read_text("utf-8")
    status, ran = 0, 0
    for info, body in fenced_blocks(text):
        if info != "console":
            continue
        for part in re.split(r"^\$ ", body, flags=re.M)[1:]:
            command, _, shown = part.partition("\n")
            command = command.split("  #")[0].strip()
            if command.startswith("cat "):
                Path(command[4:]).write_text(shown.rstrip("\n") + "\n", "utf-8")
                continue
            if command == "echo $?":
                assert shown.strip() == str(status), "docs/quiz.md: the exit status shown"
                continue
            args, into = shlex.split(command), None
            if len(args) > 2 and args[-2] == ">":
                args, into = args[:-2], args[-1]
            result = CliRunner().invoke(app, args[1:], env=ENV, prog_name="diffx")
            status = result.exit_code
            assert status in (0, 1), (command, result.output)
            if into:
                Path(into).write_text(result.output, "utf-8")
                assert not shown.strip(), f"docs/quiz.md shows output for `{command}`"
            else:
                assert same(result.output, shown), f"docs/quiz.md is stale:\n$ {command}\n" \
                    f"{result.output}"
            ran += 1
    assert ran >= 5
