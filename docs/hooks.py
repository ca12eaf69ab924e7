"""MkDocs hook: the pages link to the repository's own files (`../examples/mlp.dx` from a page
in docs/), which is right on GitHub; on the site the examples are served from `examples/`
(docs/examples links to ../examples), so such links are rewritten to point there. Any other
link that leaves docs/ is left alone and fails `mkdocs build --strict`.

The docstrings name other objects with Sphinx roles (:class:`~diffx.vectors.VectorProgram`),
which mkdocstrings shows as text: each is made a cross-reference that mkdocs-autorefs links
when the site documents the object (by its full name or as ``diffx.<name>``), else plain code,
with ``~`` showing only the last part of the name as Sphinx does."""

from __future__ import annotations

import logging
import posixpath
import re
from typing import Any


class _DynamicAll(logging.Filter):
    """diffx.math's __all__ is built from the op table (`[*FUNCTIONS, "pi", "e"]`), which griffe
    cannot read statically; the API page documents no member of diffx.math, so its warning
    about that module is dropped (and only that one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "diffx.math_functions.__all__" not in record.getMessage()


def on_startup(command: str, dirty: bool) -> None:
    for name in ("griffe", "mkdocs.plugins.griffe", "mkdocs.plugins.mkdocstrings"):
        logging.getLogger(name).addFilter(_DynamicAll())

LINK = re.compile(r"(\]\()([^)\s#]+)")


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    folder = posixpath.dirname(page.file.src_uri)

    def rewrite(match: re.Match[str]) -> str:
        target = match.group(2)
        if "://" in target:
            return match.group(0)
        resolved = posixpath.normpath(posixpath.join(folder, target))
        if resolved == "../examples" or resolved.startswith("../examples/"):
            inside = resolved[3:]  # examples/...: the served copy
            if inside == "examples":
                inside = "examples/README.md" if files.get_file_from_path(
                    "examples/README.md") else "examples/diffx_tour.ipynb"
            return match.group(1) + posixpath.relpath(inside, folder or ".")
        return match.group(0)

    return LINK.sub(rewrite, markdown)


ROLE = re.compile(r":(?:class|func|meth|mod|attr|exc|data|obj):<code>(~?)([A-Za-z_][\w.]*)</code>")


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    def crossref(match: re.Match[str]) -> str:
        short, name = match.groups()
        shown = name.rpartition(".")[2] if short else name
        also = f"diffx.{name.rpartition('.')[2]}"
        slug = f' slug="{also}"' if also != name else ""
        return f'<autoref identifier="{name}"{slug} optional><code>{shown}</code></autoref>'

    return ROLE.sub(crossref, html)
