"""Gradient checks of vector programs: matrix claims, the way the lecture's vectorized backward
pass is checked::

    >>> from diffx import check
    >>> r = check("z = W1 @ x + b1; h = sigmoid(z); y = W2 @ h + b2; L = 0.5*sum((t - y)^2)",
    ...           at="W1=[[0.1,0.2],[-0.3,0.4]], x=[1,-2], b1=[0.1,0], W2=[[0.5,-0.6],"
    ...              "[0.7,0.8]], b2=[0,0], t=[0.5,-0.5]",
    ...           claims={"W2": "outer(y - t, h)"})
    >>> r.passed, r.worst, r.inputs[0].shape
    (True, 'W2[0,1]', (2, 2))

A claim is a vector expression over the program's inputs and named values. It is evaluated
at the block level: ``claim_ = <formula>`` (a fresh name) is appended to the source, the
parser reads it, and :func:`diffx.blocksweep.forward` computes it on numpy arrays (nothing is
eval'd). Its shape must be the input's; a claim for one element (``W1[0,1] = ...``) is a
number. Each entry is judged against the reference gradient -- the reverse sweep on the scalar
expansion, or the ``matrix`` method when the expansion is too large -- and against central
differences of the block-level function, taken per element; inputs with more than
:data:`CENTRAL_CAP` elements get them at a seeded sample of that many. The verdict rules are
:mod:`diffx.check_verdict`'s: the symmetric relative error within the threshold, or within
the central difference's own error estimate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import undefined
from .check_claims import claim_value, parse_claims, targets
from .check_verdict import (SWEEP_STEPS, CheckedInput, CheckReport, SweepPoint, _central,
                            central_search, judge, symmetric_relative_error)
from .errors import DiffxError, PointError, option

CENTRAL_CAP = 200  # elements per input that get central differences
SEED = 0  # the sample of elements is drawn with numpy's default_rng(SEED)


@dataclass
class CheckedArray(CheckedInput):
    """One input (or one element) of a vector program, judged entry by entry. ``claimed``,
    ``reverse`` and ``central`` are arrays of the input's shape (``central`` nan where no
    central difference was taken); ``error`` and ``errors`` are the worst entry's."""

    shape: tuple[int, ...] = ()
    entries: Any = None  # each entry's worst relative error, shaped like the input
    worst_entry: str = ""
    reference: str = "reverse"  # "reverse" (the scalar sweep) or "matrix"
    sampled: int = 0  # entries with central differences
    failed: int = 0  # entries that fail
    element_names: list[str] = field(default_factory=list)


def vector_program(source: Any, at: Any, shapes: Any) -> Any:
    """The source as a vector program with its declared shapes, or None when it is a scalar
    program or a Python function (checked by the scalar path)."""
    from .graph import Graph
    from .methods.vector_request import parse_program
    from .vectors import VectorProgram

    if isinstance(source, Graph) or callable(source) and not isinstance(source, str):
        return None
    if not isinstance(source, str | VectorProgram):
        return None
    program, declared = parse_program(source, at, shapes)
    return (program, declared) if isinstance(program, VectorProgram) else None


