"""Terminal tables for swell, compare and check. Formatting only."""

from __future__ import annotations

import csv
import io
from typing import Any

from rich.markup import escape

from ..check import CheckReport
from ..result import Report, Row, both_not_finite
from ..swell import OVER, SKIPPED, SwellTable
from .command_output import NO_GRADIENT
from .text import NOT_FINITE, count, number, seconds

TOO_LARGE = "too large"  # a derivative beyond the float range (CheckedInput.too_large)
DOUBTFUL = "doubtful"  # an error not measured at a doubtful point (Report.doubtful)


def _cell(x: Any, kind: str = "int") -> str:
    if x is None:
        return "—"
    if x == OVER:
        return "[yellow]>budget[/yellow]"
    if x == SKIPPED:
        return "[dim]…[/dim]"
    if kind == "s":
        return seconds(x)
    return f"{x:,}"


def print_swell(table: SwellTable, console: Any, formulas: bool = False) -> None:
    from rich.table import Table

    console.print(f"[bold]{escape(table.name)}[/bold]: {escape(table.description)}",
                  highlight=False)
    t = Table(show_edge=False, header_style="bold")
    for title in ("n", "DAG", "tree", "routes", "rev ops", "rev time", "evals", "diff time",
                  "count_ops", "d tree", "d DAG", "cse", "expanded"):
        t.add_column(title, justify="right")
    for r in table.rows:
        t.add_row("—" if r.n is None else str(r.n), f"{r.dag_nodes:,}", f"{r.tree_nodes:,}",
                  count(r.routes, r.routes_log10), f"{r.reverse_ops:,}",
                  seconds(r.reverse_seconds), f"{r.numeric_evaluations:,}",
                  _cell(r.diff_seconds, "s"), _cell(r.count_ops), _cell(r.derivative_tree),
                  _cell(r.derivative_dag), _cell(r.cse_ops), _cell(r.expanded_ops))
    console.print(t)
    console.print(f"[dim]DAG, tree: the function's nodes as a graph and written out; rev: the "
                  f"reverse sweep; evals: central differences; diff time: sympy.diff; d tree, "
                  f"d DAG: the derivative written out and as distinct subexpressions; cse: "
                  f"count_ops after sympy.cse; expanded: count_ops of the expanded formula. "
                  f"Each sympy cell has {table.budget:g} s (>budget: over it; …: not tried "
                  f"after)[/dim]")
    if formulas:
        for r in table.rows:
            if r.formula is not None:
                label = "" if r.n is None else f"n = {r.n}: "
                console.print(f"  {label}d/dx = {escape(str(r.formula))}", highlight=False,
                              soft_wrap=True)


def swell_csv(table: SwellTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    columns = list(table.COLUMNS) + ["routes_log10", "formula"]
    writer.writerow(columns)
    for r in table.rows:
        data = r.as_dict()
        writer.writerow(["" if data.get(c) is None else data.get(c) for c in columns])
    return out.getvalue()


def print_comparison(c: Report, console: Any, out_name: str) -> None:
    """``diffx compare``'s table: a row per variant, its errors against the reference."""
    from rich.table import Table

    where = ", ".join(f"{k}={number(v, 10)}" for k, v in (c.point or {}).items())
    console.print(f"[bold]{escape(c.expression if len(c.expression) < 70 else out_name)}"
                  f"[/bold]", highlight=False)
    doubt = f" (not measured: the point is {DOUBTFUL})" if c.doubtful else ""
    console.print(f"at {escape(where)}   {out_name} = {number(c.value)}   errors "
                  f"against {c.reference}{doubt}", highlight=False)
    t = Table(show_edge=False, header_style="bold")
    t.add_column("method")
    for w in c.wrt:
        t.add_column(f"∂{out_name}/∂{w}", justify="right")
    t.add_column("abs. error", justify="right")
    t.add_column("rel. error", justify="right")
    t.add_column("time", justify="right")
    t.add_column("evals", justify="right")
    t.add_column("ops", justify="right")
    t.add_column("built")
    for r in c.rows:
        if r.error is not None:
            t.add_row(r.label, f"[red]{escape(r.error)}[/red]", *[""] * (len(c.wrt) + 5))
            continue
        abs_cell, rel_cell = comparison_errors(c, r)
        if r.label == c.reference:
            rel_cell = "(reference)"
        t.add_row(r.label, *[number(r.gradient[w]) for w in c.wrt],  # type: ignore[index]
                  abs_cell, rel_cell, seconds(r.seconds),
                  "—" if r.evaluations is None else f"{r.evaluations:,}",
                  "—" if r.operations is None else f"{r.operations:,}", r.built)
    console.print(t)
    for w in c.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}", highlight=False)


