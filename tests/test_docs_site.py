"""The documentation site is real diffx output, and it builds with `mkdocs build --strict`.

Every `$ diffx` command of the site's pages is rerun and compared with the output the page
shows (timings, which vary, are masked), and every ```python block shown with its ```text
output is run and compared; a page that `python docs/build.py` has not regenerated after a
change fails here. The commands that write or read files, the scripts, the listings of files,
and the check that every block of the site is run are in tests/test_docs_blocks.py.
docs/lecture.md is left to tests/test_lecture_pages.py, which reruns it already. The notebook
examples/diffx_tour.ipynb is executed with nbclient and must give the lecture's numbers.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))
from blocks import ENV, console_commands, python_blocks, run_python, same  # noqa: E402

DOCS = ROOT / "docs"
COVERED = {"lecture.md"}  # tests/test_lecture_pages.py reruns every block of it
# pages mkdocs.yml leaves out of the site (exclude_docs): a design plan kept for its history
EXCLUDED = {"vectors-plan.md"}
# Commands that are shown but not rerun as they stand by the test below, each with what reruns
# it instead, so a new command that is not rerun must be named here on purpose.
NOT_RERUN = {
    " --key ": "writes the key a later command of docs/quiz.md reads: "
               "tests/test_docs_blocks.py runs the page in order in a fresh folder",
    " --grade ": "reads files written before it: tests/test_docs_blocks.py (as --key)",
    " -o ": "writes a file: tests/test_docs_blocks.py reruns it into a temporary folder",
    " --plot ": "writes a file: tests/test_docs_blocks.py reruns it into a temporary folder",
}
# timing-dependent tables that take over 20 s each (sympy on deep programs, with a budget that
# turns cells into ">budget"): test_the_slow_swell_tables_show_their_real_counts reruns them
# and compares every cell but the times and the ones the budget cut
SLOW = {"diffx swell logistic --n 1..10 --formulas --plot docs/img/swell-logistic.svg",
        "diffx swell sigmoid-chain --n 1..8"}


def pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md")
                  if p.relative_to(DOCS).as_posix() not in COVERED | EXCLUDED
                  and "examples" not in p.relative_to(DOCS).parts)


def all_commands() -> list[tuple[str, str, str]]:
    return [(page.relative_to(DOCS).as_posix(), command, shown) for page in pages()
            for command, shown in console_commands(page.read_text("utf-8"))]


def commands() -> list[tuple[str, str, str]]:
    return [(page, command, shown) for page, command, shown in all_commands()
            if not any(key in command for key in NOT_RERUN) and command not in SLOW]


def codes() -> list[tuple[str, str, str]]:
    return [(page.relative_to(DOCS).as_posix(), code, shown)
            for page in pages() for code, shown in python_blocks(page.read_text("utf-8"))]


def test_the_site_has_its_pages_commands_and_code():
    config = (ROOT / "mkdocs.yml").read_text("utf-8")
    assert all(f"\n  {name}\n" in config for name in EXCLUDED)
    names = {p.relative_to(DOCS).as_posix() for p in pages()}
    assert {"index.md", "reference/cli.md", "reference/json.md", "reference/errors.md",
            "tutorials/route-sum.md", "tutorials/gradient-checking.md"} <= names
    assert len(commands()) >= 60 and len(codes()) >= 10


@pytest.mark.parametrize("page, command, shown", commands(),
                         ids=[f"{p}:{c[:60]}" for p, c, _ in commands()])
def test_every_command_block_is_the_commands_real_output(page, command, shown, monkeypatch):
    from typer.testing import CliRunner

    from diffx.cli import app

    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, shlex.split(command)[1:], env=ENV, prog_name="diffx")
    assert result.exit_code in (0, 1, 2), result.output
    assert same(result.output, shown), (
        f"docs/{page} is stale: rerun `python docs/build.py`\n$ {command}\n{result.output}")


def test_every_python_block_prints_what_its_page_shows():
    # one subprocess per block (each imports diffx afresh, as a reader's script would), four
    # at a time
    blocks = codes()
    with ThreadPoolExecutor(4) as pool:
        outputs = list(pool.map(run_python, [code for _, code, _ in blocks]))
    stale = [f"docs/{page}:\n{code}\n--- prints now ---\n{out}"
             for (page, code, shown), out in zip(blocks, outputs) if not same(out, shown)]
    assert not stale, "stale pages: rerun `python docs/build.py`\n" + "\n\n".join(stale)


ANY_PYTHON = re.compile(r"^```python\n(.*?)\n```$", re.S | re.M)
# Python blocks that are not run, each with the reason; any other block must be run, either
# shown with its ```text output or written as a doctest
NOT_RUN_CODE = {
    "performance.md": "pseudo-code of the generated loops (it elides with ...)",
}


def doctest_blocks() -> list[tuple[str, str]]:
    return [(page.relative_to(DOCS).as_posix(), code) for page in pages()
            for code in ANY_PYTHON.findall(page.read_text("utf-8")) if ">>> " in code]


def test_every_python_block_is_run():
    for page in pages():
        name = page.relative_to(DOCS).as_posix()
        text = page.read_text("utf-8")
        shown = {code for code, _ in python_blocks(text)}
        for code in ANY_PYTHON.findall(text):
            assert code in shown or ">>> " in code or name in NOT_RUN_CODE, (
                f"docs/{name}: a Python block that is neither run with its output shown "
                f"(docs/build.py's PY: blocks) nor a doctest:\n{code}")


@pytest.mark.parametrize("page, code", doctest_blocks(),
                         ids=[page for page, _ in doctest_blocks()])
def test_every_doctest_block_passes(page, code, monkeypatch):
    monkeypatch.chdir(ROOT)
    test = doctest.DocTestParser().get_doctest(code, {}, f"docs/{page}", f"docs/{page}", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0 and runner.tries > 0, f"docs/{page}: a doctest block failed"


def svg_text(svg: str) -> list[str]:
    """The words of a picture (its labels: values, adjoints, local derivatives, caption), which
    do not depend on the Graphviz build that laid it out."""
    return sorted(re.findall(r"<text[^>]*>([^<]*)</text>", svg))


def test_every_picture_is_what_its_command_draws(tmp_path):
    import importlib.util

    from diffx.draw import save

    spec = importlib.util.spec_from_file_location("docs_build", DOCS / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    page = (DOCS / "pictures.md").read_text("utf-8")
    for filename, source, options, _ in build.PICTURES:
        path = ROOT / source
        save(path.read_text("utf-8") if source.endswith(".dx") else source,
             tmp_path / filename, **options)
        drawn = svg_text((tmp_path / filename).read_text("utf-8"))
        assert drawn and drawn == svg_text((DOCS / "img" / filename).read_text("utf-8")), (
            f"docs/img/{filename} is stale: rerun `python docs/build.py pictures`")
        assert f"-o docs/img/{filename}\nwrote docs/img/{filename}\n```" in page
        assert f"](img/{filename})" in page


def test_the_tutorials_show_the_lectures_numbers():
    # the numbers the lectures derive by hand, found in the pages' real output
    text = {name: (DOCS / "tutorials" / f"{name}.md").read_text("utf-8") for name in
            ("route-sum", "chain-rule", "logistic-least-squares", "swell", "gradient-checking")}
    assert "{'a': 11.0, 'b': 4.0} 28.0" in text["route-sum"]        # c + a·1 = 7 + 4
    assert "sum: 7 + 4 = 11" in text["route-sum"]
    assert re.search(r"27\.74625\d* 27\.74625", text["chain-rule"])  # 12·0.5 + 8e
    assert "lecture: -0.0091 -0.0594\ndiffx:   -0.0091 -0.0594" in text["logistic-least-squares"]
    assert "64(1 - 42x + 504x^2 - 2640x^3 + 7040x^4 - 9984x^5 + 7168x^6 - 2048x^7)" \
        in text["swell"]
    assert "FAIL" in text["gradient-checking"] and "PASS" in text["gradient-checking"]


def test_the_notebook_runs_and_gives_the_route_sum():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    path = ROOT / "examples" / "diffx_tour.ipynb"
    notebook = nbformat.read(path, as_version=4)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")])}
    old = os.environ.copy()
    os.environ.update(env)  # the kernel inherits this checkout's diffx on its path
    try:
        nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                resources={"metadata": {"path": str(ROOT)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "{'a': 11.0, 'b': 4.0} 28.0" in text
    assert "(8, 128)" in text                                        # 2^(n-1) routes
    assert re.search(r"numeric central +4\.0534278939", text)
    kinds = {kind for o in outputs for kind in o.get("data", {})}
    assert {"image/svg+xml", "image/png"} <= kinds                    # the graph, the plot
    stored = nbformat.read(path, as_version=4)
    shown = "".join(o.get("text", "") for c in stored.cells if c.cell_type == "code"
                    for o in c.outputs if o.output_type == "stream")
    assert same(text, shown), "examples/diffx_tour.ipynb's stored outputs are stale"


def test_the_site_builds_strict(tmp_path):
    pytest.importorskip("mkdocs")
    # run from a temporary folder: the notebook plugin leaves its cache in the current one
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                          "-f", str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site")],
                         cwd=tmp_path, capture_output=True,
                         text=True, timeout=600,
                         env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert out.returncode == 0, out.stdout + out.stderr
    api = (tmp_path / "site" / "reference" / "api" / "index.html").read_text("utf-8")
    assert "diffx.grad" in api and "Differentiate by one method" in api  # from the docstring
    assert (tmp_path / "site" / "examples" / "diffx_tour" / "index.html").exists()
    # every relative link of every page reaches a file of the site (mkdocs only reports a
    # link to a file it left out at the level "info", which --strict lets through)
    assert (tmp_path / "site" / "examples" / "logistic_training_step.py").is_file()
    assert not (tmp_path / "site" / "build.py").exists()  # docs' own scripts stay out
    assert broken_links(tmp_path / "site") == []
    # the docstrings' Sphinx roles are links (or code), never text; escapes stay escapes
    assert ":class:" not in api and ":func:" not in api
    assert 'href="#diffx.Graph"><code>Graph</code></a>' in api
    assert "<code>\\r\\n</code>" in api and "\r" not in api


class _Links(HTMLParser):
    """The href and src attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [v for k, v in attrs if k in ("href", "src") and v]


