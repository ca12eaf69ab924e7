"""The ``diffx`` command: a thin typer layer over the library.

Each command reads its input, calls the library and hands the result to a presenter. Errors
in what the user typed become ``error: ...`` on stderr with exit status 2, never a traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core

from . import methods as _methods
from .errors import DiffxError, naming
from .methods import numeric as _numeric

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="diffx: differentiate an expression or a small program three ways, side by side.",
)

MAX_SOURCE_BYTES = 256 * 2**20  # a million-node program is about 40 MiB of text
EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
EXIT_INTERNAL = 70
PLOT_FORMATS = ("png", "svg", "pdf")  # what matplotlib writes for --plot
MAX_TIMEOUT = 86_400.0  # seconds: the longest --timeout the methods accept


def _choices(name: str, values: Iterable[str]) -> type[Enum]:
    """An enum of option choices (typer shows them in --help and checks them)."""
    return Enum(name, {v: v for v in values}, type=str)  # type: ignore[return-value]


# The choices come from the method registry and the numeric method's schemes, so a new method
# or scheme appears here without the CLI learning its name.
MethodChoice = _choices("MethodChoice", ["all", *_methods.REGISTRY])
Scheme = _choices("Scheme", _numeric.SCHEMES)


def expression_arguments(args: list[str], options: dict[str, bool]) -> list[str]:
    """Read an argument such as ``-x^2`` as the expression rather than as an option.

    ``options`` maps each option name of the command to whether it takes a value. An argument
    that starts with a single '-' and is not one of those options (nor a short option with its
    value attached, ``-mreverse``) is moved after a ``--``, where it is positional. The
    argument right after the user's own ``--`` is the expression whatever it looks like, and
    options may follow it (``diffx grad -- -x^2 --at x=3``).
    """
    kept: list[str] = []
    moved: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            if i < len(args):
                moved.append(args[i])
                i += 1
            continue
        if arg in options:
            kept.append(arg)
            if options[arg] and i < len(args):  # its value, whatever it looks like
                kept.append(args[i])
                i += 1
        elif arg.startswith("-") and len(arg) > 1 and not arg.startswith("--") and \
                not _attached_short_option(arg, options):
            moved.append(arg)
        else:
            kept.append(arg)
    return kept + ["--"] + moved if moved else kept


def _attached_short_option(arg: str, options: dict[str, bool]) -> bool:
    """``-mreverse``, ``-fprog.dx``: a short option with its value (a word or a path)."""
    return options.get(arg[:2], False) and all(c.isalnum() or c in "_./:~" for c in arg[2:])


class _Command(typer.core.TyperCommand):
    """A diffx command: an argument like ``-x^2`` is the expression (see above)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        options: dict[str, bool] = {}
        for param in self.get_params(ctx):
            if getattr(param, "param_type_name", None) == "option":
                takes_value = not param.is_flag and not getattr(param, "count", False)
                for name in (*param.opts, *param.secondary_opts):
                    options[name] = takes_value
        return super().parse_args(ctx, expression_arguments(args, options))


FLAGS = {"claims": "--claim"}  # parameters whose flag is not "--" + the name, '_' as '-'


def flag(param: str) -> str:
    """The CLI's word for the library parameter ``param`` in messages: its flag."""
    return FLAGS.get(param, "--" + param.replace("_", "-"))


def _control_flow(exc: BaseException) -> bool:
    """Exceptions that carry the CLI's own control flow (exit, usage errors, Ctrl-C, a closed
    pipe): typer's and click's (typer may bundle its own copy of click) and Python's."""
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | BrokenPipeError):
        return True
    return type(exc).__module__.split(".")[0] in ("typer", "click")


