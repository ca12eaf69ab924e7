"""The site's own pages (Start, Reference, Explanations) that show diffx output, as lists of
blocks rendered by `docs/build.py` (markdown, `$ command` with its output, `PY:` Python code
with what it prints); tests/test_docs_site.py reruns them."""

from __future__ import annotations

INDEX = [
    """# diffx

A differentiation explorer. diffx turns a math expression or a small program
(`c = a + b; d = a * c`) into a computational graph and differentiates it three interchangeable
ways, side by side: **symbolic** (sympy), **numeric** (finite differences with step control)
and **reverse** (the route-sum in its factored form, the reverse sweep). It shows whether the
methods agree, what each one cost, and why they disagree when they do.""",
    '$ diffx grad "c = a + b; d = a * c" --at a=4,b=3',
    """## Where to go

- **Start**: [install](start/install.md), then the three ways to use diffx:
  [the command line](start/cli.md), [pictures](start/pictures.md) and
  [the library](start/library.md); a [notebook tour](examples/diffx_tour.ipynb).
- **Tutorials**: [one per lecture](tutorials/index.md) of the notes diffx grew from.
- **How-to**: [draw a graph](pictures.md), [differentiate a Python function](python-functions.md),
  [vectors and matrices](vectors.md), [trace tables](trace.md), [quizzes](quiz.md),
  [rule-by-rule derivations](steps.md), [the adjoint program](adjoint.md).
- **Reference**: [the command line](reference/cli.md), [the library API](reference/api.md),
  [the expression language](language.md), [JSON output](reference/json.md),
  [error messages](reference/errors.md), [conventions](conventions.md).
- **Explanations**: [why the methods cost what they cost](explanations/costs.md),
  [swell](explore.md), [the cheap-gradient principle](explanations/cheap-gradient.md),
  [design](design.md); and [performance](performance.md).

Every command and code block on this site is run when the pages are built
(`python docs/build.py`), and `tests/test_docs_site.py` reruns them and fails when a page's
output is stale.""",
]

INSTALL = [
    """# Install

diffx needs Python ≥ 3.10. From a checkout:

```sh
pip install .                 # the command `diffx` and the library
pip install ".[plot]"         # plots: diffx swell --plot, diffx check --plot
pip install -e ".[test]"      # the tests: python3 -m mypy && python3 -m pytest
pip install -e ".[docs]"      # this site: mkdocs build --strict, or mkdocs serve
pip install ".[fast]"         # the compiled tier (numba), for big graphs differentiated often
```

The compiled tier runs the forward pass and the reverse sweep of a big graph as machine code,
with the pure-Python engine's numbers to the last bit; once loaded, it also parses big
programs (64 KiB of text or more) in machine code, into the same graph the parser builds
(a program outside the plain subset of the language, with `1e-3`, `2x` or `π` say, is read
by the parser as before). Loading it costs about half a second, so diffx loads it by itself only
once a process has spent that long in the pure-Python engine, or for a program of 64 MiB;
`DIFFX_COMPILED=1` loads it for the first graph of 1,000 nodes or more (and the first program
of 64 KiB), `DIFFX_COMPILED=0` turns it off, and `python3 -m diffx.compiled` compiles it
ahead. That compile happens once per installation and takes about a minute (49–78 s on the
2-core machines here); where the kernel is not compiled yet, the first use that needs it
(`DIFFX_COMPILED=1` on a big graph) compiles it then, after a line on stderr that says so.
The kernel and numba's cache of it live in `~/.cache/diffx` (`DIFFX_CACHE_DIR`,
`XDG_CACHE_HOME`); a kernel no process has loaded for 30 days (another diffx version's, left
by an upgrade: a few MB) is deleted the next time the tier loads. See [Performance](../performance.md).

Pictures need no system Graphviz (a WebAssembly build is a dependency); with Graphviz's `dot`
on the PATH it is used instead. (These installs are the one block of the site the doc tests do
not run: they change the environment the tests run in.) Check the install:""",
    "$ diffx --version",
]

CLI = [
    """# The command line

`diffx COMMAND SOURCE [options]`: SOURCE is an expression or a program (`-f FILE` reads one
from a file). The commands: """,
    "$ diffx -h",
    """## Values or formulas

With `--at` the derivatives are numbers; without, formulas:""",
    '$ diffx grad "x^2*sin(x)" --at x=2',
    '$ diffx grad "x^2*sin(x)" --method symbolic',
    """## Every route

`diffx routes` lists each route from an input to the output, its local derivatives and their
product:""",
    '$ diffx routes "sin(x*y) + x" --at x=1,y=2',
    """Every option of every command: [the CLI reference](../reference/cli.md).""",
]

PICTURES_START = [
    """# Pictures

`diffx graph SOURCE -o FILE.svg` draws the graph: each node with its value and adjoint, each
edge with its local derivative, and the routes from `--wrt` in red. `.png`, `.pdf` and `.dot`
work too.""",
    '$ diffx graph "c = a + b; d = a * c" --at a=4,b=3 --wrt a -o /tmp/diffx-route-sum.svg',
    """![the route-sum](../img/route-sum.svg)

In Python, `diffx.render(source, at=..., wrt=...)` returns a `graphviz.Digraph`, and in
Jupyter a graph shows itself as its picture. More pictures, each with the command that made it:
[Draw a graph](../pictures.md).""",
]

