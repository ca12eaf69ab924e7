"""The notes' circle classifier, trained by gradient descent with diffx.grad on vector values.

The notes look for a closed decision boundary: a circle whose centre (w1, w2) and radius w0 are
unknown. For one sample x = (x1, x2) with class y (1 outside the circle, 0 inside):

    z = (x1 - w1)^2 + (x2 - w2)^2 - w0^2      here: z = sum((x - c)^2) - r^2, c = [w1, w2]
    y-hat = sigmoid(z)
    Loss = -y log(y-hat) - (1 - y) log(1 - y-hat)      (binary cross-entropy)

"AutoGrad can calculate all these derivatives for us": diffx.grad gives dLoss/dc (a vector
like c) and dLoss/dr for every sample of a batch at once (a batch of x values beside one c),
and, as the notes say, the derivatives of the samples are added and divided by their number
before the step w <- w - alpha dE/dw.

    python examples/circle_classifier.py
"""

from __future__ import annotations

import numpy as np

import diffx

SOURCE = "z = sum((x - c)^2) - r^2; p = sigmoid(z); L = -y*log(p) - (1 - y)*log(1 - p)"
PROGRAM = diffx.parse(SOURCE, shapes={"x": (2,), "c": (2,), "y": (), "r": ()})
CENTRE, RADIUS = np.array([0.5, -0.3]), 1.0  # the circle the data come from
START_C, START_R = np.array([0.0, 0.0]), 0.5
ALPHA, STEPS = 0.3, 12


def data(m: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """m points in the square [-2, 2]^2 around the circle; class 1 outside it."""
    points = np.random.default_rng(seed).uniform(-2.0, 2.0, size=(m, 2)) + CENTRE
    labels = (np.sum((points - CENTRE) ** 2, axis=1) > RADIUS**2).astype(float)
    return points, labels


def loss_and_gradient(c: np.ndarray, r: float, X: np.ndarray,
                      y: np.ndarray) -> tuple[float, np.ndarray, float]:
    """The mean loss over the samples and its gradient with respect to c and r, by diffx."""
    result = diffx.grad(PROGRAM, at={"x": X, "y": y, "c": diffx.Value(c), "r": r},
                        wrt="c,r", method="reverse")
    # one value and one gradient per sample (batch axis first): accumulate, divide by m
    return (float(np.mean(result.value)), result.gradient["c"].mean(axis=0),
            float(np.mean(result.gradient["r"])))


def train(steps: int = STEPS, alpha: float = ALPHA) -> list[tuple[float, np.ndarray, float]]:
    """Gradient descent from the starting circle: (loss, c, r) before each step."""
    X, y = data()
    c, r = START_C.copy(), START_R
    history = []
    for _ in range(steps):
        loss, grad_c, grad_r = loss_and_gradient(c, r, X, y)
        history.append((loss, c.copy(), r))
        c, r = c - alpha * grad_c, r - alpha * grad_r
    return history


def main() -> None:
    for step, (loss, c, r) in enumerate(train()):
        print(f"step {step:2}  loss {loss:.6f}  centre [{c[0]: .4f} {c[1]: .4f}]  radius {r:.4f}")


if __name__ == "__main__":
    main()
