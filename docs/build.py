"""Regenerate the documentation pages whose examples are real diffx output.

    python docs/build.py            # every page
    python docs/build.py lecture    # one page (tutorials: all the tutorials; traced:
                                    # docs/python-functions.md and docs/hessian.md)

Each page is a list of blocks: markdown text, a shell command (`$ diffx ...`) that is run here
and shown with its output, or Python code (`PY:` then the code) that is run and shown with what
it prints. A command that writes a picture (`-o docs/img/...`, `--plot docs/img/...`) draws the
picture the page shows next. The hand-written pages (HANDWRITTEN) have their `$ diffx` commands
rerun and their outputs replaced in place; docs/traced_pages.py builds the two pages on traced
Python functions. Nothing in these pages is typed by hand; rerun this after changing
diffx. tests/test_docs_site.py reruns every block and fails when a page is stale.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS))  # vectors_page.py, blocks.py, site_pages.py, tutorials_pages.py
sys.path.insert(0, str(DOCS / "lectures"))
from blocks import CONSOLE, run_command, run_python  # noqa: E402
from classics import CLASSICS  # noqa: E402  (the worked tables and the classic examples)
from site_pages import SITE_PAGES  # noqa: E402
from tutorials_pages import TUTORIALS  # noqa: E402

run = run_command


def render(blocks: list[str]) -> str:
    parts = []
    for block in blocks:
        if block.startswith("$ "):
            command = block[2:]
            parts.append(f"```console\n$ {command}\n{run_writing(command)}\n```")
        elif block.startswith("PY:\n"):
            code = block[4:].strip("\n")
            parts.append(f"```python\n{code}\n```\n\n```text\n{run_python(code)}\n```")
        else:
            parts.append(block.strip())
    return "\n\n".join(parts) + "\n"


def run_writing(command: str) -> str:
    """The command's output; one that writes a file into the current folder (`-o NAME`, as a
    reader would run it) is run in a temporary folder, so that the checkout is left as it was."""
    args = shlex.split(command)
    if "-o" not in args or "/" in args[args.index("-o") + 1]:
        return run(command)
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            return run(command)
        finally:
            os.chdir(here)


HANDWRITTEN = ["adjoint.md", "language.md", "steps.md", "trace.md"]


def refresh(text: str) -> str:
    """The page with the output of each `$ diffx` command of its console blocks rerun."""
    def block(match: re.Match[str]) -> str:
        parts = re.split(r"^\$ ", match.group(1), flags=re.M)
        out = [parts[0].rstrip("\n")] if parts[0].strip() else []
        for part in parts[1:]:
            command, _, shown = part.partition("\n")
            output = run(command.strip()) if command.startswith("diffx ") else shown.rstrip("\n")
            out.append(f"$ {command}\n{output}".rstrip("\n"))
        return "```console\n" + "\n".join(out) + "\n```"
    return CONSOLE.sub(block, text)


LECTURE = [
    """# The lecture notes, reproduced

Every worked example of the lecture notes diffx grew from, run with diffx. The programs are in
[`examples/`](../examples/); each comment there gives the hand derivation the notes make, and
`tests/test_lecture.py` checks the same numbers against that derivation. This page is made by
`python docs/build.py lecture`: the outputs below are real, only the timings vary from run to
run.""",
    """## The route-sum: a = 4, b = 3 gives ∂d/∂a = 11

The notes break `d = a * (a + b)` into `c = a + b; d = a * c`, put the local derivative on
every edge (∂d/∂a = c, ∂d/∂c = a, ∂c/∂a = 1, ∂c/∂b = 1), then multiply along each route and
add the routes: ∂d/∂a = c + a·1 = 7 + 4 = 11.""",
    "$ diffx grad \"c = a + b; d = a * c\" --at a=4,b=3",
    """Without a point the derivatives are formulas: sympy's, and the route-sum written with the
