"""Terminal text: numbers and counts as a person reads them, the agreement cell, and the route
listing (every route from the output to an input, its factors, their product and the sum).
Formatting only, no computing; the gradient table is in ``present.gradient_table``."""

from __future__ import annotations

import math
from typing import Any

from rich.markup import escape

from ..details import sweep_details
from ..result import Gradient, both_not_finite

# ---------------------------------------------------------------- number formatting ----------

def number(x: Any, digits: int = 15) -> str:
    """A float as a person reads it: ``11``, ``0.25``, ``11.0000000000367``, ``nan``."""
    if x is None:
        return "—"
    if isinstance(x, str):
        return x
    if isinstance(x, complex):
        return str(x)
    if hasattr(x, "shape") and getattr(x, "shape", ()) != ():
        return array_summary(x)
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{digits}g}"


def array_summary(a: Any, counted: bool = True) -> str:
    """The first three values of an array, and (``counted``) how many there are."""
    import numpy as np

    flat = np.asarray(a).ravel()
    head = ", ".join(number(v, 6) for v in flat[:3])
    more = ", …" if flat.size > 3 else ""
    return f"[{head}{more}]" + (f" ({flat.size:,} points)" if counted else "")


def seconds(s: float) -> str:
    if s < 1e-3:
        return f"{s * 1e6:.0f} µs"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    return f"{s:.2f} s"


def count(n: int | None, log10: float | None = None) -> str:
    """An exact count, astronomically large ones as a power of ten."""
    if n is None:
        if log10 is None or math.isinf(log10):
            return "0"
        power = math.floor(log10)  # ≈ 9.99 × 10^30102, as a number is written
        mantissa = round(10 ** (log10 - power), 2)
        if mantissa >= 10:
            mantissa, power = 1.0, power + 1
        return f"≈ {mantissa:.3g} × 10^{power}"
    if n < 10**15:
        return f"{n:,}"
    digits = len(str(n)) if n.bit_length() < 10000 else int(n.bit_length() * 0.30103) + 1
    if n & (n - 1) == 0:
        return f"2^{n.bit_length() - 1:,} ({digits:,} digits)"
    return f"{str(n)[:6]}… ({digits:,} digits)"


def relative(worst: float | None) -> str:
    if worst is None:
        return "—"
    if worst == 0:
        return "0"
    if math.isinf(worst):
        return "differs"
    return f"{worst:.1e}"


NOT_FINITE = "not finite"


def agreement_cell(errors: dict[str, Any], values: dict[str, Any] | None,
                   reference: dict[str, Any] | None) -> str:
    """The worst relative error over the inputs, leaving out the inputs (or points) where
    both values are not finite; "not finite" when nothing is left to compare."""
    import numpy as np

    from ..result import max_finite

    kept: list[Any] = []
    skipped: list[str] = []
    at: dict[str, list[str]] = {}  # "1 of 4 points" -> the inputs not finite there
    for w, err in errors.items():
        both = both_not_finite((values or {}).get(w), (reference or {}).get(w))
        if isinstance(both, bool):
            if both:
                skipped.append(w)
            else:
                kept.append(err)
            continue
        if both.any():
            at.setdefault(f"{int(both.sum()):,} of {both.size:,} points", []).append(w)
        rest = np.broadcast_to(np.asarray(err, dtype=float), both.shape)[~both]
        if rest.size:
            kept.append(rest)
    skipped += [f"{', '.join(names)} at {where}" for where, names in at.items()]
    worst = max_finite(kept)
    if not skipped:
        return relative(worst)
    if worst is None:
        return NOT_FINITE
    return f"{relative(worst)}; {NOT_FINITE}: {', '.join(skipped)}"


# ---------------------------------------------------------------- route listings --------------

LONG_ROUTE = 8  # routes with more edges are shown with their middle factors elided


def _factors(items: list[str], n: int | None = None) -> str:
    """Factors joined by ``·``, the middle ones of a long route elided; ``n``: the route's
    length when ``items`` are already only its first four and last two."""
    if (len(items) if n is None else n) > LONG_ROUTE:
        items = items[:4] + ["…"] + items[-2:]
    return " · ".join(items)


