"""The runner: from what the caller gave (source, point, wrt) to results.

:func:`prepare` parses the source, resolves ``wrt`` and normalizes the point into a
:class:`Request`; :func:`run_method` runs one method on it, in chunks when many points meet a
large graph; :func:`run_report` runs labelled variants side by side -- the methods of
``grad_all``, the schemes of ``compare`` -- and measures each against a reference in one
:class:`~diffx.result.Report`. A method that cannot run reports its error (and its
``error_kind``) in its result instead of raising; bad input still raises.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Iterable
from typing import Any, NamedTuple

from .. import undefined
from ..errors import OptionError, PointError, option
from ..graph import Graph
from ..points import normalize_point
from ..result import Gradient, Report, both_not_finite, errors_against_reference
from ..vectors import VectorProgram
from .base import Evaluated, Method, MethodError, new_result, to_python
from .graph_value import graph_value
from .symbolic import SAID as STALE  # (its sentences on a value the rule made nan)
from .vector_request import Source, VectorRun, parse_program, wrt_names

#: Values held at once when many points meet a large graph (nodes × points); beyond this the
#: points are processed in chunks, so memory stays bounded whatever the number of points.
CHUNK_VALUES = 4_000_000


class Request(NamedTuple):
    """A parsed graph, the inputs to differentiate by, and the point (None: formulas; arrays
    of the same shape when ``arrays``: many points). For a vector program ``graph`` is its
    expansion, ``wrt`` and ``point`` are block-level (``W1``, arrays shaped like the inputs)
    and ``vector`` holds what the methods run on (element inputs and values)."""

    graph: Graph
    wrt: tuple[str, ...]
    point: dict[str, Any] | None
    arrays: bool
    vector: VectorRun | None = None

    def scalar(self) -> Request:
        """The request the scalar methods run on (itself for a scalar program)."""
        v = self.vector
        return self if v is None else Request(self.graph, v.wrt, v.point, self.arrays)


class Variant(NamedTuple):
    """One column of a report: its label, the method, and the method's options."""

    label: str
    method: Method
    options: dict[str, Any]


def resolve_wrt(graph: Graph, wrt: str | Iterable[str] | None) -> tuple[str, ...]:
    """The inputs to differentiate with respect to (all inputs by default), checked."""
    if wrt is None:
        return graph.inputs
    out: dict[str, None] = {}  # in order, one lookup per name (a list's scan was quadratic)
    for name in wrt_names(wrt):
        if name not in graph.input_nodes:
            inputs = ", ".join(graph.inputs) or "none"
            if name in graph.assigned:
                raise OptionError(
                    f"{option('wrt')} {name}: '{name}' is assigned in the program, so it is "
                    f"not an input (the inputs are: {inputs}); to differentiate with respect to "
                    f"it, remove its assignment and give its value in {option('at')} "
                    f"({name}=...)",
                    param="wrt")
            raise OptionError(f"{option('wrt')} {name}: not an input of the expression "
                              f"(the inputs are: {inputs})", param="wrt")
        if name in out:  # (as --at refuses a name given twice)
            raise OptionError(f"{option('wrt')} names {name!r} twice", param="wrt")
        out[name] = None
    return tuple(out)


def prepare(source_or_graph: Source, at: Any, wrt: Any,
            shapes: Any = None, scalar_output: bool = True, layout: str = "numerator",
            of: Any = None) -> Request:
    """Parse, resolve ``wrt`` and normalize the point (``at=3`` is the only input's value).

    A vector program (or a program given vector shapes by ``shapes=`` or ``diffx.Value``
    values) gets a block-level request (see :mod:`diffx.methods.vector_request`); a vector
    output's methods give its Jacobian in ``layout`` (:mod:`diffx.methods.jacobian`)."""
    from .jacobian import check_layout

    layout = check_layout(layout)  # (a scalar program has no Jacobian, but a typo is told)
    program, declared = parse_program(source_or_graph, at, shapes)
    if of is not None:  # chosen outputs: one statement, or their Jacobian (methods/outputs.py)
        from .outputs import select_outputs

        program, outs = select_outputs(program, of)
        if outs is not None:  # several: the scalar request, its output the outputs' Jacobian
            req = prepare(program, at, wrt)
            return req._replace(vector=outs.run(req.wrt, req.point, layout))
    if isinstance(program, VectorProgram):
        return _vector_request(program, at, wrt, declared, scalar_output, layout)
    graph = program
    names = resolve_wrt(graph, wrt)
    if at is None:
        return Request(graph, names, None, False)
    point, arrays = normalize_point(graph, _bare_value(graph, at))
    return Request(graph, names, point, arrays)


