"""Trace tables written out: a rich table, Markdown, LaTeX (a ``tabular`` per trace) and JSON.

Reads a :class:`~diffx.trace_table.TraceTable` and computes nothing: every number and every
term comes from the model; here a node becomes ``v₋₁`` or ``x1`` (``v_{-1}``, ``x_{1}`` in
LaTeX), a tangent ``v̇₋₁``, an adjoint ``v̄₋₁``, a local partial ``∂v₂/∂v₋₁``, and numbers are
rounded to ``digits`` decimals (Baydin et al.'s tables show 3: 0.693, 10, -0.959).
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..trace_table import TEXT, AdjointRow, Part, Partial, Sym, TangentRow, Term, TraceTable

DIGITS = 3
_SUB = str.maketrans("-0123456789", "₋₀₁₂₃₄₅₆₇₈₉")
_MARK = {"": "", "dot": "\u0307", "bar": "\u0304"}  # combining dot above, macron
_TEX_MARK = {"": "", "dot": "\\dot", "bar": "\\bar"}
_TEX_FUNCS = ("sin", "cos", "tan", "exp", "log", "sinh", "cosh", "tanh")
_TEX_WORDS = {"pi": "\\pi", "δ": "\\delta", "·": "\\cdot ", "∞": "\\infty", "*": " \\times ",
              "≥": "\\geq ", "≤": "\\leq ", ">=": "\\geq ", "<=": "\\leq "}
_TOKENS = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|\d+\.?\d*(?:e[-+]?\d+)?|>=|<=|\s+|.")


def number(v: float, digits: int = DIGITS) -> str:
    """``v`` to ``digits`` decimals without trailing zeros (10, 0.693); very large or small
    magnitudes in e-notation."""
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0 or 10.0 ** -digits <= abs(v) < 1e9:
        text = f"{v:.{digits}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    return f"{v:.{digits}g}"


class _Writer:
    """Symbols and formulas in one notation: ``text`` (Unicode) or ``tex`` (LaTeX math)."""

    def __init__(self, t: TraceTable, style: str, digits: int) -> None:
        self.t, self.style, self.digits = t, style, digits

    def label(self, node: int, mark: str = "") -> str:
        lab = self.t.labels[node]
        return self.name(lab.name, mark, lab.index)

    def name(self, name: str, mark: str = "", index: int | None = None) -> str:
        if self.style == "tex":
            if index is not None:
                base, sub = "v", str(index)
            else:
                m = re.fullmatch(r"([A-Za-z]+?)_?(\d+)", name)
                base, sub = (m.group(1), m.group(2)) if m else (name, "")
                if len(base) > 1:
                    base = "\\mathit{" + base.replace("_", "\\_") + "}"
            base = f"{_TEX_MARK[mark]}{{{base}}}" if mark else base
            return f"{base}_{{{sub}}}" if sub else base
        if index is not None:
            return "v" + _MARK[mark] + str(index).translate(_SUB)
        return name[0] + _MARK[mark] + name[1:]

    def partial(self, child: int, arg: int) -> str:
        d = "\\partial " if self.style == "tex" else "∂"
        return f"{d}{self.label(child)}/{d}{self.label(arg)}"

    def formula(self, parts: tuple[Part, ...]) -> str:
        if self.style == "tex":
            return self._tex(parts)
        out = []
        for p in parts:
            if isinstance(p, Sym):
                out.append(self.label(p.node, p.mark))
            elif isinstance(p, Partial):
                out.append(self.partial(p.child, p.arg))
            else:
                out.append(p.replace("*", " × "))
        return "".join(out)

    def _tex(self, parts: tuple[Part, ...]) -> str:
        """LaTeX math: functions as \\sin, a power's exponent in braces."""
        tokens: list[str] = []
        for p in parts:
            if isinstance(p, Sym):
                tokens.append(self.label(p.node, p.mark))
            elif isinstance(p, Partial):
                tokens.append(self.partial(p.child, p.arg))
            else:
                for tok in _TOKENS.findall(p):
                    if tok in _TEX_FUNCS:
                        tok = "\\" + tok
                    elif re.fullmatch(r"[A-Za-z_]\w*", tok) and tok not in _TEX_WORDS:
                        tok = "\\mathrm{" + tok.replace("_", "\\_") + "}"
                    elif re.fullmatch(r"[#$%&{}~\\]", tok):
                        tok = "\\" + tok if tok not in "~\\" else "\\textasciitilde{}"
                    tokens.append(_TEX_WORDS.get(tok, tok))
        opens: dict[int, int] = {}
        closes: dict[int, int] = {}
        for i, tok in enumerate(tokens):  # the operand of each ^: the next token or (group)
            if tok != "^":
                continue
            j = i + 1
            while j < len(tokens) and tokens[j].isspace():
                j += 1
            end, depth = j, 0
            while end < len(tokens):
                depth += tokens[end] == "(" and 1 or (tokens[end] == ")" and -1 or 0)
                if depth <= 0:
                    break
                end += 1
            opens[j] = opens.get(j, 0) + 1
            closes[end] = closes.get(end, 0) + 1
        return "".join("{" * opens.get(i, 0) + tok + "}" * closes.get(i, 0)
                       for i, tok in enumerate(tokens))

    def num(self, v: float) -> str:
        text = number(v, self.digits)
        if self.style == "tex":
            text = re.sub(r"e([-+]?)0*(\d+)", lambda m: f"\\times 10^{{{m.group(1).lstrip('+')}"
                          f"{m.group(2)}}}", text).replace("inf", "\\infty")
        return text

    def term(self, term: Term, flow_mark: str, written: bool) -> str:
        """``v̄₅ ∂v₅/∂v₄`` (symbols) or ``v̄₅ × 1`` (the partial written out)."""
        flow = self.label(term.child if flow_mark == "bar" else term.arg, flow_mark)
        if not written:
            return f"{flow} {self.partial(term.child, term.arg)}"
        partial = self.formula(term.partial)
        if _sum_or_negative(partial):
            partial = f"({partial})"
        times = " \\times " if self.style == "tex" else " × "
        return f"{flow}{times}{partial}"


