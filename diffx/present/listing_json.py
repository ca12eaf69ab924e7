"""Strict JSON of the routes listing, streamed: written in blocks of rows bounded by their
characters, so a listing of millions of factors never holds its whole text at once (the rest of
the strict-JSON rules: diffx.present.as_json)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from .as_json import _Clean, _name


ROUTE_WARNINGS = 100  # non-finite route values named one by one per input; past it, a count


def write_listing_json(data: dict[str, Any], write: Callable[[str], Any],
                       streamed: str = "listing") -> None:
    """Write ``data`` as :func:`dumps` would (the same text, byte for byte), with the route
    listing under the key ``streamed`` written a row at a time: a listing of 10^5 routes is
    never copied whole nor held as one string. Each distinct edge's JSON (its symbol, formula,
    value and ``[arg, node, position]``) is made once; the listing's rows share those edges.

    Non-finite numbers become ``null`` and ``warnings`` say where, in the order :func:`dumps`
    gives; past ``ROUTE_WARNINGS`` route values per input, one sentence counts the rest."""
    pieces: list[list[str]] = []  # the warnings of each part, parts in document order

    def cleaned(value: Any, where: str) -> Any:
        clean = _Clean()
        out = clean(value, where)
        pieces.append(clean.replaced)
        return out

    def text(value: Any, where: str, depth: int) -> str:
        return json.dumps(cleaned(value, where), indent=2, ensure_ascii=False,
                          allow_nan=False).replace("\n", "\n" + "  " * depth)

    def key(k: Any) -> str:
        return json.dumps(str(k), ensure_ascii=False)

    keys = list(data)
    write("{")
    for n, k in enumerate(keys):
        write(("\n  " if n == 0 else ",\n  ") + key(k) + ": ")
        if k == "warnings":
            continue  # written last, when every part's warnings are known
        value = data[k]
        if k == streamed and isinstance(value, dict) and value:
            _listing(value, write, pieces, text, key)
        else:
            write(text(value, f"$.{k}", 1))
    replaced = [w for piece in reversed(pieces) for w in piece]
    if "warnings" in data or replaced:
        warnings = list(data.get("warnings") or []) + replaced
        tail = text(warnings, "$.warnings", 1)
        pieces.pop()
        if "warnings" in data:  # its place among the keys (last, in every command's data)
            if keys[-1] != "warnings":
                raise ValueError("write_listing_json: 'warnings' must be the last key")
            write(tail)
        else:
            write(",\n  " + key("warnings") + ": " + tail)
    write("\n}\n")


def _listing(listing: dict[str, Any], write: Callable[[str], Any], pieces: list[list[str]],
             text: Callable[[Any, str, int], str], key: Callable[[Any], str]) -> None:
    write("{")
    for n, (w, info) in enumerate(listing.items()):
        write(("\n    " if n == 0 else ",\n    ") + key(w) + ": ")
        if not isinstance(info, dict) or not info:
            write(text(info, f"$.listing.{w}", 2))
            continue
        write("{")
        for m, (k, v) in enumerate(info.items()):
            write(("\n      " if m == 0 else ",\n      ") + key(k) + ": ")
            if k == "routes" and isinstance(v, list) and v:
                _rows(v, f"$.listing.{w}.routes", write, pieces)
            else:
                write(text(v, f"$.listing.{w}.{k}", 3))
        write("\n    }")
    write("\n  }")


BLOCK_CHARS = 4_000_000  # a block of rows is written once it holds this many characters
_EDGE_KEYS = ("partials", "formulas", "factors", "edges")
_ROW = " " * 10  # a row's keys are at depth 5 of the routes command's JSON
_ITEM = ",\n" + " " * 12


def _rows(rows: list[Any], where: str, write: Callable[[str], Any],
          pieces: list[list[str]]) -> None:
    """The rows of one input's listing, a block of rows per write; each edge's JSON made once
    (an edge is known by its ``[arg, node, position]`` object, which its rows share)."""
    edge_json: dict[tuple[str, int], str] = {}
    problems: list[str] = []
    more = 0
    started = False
    block: list[str] = []
    size = 0  # characters in block
    for i, row in enumerate(rows):
        at = f"{where}[{i}]"
        edges = row.get("edges") if isinstance(row, dict) else None
        if not isinstance(row, dict) or not isinstance(edges, list) or any(
                isinstance(row.get(k), list) and len(row[k]) != len(edges)
                for k in _EDGE_KEYS):
            clean = _Clean()  # not a listing row: written as dumps writes anything
            block.append(" " * 8 + json.dumps(clean(row, at), indent=2, ensure_ascii=False,
                                              allow_nan=False).replace("\n", "\n" + " " * 8))
            problems.extend(reversed(clean.replaced))
        else:
            parts = []
            for k, v in row.items():
                body: str | None
                if k in _EDGE_KEYS and isinstance(v, list) and v:
                    items = []
                    for j, item in enumerate(v):
                        memo = (k, id(edges[j]))
                        js = edge_json.get(memo)
                        if js is None:
                            js = edge_json[memo] = _edge_item(item, k)
                        if js == "null" and item is not None:
                            if len(problems) < ROUTE_WARNINGS:
                                problems.append(f"{at}.{k}[{j}] was {_what(item)}; written as "
                                                "null")
                            else:
                                more += 1
                        items.append(js)
                    body = "[\n" + " " * 12 + _ITEM.join(items) + "\n" + _ROW + "]"
                else:
                    body, problem = _scalar(v)
                    if body is None:
                        clean = _Clean()
                        body = json.dumps(clean(v, f"{at}.{k}"), indent=2, ensure_ascii=False,
                                          allow_nan=False).replace("\n", "\n" + _ROW)
                        problems.extend(reversed(clean.replaced))
                    elif problem:
                        if len(problems) < ROUTE_WARNINGS:
                            problems.append(f"{at}.{k} was {problem}; written as null")
                        else:
                            more += 1
                parts.append(_ROW + json.dumps(k, ensure_ascii=False) + ": " + body)
            block.append(" " * 8 + "{\n" + ",\n".join(parts) + "\n" + " " * 8 + "}")
        size += len(block[-1])
        if len(block) >= 2048 or size >= BLOCK_CHARS:  # long routes: a few rows per write
            write((",\n" if started else "[\n") + ",\n".join(block))
            block.clear()
            size = 0
            started = True
    if block:
        write((",\n" if started else "[\n") + ",\n".join(block))
    write("\n" + " " * 6 + "]")
    if more:
        problems.append(f"{where}: {more:,} more non-finite route values written as null")
    pieces.append(problems[::-1])


def _what(v: Any) -> str:
    if isinstance(v, complex):
        return f"complex ({v})"
    try:
        return _name(float(v))
    except (TypeError, ValueError):
        return str(v)


def _scalar(v: Any) -> tuple[str | None, str | None]:
    """The JSON of a plain scalar and what was replaced by null (None: not a plain scalar)."""
    if v is None or isinstance(v, bool):
        return json.dumps(v), None
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False), None
    if isinstance(v, int):
        return int.__repr__(v), None
    if isinstance(v, float):
        if math.isfinite(v):
            return float.__repr__(v), None
        return "null", _name(v)
    if isinstance(v, complex):
        return "null", f"complex ({v})"
    return None, None


def _edge_item(item: Any, k: str) -> str:
    """The JSON of one edge's entry of a row list, at a row list's depth."""
    if k == "edges" and isinstance(item, list):
        inner = ",\n" + " " * 14
        return "[\n" + " " * 14 + inner.join(_scalar(x)[0] or json.dumps(str(x))
                                             for x in item) + "\n" + " " * 12 + "]"
    js, _ = _scalar(item)
    if js is None:
        clean = _Clean()
        js = json.dumps(clean(item, "$"), ensure_ascii=False, allow_nan=False)
    return js
