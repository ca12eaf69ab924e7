"""Result types: one ``Gradient`` shape for every method, and a ``Report`` of several methods
(or labelled variants of them), with the one definition of a result's error against a
reference (:func:`errors_against_reference`).

Presenters (terminal tables, JSON, pictures, the notebook display) only read these; nothing
here computes a derivative or draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .details import Details


#: Why a method gave no result: ``usage`` -- it cannot run on this request (forward mode
#: without a point, complex steps through ``abs``); ``unfinished`` -- it ran out of time, size
#: or depth, or sympy failed; ``internal`` -- a defect in diffx.
ERROR_KINDS = ("usage", "unfinished", "internal")


@dataclass(frozen=True)
class Shapes:
    """A vector program's shapes, for presenters: each input's shape (``()`` for a scalar
    input), the output's name and shape. ``None`` in its place on a result means a scalar
    program (every value a number)."""

    inputs: dict[str, tuple[int, ...]]
    output: str
    output_shape: tuple[int, ...] = ()
    #: a vector output's Jacobian layout: ``"numerator"`` (shape output + input, rows are the
    #: outputs) or ``"denominator"`` (input + output); None for a scalar output
    layout: str | None = None

    def of(self, name: str) -> tuple[int, ...]:
        """The shape of the derivative by an input (an element such as ``W1[0,1]`` is a
        number): the input's shape for a scalar output, else the Jacobian's in its layout."""
        shape = self.inputs.get(name, ())
        if not self.output_shape:
            return shape
        if self.layout == "denominator":
            return shape + self.output_shape
        return self.output_shape + shape

    def layout_text(self, name: str) -> str:
        """``numerator layout: rows are y, columns are x`` (empty for a scalar output)."""
        if not self.output_shape:
            return ""
        out, by = self.output, name
        rows, cols = (out, by) if self.layout != "denominator" else (by, out)
        return f"{self.layout or 'numerator'} layout: rows are {rows}, columns are {cols}"

    @property
    def vector_inputs(self) -> tuple[str, ...]:
        """The inputs that are vectors or matrices."""
        return tuple(name for name, shape in self.inputs.items() if shape)

    def as_json(self) -> dict[str, list[int]]:
        """Every input's shape and the output's, as JSON lists."""
        return {**{k: list(v) for k, v in self.inputs.items()},
                self.output: list(self.output_shape)}


class Worst(NamedTuple):
    """The entry of a vector program's derivative farthest from the reference."""

    entry: str  # ``W2[1,0]``, or a scalar input's name
    relative_error: float  # nan when a value there is not finite
    not_finite: int = 0  # entries left out: not finite in the method and the reference


class _LazyText:
    """A text field that may be given as a function returning it, called when the text is
    first read: a traced graph's program text costs a pass over all its nodes (a 10^5-step
    loop spent longer on it than on its gradient), and most results are never printed."""

    def __init__(self, slot: str) -> None:
        self._slot = slot

    def __get__(self, obj: Any, owner: Any = None) -> str:
        if obj is None:
            raise AttributeError(self._slot)
        value = obj.__dict__[self._slot]
        if callable(value):
            value = obj.__dict__[self._slot] = value()
        return value

    def __set__(self, obj: Any, value: str | Callable[[], str]) -> None:
        obj.__dict__[self._slot] = value


@dataclass
class Gradient:
    """What one method found.

    ``gradient`` maps each input in ``wrt`` to the derivative's value at ``point`` (a float,
    or an array for many points); without a point it maps to the formula (a string).
    ``value`` is the function's value at the point. ``cost`` counts what the method did
    (``evaluations`` of the function, elementary ``operations``, ``routes``); ``details`` is
    the method's typed record (:mod:`diffx.details`: formula sizes, step and scheme, adjoints,
    route listings), which also says how to show them.
    ``error_kind`` says why a method gave no result (see :data:`ERROR_KINDS`).
    """

    method: str
    expression: str  # (also given as a function giving it: see _LazyText)
    inputs: tuple[str, ...]
    wrt: tuple[str, ...]
    point: dict[str, Any] | None
    gradient: dict[str, Any] | None = None
    value: Any = None
    formula: dict[str, str] | None = None
    seconds: float = 0.0
    cost: dict[str, Any] = field(default_factory=dict)
    details: Details = field(default_factory=Details)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    error_kind: str | None = None  # one of ERROR_KINDS when ``error`` is set
    graph: Any = field(default=None, repr=False, compare=False)
    shapes: Shapes | None = None  # a vector program's shapes (gradients shaped like inputs)

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
        said = f", warnings={self.warnings!r}" if self.warnings else ""  # (a doubt is shown)
        return f"Gradient({self.method}: {self.gradient!r}, value={self.value!r}{said})"


Gradient.expression = _LazyText("_expression")  # type: ignore[assignment]