def command(fn: Callable[..., None]) -> Callable[..., None]:
    """Register a CLI command whose diffx errors become ``error: ...`` and exit status 2, and
    whose unexpected failures (any exception, even one derived from ``BaseException`` such as
    a time budget running out) become one ``error:`` line and exit status 70. Within it,
    messages name the library's parameters by their flags (``at`` as ``--at``)."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            try:
                with naming(flag):
                    fn(*args, **kwargs)
            finally:
                stop_stray_alarms()
        except DiffxError as exc:
            raise fail(str(exc)) from None
        except MemoryError:
            raise fail("out of memory", EXIT_FAILED) from None
        except BaseException as exc:
            if _control_flow(exc) or os.environ.get("DIFFX_DEBUG"):
                raise
            raise fail(*internal_error(exc)) from None

    return app.command(cls=_Command)(run)


def stop_stray_alarms() -> None:
    """Disarm a time budget's SIGALRM timer that outlived its work (a budget ended by its own
    alarm may leave it firing): it would raise in the middle of printing, or kill the process
    ("Alarm clock") once the default handler is back. Retried, since the timer may fire while
    it is being disarmed."""
    import signal
    import threading

    if not hasattr(signal, "setitimer") or threading.current_thread() is not \
            threading.main_thread():
        return
    for _ in range(5):
        try:
            if signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0) and \
                    not callable(signal.getsignal(signal.SIGALRM)):
                return
            signal.signal(signal.SIGALRM, signal.SIG_IGN)
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
            return
        except BaseException as exc:  # the budget's alarm, raised while disarming
            if _control_flow(exc):
                raise


def internal_error(exc: BaseException) -> tuple[str, int]:
    """The ``error:`` line and exit status for an exception diffx did not expect."""
    from .budget import BudgetExceeded

    if isinstance(exc, BudgetExceeded):
        return ("the time budget ran out before diffx could finish (raise --timeout, or ask "
                "for fewer methods with --method)", EXIT_FAILED)
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return (f"internal error ({detail}); please report it with the command you ran "
            "(DIFFX_DEBUG=1 shows details)", EXIT_INTERNAL)


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def check_seconds(option: str, value: float, most: float) -> None:
    """A time in seconds: greater than 0 and at most ``most``; the message names ``option``."""
    if not 0 < value <= most:  # (also refuses nan)
        raise DiffxError(f"{option} must be greater than 0 and at most {most:,g} seconds, "
                         f"got {value:g}")


def check_whole(option: str, value: int, low: int, high: int) -> None:
    """A count from ``low`` to ``high``; the message names ``option`` as the user typed it."""
    if not low <= value <= high:
        raise DiffxError(f"{option} must be a whole number from {low:,} to {high:,}, "
                         f"got {value}")


def read_source(source: str | None, file: Path | None) -> str:
    """The program text: the argument, a file (``-f``), or standard input (``-``)."""
    if source is not None and file is not None:
        raise DiffxError("give the expression either as an argument or with -f FILE, not both")
    if file is not None:
        if str(file) == "-":
            return _stdin()
        try:
            with open(file, "rb") as fh:
                data = fh.read(MAX_SOURCE_BYTES + 1)
        except OSError as exc:
            raise DiffxError(f"cannot read {file}: {exc.strerror or exc}") from None
        if len(data) > MAX_SOURCE_BYTES:
            raise DiffxError(f"{file} is larger than {MAX_SOURCE_BYTES // 2**20} MiB; diffx "
                             "reads programs up to that size")
        return _decode(data, str(file))
    if source is None:
        raise DiffxError("no expression: give one as an argument (diffx grad \"a*(a+b)\"), "
                         "with -f FILE, or '-' to read standard input")
    if source == "-":
        return _stdin()
    return source


def _stdin() -> str:
    """Standard input as text; closed, unreadable or empty input is an error, not a crash."""
    stream = getattr(sys.stdin, "buffer", sys.stdin)
    if stream is None or getattr(stream, "closed", False):
        raise DiffxError("'-' reads the program from standard input, but standard input is "
                         "closed; pipe the program in, or give it as an argument")
    try:
        data = stream.read(MAX_SOURCE_BYTES + 1)
    except (OSError, ValueError) as exc:
        raise DiffxError(f"cannot read standard input: {getattr(exc, 'strerror', None) or exc}"
                         ) from None
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if len(data) > MAX_SOURCE_BYTES:
        raise DiffxError(f"standard input is larger than {MAX_SOURCE_BYTES // 2**20} MiB")
    text = _decode(data, "standard input")
    if not text.strip():
        raise DiffxError("'-' reads the program from standard input, but standard input is "
                         "empty; pipe the program in, or give it as an argument")
    return text


def _decode(data: bytes, where: str) -> str:
    """UTF-8 text; a byte-order mark is dropped. Line ends are kept as they are (CR, LF or
    CRLF): the parser reads each of them as a line end."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DiffxError(f"{where} is not UTF-8 text (byte {exc.start + 1} is not valid "
                         "UTF-8)") from None


