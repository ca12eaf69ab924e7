"""The blocks of docs/vectors.md and the vector sections of docs/lecture.md (see build.py).

Each block is markdown text or a command (``$ ...``) that build.py runs and pastes with its
output; tests/test_docs_vectors.py reruns every command of the page and compares.
"""

MLP = "z = W1 @ x + b1; h = sigmoid(z); y = W2 @ h + b2; L = 0.5*sum((t - y)^2)"
ISSUE_AT = ("W1=[[0.1,0.2],[-0.3,0.4]], x=[1,-2], b1=[0.1,0], W2=[[0.5,-0.6],[0.7,0.8]], "
            "b2=[0,0], t=[0.5,-0.5]")
MLP_DX_AT = ("W1=[[0.1,0.2],[-0.3,0.4]], x=[1,-2], b1=[0,0.1], W2=[[0.5,-0.6],[0.7,0.8]], "
             "b2=[0,0], t=[0.5,-0.5]")
CS3244 = "yhat = sigmoid(W.T @ x); L = 0.5*sum((yhat - t)^2)"
CS3244_AT = "W=[[0.5,-1],[0.25,0.5],[-0.5,1]], x=[1,2,-1], t=[1,0]"
SOFTMAX = "z = W @ x; L = logsumexp(z) - z[1]"
SOFTMAX_AT = "W=[[0.2,-0.5],[0.1,0.4],[-0.3,0.6]], x=[1.5,-2]"

