"""The runner's side of vector programs: from block-level values to the scalar expansion, and
back from element gradients to arrays shaped like the inputs.

Shapes come from ``shapes=``, from ``diffx.Value`` values, or, in a vector program, from the
arrays given (an array for a vector program's input is one value; for a scalar program an
array still means many points). With a declared shape D, an array of shape ``B + D`` is a batch
of ``B`` points. Every scalar method then runs on ``program.scalar`` at the element point
(``W1[0,1]`` ...), and its gradients are regrouped; agreement is judged per entry, and the
worst entry is named (``W2[1,0]``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

from ..errors import OptionError, PointError, option
from ..graph import Graph
from ..point_values import Value, declared_shapes, real_array, value_array
from ..result import Gradient, Shapes, Worst
from ..vectors import VectorProgram

#: what the library's functions differentiate: a program's text, a parsed graph or vector
#: program, or a Python function of floats (traced at the point, :mod:`diffx.tracing`)
Source = str | Graph | VectorProgram | Callable[..., Any]
from .vector_run import (Expansion, VectorRun, element_point, element_wrt,  # noqa: F401
                         run_blocks)  # (the runner's names)


def split_names(text: str) -> list[str]:
    """``W1[0,1],b`` -> ``["W1[0,1]", "b"]``: a comma inside brackets does not separate."""
    names, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "," and depth <= 0:
            names.append(text[start:i].strip())
            start = i + 1
    names.append(text[start:].strip())
    return names


def check_shapes(shapes: Any) -> dict[str, tuple[int, ...]] | None:
    """``shapes=`` as a dict of name -> tuple of whole numbers (text ``W=2x3,x=3`` too)."""
    if shapes is None:
        return None
    if isinstance(shapes, str):
        from ..point_values import parse_shapes

        return parse_shapes(shapes)
    if not isinstance(shapes, Mapping):
        raise OptionError(f"{option('shapes')} must map input names to shapes such as "
                          f"{{'W': (2, 3), 'x': (3,)}}, not {type(shapes).__name__}",
                          param="shapes")
    out: dict[str, tuple[int, ...]] = {}
    for name, shape in shapes.items():
        dims = (shape,) if isinstance(shape, int) and not isinstance(shape, bool) else shape
        ok = isinstance(name, str) and isinstance(dims, tuple | list) and len(dims) <= 2 and \
            all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in dims)
        if not ok:
            raise OptionError(f"{option('shapes')} {name!r}: {shape!r} is not a shape; give a "
                              "tuple of at most 2 positive whole numbers, such as (2, 3) or "
                              "(3,)", param="shapes")
        out[name] = tuple(dims)
    return out


def parse_program(source: Source, at: Any, shapes: Any
                  ) -> tuple[Graph | VectorProgram, dict[str, tuple[int, ...]]]:
    """The program, parsed once, and the declared shapes: a vector program when the source
    uses vector notation or some input is given a vector or matrix shape (by ``shapes=`` or a
    ``Value``)."""
    from ..program import parse

    declared = check_shapes(shapes) or {}
    if isinstance(at, str):
        from ..points import parse_point

        at = parse_point(at)
    if isinstance(at, dict):  # (a bracket literal given as text in a dict is a Value too)
        from ..points import parse_point

        values = {k: parse_point(f"{k}={v}")[k] if isinstance(v, str) and
                  v.lstrip().startswith("[") else v for k, v in at.items()}
        declared = declared_shapes(values, declared)
    if callable(source) and not isinstance(source, str | Graph | VectorProgram):
        from ..tracing import trace_at  # a Python function, traced at the point

        return trace_at(source, at), declared
    program = parse(source)
    if isinstance(program, Graph) and any(declared.values()):
        program = parse(program.source, shapes=declared)  # a scalar Value stays a number
    if isinstance(program, VectorProgram):
        named = check_shapes(shapes) or {}
        unknown = [k for k in named if k not in program.inputs]
        if unknown:
            raise OptionError(f"{option('shapes')} names {unknown[0]!r}, which is not an input "
                              f"of the program (the inputs are: {', '.join(program.inputs)})",
                              param="shapes")
        known = {k: v for k, v in declared.items() if k in program.inputs}
        if known:
            program = program.with_shapes(known)
        declared = {**program.given, **declared}  # diffx.parse(..., shapes=) declares too
    return program, declared


def block_point(program: VectorProgram, at: Any, declared: dict[str, tuple[int, ...]]
                ) -> tuple[dict[str, Any], tuple[int, ...], dict[str, tuple[int, ...]]]:
    """Check the point against the program's inputs: (block values, batch shape, each input's
    shape). A value of shape ``B + D`` for declared shape D is a batch of ``B`` points."""
    import numpy as np

    as_text = isinstance(at, str)
    if as_text:
        from ..points import parse_point

        at = parse_point(at)
    if not isinstance(at, dict):
        if len(program.inputs) == 1 and (isinstance(at, numbers.Real | Value | list) or
                                         hasattr(at, "shape")) and not isinstance(at, bool):
            at = {program.inputs[0]: at}
        else:
            raise PointError(f"a point must be a dict of input values or 'a=4,b=3' text, "
                             f"not {type(at).__name__}")
    unknown = [k for k in at if k not in program.inputs]
    if unknown:
        raise PointError(f"{option('at')} names {unknown[0]!r}, which is not an input of the "
                         f"program; the inputs are: {', '.join(program.inputs) or 'none'}")
    missing = [k for k in program.inputs if k not in at]
    if missing:
        raise PointError(f"{option('at')} has no value for input{'s' * (len(missing) > 1)} "
                         f"{', '.join(repr(k) for k in missing)}; give each a number or a "
                         "vector or matrix such as x=[1,2] or W=[[1,2],[3,4]]")
    values: dict[str, Any] = {}
    dims: dict[str, tuple[int, ...]] = {}
    batches: dict[str, tuple[int, ...]] = {}
    for name in program.inputs:
        value, from_text = at[name], as_text
        if isinstance(value, str):
            from ..points import parse_point

            value, from_text = parse_point(f"{name}={value}")[name], True
        if isinstance(value, bool) or value is None:
            raise PointError(f"{option('at')} {name}: {value!r} is not a number")
        if isinstance(value, Value):
            arr = value_array(name, value)
            want = tuple(arr.shape)
        else:
            arr = real_array(name, value)
            # an array from text is a range (a batch); from Python it is one value
            want = declared.get(name, () if from_text else tuple(arr.shape))
        if arr.size == 0:
            raise PointError(f"{option('at')} {name}: the array is empty")
        if not bool(np.all(np.isfinite(arr))):
            raise PointError(f"{option('at')} {name}: values must be finite numbers")
        lead = arr.ndim - len(want)
        if lead < 0 or tuple(arr.shape[lead:]) != want:
            raise PointError(f"{option('at')} {name}: shape {tuple(arr.shape)} is neither "
                             f"{want} nor a batch of {want} values")
        values[name] = float(arr) if arr.ndim == 0 else arr
        dims[name] = want
        if lead:
            batches[name] = tuple(arr.shape[:lead])
    if len(set(batches.values())) > 1:
        shown = ", ".join(f"{k} gives {v}" for k, v in batches.items())
        raise PointError(f"{option('at')}: a batch of points has one shape, but {shown}")
    return values, next(iter(batches.values()), ()), dims


def shapes_of(program: VectorProgram, layout: str | None = None) -> Shapes:
    """The program's shapes; a vector output's carry the Jacobian's layout."""
    return Shapes(dict(program.input_shapes), program.output_name, program.output_shape,
                  (layout or "numerator") if program.output_shape else None)