def _sum_or_negative(text: str) -> bool:
    """Whether a partial needs parentheses after ×: a sum or difference outside brackets
    (1 - v^2, not H(x - y)), or a leading minus (-1)."""
    depth = 0
    for k, c in enumerate(text):
        depth += (c in "([{") - (c in ")]}")
        if depth == 0 and c in "+-" and 0 < k < len(text) - 1 and text[k - 1] == " ":
            return True
    return text.startswith("-")


Row = tuple[str, str, str, str]  # the symbol, the sum in symbols, written out, the number


def _primal(w: _Writer) -> list[Row]:
    t = w.t
    survey_input = t.numbering == "survey" and t.input_nodes  # v₋₁ = x1: the input's name
    rows = [(w.label(r.node), w.name(t.names[r.node]) if survey_input and not r.formula[1:]
             and r.node in t.input_nodes.values() else w.formula(r.formula), "",
             w.num(r.value)) for r in t.primal]
    if t.numbering == "survey":
        rows.append((w.name(t.output_name), w.label(t.output), "", w.num(t.value)))
    return rows


def _sums(w: _Writer, terms: tuple[Term, ...], mark: str) -> tuple[str, str]:
    return (" + ".join(w.term(x, mark, False) for x in terms),
            " + ".join(w.term(x, mark, True) for x in terms))


def _tangent(w: _Writer) -> list[Row]:
    t = w.t
    rows: list[Row] = []
    for r in t.tangent:
        sym, written = _sums(w, r.terms, "dot")
        if not r.terms and t.numbering == "survey" and r.node in t.input_nodes.values():
            sym = w.name(t.names[r.node], "dot")  # v̇₋₁ = ẋ1
        rows.append((w.label(r.node, "dot"), sym, written, w.num(r.value)))
    if t.numbering == "survey" and t.derivative is not None:
        rows.append((w.name(t.output_name, "dot"), w.label(t.output, "dot"), "",
                     w.num(t.derivative)))
    return rows