@dataclass
class Report:
    """Several methods, or labelled variants of them, on one graph: what ``grad_all`` and
    ``compare`` return (``diffx grad --method all``, ``diffx compare``).

    ``results`` maps each label -- a method's name, or a variant's such as
    ``"numeric central"`` -- to its :class:`Gradient`. At a point, ``reference`` is the label
    the others are measured against, and ``absolute_errors`` and ``relative_errors`` map each
    label that gave a derivative (the reference too) to its errors per input
    (:func:`errors_against_reference`: nan where a value is not finite). ``made_by`` names the
    function that made it (``"grad_all"`` or ``"compare"``), so a display shows the matching
    table. For a vector program ``shapes`` holds the inputs' and output's shapes (gradients
    and errors are then arrays shaped like the inputs) and ``worst`` each label's entry
    farthest from the reference (``W2[1,0]``). ``rows`` and ``row(label)`` give a label's
    result and errors together:

    >>> from diffx import grad_all
    >>> r = grad_all("x^3", at={"x": 2})
    >>> r.reference, r.row("numeric").relative_error < 1e-9
    ('reverse', True)
    """

    expression: str
    inputs: tuple[str, ...]
    wrt: tuple[str, ...]
    point: dict[str, Any] | None
    value: Any
    results: dict[str, Gradient]
    warnings: list[str]
    reference: str | None = None  # the label others are compared with
    relative_errors: dict[str, dict[str, Any]] = field(default_factory=dict)
    absolute_errors: dict[str, dict[str, Any]] = field(default_factory=dict)
    made_by: str = "grad_all"
    graph: Any = field(default=None, repr=False, compare=False)
    shapes: Shapes | None = None  # a vector program's shapes (None: a scalar program)
    worst: dict[str, Worst] = field(default_factory=dict)  # vector programs: per label
    #: inputs not measured (nan errors) at a doubtful point (:meth:`mark_doubtful`)
    doubtful: tuple[str, ...] = ()

    def mark_doubtful(self, masked: list[str]) -> None:
        """At a doubtful point (``masked``: :func:`diffx.diagnose.masked_singularities`) no
        error is a measure: every error becomes nan, the inputs are listed in ``doubtful``
        (shown as "doubtful", null in JSON), and a warning says why."""
        if not masked or self.reference is None:
            return
        import numpy as np

        self.doubtful = tuple(self.wrt)
        for errors in (*self.absolute_errors.values(), *self.relative_errors.values()):
            for w in self.doubtful:  # (a vector program's errors are arrays)
                errors[w] = np.full(np.shape(errors[w]), math.nan) if np.ndim(errors[w]) \
                    else math.nan
        for label, worst in self.worst.items():
            self.worst[label] = Worst(worst.entry, math.nan)
        self.warnings.append(
            f"the point is doubtful: {'; '.join(masked)}, and a later operation masks it, so "
            "the function is undefined here and the derivative may not exist: the errors are "
            "not measured (doubtful), and methods that agree here give no evidence that their "
            "derivative is right")

    def worst_error(self, label: str) -> float | None:
        """The largest relative error of ``label`` against the reference, over the inputs
        (nan counts as infinitely large)."""
        return max_finite((self.relative_errors.get(label) or {}).values())

    @property
    def rows(self) -> list[Row]:
        """Every label's result and errors, in the order they ran."""
        return [self.row(label) for label in self.results]

    def row(self, label: str) -> Row:
        """One label's result and errors: ``report.row("numeric complex").relative_error``."""
        result = self.results[label]  # KeyError names the label
        relative = self.relative_errors.get(label)
        return Row(label, result, self.absolute_errors.get(label),
                   None if relative is None else _worst(relative.values()),
                   tuple(self.not_finite(label)), self.graph,
                   self.doubtful if relative is not None else ())

    def not_finite(self, label: str) -> list[str]:
        """The inputs where the derivative of ``label`` or the reference's is not finite
        (anywhere, at many points): there its errors are nan, never a measure."""
        ref = self.results.get(self.reference) if self.reference else None
        mine = self.results[label].gradient
        if self.point is None or mine is None or ref is None or ref.gradient is None:
            return []
        return [w for w in self.wrt if not (_all_finite(mine.get(w)) and
                                            _all_finite(ref.gradient.get(w)))]