def parse_source(text: str, from_argument: bool) -> Any:
    """Parse the program; if an argument that fails to parse names a file, say to use -f."""
    from .errors import ParseError
    from .parser import parse

    try:
        return parse(text)
    except ParseError as exc:
        if from_argument and "\n" not in text and os.path.isfile(text.strip()):
            raise DiffxError(f"{exc}\n'{text.strip()}' is a file: to read a program from it, "
                             f"write -f {text.strip()}") from None
        raise


def read_point(at: str | None) -> Any:
    """``--at a=4,b=3``, a range ``x=0:1:101``, or the path of a CSV file of points."""
    if at is None:
        return None
    from .points import parse_point, read_csv_points

    if "=" not in at and (at.endswith(".csv") or os.path.exists(at)):
        return read_csv_points(at)  # refuses devices, FIFOs and directories before reading
    return parse_point(at)


def console() -> Any:
    """A rich console; when output is not a terminal, lines may be long rather than wrapped."""
    from rich.console import Console

    width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "120"))
    return Console(highlight=False, soft_wrap=False, width=width)


def program_title(graph: Any) -> str:
    return graph.title()


Source = Annotated[str | None, typer.Argument(
    help="The expression or program, e.g. \"c = a + b; d = a * c\"; '-' reads standard input. "
    "One that starts with '-' may be written as it is or after '--': diffx grad -- -x^2.",
    show_default=False)]
File = Annotated[Path | None, typer.Option(
    "--file", "-f", help="Read the program from a file.", show_default=False)]
At = Annotated[str | None, typer.Option(
    "--at", help="The point: a=4,b=3 (values may be constant expressions such as pi/4); "
    "a range x=0:1:101; or a CSV file with a header of input names.", show_default=False)]
Wrt = Annotated[str | None, typer.Option(
    "--wrt", help="Inputs to differentiate with respect to, e.g. a,b (default: all).",
    show_default=False)]
Json = Annotated[bool, typer.Option("--json", help="Print one strict JSON object.")]


@command
def grad(
    source: Source = None,
    file: File = None,
    wrt: Wrt = None,
    at: At = None,
    method: Annotated[MethodChoice, typer.Option(
        "--method", "-m", help="Which method to run; 'all' runs symbolic, numeric and reverse "
        "side by side.")] = MethodChoice.all,
    routes: Annotated[bool, typer.Option(
        "--routes", help="List every route from the output to each input (reverse method).")
    ] = False,
    json_out: Json = False,
    scheme: Annotated[Scheme, typer.Option(
        "--scheme", help="Finite-difference scheme for the numeric method.")] = Scheme.central,
    step: Annotated[float | None, typer.Option(
        "--step", help="Finite-difference step (default: scaled to the point).",
        show_default=False)] = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", help="Seconds the symbolic work may take before it is stopped.")] = 30.0,
    route_limit: Annotated[int, typer.Option(
        "--route-limit", help="List at most this many routes.")] = 1000,
) -> None:
    """Differentiate SOURCE by each method and show whether they agree.

    Without --at the derivatives are formulas; with --at they are values at that point.
    """
    from . import api, methods

    check_seconds("--timeout", timeout, MAX_TIMEOUT)
    check_whole("--route-limit", route_limit, 0, methods.MAX_ROUTE_LIMIT)
    text = read_source(source, file)
    graph = parse_source(text, from_argument=file is None and source != "-")
    wanted = methods.DEFAULT_METHODS if method.value == "all" else (method.value,)
    options = {
        "numeric": {"scheme": scheme.value, "step": step},
        "symbolic": {"timeout": timeout},
        "reverse": {"routes": routes, "route_limit": route_limit, "timeout": timeout},
    }
    point = read_point(at)
    if point is None and not graph.inputs:
        point = {}  # a constant expression: its value needs no point
    report = api.grad_all(graph, at=point, wrt=wrt, methods=wanted,
                          options={m: o for m, o in options.items() if m in wanted})
    if len(wanted) == 1:
        only = report.results[wanted[0]]
        if not only.ok and only.error_kind == "usage":
            raise fail(only.error or "failed")
    from .present.command_output import add_grad_warnings, grad_failure

    add_grad_warnings(report, graph, routes)
    if json_out:
        from .present.as_json import report_json

        typer.echo(report_json(report, graph))
    else:
        from .present.gradient_table import print_report

        print_report(report, console(), graph.output_name, title=program_title(graph))
    failure = grad_failure(report, graph.output_name)
    if failure is not None:
        raise fail(failure, EXIT_FAILED)


class Direction(str, Enum):
    LR = "LR"
    TB = "TB"


