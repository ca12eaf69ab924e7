"""A derivation written out: plain text for the terminal (rich), Markdown, LaTeX and JSON.

Reads a :class:`~diffx.steps.Steps` and computes nothing. Each step is the derivative it
opens (``(x^2*sin(x))'`` or ``u'``), the rule with the arguments' derivatives primed, the
derivative it comes to, and the rule's name; then the final formula and the check against
``sympy.diff``. At most ``limit`` steps are written; the rest are counted (``… 12 more
steps``), and the final formula is always given.
"""

from __future__ import annotations

import re
from typing import Any

from ..steps import TEXT, Step, Steps

LIMIT = 60  # steps written before the rest are counted


def _title(s: Steps) -> str:
    how = "every use derived in place" if s.tree else "shared parts derived once, by name"
    return f"d/d{s.wrt} of {' '.join(s.source.split())}   ({how})"


def _result(s: Steps) -> str:
    """``dy/dx`` for a named output, ``d/dx (x^2*sin(x))`` for an expression."""
    if s.output.isidentifier():
        return f"d{s.output}/d{s.wrt}"
    return f"d/d{s.wrt} ({s.output})"


def _verdict(s: Steps) -> str:
    mark = {True: "agrees", False: "DISAGREES", None: "undecided"}[s.check.agrees]
    return f"check: {mark}: {s.check.how}"


def _shown(s: Steps, limit: int) -> tuple[list[Step], int]:
    return list(s.steps[:limit]), max(0, len(s.steps) - limit)


def _more(n: int) -> str:
    return f"… {n:,} more step{'s' * (n != 1)} (--limit shows more)"


def text_lines(s: Steps, limit: int = LIMIT) -> list[str]:
    """The derivation as plain lines (what the terminal shows)."""
    out = [_title(s)]
    if s.names:
        out.append("names: " + "; ".join(d for _, d in s.names))
    out.append("")
    shown, more = _shown(s, limit)
    width = len(str(len(shown)))
    for k, st in enumerate(shown, 1):
        head = f"{k:>{width}}. {st.lhs} = {st.rewrite}"
        out.append(f"{head}    [{st.rule}]")
        if st.result != st.rewrite:
            out.append(" " * (width + 2 + len(st.lhs)) + f" = {st.result}")
        if st.note:
            out.append(" " * (width + 2) + f"note: {st.note}")
    if more:
        out.append(_more(more))
    out += ["", f"{_result(s)} = {s.formula}", _verdict(s)]
    if s.check.reference:
        out.append(f"sympy.diff gives {s.check.reference}")
    return out


def text(s: Steps, limit: int = LIMIT) -> str:
    """The derivation as plain text, as the terminal shows it (``str`` of a derivation)."""
    return "\n".join(text_lines(s, limit))


TEXT[:] = [text]  # str() of the model's object writes it so


def print_steps(s: Steps, console: Any, limit: int = LIMIT) -> None:
    """The derivation on a rich console (no markup is read from the formulas)."""
    from rich.text import Text

    for line in text_lines(s, limit):
        style = "bold" if line.startswith(_result(s)) else None
        if line.startswith("check: DISAGREES"):
            style = "red"
        console.print(Text(line, style=style or ""), soft_wrap=True)


def markdown(s: Steps, limit: int = LIMIT) -> str:
    """A numbered list, formulas as code, rule names in italics."""
    def code(t: str) -> str:
        return f"`{t}`" if "`" not in t else f"``{t}``"

    out = [f"**{_cell(_title(s))}**", ""]
    if s.names:
        out += ["Names: " + ", ".join(code(d) for _, d in s.names), ""]
    shown, more = _shown(s, limit)
    for k, st in enumerate(shown, 1):
        line = f"{k}. {code(f'{st.lhs} = {st.rewrite}')}"
        if st.result != st.rewrite:
            line += f" {code(f'= {st.result}')}"
        line += f" — *{_cell(st.rule)}*"
        if st.note:
            line += f" ({_cell(st.note)})"
        out.append(line)
    if more:
        out.append(f"\n{_more(more)}")
    out += ["", f"**Result:** {code(f'{_result(s)} = {s.formula}')}", "",
            f"**Check:** {_cell(_verdict(s)[7:])}"
            + (f"; sympy.diff gives {code(s.check.reference)}" if s.check.reference else "")]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")