def check_vector_program(program: Any, declared: dict[str, tuple[int, ...]], at: Any,
                         claims: Any, threshold: float, sweep: bool) -> CheckReport:
    """The check of a vector program at one point (see the module docstring)."""
    from . import blocksweep
    from .methods.vector_request import block_point

    values, batch, dims = block_point(program, at, declared)
    if batch:
        raise PointError(f"a gradient check works at one point, but {option('at')} gives a "
                         f"batch of shape {batch}; give one value of each input")
    program = program.with_shapes(dims)
    _need_scalar_output(program)
    chosen = targets(program, parse_claims(claims))
    point = {k: np.asarray(v, dtype=float) for k, v in values.items()}
    reference, gradients, warnings = _reference(program, point)
    out = program.blocks.output
    f0 = float(blocksweep.forward(program, point)[out])
    checked, sweepers = [], []
    for target, index, formula in chosen:
        claim = None if formula is None else claim_value(program, target, formula, point,
                                                          index)
        base = target.partition("[")[0]
        ref = gradients[base] if index is None else gradients[base][index]
        fns = _element_functions(program, point, base, index)
        c = _judge(target, program.shape_of(base) if index is None else (), claim, ref, fns,
                   f0, threshold, reference, base, index)
        checked.append(c)
        sweepers.append(fns)
        if claim is not None and not np.all(np.isfinite(claim)):
            warnings.append(f"claim {target}: the formula is not finite at {c.worst_entry}")
    report = CheckReport(program.blocks.source, values, threshold, list(checked), True, None,
                         warnings=warnings)
    report.passed = all(c.passed for c in checked)
    if checked:
        worst = max(checked, key=lambda c: (not c.passed, c.error))
        report.worst = worst.worst_entry
    report.advice = [_advice(c) for c in checked if not c.passed]
    report.no_derivative = next((w for w in warnings if w.startswith(undefined.SAID)), None)
    if report.no_derivative is not None:  # nothing to check: every input fails, said once,
        report.warnings.remove(report.no_derivative)  # with no advice and no step sweep
        report.passed, report.advice = False, []
        for c in checked:
            c.passed = False
    elif sweep:
        _sweep(report, sweepers)
    return report


def _reference(program: Any, point: dict[str, Any]) -> tuple[str, dict[str, Any], list[str]]:
    """The reference gradient by every input: the reverse sweep on the expansion, or the
    matrix method's when the expansion would exceed its limit."""
    from . import api
    from .vectors import MAX_EXPANDED_NODES

    method = "reverse" if program.scalar_size() <= MAX_EXPANDED_NODES else "matrix"
    result = api.grad(program, at=point, method=method)
    if result.gradient is None:
        raise DiffxError(f"the reference gradient ({method}) could not be computed: "
                         f"{result.error}")
    grads = {k: np.asarray(v, dtype=float) for k, v in result.gradient.items()}
    return method, grads, list(result.warnings)


def _element_functions(program: Any, point: dict[str, Any], base: str,
                       index: tuple[int, ...] | None) -> list[tuple[int, Callable, float]]:
    """(flat index, f of that one element, its value) for the entries that get central
    differences: all of them up to CENTRAL_CAP, else a seeded sample."""
    from . import blocksweep

    shape = tuple(np.shape(point[base]))
    n = int(np.prod(shape)) if shape else 1
    if index is not None:
        flat = [int(np.ravel_multi_index(index, shape))]
    elif n <= CENTRAL_CAP:
        flat = list(range(n))
    else:
        flat = sorted(int(k) for k in np.random.default_rng(SEED).choice(n, CENTRAL_CAP,
                                                                          replace=False))
    out_node = program.blocks.output

    def along(k: int) -> Callable[[list[float]], float]:
        def f(v: list[float]) -> float:
            moved = np.array(point[base], dtype=float)
            moved.flat[k] = v[0]
            return float(blocksweep.forward(program, {**point, base: moved})[out_node])
        return f
    x = np.ravel(point[base])
    return [(k, along(k), float(x[k])) for k in flat]


