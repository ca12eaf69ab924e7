"""The library surface: parse, differentiate by one method, or by several side by side."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import DiffxError, OptionError, PointError, option
from .graph import Graph
from .parser import parse
from .points import normalize_point
from .result import Gradient, Report, relative_error


def resolve_wrt(graph: Graph, wrt: str | Iterable[str] | None) -> tuple[str, ...]:
    """The inputs to differentiate with respect to (all inputs by default), checked."""
    if wrt is None:
        return graph.inputs
    if isinstance(wrt, str):
        names = [w.strip() for w in wrt.split(",")]
    elif isinstance(wrt, list | tuple | set | frozenset):
        names = list(wrt)
    else:
        raise OptionError(f"{option('wrt')} must be an input name, names separated by commas, "
                          f"or a list of names, not {type(wrt).__name__}", param="wrt")
    out: list[str] = []
    for name in names:
        if not isinstance(name, str) or not name:
            raise OptionError(f"{option('wrt')} needs input names, got {name!r}", param="wrt")
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
        if name not in out:
            out.append(name)
    return tuple(out)


def _prepare(source_or_graph: str | Graph, at: Any, wrt: Any
             ) -> tuple[Graph, tuple[str, ...], dict[str, Any] | None, bool]:
    graph = parse(source_or_graph)
    names = resolve_wrt(graph, wrt)
    if at is None:
        return graph, names, None, False
    point, arrays = normalize_point(graph, _bare_value(graph, at))
    return graph, names, point, arrays


def _bare_value(graph: Graph, at: Any) -> Any:
    """``at=3`` (or an array) is the value of the only input, as ``check`` accepts it."""
    import numbers

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


def _method_name(method: Any) -> str:
    if not isinstance(method, str):
        raise OptionError(f"method= must be a method name such as 'reverse', not "
                          f"{type(method).__name__}")
    return method


def grad(source_or_graph: str | Graph, *, at: Any = None, wrt: Any = None,
         method: str = "reverse", **options: Any) -> Gradient:
    """Differentiate by one method.

    >>> g = grad("c = a + b; d = a * c", at={"a": 4, "b": 3})
    >>> g.gradient
    {'a': 11.0, 'b': 4.0}
    >>> grad("a*(a+b)", wrt="a", method="symbolic").gradient
    {'a': '2*a + b'}
    """
    from . import methods

    spec = methods.get(_method_name(method))
    graph, names, point, arrays = _prepare(source_or_graph, at, wrt)
    return run_method(spec, graph, names, point, arrays, options)


def evaluate(source_or_graph: str | Graph, *, at: Any = None) -> Any:
    """The function's value at a point (or an array of values at many points).

    The same forward pass every method starts from; non-finite results are returned as they
    are (the methods' warnings explain them).

    >>> evaluate("c = a + b; d = a * c", at={"a": 4, "b": 3})
    28.0
    """
    from . import evaluation
    from .methods import to_python

    graph = parse(source_or_graph)
    if at is None and not graph.inputs:
        at = {}  # a constant expression (2^3^2) needs no point
    if at is None:
        example = ", ".join(f"{k!r}: 1.0" for k in graph.inputs)
        raise PointError(f"evaluate needs a point: at={{{example}}}")
    graph, _, point, arrays = _prepare(graph, at, None)
    vals, _ = evaluation.evaluate(graph, point, arrays)  # type: ignore[arg-type]
    return to_python(vals[graph.output])


#: Values held at once when many points meet a large graph (nodes × points); beyond this the
#: points are processed in chunks, so memory stays bounded whatever the number of points.
CHUNK_VALUES = 4_000_000


def run_method(spec: Any, graph: Graph, names: tuple[str, ...], point: dict[str, Any] | None,
               arrays: bool, options: dict[str, Any]) -> Gradient:
    """Run one method; many points on a large graph are done in chunks and merged."""
    if not arrays or point is None:
        return spec(graph, names, point, arrays, **options)
    import numpy as np

    shape = np.shape(next(iter(point.values())))
    total = int(np.prod(shape))
    per_chunk = max(1, CHUNK_VALUES // max(1, graph.size))
    if total <= per_chunk:
        return _broadcast(spec(graph, names, point, arrays, **options), shape)
    flat = {k: np.ravel(v) for k, v in point.items()}
    parts = []
    for lo in range(0, total, per_chunk):
        chunk = {k: v[lo:lo + per_chunk] for k, v in flat.items()}
        size = len(next(iter(chunk.values())))
        part = _broadcast(spec(graph, names, chunk, True, **options), (size,))
        _drop_bulk(part)  # every chunk's values and adjoints would hold nodes x points
        parts.append(part)
    return _merge(parts, point, shape, graph)


_BULK_DETAILS = ("values", "adjoints", "tangents", "step", "error_estimate")


def _drop_bulk(part: Gradient) -> None:
    """Keep only what the merged result needs: gradients, values at the output, cost, warnings."""
    for key in _BULK_DETAILS:
        part.details.pop(key, None)
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
        merged.gradient = {w: np.concatenate([np.ravel(p.gradient[w]) for p in parts])
                           .reshape(shape) for w in first.gradient}
    if first.value is not None:
        merged.value = np.concatenate([np.ravel(p.value) for p in parts]).reshape(shape)
    merged.formula = first.formula
    merged.seconds = sum(p.seconds for p in parts)
    for key in first.cost:
        values = [p.cost.get(key) for p in parts]
        merged.cost[key] = sum(values) if key in ("evaluations", "operations") and \
            None not in values else values[0]
    merged.details = {k: v for k, v in first.details.items() if k not in _BULK_DETAILS}
    merged.details["chunks"] = len(parts)
    for p in parts:
        for w in p.warnings:
            if w not in merged.warnings:
                merged.warnings.append(w)
    return merged


def _first_line(exc: BaseException) -> str:
    try:
        text = str(exc).strip()
    except Exception:  # noqa: BLE001  (some libraries' messages fail to format)
        return ""
    return text.splitlines()[0][:200] if text else ""


def _method_list(methods: Any, default: tuple[str, ...]) -> tuple[str, ...]:
    if methods is None:
        return default
    if isinstance(methods, str):
        methods = [m.strip() for m in methods.split(",")]
    if not isinstance(methods, list | tuple | set | frozenset) or \
            not all(isinstance(m, str) for m in methods):
        raise OptionError("methods= must be a list of method names such as "
                          "['symbolic', 'reverse']")
    return tuple(methods)


def _options(options: Any) -> dict[str, dict[str, Any]]:
    if options is None:
        return {}
    if not isinstance(options, dict) or not all(isinstance(k, str) and isinstance(v, dict)
                                                 for k, v in options.items()):
        raise OptionError("options= must map method names to dicts of options, e.g. "
                          "{'numeric': {'scheme': 'richardson'}}")
    return options


def _graph_value(graph: Graph, point: dict[str, Any] | None, arrays: bool
                 ) -> tuple[Any, list[str]]:
    """The function's value from the graph's own forward pass (never from a method's
    arithmetic), with warnings when it is not finite; at many points, chunk by chunk."""
    from . import diagnose, evaluation
    from .methods import to_python

    if point is None:
        if graph.inputs:
            return None, []
        point = {}
    if not arrays:
        vals, _ = evaluation.evaluate(graph, point, False)
        return to_python(vals[graph.output]), diagnose.value_warnings(graph, vals)
    import numpy as np

    shape = np.broadcast_shapes(*(np.shape(v) for v in point.values()))
    total = int(np.prod(shape))
    per_chunk = max(1, CHUNK_VALUES // max(1, graph.size))
    flat = {k: np.ravel(np.broadcast_to(v, shape)) for k, v in point.items()}
    out = np.empty(total)
    warnings: list[str] = []
    for lo in range(0, total, per_chunk):
        vals, _ = evaluation.evaluate(graph, {k: v[lo:lo + per_chunk] for k, v in flat.items()},
                                    True)
        out[lo:lo + per_chunk] = np.broadcast_to(vals[graph.output], out[lo:lo + per_chunk].shape)
        for w in diagnose.value_warnings(graph, vals):
            if w not in warnings:
                warnings.append(w)
    return out.reshape(shape), warnings


def grad_all(source_or_graph: str | Graph, *, at: Any = None, wrt: Any = None,
             methods: Iterable[str] | None = None, reference: str = "reverse",
             options: dict[str, dict[str, Any]] | None = None) -> Report:
    """Differentiate by several methods (symbolic, numeric, reverse by default) and compare.

    A method that cannot run or finish reports its error in its result instead of raising;
    bad input (syntax, points, names) still raises :class:`DiffxError`.
    """
    from . import methods as registry

    wanted = _method_list(methods, registry.DEFAULT_METHODS)
    specs = [registry.get(m) for m in wanted]
    graph, names, point, arrays = _prepare(source_or_graph, at, wrt)
    options = _options(options)
    for m in options:
        registry.get(m)
    if not isinstance(reference, str):
        raise OptionError(f"reference= must be a method name, not {type(reference).__name__}")
    results: dict[str, Gradient] = {}
    for spec in specs:
        try:
            results[spec.name] = run_method(spec, graph, names, point, arrays,
                                            options.get(spec.name, {}))
        except (OptionError, PointError):
            raise
        except registry.MethodError as exc:
            failed = registry.new_result(spec.name, graph, names, point)
            failed.error = str(exc)
            failed.details["usage_error"] = exc.usage
            results[spec.name] = failed
        except Exception as exc:  # noqa: BLE001  (one method's defect must not hide the others)
            failed = registry.new_result(spec.name, graph, names, point)
            detail = _first_line(exc)
            failed.error = (f"internal error in the {spec.name} method: "
                            f"{type(exc).__name__}{': ' + detail if detail else ''}")
            failed.details["usage_error"] = False
            results[spec.name] = failed
    # the value is the graph's own forward pass: the sweeps' (which ran it), else run it here
    swept = next((r for m, r in results.items() if m in ("reverse", "forward") and r.ok
                  and r.value is not None), None)
    value, value_warnings = (swept.value, []) if swept is not None else \
        _graph_value(graph, point, arrays)
    warnings: list[str] = []
    for r in [*results.values()]:
        for w in r.warnings:
            if w not in warnings:
                warnings.append(w)
    for w in value_warnings:
        if w not in warnings:
            warnings.append(w)
    ref = reference if reference in results and results[reference].ok else None
    if ref is None:
        ref = next((m for m in ("reverse", "symbolic") if m in results and results[m].ok), None)
    report = Report(expression=graph.source, inputs=graph.inputs, wrt=names, point=point,
                    value=value, results=results, warnings=warnings, reference=ref)
    if point is not None and ref is not None:
        base = results[ref].gradient or {}
        for m, r in results.items():
            if r.ok and r.gradient is not None and m != ref:
                report.relative_errors[m] = {w: relative_error(r.gradient[w], base[w])
                                             for w in names}
    return report


__all__ = ["parse", "grad", "grad_all", "evaluate", "resolve_wrt", "DiffxError"]
