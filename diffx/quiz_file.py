"""A quiz read back from the file ``diffx quiz`` printed, so that ``diffx quiz --grade
quiz.md`` grades against the exercise itself.

The printed exercise (Markdown or LaTeX) carries one record line, a comment the reader does
not see::

    <!-- diffx-quiz {"quiz": {...}, "blanks": [...], "check": "..."} -->     (Markdown)
    % diffx-quiz {"quiz": {...}, "blanks": [...], "check": "..."}            (LaTeX)

holding the quiz's spec (the program's source, the point, the blank kind, the seed and the
level), the blanks' keys, a check (a digest of both) and a short digest of each line that
shows the point or a trace table's row. Nothing in it is run: the record is
strict JSON, the program in it goes through diffx's own parser, and the quiz (its blanks and
their answers) is built again from the spec, exactly as ``diffx quiz`` built it. A record
whose check does not match, whose blanks are not the rebuilt quiz's, or whose program is not
the one the exercise shows, or whose point or tables were edited, is refused with the line
it is on. The key (``--key``) and the
exercise's JSON (``--format json``) are read as before.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from .errors import DiffxError, option
from .quiz import Quiz

MARK = "diffx-quiz"
_RECORD = re.compile(r"^\s*(?:<!--|%)\s*" + MARK + r"\s+(.*?)\s*(?:-->)?\s*$")


def _digest(spec: dict[str, Any], blanks: list[str]) -> str:
    text = json.dumps({"quiz": spec, "blanks": blanks}, sort_keys=True, ensure_ascii=True,
                      separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:16]


def is_shown(line: str, markdown: bool) -> bool:
    """A line that shows the point or a trace table's row: ``at a = 4, b = 3`` and
    ``| c | a + b | 7 |`` (Markdown), ``at $a = 4$\\par`` and ``$c$ & ... \\\\`` (LaTeX);
    the record holds a digest of each, so that an edited point or given value is caught."""
    text = line.strip()
    if markdown:
        return text.startswith(("at ", "|"))
    return text.startswith("at $") or (text.startswith("$") and text.endswith("\\\\"))


def _line_digest(line: str) -> str:
    return hashlib.sha256(line.strip().encode("utf-8")).hexdigest()[:8]


def record(q: Quiz, shown: list[str] | None = None) -> str:
    """The record's JSON on one line, pure ASCII and without ``>`` (so ``-->`` never ends
    the Markdown comment early and no character needs LaTeX's input encoding); ``shown``:
    the exercise's point and table lines (:func:`is_shown`), kept as short digests."""
    spec, blanks = q.spec(), [b.key for b in q.blanks]
    data: dict[str, Any] = {"quiz": spec, "blanks": blanks, "check": _digest(spec, blanks)}
    if shown is not None:
        data["shown"] = [_line_digest(line) for line in shown]
    text = json.dumps(data, ensure_ascii=True, separators=(", ", ": "), allow_nan=False)
    return text.replace(">", "\\u003e").replace("<", "\\u003c")


def markdown_record(q: Quiz, shown: list[str] | None = None) -> str:
    return f"<!-- {MARK} {record(q, shown)} -->"


def latex_record(q: Quiz, shown: list[str] | None = None) -> str:
    return f"% {MARK} {record(q, shown)}"


