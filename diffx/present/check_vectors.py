"""The check of a vector program as text and JSON: one line per input (its shape, PASS or FAIL,
the worst entry with the claim beside the reference), how many entries central differences
were taken at, the advice of a failed check, the step sweep. Formatting only, no computing."""

from __future__ import annotations

import math
from typing import Any

from rich.markup import escape

from ..check_verdict import CheckReport, symmetric_relative_error
from ..check_vectors import CENTRAL_CAP, SEED, CheckedArray, entry
from .command_output import NO_DERIVATIVE_FAILURE, NO_GRADIENT
from .matrices import point_line, shape_text


def rel(e: float) -> str:
    """A relative error as the check line writes it: ``1.0``, ``0.29``, ``2.4e-11``."""
    if math.isnan(e):
        return "nan"
    if e == 0:
        return "0"
    text = f"{e:.2g}"
    return text if "." in text or "e" in text else text + ".0"


def input_line(c: CheckedArray) -> str:
    """``W2 (2, 2)  FAIL  worst W2[0,1]: claim 0.4569 vs reverse -0.1061 (rel 1.0)``."""
    verdict = "PASS" if c.passed else "FAIL"
    shape = f" {shape_text(c.shape)}" if c.shape else ""
    if c.claimed is not None:
        x, y = entry(c.claimed, c), entry(c.reverse, c)
        a, b = f"claim {x:.4g}", f"{c.reference} {y:.4g}"
        central = c.errors.get("claim vs central", math.nan)
    else:
        x, y = entry(c.reverse, c), entry(c.central, c)
        a, b = f"{c.reference} {x:.4g}", f"central {y:.4g}"
        central = math.nan
    e = symmetric_relative_error(x, y)
    first = f"{c.name}{shape}  {verdict}  worst {c.worst_entry}: {a} vs {b} (rel {rel(e)})"
    if math.isnan(central) or central <= e:
        return first
    return f"{first}; central differences: worst rel {rel(central)}"


def central_note(c: CheckedArray) -> str | None:
    """How many entries got central differences, when not all of them."""
    total = len(c.element_names)
    if c.sampled == total:
        return None
    return (f"central differences at {c.sampled:,} of {total:,} entries of {c.name} (a sample "
            f"of at most {CENTRAL_CAP}, seed {SEED})")


def print_vector_check(r: Any, console: Any) -> None:  # a CheckReport of CheckedArray
    what = r.what if len(r.what) < 70 else r.what[:67] + "..."
    console.print(f"[bold]{escape(what)}[/bold]", highlight=False)
    shapes = {k: tuple(getattr(v, "shape", ())) for k, v in r.point.items()}
    console.print(escape(point_line(r.point, shapes)), highlight=False)
    if r.no_derivative is not None:  # no gradient to check: one line for it
        for c in r.inputs:
            shape = f" {shape_text(c.shape)}" if c.shape else ""
            console.print(f"{escape(c.name)}{shape}  [red]no derivative[/red]", highlight=False)
        console.print(f"[red]FAIL[/red]: {escape(r.no_derivative)}: {NO_GRADIENT}",
                      highlight=False, soft_wrap=True)
    for c in r.inputs if r.no_derivative is None else ():
        color = "green" if c.passed else "red"
        line = escape(input_line(c)).replace(
            "PASS" if c.passed else "FAIL", f"[{color}]{'PASS' if c.passed else 'FAIL'}[/{color}]",
            1)
        console.print(line, highlight=False, soft_wrap=True)
        note = central_note(c)
        if note:
            console.print(f"  {escape(note)}", highlight=False)
    if r.inputs and r.no_derivative is None:
        worst = max(r.inputs, key=lambda c: (not c.passed, c.error))
        verdict = "[green]PASS[/green]" if r.passed else "[red]FAIL[/red]"
        op = "≤" if r.passed else ">"
        console.print(f"{verdict}: the worst entry is {escape(worst.worst_entry)}, relative error "
                      f"{worst.error:.1e} {op} {r.threshold:g}", highlight=False)
    for line in r.advice:
        console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
    if r.sweep:
        console.print("error against the step (central differences, worst entry):",
                      highlight=False)
        for p in r.sweep:
            best = "  ← best" if p.step == r.best_step else ""
            console.print(f"  {p.step:.0e}  {p.error:.1e}{best}", highlight=False)
    for w in r.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}", highlight=False)


def _nested(value: Any) -> Any:
    """An array as nested lists with None where there is no number (strict JSON)."""
    import numpy as np

    if value is None:
        return None
    arr = np.asarray(value, dtype=float)
    obj = arr.astype(object)
    obj[~np.isfinite(arr)] = None
    return obj.tolist() if arr.ndim else obj.item()


def vector_check_json(r: Any) -> str:  # a CheckReport of CheckedArray
    """The check's JSON: per input its shape, each array, each entry's error, the worst entry
    and the verdict."""
    from .as_json import dumps

    inputs = []
    for c in r.inputs:
        inputs.append({
            "name": c.name, "shape": list(c.shape), "passed": c.passed,
            "reference": c.reference, "claimed": _nested(c.claimed),
            "reverse": _nested(c.reverse), "central": _nested(c.central),
            "relative_error": _nested(c.entries), "errors": c.errors,
            "worst": {"entry": c.worst_entry, "relative_error": c.error,
                      "claimed": None if c.claimed is None else entry(c.claimed, c),
                      c.reference: entry(c.reverse, c), "central": entry(c.central, c)},
            "entries": len(c.element_names), "failed": c.failed,
            "central_entries": c.sampled, "central_error": c.central_error})
    data = {
        "expression": r.what,
        "shapes": {k: list(getattr(v, "shape", ())) for k, v in r.point.items()},
        "point": {k: _nested(v) for k, v in r.point.items()},
        "threshold": r.threshold, "passed": r.passed, "worst": r.worst,
        "central_sample": {"at_most": CENTRAL_CAP, "seed": SEED},
        "inputs": inputs, "advice": list(r.advice),
        "sweep": None if r.sweep is None else [{"step": p.step, "error": p.error}
                                               for p in r.sweep],
        "best_step": r.best_step, "warnings": list(r.warnings)}
    if r.no_derivative is not None:  # (said only where f has no value, as the scalar check)
        data["no_derivative"] = r.no_derivative
    return dumps(data)


def vector_check_failure(r: Any) -> str:  # a CheckReport of CheckedArray
    """The one-line reason a check failed, for stderr."""
    failed = [c for c in r.inputs if not c.passed]
    if r.no_derivative is not None:
        return NO_DERIVATIVE_FAILURE
    if not failed:
        return "the check failed"
    worst = max(failed, key=lambda c: c.error)
    return (f"the check failed: {', '.join(c.name for c in failed)}; the worst entry "
            f"{worst.worst_entry} is off by a relative error of {worst.error:.1e}, more than "
            f"--threshold {r.threshold:g}")