program's own names, then in terms of the inputs.""",
    "$ diffx grad \"c = a + b; d = a * c\"",
    "The routes themselves, each with its local derivatives and their product:",
    "$ diffx grad -f examples/route_sum.dx --method reverse --routes --at a=4,b=3",
    """## Two paths from x to z: 12x + 8e^{2x}

y1 = 2x² + e^{2x}, y2 = e^x, z = 3y1 + y2²: the total derivative adds the path through y1 and
the path through y2.""",
    "$ diffx grad -f examples/two_paths.dx --method reverse",
    "$ diffx grad -f examples/two_paths.dx --at x=0.5",
    """## The multivariate chain rule: f = y + e^{xy}, x = cos t, y = t²

df/dt = (y e^{xy})(−sin t) + (1 + x e^{xy})·2t. The route-sum shows exactly those two
products (and the route through y alone):""",
    "$ diffx grad -f examples/multivariate_chain.dx --method reverse",
    "$ diffx grad -f examples/multivariate_chain.dx --at t=1",
    """## Logistic least squares, with a regulariser

z = wx + b, y = σ(z), L = ½(y − t)², R = ½w², L_reg = L + λR. The notes' backward pass
gives w̄ = (y − t)σ'(z)x + λw and b̄ = (y − t)σ'(z).""",
    "$ diffx grad -f examples/logistic_least_squares.dx --at w=0.8,x=1.5,b=-0.3,t=1,lambda=0.1 "
    "--wrt w,b",
    """## A two-layer perceptron

Two inputs, two sigmoid hidden units, two linear outputs, squared error; the gradient with
respect to all fourteen parameters and inputs in one reverse sweep.""",
    "$ diffx grad -f examples/mlp.dx --method reverse "
    "--at x1=1,x2=-2,t1=0.5,t2=-0.5,w11=0.1,w12=0.2,w21=-0.3,w22=0.4,b1=0,b2=0.1,"
    "v11=0.5,v12=-0.6,v21=0.7,v22=0.8,c1=0,c2=0",
    """## The logistic map: the table of symbolic derivatives

l1 = x, l(n+1) = 4 l(n)(1 − l(n)). The notes tabulate d l_n/dx for n = 1..4; for n = 4 the
simplified form is 64(1 − 42x + 504x² − 2640x³ + 7040x⁴ − 9984x⁵ + 7168x⁶ − 2048x⁷). diffx's
symbolic formula is the same polynomial (it is not expanded; `tests/test_lecture.py` expands
both and compares), and the route count doubles with every step: 2³ = 8 routes to l4.""",
    "$ diffx grad -f examples/logistic_map.dx --method symbolic",
    "$ diffx grad -f examples/logistic_map.dx --at x=0.3",
    """## Activation derivatives

σ' = σ(1 − σ), tanh' = 1 − tanh², relu' = [z > 0], softplus' = σ: the op table writes each
local derivative in terms of the op's own output where the notes do.""",
    "$ diffx grad \"sigmoid(z) + tanh(z) + relu(z) + softplus(z)\" --at z=0.7 --method reverse "
    "--routes",
    """## The PyTorch example of the notes

`y = w2 * torch.sigmoid(w1 * x)` at x = w1 = w2 = 0 prints `w1.grad = 0`, `w2.grad = 0.5`:""",
    "$ diffx grad \"y = w2 * sigmoid(w1 * x)\" --at x=0,w1=0,w2=0 --wrt w1,w2",
    """## Gradient checking, as the notes teach it

The notes compare the backward pass with central differences in double precision and expect a
relative error near 1e-6 or better. `diffx grad` does that comparison for every method; at a
kink it says why the methods differ instead of hiding it:""",
    "$ diffx grad \"max(0, x - 1) + max(0, 1 - x)\" --at x=1",
    *CLASSICS,
]

