"""The library surface: parse, differentiate by one method, or by several side by side.

A thin facade: each function checks its arguments and calls the runner
(:mod:`diffx.methods.run`), which prepares the point, runs the methods (in chunks at many
points) and measures them against a reference. ``compare`` (:mod:`diffx.compare`) runs every
variant through the same runner and returns the same :class:`~diffx.result.Report`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import DiffxError, OptionError, PointError
from .methods import DEFAULT_METHODS, get, to_python
from .methods.run import Variant, prepare, resolve_wrt, run_method, run_report
from .methods.vector_request import Source, parse_program
from .program import parse
from .result import Gradient, Report
from .vectors import VectorProgram


def grad(source_or_graph: Source, *, at: Any = None, wrt: Any = None,
         method: str = "reverse", shapes: Any = None, layout: str = "numerator",
         of: Any = None, **options: Any) -> Gradient:
    """Differentiate by one method; a method that cannot run raises its
    :class:`~diffx.methods.MethodError`. The source is a program's text, a parsed graph, or a
    Python function of floats, traced at the point (docs/python-functions.md).

    A vector program (``W1 @ x + b``) takes arrays in ``at`` (one value each; with a shape
    declared in ``shapes=`` or by a ``diffx.Value``, extra leading axes are a batch of points)
    and gives gradients shaped like the inputs; ``wrt`` may name elements (``W1[0,1]``).
    A vector output gives the Jacobian: shape output + input in the default ``layout=
    "numerator"`` (rows are the outputs, as JAX and PyTorch), input + output in
    ``"denominator"`` (the lectures' vector-by-vector table).

    >>> g = grad("c = a + b; d = a * c", at={"a": 4, "b": 3})
    >>> g.gradient
    {'a': 11.0, 'b': 4.0}
    >>> grad("a*(a+b)", wrt="a", method="symbolic").gradient
    {'a': '2*a + b'}
    """
    if not isinstance(method, str):
        raise OptionError(f"method= must be a method name such as 'reverse', not "
                          f"{type(method).__name__}")
    spec = get(method)
    return run_method(spec, prepare(source_or_graph, at, wrt, shapes, layout=layout, of=of),
                      options)


def evaluate(source_or_graph: Source, *, at: Any = None,
             shapes: Any = None) -> Any:
    """The function's value at a point (or an array of values at many points); a vector
    program's output is an array of its shape (batch axes first).

    The same forward pass every method starts from; non-finite results are returned as they
    are (the methods' warnings explain them).

    >>> evaluate("c = a + b; d = a * c", at={"a": 4, "b": 3})
    28.0
    """
    from . import evaluation

    program = parse_program(source_or_graph, at, shapes)[0]  # (a function is traced at ``at``)
    inputs = program.inputs
    if at is None and not inputs:
        at = {}  # a constant expression (2^3^2) needs no point
    if at is None:
        example = ", ".join(f"{k!r}: 1.0" for k in inputs)
        raise PointError(f"evaluate needs a point: at={{{example}}}")
    req = prepare(program, at, None, shapes, scalar_output=False)
    run = req.scalar()
    vals, _ = evaluation.evaluate(run.graph, run.point, run.arrays)  # type: ignore[arg-type]
    if req.vector is None:
        return to_python(vals[run.graph.output])
    return _output_array(req, vals)


def _output_array(req: Any, vals: Any) -> Any:
    """A vector program's output value: its elements' values in the output's shape."""
    import numpy as np

    program = req.vector.program
    graph, ids = program.expansion
    out = ids[program.blocks.output]
    if out.ndim == 0:
        return to_python(vals[int(out)])
    parts = [np.asarray(vals[int(k)], dtype=float) for k in out.ravel()]
    stacked = np.stack(np.broadcast_arrays(*parts), axis=-1)
    return stacked.reshape(stacked.shape[:-1] + out.shape)


def grad_all(source_or_graph: Source, *, at: Any = None,
             wrt: Any = None, methods: Iterable[str] | None = None, reference: str = "reverse",
             options: dict[str, dict[str, Any]] | None = None, shapes: Any = None,
             layout: str = "numerator", of: Any = None) -> Report:
    """Differentiate by several methods (symbolic, numeric, reverse by default; a vector
    program adds the matrix method) and compare; ``layout`` and ``of`` as in :func:`grad`.

    Each method's result is under its name; at a point each is measured against
    ``reference`` (else reverse, else symbolic, whichever gave a derivative). A method that
    cannot run or finish reports its error (and ``error_kind``) in its result instead of
    raising; bad input (syntax, points, names) still raises :class:`DiffxError`.

    >>> r = grad_all("x^2", at={"x": 3})
    >>> r.results["symbolic"].gradient, r.reference
    ({'x': 6.0}, 'reverse')
    """
    req = prepare(source_or_graph, at, wrt, shapes, layout=layout, of=of)
    wanted = _method_list(methods) if methods is not None else default_methods(req.vector)
    specs = [get(m) for m in wanted]
    options = _options(options)
    for m in options:
        get(m)
    if not isinstance(reference, str):
        raise OptionError(f"reference= must be a method name, not {type(reference).__name__}")
    return run_report(req, [Variant(s.name, s, options.get(s.name, {})) for s in specs],
                      reference)


def default_methods(program: Any) -> tuple[str, ...]:
    """The methods ``grad_all`` runs by default: a vector program (or a request's vector run)
    adds the matrix method, the block path beside the scalar ones."""
    vector = isinstance(program, VectorProgram) or \
        isinstance(getattr(program, "program", None), VectorProgram)  # (not several outputs)
    return (*DEFAULT_METHODS, "matrix") if vector else DEFAULT_METHODS


def _method_list(methods: Any) -> tuple[str, ...]:
    if methods is None:
        return DEFAULT_METHODS
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


__all__ = ["parse", "grad", "grad_all", "evaluate", "resolve_wrt", "DiffxError"]
