"""What swell measures and the checks made before it measures: the families (a program per
size n), the sizes ``n`` (``1..10``, ``1,2,4``), the time budget, and a family's name
misspelt. :mod:`diffx.swell` measures; this module only reads the request."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from .errors import OptionError, option

DEFAULT_BUDGET = 10.0  # seconds per sympy cell
MAX_BUDGET = 600.0
MAX_N, MAX_ROWS = 10_000, 100


def _logistic(n: int) -> str:
    return "\n".join(["l1 = x"] + [f"l{k + 1} = 4*l{k}*(1 - l{k})" for k in range(1, n)])


def _logistic_expanded(n: int) -> str:
    return "\n".join(["l1 = x"] + [f"l{k + 1} = 4*(l{k} - l{k}*l{k})" for k in range(1, n)])


def _sigmoid_chain(n: int) -> str:
    return "\n".join(["h1 = sigmoid(x)"] + [f"h{k + 1} = sigmoid(h{k})" for k in range(1, n)])


def _product(n: int) -> str:
    return "*".join(f"x{k}" for k in range(1, n + 1))


FAMILIES: dict[str, tuple[Callable[[int], str], str]] = {
    "logistic": (_logistic, "l(n+1) = 4 l(n) (1 - l(n)), l1 = x: 2^(n-1) routes"),
    "logistic-expanded": (_logistic_expanded,
                          "l(n+1) = 4 (l(n) - l(n) l(n)): the same map, 3^(n-1) routes"),
    "sigmoid-chain": (_sigmoid_chain, "n nested sigmoid layers: a deep net of width one"),
    "product": (_product, "x1·x2·…·xn: a gradient of n inputs"),
}


def parse_range(text: str | Iterable[int] | int | None, default: range) -> list[int]:
    """``1..10``, ``5``, ``1,2,4`` or a sequence of whole numbers ≥ 1."""
    if text is None:
        values = list(default)
    elif isinstance(text, int) and not isinstance(text, bool):
        values = [text]
    elif isinstance(text, str):
        values = []
        try:
            for part in text.replace(" ", "").split(","):
                if ".." in part:
                    lo, hi = (int(v) for v in part.split(".."))
                    if hi < lo:
                        raise OptionError(f"{option('n')} {text!r}: the range {lo}..{hi} runs "
                                          f"backwards, so it holds no sizes; write "
                                          f"{max(hi, 1)}..{max(lo, 1)}")
                    if hi - lo >= MAX_ROWS or hi > MAX_N:
                        raise OptionError(f"{option('n')} {text!r}: at most {MAX_ROWS} sizes, "
                                          f"each at most {MAX_N:,}")
                    values.extend(range(lo, hi + 1))
                elif part:
                    values.append(int(part))
        except ValueError:
            raise OptionError(f"{option('n')} {text!r}: write a range like 1..10, or numbers like "
                              "1,2,4") from None
    else:
        try:
            items = [text] if isinstance(text, bool) else list(text)  # True is no size
            values = [v if isinstance(v, int) and not isinstance(v, bool) else int("x")
                      for v in items]
        except (TypeError, ValueError):
            raise OptionError(f"{option('n')} {text!r}: sizes are whole numbers from 1, "
                              "such as range(1, 9) or [1, 2, 4]") from None
    if not values:
        why = " (it runs backwards or stops where it starts)" if isinstance(text, range) else ""
        raise OptionError(f"{option('n')} {text!r} gives no sizes{why}; give whole numbers "
                          "from 1, such as 1..8 or 1,2,4")
    if min(values) < 1:
        raise OptionError(f"{option('n')} {text!r}: sizes are whole numbers from 1, and "
                          f"{min(values)} is less than 1")
    values = sorted(set(values))
    if values[-1] > MAX_N or len(values) > MAX_ROWS:
        raise OptionError(f"{option('n')} {text!r}: at most {MAX_ROWS} sizes, each at most "
                          f"{MAX_N:,} (swell is about growth: a few sizes show it)")
    return values


def check_request(family_or_expression: Any, n: Any, budget: Any) -> None:
    """The checks made before any measuring: the budget, the family's name, ``n`` only with
    a family."""
    if not (isinstance(budget, int | float) and 0 < budget <= MAX_BUDGET):
        raise OptionError(f"{option('budget')} must be between 0 and {MAX_BUDGET:g} seconds, "
                          f"got {budget!r}", param="budget")
    if callable(family_or_expression):
        if n is not None:
            raise OptionError(f"{option('n')} goes with a family, not with a Python function")
        return
    if not isinstance(family_or_expression, str):
        raise OptionError("swell measures a family name, one expression (a string) or a "
                          f"Python function, got {type(family_or_expression).__name__}")
    check_family(family_or_expression)
    if family_or_expression not in FAMILIES and n is not None:
        raise OptionError(f"{option('n')} goes with a family (logistic, logistic-expanded, "
                          "sigmoid-chain, product), not with a single expression")


def check_family(text: str) -> None:
    """A word that is nearly a family's name (``logisitc``) is a misspelling, not an
    expression of one input: say so, with the name meant."""
    import difflib
    import re

    word = text.strip()
    if word in FAMILIES or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", word):
        return
    close = difflib.get_close_matches(word.lower(), list(FAMILIES), n=1, cutoff=0.6)
    if close:
        raise OptionError(f"unknown family {word!r}; did you mean {close[0]!r}? The families "
                          f"are {', '.join(FAMILIES)} (anything else is measured as one "
                          "expression)")
