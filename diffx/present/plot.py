"""Plots (matplotlib, an optional extra: ``pip install 'diffx[plot]'``). Drawing only."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..check import CheckReport
from ..errors import DiffxError
from ..swell import SwellTable


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise DiffxError("plots need matplotlib, which is not installed: "
                         "pip install 'diffx[plot]' (or pip install matplotlib)") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


PLOT_FORMATS = (".png", ".svg", ".pdf")


def check_plot_path(path: str | Path) -> Path:
    """Check, before any work, that a plot can be written to ``path``: a file name ending in
    .png, .svg or .pdf, in a folder that exists, and matplotlib installed."""
    if not isinstance(path, str | Path) or not str(path).strip():
        raise DiffxError(f"a plot needs a file name ending in .png, .svg or .pdf, got {path!r}")
    path = Path(path)
    if path.is_dir():
        raise DiffxError(f"{path} is a folder: a plot needs a file name ending in .png, .svg "
                         "or .pdf")
    if path.suffix.lower() not in PLOT_FORMATS:
        what = f"'{path.suffix}'" if path.suffix else "no extension"
        raise DiffxError(f"a plot needs a file name ending in .png, .svg or .pdf; {path} has "
                         f"{what}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DiffxError(f"cannot write {path}: the folder {parent} does not exist")
    _pyplot()
    return path


def _save(fig: Any, path: str | Path) -> Path:
    path = check_plot_path(path)
    try:
        fig.savefig(path, dpi=130, bbox_inches="tight")
    except OSError as exc:
        raise DiffxError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def plot_swell(table: SwellTable, path: str | Path) -> Path:
    """Sizes against n on a log scale: the function and its derivative as trees and DAGs."""
    from ..counts import Huge

    path = check_plot_path(path)
    plt = _pyplot()
    ns = [r.n if r.n is not None else 1 for r in table.rows]
    series: list[tuple[str, list[Any], str, str]] = [  # label, sizes per row, colour, line
        ("function as a tree", [r.tree_nodes for r in table.rows], "C0", "-"),
        ("function as a DAG", [r.dag_nodes for r in table.rows], "C0", "--"),
        ("routes", [(10 ** r.routes_log10 if r.routes_log10 < 308 else math.inf)
                    if r.routes is None else r.routes for r in table.rows], "C3", ":"),
        ("derivative as a tree (sympy)", [r.derivative_tree for r in table.rows], "C1", "-"),
        ("derivative as a DAG (sympy)", [r.derivative_dag for r in table.rows], "C1", "--"),
        ("derivative after sympy.cse (ops)", [r.cse_ops for r in table.rows], "C2", "-."),
        ("reverse sweep (ops)", [r.reverse_ops for r in table.rows], "C4", "-"),
    ]
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    for label, values, color, style in series:
        pts = [(n, _float(v)) for n, v in zip(ns, values)
               if isinstance(v, int | float) and not isinstance(v, bool | Huge) and v > 0
               and math.isfinite(_float(v))]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], style, color=color, marker="o",
                    markersize=3, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("n")
    ax.set_ylabel("size")
    ax.set_title(f"expression swell: {table.name}")
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(fontsize=8)
    out = _save(fig, path)
    plt.close(fig)
    return out


def _float(v: int | float) -> float:
    """A count as a float for the axis (counts past 1e308 are off the chart: inf)."""
    try:
        return float(v)
    except OverflowError:
        return math.inf


def plot_sweep(report: CheckReport, path: str | Path) -> Path:
    """The V: central differences' error against the step, with the best step marked."""
    if not report.sweep:
        raise DiffxError("--plot draws the step sweep: add --sweep")
    path = check_plot_path(path)
    plt = _pyplot()
    steps = [p.step for p in report.sweep]
    errors = [max(p.error, 1e-18) for p in report.sweep]
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    ax.plot(steps, errors, marker="o", color="C0")
    if report.best_step is not None:
        best = next(p for p in report.sweep if p.step == report.best_step)
        ax.plot([best.step], [max(best.error, 1e-18)], marker="o", color="C3", markersize=9,
                label=f"best step {best.step:.0e}")
        ax.legend()
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.invert_xaxis()
    ax.set_xlabel("step h")
    ax.set_ylabel("relative error of central differences")
    ax.set_title("truncation error falls with h, round-off grows as h shrinks")
    ax.grid(True, which="both", alpha=0.25)
    out = _save(fig, path)
    plt.close(fig)
    return out
