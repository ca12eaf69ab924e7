"""Grading a quiz: reading an answers file, comparing each answer with its blank.

Numbers are compared to a relative tolerance (``rtol``, default 1e-3, with an absolute floor
of ``ZERO_FLOOR`` for a key of 0: a key of 0.000431 is not answered by 0). Formulas (a partial's blank) are compared symbolically: the
student's text is parsed by diffx's own parser (never ``eval`` or ``sympify``), both sides
become sympy through :func:`diffx.sym.to_sympy`, and ``simplify(a - b) == 0`` decides, with
a numeric check at random points when simplify cannot; an answer written with the program's
intermediates (``d``) or with their definitions (``exp(c)``) is the same answer. An answer
that does not parse fails its blank with the parser's message and is never run.
"""

from __future__ import annotations

import json
import math
import random
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from dataclasses import dataclass
from typing import Any

from .errors import DiffxError, option
from .quiz import BAR, DOT, Blank, Quiz

RTOL = 1e-3
MAX_ANSWER = 2_000  # characters: an answer is a number or a short formula
MAX_ANSWERS_BYTES = 2**20
POINTS = 8  # random points for the numeric check of formulas
ZERO_FLOOR = 1e-12  # the absolute tolerance: rounding noise around a key of 0, no more


@dataclass(frozen=True)
class Verdict:
    """One blank graded: the answer given (None: none), whether it passed, the right answer,
    and why it failed (a sentence) when it did."""

    blank: Blank
    given: str | None
    passed: bool
    expected: str
    note: str | None = None


@dataclass
class Grade:
    quiz: Quiz
    verdicts: list[Verdict]
    rtol: float

    @property
    def passed(self) -> int:
        return sum(v.passed for v in self.verdicts)

    @property
    def ok(self) -> bool:
        return all(v.passed for v in self.verdicts)


def normalize_key(key: str) -> str:
    """``∂d/∂c`` as ``dd/dc``, ``ā`` as ``a_bar``, ``ċ`` as ``c_dot``; spaces dropped."""
    text = unicodedata.normalize("NFD", "".join(key.split())).replace("∂", "d")
    for mark, word in ((BAR, "_bar"), (DOT, "_dot")):
        if mark in text:
            text = text.replace(mark, "") + word
    return text


def read_answers(text: str, where: str = "the answers") -> dict[str, Any]:
    """An answers file: a JSON object (blank -> number or text) or ``name = value`` lines
    (``#`` starts a comment; a line with no value, as the exercise prints it, is no
    answer)."""
    if text.lstrip().startswith("{"):
        import json

        try:
            data = json.loads(text, parse_constant=_no_constant)
        except ValueError as exc:
            raise DiffxError(f"{where} is not valid JSON: {exc}") from None
        for k, v in data.items():
            if isinstance(v, bool) or not isinstance(v, int | float | str):
                raise DiffxError(f"{where}: the answer for {k!r} must be a number or text, "
                                 f"not {_json_kind(v)}")
        return data
    answers: dict[str, Any] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        key, eq, value = line.partition("=")
        if not eq or not key.strip():
            raise DiffxError(f"{where}, line {n}: expected 'name = value', got {line!r}")
        if key.strip() in answers:
            raise DiffxError(f"{where}, line {n}: {key.strip()!r} is answered twice")
        if value.strip():  # ``c_bar =`` as the exercise prints it: not answered
            answers[key.strip()] = value.strip()
    return answers


def _json_kind(v: Any) -> str:
    """What a JSON value is, as JSON names it (``null``, ``true``, an array, an object)."""
    if v is None or isinstance(v, bool):
        return "null" if v is None else str(v).lower()
    return "an array" if isinstance(v, list) else "an object"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number in strict JSON")


def load_quiz(text: str, where: str = "the quiz") -> Quiz:
    """A quiz from the exercise ``diffx quiz`` printed (Markdown or LaTeX, read through its
    record line: :mod:`diffx.quiz_file`) or from its JSON (the exercise's ``--format json``
    or the key): built again from the program, point, blank kind and seed it records."""
    import json

    from .quiz import quiz

    if not text.lstrip().startswith("{"):
        from .quiz_file import load

        return load(text, where)
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except ValueError as exc:
        raise DiffxError(f"{where} is not a quiz's JSON ({exc})") from None
    spec = data.get("quiz") if isinstance(data, dict) else None
    if not isinstance(spec, dict) or not isinstance(spec.get("source"), str):
        raise DiffxError(f"{where} is not a quiz's JSON: it has no \"quiz\" object with the "
                         "program, point, blank kind and seed (a quiz's key or exercise JSON "
                         "has one)")
    q = quiz(spec["source"], at=spec.get("at"), blank=spec.get("blank", "adjoints"),
             seed=spec.get("seed", 0))
    if spec.get("level") in (1, 2, 3, 4):
        q.level = spec["level"]  # the random program's level, for the record
    return q