def broken_links(site: Path) -> list[str]:
    """``page -> link`` for each relative link of the built site that reaches no file."""
    broken = []
    for page in sorted(site.rglob("*.html")):
        parser = _Links()
        parser.feed(page.read_text("utf-8"))
        for link in parser.found:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # another site, mailto:, data:, or an anchor of the page itself
            path = unquote(parts.path)
            target = site / path.lstrip("/") if path.startswith("/") else page.parent / path
            if path.endswith("/") or target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(site).as_posix()} -> {link}")
    return broken


def test_the_link_check_finds_a_link_to_a_file_the_site_left_out(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text(
        '<a href="../b/">b</a> <a href="../examples/x.py#top">x</a> <img src="../c.png">'
        '<a href="https://example.org/y.py">y</a> <a href="#here">here</a>', "utf-8")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "index.html").write_text("", "utf-8")
    (tmp_path / "c.png").write_bytes(b"")
    assert broken_links(tmp_path) == ["a/index.html -> ../examples/x.py#top"]


def _swell_rows(text: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("│")] for line in text.splitlines()
            if re.match(r"^\s*\d+ │", line)]


@pytest.mark.parametrize("command", sorted(SLOW))
def test_the_slow_swell_tables_show_their_real_counts(command, monkeypatch, tmp_path):
    """The swell tables too slow for the byte-for-byte check: every count the page shows is
    the one diffx computes now (times, and the cells a machine's budget cut, aside)."""
    from typer.testing import CliRunner

    from diffx.cli import app

    page = (DOCS / "explore.md").read_text("utf-8")
    shown = next(out for cmd, out in console_commands(page) if cmd == command)
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    args = shlex.split(command)
    if "--plot" in args:  # drawn into a temporary folder, not over the page's picture
        target = args[args.index("--plot") + 1]
        args[args.index("--plot") + 1] = str(tmp_path / Path(target).name)
    result = CliRunner().invoke(app, args[1:], env=ENV, prog_name="diffx")
    assert result.exit_code == 0, result.output
    if "--plot" in args:
        drawn = (tmp_path / Path(target).name).read_text("utf-8")
        labels = sorted(set(re.findall(r"<!-- (.*?) -->", drawn)))  # title, axes, legend
        assert "routes" in labels and labels == sorted(set(re.findall(
            r"<!-- (.*?) -->", (ROOT / target).read_text("utf-8")))), f"{target} is stale"
        assert shown.rstrip().endswith(f"wrote {target}") and f"]({target[5:]})" in page
    got, want = _swell_rows(result.output), _swell_rows(shown)
    assert len(got) == len(want) >= 8
    timed = {5, 7}  # rev time, diff time
    compared = 0
    for g, w in zip(got, want):
        for k, (a, b) in enumerate(zip(g, w)):
            if k in timed or {a, b} & {">budget", "…", ""}:
                continue
            assert a == b, (command, g[0], k, a, b)
            compared += 1
    assert compared >= 6 * len(want)

