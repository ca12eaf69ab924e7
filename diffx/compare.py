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

from .errors import OptionError, option
from .graph import Graph
from .methods import REGISTRY, Method
from .diagnose import masked_singularities  # noqa: F401  (re-exported: a doubtful point)
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
    return report


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
