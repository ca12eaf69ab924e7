"""The independent oracle of the vector tests: the lecture's two-layer perceptron (CSC311)
and its vectorized backward pass written out by hand in numpy (the lecture's formulas, never
diffx's own rules)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

MLP = "z = W1 @ x + b1; h = sigmoid(z); y = W2 @ h + b2; L = 0.5*sum((t - y)^2)"
POINT = {"W1": [[0.1, 0.2], [-0.3, 0.4]], "x": [1, -2], "b1": [0.1, 0],
         "W2": [[0.5, -0.6], [0.7, 0.8]], "b2": [0, 0], "t": [0.5, -0.5]}


def mlp_backprop(point: Mapping[str, Any]) -> tuple[float, dict[str, Any], dict[str, Any]]:
    """The loss, the inputs' gradients, and the intermediates' adjoints (L, y, h, z)."""
    p = {k: np.asarray(v, dtype=float) for k, v in point.items()}
    z = p["W1"] @ p["x"] + p["b1"]
    h = 1 / (1 + np.exp(-z))
    y = p["W2"] @ h + p["b2"]
    y_bar = y - p["t"]
    h_bar = p["W2"].T @ y_bar
    z_bar = h_bar * h * (1 - h)
    inputs = {"W1": np.outer(z_bar, p["x"]), "x": p["W1"].T @ z_bar, "b1": z_bar,
              "W2": np.outer(y_bar, h), "b2": y_bar, "t": -y_bar}
    inner = {"L": 1.0, "y": y_bar, "h": h_bar, "z": z_bar}
    return float(0.5 * np.sum((p["t"] - y) ** 2)), inputs, inner
