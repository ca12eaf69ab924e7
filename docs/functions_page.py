"""The hand-explained part of docs/python-functions.md (tracing a Python function, what traces,
branches, what cannot be traced, `FILE.py:FUNCTION` on the command line), as a list of blocks
rendered by `python docs/traced_pages.py` (markdown, `$ command` with its output, `PY:` Python
code with what it prints). A file the page runs is shown by `listing`, from the file itself;
tests/test_docs_site.py reruns every block and tests/test_docs_blocks.py checks every listing
against its file."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def listing(path: str, start: str = "", end: str = "", language: str = "python") -> str:
    """A block titled with the path of the repository's file `path`, showing the file whole, or
    the part of it from the line that starts with `start` up to (not including) `end`."""
    text = (ROOT / path).read_text("utf-8")
    if start:
        text = text[text.index(start):]
    if end:
        text = text[:text.index(end)]
    text = text.strip("\n")
    return f'```{language} title="{path}"\n{text}\n```'


FUNCTIONS = [
    """# Python functions

Derivative code usually lives in Python functions, not in diffx programs. diffx takes them as
they are: `diffx.trace(f, x=0.3, y=2.0)` calls `f` **once**, with traced values in place of
its parameters, records every operation into the same graph a program gives, and returns that
`Graph`. Every library call that takes source text takes a function too, with `at` as the
point to trace at: `diffx.grad`, `grad_all`, `compare`, `evaluate`, `check`, `render`,
`swell`.""",
    """PY:
import numpy as np
import diffx

def f(x, y):
    for _ in range(3):
        x = np.sin(x) * y + x
    return x * y if x > 0 else -x

g = diffx.trace(f, x=0.3, y=2.0)
print(g.source)  # the graph written as a diffx program
r = diffx.grad(f, at={"x": 0.3, "y": 2.0})
print(r.gradient)
print(r.warnings[0])""",
    """What a traced function may use:

- the operators `+ - * / **` (with numbers on either side), unary `-`, `abs`;
- numpy ufuncs on traced values and on arrays of them (`np.exp(np.array([x, y]))`): `np.sin`,
  `np.exp`, `np.log`, `np.sqrt`, `np.tanh`, `np.arctan`,
  `np.maximum`, `np.minimum`, `np.square`, ... (each maps to one op of diffx's op table; any
  other ufunc is refused by name, with the list of those that trace);
- `diffx.math`: the op table's functions by name (`sin`, `exp`, `sigmoid`, `relu`,
  `softplus`, `max`, ...). On plain numbers they compute, so the same function runs untraced;
- `diffx.name(value, "h")` names an intermediate: it becomes the statement `h = ...`, shown in
  pictures and tables, usable in `check` claims. On plain numbers it does nothing.

Python floats and ints become constants; loops unroll (a 10⁵-step loop traces: nothing in
tracing recurses). Parameters with a default stay constants unless the point gives them. A
function returns one number; a tuple or list is refused. Several outputs are a diffx program's:
it names them, and `diffx grad "y1 = x^2*z; y2 = x^3" --of y1,y2 --at x=2,z=3` (or
`diffx.grad(..., of=["y1", "y2"])`) gives their Jacobian, rows are the outputs.

**Branches.** A comparison on a traced value (`if x > 0`, `max(...)` of Python, `x == y`) is
answered at the traced point. The graph then holds for the branch taken there, and every
result says so, naming the line: the last line printed above is the warning `diffx.grad`
returned in `r.warnings` (the command line prints it after `warning:`).

**What cannot be traced.** Anything that needs a plain float: `math.sin(x)`, `float(x)`,
`int(x)`, `round(x)`, `x // 2`, `x % 2`. It fails with the line and what to use instead:""",
    listing("examples/not_traceable.py"),
    "$ diffx grad examples/not_traceable.py:f --at x=1",
    """## From the command line: `FILE.py:FUNCTION`

`diffx grad`, `graph`, `routes`, `compare`, `check` and `trace` take `FILE.py:FUNCTION` in
place of source text, with `--at` as the point:""",
    "$ diffx grad examples/model.py:loss --at w=0.5,b=0.1",
    "where `examples/model.py` (in the repository's [`examples/`](../examples/model.py)) holds",
    listing("examples/model.py"),
    """**This runs your file.** `FILE.py:FUNCTION` imports `FILE.py` as `pytest` imports a test file
(its folder first on `sys.path` while it loads), so its top-level code runs, and then calls
the function once. Use it on your own code, as you would run it. It is the only way diffx runs
code: expressions and programs given as text are read by diffx's own parser and never
evaluated as Python. What the file prints goes to stderr (stdout stays diffx's, its `--json`
whole), and a `sys.exit` in it is an error, not diffx's exit. diffx calls the function once more on plain numbers and warns when that value differs
from the traced one (a type check such as `isinstance(x, float)` sends a traced value
down another branch). A missing file, a missing
function, or a function or import that raises is reported in one line, without a traceback:""",
    "$ diffx grad examples/model.py:lost --at w=0.5,b=0.1",
]