def _vector_request(program: VectorProgram, at: Any, wrt: Any,
                    declared: dict[str, tuple[int, ...]], scalar_output: bool,
                    layout: str = "numerator") -> Request:
    from . import jacobian
    from . import vector_request as v

    point, batch = None, ()  # type: tuple[Any, tuple[int, ...]]
    if at is not None:
        point, batch, dims = v.block_point(program, at, declared)
        if any(program.given.get(k) != d for k, d in dims.items()):  # (else its shapes hold)
            program = program.with_shapes(dims)
    names = v.vector_wrt(program, wrt)
    if scalar_output and program.output_shape:
        jacobian.check_size(program, names)
    # the expansion, its element inputs and point are made when a method first needs them
    run = VectorRun(program, names, point, batch, v.shapes_of(program, layout), layout)
    return Request(v.Expansion(program), names, point, bool(batch), run)


def _bare_value(graph: Graph, at: Any) -> Any:
    """``at=3`` (or an array) is the value of the only input, as ``check`` accepts it."""
    if isinstance(at, dict | str) or at is None or isinstance(at, bool):
        return at
    bare = isinstance(at, numbers.Real) or hasattr(at, "shape")
    if not bare:
        return at  # normalize_point names the type it cannot use
    if len(graph.inputs) == 1:
        return {graph.inputs[0]: at}
    inputs = ", ".join(graph.inputs) or "none"
    raise PointError(f"at={at!r}: a bare value needs a function of one input, and this one "
                     f"has {len(graph.inputs)} (inputs: {inputs}); give a dict such as "
                     f"at={{{', '.join(repr(k) + ': 1.0' for k in graph.inputs)}}}")


