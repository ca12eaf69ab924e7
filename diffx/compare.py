"""Every method and variant side by side at one point: value, error, time, cost, size.

``compare`` is ``grad_all`` over labelled variants -- each numeric scheme is a variant of
its own (``"numeric central"``) -- run by the same runner (:mod:`diffx.methods.run`) and
returned as the same :class:`~diffx.result.Report`, measured against ``symbolic`` by default.
``rows`` and ``row(label)`` give each variant's result with its errors:

    >>> c = compare("exp(x)/sqrt(sin(x)^3 + cos(x)^3)", at={"x": 1.5})
    >>> [row.label for row in c.rows][:3]
    ['symbolic', 'numeric forward', 'numeric backward']
    >>> c.row("numeric complex").relative_error < 1e-14
    True
    >>> c.reference, c.row("numeric forward").worst_absolute_error > 1e-9
    ('symbolic', True)

At a doubtful point (:func:`masked_singularities`: ``atan(1/x)`` at 0, where 1/0 = inf is
masked by atan) no error is measured: the errors are nan and ``report.doubtful`` lists the
inputs, so that methods that agree there are never shown as confirming each other.
"""

from __future__ import annotations

import math
from typing import Any

from .errors import DiffxError, OptionError, option
from .graph import Graph
from .methods import REGISTRY, Method
from .methods.run import Variant, prepare, run_report
from .result import Report

def variants() -> list[tuple[str, Method, dict[str, Any]]]:
    """Every registered method's variants, labelled, in the registry's order."""
    return [(label, m, options) for m in REGISTRY.values()
            for label, options in m.labelled_variants]


def compare(source_or_graph: str | Graph, *, at: Any, wrt: Any = None,
            reference: str = "symbolic", timeout: float = 30.0, shapes: Any = None) -> Report:
    """Run every method and variant at ``at``; errors are measured against ``reference``
    (a label such as ``symbolic``, ``reverse`` or ``numeric richardson``), or against
    reverse, with a warning, when the reference gives no derivative. ``timeout`` bounds the
    seconds of every method that takes one (symbolic; reverse's route formulas). A vector
    program's ``shapes=`` are as in :func:`diffx.grad`."""
    if at is None:
        raise OptionError(f"compare needs a point: give {option('at')}", param="at")
    req = prepare(source_or_graph, at, wrt, shapes)
    if req.arrays:
        raise OptionError(f"compare works at one point; give single values in {option('at')}",
                          param="at")
    rows = variants()
    labels = [label for label, _, _ in rows]
    if reference not in labels:
        raise OptionError(f"{option('reference')} {reference!r}: choose one of "
                          f"{', '.join(labels)}", param="reference")
    runs = [Variant(label, m, {**options, "timeout": timeout} if "timeout" in m.options
                    else options) for label, m, options in rows]
    report = run_report(req, runs, reference, fallbacks=("reverse",), made_by="compare")
    if report.reference is None:
        raise OptionError(f"the reference {reference} failed: {report.results[reference].error}")
    if report.reference != reference:
        why = report.results[reference].error or "its derivative is not finite"
        report.warnings.append(f"the reference {reference} failed ({why}); errors are "
                               "measured against reverse instead")
    not_finite: dict[str, list[str]] = {}
    for label, r in report.results.items():
        grads = r.gradient or {}
        for w in (req.wrt if r.gradient is not None else ()):
            if not _finite(grads.get(w)):
                not_finite.setdefault(w, []).append(f"{label} ({_show(grads.get(w))})")
    for w, where in not_finite.items():
        report.warnings.append(f"the derivative with respect to {w} is not finite in "
                               f"{', '.join(where)}: its errors are not measured there (nan), "
                               "which is never agreement")
    try:  # a vector program's scalar expansion, element by element
        scalar = req.scalar()
        masked = masked_singularities(scalar.graph, scalar.point or {})
    except DiffxError:  # an expansion too large to build (only the matrix method ran)
        masked = []
    _mark_doubtful(report, masked)
    return report


def masked_singularities(graph: Graph, point: dict[str, Any]) -> list[str]:
    """What makes a point doubtful: the nodes the output uses whose value is not finite at a
    singularity -- finite arguments outside the op's domain (``1/x`` or ``log(x)`` at 0,
    ``sqrt(x)`` below 0) or a pole at an argument exactly 0 (``x^-1`` at 0) -- while a later
    operation masks it and the output is finite (``atan(1/x)`` or ``exp(-1/x^2)`` at 0). The
    function is then undefined at the point and IEEE arithmetic chose a value for it, so
    its derivative there may not exist, and methods that agree on one give no evidence for
    it. An overflow (``atan(exp(x))`` at 1000) is no singularity: the exact re-runs resolve
    it. Each is described as the non-finite-value warning names it. One point only."""
    import numpy as np

    from . import diagnose, evaluation
    from . import ops as _ops

    vals, _ = evaluation.evaluate(graph, point, False)
    if not _finite(vals[graph.output]) or evaluation.all_finite_floats(vals, graph.output + 1):
        return []  # nothing masked (a non-finite output: the value warnings and errors say it)
    live = graph.reachable_from_output()
    found = []
    for i in range(graph.output + 1):
        if not live[i] or graph.op[i] <= _ops.CONST or _finite(vals[i]):
            continue
        args = [vals[a] for a in graph.args(i)]
        if not all(_finite(v) for v in args):
            continue  # not where it arose
        op = graph.op_of(i)
        assert op is not None
        inside = _ops.condition(op, "domain")
        with np.errstate(all="ignore"):
            outside = inside is not None and not bool(inside(*args))
        if outside or any(v == 0 for v in args):
            why = op.domain_note if outside else "a pole"
            found.append(f"{graph.describe(i)} is {_show(vals[i])}"
                         f"{diagnose._args_at(graph, i, vals)} ({why})")
    return found


def _mark_doubtful(report: Report, masked: list[str]) -> None:
    """At a doubtful point no error is a measure: every row's errors become nan, the inputs
    are listed in ``report.doubtful`` (shown as "doubtful"), and a warning says why."""
    if not masked or report.reference is None:
        return
    import numpy as np

    from .result import Worst

    report.doubtful = tuple(report.wrt)
    for errors in (*report.absolute_errors.values(), *report.relative_errors.values()):
        for w in report.doubtful:  # (a vector program's errors are arrays)
            errors[w] = np.full(np.shape(errors[w]), math.nan) if np.ndim(errors[w]) \
                else math.nan
    for label, worst in report.worst.items():
        report.worst[label] = Worst(worst.entry, math.nan)
    report.warnings.append(
        f"the point is doubtful: {'; '.join(masked)}, and a later operation masks it, so the "
        "function is undefined here and the derivative may not exist: the errors are not "
        "measured (doubtful), and methods that agree here give no evidence that their "
        "derivative is right")


def _finite(v: Any) -> bool:
    """A finite real or complex number (not None, nan or inf), or an array of them (a vector
    program's gradient)."""
    if getattr(v, "ndim", 0):
        import numpy as np

        return v.dtype.kind in "fc" and bool(np.all(np.isfinite(v)))
    if isinstance(v, bool) or not isinstance(v, int | float | complex):
        try:
            v = complex(v)
        except (TypeError, ValueError):
            return False
    return math.isfinite(v.real) and math.isfinite(v.imag) if isinstance(v, complex) \
        else math.isfinite(v)


def _show(v: Any) -> str:
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    return str(v)  # (inf and -inf as Python writes them)