def _adjoint(w: _Writer) -> list[Row]:
    t = w.t
    rows: list[Row] = []
    for r in t.adjoint:
        sym, written = _sums(w, r.terms, "bar")
        if r.node == t.output and t.numbering == "survey":
            sym = w.name(t.output_name, "bar")
        rows.append((w.label(r.node, "bar"), sym, written, w.num(r.value)))
    if t.numbering == "survey":
        for name in t.inputs:
            rows.append((w.name(name, "bar"), w.label(t.input_nodes[name], "bar"), "",
                         w.num(t.gradient[name])))
    return rows


def _titles(t: TraceTable, w: _Writer, math: str = "") -> tuple[str, str, str]:
    seeds = ", ".join(f"{math}{w.name(n, 'dot')} = {1 if n == t.seed else 0}{math}"
                      for n in t.inputs)
    return ("forward primal trace", f"forward tangent trace ({seeds or 'no inputs'})",
            "reverse adjoint trace")


def _heads(w: _Writer) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    tex = w.style == "tex"
    i, j = ("v_i", "v_j") if tex else ("vᵢ", "vⱼ")
    dot = (lambda s: f"\\dot{{{s[0]}}}_{s[2]}") if tex else (lambda s: s[0] + "\u0307" + s[1:])
    bar = (lambda s: f"\\bar{{{s[0]}}}_{s[2]}") if tex else (lambda s: s[0] + "\u0304" + s[1:])
    d = "\\partial " if tex else "∂"
    return (("node", "definition", "value"),
            ("tangent", f"Σ {dot(j)} {d}{i}/{d}{j}" if not tex else
             f"$\\sum_j {dot(j)}\\, {d}{i}/{d}{j}$", "with the partials", "value"),
            ("adjoint", f"Σ {bar(j)} {d}{j}/{d}{i}" if not tex else
             f"$\\sum_j {bar(j)}\\, {d}{j}/{d}{i}$", "with the partials", "value"))


def print_trace(t: TraceTable, console: Any, digits: int = DIGITS) -> None:
    """The three traces as rich tables, then the derivatives and the warnings."""
    from rich.markup import escape
    from rich.table import Table

    w = _Writer(t, "text", digits)
    for title, head, rows in zip(_titles(t, w), _heads(w), _all_rows(w)):
        table = Table(title=title, title_justify="left", box=None, pad_edge=False)
        for k, h in enumerate(head):
            table.add_column(h, justify="right" if h == "value" else "left")
        for row in rows:
            cells = [row[0], row[1], row[3]] if len(head) == 3 else list(row)
            table.add_row(*(escape(c) for c in cells))
        console.print(table)
        console.print()
    console.print(escape(_summary(w)))
    for warning in t.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")


def text(t: TraceTable, digits: int = DIGITS) -> str:
    """The traces as plain text: what :func:`print_trace` shows, without colour (``str`` of
    a trace table)."""
    import io

    from rich.console import Console

    out = io.StringIO()
    print_trace(t, Console(file=out, width=10_000, color_system=None, highlight=False,
                           force_terminal=False, emoji=False), digits)
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines())


TEXT[:] = [text]  # str() of the model's object writes it so


def _all_rows(w: _Writer) -> tuple[list[Row], list[Row], list[Row]]:
    return _primal(w), _tangent(w), _adjoint(w)


def _summary(w: _Writer) -> str:
    t = w.t
    out = "   ".join(f"{w.name(n, 'bar')} = {w.num(t.gradient[n])}" for n in t.inputs)
    if t.derivative is not None:
        out += (f"   ({w.name(t.output_name, 'dot')} = ∂{t.output_name}/∂{t.seed} = "
                f"{w.num(t.derivative)} by forward mode)")
    return out


