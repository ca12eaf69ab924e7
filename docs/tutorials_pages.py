"""The tutorials: one page per lecture of the notes diffx grew from, each reproducing that
lecture's example with diffx commands and library calls only.

`docs/build.py` renders each list of blocks (markdown text, `$ command` run and shown with its
output, `PY:` Python code run and shown with what it prints); tests/test_docs_site.py reruns them.
"""

from __future__ import annotations

LOGISTIC = "w=0.8,x=1.5,b=-0.3,t=1,lambda=0.1"
MLP_POINT = ("x1=1,x2=-2,t1=0.5,t2=-0.5,w11=0.1,w12=0.2,w21=-0.3,w22=0.4,b1=0,b2=0.1,"
             "v11=0.5,v12=-0.6,v21=0.7,v22=0.8,c1=0,c2=0")
MLP_VECTOR_POINT = ("W1=[[0.1,0.2],[-0.3,0.4]],x=[1,-2],b1=[0,0.1],W2=[[0.5,-0.6],[0.7,0.8]],"
                    "b2=[0,0],t=[0.5,-0.5]")

INDEX = [
    """# Tutorials

One tutorial per lecture of the notes diffx grew from. Each reproduces the lecture's own
example with diffx commands and library calls, and shows the same numbers the lecture derives
by hand. Every output on these pages is real: `python docs/build.py tutorials` writes them and
`tests/test_docs_site.py` reruns them (only timings vary from run to run).

Run the commands and the Python from the folder of a checkout of diffx, with diffx installed
([install](../start/install.md)): the programs they read (`-f examples/route_sum.dx`,
`open("examples/logistic_least_squares.dx")`) are in its `examples/` folder.

| Tutorial | Lecture | The number to get |
|---|---|---|
| [The route-sum](route-sum.md) | Karatzas, *MLP & Backpropagation* | ∂d/∂a = 11 at a = 4, b = 3 |
| [The chain rule with several paths](chain-rule.md) | *Lecture 2: Neural Networks*; CSC311 Lecture 4 | 12x + 8e^{2x}; df/dt |
| [Logistic least squares](logistic-least-squares.md) | CSC311 Lecture 4 | w̄ = −0.0091, b̄ = −0.0594 |
| [The two-layer perceptron](perceptron.md) | CSC311 Lecture 4; CS3244 *Backprop* | the same gradient, scalar and vectorized |
| [The logistic-map swell table](swell.md) | CS2109S Lecture 9 | d l₄/dx and 2³ = 8 routes |
| [Finite differences against AD](finite-differences.md) | CS2109S Lecture 9 | error 1e-10 against exact |
| [Gradient checking](gradient-checking.md) | CSC311 Lecture 4 | relative error below 1e-6 |

Every worked table of the notes, on one page: [All worked examples](../lecture.md).""",
]

ROUTE_SUM = [
    """# The route-sum: a = 4, b = 3 gives ∂d/∂a = 11

*Reproduces* the route-sum of Karatzas's *MLP & Backpropagation* lecture (after CS231n): with
a = 4 and b = 3, `c = a + b` and `d = a * c`; put the local derivative on every edge, multiply
along each route from d back to a, and add the routes: ∂d/∂a = c + a·1 = 7 + 4 = 11, and
∂d/∂b = a·1 = 4.

## 1. Differentiate it

Write the function as the lecture does, one statement per node, and give the point:""",
    '$ diffx grad "c = a + b; d = a * c" --at a=4,b=3',
    """All three methods say 11 and 4: sympy's formula, central differences, and the reverse
sweep, which is the route-sum computed in its factored form.

## 2. See the routes

`diffx routes` lists each route with its local derivatives and their product, then adds them:""",
    '$ diffx routes "c = a + b; d = a * c" --at a=4,b=3',
    """## 3. Draw it

`diffx graph` draws the lecture's picture into `route-sum.svg`: values and adjoints on the
nodes, local derivatives on the edges, the two routes from a in red
([all pictures](../pictures.md)):""",
    '$ diffx graph "c = a + b; d = a * c" --at a=4,b=3 --wrt a -o route-sum.svg',
    """![the route-sum](../img/route-sum.svg)

## 4. From Python""",
    """PY:
import diffx

g = diffx.grad("c = a + b; d = a * c", at={"a": 4, "b": 3})
print(g.gradient, g.value)
print(g.details.routes)   # routes per input""",
    """The lecture's derivation, as a trace table, and the formulas without a point, are on
[the worked-examples page](../lecture.md#the-route-sum-a-4-b-3-gives-da-11).""",
]