def grade(q: Quiz, answers: Mapping[str, Any] | str, rtol: float = RTOL) -> Grade:
    """Grade ``answers`` (a mapping from blank to answer, or an answers file's text)."""
    if isinstance(answers, str):
        answers = read_answers(answers)
    if not (isinstance(rtol, int | float) and 0 <= rtol < 1):
        raise DiffxError(f"{option('rtol')} must be from 0 to less than 1, got {rtol!r}")
    by_key = {b.key: b for b in q.blanks}
    aliases = {}
    if q.blank in ("adjoints", "gradient"):  # a bare name answers its adjoint / derivative
        aliases = {q.table.labels[b.node].name: b.key for b in q.blanks}
    given: dict[str, Any] = {}
    for raw, value in answers.items():
        key = normalize_key(str(raw))
        key = key if key in by_key else aliases.get(key, key)
        if key not in by_key:
            raise DiffxError(f"{raw!r} is not a blank of this quiz (its blanks: "
                             f"{', '.join(by_key)})")
        if key in given:
            raise DiffxError(f"{by_key[key].shown} is answered twice")
        given[key] = value
    checker = _Formulas(q)
    return Grade(q, [_verdict(b, given.get(b.key), rtol, checker) for b in q.blanks], rtol)


def _verdict(b: Blank, answer: Any, rtol: float, checker: _Formulas) -> Verdict:
    expected = b.formula if b.formula is not None else _shown(b.value)
    if answer is None:
        return Verdict(b, None, False, expected, "no answer")
    text = answer if isinstance(answer, str) else repr(answer)
    if len(text) > MAX_ANSWER:
        return Verdict(b, text[:40] + "...", False, expected,
                       f"the answer is longer than {MAX_ANSWER:,} characters")
    try:
        if b.formula is not None:
            ok, note = checker.same(b, text)
        else:
            value, read = _number(answer, checker.values if b.kind == "gradient" else None)
            ok = math.isclose(value, b.value, rel_tol=rtol, abs_tol=ZERO_FLOOR)
            off = _off(value, b.value, rtol)
            note = None if ok else f"{_shown(value)} is {off}"
            if read:
                note = f"read as a formula in {read}: {_shown(value)} at the point" + (
                    "" if ok else f", {off}")
    except DiffxError as exc:
        ok, note = False, f"the answer cannot be read: {str(exc).splitlines()[0]}"
    return Verdict(b, text, ok, expected, note)


def _off(value: float, right: float, rtol: float) -> str:
    """How far an answer is from the right number, against the tolerance: ``off by 5%
    (more than the relative tolerance 0.001)``."""
    if right == 0 or not math.isfinite(value):
        return f"not the right number (the tolerance is relative, {rtol:g})"
    rel = abs(value - right) / abs(right)
    return f"off by {rel:.2g} relative (more than the tolerance {rtol:g})"


def _shown(v: float) -> str:
    """A number as the feedback writes it: 6 significant digits (11, 0.196612)."""
    return format(v, ".6g")


def _number(answer: Any, names: Mapping[str, float] | None = None) -> tuple[float, str]:
    """A number, or a constant expression such as ``4*7`` or ``pi/4`` (parsed by diffx),
    and the names it was read in: with ``names`` (a gradient's blank: the program's names and
    their values at the quiz's point), a formula in them (``1/x1 + x2``) is evaluated there."""
    if isinstance(answer, int | float) and not isinstance(answer, bool):
        return float(answer), ""
    from .api import evaluate
    from .program import parse_expression

    graph = parse_expression(str(answer))
    if graph.inputs and names is None:
        raise DiffxError(f"a number is expected here, not a formula in {', '.join(graph.inputs)}")
    if not graph.inputs:
        return float(evaluate(graph)), ""
    assert names is not None
    strange = [w for w in graph.inputs if w not in names]
    if strange:
        raise DiffxError(f"{', '.join(strange)} is not a name in the program (a formula "
                         f"may use {', '.join(names)})")
    value = float(evaluate(graph, at={w: names[w] for w in graph.inputs}))
    return value, ", ".join(graph.inputs)


