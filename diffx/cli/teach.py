"""The teaching commands: ``trace`` (the primal, tangent and adjoint trace tables of a
program at one point, as the survey and the lecture notes draw them), ``steps`` (a
derivative derived rule by rule, checked against sympy) and ``quiz`` (exercises on those tables
that grade themselves)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..errors import DiffxError
from .options import At, File, Json, Source, check_whole
from .run import console
from .sources import read_program, read_program_at, read_scalar_program, read_source


class Numbering(str, Enum):
    names = "names"
    survey = "survey"


class Format(str, Enum):
    rich = "rich"
    markdown = "markdown"
    latex = "latex"
    json = "json"


def trace(
    source: Source = None,
    file: File = None,
    at: At = None,
    seed: Annotated[str | None, typer.Option(
        "--seed", help="The input whose tangent is 1 in the tangent trace (default: the "
        "first input).", show_default=False)] = None,
    numbering: Annotated[Numbering, typer.Option(
        "--numbering", help="Name the rows by the program's names, or as the survey does: "
        "the n inputs v-(n-1) ... v0, then v1, v2, ...")] = Numbering.names,
    fmt: Annotated[Format, typer.Option(
        "--format", help="A table on the terminal, Markdown, a LaTeX tabular, or JSON.")
    ] = Format.rich,
    digits: Annotated[int, typer.Option(
        "--digits", help="Decimals shown (JSON keeps every digit).")] = 3,
    json_out: Json = False,
) -> None:
    """The evaluation trace tables of SOURCE at one point: the primal trace, the tangent
    trace (forward mode, seeded by --seed) and the adjoint trace (each adjoint the sum over
    the node's children of child adjoint × local partial), as in Baydin et al.'s survey."""
    from ..present import trace as present
    from ..trace_table import trace_table

    check_whole("--digits", digits, 0, 15)
    if json_out and fmt not in (Format.rich, Format.json):
        raise DiffxError(f"--json and --format {fmt.value} ask for two outputs; give one")
    if json_out:
        fmt = Format.json
    g, point = read_scalar_program(source, file, at, None)  # a vector program: its elements
    table = trace_table(g, at=point, seed=seed, numbering=numbering.value)
    if fmt is Format.rich:
        present.print_trace(table, console(), digits)
    elif fmt is Format.markdown:
        typer.echo(present.markdown(table, digits), nl=False)
    elif fmt is Format.latex:
        typer.echo(present.latex(table, digits), nl=False)
    else:
        typer.echo(present.as_json(table, digits))


def steps(
    source: Source = None,
    file: File = None,
    wrt: Annotated[str | None, typer.Option(
        "--wrt", help="The input to differentiate with respect to (default: the first).",
        show_default=False)] = None,
    tree: Annotated[bool, typer.Option(
        "--tree", help="Derive every use of a shared part in place, as a textbook writes it "
        "out (default: shared parts and named statements are derived once, by name).")
    ] = False,
    fmt: Annotated[Format, typer.Option(
        "--format", help="Text on the terminal, Markdown, LaTeX, or JSON.")] = Format.rich,
    limit: Annotated[int, typer.Option(
        "--limit", help="Steps written before the rest are counted (JSON has them all).")
    ] = 60,
    json_out: Json = False,
) -> None:
    """The derivative of SOURCE derived rule by rule: sum, product, quotient, power and
    chain rules and each function's rule from the op table, every step named, ending in the
    formula, which is checked against sympy.diff."""
    from ..present import steps as present
    from ..steps import steps as derive

    check_whole("--limit", limit, 1, 1_000_000)
    if json_out and fmt not in (Format.rich, Format.json):
        raise DiffxError(f"--json and --format {fmt.value} ask for two outputs; give one")
    if json_out:
        fmt = Format.json
    from ..errors import naming
    from .run import flag

    with naming(lambda p: "" if p in ("at", "shapes") else flag(p)):  # (steps has neither)
        program = read_program(source, file)
    s = derive(program, wrt=wrt, tree=tree)
    if fmt is Format.rich:
        present.print_steps(s, console(), limit)
    elif fmt is Format.markdown:
        typer.echo(present.markdown(s, limit), nl=False)
    elif fmt is Format.latex:
        typer.echo(present.latex(s, limit), nl=False)
    else:
        typer.echo(present.as_json(s))


class Blanks(str, Enum):
    values = "values"
    partials = "partials"
    adjoints = "adjoints"
    trace = "trace"
    gradient = "gradient"


class QuizFormat(str, Enum):
    markdown = "markdown"
    latex = "latex"
    json = "json"


def quiz(
    source: Source = None,
    file: File = None,
    at: At = None,
    blank: Annotated[Blanks, typer.Option(
        "--blank", help="What the exercise leaves blank.")] = Blanks.adjoints,
    seed: Annotated[int, typer.Option(
        "--seed", help="Makes the quiz reproducible: the random program, its point and "
        "the trace cells left blank.")] = 0,
    random_program: Annotated[bool, typer.Option(
        "--random", help="Quiz on a fresh random program (see --level).")] = False,
    level: Annotated[int | None, typer.Option(
        "--level", help="The random program's difficulty, 1..4: its size, depth and "
        "functions (default 1).", show_default=False)] = None,
    fmt: Annotated[QuizFormat, typer.Option(
        "--format", help="The exercise as Markdown, LaTeX or JSON.")] = QuizFormat.markdown,
    key: Annotated[Path | None, typer.Option(
        "--key", help="Also write the key (the answers, as JSON) to this file; "
        "--grade reads it.", show_default=False)] = None,
    picture: Annotated[Path | None, typer.Option(
        "--picture", help="Also draw the graph to this file (.svg, or .pdf/.png for "
        "pdflatex, by its suffix) and refer to it in the "
        "exercise.", show_default=False)] = None,
    grade: Annotated[Path | None, typer.Option(
        "--grade", help="Grade answers against this quiz: the exercise as diffx quiz "
        "printed it (Markdown or LaTeX), its --key file or its JSON.",
        show_default=False)] = None,
    answers: Annotated[Path | None, typer.Option(
        "--answers", help="The answers to grade: JSON, or 'name = value' lines.",
        show_default=False)] = None,
    rtol: Annotated[float, typer.Option(
        "--rtol", help="Relative tolerance for numeric answers.")] = 1e-3,
    json_out: Json = False,
) -> None:
    """An exercise that grades itself: SOURCE (or a --random program) at --at with the
    --blank cells left out, printed with its trace tables; --key writes the answers. With
    --grade QUIZ --answers FILE, each blank PASSes or FAILs with the right value and the rule
    that gives it; the exit status is 1 when any answer is wrong."""
    from .. import quiz_grade
    from ..present import quiz as present
    from ..quiz import quiz as make_quiz
    from .run import EXIT_FAILED

    if grade is not None or answers is not None:
        if grade is None or answers is None:
            raise DiffxError("grading needs both --grade QUIZ and --answers FILE")
        if source is not None or file is not None or random_program:
            raise DiffxError("--grade reads the program from the quiz file; give no program")
        making = [name for name, given in (
            ("--at", at is not None), ("--blank", blank is not Blanks.adjoints),
            ("--seed", seed != 0), ("--level", level is not None), ("--key", key is not None),
            ("--picture", picture is not None), ("--format", fmt is not QuizFormat.markdown))
            if given]
        if making:  # (they make a quiz; grading reads everything from the quiz file)
            raise DiffxError(f"{making[0]} makes a quiz; --grade reads the quiz, its point "
                             "and its blanks from the quiz file: give only --grade, --answers "
                             "(and --rtol or --json)")
        q = quiz_grade.load_quiz(read_source(None, grade), str(grade))
        result = quiz_grade.grade(q, quiz_grade.read_answers(
            read_source(None, answers), str(answers)), rtol)
        typer.echo(present.grade_json(result) if json_out else present.grade_text(result),
                   nl=json_out)
        if not result.ok:
            raise typer.Exit(EXIT_FAILED)
        return
    if random_program and (source is not None or file is not None):
        raise DiffxError("--random makes up its own program; give no program")
    if random_program and at is not None:
        raise DiffxError("--random makes up its own point; give no --at")
    if json_out:
        fmt = QuizFormat.json
    if random_program:
        q = make_quiz(None, blank=blank.value, seed=seed, level=level)
    else:
        g, point, _ = read_program_at(source, file, at, None)  # a vector program: refused
        q = make_quiz(g, at=point, blank=blank.value, seed=seed, level=level)
    _outputs_are_safe(file, picture, key)
    drawn = None
    if picture is not None:
        suffix = picture.suffix.lower().lstrip(".") or "svg"
        if fmt is QuizFormat.latex and suffix not in ("pdf", "png"):
            raise DiffxError(f"--picture {picture}: pdflatex includes a .pdf or .png picture, "
                             f"not .{suffix}; name the picture graph.pdf")
        drawn = present.picture_bytes(q, suffix)
    if picture is not None and drawn is not None:  # (both made before either is written)
        present.write_bytes(drawn, picture, "picture")
    if key is not None:
        present.write_text(present.key_json(q) + "\n", key, "key")
    shown = str(picture) if picture is not None else None
    text = {QuizFormat.markdown: lambda: present.markdown(q, shown),
            QuizFormat.latex: lambda: present.latex(q, shown),
            QuizFormat.json: lambda: present.exercise_json(q) + "\n"}[fmt]()
    typer.echo(text, nl=False)


def _outputs_are_safe(file: Path | None, picture: Path | None, key: Path | None) -> None:
    """Refuse, before anything is written, a --key or --picture that would overwrite the
    program's own file or each other, and a --key over an existing file that is not a quiz
    key (a key is JSON with its "quiz" record: rewriting one is what --key is for)."""
    from ..quiz_grade import is_key_file

    def same(a: Path, b: Path) -> bool:
        try:
            return a.resolve() == b.resolve()
        except OSError:
            return False

    for option_name, path in (("--key", key), ("--picture", picture)):
        if path is not None and file is not None and same(path, file):
            raise DiffxError(f"{option_name} {path} is the program's own file (-f); refusing "
                             "to overwrite it: choose another path")
    for option_name, path in (("--key", key), ("--picture", picture)):
        if path is not None and not path.absolute().parent.is_dir():
            raise DiffxError(f"{option_name} {path}: the folder {path.parent} does not exist")
    if key is not None and picture is not None and same(key, picture):
        raise DiffxError(f"--key and --picture are the same file ({key}); give each its own")
    if key is None or not key.exists():
        return
    if key.is_dir():
        raise DiffxError(f"--key {key} is a directory; give a file name (key.json)")
    if not is_key_file(key):
        raise DiffxError(f"--key {key}: the file exists and is not a quiz key; refusing to "
                         "overwrite it (remove it, or choose another path)")