# ---------------------------------------------------------------- LaTeX -----------------------

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|\d+\.?\d*(?:e[-+]?\d+)?|\.\d+|\s+|.")
_FUNCS = {"sin", "cos", "tan", "exp", "log", "sinh", "cosh", "tanh"}
_SYMBOLS = {"*": " \\cdot ", "…": "\\ldots ", "π": "\\pi ", "%": "\\%", "&": "\\&",
            "#": "\\#", "$": "\\$", "{": "\\{", "}": "\\}", "~": "\\sim ", "\\": "/"}


def tex(formula: str) -> str:
    """diffx notation in LaTeX math (no package needed): ``x^(2 - 1)`` is ``x^{(2 - 1)}``,
    ``sin`` is ``\\sin``, other names upright or italic, ``*`` a centred dot."""
    tokens = _TOKEN.findall(formula)
    out: list[str] = []
    open_braces: list[int] = []  # depth at which an exponent's group closes
    depth = 0
    k = 0
    while k < len(tokens):
        t = tokens[k]
        if t == "^":
            out.append("^{")
            nxt = tokens[k + 1] if k + 1 < len(tokens) else ""
            after = tokens[k + 2] if k + 2 < len(tokens) else ""
            if nxt == "(" or after == "(":  # a group or a call: close at its parenthesis
                open_braces.append(depth)
            elif nxt == "-":  # a negative number or name
                out.append("-" + _word(after) + "}")
                k += 3
                continue
            else:
                out.append(_word(nxt) + "}")
                k += 2
                continue
        elif t == "(":
            depth += 1
            out.append(t)
        elif t == ")":
            depth -= 1
            out.append(t)
            while open_braces and open_braces[-1] == depth:
                open_braces.pop()
                out.append("}")
        else:
            out.append(_word(t))
        k += 1
    out.extend("}" * len(open_braces))
    return "".join(out)


def _word(t: str) -> str:
    if t in _FUNCS:
        return f"\\{t} "
    if t == "pi":
        return "\\pi "
    if t.isidentifier() and len(t) > 1:
        return f"\\mathrm{{{t.replace('_', chr(92) + '_')}}}"
    if t == "_":
        return "\\_"
    return _SYMBOLS.get(t, t)


def latex(s: Steps, limit: int = LIMIT) -> str:
    """An ``enumerate`` of the steps, each an equation in math mode with its rule in words;
    then the result and the check (plain LaTeX: no package needed)."""
    source = " ".join(s.source.split()).replace("\\", "/")
    out = [f"% diffx steps of {source} with respect to {s.wrt}", "\\begin{enumerate}"]
    shown, more = _shown(s, limit)
    for st in shown:
        eq = f"{tex(st.lhs)} = {tex(st.rewrite)}"
        if st.result != st.rewrite:
            eq += f" = {tex(st.result)}"
        note = f" ({_tex_text(st.note)})" if st.note else ""
        out.append(f"\\item ${eq}$ \\quad \\emph{{{_tex_text(st.rule)}}}{note}")
    out.append("\\end{enumerate}")
    if more:
        out.append(_tex_text(_more(more)))
    d = f"\\frac{{d{tex(s.output)}}}{{d{tex(s.wrt)}}}" if s.output.isidentifier() else \
        f"\\frac{{d}}{{d{tex(s.wrt)}}}\\left({tex(s.output)}\\right)"
    out += ["", f"${d} = {tex(s.formula)}$", "", _tex_text(_verdict(s)), ""]
    return "\n".join(out)


def _tex_text(text: str) -> str:
    """Words in LaTeX text mode, every special character escaped."""
    from ..tex_text import tex_text

    return tex_text(text)


# ---------------------------------------------------------------- JSON ------------------------

def as_json(s: Steps, limit: int | None = None) -> str:
    """Strict JSON: every step (``limit`` ignored: a program reads them all), the names, the
    formula and the check."""
    from .as_json import dumps

    return dumps({
        "source": s.source, "wrt": s.wrt, "tree": s.tree, "output": s.output,
        "names": [{"name": n, "definition": d} for n, d in s.names],
        "steps": [{"derivative": st.lhs, "of": st.target, "name": st.name, "rule": st.rule,
                   "rewrite": st.rewrite, "result": st.result, "note": st.note or None}
                  for st in s.steps],
        "formula": s.formula,
        "check": {"agrees": s.check.agrees, "how": s.check.how,
                  "sympy_diff": s.check.reference},
    })