EXPLORE = [
    """# Swell, comparison, gradient checks

Three commands that show why the methods cost what they cost. This page is made by
`python docs/build.py explore`; the outputs are real (timings vary between runs).""",
    """## diffx swell: expression swell, measured

The lecture's logistic map, l(n+1) = 4 l(n)(1 − l(n)): as a DAG each step adds three
operations; written out as a tree the function doubles every step, and so does sympy's
derivative. Counted over sympy's own DAG of distinct subexpressions, the derivative grows
gently (Laue's observation); the reverse sweep's cost grows linearly; the routes double.
With `--formulas` the simplified derivatives are printed as the lecture table prints them
(for n = 1..4, `tests/test_explore.py` checks them against the table).""",
    "$ diffx swell logistic --n 1..10 --formulas --plot docs/img/swell-logistic.svg",
    "![expression swell of the logistic map](img/swell-logistic.svg)",
    """`logistic-expanded` computes the same map as l(n+1) = 4(l(n) − l(n)·l(n)): the same
function, the same derivative, but 3^(n−1) routes instead of 2^(n−1), because l(n)·l(n) uses
l(n) twice. `sigmoid-chain` is a deep net of width one; `product` has n inputs.""",
    "$ diffx swell logistic-expanded --n 1..8",
    "$ diffx swell sigmoid-chain --n 1..8",
    """## diffx compare: every method and scheme side by side

Squire and Trapp's test function at x = 1.5, where f'(1.5) = 4.053427893898621: forward
and backward differences are first order (error about 1e-8), central differences second order
(1e-10), Richardson extrapolation reaches 1e-14 and the complex step is exact to the last
digit, with no subtraction to cancel.""",
    "$ diffx compare \"exp(x)/sqrt(sin(x)^3 + cos(x)^3)\" --at x=1.5",
    """## diffx check: a gradient check, as the notes teach it

The notes' advice: compare a hand-derived gradient with central differences in double
precision; the relative error |a − b| / (|a| + |b|) should be very small, e.g. 1e-6. A claim
may use the program's own names:""",
    "$ diffx check \"z = w*x + b; y = sigmoid(z); L = 0.5*(y - t)^2\" --at w=0.8,x=1.5,b=-0.3,t=1 "
    "--claim \"w = (y - t)*y*(1 - y)*x\" --claim \"b = (y - t)*y*(1 - y)\"",
    """A wrong claim (σ' forgotten) fails, with exit status 1, and the report says whether the
step could be to blame. `--sweep` shows the V: truncation error falls with the step, round-off
grows as it shrinks.""",
    "$ diffx check \"z = w*x + b; y = sigmoid(z); L = 0.5*(y - t)^2\" --at w=0.8,x=1.5,b=-0.3,t=1 "
    "--claim \"w = (y - t)*y*x\" --sweep --plot docs/img/sweep.svg",
    "![the step sweep](img/sweep.svg)",
    "The library checks plain Python code the same way, like `torch.autograd.gradcheck`:",
    """PY:
import math
from diffx import check

def f(x):
    return math.sin(x[0]) * x[1] ** 2

def grad_f(x):  # a bug: d/dx1 should be 2 sin(x0) x1
    return [math.cos(x[0]) * x[1] ** 2, math.sin(x[0]) * x[1]]

report = check(f, grad_f, at=[0.3, 2.0])
print(report.passed, report.worst)
print(report.advice[0])""",
]

PICTURES = [  # (file, source or example file, options, caption)
    ("route-sum.svg", "c = a + b; d = a * c", {"at": {"a": 4, "b": 3}, "wrt": "a"},
     "The lecture's example: every edge carries its local derivative, every node its value and "
     "its adjoint ∂d/∂node; the two routes from a are red and the caption adds them up."),
    ("one-route.svg", "c = a + b; d = a * c", {"at": {"a": 4, "b": 3}, "wrt": "a", "route": 2},
     "--route 2: only the second route, a → c → d, and its product 4·1."),
    ("formulas.svg", "c = a + b; d = a * c", {"wrt": "a"},
     "Without a point: the local derivatives as formulas, and the route-sum c + a·1."),
    ("tree.svg", "a*(a+b)", {"at": {"a": 4, "b": 3}, "wrt": "a", "tree": True},
     "--tree: the same function as a tree, with a copied; each copy of a is one route, and the "
     "path products on the copies (7 and 4) add up to the gradient."),
    ("logistic-least-squares.svg", "examples/logistic_least_squares.dx",
     {"at": {"w": 0.8, "x": 1.5, "b": -0.3, "t": 1, "lambda": 0.1}, "wrt": "w"},
     "Logistic least squares with a regulariser: w reaches the loss along two routes, through "
     "z and through R."),
    ("logistic-map.svg", "examples/logistic_map.dx", {"at": {"x": 0.3}, "wrt": "x"},
     "The logistic map l4: three operations per step as a DAG, 2³ = 8 routes from x."),
    ("mlp.svg", "examples/mlp.dx",
     {"at": {"x1": 1, "x2": -2, "t1": 0.5, "t2": -0.5, "w11": 0.1, "w12": 0.2, "w21": -0.3,
             "w22": 0.4, "b1": 0, "b2": 0.1, "v11": 0.5, "v12": -0.6, "v21": 0.7, "v22": 0.8,
             "c1": 0, "c2": 0}, "wrt": "w11", "direction": "TB"},
     "The two-layer perceptron, top to bottom, with the routes from w11 to the loss."),
    ("mlp-blocks.svg", "z = W1 @ x + b1; h = sigmoid(z); y = W2 @ h + b2; L = 0.5*sum((t - y)^2)",
     {"at": "W1=[[0.1,0.2],[-0.3,0.4]],x=[1,-2],b1=[0.1,0],W2=[[0.5,-0.6],[0.7,0.8]],"
            "b2=[0,0],t=[0.5,-0.5]"},
     "The same perceptron in vector notation, drawn at the block level: one node per vector or "
     "matrix with its shape, value and adjoint; each edge carries its matrix rule (∂L/∂W2 = ȳ "
     "hᵀ) and the Jacobian's shape. --expand draws the scalar expansion instead."),
]