CHAIN_RULE = [
    """# The chain rule with several paths

*Reproduces* the chain-rule reminder of *Lecture 2: Neural Networks* (y₁ = 2x² + e^{2x},
y₂ = e^x, z = 3y₁ + y₂²: dz/dx = 12x + 8e^{2x}) and the multivariate chain rule of CSC311
Lecture 4 (f = y + e^{xy} with x = cos t, y = t²: df/dt = ∂f/∂x dx/dt + ∂f/∂y dy/dt).

## Two paths from x to z

x reaches z through y₁ and through y₂; the total derivative adds the two paths. The program is
[`examples/two_paths.dx`](../../examples/two_paths.dx). Without a point, the reverse method
writes the route-sum with the program's own names, then simplifies it:""",
    "$ diffx grad -f examples/two_paths.dx --method reverse",
    """At x = 0.5: 12·0.5 + 8e = 6 + 21.746 = 27.746.""",
    """PY:
import math
import diffx

source = open("examples/two_paths.dx").read()
g = diffx.grad(source, at={"x": 0.5})
print(g.gradient["x"], 12 * 0.5 + 8 * math.exp(1.0))""",
    """## The multivariate chain rule

CSC311's f(x(t), y(t)): each route from t is one product of the rule, ∂f/∂x · dx/dt and
∂f/∂y · dy/dt (and y reaches f twice: directly and through e^{xy}).
[`examples/multivariate_chain.dx`](../../examples/multivariate_chain.dx):""",
    "$ diffx routes -f examples/multivariate_chain.dx --at t=1",
    """The lecture's formula, df/dt = (y e^{xy})(−sin t) + (1 + x e^{xy})·2t at t = 1, by
hand in plain Python against diffx:""",
    """PY:
import math
import diffx

t = 1.0
x, y = math.cos(t), t * t
by_hand = y * math.exp(x * y) * -math.sin(t) + (1 + x * math.exp(x * y)) * 2 * t
source = open("examples/multivariate_chain.dx").read()
print(by_hand, diffx.grad(source, at={"t": t}).gradient["t"])""",
    """More on both: [the worked-examples page](../lecture.md#two-paths-from-x-to-z-12x-8e2x).""",
]

LOGISTIC_LS = [
    """# Logistic least squares, with a regulariser

*Reproduces* CSC311 Lecture 4's forward and backward pass: z = wx + b, y = σ(z),
L = ½(y − t)², R = ½w², L_reg = L + λR. The backward pass of the lecture: ȳ = y − t,
z̄ = ȳ σ'(z), w̄ = z̄ x + λw, b̄ = z̄. At w = 0.8, x = 1.5, b = −0.3, t = 1, λ = 0.1:
z = 0.9, y = σ(0.9) = 0.7109, z̄ = −0.0594, w̄ = −0.0891 + 0.08 = −0.0091, b̄ = −0.0594.

The program is [`examples/logistic_least_squares.dx`](../../examples/logistic_least_squares.dx).

## The gradient""",
    f"$ diffx grad -f examples/logistic_least_squares.dx --at {LOGISTIC} --wrt w,b",
    """## The backward pass, line by line

The adjoint trace is the lecture's backward pass: each v̄ is the sum over its children of the
child's adjoint times the local partial.""",
    f"$ diffx trace -f examples/logistic_least_squares.dx --at {LOGISTIC} --format markdown",
    """w reaches L_reg along two routes, through z and through R: the regulariser's route adds
λw = 0.08.""",
    f"$ diffx routes -f examples/logistic_least_squares.dx --at {LOGISTIC} --wrt w",
    """## From Python, against the lecture's formulas""",
    """PY:
import math
import diffx

w, x, b, t, lam = 0.8, 1.5, -0.3, 1.0, 0.1
y = 1 / (1 + math.exp(-(w * x + b)))
z_bar = (y - t) * y * (1 - y)
print("lecture:", round(z_bar * x + lam * w, 6), round(z_bar, 6))
source = open("examples/logistic_least_squares.dx").read()
g = diffx.grad(source, at={"w": w, "x": x, "b": b, "t": t, "lambda": lam})
print("diffx:  ", round(g.gradient["w"], 6), round(g.gradient["b"], 6))""",
]

