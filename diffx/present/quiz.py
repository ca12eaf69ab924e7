"""A quiz written out: the exercise (Markdown, LaTeX, JSON), its key (JSON), its picture
(the graph with the blanked labels left out) and a grade (text, JSON).

Reads :class:`~diffx.quiz.Quiz` and :class:`~diffx.quiz_grade.Grade` and computes nothing:
the trace tables come from :mod:`diffx.present.trace`'s rows, with the blanked cells written
with their answer keys (``c_bar = ?``); a failed blank's feedback is the right answer, the
working and the rule (``b̄ = c̄·1 = 4 (sum over children)``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ..quiz import Quiz
from ..quiz_file import is_shown, latex_record, markdown_record
from ..quiz_grade import Grade
from . import trace as _trace


class Gap(str):
    """A blanked cell: its text is the key the answers file gives it."""
_ASK = {
    "values": "Evaluate the program at the point: give the value of each node.",
    "partials": "Give each edge's local partial derivative as a formula in the program's "
                "names (the values are in the primal trace).",
    "adjoints": "Run the reverse sweep: give each node's adjoint (the output's is 1).",
    "trace": "Fill in the blank cells of the traces.",
    "gradient": "Give the gradient of the output at the point.",
}


def _point(q: Quiz) -> str:
    return ", ".join(f"{k} = {_trace.number(v, 6)}" for k, v in q.point.items())


QUIZ_DIGITS = 6  # decimals of the shown cells


def _tables(q: Quiz, style: str) -> list[tuple[str, tuple[str, ...], list[list[str]]]]:
    """The traces the exercise shows: (title, heads, rows), the blanks' cells as ``____``."""
    if q.blank == "gradient":
        return []
    # the shown cells to 6 decimals, as the point: a student works the blanks out from them,
    # and 3 (1.494 for d = 1.493808) put g = d - 1.49 5% off, past the grading's 1e-3
    w = _trace._Writer(q.table, style, QUIZ_DIGITS)
    titles = _trace._titles(q.table, w, "$" if style == "tex" else "")
    heads = _trace._heads(w)
    prim, tang, adj = _trace._all_rows(w)
    nodes = ([r.node for r in q.table.primal], [r.node for r in q.table.tangent],
             [r.node for r in q.table.adjoint])
    kinds = ("value", "tangent", "adjoint")
    gaps = {(b.kind, b.node): b.key for b in q.blanks}
    shown = (0,) if q.blank in ("values", "partials", "adjoints") else (0, 1, 2)
    out: list[tuple[str, tuple[str, ...], list[list[str]]]] = []
    for k in shown:
        rows = [[row[0], row[1], row[3]] for row in (prim, tang, adj)[k]]
        for row, node in zip(rows, nodes[k]):
            if (kinds[k], node) in gaps:
                row[2] = Gap(gaps[kinds[k], node])
        out.append((titles[k], (heads[k][0], heads[k][1], "value"), rows))
    return out


def markdown(q: Quiz, picture: str | None = None) -> str:
    """The exercise as Markdown: the program, the point, the traces, the blanks to fill."""
    cell = (lambda s: s.replace("|", "\\|").replace("*", "\\*").replace("_", "\\_"))
    out = [f"## Exercise: {q.blank}" + (f" (level {q.level})" if q.level else ""), "",
           "```", q.source.strip(), "```", "", f"at {_point(q)}", "", _ASK[q.blank], ""]
    if picture:
        out += [f"![the computational graph]({picture})", ""]
    for title, head, rows in _tables(q, "text"):
        out += [f"**{title}**", "", "| " + " | ".join(head) + " |", "|:--|:--|--:|"]
        out += ["| " + " | ".join(f"`{c} = ?`" if isinstance(c, Gap) else cell(c)
                                  for c in row) + " |" for row in rows]
        out.append("")
    out += [f"> warning: {cell(w)}\n" for w in q.table.warnings]
    out += ["Answers (one per line, `name = value`):", "", "```"]
    out += [f"{b.key} = " for b in q.blanks]
    out += ["```", ""]
    out += [markdown_record(q, [line for line in out if is_shown(line, True)]), ""]
    return "\n".join(out)