@dataclass(frozen=True)
class Row:
    """One label of a :class:`Report`, as a row of ``diffx compare``'s table."""

    label: str
    result: Gradient = field(repr=False)
    absolute_error: dict[str, Any] | None  # per input; None where nothing was measured
    relative_error: float | None  # the worst over the inputs; nan when any is nan
    not_finite: tuple[str, ...] = ()  # inputs where it or the reference is not finite
    graph: Any = field(default=None, repr=False, compare=False)
    doubtful: tuple[str, ...] = ()  # inputs not measured: the point is doubtful (Report)

    @property
    def method(self) -> str:
        return self.result.method

    @property
    def variant(self) -> str | None:
        """What the label adds to the method's name (``"central"`` of ``"numeric central"``)."""
        rest = self.label.removeprefix(self.result.method).strip()
        return rest or None

    @property
    def gradient(self) -> dict[str, Any] | None:
        return self.result.gradient

    @property
    def error(self) -> str | None:
        return self.result.error

    @property
    def seconds(self) -> float:
        return self.result.seconds

    @property
    def evaluations(self) -> int | None:
        return self.result.cost.get("evaluations")

    @property
    def operations(self) -> int | None:
        return self.result.cost.get("operations")

    @property
    def worst_absolute_error(self) -> float | None:
        """The largest absolute error; nan when any is nan (not measured: not finite)."""
        return None if not self.absolute_error else _worst(self.absolute_error.values())

    @property
    def built(self) -> str:
        """The size of what the variant built: sympy's formula tree, the graph the sweeps
        walk, or the finite-difference step ("" where it failed)."""
        return self.result.details.built(self.graph) if self.result.ok else ""

    def as_dict(self) -> dict[str, Any]:
        """The row as plain data (``diffx compare --json``): its errors are None, and the
        inputs listed under ``not_finite``, where it or the reference is not finite, or
        ``doubtful`` (:attr:`Report.doubtful`)."""
        cut = (*self.not_finite, *(w for w in self.doubtful if w not in self.not_finite))
        absolute = None if self.absolute_error is None else {
            w: (None if w in cut else v) for w, v in self.absolute_error.items()}
        every = bool(cut) and len(cut) == len(self.result.wrt)
        row = {"method": self.method, "variant": self.variant, "gradient": self.gradient,
               "absolute_error": absolute,
               "relative_error": None if every else self.relative_error,
               "seconds": self.seconds, "evaluations": self.evaluations,
               "operations": self.operations, "built": self.built, "error": self.error}
        shown = {"not_finite": list(self.not_finite), "doubtful": list(self.doubtful)}
        return {**row, **{k: v for k, v in shown.items() if v}}


def errors_against_reference(value: Any, reference: Any) -> tuple[Any, Any]:
    """The absolute error |value - reference| and the relative error |value - reference| /
    |reference| (the absolute error where the reference is 0), of numbers, complex numbers
    or arrays; nan where either is not finite or not a number: two nans or two infinities
    are no agreement. (``diffx check`` uses the symmetric
    :func:`diffx.check.symmetric_relative_error` instead.)

    >>> errors_against_reference(1.5, 2.0)
    (0.5, 0.25)
    """
    if isinstance(value, float) and isinstance(reference, float):
        if not (math.isfinite(value) and math.isfinite(reference)):
            return math.nan, math.nan
        gap = abs(value - reference)
        return gap, (gap / abs(reference) if reference != 0 else gap)
    import numpy as np

    try:
        v, r = np.asarray(value), np.asarray(reference)
        kind = complex if "c" in (v.dtype.kind, r.dtype.kind) else float
        v, r = v.astype(kind), r.astype(kind)
    except (TypeError, ValueError):  # not numbers (a formula, None)
        return math.nan, math.nan
    with np.errstate(all="ignore"):
        diff = np.abs(v - r)
        scale = np.abs(r)
        rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), diff)
        finite = np.isfinite(v) & np.isfinite(r)
        diff, rel = np.where(finite, diff, np.nan), np.where(finite, rel, np.nan)
    if diff.ndim == 0:
        return float(diff), float(rel)
    return diff, rel


def _all_finite(v: Any) -> bool:
    if isinstance(v, float):
        return math.isfinite(v)
    import numpy as np

    try:
        return bool(np.all(np.isfinite(np.asarray(v, dtype=complex))))
    except (TypeError, ValueError):  # not a number
        return False


def _worst(values: Any) -> float:
    """The largest of the values (numbers or arrays); nan when any is nan; 0 for none."""
    values = list(values)
    for v in values:
        if isinstance(v, float) and math.isnan(v):
            return math.nan
        if not isinstance(v, float):
            import numpy as np

            if np.any(np.isnan(np.asarray(v, dtype=float))):
                return math.nan
    worst = max_finite(values)
    return 0.0 if worst is None else worst


def both_not_finite(value: Any, reference: Any) -> Any:
    """Where a derivative and its reference are both nan or infinite (a bool, or an array of
    them for many points): there a relative error means nothing, not agreement."""
    import numpy as np

    try:
        v = np.asarray(value, dtype=complex)
        r = np.asarray(reference, dtype=complex)
    except (TypeError, ValueError):  # formulas, not numbers
        return False
    with np.errstate(all="ignore"):
        both = ~np.isfinite(v) & ~np.isfinite(r)
    return bool(both) if both.ndim == 0 else both


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