def _signed(x: Any) -> str:
    text = number(x, 6)
    return f"({text})" if text.startswith("-") else text


def _chain(route: str) -> str:
    nodes = route.split(" → ")
    if len(nodes) > LONG_ROUTE + 1:
        nodes = nodes[:4] + ["…"] + nodes[-3:]
    return " → ".join(nodes)


def _equation(parts: list[str]) -> str:
    """``a = b = c`` without empty parts and without a part equal to the one before it."""
    kept: list[str] = []
    for p in parts:
        if p and (not kept or _plain(p) != _plain(kept[-1])):
            kept.append(p)
    return " = ".join(kept)


def _plain(text: str) -> str:
    """For comparing parts: ``1 · 1`` is ``1*1``, ``(-2)`` is ``-2``."""
    return "".join(text.replace("·", "*").replace("(", "").replace(")", "").split())


def derivative_of(gradient: dict[str, Any] | None, w: str) -> Any:
    """The derivative by ``w`` in a result's gradient; an element ``W1[0,1]`` of a vector
    program's input is read from the array of ``W1`` (None when there is none)."""
    if not gradient:
        return None
    if w in gradient:
        return gradient[w]
    base, bracket, index = w.partition("[")
    if not bracket or base not in gradient:
        return None
    try:
        return gradient[base][tuple(int(i) for i in index.rstrip("]").split(","))]
    except (ValueError, IndexError, TypeError):
        return None


def print_routes(r: Gradient, console: Any, out_name: str) -> None:
    """Every listed route as a line, then the sum, the exact count and the sweep's cost.

    The header and the summary go through rich; the route lines (up to the route limit, 10^5)
    are plain text written to the console's file a block at a time, each distinct edge's
    value formatted once (rows of a listing share their edges' objects, see diffx.listing)."""
    d = sweep_details(r.details)
    legend = d.route_legend or {}
    for w, info in (d.route_listing or {}).items():
        n = count((d.routes or {}).get(w), (d.routes_log10 or {}).get(w))
        console.print(f"[bold]routes from {escape(w)} to {escape(out_name)}[/bold]: {n}",
                      highlight=False)
        rows = info["routes"]
        _write_lines(console, route_lines(rows, w))
        sweep_ops = r.cost.get("backward_ops")
        sweep = f" with {sweep_ops:,} multiply-adds ({sweep_cover(r.wrt)})" \
            if sweep_ops is not None else ""
        if info["complete"] and info["sum"] is not None:
            mark = "[green]✓[/green]" if info["matches_sweep"] else "[red]✗ differs[/red]"
            terms = " + ".join(number(row["product"], 6) for row in rows) if len(rows) <= 12 \
                else f"the {len(rows):,} products"
            total_text = _equation([terms, number(info["sum"])])
            console.print(f"  sum: {escape(total_text)}; the reverse sweep "
                          f"got {number(derivative_of(r.gradient, w))}{sweep}, listing no "
                          f"route {mark}",
                          highlight=False)
        elif info["complete"]:
            formula = (d.route_sum or {}).get(w)
            simple = derivative_of(r.gradient, w)
            if formula is not None:
                console.print(f"  sum: {escape(_equation([formula, str(simple)]))}",
                              highlight=False)
        else:
            got = f"got {number(derivative_of(r.gradient, w))}" if r.point is not None and \
                r.gradient else \
                "adds them all"
            console.print(f"  listing stopped at {len(rows):,} of {n} routes "
                          f"({escape(info.get('stopped') or 'the limit')}); "
                          f"the reverse sweep {got}{sweep}, listing none", highlight=False)
    if 0 < len(legend) <= LEGEND_INLINE:
        console.print("  where " + escape(", ".join(f"{k} = {v}" for k, v in legend.items())),
                      highlight=False)
    elif legend:  # a line each, as the routes are written (one line of them all took rich
        console.print("  where", highlight=False)  # minutes to wrap at 100,000 entries)
        shown = list(legend.items())[-LEGEND_LINES:]  # (the last: the labels the routes name)
        if len(legend) > LEGEND_LINES:
            console.print(f"    ({len(legend) - LEGEND_LINES:,} more labels that these use; "
                          "--json lists every one)", highlight=False)
        _write_lines(console, (f"    {k} = {v}" for k, v in shown))