def latex(q: Quiz, picture: str | None = None) -> str:
    """The exercise as a LaTeX fragment (plain ``tabular``; the picture with graphicx): the
    program line by line in ``\\texttt``, every special character escaped."""
    from ..tex_text import tex_text

    w = _trace._Writer(q.table, "tex", 6)
    point = ", ".join(f"{w.name(k)} = {w.num(v)}" for k, v in q.point.items())
    lines = [line.strip() for line in q.source.strip().splitlines() if line.strip()]
    out = [f"\\textbf{{Exercise: {q.blank}}}" + (f" (level {q.level})" if q.level else "")
           + "\\par"]
    out += [f"\\noindent\\texttt{{{tex_text(line)}}}\\par" for line in lines]
    out += [f"at ${point}$\\par", tex_text(_ASK[q.blank]) + "\\par", ""]
    if picture:
        out += [f"\\includegraphics[width=0.8\\linewidth]{{{picture}}}\\par", ""]
    for title, head, rows in _tables(q, "tex"):
        out += ["\\begin{tabular}{lll}", f"\\multicolumn{{3}}{{l}}{{{title}}} \\\\",
                " & ".join(head) + " \\\\", "\\hline"]
        for row in rows:
            value = ("\\underline{\\hspace{2em}}" if isinstance(row[2], Gap)
                     else f"${row[2]}$")
            out.append(f"${row[0]}$ & " + (f"$= {row[1]}$" if row[1] else "") +
                       f" & {value} \\\\")
        out += ["\\end{tabular}", "", "\\medskip", ""]
    out.append("\\begin{tabular}{ll}")
    out += [f"\\texttt{{{tex_text(b.key)}}} & \\underline{{\\hspace{{4em}}}} \\\\"
            for b in q.blanks]
    out += ["\\end{tabular}", ""]
    record = latex_record(q, [line for line in out if is_shown(line, False)])
    return "\n".join([f"% diffx quiz --blank {q.blank} --seed {q.seed}", record] + out)


def exercise_json(q: Quiz) -> str:
    """The exercise as JSON for an autograder: the quiz's spec and its blanks, no answers."""
    from .as_json import dumps

    return dumps({"quiz": q.spec(), "task": _ASK[q.blank],
                  "blanks": [{"key": b.key, "shown": b.shown, "kind": b.kind}
                             for b in q.blanks]})


def key_json(q: Quiz) -> str:
    """The key: the spec (``diffx quiz --grade`` builds the quiz again from it) and every
    blank's answer, rule and working."""
    from .as_json import dumps

    return dumps({"quiz": q.spec(),
                  "answers": {b.key: b.formula if b.formula is not None else b.value
                              for b in q.blanks},
                  "blanks": [{"key": b.key, "shown": b.shown, "kind": b.kind,
                              "value": b.value, "formula": b.formula, "rule": b.rule,
                              "working": b.working} for b in q.blanks]})


def picture_bytes(q: Quiz, fmt: str = "svg") -> bytes:
    """The graph with values on the nodes and local partials on the edges, less whatever
    gives an asked blank away: no quiz draws adjoints or the partials' numbers (a partial's
    number is a value, ``∂d/∂a = c = 7``, or an adjoint, ``ā = ȳ·∂y/∂a``); a values or
    trace quiz draws only the inputs' values; a partials or trace quiz keeps only the
    symbols ∂d/∂c on the edges. ``fmt``: svg, pdf or png (pdflatex includes a pdf or png,
    not an svg) or dot."""
    from ..picture import picture
    from . import dot, picture_files

    pic = picture(q.graph, at=q.point)
    keep_values = q.blank not in ("values", "trace")
    pic.nodes = [dataclasses.replace(n, adjoint=None,
                                     value=n.value if keep_values or n.kind == "input"
                                     else None) for n in pic.nodes]
    keep_formulas = q.blank not in ("partials", "trace")
    pic.edges = [dataclasses.replace(e, formula=e.formula if keep_formulas else None,
                                     value=None) for e in pic.edges]
    pic.routes, pic.derivative, pic.route_sum = [], None, None
    return picture_files.render_bytes(dot.to_digraph(pic).source, fmt)


def picture_svg(q: Quiz) -> str:
    return picture_bytes(q, "svg").decode("utf-8")


def feedback(g: Grade) -> list[str]:
    """One line per blank: PASS, or FAIL with the right answer, the working and the rule."""
    lines = []
    for v in g.verdicts:
        b = v.blank
        if v.passed:
            lines.append(f"PASS  {b.shown} = {v.given}" + (f" ({v.note})" if v.note else ""))
            continue
        right = b.working
        if b.formula is None and not right.endswith(f"= {v.expected}"):
            right += f" = {v.expected}"
        told = "no answer" if v.given is None else f"you wrote {v.given}"
        why = f"; {v.note}" if v.note and v.given is not None else ""
        lines.append(f"FAIL  {b.shown}: {told}{why}; right: {right} ({b.rule})")
    return lines


def grade_text(g: Grade) -> str:
    lines = feedback(g)
    lines.append(f"{g.passed} of {len(g.verdicts)} right")
    return "\n".join(lines) + "\n"


def grade_json(g: Grade) -> str:
    from .as_json import dumps

    return dumps({"quiz": g.quiz.spec(), "rtol": g.rtol, "passed": g.passed,
                  "total": len(g.verdicts), "ok": g.ok,
                  "blanks": [{"key": v.blank.key, "shown": v.blank.shown, "passed": v.passed,
                              "given": v.given, "expected": v.expected,
                              "value": v.blank.value, "rule": v.blank.rule,
                              "working": v.blank.working, "note": v.note,
                              "feedback": line}
                             for v, line in zip(g.verdicts, feedback(g))]})


def write_text(text: str, path: str | Path, what: str) -> None:
    write_bytes(text.encode("utf-8"), path, what)


def write_bytes(data: bytes, path: str | Path, what: str) -> None:
    from ..errors import DiffxError

    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise DiffxError(f"cannot write the {what} to {path}: {exc.strerror or exc}") from None
