"""The pages on a traced training step and on the Hessian of logistic least squares.

    python docs/traced_pages.py

builds docs/hessian.md and docs/python-functions.md (its first part from
docs/functions_page.py, then the section "A training step, traced" between its markers). Blocks
are as in build.py: markdown text, a command (``$ ...``) or Python code (``PY:``) run here and
pasted with its output, or a file's listing, so every output shown is real;
tests/test_hessian_page.py reruns every command and checks the numbers against derivations by
hand, and tests/test_docs_site.py reruns every block of both pages.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "docs"))
from functions_page import FUNCTIONS, listing  # noqa: E402
DOCS = ROOT / "docs"
EXAMPLE = "examples/logistic_training_step.py"
BEGIN = "<!-- training-step: made by python docs/traced_pages.py; do not edit by hand -->"
END = "<!-- /training-step -->"
POINT = "w=0.8,b=-0.3"
LLS_POINT = "w=0.8,x=1.5,b=-0.3,t=1,lambda=0.1"



TRAINING_STEP = [
    BEGIN,
    """## A training step, traced

The lecture's univariate logistic least squares model (CSC311: z = wx + b, y = σ(z),
L = ½(y − t)², with the L2 regulariser R = ½w² and L_reg = L + λR), trained on a mini-batch
of three examples, is an ordinary Python function in
[`examples/logistic_training_step.py`](../examples/logistic_training_step.py):""",
    listing(EXAMPLE, "import diffx", "\n\n\ndef step"),
    """It runs on floats; the file's `step` asks diffx for the gradient and takes a
gradient-descent step (learning rate 0.5):""",
    f"$ python {EXAMPLE}",
    """Traced at w = 0.8, b = −0.3, the loop unrolls into one copy of the model per example; the
names given with `diffx.name` label the nodes (`z`, `z_2`, `z_3`), and the `0.0` the sum starts
from stays in the graph as a constant:""",
    f"$ diffx graph {EXAMPLE}:loss --at {POINT} -o docs/img/training-step.svg",
    "![the traced training step](img/training-step.svg)",
    """The program the reverse sweep runs on that graph (`diffx adjoint`; `--at` is the point
the function is traced at). The adjoints come back through the three copies in reverse order,
and w̄ collects four contributions (the regulariser's, then one per example), b̄ three:""",
    f"$ diffx adjoint {EXAMPLE}:loss --at {POINT}",
    """The gradient by every method: symbolic, numeric and reverse side by side, then forward
mode (one tangent sweep per input):""",
    f"$ diffx grad {EXAMPLE}:loss --at {POINT}",
    f"$ diffx grad {EXAMPLE}:loss --at {POINT} --method forward",
    """By hand, with yᵢ = σ(w xᵢ + b) and σ' = y(1 − y): ∂L_reg/∂w = ⅓ Σ (yᵢ − tᵢ) yᵢ(1 − yᵢ) xᵢ
+ λw = 0.0140097621368743 and ∂L_reg/∂b = ⅓ Σ (yᵢ − tᵢ) yᵢ(1 − yᵢ) = −0.00729218175790269
(`tests/test_hessian_page.py` computes both from the examples with plain floats). Its Hessian
is on [the Hessian page](hessian.md).""",
    END,
]