def pictures() -> str:
    """The pictures page: each picture drawn by the `diffx graph ... -o docs/img/FILE` command
    the page shows (run from the checkout's folder), with what the command printed."""
    lines = ["# Pictures", "",
             "Made by `python docs/build.py pictures`, which runs each command below from the "
             "checkout's folder; none is drawn by hand.", ""]
    for filename, source, options, text in PICTURES:
        args = " ".join(f"--{k} {_cli(v)}" if v is not True else f"--{k}"
                        for k, v in options.items())
        target = f"-f {source}" if source.endswith(".dx") else f'"{source}"'
        command = f"diffx graph {target} {args} -o docs/img/{filename}"
        lines += [f"## {filename[:-4].replace('-', ' ')}", "", text, "",
                  f"```console\n$ {command}\n{run(command)}\n```", "",
                  f"![{filename}](img/{filename})", ""]
    return "\n".join(lines)


from vectors_page import LECTURE_VECTORS, VECTORS  # noqa: E402  (docs/vectors_page.py)

LECTURE += LECTURE_VECTORS


def _cli(value: object) -> str:
    """The option's value as a shell takes it (quoted where brackets would be a pattern)."""
    if isinstance(value, dict):
        return ",".join(f"{k}={v}" for k, v in value.items())
    return f'"{value}"' if "[" in str(value) else str(value)


PAGES = {"lecture": ("lecture.md", LECTURE), "pictures": ("pictures.md", None),
         "explore": ("explore.md", EXPLORE), "vectors": ("vectors.md", VECTORS)}
PAGES.update({name[:-3]: (name, blocks) for name, blocks in SITE_PAGES.items()})
PAGES.update({f"tutorials/{name}": (f"tutorials/{name}.md", blocks)
              for name, blocks in TUTORIALS.items()})
GROUPS = {"tutorials": [n for n in PAGES if n.startswith("tutorials/")],
          "handwritten": HANDWRITTEN}


def main(names: list[str]) -> None:
    os.chdir(ROOT)  # the pages' commands name files from the checkout's folder
    wanted = [page for name in names for page in GROUPS.get(name, [name])]
    if not names or "traced" in wanted:
        import traced_pages

        traced_pages.main()
        wanted = [n for n in wanted if n != "traced"]
        if names and not wanted:
            return
    unknown = [n for n in wanted if n not in PAGES and n not in HANDWRITTEN]
    if unknown:
        raise SystemExit(f"{__doc__}\npages: {', '.join(PAGES)}" if set(unknown) <= {"-h", "--help"}
                         else f"unknown page {unknown[0]!r}; the pages are: {', '.join(PAGES)}")
    for name in wanted or [*PAGES, *HANDWRITTEN]:
        if name in HANDWRITTEN:
            path = DOCS / name
            path.write_text(refresh(path.read_text(encoding="utf-8")), encoding="utf-8")
            print(f"refreshed docs/{name}")
            continue
        filename, blocks = PAGES[name]
        text = pictures() if blocks is None else render(blocks)
        (DOCS / filename).parent.mkdir(parents=True, exist_ok=True)
        (DOCS / filename).write_text(text, encoding="utf-8")
        print(f"wrote docs/{filename}")


if __name__ == "__main__":
    main(sys.argv[1:])
