"""The backward program as text: one line per adjoint in the lecture's matrix notation, with its
shape (and, on request, its value), then how it compares with the scalar sweep."""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np

from ..shapes import describe


def _width(text: str) -> int:
    """Columns ``text`` takes: a combining mark (the bar of L̄) takes none."""
    return sum(1 for ch in text if not unicodedata.combining(ch))


def _matrix(value: Any) -> list[str]:
    text = np.array2string(np.asarray(value, dtype=float), precision=6, suppress_small=True)
    return text.splitlines()


def backward_text(backward: Any, values: bool = False, check: Any = None) -> str:
    """``W̄2 = ȳ hᵀ      shape (2, 2)``, one line each; ``values`` adds each matrix below its
    line; ``check`` (a BackwardCheck) adds the comparison with the scalar sweep."""
    rows = []
    for line in backward.lines:
        left = f"{line.symbol} = {line.text}"
        if line.shown:
            left += f" = {line.shown}"
        rows.append((left, f"shape {describe(line.shape)}", line))
    width = max((_width(left) for left, _, _ in rows), default=0)
    out: list[str] = []
    for left, shape, line in rows:
        out.append(f"{left}{' ' * (width - _width(left))}   {shape}")
        if values:
            out.extend("    " + row for row in _matrix(line.value))
    if check is not None:
        out.append(check_text(check))
    out.extend(f"warning: {w}" for w in backward.warnings)
    return "\n".join(out)


def check_text(check: Any) -> str:
    """``checked against the scalar sweep ...: every entry agrees within 1.1e-16``, or, past
    the check's tolerance, that it DISAGREES and where the worst entry is."""
    seeded = f", seeded {check.seed}" if getattr(check, "seed", "") else ""
    where = f" (worst {check.entry})" if check.entry else ""
    if check.agrees:
        return f"checked against the scalar sweep{seeded}: every entry agrees within " \
               f"{check.worst:.1e}{where}"
    return f"checked against the scalar sweep{seeded}: it DISAGREES by {check.worst:.1e}" \
           f"{where}, past the tolerance {check.tolerance:.0e}"


def backward_json(backward: Any, check: Any) -> str:
    """The backward pass as strict JSON: each adjoint's symbol, formula, shape and value
    (nested lists, rows first), the check against the scalar sweep and the warnings."""
    from .as_json import dumps

    return dumps({
        "expression": backward.program.source,
        "wrt": list(backward.wrt),
        "lines": [{"name": line.name, "symbol": line.symbol, "formula": line.text,
                   "shown": line.shown, "shape": list(line.shape),
                   "value": np.asarray(line.value, dtype=float).tolist()}
                  for line in backward.lines],
        "check": {"agrees": check.agrees, "worst": check.worst, "entry": check.entry or None,
                  "tolerance": check.tolerance},
        "warnings": list(backward.warnings)})