VECTORS = [
    """# Vectors and matrices

The lecture notes write their networks with vectors and matrices; so can a diffx program. This
page shows the notation, the shapes of the derivatives, the backward pass in matrix form,
batches and declared shapes, and what is not there yet. It is made by
`python docs/build.py vectors`: every output below is real (only the timings vary from run to
run), and `tests/test_docs_vectors.py` reruns every command and compares.

## The notation

| the notes | diffx | |
| --- | --- | --- |
| **x**, **W** | `x`, `W` | shapes from the values: `--at "x=[1,-2], W=[[1,2],[3,4]]"` (rows first) |
| **W**⁽¹⁾**x** | `W1 @ x` | numpy's `@`: matrix-vector, matrix-matrix, `u @ v` the dot product |
| **W**ᵀ | `W.T`, `Wᵀ`, `transpose(W)` | |
| σ(**z**), **h** ∘ **g** | `sigmoid(z)`, `h * g` | elementwise, with numpy's broadcasting |
| **w** · **x**, **u** **v**ᵀ | `dot(w, x)`, `outer(u, v)` | |
| ½‖**t** − **y**‖² | `0.5*sum((t - y)^2)` | also `mean`, `norm`, `softmax`, `logsumexp` |
| x₁, w₁₂ | `x[0]`, `W[0,1]` | indices are **0-based**, as in numpy: the notes' w₁₂ is `W[0,1]` |

The full grammar and the shape rules are in
[the language reference](language.md#vectors-and-matrices).
A vector program is expanded into an ordinary scalar program with one node per element
(`W1[0,1]`, `x[1]`), on which every method of diffx runs; the gradients are put back together
in the inputs' shapes.""",
    """## The two-layer perceptron

The CSC311 network in its vectorized form: **z** = **W**⁽¹⁾**x** + **b**⁽¹⁾,
**h** = σ(**z**), **y** = **W**⁽²⁾**h** + **b**⁽²⁾, L = ½‖**t** − **y**‖².""",
    f'$ diffx grad "{MLP}" --at "{ISSUE_AT}"',
    """Each gradient has the shape of its input, the notes' layout: ∂L/∂**W1** is a 2×2 matrix
laid out like **W1**, ∂L/∂**b1** a vector like **b1**. The table compares the methods entry by
entry and names the worst entry; entries that neither the method nor the reference has a
number for (a log of a negative entry) are left out and counted (`not finite: 2 entries`,
`"not_finite": 2` in the JSON's `worst`). `--json` gives each gradient as
`{"shape": [2, 2], "value": [[...], [...]]}` (nested lists, rows first).

`examples/mlp_vectorized.dx` is the same program, one statement a line, and the twin of
`examples/mlp.dx`, which writes the same network with sixteen scalars (`w11*x1 + w12*x2 + b1`).
At mlp.dx's point (its b1 = 0, b2 = 0.1 are the vector **b1** = [0, 0.1]) both give
L = 0.613743189741058 and the same gradients, entry for entry: mlp.dx's ∂L/∂w12 is
∂L/∂W1[0,1] here, ∂L/∂v21 is ∂L/∂W2[1,0] (`tests/test_examples_vectors.py` checks all
sixteen; mlp.dx's output is in [the lecture page](lecture.md#a-two-layer-perceptron)).""",
    f'$ diffx grad -f examples/mlp_vectorized.dx --method reverse --at "{MLP_DX_AT}"',
    """## The backward pass in matrix notation: --backward

`--backward` prints the backward program the notes write "in vectorized form", one line per
named value and input, with its shape. diffx derives it from one matrix rule per operation
(for **y** = **W** **h**: **W̄** = **ȳ** **h**ᵀ and **h̄** = **W**ᵀ **ȳ**; for an elementwise
f: **z̄** = **h̄** ∘ f'(**z**)), not from a text written for this example, and checks every
entry against the scalar reverse sweep (`--json` gives each line's formula, shape and value, and
the check). In the library: `diffx.backward(source, at=...)`.""",
    f'$ diffx grad -f examples/mlp_vectorized.dx --method reverse --backward --at "{MLP_DX_AT}"',
    """## The shapes of the derivatives

CS2109S and CS3244 write a layer as ŷ = g(**W**ᵀ**x**) and spend pages on the shapes of the
derivatives, because "this math informs what matrix shapes you need to implement". For a scalar
loss L:

- scalar-by-vector: ∂L/∂**x** is a vector shaped like **x**;
- scalar-by-matrix: ∂L/∂**W** is a matrix shaped like **W** (here 3×2, as **W** is);
- both in the notes' layout, and what gradient descent needs: **W** ← **W** − α ∂L/∂**W**
  subtracts entry by entry.

With δ = (ŷ − **t**) ∘ ŷ ∘ (1 − ŷ), the derivative with respect to **W**ᵀ**x**, they are
∂L/∂**W** = **x** δᵀ and ∂L/∂**x** = **W** δ:""",
    f'$ diffx grad "{CS3244}" --at "{CS3244_AT}" --method reverse',
    """## y = 2 xᵀx: the gradient 4x

The d2l.ai example: y = 2 **x**ᵀ**x** at **x** = [0, 1, 2, 3] has the gradient 4**x** =
[0, 4, 8, 12], by every method.""",
    '$ diffx grad "y = 2*dot(x, x)" --at "x=[0,1,2,3]"',
    """## Softmax cross-entropy

A linear classifier with K = 3 classes, logits **z** = **W** **x**, and the cross-entropy of
the softmax with true class k = 1: L = −log softmax(**z**)ₖ = logsumexp(**z**) − zₖ. Its
gradient is ∂L/∂**W** = (softmax(**z**) − **e**ₖ) **x**ᵀ, which the backward pass shows as
**z̄** = softmax(**z**) − **e**ₖ (the term `−L̄ e₁`, with **e**₁ the one-hot vector of index 1, puts −1 there):""",
    f'$ diffx grad "{SOFTMAX}" --at "{SOFTMAX_AT}"',
    f'$ diffx grad "{SOFTMAX}" --at "{SOFTMAX_AT}" --method reverse --backward',
    """## Without numbers: --shape

Declared shapes (`--shape W=2x3,x=3`; in the library `diffx.parse(source, shapes={"W": (2, 3),
"x": (3,)})`) are enough for formulas: each entry of the gradient is a formula in the elements.""",
    '$ diffx grad "y = 2*dot(x, x)" --shape x=4 --method symbolic',
    """## Batches

A range beside a vector is a batch of points: each input's gradient gains a leading batch axis
(the text shows the first point; `--json` gives them all).""",
    '$ diffx grad "sum(x*a)" --at "x=[1,2], a=0:1:3" --method reverse',
    """In the library an array with one more leading axis than its declared shape is a batch
(`shapes={"x": (2,)}` and `at={"x": X}` with X of shape (m, 2)), and a value that is one point
although it looks like a batch is wrapped in `diffx.Value`. `examples/circle_classifier.py`
uses that for the notes' circle classifier: z = (x₁ − w₁)² + (x₂ − w₂)² − w₀², ŷ = σ(z),
binary cross-entropy, written `z = sum((x - c)^2) - r^2` with the centre **c** a vector. One
`diffx.grad` call gives the gradient for all 40 samples at once; the script adds them, divides
by their number, as the notes say, and takes a gradient-descent step. The loss falls at every
step, and the centre moves towards the true one, (0.5, −0.3):""",
    "$ python examples/circle_classifier.py",
    """## Jacobians

A vector output gives its Jacobian, by every method. The layout is named: numerator (rows are
the outputs, as JAX and PyTorch) by default, `--layout denominator` for the transpose the
lectures write; the cost line gives the lecture's argument, m reverse sweeps against n forward
sweeps:""",
    '$ diffx grad "y = W @ x" --at "W=[[1,2,3],[4,5,6]], x=[1,0,-1]" --wrt x',
    """## Limits

- Values have at most two axes; there are no slices (`W[:, 0]`), and indices are
  whole numbers, not names.
- Shapes that do not go together are an error naming the operation, both shapes and the column:""",
    '$ diffx grad "sum(W @ x)" --at "W=[[1,2],[3,4]], x=[1,2,3]"',
    """- `diffx check` takes matrix and element claims (`--claim "W2 = outer(y - t, h)"`,
  `--claim "W1[0,1] = ..."`), judged entry by entry; `diffx routes` runs on the scalar expansion
  and speaks of elements (`--wrt W1[0,1]`). Pictures of vector programs are in
  [docs/pictures.md](pictures.md#mlp-blocks).
- On the command line a batch of vector points comes from a range beside the vectors; a bracket
  value with an extra axis is refused when a shape is declared. The library takes batches of
  arrays.
- The expansion has one node per scalar operation (up to 2,000,000); symbolic formulas grow with
  it, so for big networks use `--method reverse` or `--method matrix` (the block-level sweep).""",
]