def _judge(target: str, shape: tuple[int, ...], claim: Any, ref: Any,
           fns: list[tuple[int, Callable, float]], f0: float, threshold: float,
           reference: str, base: str, index: tuple[int, ...] | None) -> CheckedArray:
    """Every entry of one target against the reference and (sampled) central differences."""
    from .expand import element_names

    names = element_names(base, shape) if index is None else [target]
    ref = np.asarray(ref, dtype=float).reshape(shape)
    said = ref if claim is None else np.asarray(claim, dtype=float).reshape(shape)
    n = max(1, ref.size)
    central = np.full(n, math.nan)
    c_errs = np.full(n, math.nan)
    err_ref = np.zeros(n)
    err_cen = np.full(n, math.nan)
    ok = np.ones(n, dtype=bool)
    kind_ref = f"claim vs {reference}"
    kind_cen = f"{reference} vs central" if claim is None else "claim vs central"
    flat_said, flat_ref = np.ravel(said), np.ravel(ref)
    if claim is not None:
        for i in range(n):
            err_ref[i] = symmetric_relative_error(float(flat_said[i]), float(flat_ref[i]))
            ok[i] = err_ref[i] <= threshold
    for j, (k, f, xk) in enumerate(fns):
        i = j if index is not None else k
        central[i], c_errs[i] = central_search(f, [xk], 0, f0)
        errors = {kind_cen: symmetric_relative_error(float(flat_said[i]), central[i])}
        err_cen[i] = errors[kind_cen]
        ok[i] = ok[i] and judge(kind_cen, float(flat_said[i]), central[i], c_errs[i],
                                threshold, errors)
    entries = np.fmax(err_ref, np.where(np.isnan(err_cen), 0.0, err_cen))
    ranked = np.where(ok, 0.0, 2.0) + entries  # a failing entry first, then the largest
    w = int(np.argmax(ranked))
    errors = {kind_cen: float(np.nanmax(err_cen)) if np.any(~np.isnan(err_cen)) else math.nan}
    if claim is not None:
        errors = {kind_ref: float(err_ref.max()), **errors}
    sampled = int(np.sum(~np.isnan(central)))
    return CheckedArray(
        target, None if claim is None else _out(said), _out(ref), _out(central.reshape(shape)),
        float(entries[w]), errors, bool(ok.all()),
        float(np.nanmax(c_errs)) if sampled else None, shape=shape,
        entries=_out(entries.reshape(shape)), worst_entry=names[w], reference=reference,
        sampled=sampled, failed=int(np.sum(~ok)), element_names=names)


def _out(arr: Any) -> Any:
    a = np.asarray(arr, dtype=float)
    return float(a) if a.ndim == 0 else a


def entry(value: Any, c: CheckedArray) -> float:
    """The worst entry's value in one of ``c``'s arrays."""
    if value is None:
        return math.nan
    k = c.element_names.index(c.worst_entry)
    return float(np.ravel(value)[k])


def _advice(c: CheckedArray) -> str:
    """Why an input failed: how many entries, the worst one, and a transposition spotted."""
    said = "the claim" if c.claimed is not None else f"the {c.reference} sweep"
    total = len(c.element_names)
    value = c.claimed if c.claimed is not None else c.reverse
    text = (f"input {c.name}: {c.failed} of {total} entr{'y' if total == 1 else 'ies'} "
            f"fail{'s' if c.failed == 1 else ''}; worst {c.worst_entry}: {said} "
            f"{entry(value, c):.10g}, {c.reference} {entry(c.reverse, c):.10g}, central "
            f"{entry(c.central, c):.10g}")
    if c.claimed is not None and len(c.shape) == 2 and c.shape[0] == c.shape[1]:
        claim, ref = np.asarray(c.claimed), np.asarray(c.reverse)
        if not np.allclose(claim, ref) and np.allclose(claim.T, ref, rtol=1e-9, atol=1e-15):
            text += f"; the claim is the transpose of the gradient (the gradient of {c.name} " \
                    f"is shaped like {c.name}: rows index its rows)"
    return text + "."


def _sweep(report: Any, sweepers: list[list[tuple[int, Callable, float]]]) -> None:
    """The worst error of central differences at each step 1e-1 ... 1e-13, over the sampled
    entries, against the reference."""
    points = []
    for h in SWEEP_STEPS:
        worst = 0.0
        for c, fns in zip(report.inputs, sweepers):
            for j, (k, f, xk) in enumerate(fns):
                i = 0 if c.shape == () else k
                ref = float(np.ravel(c.reverse)[i])
                d = _central(f, [xk], 0, h * max(1.0, abs(xk)))
                worst = max(worst, symmetric_relative_error(d, ref))
        points.append(SweepPoint(h, worst))
    report.sweep = points
    report.best_step = min(points, key=lambda p: p.error).step


def _need_scalar_output(program: Any) -> None:
    """A claim is a gradient, so the output must be a number (a Jacobian is not checked)."""
    shape = program.output_shape
    if shape:
        name = program.output_name
        raise DiffxError(f"check compares claimed gradients, so the output must be a number; "
                         f"{name} has shape {shape}: check a number made from it, such as "
                         f"sum({name}) or {name}[0]")