LEGEND_INLINE = 12  # legend entries said on one line; more get a line each
LEGEND_LINES = 40  # legend entries written at most (the JSON has them all)


def sweep_cover(wrt: tuple[str, ...]) -> str:
    """What one reverse sweep's multiply-adds pay for: the derivatives asked for, no more
    (with ``--wrt a`` the edges that do not lead back to a are skipped, so its count is
    smaller than the count for every input)."""
    if len(wrt) <= 3:
        names = [f"∂/∂{w}" for w in wrt]
        listed = names[0] if len(names) == 1 else \
            ", ".join(names[:-1]) + " and " + names[-1]
        return f"one sweep for {escape(listed)}"
    return f"one sweep for all {len(wrt):,} derivatives"


BLOCK = 4096  # route lines per write


def _write_lines(console: Any, lines: Any) -> None:
    """Plain lines straight to the console's file (no markup, no wrapping), a block at a
    time; what rich printed before is flushed first, so the order is kept."""
    out = console.file
    block: list[str] = []
    for line in lines:
        block.append(line)
        if len(block) >= BLOCK:
            out.write("\n".join(block) + "\n")
            block.clear()
    if block:
        out.write("\n".join(block) + "\n")
    out.flush()


def route_lines(rows: list[dict[str, Any]], w: str) -> Any:
    """The text of each route row, ``  chain:  equation``, the chains padded to one width.

    A route shows at most ``LONG_ROUTE`` factors; each edge's value is formatted once, the
    first time a row shows it (an edge is known by its ``edges`` entry, which the listing's
    rows share)."""
    chains = [_chain(row["route"]) or w for row in rows]
    width = max((len(chain) for chain in chains), default=0) + 1
    shown: dict[int, str] = {}  # id of an edge's [arg, node, position] -> its value's text
    for row, chain in zip(rows, chains):
        yield f"  {(chain + ':').ljust(width)}  {_route_line(row, shown)}"


def _shown_value(row: dict[str, Any], k: int, shown: dict[int, str]) -> str:
    edges = row.get("edges")
    if edges is None or len(edges) != len(row["factors"]):
        return _signed(row["factors"][k])
    key = id(edges[k])
    text = shown.get(key)
    if text is None:
        text = shown[key] = _signed(row["factors"][k])
    return text


def _route_line(row: dict[str, Any], shown: dict[int, str]) -> str:
    n = len(row["partials"])
    picks = range(n) if n <= LONG_ROUTE else (0, 1, 2, 3, n - 2, n - 1)
    partials = row["partials"]
    parts = [_factors([partials[k] for k in picks], n) or "(the input is the output)"]
    if n > LONG_ROUTE:
        parts[0] = f"{n} local derivatives: {parts[0]}"
    formulas = row.get("formulas")
    if formulas:
        parts.append(_factors([formulas[k] for k in picks], n))
    if row.get("factors") is not None:
        parts.append(_factors([_shown_value(row, k, shown) for k in picks], n))
        if n > 1:
            parts.append(number(row["product"]))
    return _equation(parts)


def route_line(row: dict[str, Any]) -> str:
    """``∂d/∂c · ∂c/∂a = a · 1 = 4 · 1 = 4``: symbols, formulas, values, product; a value
    equal to the formula before it is not repeated (``∂f/∂x = 1``, not ``= 1 = 1``)."""
    return _route_line(row, {})


def print_route_report(r: Gradient, console: Any, title: str, out_name: str) -> None:
    """The routes command's text: the program's title, its route listing, the warnings."""
    console.print(f"[bold]{escape(title)}[/bold]", highlight=False)
    print_routes(r, console, out_name)
    for w in r.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}", highlight=False)