def load(text: str, where: str) -> Quiz:
    """The quiz a printed exercise records (see the module's docstring)."""
    from .quiz import quiz

    lines = text.splitlines()
    found = [(n, m.group(1)) for n, line in enumerate(lines, 1)
             if MARK in line and (m := _RECORD.match(line))]
    if not found:
        raise DiffxError(
            f"{where} is not a quiz diffx can grade: it has no '{MARK}' record line (the "
            "comment diffx quiz writes into the Markdown or LaTeX exercise), and it is not "
            f"a quiz's key or JSON; give the file diffx quiz printed, or its {option('key')} "
            "file")
    if len(found) > 1:
        raise DiffxError(f"{where} holds {len(found)} quiz records (lines "
                         f"{', '.join(str(n) for n, _ in found)}); grade one quiz at a time")
    n, body = found[0]
    at = f"{where}, line {n}"
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except ValueError as exc:
        raise DiffxError(f"{at}: the quiz record is not valid JSON ({exc}); it was edited "
                         "or cut") from None
    spec = data.get("quiz") if isinstance(data, dict) else None
    blanks = data.get("blanks") if isinstance(data, dict) else None
    if not (isinstance(spec, dict) and isinstance(blanks, list)
            and all(isinstance(b, str) for b in blanks)
            and isinstance(spec.get("source"), str) and isinstance(data.get("check"), str)):
        raise DiffxError(f"{at}: the quiz record lacks its program, blanks or check")
    try:
        digest = _digest(spec, blanks)
    except (TypeError, ValueError):
        digest = None
    if digest != data["check"]:
        raise DiffxError(f"{at}: the quiz record was edited (its check does not match its "
                         "program, point and blanks); print the quiz again with diffx quiz")
    level = spec.get("level")
    try:
        q = quiz(spec["source"], at=spec.get("at"), blank=spec.get("blank", "adjoints"),
                 seed=spec.get("seed", 0))
    except DiffxError as exc:
        raise DiffxError(f"{at}: the quiz record's program does not build a quiz: {exc}") \
            from None
    if level in (1, 2, 3, 4):
        q.level = level  # the random program's level, for the record
    rebuilt = [b.key for b in q.blanks]
    if rebuilt != blanks:
        raise DiffxError(f"{at}: the quiz record's blanks ({', '.join(blanks)}) are not the "
                         f"ones its program gives ({', '.join(rebuilt)}); the quiz was made "
                         "by another version of diffx")
    markdown = lines[n - 1].lstrip().startswith("<!--")
    _same_program(lines, q, where, markdown)
    _same_tables(lines, data.get("shown"), where, markdown, n)
    return q


def _same_tables(lines: list[str], shown: Any, where: str, markdown: bool, at: int) -> None:
    """The point and the trace tables the exercise shows are the ones diffx quiz wrote: an
    edited point (``at a = 5``) or given value would be graded against the record's."""
    if shown is None:
        return  # a record from before the digests: its program is checked, not its tables
    if not (isinstance(shown, list) and all(isinstance(d, str) for d in shown)):
        raise DiffxError(f"{where}, line {at}: the quiz record's \"shown\" is not a list of "
                         "digests; it was edited")
    found = [(k, line) for k, line in enumerate(lines, 1)
             if k != at and is_shown(line, markdown)]
    for (k, line), digest in zip(found, shown):
        if _line_digest(line) != digest:
            raise DiffxError(f"{where}, line {k}: the point or table shown ({line.strip()!r}) "
                             "is not the one diffx quiz wrote (the exercise was edited after "
                             "diffx quiz wrote it, and would be graded against the record's "
                             "point); print the quiz again")
    if len(found) != len(shown):
        k = found[len(shown)][0] if len(found) > len(shown) else (found[-1][0] if found
                                                                  else at)
        raise DiffxError(f"{where}, line {k}: the exercise shows {len(found)} point and "
                         f"table lines where diffx quiz wrote {len(shown)} (it was edited "
                         "after diffx quiz wrote it); print the quiz again")


def _same_program(lines: list[str], q: Quiz, where: str, markdown: bool) -> None:
    """The program the exercise shows is the record's: an exercise whose visible program
    was edited would be graded against another one."""
    from .tex_text import tex_text

    want = [line.strip() for line in q.source.strip().splitlines() if line.strip()]
    if markdown:  # the first fenced block
        start = next((k for k, line in enumerate(lines) if line.strip() == "```"), len(lines))
        end = next((k for k in range(start + 1, len(lines)) if lines[k].strip() == "```"),
                   len(lines))
        shown = [line.strip() for line in lines[start + 1:end] if line.strip()]
        first = start + 2
    else:  # LaTeX: the program's lines in \texttt, one per line
        shown = [m.group(1) for line in lines
                 if (m := re.fullmatch(r"\\noindent\\texttt\{(.*)\}\\par", line.strip()))]
        want = [tex_text(line) for line in want]
        first = next((k + 1 for k, line in enumerate(lines) if "\\texttt{" in line), 1)
    if shown != want:
        raise DiffxError(f"{where}, line {first}: the program shown is not the one the quiz "
                         "record holds (the exercise was edited after diffx quiz wrote it); "
                         "print the quiz again")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number in strict JSON")