LIBRARY = [
    """# The library

`import diffx`: `parse` builds the graph, `grad` runs one method, `grad_all` runs several and
compares them; `compare`, `check`, `swell`, `trace_table`, `steps` and `render` do what the
commands of the same names do. Each takes source text, a parsed graph or a Python function.""",
    """PY:
import diffx

g = diffx.parse("c = a + b; d = a * c")
print(g.inputs, g.output_name)
r = diffx.grad(g, at={"a": 4, "b": 3})
print(r.gradient, r.value)
print(diffx.grad(g, method="symbolic").formula)
report = diffx.grad_all(g, at={"a": 4, "b": 3})
print(sorted(report.results))""",
    """A Python function is traced at the point and differentiated the same way:""",
    """PY:
import numpy as np
import diffx

def f(x, y):
    return np.sin(x) * y + x ** 2

print(diffx.grad(f, at={"x": 0.0, "y": 2.0}).gradient)""",
    """Every function and class: [the library API](../reference/api.md).""",
]

CLI_REFERENCE = [
    """# Command-line reference

Each command's own help, as `diffx COMMAND -h` prints it.""",
    *[item for command in ("grad", "graph", "routes", "swell", "compare", "check", "trace",
                           "steps", "quiz", "adjoint")
      for item in (f"## diffx {command}", f"$ diffx {command} -h")],
]

JSON_REFERENCE = [
    """# JSON output

`--json` prints one strict JSON object (no `NaN` or `Infinity`: a non-finite number becomes
`null` and `warnings` says where it came from). For `diffx grad`: `expression`, `inputs`,
`wrt`, `point`, `value` (the graph's own forward value), `reference`, `results` (one entry per
method: `gradient`, `formula`, `value`, `seconds`, `cost`, `details`, `relative_error`, and
`warnings`, or `error` with `error_kind` when the method could not run) and `warnings`.""",
    '$ diffx grad "c = a + b; d = a * c" --at a=4,b=3 --json',
    """A value that is not finite is `null`, and the warnings say why:""",
    '$ diffx grad "log(x)" --at x=-1 --method reverse --json',
    """`routes`, `swell`, `compare`, `check` and `trace` take `--json` too:""",
    '$ diffx routes "c = a + b; d = a * c" --at a=4,b=3 --json',
]

ERRORS = [
    """# Error messages

Bad input gives one `error: ...` line saying what and where (with a caret under the place),
exit status 2, never a traceback. A failed check, or no method able to run, exits with 1.
Every message of the expression language is listed in [the language page](../language.md).""",
    '$ diffx grad "sin(x" --at x=1',
    '$ diffx grad "sn(x) + 1"',
    '$ diffx grad "x*y" --at x=1',
    '$ diffx grad "x^2" --at x=1 --method fast',
    '$ diffx grad "l = 4*l*(1-l)"',
    """A method that runs but finds no finite derivative is a result, not an error: exit 0,
`nan` in the table, and a warning that says why:""",
    '$ diffx grad "sqrt(x)" --at x=0',
]

COSTS = [
    """# Why the methods cost what they cost

- **Numeric** (finite differences) evaluates the function at nudged points: two evaluations
  per input for central differences, so the cost grows with the number of inputs, and the step
  trades truncation error against round-off.
- **Symbolic** builds a formula per input; written out as a tree it can grow exponentially
  with the depth of the program ([expression swell](../explore.md)).
- **Reverse** runs one forward pass and one backward pass over the graph, whatever the number
  of inputs: the gradient costs a small constant times the function
  ([the cheap-gradient principle](cheap-gradient.md)).

`diffx grad`'s `cost` column says what each method did:""",
    "$ diffx grad -f examples/logistic_map.dx --at x=0.3",
    """As the program deepens, the routes double and the symbolic tree doubles, while the DAG and
the sweep grow by a constant per step:""",
    "$ diffx swell logistic --n 1..6",
]

CHEAP = [
    """# The cheap-gradient principle

The reverse sweep computes the whole gradient for a small constant multiple of the cost of the
function: every node's adjoint is a sum over its children of one product each. `diffx adjoint`
writes the sweep out as a program and measures it against the original:""",
    "$ diffx adjoint \"c = a + b; d = a * c\"",
    """The ratio stays bounded as the program grows (the logistic map, ten steps):""",
    """PY:
import diffx

source = "\\n".join(["l1 = x"] + [f"l{n + 1} = 4*l{n}*(1 - l{n})" for n in range(1, 10)])
adj = diffx.adjoint(source)
print(round(adj.ratio, 2))""",
    """More: [the adjoint program](../adjoint.md).""",
]

SITE_PAGES = {
    "index.md": INDEX, "start/install.md": INSTALL, "start/cli.md": CLI,
    "start/pictures.md": PICTURES_START, "start/library.md": LIBRARY,
    "reference/cli.md": CLI_REFERENCE, "reference/json.md": JSON_REFERENCE,
    "reference/errors.md": ERRORS, "explanations/costs.md": COSTS,
    "explanations/cheap-gradient.md": CHEAP,
}