def point_example(shapes: Shapes) -> str:
    """``W=[[...]],x=[...],lr=...``: how to give a point for these inputs."""
    kinds = {0: "...", 1: "[...]", 2: "[[...]]"}
    return ",".join(f"{k}={kinds[len(v)]}" for k, v in shapes.inputs.items()) or "..."


def vector_wrt(program: VectorProgram, wrt: Any) -> tuple[str, ...]:
    """Block names (``W1``) and element names (``W1[0,1]``) to differentiate by, checked."""
    if wrt is None:
        return program.inputs
    elements: dict[str, set[str]] = {}  # an input's element names, listed on first use
    out: dict[str, None] = {}  # in order, one lookup per name
    for name in wrt_names(wrt):
        name = "".join(name.split())
        base = name.partition("[")[0]
        if name not in program.inputs and (
                base not in program.inputs or name not in elements.setdefault(
                    base, set(program.elements(base)))):
            raise OptionError(f"{option('wrt')} {name}: {_not_input(program, name)}",
                              param="wrt")
        out[name] = None
    return tuple(out)


def wrt_names(wrt: Any) -> list[str]:
    """The names ``wrt`` gives (``"a,b"``, ``"W1[0,1],b"`` or a list), each a non-empty
    string, not yet checked against the program."""
    if isinstance(wrt, str):
        names = split_names(wrt)
    elif isinstance(wrt, list | tuple | set | frozenset):
        names = list(wrt)
    else:
        raise OptionError(f"{option('wrt')} must be an input name, names separated by commas, "
                          f"or a list of names, not {type(wrt).__name__}", param="wrt")
    for name in names:
        if not isinstance(name, str) or not name:
            got = f"an empty name in {wrt!r}" if isinstance(wrt, str) else repr(name)
            raise OptionError(f"{option('wrt')} needs input names, got {got}", param="wrt")
    return names