def markdown(t: TraceTable, digits: int = DIGITS) -> str:
    """The three traces as Markdown tables, each under its title."""
    w = _Writer(t, "text", digits)

    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("_", "\\_") \
            .replace("*", "\\*")

    out: list[str] = []
    for title, head, rows in zip(_titles(t, w), _heads(w), _all_rows(w)):
        out += [f"**{cell(title)}**", "", "| " + " | ".join(head) + " |",
                "|" + "|".join(":--" if h != "value" else "--:" for h in head) + "|"]
        for row in rows:
            cells = [row[0], row[1], row[3]] if len(head) == 3 else list(row)
            out.append("| " + " | ".join(cell(c) for c in cells) + " |")
        out.append("")
    out.append(cell(_summary(w)))
    out += [f"\n> warning: {cell(x)}" for x in t.warnings]
    return "\n".join(out) + "\n"


def latex(t: TraceTable, digits: int = DIGITS) -> str:
    """One ``tabular`` per trace (plain LaTeX: no package needed), cells in math mode; the
    four-column traces in ``\\small`` with narrower column gaps, so that Baydin et al.'s
    example fits an article page."""
    w = _Writer(t, "tex", digits)
    source = " ".join(t.source.split()).replace("\\", "/")
    out = [f"% diffx trace of {source} at "
           + ", ".join(f"{k}={v!r}" for k, v in t.point.items())]
    for title, head, rows in zip(_titles(t, w, "$"), _heads(w), _all_rows(w)):
        three = len(head) == 3
        if not three:  # the tangent and adjoint traces: small, tight columns fit a page
            out.append("{\\small\\setlength{\\tabcolsep}{3pt}%")
        out += ["\\begin{tabular}{" + ("lll" if three else "llll") + "}",
                f"\\multicolumn{{{3 if three else 4}}}{{l}}{{{title}}} \\\\",
                " & ".join(head) + " \\\\", "\\hline"]
        for row in rows:
            cells = [row[0], row[1], row[3]] if three else list(row)
            parts = [f"${cells[0]}$"] + [f"$= {c}$" if c else "" for c in cells[1:]]
            out.append(" & ".join(parts) + " \\\\")
        out += ["\\end{tabular}" + ("" if three else "}"), "", "\\medskip", ""]
    return "\n".join(out)


def as_json(t: TraceTable, digits: int = DIGITS) -> str:
    """Strict JSON: every row with its symbols, formulas, terms and full-precision numbers."""
    from .as_json import dumps

    w = _Writer(t, "text", digits)

    def plain(node: int) -> str:
        return t.labels[node].name

    def terms(r: TangentRow | AdjointRow, flow: str) -> list[dict[str, Any]]:
        return [{"child": plain(x.child), "argument": plain(x.arg), "position": x.position,
                 "partial": w.formula(x.partial), "partial_value": x.partial_value,
                 flow: x.flow} for x in r.terms]

    data = {
        "source": t.source, "numbering": t.numbering, "point": t.point, "seed": t.seed,
        "output": t.output_name, "value": t.value, "derivative": t.derivative,
        "gradient": t.gradient,
        "primal": [{"node": plain(r.node), "name": t.names.get(r.node),
                    "definition": w.formula(r.formula), "value": r.value} for r in t.primal],
        "tangent": [{"node": plain(r.node), "sum": _sums(w, r.terms, "dot")[0],
                     "written": _sums(w, r.terms, "dot")[1], "terms": terms(r, "tangent"),
                     "value": r.value} for r in t.tangent],
        "adjoint": [{"node": plain(r.node), "sum": _sums(w, r.terms, "bar")[0],
                     "written": _sums(w, r.terms, "bar")[1], "terms": terms(r, "adjoint"),
                     "value": r.value} for r in t.adjoint],
        "warnings": list(t.warnings),
    }
    return dumps(data)
