"""Result types: one ``Gradient`` shape for every method, and a ``Report`` of several methods.

Presenters (terminal tables, JSON, pictures, the notebook display) only read these; nothing
here computes a derivative or draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Gradient:
    """What one method found.

    ``gradient`` maps each input in ``wrt`` to the derivative's value at ``point`` (a float,
    or an array for many points); without a point it maps to the formula (a string).
    ``value`` is the function's value at the point. ``cost`` counts what the method did
    (``evaluations`` of the function, elementary ``operations``, ``routes``); ``details`` holds
    method-specific facts (formula sizes, step and scheme, adjoints, route listings).
    """

    method: str
    expression: str
    inputs: tuple[str, ...]
    wrt: tuple[str, ...]
    point: dict[str, Any] | None
    gradient: dict[str, Any] | None = None
    value: Any = None
    formula: dict[str, str] | None = None
    seconds: float = 0.0
    cost: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    graph: Any = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    def __getitem__(self, name: str) -> Any:
        """``g["a"]`` is the derivative with respect to ``a``."""
        if self.gradient is None:
            raise KeyError(f"{self.method} has no gradient: {self.error}")
        return self.gradient[name]

    def __repr__(self) -> str:
        if self.error:
            return f"Gradient({self.method}: error {self.error!r})"
        return f"Gradient({self.method}: {self.gradient!r}, value={self.value!r})"


@dataclass
class Report:
    """Several methods on one graph at one point, as ``diffx grad --method all`` shows them."""

    expression: str
    inputs: tuple[str, ...]
    wrt: tuple[str, ...]
    point: dict[str, Any] | None
    value: Any
    results: dict[str, Gradient]
    warnings: list[str]
    reference: str | None = None  # the method others are compared with
    relative_errors: dict[str, dict[str, Any]] = field(default_factory=dict)

    def worst_error(self, method: str) -> float | None:
        """The largest relative error of ``method`` against the reference, over the inputs."""
        return max_finite((self.relative_errors.get(method) or {}).values())


def relative_error(value: Any, reference: Any) -> Any:
    """|value - reference| / |reference| (absolute error where the reference is 0); nan where
    either is not finite: two nans or two infinities are no agreement."""
    if isinstance(value, float) and isinstance(reference, float):
        if not (math.isfinite(value) and math.isfinite(reference)):
            return math.nan
        if value == reference:
            return 0.0
        diff = abs(value - reference)
        return diff / abs(reference) if reference != 0 else diff
    import numpy as np

    v, r = np.asarray(value, dtype=float), np.asarray(reference, dtype=float)
    with np.errstate(all="ignore"):
        diff = np.abs(v - r)
        scale = np.abs(r)
        out = np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), diff)
        out = np.where(np.isfinite(v) & np.isfinite(r), out, np.nan)
    return float(out) if out.ndim == 0 else out


def max_finite(values: Any) -> float | None:
    """The largest value (nan counts as infinitely large), over numbers or arrays."""
    worst = None
    for v in values:
        if isinstance(v, float):
            m = math.inf if math.isnan(v) else v
            worst = m if worst is None else max(worst, m)
            continue
        import numpy as np

        arr = np.asarray(v, dtype=float)
        if arr.size == 0:
            continue
        m = float(np.max(np.where(np.isnan(arr), np.inf, arr)))
        worst = m if worst is None else max(worst, m)
    return worst