def _not_input(program: VectorProgram, name: str) -> str:
    shapes = program.input_shapes
    inputs = ", ".join(f"{k} {v}" if v else k for k, v in shapes.items()) or "none"
    base = name.partition("[")[0]
    if base in shapes and "[" in name:
        if not shapes[base]:
            return f"{base} is a number, not a vector or matrix"
        first, *_, last = program.elements(base) * 2
        return f"not an element of {base}, whose shape is {shapes[base]} ({first} to {last})"
    if base in program.blocks.assigned:
        return (f"'{base}' is assigned in the program, so it is not an input (the inputs "
                f"are: {inputs})")
    return f"not an input of the program (the inputs are: {inputs})"


def regroup(result: Gradient, run: VectorRun, wrt: tuple[str, ...],
            point: dict[str, Any] | None) -> Gradient:
    """A method's element result as the caller's: gradients (and formulas) shaped like each
    input in ``wrt``, the block point, the program's shapes."""
    program = run.program
    if result.gradient is not None:
        result.gradient = program.regroup(result.gradient, wrt)
    if isinstance(result.formula, dict) and all(e in result.formula for e in run.wrt):
        result.formula = program.regroup(result.formula, wrt)
    result.inputs, result.wrt, result.point = program.inputs, wrt, point
    result.shapes = run.shapes
    return result


def worst_entry(errors: dict[str, Any], shapes: Shapes,
                skip: dict[str, Any] | None = None) -> Worst | None:
    """The entry with the largest relative error (nan counts as the largest), leaving out
    the entries ``skip`` marks (both the method's and the reference's value not finite: no
    error means anything there); where every entry is left out, a nan error and no entry."""
    import numpy as np

    worst: Worst | None = None
    skipped = 0
    for w, err in errors.items():
        arr = np.asarray(err, dtype=float)
        if arr.size == 0:
            continue
        left_out = np.broadcast_to(np.asarray((skip or {}).get(w, False), dtype=bool),
                                   arr.shape)
        skipped += int(left_out.sum())
        if left_out.all():
            worst = worst or Worst("", math.nan)
            continue
        arr = np.where(left_out, -np.inf, arr)
        keyed = np.where(np.isnan(arr), np.inf, arr)
        k = int(np.argmax(keyed))
        value = float(arr.flat[k])
        rank = math.inf if math.isnan(value) else value
        if worst is not None and worst.entry and rank <= (
                math.inf if math.isnan(worst.relative_error) else worst.relative_error):
            continue
        shape = shapes.of(w)
        index = np.unravel_index(k, arr.shape)[arr.ndim - len(shape):] if shape else ()
        worst = Worst(_entry_name(w, tuple(int(i) for i in index), shapes), value)
    return worst if worst is None or not skipped else worst._replace(not_finite=skipped)


def _entry_name(w: str, index: tuple[int, ...], shapes: Shapes) -> str:
    """``W2[1,0]``; in a Jacobian ``∂y[1]/∂x[2]`` (the index split by the layout)."""
    from ..expand import element_name

    if not shapes.output_shape:
        return element_name(w, index)
    o = len(shapes.output_shape)
    if shapes.layout == "denominator":
        mine, out = index[:len(index) - o], index[len(index) - o:]
    else:
        out, mine = index[:o], index[o:]
    names = getattr(shapes, "names", ())  # several named outputs (methods/outputs.py)
    shown = names[out[0]] if names else element_name(shapes.output, out)
    return f"∂{shown}/∂{element_name(w, mine)}"