HESSIAN = [
    """# The Hessian of logistic least squares

`diffx grad --order 2` (and `diffx.hessian`) gives the matrix of second derivatives by every
method: sympy's `hessian` of the formula, reverse-over-reverse and forward-over-reverse on the
graph (the reverse sweep's own program, [`diffx adjoint`](adjoint.md), differentiated again),
and second differences with their own step rule and error estimate. This page is made by
`python docs/traced_pages.py`: the outputs below are real, and `tests/test_hessian_page.py`
reruns every command and checks the numbers against the derivation by hand written here. A
program over vectors and matrices has its Hessian over its elements (`W[0,1]`, `x[1]`, one
row and column each), of a number it computes (`sum(W @ x)`, not `W @ x`).""",
    """## One example, with the lecture's regulariser

The lecture's model (CSC311, "univariate logistic least squares regression"), in
[`examples/logistic_least_squares.dx`](../examples/logistic_least_squares.dx):""",
    listing("examples/logistic_least_squares.dx", "z = w*x", language="text"),
    """The Hessian with respect to the parameters w and b, at the lecture's point w = 0.8, x = 1.5,
b = −0.3, t = 1 and λ = 0.1:""",
    f"$ diffx grad -f examples/logistic_least_squares.dx --order 2 --wrt w,b --at {LLS_POINT}",
    """**By hand.** L depends on w and b only through z, so with q = d²L/dz² the Hessian of L is
q times the outer product of ∂z/∂(w, b) = (x, 1), and the regulariser adds λ to the w entry:

    H = [[x² q + λ,  x q],
         [x q,       q  ]],     q = σ'(z)² + (σ(z) − t) σ''(z)

with σ' = σ(1 − σ) and σ'' = σ'(1 − 2σ). At z = 0.8·1.5 − 0.3 = 0.9: σ = 0.710949502625,
σ' = 0.205500307342, σ'' = −0.0867003752463, so q = 0.0422303763 + (−0.289050497375)
(−0.0867003752463) = 0.0672911629053, and H = [[0.251405116537, 0.100936744358],
[0.100936744358, 0.0672911629053]]: the symbolic, reverse-over-reverse and forward-over-reverse
tables above, to every digit shown. Second differences agree to about 10⁻⁹, inside their
error estimate.

The cost column says what each method did: the symbolic formulas' size, the sweeps over the
adjoint graph (one per input differentiated, each over the adjoint's nodes), the evaluations
of second differences. With respect to every input the matrix is 5 × 5 and reverse-over-reverse
makes 5 sweeps; the λ column is ∂²L_reg/∂λ∂w = w = 0.8, and ∂²L_reg/∂t² = 1 (L is ½(y − t)²):""",
    f"$ diffx grad -f examples/logistic_least_squares.dx --order 2 --at {LLS_POINT}",
    """## The traced training step

The mini-batch of three examples written as a Python function (see [a training step,
traced](python-functions.md#a-training-step-traced)) is traced and differentiated twice the same
way:""",
    f"$ diffx grad {EXAMPLE}:loss --order 2 --at {POINT}",
    """By hand, the same formula per example, averaged: H = ⅓ Σᵢ qᵢ [[xᵢ², xᵢ], [xᵢ, 1]] + [[λ, 0],
[0, 0]] with qᵢ = σ'(zᵢ)² + (σ(zᵢ) − tᵢ) σ''(zᵢ), zᵢ = 0.8 xᵢ − 0.3 for (xᵢ, tᵢ) = (1.5, 1),
(−0.5, 0), (2, 1): H = [[0.221866127892, 0.0539480526166], [0.0539480526166,
0.0633744366026]].""",
    """The JSON form (`--json`) gives every method's matrix in full precision with its cost and
its largest difference from the symbolic one. That difference is taken over the entries finite
in both: an entry that is not finite (a second derivative that does not exist, or overflows) is
`null`, is never counted as agreement, and is named instead (`not_compared` in the JSON, `not
finite at x,x` in the table):""",
    f"$ diffx grad -f examples/logistic_least_squares.dx --order 2 --wrt w,b --at {LLS_POINT} "
    "--json",
]


def _build():
    spec = importlib.util.spec_from_file_location("docs_build", DOCS / "build.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def main() -> None:
    render = _build().render
    (DOCS / "hessian.md").write_text(render(HESSIAN), encoding="utf-8")
    print("wrote docs/hessian.md")
    (DOCS / "python-functions.md").write_text(render(FUNCTIONS + TRAINING_STEP), encoding="utf-8")
    print("wrote docs/python-functions.md")


if __name__ == "__main__":
    sys.exit(main())
