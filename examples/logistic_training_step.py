"""A training step of logistic regression, written as plain Python and traced by diffx.

The lecture's univariate logistic least squares model (CSC311, "Example: univariate logistic
least squares regression"), over a mini-batch of three examples, with its L2 regulariser:

    z = w x + b,   y = sigmoid(z),   L = 1/2 (y - t)^2       (each example)
    R = 1/2 w^2,   L_reg = mean(L) + lambda R

``loss`` is an ordinary function (it runs on floats too); ``diffx grad
examples/logistic_training_step.py:loss --at w=0.8,b=-0.3`` traces it: the loop unrolls into
the graph, one copy of the model per example. Running this file takes three gradient-descent
steps with diffx's reverse-mode gradient. docs/python-functions.md ("A training step, traced")
and docs/hessian.md show its graph, its adjoint program and its derivatives.
"""

import diffx

EXAMPLES = ((1.5, 1.0), (-0.5, 0.0), (2.0, 1.0))  # (x, t): the inputs and their targets
LAMBDA = 0.1  # the weight of the regulariser R = w^2 / 2


def loss(w, b):
    total = 0.0
    for x, t in EXAMPLES:
        z = diffx.name(w * x + b, "z")
        y = diffx.name(diffx.math.sigmoid(z), "y")
        total = total + 0.5 * (y - t) ** 2
    return total / len(EXAMPLES) + LAMBDA * 0.5 * w ** 2


def step(w, b, lr=0.5):
    """One gradient-descent step: the new (w, b) and the loss before it."""
    g = diffx.grad(loss, at={"w": w, "b": b})
    return w - lr * g["w"], b - lr * g["b"], g.value


if __name__ == "__main__":
    w, b = 0.8, -0.3
    for k in range(3):
        w, b, before = step(w, b)
        print(f"step {k + 1}: loss {before:.6f} -> w = {w:.6f}, b = {b:.6f}")
    print(f"loss now {loss(w, b):.6f}")