PERCEPTRON = [
    """# The two-layer perceptron, written out and vectorized

*Reproduces* the two-layer network of CSC311 Lecture 4 (and the δ recursion of CS3244's
*Backprop*): two inputs, two sigmoid hidden units, two linear outputs, squared error. First
every weight by name ([`examples/mlp.dx`](../../examples/mlp.dx)), then the same network in
the lecture's vector notation ([`examples/mlp_vectorized.dx`](../../examples/mlp_vectorized.dx)):
z = W₁x + b₁, h = σ(z), y = W₂h + b₂, L = ½‖t − y‖².

## Written out: one reverse sweep gives every weight""",
    f"$ diffx grad -f examples/mlp.dx --method reverse --wrt w11,w12,w21,w22,v11,v12,v21,v22 "
    f"--at {MLP_POINT}",
    """## Vectorized: the same numbers, shaped like the weights

W₁ holds w11 w12 / w21 w22 and W₂ holds v11 v12 / v21 v22, so ∂L/∂W₁[0,0] is ∂L/∂w11 above.
`--backward` prints the backward pass in the lecture's matrix notation (ȳ = y − t,
W̄₂ = ȳ hᵀ, h̄ = W₂ᵀ ȳ, z̄ = h̄ ∘ σ'(z), W̄₁ = z̄ xᵀ):""",
    f'$ diffx grad -f examples/mlp_vectorized.dx --method reverse --backward --at "{MLP_VECTOR_POINT}"',
    """## The two agree, entry by entry""",
    f"""PY:
import diffx

scalar = diffx.grad(open("examples/mlp.dx").read(), at="{MLP_POINT}").gradient
vector = diffx.grad(open("examples/mlp_vectorized.dx").read(), at="{MLP_VECTOR_POINT}").gradient
for i in range(2):
    for j in range(2):
        print(f"w{{i+1}}{{j+1}}", scalar[f"w{{i+1}}{{j+1}}"], float(vector["W1"][i][j]))""",
    """More: [vectors and matrices](../vectors.md) and the
[worked examples](../lecture.md#a-two-layer-perceptron).""",
]

SWELL = [
    """# The logistic-map swell table

*Reproduces* CS2109S Lecture 9's "AD vs symbolic differentiation" table: l₁ = x,
lₙ₊₁ = 4lₙ(1 − lₙ), and d lₙ/dx for n = 1..4. Written out as a tree, the function and its
symbolic derivative double with every step; the lecture's simplified form for n = 4 is
64(1 − 42x + 504x² − 2640x³ + 7040x⁴ − 9984x⁵ + 7168x⁶ − 2048x⁷).

## The table

`--formulas` prints the simplified derivatives as the lecture's table does:""",
    "$ diffx swell logistic --n 1..4 --formulas",
    """The columns count the same function four ways: as a DAG (3 operations per step), as a
tree (doubling), the symbolic derivative's tree (doubling) and the reverse sweep's work
(linear); the routes from x double: 2ⁿ⁻¹.

## The lecture's l₄, checked""",
    """PY:
import sympy
import diffx

x = sympy.Symbol("x")
lecture = 64 * (1 - 42*x + 504*x**2 - 2640*x**3 + 7040*x**4 - 9984*x**5 + 7168*x**6 - 2048*x**7)
g = diffx.grad(open("examples/logistic_map.dx").read(), method="symbolic")
ours = sympy.sympify(g.formula["x"], locals={"x": x})  # diffx's own formula (sympy's output)
print(sympy.expand(ours - lecture) == 0)
print(diffx.grad(open("examples/logistic_map.dx").read(), at={"x": 0.3}).details.routes)""",
    """## The plot

`diffx swell logistic --n 1..10 --plot swell.svg` (library: `diffx.swell("logistic",
n="1..10", plot="swell.svg")`) draws the sizes against n; the picture below is the one the
same table draws on [the swell page](../explore.md) (it takes about half a minute: sympy
differentiates every row):

![expression swell of the logistic map](../img/swell-logistic.svg)

Why the symbolic derivative doubles but its DAG does not: [Swell, comparison, gradient
checks](../explore.md).""",
]