class _Formulas:
    """The right formula of each partial blank in sympy, over the program's names, and the
    definitions that expand a name to the inputs."""

    def __init__(self, q: Quiz) -> None:
        self.q = q
        self._exprs: list[Any] | None = None
        # every name of the program with its value at the point (a gradient's formula)
        self.values = {q.table.labels[r.node].name: r.value for r in q.table.primal}

    def _names(self) -> tuple[dict[Any, Any], dict[str, Any]]:
        import sympy

        from .sym import to_sympy

        g, labels = self.q.graph, self.q.table.labels
        if self._exprs is None:
            self._exprs = to_sympy(g)
        symbols = {labels[n].name: sympy.Symbol(labels[n].name, real=True) for n in labels}
        expand = {symbols[labels[n].name]: self._exprs[n] for n in labels if not g.is_input(n)}
        return expand, symbols

    def expected(self, b: Blank) -> Any:
        import sympy

        from .route_formulas import Formulas
        from .sym import constant

        g, labels = self.q.graph, self.q.table.labels
        op = g.op_of(b.node)
        assert op is not None and b.position is not None

        def sym(n: int) -> Any:
            if g.is_const(n):
                return constant(g.const_text(n), g.const_value(n))
            return sympy.Symbol(labels[n].name, real=True)

        with Formulas.as_written():
            e = op.local_partials(tuple(sym(a) for a in g.args(b.node)), sym(b.node),
                                  ns="sympy")[b.position]
        if isinstance(e, int | float):  # constant partials ("1") come back as numbers
            return sympy.Integer(e) if isinstance(e, int) else sympy.Float(e)
        return e

    def same(self, b: Blank, text: str) -> tuple[bool, str | None]:
        import sympy

        from .program import parse_expression
        from .sym import to_sympy

        graph = parse_expression(text)
        known = set(self.q.table.labels[n].name for n in self.q.table.labels)
        strange = [w for w in graph.inputs if w not in known]
        if strange:
            return False, f"{', '.join(strange)} is not a name in the program"
        given = to_sympy(graph)[graph.output]
        want = self.expected(b)
        expand, _ = self._names()
        for a, c in ((given, want), (given.xreplace(expand), want.xreplace(expand))):
            if _equal(a, c, self.values):
                return True, None
        if not graph.inputs and math.isclose(float(given), b.value, rel_tol=1e-9):
            return False, "that is its value at the point; the blank asks for the formula"
        return False, None


def _equal(a: Any, b: Any, at: dict[str, float] | None = None) -> bool:
    """simplify(a - b) == 0, or else equal values at the quiz's own point (``at``: name ->
    value) and at ``POINTS`` random points of either sign and a wide range of sizes: where
    one formula has a value and the other has none, they differ; where neither has one,
    another point is drawn."""
    import sympy

    from .sym import value_at

    try:
        if sympy.simplify(a - b) == 0:
            return True
    except (TypeError, ValueError, ArithmeticError):
        pass
    names = sorted(a.free_symbols | b.free_symbols, key=str)
    rng = random.Random(0)
    points = []
    if at is not None and all(str(s) in at for s in names):
        points.append({s: float(at[str(s)]) for s in names})
    compared = 0
    for k in range(20 * POINTS):
        if compared > POINTS:  # (the quiz's point and POINTS more)
            break
        # sizes from 0.01 to 1000; signs alternating from point to point and name to name
        point = points.pop() if points else \
            {s: (-1.0) ** (k + j) * 10.0 ** rng.uniform(-2.0, 3.0) for j, s in enumerate(names)}
        u, v = value_at(a, point).value, value_at(b, point).value
        real_u = isinstance(u, float) and math.isfinite(u)
        real_v = isinstance(v, float) and math.isfinite(v)
        if not real_u and not real_v:
            continue  # neither is defined here (a log of a negative number): no evidence
        if not (real_u and real_v and math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-12)):
            return False
        compared += 1
    return compared > 0


def is_key_file(path: Path) -> bool:
    """Whether ``path`` holds a quiz key as ``--key`` writes it (JSON with its "quiz"
    record; the first MiB is read)."""
    try:
        with path.open("rb") as handle:
            record = json.loads(handle.read(1 << 20).decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(record, dict) and isinstance(record.get("quiz"), dict)