@command
def graph(
    source: Source = None,
    file: File = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the picture here; the format follows the extension: "
        ".svg, .png, .pdf or .dot. Without it, the DOT text is printed.",
        show_default=False)] = None,
    at: At = None,
    wrt: Annotated[str | None, typer.Option(
        "--wrt", help="Highlight every route from this input to the output.",
        show_default=False)] = None,
    route: Annotated[int | None, typer.Option(
        "--route", help="Highlight only the K-th route (with --wrt); the caption shows its "
        "product.", show_default=False)] = None,
    tree: Annotated[bool, typer.Option(
        "--tree", help="Draw the expression as a tree, shared nodes copied.")] = False,
    direction: Annotated[Direction, typer.Option(
        "--direction", help="Left to right (LR) or top to bottom (TB).")] = Direction.LR,
    max_nodes: Annotated[int, typer.Option(
        "--max-nodes", help="Refuse graphs (or trees) with more nodes than this.")] = 300,
) -> None:
    """Draw the graph of SOURCE: the local derivative on every edge, values and adjoints on
    the nodes (with --at), the routes from an input highlighted (with --wrt)."""
    from .draw import render
    from .methods import MAX_ROUTE_LIMIT
    from .present.picture_files import write

    if route is not None:
        check_whole("--route", route, 1, MAX_ROUTE_LIMIT)
    if output is not None:
        from .present.picture_files import picture_format

        picture_format(output)
    text = read_source(source, file)
    g = parse_source(text, from_argument=file is None and source != "-")
    picture = render(g, at=read_point(at), wrt=wrt, route=route, tree=tree,
                     direction=direction.value, max_nodes=max_nodes)
    if output is None:
        typer.echo(picture.source)
        return
    path = write(picture.source, output)
    typer.echo(f"wrote {path}")


@command
def routes(
    source: Source = None,
    file: File = None,
    wrt: Wrt = None,
    at: At = None,
    limit: Annotated[int, typer.Option(
        "--limit", help="List at most this many routes per input (they are always counted).")
    ] = 1000,
    json_out: Json = False,
) -> None:
    """List every route from each input to the output of SOURCE: its local derivatives, their
    product, the sum, and the exact number of routes."""
    from . import api
    from .methods import MAX_ROUTE_LIMIT
    from .present.command_output import NO_LISTING

    check_whole("--limit", limit, 0, MAX_ROUTE_LIMIT)
    text = read_source(source, file)
    g = parse_source(text, from_argument=file is None and source != "-")
    with naming(lambda p: "--limit" if p == "route_limit" else flag(p)):
        result = api.grad(g, at=read_point(at), wrt=wrt, method="reverse", routes=True,
                          route_limit=limit)
    if result.ok and result.details.route_listing is None:
        raise DiffxError(NO_LISTING)
    if json_out:
        from .present.as_json import write_listing_json
        from .present.command_output import routes_data

        write_listing_json(routes_data(g, result), sys.stdout.write)
        return
    from .present.text import print_route_report

    print_route_report(result, console(), program_title(g), g.output_name)


@command
def swell(
    family: Annotated[str, typer.Argument(
        help="A family: logistic, logistic-expanded, sigmoid-chain, product; or one expression.",
        show_default=False)],
    n: Annotated[str | None, typer.Option(
        "--n", help="The sizes: a range 1..10, or numbers 1,2,4 (default 1..8).",
        show_default=False)] = None,
    budget: Annotated[float, typer.Option(
        "--budget", help="Seconds each sympy cell may take; a column that runs over is not "
        "attempted for larger n.")] = 10.0,
    formulas: Annotated[bool, typer.Option(
        "--formulas", help="Print the simplified derivatives (the lecture table for logistic).")
    ] = False,
    json_out: Json = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Draw sizes against n on a log scale (.png, .svg or .pdf).",
        show_default=False)] = None,
) -> None:
    """Measure expression swell: the function and its derivative as trees and DAGs, routes,
    sympy's time against the reverse sweep's, as n grows."""
    from .swell import MAX_BUDGET
    from .swell import swell as measure

    check_seconds("--budget", budget, MAX_BUDGET)
    if plot is not None:
        from .present.plot import check_plot_path

        check_plot_path(plot)
    if plot is not None:
        from .present.plot import _pyplot

        _pyplot()  # fail early, before the measurements, if matplotlib is missing
    out = console()
    quiet = json_out or csv_out
    with out.status("measuring...", spinner="dots") if not quiet and sys.stdout.isatty() \
            else _nothing():
        table = measure(family, n, budget=budget, formulas=formulas)
    if json_out:
        from .present.command_output import swell_json

        typer.echo(swell_json(table))
    elif csv_out:
        from .present.tables import swell_csv

        typer.echo(swell_csv(table), nl=False)
    else:
        from .present.tables import print_swell

        print_swell(table, out, formulas)
    if plot is not None:
        from .present.plot import plot_swell

        path = plot_swell(table, plot)
        if not quiet:
            typer.echo(f"wrote {path}")


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


