"""What a command reads: the program text (an argument, a file or standard input), parsed
with a hint when an argument names a file, or a function of the user's own Python file
(``FILE.py:FUNCTION``, imported and traced), and the point of ``--at``."""

from __future__ import annotations

import inspect
import os
import re
import sys
from pathlib import Path
from typing import Any

from ..errors import DiffxError, ParseError, PointError

MAX_SOURCE_BYTES = 256 * 2**20  # a million-node program is about 40 MiB of text
READ_CHUNK = 2**20


def _read_capped(stream: Any) -> Any:
    """All of ``stream`` (a regular file's size at once, a pipe or a device a chunk at a
    time, never allocating the cap), or None when it holds more than ``MAX_SOURCE_BYTES``."""
    try:
        size = os.fstat(stream.fileno()).st_size
    except (OSError, AttributeError, ValueError):  # io.StringIO and the like: no descriptor
        size = 0
    if size:
        data = stream.read(min(size, MAX_SOURCE_BYTES) + 1)
        return None if len(data) > MAX_SOURCE_BYTES else data
    parts: list[Any] = []
    total = 0
    while True:
        part = stream.read(READ_CHUNK)
        if not part:
            return parts[0][:0].join(parts) if parts else part
        total += len(part)
        if total > MAX_SOURCE_BYTES:
            return None
        parts.append(part)


def read_program(source: str | None, file: Path | None, at: list[str] | str | None = None,
                 shape: str | None = None) -> Any:
    """The parsed graph of the program given as an argument, with ``-f`` or on stdin (a vector
    program's scalar expansion, its inputs shaped by ``--shape``); an argument
    ``FILE.py:FUNCTION`` is a Python function, imported and traced at ``at``."""
    if file is None and source is not None and _FUNCTION.fullmatch(source):
        import contextlib

        from ..tracing import graph_of

        # what the user's file prints goes to stderr: stdout is diffx's (its --json)
        with contextlib.redirect_stdout(sys.stderr):
            function = load_function(source)
            try:
                return graph_of(function, read_point(at))
            except SystemExit as exc:  # (sys.exit in the function would end diffx)
                raise DiffxError(f"{source} called sys.exit({exc.code!r}) while being "
                                 "traced") from None
    text = read_source(source, file)
    shapes = read_shapes(shape)
    return parse_source(text, from_argument=file is None and source != "-", shapes=shapes)


def read_program_at(source: str | None, file: Path | None, at: list[str] | str | None,
                    shape: str | None) -> tuple[Any, Any, dict[str, tuple[int, ...]]]:
    """The program and the point of ``--at``, the point read first: a vector program (a
    :class:`~diffx.vectors.VectorProgram`) takes its shapes from ``--shape`` and from the
    vectors and matrices of the point (``x=[1,-2]``, CSV columns ``x[0],x[1]``); the shapes
    so declared are returned too, for the library's ``shapes=``."""
    from ..point_values import declared_shapes

    if file is None and source is not None and _FUNCTION.fullmatch(source):
        point = read_point(at)
        return read_program(source, file, at), point, dict(read_shapes(shape) or {})
    text = read_source(source, file)
    shapes = read_shapes(shape)
    try:
        point = read_point(at, shapes)
    except PointError:  # an expression that does not parse says so first, not its point
        _raise_parse_error(text, from_argument=file is None and source != "-")
        raise
    if isinstance(point, dict):
        shapes = declared_shapes(point, shapes)
        for name, value in point.items():  # ranges and CSV columns are batches (rows first)
            if getattr(value, "ndim", 0) and name not in shapes:
                shapes[name] = tuple(value.shape[1:])
    program = parse_source(text, from_argument=file is None and source != "-",
                           shapes=shapes if any((shapes or {}).values()) else None,
                           blocks=True)
    return program, point, shapes or {}


def _raise_parse_error(text: str, from_argument: bool) -> None:
    """Raise the program's own parse error, if it has one (its shapes aside)."""
    try:
        parse_source(text, from_argument=from_argument, blocks=True)
    except ParseError as exc:
        raise exc from None
    except DiffxError:
        pass


def read_scalar_program(source: str | None, file: Path | None, at: list[str] | str | None,
                        shape: str | None) -> tuple[Any, Any]:
    """The program as a scalar graph with its point: a vector program's expansion, its point
    in element values (``W1[0,1]``), for the commands that work on the scalar graph."""
    from ..vectors import VectorProgram

    program, point, shapes = read_program_at(source, file, at, shape)
    if not isinstance(program, VectorProgram):
        return program, point
    if isinstance(point, dict):
        from ..methods.vector_request import block_point, element_point

        values, batch, dims = block_point(program, point, shapes or {})
        program = program.with_shapes(dims)
        point = element_point(program, values, batch)
    return program.scalar, point


def read_shapes(shape: str | None) -> dict[str, tuple[int, ...]] | None:
    """``--shape W1=2x3,x=3`` as a dict (None when not given)."""
    if shape is None:
        return None
    from ..point_values import parse_shapes

    return parse_shapes(shape)


_FUNCTION = re.compile(r"(?s)(.+\.py):([A-Za-z_][A-Za-z0-9_]*)")


