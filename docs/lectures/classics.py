"""The second half of docs/lecture.md: the worked tables of the lecture notes and the classic
examples (CS231n, colah, micrograd), each rebuilt with diffx commands only.

`docs/build.py` appends CLASSICS to the page's blocks (`python docs/build.py lecture`);
`tests/test_lecture_pages.py` reruns every command of the page and checks the key numbers
against hand-derived values.
"""

from __future__ import annotations

SIGMOID_NEURON = "dot = w0*x0 + w1*x1 + w2; f = 1 / (1 + exp(-dot))"
SIGMOID_POINT = "w0=2,w1=-3,w2=-3,x0=-1,x1=-2"
CS3244_NET = "f1 = W1.T @ x; a1 = sigmoid(f1); y = w2 @ a1"
CS3244_POINT = "W1=[[1,-1],[2,0.5]],x=[1,-2],w2=[0.5,-1]"
LOGISTIC_POINT = "w=0.8,x=1.5,b=-0.3,t=1,lambda=0.1"

CLASSICS = [
    """## The worked tables, rebuilt

The sections below redo the notes' tables (and the classic examples every course borrows) with
`diffx trace` (primal, tangent and adjoint traces), `diffx routes` (the sum over paths),
`diffx steps` (a derivative rule by rule) and `diffx grad --backward` (the backward pass of a
vector program in matrix notation). Baydin et al.'s Tables 2 and 3 are on their own page,
[trace.md](trace.md). `tests/test_lecture_pages.py` reruns every command on this page and
checks the numbers quoted in the text against derivations by hand.""",
    """### The route-sum as trace tables (a = 4, b = 3)

The adjoint trace writes each v̄ as the sum over its children: ā = d̄ ∂d/∂a + c̄ ∂c/∂a =
c + a = 7 + 4 = 11, b̄ = c̄ ∂c/∂b = a = 4. The tangent trace (ȧ = 1) gets the same 11
forwards.""",
    "$ diffx trace \"c = a + b; d = a * c\" --at a=4,b=3",
    "$ diffx routes \"c = a + b; d = a * c\" --at a=4,b=3",
    "The same derivative, rule by rule:",
    "$ diffx steps \"c = a + b; d = a * c\" --wrt a",
    """### CSC311: the forward and backward pass of logistic least squares

The notes' forward pass (z = wx + b, y = σ(z), L = ½(y − t)², R = ½w², L_reg = L + λR) and
backward pass (L̄_reg = 1, R̄ = λ, L̄ = 1, ȳ = y − t, z̄ = ȳ σ'(z), w̄ = z̄ x + R̄ w, b̄ = z̄),
at w = 0.8, x = 1.5, b = −0.3, t = 1, λ = 0.1: z = 0.9, y = σ(0.9) = 0.711, z̄ = −0.0594,
w̄ = −0.0891 + 0.08 = −0.0091, b̄ = −0.0594.""",
    f"$ diffx trace -f examples/logistic_least_squares.dx --at {LOGISTIC_POINT}",
    """### CS2109S: backpropagation, and the PyTorch example

The notes' backward propagation, ∂J/∂vᵢ = Σ_{vⱼ ∈ Children(vᵢ)} ∂J/∂vⱼ · ∂vⱼ/∂vᵢ, is the adjoint
trace. Their PyTorch example, `y = w2 * torch.sigmoid(w1 * x)` at x = w1 = w2 = 0, prints
`w1.grad = 0` and `w2.grad = 0.5`: w̄2 = σ(0) = 0.5, w̄1 = w2 σ'(0) x = 0.""",
    "$ diffx trace \"h = sigmoid(w1 * x); y = w2 * h\" --at x=0,w1=0,w2=0 --seed w2",
    """Their ReLU network max(0, x − 1) + max(0, 1 − x) = |x − 1|: two routes from x, each
through one kink; away from x = 1 exactly one of them carries a nonzero product.""",
    "$ diffx routes \"max(0, x - 1) + max(0, 1 - x)\" --at x=3",
    """### CS3244: δ⁽ˡ⁾ = g'(f⁽ˡ⁾) ∘ (W⁽ˡ⁺¹⁾ δ⁽ˡ⁺¹⁾) and dŷ/dW⁽ˡ⁾ = a⁽ˡ⁻¹⁾ (δ⁽ˡ⁾)ᵀ

The notes write a layer as f = Wᵀa, a = g(f). For one sigmoid layer and a linear output
ŷ = w2ᵀ σ(W1ᵀ x), the backward pass in matrix notation is exactly that recursion: δ = σ'(f1) ∘ w2
and W̄1 = x δᵀ. At W1 = [[1, −1], [2, 0.5]], x = [1, −2], w2 = [0.5, −1]: f1 = [−3, −2],
δ = [0.5 σ'(−3), −σ'(−2)] = [0.0226, −0.1050], W̄1 = [[0.0226, −0.1050], [−0.0452, 0.2100]].""",
    f"$ diffx grad \"{CS3244_NET}\" --at \"{CS3244_POINT}\" --backward",
    f"$ diffx grad \"{CS3244_NET}\" --at \"{CS3244_POINT}\" --method reverse",
    """### CS231n: staged computation, f = (x + y) z at (−2, 5, −4)

q = x + y = 3, f = qz = −12; backwards: ∂f/∂z = q = 3, ∂f/∂q = z = −4, and the add gate
passes −4 on to both x and y.""",
    "$ diffx trace \"q = x + y; f = q * z\" --at x=-2,y=5,z=-4",
    """### CS231n: the sigmoid neuron, w = (2, −3, −3), x = (−1, −2)

f = σ(w0x0 + w1x1 + w2): the dot product is 1, f = σ(1) = 0.731, and the whole sigmoid gate's
local derivative is f(1 − f) = 0.197. So dx = (w0, w1) · 0.197 = (0.393, −0.590) and
dw = (x0, x1, 1) · 0.197 = (−0.197, −0.393, 0.197). The staged form, as the CS231n notes compute it
gate by gate (1/x, +1, exp, ×(−1)):""",
    f"$ diffx trace \"{SIGMOID_NEURON}\" --at {SIGMOID_POINT}",
    "The same neuron with vectors, and its backward pass in matrix notation:",
    "$ diffx grad \"f = sigmoid(w @ x + b)\" --at \"w=[2,-3],x=[-1,-2],b=-3\" --backward",
    "$ diffx grad \"f = sigmoid(w @ x + b)\" --at \"w=[2,-3],x=[-1,-2],b=-3\" --method reverse",
    """### colah: e = (a + b)(b + 1) at a = 2, b = 1, by the sum over paths

c = a + b = 3, d = b + 1 = 2. b reaches the output along two paths: ∂e/∂b = 1·d + 1·c =
2 + 3 = 5; a along one: ∂e/∂a = d = 2. (In diffx `e` is Euler's number, so the output is
left unnamed and shows as f.)""",
    "$ diffx routes \"c = a + b; d = b + 1; c * d\" --at a=2,b=1",
    """### micrograd: L = −8 at a = 2, b = −3, c = 10, f = −2

e = ab = −6, d = e + c = 4, L = df = −8 (e renamed e1, as above). Backwards: dL/dd = f = −2,
dL/df = d = 4, dL/dc = dL/de = −2, dL/da = −2·b = 6, dL/db = −2·a = −4.""",
    "$ diffx trace \"e1 = a * b; d = e1 + c; L = d * f\" --at a=2,b=-3,c=10,f=-2",
]