@command
def compare(
    source: Source = None,
    file: File = None,
    at: At = None,
    wrt: Wrt = None,
    reference: Annotated[str, typer.Option(
        "--reference", help="The row errors are measured against: symbolic, reverse, forward, "
        "or a numeric scheme such as 'numeric richardson'.")] = "symbolic",
    timeout: Annotated[float, typer.Option(
        "--timeout", help="Seconds the symbolic method may take.")] = 30.0,
    json_out: Json = False,
) -> None:
    """Every method and variant side by side at one point: derivative, error against a
    reference, time, evaluations or operations, and the size of what each built."""
    from .compare import compare as run

    check_seconds("--timeout", timeout, MAX_TIMEOUT)
    text = read_source(source, file)
    g = parse_source(text, from_argument=file is None and source != "-")
    result = run(g, at=read_point(at), wrt=wrt, reference=reference, timeout=timeout)
    if json_out:
        from .present.command_output import compare_json

        typer.echo(compare_json(result))
        return
    from .present.tables import print_comparison

    print_comparison(result, console(), g.output_name)


@command
def check(
    source: Source = None,
    file: File = None,
    at: At = None,
    claim: Annotated[list[str] | None, typer.Option(
        "--claim", help="A hand-derived derivative, input = formula; the formula may use the "
        "program's names. Repeat for each input.", show_default=False)] = None,
    threshold: Annotated[float, typer.Option(
        "--threshold", help="The largest relative error |a - b| / (|a| + |b|) that passes.")
    ] = 1e-6,
    sweep: Annotated[bool, typer.Option(
        "--sweep", help="Show the error of central differences for steps 1e-1 ... 1e-13.")
    ] = False,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Draw the step sweep (.png, .svg or .pdf).", show_default=False)] = None,
    json_out: Json = False,
) -> None:
    """Check a gradient as the lecture teaches: hand-derived formulas (--claim) against the
    reverse sweep and central differences; PASS or FAIL, exit status 1 on FAIL."""
    from .check import check as run

    if plot is not None:
        from .present.plot import check_plot_path

        check_plot_path(plot)
    text = read_source(source, file)
    g = parse_source(text, from_argument=file is None and source != "-")
    report = run(g, at=read_point(at), claims=claim or None, threshold=threshold,
                 sweep=sweep or plot is not None)
    if plot is not None:
        from .present.plot import plot_sweep

        plot_sweep(report, plot)
    if json_out:
        from .present.command_output import check_json

        typer.echo(check_json(report))
    else:
        from .present.tables import print_check

        print_check(report, console())
        if plot is not None:
            typer.echo(f"wrote {plot}")
    if not report.passed:
        from .present.command_output import check_failure

        raise fail(check_failure(report), EXIT_FAILED)


def _print_version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"diffx {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", help="Print diffx's version and exit.", callback=_print_version,
        is_eager=True)] = False,
) -> None:
    """diffx: differentiate an expression or a small program three ways, side by side.

    An expression that starts with '-' may be written as it is (diffx grad -x^2 --at x=3) or
    after '--' (diffx grad -- -x^2 --at x=3).
    """


def main() -> None:
    """Entry point of the ``diffx`` console script.

    typer handles usage errors itself (exit 2); diffx's own errors and anything unexpected
    become one line on stderr instead of a traceback.
    """
    try:
        app()
    except DiffxError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(130)
    except MemoryError:
        typer.echo("error: out of memory", err=True)
        sys.exit(EXIT_FAILED)
    except BaseException as exc:  # even BaseException subclasses (a time budget running out)
        if isinstance(exc, SystemExit | GeneratorExit) or os.environ.get("DIFFX_DEBUG"):
            raise
        stop_stray_alarms()
        message, code = internal_error(exc)
        typer.echo(f"error: {message}", err=True)
        sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