FINITE = [
    """# Finite differences against AD: cost and accuracy

*Reproduces* CS2109S Lecture 9's "AD vs numerical differentiation": central differences,
(f(x + ε) − f(x − ε)) / 2ε, are expensive (a forward pass per input, twice) and introduce
numerical errors; AD gets every derivative from one backward pass, exact to rounding.

## Accuracy: every scheme at one point

Squire and Trapp's test function at x = 1.5, f'(1.5) = 4.053427893898621: forward and
backward differences err near 1e-8, central differences near 1e-10, Richardson extrapolation
near 1e-14, and the reverse sweep and the complex step are exact:""",
    '$ diffx compare "exp(x)/sqrt(sin(x)^3 + cos(x)^3)" --at x=1.5',
    """## Cost: evaluations against inputs

Central differences need two evaluations per input; the reverse sweep one forward and one
backward pass whatever the number of inputs. The `cost` column says so for logistic least
squares, with five inputs (the numeric method's evaluations against the sweep's operations):""",
    f"$ diffx grad -f examples/logistic_least_squares.dx --at {LOGISTIC}",
    """## The step: truncation against round-off

Too large a step leaves truncation error, too small a step loses digits to cancellation; the
library's numeric method reports its step and its own error estimate:""",
    """PY:
import math
import diffx

exact = math.cos(1.0)
for h in (1e-1, 1e-3, 1e-5, 1e-8, 1e-11):
    g = diffx.grad("sin(x)", at={"x": 1.0}, method="numeric", step=h)
    print(f"h={h:.0e}  error {abs(g.gradient['x'] - exact):.1e}")
g = diffx.grad("sin(x)", at={"x": 1.0}, method="reverse")
print(f"reverse  error {abs(g.gradient['x'] - exact):.1e}")""",
]

GRADCHECK = [
    """# Gradient checking, as the lecture teaches it

*Reproduces* CSC311 Lecture 4's gradient checking: compare a hand-derived gradient with
central differences in double precision, with the relative error |a − b| / (|a| + |b|),
which should be very small, e.g. 1e-6.

## A right gradient passes

The hand derivation of logistic least squares (without the regulariser): w̄ = (y − t)y(1 − y)x,
b̄ = (y − t)y(1 − y). A claim may use the program's own names:""",
    '$ diffx check "z = w*x + b; y = sigmoid(z); L = 0.5*(y - t)^2" --at w=0.8,x=1.5,b=-0.3,t=1 '
    '--claim "w = (y - t)*y*(1 - y)*x" --claim "b = (y - t)*y*(1 - y)"',
    """## A wrong gradient fails

Forget σ' (a classic bug) and the check fails with exit status 1, naming the worst input:""",
    '$ diffx check "z = w*x + b; y = sigmoid(z); L = 0.5*(y - t)^2" --at w=0.8,x=1.5,b=-0.3,t=1 '
    '--claim "w = (y - t)*y*x" --claim "b = (y - t)*y"',
    """## Plain Python code, like torch.autograd.gradcheck""",
    """PY:
import math
from diffx import check

def f(x):
    return math.sin(x[0]) * x[1] ** 2

def grad_f(x):  # a bug: d/dx1 should be 2 sin(x0) x1
    return [math.cos(x[0]) * x[1] ** 2, math.sin(x[0]) * x[1]]

report = check(f, grad_f, at=[0.3, 2.0])
print(report.passed, report.worst)""",
    """The step sweep (`--sweep`) and its plot: [Swell, comparison, gradient
checks](../explore.md#diffx-check-a-gradient-check-as-the-notes-teach-it).""",
]

TUTORIALS = {
    "index": INDEX, "route-sum": ROUTE_SUM, "chain-rule": CHAIN_RULE,
    "logistic-least-squares": LOGISTIC_LS, "perceptron": PERCEPTRON, "swell": SWELL,
    "finite-differences": FINITE, "gradient-checking": GRADCHECK,
}
