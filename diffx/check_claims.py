"""The claims of a vector program's check (diffx.check_vectors): ``W2 = outer(y - t, h)`` or
``W1[0,1] = ...`` parsed into targets, and each claim's value, computed at the block level on
numpy arrays (``claim_ = <formula>`` appended to the source and parsed: nothing is eval'd).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import DiffxError, OptionError, ParseError, option

_TARGET = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[([-0-9,\s]*)\])?\s*")


def parse_scalar_claims(claims: Mapping[str, str] | list[str] | None) -> dict[str, str]:
    """A scalar program's claims, ``["w = (y - t)*x", ...]`` (or a dict), as input -> formula."""
    if claims is None:
        return {}
    if isinstance(claims, Mapping):
        return dict(claims)
    out: dict[str, str] = {}
    for text in claims:
        name, eq, formula = str(text).partition("=")
        name, formula = name.strip(), formula.strip()
        if not eq or not name.isidentifier() or not formula:
            raise OptionError(f"{option('claims')} {text!r}: write it as input = formula, "
                              f"e.g. {option('claims')} \"w = (y - t)*y*(1 - y)*x\"",
                              param="claims")
        if name in out:
            raise OptionError(f"{option('claims')} gives {name!r} twice", param="claims")
        out[name] = formula
    return out


def parse_claims(claims: Mapping[str, str] | list[str] | None) -> dict[str, str]:
    """``["W2 = outer(y - t, h)", "W1[0,1] = ..."]`` (or a dict) as target -> formula."""
    if claims is None:
        return {}
    items = list(claims.items()) if isinstance(claims, Mapping) else []
    if not isinstance(claims, Mapping):
        for text in claims:
            name, eq, formula = str(text).partition("=")
            if not eq or not name.strip() or not formula.strip():
                raise OptionError(f"{option('claims')} {text!r}: write it as input = formula, "
                                  f"e.g. {option('claims')} \"W2 = outer(y - t, h)\"",
                                  param="claims")
            items.append((name, formula))
    out: dict[str, str] = {}
    for name, formula in items:
        key = "".join(str(name).split())
        if key in out:
            raise OptionError(f"{option('claims')} gives {key!r} twice", param="claims")
        out[key] = str(formula).strip()
    return out


def targets(program: Any, claimed: dict[str, str]
             ) -> list[tuple[str, tuple[int, ...] | None, str | None]]:
    """(name, element index or None, formula or None) for each claim; every input when no
    claim is given (checked by reverse against central differences)."""
    from .expand import element_name
    from .shapes import ShapeProblem, parse_index

    if not claimed:
        return [(name, None, None) for name in program.inputs]
    shapes = program.input_shapes
    out: list[tuple[str, tuple[int, ...] | None, str | None]] = []
    for target, formula in claimed.items():
        m = _TARGET.fullmatch(target)
        base = m[1] if m else target
        if m is None or base not in shapes:
            what = "it is assigned in the program, so it is not an input" \
                if base in program.blocks.assigned else "it is not an input of the program"
            raise OptionError(f"{option('claims')} {target}: {what} (the inputs are: "
                              f"{program.describe_inputs()})", param="claims")
        if m[2] is None:
            out.append((base, None, formula))
            continue
        try:
            index = tuple(int(i) for i in m[2].split(","))
        except ValueError:
            raise OptionError(f"{option('claims')} {target}: an element is named by whole "
                              f"numbers, such as {element_name(base, (0,) * len(shapes[base]))}",
                              param="claims") from None
        try:
            index, rest = parse_index(shapes[base], index)
        except ShapeProblem as exc:
            raise OptionError(f"{option('claims')} {target}: {exc}", param="claims") from None
        if rest:
            raise OptionError(f"{option('claims')} {target}: names a row of {base}, whose "
                              f"shape is {shapes[base]}; claim the whole input or one element "
                              f"({element_name(base, (0,) * len(shapes[base]))})",
                              param="claims")
        out.append((element_name(base, index), index, formula))
    return out


def claim_value(program: Any, target: str, formula: str, point: dict[str, Any],
                 index: tuple[int, ...] | None) -> Any:
    """The claim evaluated at the block level, its shape checked against the input's."""
    from . import blocksweep
    from .program import parse
    from .vectors import VectorProgram

    where = f"{option('claims')} {target}"
    if any(ch in formula for ch in ";=\n") or not formula:
        raise OptionError(f"{where}: a claim is one formula, without '=' or ';' (got "
                          f"{formula!r})", param="claims")
    blocks = program.blocks
    label = "claim_"
    while label in blocks.assigned or label in program.inputs:
        label += "_"
    head = f"{blocks.source}\n{label} = "
    try:
        combined = parse(head + formula, shapes=dict(
            program.input_shapes))
        assert isinstance(combined, VectorProgram)  # given shapes: the block level
        unknown = [n for n in combined.inputs if n not in program.inputs]
        if unknown:
            raise OptionError(f"{where} uses '{unknown[0]}', which is neither an input nor a "
                              "name assigned in the program", param="claims")
        combined.node_shapes  # noqa: B018  (shape errors of the formula, here)
    except ParseError as exc:
        if exc.source == head + formula and exc.offset >= len(head):  # in the claim: its text
            exc = ParseError(exc.reason, formula, exc.offset - len(head), exc.length)
        raise DiffxError(f"{where}: {exc}", param="claims") from None
    value = blocksweep.forward(combined, point)[combined.blocks.output]
    base = target.partition("[")[0]
    want = () if index is not None else tuple(program.shape_of(base))
    if tuple(np.shape(value)) != want:
        has = "a number" if index is not None else f"shape {want}"
        raise OptionError(f"claim {target}: shape {tuple(np.shape(value))} but {target} has "
                          f"{has}", param="claims")
    return np.asarray(value, dtype=float)