def load_function(spec: str) -> Any:
    """The function FUNCTION of the user's file FILE.py (``FILE.py:FUNCTION``), imported as
    pytest imports a test file: the file's folder first on ``sys.path`` while it runs. This
    runs the user's file -- the one place the CLI executes user code, at the user's request."""
    import importlib.util

    match = _FUNCTION.fullmatch(spec)
    assert match is not None
    path, fname = Path(match[1]), match[2]
    if not path.is_file():
        raise DiffxError(f"{path}: no such file (FILE.py:FUNCTION names a Python file and a "
                         "function in it)")
    module_name = f"_diffx_user_{re.sub(r'[^A-Za-z0-9_]', '_', path.stem)}"
    folder = str(path.resolve().parent)
    spec_ = importlib.util.spec_from_file_location(module_name, path)
    if spec_ is None or spec_.loader is None:
        raise DiffxError(f"{path}: cannot be imported as a Python file")
    module = importlib.util.module_from_spec(spec_)
    sys.modules[module_name] = module  # (dataclasses and pickling look their module up)
    sys.path.insert(0, folder)
    try:
        spec_.loader.exec_module(module)
    except SyntaxError as exc:
        raise DiffxError(f"{path}, line {exc.lineno}: {exc.msg} (a SyntaxError while importing "
                         "it)") from None
    except (Exception, SystemExit) as exc:  # noqa: BLE001  (the user's code may raise anything)
        raise DiffxError(f"importing {path} raised {type(exc).__name__}{_line_in(exc, path)}: "
                         f"{exc}") from None
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
    function = getattr(module, fname, None)
    if function is None:
        found = sorted(k for k, v in vars(module).items() if inspect.isfunction(v)
                       and v.__module__ == module_name)
        raise DiffxError(f"{path} has no function {fname!r} (its functions: "
                         f"{', '.join(found) or 'none'})")
    if not callable(function):
        raise DiffxError(f"{path}: {fname} is a {type(function).__name__}, not a function")
    return function


def _line_in(exc: BaseException, path: Path) -> str:
    tb, line = exc.__traceback__, None
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename).resolve() == path.resolve():
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" at line {line}" if line is not None else ""


def read_source(source: str | None, file: Path | None) -> str:
    """The program text: the argument, a file (``-f``), or standard input (``-``)."""
    if source is not None and file is not None:
        raise DiffxError("give the expression either as an argument or with -f FILE, not both")
    if file is not None:
        if str(file) == "-":
            return _stdin()
        try:
            with open(file, "rb") as fh:
                data = _read_capped(fh)
        except OSError as exc:
            raise DiffxError(f"cannot read {file}: {exc.strerror or exc}") from None
        if data is None:
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
        data = _read_capped(stream)
    except (OSError, ValueError) as exc:
        raise DiffxError(f"cannot read standard input: {getattr(exc, 'strerror', None) or exc}"
                         ) from None
    if data is None:
        raise DiffxError(f"standard input is larger than {MAX_SOURCE_BYTES // 2**20} MiB")
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
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


def _functions_in(path: str) -> str:
    """``(its functions: f, g)`` read from the file's top level by ``ast`` (the file is parsed,
    never run); empty when it cannot be read cheaply."""
    import ast

    try:
        if os.path.getsize(path) > 2**20:
            return ""
        tree = ast.parse(Path(path).read_text("utf-8"))
    except (OSError, ValueError, SyntaxError, RecursionError, MemoryError):
        return ""
    names = [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    if not names:
        return " (it defines no function at its top level)"
    more = f", and {len(names) - 20} more" if len(names) > 20 else ""
    return f" (its functions: {', '.join(names[:20])}{more})"


def parse_source(text: str, from_argument: bool,
                 shapes: dict[str, tuple[int, ...]] | None = None, blocks: bool = False) -> Any:
    """Parse the program; if an argument that fails to parse names a file, say to use -f.
    A vector program is its scalar expansion, or itself with ``blocks``."""
    from ..errors import ParseError
    from ..program import parse, parse_graph

    try:
        if blocks:
            return parse(text, shapes=shapes or None)
        return parse_graph(parse(text, shapes=shapes or None))
    except ParseError as exc:
        if from_argument and "\n" not in text and os.path.isfile(text.strip()):
            if text.strip().endswith(".py"):
                raise DiffxError(f"'{text.strip()}' is a Python file: name the function to "
                                 f"trace, {text.strip()}:FUNCTION"
                                 f"{_functions_in(text.strip())}") from None
            raise DiffxError(f"{exc}\n'{text.strip()}' is a file: to read a program from it, "
                             f"write -f {text.strip()}") from None
        raise


def read_point(given: list[str] | str | None,
               shapes: dict[str, tuple[int, ...]] | None = None) -> Any:
    """``--at a=4,b=3``, a range ``x=0:1:101``, or the path of a CSV file of points; ``--at``
    given more than once adds its entries up (``--at a=4 --at b=3`` is ``a=4,b=3``). A CSV
    file's element columns (``x[0],x[1]``) become one batch of vectors per input."""
    if not given:
        return None
    from ..points import parse_point, read_csv_points

    parts = [given] if isinstance(given, str) else list(given)
    files = [p for p in parts if _names_a_file(p)]
    if files and len(parts) > 1:
        raise DiffxError(f"--at {files[0]}: a CSV file gives whole points, so it comes alone "
                         "(not with other --at values)")
    if files:
        columns = read_csv_points(files[0])  # refuses devices, FIFOs and directories first
        return _grouped(files[0], columns, shapes)
    return parse_point(",".join(parts))


def _names_a_file(at: str) -> bool:
    """An ``--at`` value with no ``=`` that ends in .csv or exists is the path of a file."""
    return "=" not in at and (at.endswith(".csv") or os.path.exists(at))



def _grouped(path: str, columns: dict[str, Any], shapes: dict[str, tuple[int, ...]] | None
             ) -> dict[str, Any]:
    """A CSV file's element columns (``x[0],x[1]``) gathered into one array per input, rows
    first (the grouped inputs' shapes are then declared by read_program_at)."""
    from ..csv_points import group_elements

    if not shapes and not any("[" in k for k in columns):
        return columns
    return group_elements(path, columns, shapes)
