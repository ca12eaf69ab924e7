"""Formulas in diffx's own notation (placeholder: sympy's str until the printer lands)."""
from typing import Any


def formula_text(expr: Any, inputs: Any = ()) -> str:
    return str(expr)