def comparison_errors(c: Report, row: Row) -> tuple[str, str]:
    """The absolute and relative error cells of a compare row: the worst over the inputs
    where the row and the reference are both finite and the point is not doubtful; the others
    are named as "not finite" or "doubtful" (:attr:`diffx.result.Report.doubtful`)."""
    import math

    skipped = row.not_finite
    doubtful = [w for w in row.doubtful if w not in skipped]
    if c.wrt and len(skipped) == len(c.wrt):
        return NOT_FINITE, NOT_FINITE
    if doubtful and len(skipped) + len(doubtful) == len(c.wrt):
        note = f"; {NOT_FINITE}: {', '.join(skipped)}" if skipped else ""
        return DOUBTFUL + note, DOUBTFUL + note
    kept = [w for w in c.wrt if w not in skipped and w not in doubtful]
    absolute = row.absolute_error or {}
    relative = c.relative_errors.get(row.label) or {}
    worst_abs = max((math.inf if math.isnan(absolute[w]) else absolute[w] for w in kept
                     if w in absolute), default=0.0)
    worst_rel = max((math.inf if math.isnan(relative[w]) else relative[w] for w in kept
                     if w in relative), default=0.0)

    def fmt(x: float | None) -> str:
        if x is None or x == 0:
            return "0"
        return "differs" if math.isinf(x) or math.isnan(x) else f"{x:.1e}"

    note = f"; {NOT_FINITE}: {', '.join(skipped)}" if skipped else ""
    note += f"; {DOUBTFUL}: {', '.join(doubtful)}" if doubtful else ""
    return fmt(worst_abs) + note, fmt(worst_rel) + note


def _check_error(c: Any, kind: str) -> str:
    """A check's error cell (``claim vs reverse``): "not finite" where both values are."""
    values = {"claim": c.claimed, "claimed": c.claimed, "reverse": c.reverse,
              "central": c.central}
    a, _, b = kind.partition(" vs ")
    if a in values and b in values and both_not_finite(values[a], values[b]):
        return NOT_FINITE
    return f"{c.errors[kind]:.1e}"


def doubtful_point(masked: list[str], passed: bool) -> str:
    """What a check at a doubtful point can say (:attr:`CheckReport.doubtful`)."""
    outcome = ("the agreement is no evidence that the gradient is right" if passed else
               "the disagreement may be the point's, not the gradient's")
    return (f"the point is doubtful: {'; '.join(masked)}, and a later operation masks it, so "
            f"the function is undefined here and its derivative may not exist: {outcome}; "
            "check at another point")


def print_check(r: CheckReport, console: Any) -> None:
    from rich.table import Table

    console.print(f"[bold]{escape(r.what if len(r.what) < 70 else r.what[:67] + '...')}"
                  f"[/bold]", highlight=False)
    if isinstance(r.point, dict):
        where = ", ".join(f"{k}={number(v, 10)}" for k, v in r.point.items())
        console.print(f"at {escape(where)}", highlight=False)
    t = Table(show_edge=False, header_style="bold")
    t.add_column("input")
    t.add_column("claimed", justify="right")
    t.add_column("reverse", justify="right")
    t.add_column("central", justify="right")
    kinds = list(r.inputs[0].errors) if r.inputs else []
    for kind in kinds:  # "claim vs reverse", "claim vs central", ...
        t.add_column(kind, justify="right")
    t.add_column("")
    for c in r.inputs:
        mark = "[green]ok[/green]" if c.passed else "[red]FAIL[/red]"
        if r.doubtful:  # passed or not, the point cannot judge the gradient
            mark = f"[yellow]{DOUBTFUL}[/yellow]"
        if r.no_derivative is not None:
            mark = "[red]no derivative[/red]"
        if c.too_large:
            mark = f"[red]{TOO_LARGE}[/red]"
        t.add_row(c.name, number(c.claimed), number(c.reverse), number(c.central),
                  *[_check_error(c, k) for k in kinds], mark)
    console.print(t)
    worst = next((c for c in r.inputs if c.name == r.worst), None)
    if r.no_derivative is not None:
        console.print(f"[red]FAIL[/red]: {escape(r.no_derivative)}: {NO_GRADIENT}",
                      highlight=False, soft_wrap=True)
    elif worst is not None and worst.too_large and r.too_large is not None:
        console.print(f"[red]CANNOT CHECK[/red]: {escape(r.too_large)}; check at another point",
                      highlight=False, soft_wrap=True)
    elif worst is not None:
        verdict = "[green]PASS[/green]" if r.passed else "[red]FAIL[/red]"
        if r.doubtful:
            verdict = f"[yellow]{DOUBTFUL.upper()}[/yellow]"
        op = "≤" if r.passed else ">"
        kinds_shown = [_check_error(worst, k) for k in worst.errors]
        if kinds_shown and all(k == NOT_FINITE for k in kinds_shown):
            console.print(f"{verdict}: the worst input is {worst.name}: its derivatives are "
                          f"{NOT_FINITE}", highlight=False)
        else:
            by = f" ({worst.by})" if getattr(worst, "by", "") else ""
            console.print(f"{verdict}: the worst input is {worst.name}, relative error "
                          f"{worst.error:.1e}{by} {op} {r.threshold:g}", highlight=False)
    if r.doubtful:
        console.print(f"  {escape(doubtful_point(r.doubtful, r.passed))}", highlight=False,
                      soft_wrap=True)
    for line in r.advice:
        console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
    if r.sweep:
        s = Table(title="error against the step (central differences)", show_edge=False,
                  header_style="bold", title_justify="left")
        s.add_column("step", justify="right")
        s.add_column("worst rel. error", justify="right")
        s.add_column("")
        for p in r.sweep:
            best = " ← best" if p.step == r.best_step else ""
            s.add_row(f"{p.step:.0e}", f"{p.error:.1e}", best)
        console.print(s)
        console.print("  large steps: truncation error (falls as h²); small steps: round-off "
                      f"(grows as ε/h); best step here: {r.best_step:.0e}", highlight=False)
    for w in r.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}", highlight=False)