def run_method(spec: Method, req: Request, options: dict[str, Any]) -> Gradient:
    """Run one method (errors raise); many points on a large graph are done in chunks. A
    vector program's methods run on its expansion, and their gradients are regrouped into
    arrays shaped like the inputs."""
    if req.vector is not None:
        from .vector_request import point_example, regroup, run_blocks

        if spec.name == "matrix" and not req.vector.program.output_shape:  # whole arrays
            return run_blocks(spec, req.vector, req.arrays, options)
        try:
            if req.vector.program.output_shape:  # a vector output: its Jacobian
                from .jacobian import jacobian_rows

                scalar = req.scalar()
                return jacobian_rows(spec, req, lambda view: run_method(
                    spec, scalar._replace(graph=view), options))
            result = run_method(spec, req.scalar(), options)
        except MethodError as exc:
            if req.point is None and str(exc).startswith("needs a point"):  # in block words
                raise MethodError(f"needs a point: add {option('at')} "
                                  f"{point_example(req.vector.shapes)}") from None
            raise
        return regroup(result, req.vector, req.wrt, req.point)
    graph, point = req.graph, req.point
    if not req.arrays or point is None:
        return _run_at(spec, graph, req.wrt, point, req.arrays, options)
    import numpy as np

    shape = np.shape(next(iter(point.values())))
    total = int(np.prod(shape))
    per_chunk = max(1, CHUNK_VALUES // max(1, graph.size))
    if total <= per_chunk:
        return _broadcast(_run_at(spec, graph, req.wrt, point, True, options), shape)
    from ..exact_points import MAX_RECOVERED, RECOVERY

    flat = {k: np.ravel(v) for k, v in point.items()}
    parts = []
    budget = RECOVERY.set([MAX_RECOVERED])  # the exact re-runs' points, for all the chunks
    try:
        for lo in range(0, total, per_chunk):
            chunk = {k: v[lo:lo + per_chunk] for k, v in flat.items()}
            size = len(next(iter(chunk.values())))
            part = _broadcast(_run_at(spec, graph, req.wrt, chunk, True, options), (size,))
            _shed_bulk(part)  # every chunk's values and adjoints would hold nodes x points
            parts.append(part)
    finally:
        RECOVERY.reset(budget)
    return _merge(parts, point, shape, graph)


def _run_at(spec: Method, graph: Graph, wrt: tuple[str, ...], point: dict[str, Any] | None,
            arrays: bool, options: dict[str, Any]) -> Gradient:
    """One method at one point (or array of points), sharing the point's forward pass with
    it; the point-level warnings (non-finite values, kinks) follow the method's own."""
    if point is None:
        result = spec(graph, wrt, point, arrays, **options)
    else:
        evaluated = Evaluated(graph, point, arrays)
        result = spec(graph, wrt, point, arrays, evaluated=evaluated, **options)
        if result.ok:
            # no value, no derivative (and no adjoint standing for one)
            said = undefined.apply(result.gradient, graph, point, evaluated.values[
                graph.output], arrays, result.details) if result.gradient else []
            if said and not arrays:  # (what the method said its derivative was is stale)
                result.warnings = [w for w in result.warnings if not w.startswith(STALE)]
            result.warnings += [*evaluated.warnings(wrt), *said]
    if result.ok:  # what the graph itself carries: a traced function's branch
        result.warnings[:0] = getattr(graph, "warnings", ())
    return result


def _shed_bulk(part: Gradient) -> None:
    """Keep only what the merged result needs: gradients, values at the output, cost, warnings
    (each details record names its bulk fields)."""
    part.details = part.details.without_bulk()
    part.point = None
    part.graph = None


def _broadcast(result: Gradient, shape: tuple[int, ...]) -> Gradient:
    """Many points give arrays of that shape, even where a derivative is a constant."""
    import numpy as np

    def full(v: Any) -> Any:
        if isinstance(v, str) or v is None:
            return v
        return np.broadcast_to(np.asarray(v, dtype=float), shape).copy()

    if result.point is not None and result.gradient is not None:
        result.gradient = {w: full(v) for w, v in result.gradient.items()}
    if result.value is not None:
        result.value = full(result.value)
    return result


def _merge(parts: list[Gradient], point: dict[str, Any], shape: tuple[int, ...],
           graph: Graph) -> Gradient:
    import numpy as np

    first = parts[0]
    merged = Gradient(method=first.method, expression=first.expression, inputs=first.inputs,
                      wrt=first.wrt, point=point, graph=graph)
    if first.gradient is not None:
        merged.gradient = {w: np.concatenate([np.ravel(p[w]) for p in parts])
                           .reshape(shape) for w in first.gradient}
    if first.value is not None:
        merged.value = np.concatenate([np.ravel(p.value) for p in parts]).reshape(shape)
    merged.formula = first.formula
    merged.seconds = sum(p.seconds for p in parts)
    for key in first.cost:
        values = [p.cost.get(key) for p in parts]
        merged.cost[key] = sum(values) if key in ("evaluations", "operations") and \
            None not in values else values[0]
    merged.details = dataclasses.replace(first.details.without_bulk(), chunks=len(parts))
    for p in parts:
        for w in p.warnings:
            if w not in merged.warnings:
                merged.warnings.append(w)
    return merged


def run_guarded(variant: Variant, req: Request) -> Gradient:
    """Run one variant; a method that cannot run or finish (or fails inside) gives a result
    with its ``error`` and ``error_kind``. Bad options and points still raise."""
    spec = variant.method
    try:
        return run_method(spec, req, variant.options)
    except (OptionError, PointError):
        raise
    except MethodError as exc:
        failed = new_result(spec.name, req.graph, req.wrt, req.point)
        failed.error, failed.error_kind = str(exc), exc.kind
        return _as_requested(failed, req)
    except Exception as exc:  # noqa: BLE001  (one method's defect must not hide the others)
        failed = new_result(spec.name, req.graph, req.wrt, req.point)
        detail = _first_line(exc)
        failed.error = (f"internal error in the {spec.name} method: "
                        f"{type(exc).__name__}{': ' + detail if detail else ''}")
        failed.error_kind = "internal"
    return _as_requested(failed, req)


def _as_requested(failed: Gradient, req: Request) -> Gradient:
    """A failed result names a vector program's block inputs and carries its shapes."""
    if req.vector is not None:
        failed.inputs, failed.shapes = req.vector.program.inputs, req.vector.shapes
    return failed


def _first_line(exc: BaseException) -> str:
    try:
        text = str(exc).strip()
    except Exception:  # noqa: BLE001  (some libraries' messages fail to format)
        return ""
    return text.splitlines()[0][:200] if text else ""


def run_report(req: Request, variants: Iterable[Variant], reference: str,
               fallbacks: tuple[str, ...] = ("reverse", "symbolic"),
               made_by: str = "grad_all") -> Report:
    """Run every variant and measure each against the reference: the label ``reference``
    when it gave a derivative, else the first of ``fallbacks`` that did (None: no measure).
    The value is the graph's own forward pass, never a method's own arithmetic."""
    results = {v.label: run_guarded(v, req) for v in variants}
    swept = next((r for r in results.values() if r.details.VALUE_FROM_GRAPH and r.ok
                  and r.value is not None), None)
    value_warnings: list[str] = []
    if swept is not None:
        value = swept.value
    elif req.vector is not None and req.vector.program.output_shape and req.point is not None:
        from .jacobian import output_value  # every output element's, not the last one's

        value, value_warnings = output_value(req)
    else:
        value, value_warnings = graph_value(req.scalar().graph, req.scalar().point, req.arrays)
    warnings: list[str] = []
    for w in [*(w for r in results.values() for w in r.warnings), *value_warnings]:
        if w not in warnings:
            warnings.append(w)
    usable = [label for label, r in results.items() if r.ok and r.gradient is not None]
    candidates = [label for label in (reference, *fallbacks) if label in usable]
    # a reference whose derivative is not finite (overflow-poisoned, undefined) would make
    # every finite answer "differ": the first finite candidate serves instead
    ref = next((label for label in candidates
                if req.point is None or req.arrays or _finite(results[label])),
               candidates[0] if candidates else None)
    inputs = req.vector.program.inputs if req.vector is not None else req.graph.inputs
    report = Report(expression=req.graph.source, inputs=inputs, wrt=req.wrt,
                    point=req.point, value=value, results=results, warnings=warnings,
                    reference=ref, made_by=made_by, graph=req.graph,
                    shapes=req.vector.shapes if req.vector is not None else None)
    if req.point is not None and ref is not None:
        base = results[ref].gradient or {}
        for label in usable:
            mine = results[label].gradient or {}
            errors = {w: errors_against_reference(mine.get(w), base.get(w)) for w in req.wrt}
            report.absolute_errors[label] = {w: e[0] for w, e in errors.items()}
            report.relative_errors[label] = {w: e[1] for w, e in errors.items()}
            if report.shapes is not None:
                from .vector_request import worst_entry

                worst = worst_entry(report.relative_errors[label], report.shapes,
                                    {w: both_not_finite(mine.get(w), base.get(w))
                                     for w in req.wrt})
                if worst is not None:
                    report.worst[label] = worst
        if not req.arrays and len(usable) > 1:  # (agreement is shown only between methods)
            report.mark_doubtful(_masked(req, results))
    return report


def _masked(req: Request, results: dict[str, Gradient]) -> list[str]:
    """What makes one point doubtful (:func:`diffx.diagnose.masked_singularities`), from the
    forward values the reverse method kept where it ran on the scalar program."""
    from ..diagnose import masked_singularities
    from ..errors import DiffxError

    kept = results.get("reverse") if req.vector is None else None
    values = getattr(kept.details, "values", None) if kept is not None and kept.ok else None
    try:  # a vector program's scalar expansion, element by element
        scalar = req.scalar()
        return masked_singularities(scalar.graph, scalar.point or {}, values)
    except DiffxError:  # an expansion too large to build (only the matrix method ran)
        return []


def _finite(result: Gradient) -> bool:
    """Whether every derivative of a result at one point is a finite number."""
    import numpy as np

    try:
        return all(bool(np.all(np.isfinite(np.asarray(v, dtype=float))))
                   for v in (result.gradient or {}).values())
    except (TypeError, ValueError):  # complex numbers, formulas: not judged here
        return True