LECTURE_VECTORS = [
    """## The same perceptron in vectors and matrices

The notes give the two-layer perceptron's backward pass "in vectorized form":
**ȳ** = **y** − **t**, **W̄**⁽²⁾ = **ȳ** **h**ᵀ, **h̄** = **W**⁽²⁾ᵀ **ȳ**,
**z̄** = **h̄** ∘ σ'(**z**), **W̄**⁽¹⁾ = **z̄** **x**ᵀ. `examples/mlp_vectorized.dx` writes
the network above that way; at the same point it gives the same value and gradients (see
[Vectors and matrices](vectors.md)), and `--backward` prints the notes' lines, derived by diffx
and checked against the scalar sweep.""",
    f'$ diffx grad -f examples/mlp_vectorized.dx --method reverse --backward --at "{MLP_DX_AT}"',
    """## ŷ = g(Wᵀx), y = 2xᵀx and a softmax classifier

CS2109S/CS3244's layer ŷ = σ(**W**ᵀ**x**) with a squared error: ∂L/∂**W** has **W**'s shape
(3×2) and ∂L/∂**x** has **x**'s. The d2l.ai example y = 2**x**ᵀ**x** at [0, 1, 2, 3] has the
gradient [0, 4, 8, 12]. The softmax cross-entropy L = logsumexp(**z**) − z₁ of **z** = **W**
**x** has ∂L/∂**W** = (softmax(**z**) − **e**₁) **x**ᵀ. `tests/test_examples_vectors.py`
checks all three against numpy written by hand.""",
    f'$ diffx grad "{CS3244}" --at "{CS3244_AT}" --method reverse',
    '$ diffx grad "y = 2*dot(x, x)" --at "x=[0,1,2,3]" --method reverse',
    f'$ diffx grad "{SOFTMAX}" --at "{SOFTMAX_AT}" --method reverse',
    """## The circle classifier, trained

The notes' circle classifier (binary cross-entropy) trained by gradient descent with
`diffx.grad` on vector values: `examples/circle_classifier.py`, explained in
[Vectors and matrices](vectors.md#batches).""",
    "$ python examples/circle_classifier.py",
]
